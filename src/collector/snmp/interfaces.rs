//! IF-MIB columns → [`Interface`] records. Pure: no I/O, unit-tested.

use std::collections::{BTreeMap, HashMap};

use super::oids::Column;
use super::value::Val;
use crate::report::{Counters, Interface};
use crate::telemetry::Anomaly;

/// Walked columns: column → ifIndex → value.
pub type Tables = HashMap<Column, BTreeMap<u32, Val>>;

/// What the mapping had to work around, for the telemetry counters.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Quirks {
    pub counts: BTreeMap<Anomaly, u64>,
}

impl Quirks {
    fn add(&mut self, a: Anomaly) {
        *self.counts.entry(a).or_default() += 1;
    }
}

/// Builds one [`Interface`] per ifIndex seen in ifTable or ifXTable.
///
/// `sys_uptime_ticks` and `now_unix` turn ifLastChange (a sysUpTime value)
/// into a Unix time.
pub fn build(tables: &Tables, sys_uptime_ticks: Option<u64>, now_unix: f64) -> (Vec<Interface>, Quirks) {
    let mut quirks = Quirks::default();
    let get = |c: Column, i: u32| tables.get(&c).and_then(|t| t.get(&i)).filter(|v| !v.is_absent());
    let num = |c: Column, i: u32| get(c, i).and_then(Val::as_u64);

    let mut indexes: Vec<u32> = Vec::new();
    for col in tables.values() {
        indexes.extend(col.keys().copied());
    }
    indexes.sort_unstable();
    indexes.dedup();

    let has_ifx = |i: u32| {
        Column::ALL
            .iter()
            .filter(|c| c.location().0 == super::oids::IFX_ENTRY)
            .any(|c| get(*c, i).is_some())
    };
    let any_ifx = tables
        .iter()
        .any(|(c, t)| c.location().0 == super::oids::IFX_ENTRY && !t.is_empty());

    let mut out = Vec::with_capacity(indexes.len());
    for i in indexes {
        if any_ifx && !has_ifx(i) {
            quirks.add(Anomaly::MissingIfXRow);
        }
        let descr = get(Column::IfDescr, i).and_then(Val::as_text).unwrap_or_default();
        let if_name = get(Column::IfName, i).and_then(Val::as_text).unwrap_or_default();
        let name = if !if_name.is_empty() {
            if_name
        } else {
            if any_ifx && get(Column::IfName, i).is_some() {
                quirks.add(Anomaly::EmptyIfName);
            }
            if descr.is_empty() {
                format!("ifIndex{i}")
            } else {
                descr.clone()
            }
        };

        let speed_bytes = match (num(Column::IfSpeed, i), num(Column::IfHighSpeed, i)) {
            // ifSpeed is exact below its 4,294,967,295 cap; ifHighSpeed only has Mb/s resolution.
            (Some(s), _) if s < u64::from(u32::MAX) => Some(s as f64 / 8.0),
            (_, Some(h)) => Some(h as f64 * 1e6 / 8.0),
            (Some(s), None) => Some(s as f64 / 8.0),
            (None, None) => None,
        };

        let last_change_seconds = match (num(Column::IfLastChange, i), sys_uptime_ticks) {
            (Some(lc), Some(up)) if lc <= up => Some((now_unix - (up - lc) as f64 / 100.0).round()),
            _ => None,
        };

        let hc_or = |hc: Column, c32: Column| num(hc, i).or_else(|| num(c32, i));
        let packets = |hc: [Column; 3], c32_ucast: Column, c32_m: Column, c32_b: Column, nucast: Column| {
            if let Some(u) = num(hc[0], i) {
                let m = num(hc[1], i).unwrap_or(0);
                let b = num(hc[2], i).unwrap_or(0);
                return Some(u.wrapping_add(m).wrapping_add(b));
            }
            let u = num(c32_ucast, i)?;
            match (num(c32_m, i), num(c32_b, i)) {
                (None, None) => Some(u.wrapping_add(num(nucast, i).unwrap_or(0))),
                (m, b) => Some(u + m.unwrap_or(0) + b.unwrap_or(0)),
            }
        };

        let receive = Counters {
            bytes: hc_or(Column::IfHCInOctets, Column::IfInOctets),
            packets: packets(
                [
                    Column::IfHCInUcastPkts,
                    Column::IfHCInMulticastPkts,
                    Column::IfHCInBroadcastPkts,
                ],
                Column::IfInUcastPkts,
                Column::IfInMulticastPkts,
                Column::IfInBroadcastPkts,
                Column::IfInNUcastPkts,
            ),
            errors: num(Column::IfInErrors, i),
            discards: num(Column::IfInDiscards, i),
            broadcast_packets: hc_or(Column::IfHCInBroadcastPkts, Column::IfInBroadcastPkts),
            multicast_packets: hc_or(Column::IfHCInMulticastPkts, Column::IfInMulticastPkts),
        };
        let transmit = Counters {
            bytes: hc_or(Column::IfHCOutOctets, Column::IfOutOctets),
            packets: packets(
                [
                    Column::IfHCOutUcastPkts,
                    Column::IfHCOutMulticastPkts,
                    Column::IfHCOutBroadcastPkts,
                ],
                Column::IfOutUcastPkts,
                Column::IfOutMulticastPkts,
                Column::IfOutBroadcastPkts,
                Column::IfOutNUcastPkts,
            ),
            errors: num(Column::IfOutErrors, i),
            discards: num(Column::IfOutDiscards, i),
            broadcast_packets: hc_or(Column::IfHCOutBroadcastPkts, Column::IfOutBroadcastPkts),
            multicast_packets: hc_or(Column::IfHCOutMulticastPkts, Column::IfOutMulticastPkts),
        };

        out.push(Interface {
            name,
            index: Some(u64::from(i)),
            description: get(Column::IfAlias, i).and_then(Val::as_text).unwrap_or_default(),
            if_type: num(Column::IfType, i).map(if_type_name).unwrap_or_default(),
            mac: get(Column::IfPhysAddress, i)
                .and_then(Val::as_bytes)
                .map(mac)
                .unwrap_or_default(),
            admin_up: num(Column::IfAdminStatus, i).map(|s| s == 1),
            oper_up: num(Column::IfOperStatus, i).map(|s| s == 1),
            speed_bytes,
            mtu_bytes: num(Column::IfMtu, i),
            last_change_seconds,
            receive,
            transmit,
        });
    }

    // Names are the series identity: make duplicates unique, deterministically.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for ifc in &out {
        *seen.entry(ifc.name.clone()).or_default() += 1;
    }
    for ifc in &mut out {
        if seen.get(&ifc.name).copied().unwrap_or(0) > 1 {
            quirks.add(Anomaly::DuplicateInterfaceName);
            if let Some(i) = ifc.index {
                ifc.name = format!("{}#{i}", ifc.name);
            }
        }
    }
    (out, quirks)
}

