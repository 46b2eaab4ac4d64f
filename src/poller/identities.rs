//! Who each target is, as the config and its own polls say: its name,
//! system name, LLDP chassis id, address and interface names. With it a
//! neighbor one device sees is named as the target it is (`remote_device`),
//! and a link between two targets gets one name from both ends (`link`).
//!
//! Matching, most specific first: the chassis id (a MAC or the id the
//! device sends about itself, identical on both ends by construction), then
//! the system name, then the management address. Names are compared
//! normalized ([`normalized_name`]): device ids carry domain suffixes and
//! Cisco serials in parentheses that sysName lacks. A key two targets share
//! (two lab switches both called `switch`) matches neither: a wrong
//! neighbor is worse than none.
//!
//! Outlives reloads like the poll directory; entries follow the config.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::collector::ifname;
use crate::config::Target;
use crate::report::{DeviceReport, Neighbor};

/// What one target is known by.
#[derive(Default)]
struct Identity {
    /// The configured address (host part), normalized.
    address: String,
    /// The sysName or hostname its last poll reported, normalized.
    system_name: String,
    chassis_id: String,
    /// Its interfaces' names and descriptions, as its last poll listed them.
    interfaces: Vec<String>,
    descriptions: Vec<(String, String)>,
}

#[derive(Default)]
pub struct Identities {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    devices: HashMap<String, Identity>,
    /// The match keys, built when first needed after a change of the keys
    /// (config, a sysName or chassis id that moved): every poll that names
    /// neighbors reads it, and rebuilding it per poll made a scrape of N
    /// devices cost N² normalizations.
    index: Option<Index>,
}

/// A device name as matched: no Cisco serial in parentheses
/// (`sw1(FOC1234X0AB)`), no domain (`sw1.example.net`), lowercase. An IP
/// address stays whole.
pub fn normalized_name(raw: &str) -> String {
    let mut name = raw.trim();
    if let Some((before, after)) = name.split_once('(') {
        if after.ends_with(')') && !before.trim().is_empty() {
            name = before.trim();
        }
    }
    let name = name.trim_end_matches('.');
    if name.parse::<IpAddr>().is_ok() {
        return name.to_owned();
    }
    name.split('.').next().unwrap_or(name).to_ascii_lowercase()
}

/// A chassis id as compared: a MAC in any notation (`0011.2233.aabb`,
/// `00-11-22-33-AA-BB`) as `00:11:22:33:aa:bb`, anything else lowercase.
fn normalized_id(raw: &str) -> String {
    let raw = raw.trim().to_ascii_lowercase();
    let hex: String = raw.chars().filter(|c| !matches!(c, ':' | '.' | '-' | ' ')).collect();
    if hex.len() == 12 && hex.chars().all(|c| c.is_ascii_hexdigit()) && hex.len() < raw.len() {
        let pairs: Vec<&str> = (0..6).map(|i| &hex[2 * i..2 * i + 2]).collect();
        return pairs.join(":");
    }
    raw
}

impl Identities {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes the entries the config's: every target by name and address
    /// from the start (so a neighbor is named before its own first poll);
    /// what polls learned stays for targets whose address did not change.
    pub fn configure(&self, targets: &[Arc<Target>]) {
        let mut inner = self.lock();
        let mut next = HashMap::with_capacity(targets.len());
        for t in targets {
            let address = normalized_name(&t.address.host);
            let known = inner.devices.remove(&t.name).filter(|i| i.address == address);
            next.insert(
                t.name.clone(),
                known.unwrap_or(Identity {
                    address,
                    ..Identity::default()
                }),
            );
        }
        *inner = Inner {
            devices: next,
            index: None,
        };
    }

    /// Records what a poll of `device` said about itself (only polls that
    /// reached it: a dead device keeps what it last said).
    pub fn update(&self, device: &str, report: &DeviceReport) {
        if !report.up {
            return;
        }
        let mut inner = self.lock();
        let Some(i) = inner.devices.get_mut(device) else { return };
        let mut moved = false;
        if let Some(info) = &report.info {
            for (key, now) in [
                (&mut i.system_name, normalized_name(&info.hostname)),
                (&mut i.chassis_id, normalized_id(&info.chassis_id)),
            ] {
                if *key != now {
                    *key = now;
                    moved = true;
                }
            }
        }
        if !report.interfaces.is_empty() {
            i.interfaces = report.interfaces.iter().map(|x| x.name.clone()).collect();
            i.descriptions = report
                .interfaces
                .iter()
                .filter(|x| !x.description.is_empty())
                .map(|x| (x.description.clone(), x.name.clone()))
                .collect();
        }
        if moved {
            inner.index = None;
        }
    }

