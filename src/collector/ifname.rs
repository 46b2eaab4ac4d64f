//! Matching the interface names other tables and commands use to the
//! names the interface series carry.
//!
//! Optics and BGP tables name ports their own way: `Te1/49` in a Cisco
//! transceiver table for `TenGigabitEthernet1/49`, `DOM RX Power Sensor for
//! Ethernet5` in an Arista sensor description. Series only join in PromQL
//! when the `interface` label is the very ifName, so every source goes
//! through here. Pure functions over the device's own interface list: no
//! vendor table to keep up to date.

/// The name in `known` that `name` refers to: the same name (ignoring
/// case), or an abbreviation of one, i.e. a prefix of its letters followed
/// by the same numbering (`Te1/49`, `Gi0/1`, `Eth1/1`, `Po10`). `None` when
/// nothing, or more than one name, fits.
pub fn resolve<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(name)) {
        return Some(k);
    }
    let (letters, numbering) = split(name);
    if letters.is_empty() || numbering.is_empty() {
        return None;
    }
    let mut found = known.iter().filter(|k| {
        let (kl, kn) = split(k);
        kn == numbering && kl.len() > letters.len() && starts_with_ignore_case(kl, letters)
    });
    let first = found.next()?;
    // Two candidates (`Fo1/1`: FortyGig or a vendor's FourHundredGig) is a
    // guess; a wrong join is worse than none.
    found.next().is_none().then_some(first.as_str())
}

/// The first word of `text` that names an interface of `known` (see
/// [`resolve`]): sensor names and descriptions such as `Te1/1 Module
/// Temperature Sensor`, `Xcvr for Ethernet5` or `Ethernet1/19 Lane 1
/// Transceiver Receive Power Sensor`.
pub fn find_in<'a>(text: &str, known: &'a [String]) -> Option<&'a str> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | '[' | ']' | '"' | '\''))
        .map(|w| w.trim_end_matches([':', ';', '.']))
        .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
        .find_map(|w| resolve(w, known))
}

/// The name of the one interface whose description is `description`
/// (agents that name a port by its ifAlias), from (description, name)
/// pairs; `None` when none or several have it, or it is empty.
pub fn by_unique_description<'a>(
    description: &str,
    interfaces: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Option<&'a str> {
    let description = description.trim();
    if description.is_empty() {
        return None;
    }
    let mut matching = interfaces.into_iter().filter(|(d, _)| *d == description);
    match (matching.next(), matching.next()) {
        (Some((_, name)), None) => Some(name),
        _ => None,
    }
}

/// `TenGigabitEthernet1/0/1` → (`TenGigabitEthernet`, `1/0/1`): the letters
/// before the first digit, and the rest.
fn split(name: &str) -> (&str, &str) {
    let at = name.find(|c: char| c.is_ascii_digit()).unwrap_or(name.len());
    name.split_at(at)
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_is_found_by_a_description_only_one_interface_has() {
        let ifs = [("uplink core", "Gi0/1"), ("access", "Gi0/2"), ("access", "Gi0/3")];
        assert_eq!(by_unique_description("uplink core", ifs), Some("Gi0/1"));
        assert_eq!(by_unique_description(" uplink core ", ifs), Some("Gi0/1"));
        assert_eq!(by_unique_description("access", ifs), None, "two have it");
        assert_eq!(by_unique_description("", [("", "Gi0/9")]), None);
    }

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn abbreviations_resolve_to_the_full_ifname() {
        let k = names(&[
            "TenGigabitEthernet1/49",
            "TenGigabitEthernet1/1/1",
            "GigabitEthernet0/1",
            "Ethernet1/1",
            "Ethernet1/10",
            "Port-channel10",
            "xe-0/0/0",
        ]);
        assert_eq!(resolve("Te1/49", &k), Some("TenGigabitEthernet1/49"));
        assert_eq!(resolve("Te1/1/1", &k), Some("TenGigabitEthernet1/1/1"));
        assert_eq!(resolve("Gi0/1", &k), Some("GigabitEthernet0/1"));
        assert_eq!(resolve("Eth1/1", &k), Some("Ethernet1/1"));
        assert_eq!(resolve("ethernet1/10", &k), Some("Ethernet1/10"));
        assert_eq!(resolve("Po10", &k), Some("Port-channel10"));
        assert_eq!(resolve("xe-0/0/0", &k), Some("xe-0/0/0"));
        // Same letters, other numbering; or letters that are no prefix.
        assert_eq!(resolve("Te1/50", &k), None);
        assert_eq!(resolve("Fa0/1", &k), None);
        assert_eq!(resolve("1/1", &k), None);
    }

    #[test]
    fn an_abbreviation_two_interfaces_fit_resolves_to_neither() {
        let k = names(&["FortyGigE1/1", "FourHundredGigE1/1"]);
        assert_eq!(resolve("Fo1/1", &k), None);
        assert_eq!(resolve("For1/1", &k), Some("FortyGigE1/1"));
    }

    #[test]
    fn names_are_found_inside_sensor_descriptions_without_prefix_matches() {
        let k = names(&[
            "Ethernet5",
            "Ethernet50",
            "Ethernet1/1",
            "Ethernet1/19",
            "TenGigabitEthernet8/1",
        ]);
        assert_eq!(find_in("DOM RX Power Sensor for Ethernet5", &k), Some("Ethernet5"));
        assert_eq!(find_in("Xcvr for Ethernet50", &k), Some("Ethernet50"));
        assert_eq!(
            find_in("Ethernet1/19 Lane 1 Transceiver Receive Power Sensor", &k),
            Some("Ethernet1/19")
        );
        assert_eq!(
            find_in("Te8/1 Module Temperature Sensor", &k),
            Some("TenGigabitEthernet8/1")
        );
        assert_eq!(find_in("Transceiver(Te8/1)", &k), Some("TenGigabitEthernet8/1"));
        assert_eq!(find_in("Board temp sensor", &k), None);
        assert_eq!(find_in("Ethernet1/2 Lane 1", &k), None);
    }
}
