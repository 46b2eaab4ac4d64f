//! SNMPv2-MIB system group → device identity. Pure functions.

use crate::report::DeviceInfo;

/// Vendor from sysObjectID's enterprise number (1.3.6.1.4.1.N…).
pub fn vendor_from_object_id(oid: &[u32]) -> Option<&'static str> {
    if oid.len() < 7 || oid[..6] != [1, 3, 6, 1, 4, 1] {
        return None;
    }
    Some(match oid[6] {
        9 => "cisco",
        2011 => "huawei",
        2636 => "juniper",
        14988 => "mikrotik",
        8072 => "net-snmp",
        30065 => "arista",
        25506 => "h3c",
        4881 => "ruijie",
        3902 => "zte",
        11 => "hp",
        47196 => "hpe",
        12356 => "fortinet",
        25461 => "paloalto",
        6527 => "nokia",
        1991 => "brocade",
        674 => "dell",
        _ => return None,
    })
}

/// Fills vendor, model and OS version from sysObjectID and sysDescr.
/// sysDescr is free text; these patterns cover what the major vendors
/// print, and anything unrecognised leaves the field empty rather than wrong.
pub fn device_info(object_id: &[u32], descr: &str, name: &str) -> DeviceInfo {
    let vendor = vendor_from_object_id(object_id)
        .map(str::to_owned)
        .or_else(|| vendor_from_descr(descr))
        .unwrap_or_default();
    let (model, os_version) = match vendor.as_str() {
        "cisco" => cisco(descr),
        "juniper" => juniper(descr),
        "huawei" => huawei(descr),
        "mikrotik" => (
            descr.strip_prefix("RouterOS ").unwrap_or("").trim().to_owned(),
            String::new(),
        ),
        "net-snmp" => linux(descr),
        _ => (String::new(), after_word(descr, "Version").unwrap_or_default()),
    };
    DeviceInfo {
        vendor,
        model,
        os_version,
        hostname: name.to_owned(),
        object_id: super::value::dotted(object_id),
        description: descr.to_owned(),
        chassis_id: String::new(),
    }
}

fn vendor_from_descr(d: &str) -> Option<String> {
    let l = d.to_ascii_lowercase();
    for (needle, v) in [
        ("cisco", "cisco"),
        ("huawei", "huawei"),
        ("juniper", "juniper"),
        ("junos", "juniper"),
        ("routeros", "mikrotik"),
        ("arista", "arista"),
        ("linux", "net-snmp"),
    ] {
        if l.contains(needle) {
            return Some(v.to_owned());
        }
    }
    None
}

/// The token after `word` (e.g. "Version 15.2(4)M3," → "15.2(4)M3").
fn after_word(d: &str, word: &str) -> Option<String> {
    let i = d.find(word)?;
    let tok = d[i + word.len()..].split_whitespace().next()?;
    let tok = tok.trim_end_matches([',', ';']);
    (!tok.is_empty()).then(|| tok.to_owned())
}

fn cisco(d: &str) -> (String, String) {
    let version = after_word(d, "Version ").unwrap_or_default();
    // "Cisco IOS Software, C3560 Software (C3560-IPBASEK9-M), ..." → C3560
    // "Cisco NX-OS(tm) n5000, Software (n5000-uk9), ..." → n5000
    let model = d
        .split(',')
        .nth(1)
        .map(str::trim)
        .and_then(|s| s.split_whitespace().next())
        .filter(|m| !m.eq_ignore_ascii_case("Version") && !m.eq_ignore_ascii_case("Software"))
        .map(str::to_owned)
        .or_else(|| {
            d.split_once("NX-OS(tm) ")
                .and_then(|(_, r)| r.split([',', ' ']).next())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    (model, version)
}

fn juniper(d: &str) -> (String, String) {
    // "Juniper Networks, Inc. mx960 internet router, kernel JUNOS 13.3R9.13 #0: ..."
    let model = d
        .split_once("Inc. ")
        .and_then(|(_, r)| r.split_whitespace().next())
        .unwrap_or("")
        .to_owned();
    let version = after_word(d, "JUNOS ").unwrap_or_default();
    (model, version)
}

fn huawei(d: &str) -> (String, String) {
    // "... VRP (R) software, Version 5.170 (S5720 V200R011C10SPC500) ..."
    if let Some((_, r)) = d.split_once("Version ") {
        if let Some((_, inner)) = r.split_once('(') {
            let inner = inner.split(')').next().unwrap_or("");
            let mut parts = inner.split_whitespace();
            let model = parts.next().unwrap_or("").to_owned();
            let version = parts.next().unwrap_or("").to_owned();
            return (model, version);
        }
    }
    (String::new(), String::new())
}

fn linux(d: &str) -> (String, String) {
    // "Linux host 6.1.0-18-amd64 #1 SMP ... x86_64"
    let parts: Vec<&str> = d.split_whitespace().collect();
    if parts.first() == Some(&"Linux") && parts.len() >= 3 {
        let arch = parts.last().copied().unwrap_or("");
        return (arch.to_owned(), parts[2].to_owned());
    }
    (String::new(), String::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_real_sysdescrs() {
        let ios = device_info(
            &[1, 3, 6, 1, 4, 1, 9, 1, 1226],
            "Cisco IOS Software, C3560 Software (C3560-IPBASEK9-M), Version 12.2(55)SE5, RELEASE SOFTWARE (fc1)",
            "sw1",
        );
        assert_eq!(
            (ios.vendor.as_str(), ios.model.as_str(), ios.os_version.as_str()),
            ("cisco", "C3560", "12.2(55)SE5")
        );
        assert_eq!(ios.object_id, "1.3.6.1.4.1.9.1.1226");
        let jun = device_info(
            &[1, 3, 6, 1, 4, 1, 2636, 1, 1, 1, 2, 25],
            "Juniper Networks, Inc. mx960 internet router, kernel JUNOS 13.3R9.13 #0: 2016-03-04",
            "r1",
        );
        assert_eq!(
            (jun.vendor.as_str(), jun.model.as_str(), jun.os_version.as_str()),
            ("juniper", "mx960", "13.3R9.13")
        );
        let hw = device_info(&[1, 3, 6, 1, 4, 1, 2011, 2, 23, 1], "Huawei Versatile Routing Platform Software\r\nVRP (R) software, Version 5.170 (S5720 V200R011C10SPC500)\r\nCopyright (C) 2000-2018 HUAWEI TECH Co., Ltd", "hw");
        assert_eq!(
            (hw.vendor.as_str(), hw.model.as_str(), hw.os_version.as_str()),
            ("huawei", "S5720", "V200R011C10SPC500")
        );
        let mt = device_info(&[1, 3, 6, 1, 4, 1, 14988, 1], "RouterOS CCR1036-12G-4S", "mt");
        assert_eq!((mt.vendor.as_str(), mt.model.as_str()), ("mikrotik", "CCR1036-12G-4S"));
        let lx = device_info(
            &[1, 3, 6, 1, 4, 1, 8072, 3, 2, 10],
            "Linux h 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC x86_64",
            "h",
        );
        assert_eq!(
            (lx.vendor.as_str(), lx.model.as_str(), lx.os_version.as_str()),
            ("net-snmp", "x86_64", "6.1.0-18-amd64")
        );
        let unknown = device_info(&[1, 3, 6, 1, 4, 1, 99999], "", "x");
        assert_eq!(unknown.vendor, "");
    }
}