    /// Fills `remote_device` and `link` of the neighbors `device` sees.
    pub fn name_neighbors(&self, device: &str, neighbors: &mut [Neighbor]) {
        if neighbors.is_empty() {
            return;
        }
        let mut inner = self.lock();
        let Inner { devices, index } = &mut *inner;
        let index = index.get_or_insert_with(|| Index::of(devices));
        for n in neighbors.iter_mut() {
            let Some(remote) = index.find(n) else { continue };
            n.remote_device = remote.to_owned();
            if remote == device || n.interface.is_empty() {
                continue;
            }
            let Some(port) = devices.get(remote).and_then(|r| r.port(n)) else {
                continue;
            };
            let (a, b) = (format!("{device}:{}", n.interface), format!("{remote}:{port}"));
            n.link = if a <= b {
                format!("{a} -- {b}")
            } else {
                format!("{b} -- {a}")
            };
        }
    }
}

impl Identity {
    /// The interface of this device a neighbor record's remote port names:
    /// the port id, then the port description, as an interface name or
    /// abbreviation, then as a unique interface description (agents that
    /// send the ifAlias). `None` for a MAC or a number this device's
    /// interfaces do not carry.
    fn port(&self, n: &Neighbor) -> Option<String> {
        for said in [&n.remote_port, &n.remote_port_description] {
            if let Some(name) = ifname::resolve(said, &self.interfaces) {
                return Some(name.to_owned());
            }
        }
        ifname::by_unique_description(
            &n.remote_port_description,
            self.descriptions.iter().map(|(d, name)| (d.as_str(), name.as_str())),
        )
        .map(str::to_owned)
    }
}

/// Gives `key` to `device`, or to no one when another device has it too.
fn claim(m: &mut HashMap<String, Option<String>>, key: String, device: &str) {
    m.entry(key)
        .and_modify(|d| {
            if d.as_deref() != Some(device) {
                *d = None;
            }
        })
        .or_insert_with(|| Some(device.to_owned()));
}

/// The match keys of every target, each to the one target that has it.
struct Index {
    chassis: HashMap<String, Option<String>>,
    names: HashMap<String, Option<String>>,
    addresses: HashMap<String, Option<String>>,
}

impl Index {
    fn of(devices: &HashMap<String, Identity>) -> Index {
        let mut ix = Index {
            chassis: HashMap::new(),
            names: HashMap::new(),
            addresses: HashMap::new(),
        };
        for (device, i) in devices {
            if !i.chassis_id.is_empty() {
                claim(&mut ix.chassis, i.chassis_id.clone(), device);
            }
            for name in [normalized_name(device), i.system_name.clone()] {
                if !name.is_empty() {
                    claim(&mut ix.names, name, device);
                }
            }
            if i.address.parse::<IpAddr>().is_ok() {
                claim(&mut ix.addresses, i.address.clone(), device);
            }
        }
        ix
    }