fn mac(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 3);
    for (i, byte) in b.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push_str(&format!("{byte:02x}"));
    }
    s
}

/// IANAifType names for the types network gear actually reports.
fn if_type_name(t: u64) -> String {
    let name = match t {
        1 => "other",
        6 => "ethernetCsmacd",
        18 => "ds1",
        22 => "propPointToPointSerial",
        23 => "ppp",
        24 => "softwareLoopback",
        30 => "ds3",
        32 => "frameRelay",
        37 => "atm",
        39 => "sonet",
        49 => "aal5",
        53 => "propVirtual",
        62 => "fastEther",
        63 => "isdn",
        71 => "ieee80211",
        81 => "ds0",
        94 => "adsl",
        97 => "vdsl",
        108 => "pppMultilinkBundle",
        117 => "gigabitEthernet",
        131 => "tunnel",
        135 => "l2vlan",
        136 => "l3ipvlan",
        142 => "ipForward",
        150 => "mplsTunnel",
        161 => "ieee8023adLag",
        166 => "mpls",
        209 => "bridge",
        _ => return t.to_string(),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(rows: &[(Column, u32, Val)]) -> Tables {
        let mut t = Tables::new();
        for (c, i, v) in rows {
            t.entry(*c).or_default().insert(*i, v.clone());
        }
        t
    }

    fn s(x: &str) -> Val {
        Val::Str(x.as_bytes().to_vec())
    }

    #[test]
    fn prefers_hc_counters_and_ifname() {
        use Column::*;
        let t = tables(&[
            (IfDescr, 1, s("GigabitEthernet0/1")),
            (IfName, 1, s("Gi0/1")),
            (IfAlias, 1, s("uplink to core")),
            (IfType, 1, Val::Int(6)),
            (IfMtu, 1, Val::Int(1500)),
            (IfSpeed, 1, Val::Unsigned32(u32::MAX)),
            (IfHighSpeed, 1, Val::Unsigned32(10_000)),
            (IfPhysAddress, 1, Val::Str(vec![0, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f])),
            (IfAdminStatus, 1, Val::Int(1)),
            (IfOperStatus, 1, Val::Int(2)),
            (IfLastChange, 1, Val::Timeticks(1000)),
            (IfInOctets, 1, Val::Counter32(5)),
            (IfHCInOctets, 1, Val::Counter64(5_000_000_000)),
            (IfHCInUcastPkts, 1, Val::Counter64(100)),
            (IfHCInMulticastPkts, 1, Val::Counter64(10)),
            (IfHCInBroadcastPkts, 1, Val::Counter64(1)),
            (IfInErrors, 1, Val::Counter32(7)),
            (IfOutDiscards, 1, Val::Counter32(3)),
        ]);
        let (ifs, quirks) = build(&t, Some(11_000), 1_000_000.0);
        assert_eq!(quirks, Quirks::default());
        let i = &ifs[0];
        assert_eq!(i.name, "Gi0/1");
        assert_eq!(i.description, "uplink to core");
        assert_eq!(i.if_type, "ethernetCsmacd");
        assert_eq!(i.mac, "00:1b:2c:3d:4e:5f");
        assert_eq!(i.speed_bytes, Some(1.25e9));
        assert_eq!(i.mtu_bytes, Some(1500));
        assert_eq!((i.admin_up, i.oper_up), (Some(true), Some(false)));
        assert_eq!(i.last_change_seconds, Some(1_000_000.0 - 100.0));
        assert_eq!(i.receive.bytes, Some(5_000_000_000));
        assert_eq!(i.receive.packets, Some(111));
        assert_eq!(i.receive.multicast_packets, Some(10));
        assert_eq!(i.receive.errors, Some(7));
        assert_eq!(i.transmit.discards, Some(3));
        assert_eq!(i.transmit.bytes, None, "absent counters stay absent, not zero");
    }

    #[test]
    fn thirty_two_bit_agent_without_ifxtable() {
        use Column::*;
        let t = tables(&[
            (IfDescr, 3, s("eth0")),
            (IfSpeed, 3, Val::Unsigned32(100_000_000)),
            (IfInOctets, 3, Val::Counter32(42)),
            (IfInUcastPkts, 3, Val::Counter32(4)),
            (IfInNUcastPkts, 3, Val::Counter32(2)),
        ]);
        let (ifs, quirks) = build(&t, None, 0.0);
        assert!(quirks.counts.is_empty(), "no ifXTable at all is not a missing row");
        assert_eq!(ifs[0].name, "eth0");
        assert_eq!(ifs[0].speed_bytes, Some(12_500_000.0));
        assert_eq!(ifs[0].receive.bytes, Some(42));
        assert_eq!(ifs[0].receive.packets, Some(6));
        assert_eq!(ifs[0].last_change_seconds, None);
    }

    #[test]
    fn missing_ifx_row_empty_ifname_and_duplicates() {
        use Column::*;
        let t = tables(&[
            (IfDescr, 1, s("port\0\0")),
            (IfDescr, 2, s("port")),
            (IfDescr, 3, s("")),
            (IfName, 1, s("")),
            (IfName, 3, s("")),
            (IfOperStatus, 2, Val::NoSuchInstance),
        ]);
        let (ifs, quirks) = build(&t, None, 0.0);
        let names: Vec<_> = ifs.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["port#1", "port#2", "ifIndex3"]);
        assert_eq!(ifs[1].oper_up, None, "noSuchInstance is absent, not down");
        assert_eq!(quirks.counts[&Anomaly::MissingIfXRow], 1);
        assert_eq!(quirks.counts[&Anomaly::EmptyIfName], 2);
        assert_eq!(quirks.counts[&Anomaly::DuplicateInterfaceName], 2);
    }
}