    fn find(&self, n: &Neighbor) -> Option<&str> {
        [
            self.chassis.get(&normalized_id(&n.remote_chassis_id)),
            self.names.get(&normalized_name(&n.remote_system)),
            self.addresses.get(&normalized_name(&n.remote_address)),
        ]
        .into_iter()
        .find_map(|d| d.and_then(Option::as_deref))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{DeviceInfo, Interface};

    fn identities(yaml: &str) -> Identities {
        let config = crate::config::Config::from_yaml(std::path::Path::new("t.yml"), yaml).unwrap();
        let ids = Identities::default();
        ids.configure(&config.targets);
        ids
    }

    fn polled(hostname: &str, chassis_id: &str, interfaces: &[(&str, &str)]) -> DeviceReport {
        DeviceReport {
            up: true,
            info: Some(DeviceInfo {
                hostname: hostname.into(),
                chassis_id: chassis_id.into(),
                ..DeviceInfo::default()
            }),
            interfaces: interfaces
                .iter()
                .map(|(name, description)| Interface {
                    name: (*name).into(),
                    description: (*description).into(),
                    ..Interface::default()
                })
                .collect(),
            ..DeviceReport::default()
        }
    }

    fn seen(interface: &str, system: &str, port: &str) -> Neighbor {
        Neighbor {
            interface: interface.into(),
            remote_system: system.into(),
            remote_port: port.into(),
            ..Neighbor::default()
        }
    }

    const FLEET: &str = "targets:\n\
        \x20 - {name: core1, address: 192.0.2.1, snmp: {community: c}}\n\
        \x20 - {name: access-7, address: 'sw7.example.net:1161', snmp: {community: c}}\n\
        \x20 - {name: lab-a, address: 192.0.2.8, snmp: {community: c}}\n\
        \x20 - {name: lab-b, address: 192.0.2.9, snmp: {community: c}}\n";

    #[test]
    fn device_ids_lose_domain_and_serial_but_addresses_stay_whole() {
        assert_eq!(normalized_name("SW1.Example.NET"), "sw1");
        assert_eq!(normalized_name("sw1(FOC1234X0AB)"), "sw1");
        assert_eq!(normalized_name("n5k-1.lab(SSI1234)"), "n5k-1");
        assert_eq!(normalized_name("core1.example.net."), "core1");
        assert_eq!(normalized_name("192.0.2.1"), "192.0.2.1");
        assert_eq!(normalized_name("2001:db8::1"), "2001:db8::1");
        assert_eq!(normalized_name("(odd)"), "(odd)");
        assert_eq!(normalized_id("0011.22AA.bbcc"), "00:11:22:aa:bb:cc");
        assert_eq!(normalized_id("00-11-22-AA-BB-CC"), "00:11:22:aa:bb:cc");
        assert_eq!(normalized_id("Chassis-1"), "chassis-1");
    }

    #[test]
    fn a_neighbor_is_named_by_chassis_id_system_name_or_address_and_a_shared_key_names_nobody() {
        let ids = identities(FLEET);
        ids.update(
            "core1",
            &polled("core1.example.net", "00:11:22:33:44:55", &[("Gi0/1", "")]),
        );
        ids.update("lab-a", &polled("switch", "", &[]));
        ids.update("lab-b", &polled("switch", "", &[]));
        let mut n = vec![
            // By chassis id, whatever the name says.
            Neighbor {
                remote_chassis_id: "0011.2233.4455".into(),
                ..seen("Eth1", "renamed", "Gi0/1")
            },
            // By sysName (with a serial), before core1's own poll would not matter.
            seen("Eth2", "CORE1(FOC99)", "x"),
            // By the target's name when it has not been polled yet (access-7).
            seen("Eth3", "access-7.example.net", "x"),
            // By management address.
            Neighbor {
                remote_address: "192.0.2.9".into(),
                ..seen("Eth4", "unknown-host", "x")
            },
            // Two targets call themselves `switch`: neither.
            seen("Eth5", "switch", "x"),
            seen("Eth6", "printer", "x"),
        ];
        ids.name_neighbors("edge", &mut n);
        let named: Vec<&str> = n.iter().map(|n| n.remote_device.as_str()).collect();
        assert_eq!(named, ["core1", "core1", "access-7", "lab-b", "", ""]);
    }

    #[test]
    fn both_ends_of_a_link_name_it_alike_whatever_port_notation_they_use() {
        let ids = identities(FLEET);
        ids.update(
            "core1",
            &polled(
                "core1",
                "",
                &[("GigabitEthernet0/1", "to access-7"), ("GigabitEthernet0/2", "")],
            ),
        );
        ids.update(
            "access-7",
            &polled("sw7", "", &[("Ethernet1/49", "uplink"), ("mgmt0", "")]),
        );
        // core1 sees sw7's port by its abbreviation; sw7 sees core1's by its description only.
        let mut from_core = vec![seen("GigabitEthernet0/1", "sw7", "Eth1/49")];
        let mut from_access = vec![Neighbor {
            remote_port_description: "to access-7".into(),
            ..seen("Ethernet1/49", "core1", "c0:ff:ee:00:00:01")
        }];
        ids.name_neighbors("core1", &mut from_core);
        ids.name_neighbors("access-7", &mut from_access);
        let link = "access-7:Ethernet1/49 -- core1:GigabitEthernet0/1";
        assert_eq!(
            (from_core[0].remote_device.as_str(), from_core[0].link.as_str()),
            ("access-7", link)
        );
        assert_eq!(
            (from_access[0].remote_device.as_str(), from_access[0].link.as_str()),
            ("core1", link)
        );

        // A port the remote device does not list: the device is known, the link is not.
        let mut unknown_port = vec![seen("GigabitEthernet0/2", "sw7", "Ethernet9/9")];
        ids.name_neighbors("core1", &mut unknown_port);
        assert_eq!(unknown_port[0].remote_device, "access-7");
        assert_eq!(unknown_port[0].link, "");
    }

    #[test]
    fn a_reload_keeps_what_polls_learned_unless_the_address_changed() {
        let ids = identities(FLEET);
        ids.update("core1", &polled("backbone", "", &[]));
        ids.configure(
            &crate::config::Config::from_yaml(std::path::Path::new("t.yml"), FLEET)
                .unwrap()
                .targets,
        );
        let mut n = vec![seen("e0", "backbone", "x")];
        ids.name_neighbors("edge", &mut n);
        assert_eq!(n[0].remote_device, "core1");
        ids.configure(
            &crate::config::Config::from_yaml(
                std::path::Path::new("t.yml"),
                &FLEET.replace("192.0.2.1", "192.0.2.100"),
            )
            .unwrap()
            .targets,
        );
        let mut n = vec![seen("e0", "backbone", "x")];
        ids.name_neighbors("edge", &mut n);
        assert_eq!(n[0].remote_device, "", "another address is another device");
    }
}
