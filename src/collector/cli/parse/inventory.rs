//! Hardware inventory from the CLI: `show inventory` (IOS, NX-OS), `show
//! chassis hardware` (Junos), `display device` (VRP) and `/system
//! routerboard print` (RouterOS), into the same [`InventoryItem`] records
//! an ENTITY-MIB walk fills.
//!
//! An item's `entity` is its name, made unique within the device the way
//! [`super::dedupe_names`] does (`Xcvr 0`, `Xcvr 0#2`…, in output order);
//! `parent` is the entity of the item it sits in, where the output shows
//! one (Junos' indentation, VRP's cards under their slot). The class comes
//! from the name, else the description ([`class`]). Placeholders for "no
//! value" (`N/A`, `BUILTIN`, `--`) become empty strings.

use super::common::{char_position, columns};
use super::Parsed;
use crate::report::InventoryItem;
use std::collections::HashMap;

/// The words of `text`, lowercase, cut at anything not a letter or digit.
fn words(text: &str) -> Vec<String> {
    text.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Words that name a module: Juniper's boards (FPC, PIC, MIC, control
/// boards, forwarding engines) and everyone's cards.
const MODULE_WORDS: [&str; 15] = [
    "module",
    "fpc",
    "pic",
    "mic",
    "cb",
    "scb",
    "sfb",
    "feb",
    "afeb",
    "tfeb",
    "qxm",
    "board",
    "card",
    "linecard",
    "supervisor",
];

/// A class the text alone makes clear, in order of precedence: a `Chassis
/// Fan Module` is a fan, an `AC Power Entry Module` a power supply, a
/// `1/10G SFP+ Ethernet Module` a module.
fn class_of(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    let w = words(text);
    let has = |k: &[&str]| w.iter().any(|x| k.contains(&x.as_str()));
    let starts = |k: &[&str]| w.iter().any(|x| k.iter().any(|p| x.starts_with(p)));
    if lower.contains("power supply") || lower.contains("power entry") || has(&["pem", "psu", "ps"]) || starts(&["pwr"])
    {
        Some("power_supply")
    } else if starts(&["fan"]) {
        Some("fan")
    } else if has(&["midplane", "backplane"]) {
        Some("backplane")
    } else if lower.contains("routing engine") || has(&MODULE_WORDS) {
        Some("module")
    } else if starts(&["xcvr", "transceiver", "sfp", "qsfp", "xfp", "cfp", "gbic", "optic"]) {
        Some("port")
    } else if has(&["chassis", "switch"]) {
        Some("chassis")
    } else if has(&["cpu"]) {
        Some("cpu")
    } else {
        None
    }
}

/// `Ethernet1/46`, `TenGigabitEthernet1/1/1`, `xe-0/0/0`: one word, letters
/// then a slot/port path. Cisco lists a port's transceiver under the port's name.
fn is_port_name(name: &str) -> bool {
    let letters = name
        .chars()
        .take_while(|c| c.is_ascii_alphabetic() || *c == '-')
        .count();
    let rest = &name[letters..];
    letters > 0
        && rest.starts_with(|c: char| c.is_ascii_digit())
        && rest.contains('/')
        && rest.chars().all(|c| c.is_ascii_digit() || matches!(c, '/' | '.' | ':'))
}

/// An item's ENTITY-MIB class (see [`InventoryItem::class`]): what its name
/// says, else what its description says; a transceiver listed under its
/// port's name is a `port`; a bare `Slot N` holds a `module`; else `other`.
pub fn class(name: &str, description: &str) -> &'static str {
    if is_port_name(name) {
        return "port";
    }
    class_of(name)
        .or_else(|| class_of(description))
        .unwrap_or(if words(name).iter().any(|w| w == "slot") {
            "module"
        } else {
            "other"
        })
}

/// A value as printed; the placeholders devices print for none, empty.
fn value(text: &str) -> String {
    let t = text.trim();
    match t.to_ascii_uppercase().as_str() {
        "N/A" | "NA" | "-" | "--" | "BUILTIN" => String::new(),
        _ => t.to_owned(),
    }
}

/// Hands out unique entities: a repeated name gets `#2`, `#3`…
#[derive(Default)]
struct Entities(HashMap<String, u64>);

impl Entities {
    fn of(&mut self, name: &str) -> String {
        let n = self.0.entry(name.to_owned()).or_insert(0);
        *n += 1;
        match *n {
            1 => name.to_owned(),
            n => format!("{name}#{n}"),
        }
    }

    /// A new item named `name` in `parent`, classed from its name and description.
    fn item(&mut self, name: &str, description: &str, parent: &str) -> InventoryItem {
        InventoryItem {
            entity: self.of(name),
            class: class(name, description).to_owned(),
            name: name.to_owned(),
            description: description.to_owned(),
            parent: parent.to_owned(),
            ..InventoryItem::default()
        }
    }
}

/// `NAME: "Slot 1",  DESCR: "1/10G SFP+ Ethernet Module"` or `PID: X , VID:
/// V02 ,  SN: Y` → (key, value) pairs. Values are quoted (and may then hold
/// commas) or run to the next `, KEY:`.
fn cisco_fields(line: &str) -> Vec<(String, String)> {
    const KEYS: [&str; 5] = ["NAME", "DESCR", "PID", "VID", "SN"];
    // Where the next `, KEY:` starts in `s`.
    let next_key = |s: &str| {
        s.match_indices(',').map(|(i, _)| i).find(|&i| {
            let after = s[i + 1..].trim_start();
            KEYS.iter()
                .any(|k| after.strip_prefix(k).is_some_and(|r| r.trim_start().starts_with(':')))
        })
    };
    let mut out = Vec::new();
    let mut rest = line.trim();
    while let Some((key, after)) = rest.split_once(':') {
        let after = after.trim_start();
        let (v, next) = match after.strip_prefix('"') {
            Some(q) => match q.split_once('"') {
                Some((v, next)) => (v, next),
                None => (q, ""),
            },
            None => {
                let end = next_key(after).unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        out.push((key.trim().to_ascii_uppercase(), v.trim().to_owned()));
        rest = next.trim_start().trim_start_matches(',').trim_start();
    }
    out
}

/// IOS and NX-OS `show inventory`: a `NAME:, DESCR:` line then a `PID:,
/// VID:, SN:` line per item. PID is the model, VID the hardware revision
/// (NX-OS prints a transceiver's vendor part number there), SN the serial.
pub fn cisco_inventory(text: &str) -> Parsed<Vec<InventoryItem>> {
    let mut out: Vec<InventoryItem> = Vec::new();
    let mut skipped = 0;
    let mut entities = Entities::default();
    // Whether the last item still waits for its PID line.
    let mut open = false;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let fields = cisco_fields(line);
        let get = |k: &str| fields.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        if let Some(name) = get("NAME").filter(|n| !n.is_empty()) {
            out.push(entities.item(name, &value(get("DESCR").unwrap_or("")), ""));
            open = true;
            continue;
        }
        match (get("PID"), out.last_mut()) {
            (Some(pid), Some(item)) if open => {
                item.model = value(pid);
                item.hardware_revision = value(get("VID").unwrap_or(""));
                item.serial = value(get("SN").unwrap_or(""));
                open = false;
            }
            _ => skipped += 1,
        }
    }
    Parsed { value: out, skipped }
}

/// Junos `show chassis hardware`: a table of item, version, part number,
/// serial number and description, cut at its header's columns; an item's
/// indentation puts it in the item above it with less, and an unindented
/// item in the chassis (the `Chassis` row). Part number is the model,
/// version the hardware revision. Junos numbers transceivers per PIC, so
/// `Xcvr 0` repeats: its entity gets `#2`…, its parent tells them apart.
pub fn junos_hardware(text: &str) -> Parsed<Vec<InventoryItem>> {
    let mut out = Vec::new();
    let mut skipped = 0;
    let mut entities = Entities::default();
    let mut starts: Option<Vec<usize>> = None;
    // (indentation, entity) of the items the next one may sit in.
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut chassis: Option<String> = None;
    for raw in text.lines() {
        let t = raw.trim();
        if t.is_empty() || t == "Hardware inventory:" || (t.starts_with('{') && t.ends_with('}')) {
            continue;
        }
        if t.starts_with("Item") && t.contains("Part number") {
            let cols = ["Version", "Part number", "Serial number", "Description"];
            starts = Some(cols.iter().filter_map(|c| char_position(raw, c)).collect());
            continue;
        }
        let Some(s) = starts.as_deref().filter(|s| s.len() == 4) else {
            skipped += 1;
            continue;
        };
        let v = columns(raw, s);
        let [name, version, part, serial, description] = <[String; 5]>::try_from(v).unwrap_or_default();
        if name.is_empty() {
            skipped += 1;
            continue;
        }
        let indent = raw.chars().take_while(|c| c.is_whitespace()).count();
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            stack.pop();
        }
        let parent = match stack.last() {
            Some((_, e)) => e.clone(),
            None => chassis.clone().unwrap_or_default(),
        };
        let mut item = entities.item(&name, &description, &parent);
        item.hardware_revision = value(&version);
        item.model = value(&part);
        item.serial = value(&serial);
        if indent == 0 && chassis.is_none() && item.class == "chassis" {
            chassis = Some(item.entity.clone());
        } else {
            stack.push((indent, item.entity.clone()));
        }
        out.push(item);
    }
    Parsed { value: out, skipped }
}

/// VRP `display device`: a table of slot, card, type (the model), online
/// state… A row with a card under a slot (`FAN1` in slot 1) sits in that
/// slot; a numbered slot is named `Slot N`, a named one (`PWR1`, `FAN1`)
/// by its name; the `Slot/Card` layout names `Card 1/3`. Boards not
/// present (`Offline`, a configured `*` board) are not hardware and are
/// left out. The table has no serial numbers or descriptions.
pub fn vrp_device(text: &str) -> Parsed<Vec<InventoryItem>> {
    let mut out: Vec<InventoryItem> = Vec::new();
    let mut skipped = 0;
    let mut entities = Entities::default();
    // (cuts, whether the first column is `Slot/Card`)
    let mut layout: Option<(Vec<usize>, bool)> = None;
    let mut slot_entity = String::new();
    for raw in text.lines() {
        let t = raw.trim();
        if t.is_empty() || t.chars().all(|c| c == '-') || t.ends_with("Device status:") || t.starts_with("*:") {
            continue;
        }
        if t.starts_with("Slot") && t.contains("Online") {
            let combined = t.starts_with("Slot/Card");
            let cols: &[&str] = if combined {
                &["Card-Type", "Online", "Power"]
            } else {
                &["Card", "Type", "Online", "Power"]
            };
            let cuts: Vec<usize> = cols.iter().filter_map(|c| char_position(raw, c)).collect();
            layout = (cuts.len() == cols.len()).then_some((cuts, combined));
            continue;
        }
        let Some((cuts, combined)) = layout.as_ref() else {
            skipped += 1;
            continue;
        };
        let mut v = columns(raw, cuts);
        if *combined {
            v.insert(1, String::new());
        }
        let column = |i: usize| v.get(i).cloned().unwrap_or_default();
        let (slot, card, model, online) = (column(0), column(1), column(2), column(3));
        if model.is_empty() || online.is_empty() {
            skipped += 1;
            continue;
        }
        if !online.eq_ignore_ascii_case("present") {
            continue;
        }
        let numbered = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        let (name, parent) = if *combined {
            let in_slot = format!("Slot {}", slot.split('/').next().unwrap_or_default());
            let parent = out.iter().find(|i| i.entity == in_slot).map(|i| i.entity.clone());
            (format!("Card {slot}"), parent.unwrap_or_default())
        } else if card.is_empty() || card == "-" {
            (
                if numbered(&slot) { format!("Slot {slot}") } else { slot },
                String::new(),
            )
        } else {
            (card, slot_entity.clone())
        };
        let mut item = entities.item(&name, "", &parent);
        item.model = model.trim_start_matches('*').to_owned();
        if parent.is_empty() && !*combined {
            slot_entity = item.entity.clone();
        }
        out.push(item);
    }
    Parsed { value: out, skipped }
}

/// RouterOS `/system routerboard print`: `key: value` lines describing the
/// one board, the chassis, named by its board name (`hEX`). Revision is
/// the hardware revision, `current-firmware` the firmware revision. A
/// device that is no RouterBOARD (CHR, x86) prints no model or serial: no item.
pub fn routeros_routerboard(text: &str) -> Parsed<Vec<InventoryItem>> {
    let mut skipped = 0;
    let mut props: Vec<(&str, &str)> = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with(";;;"))
    {
        match line.split_once(':') {
            Some((k, v)) => props.push((k.trim(), v.trim())),
            None => skipped += 1,
        }
    }
    let get = |k: &str| props.iter().find(|(key, _)| *key == k).map(|(_, v)| *v).unwrap_or("");
    let (model, serial, board) = (get("model"), get("serial-number"), get("board-name"));
    if model.is_empty() && serial.is_empty() && board.is_empty() {
        return Parsed {
            value: Vec::new(),
            skipped,
        };
    }
    let name = [board, model]
        .into_iter()
        .find(|n| !n.is_empty())
        .unwrap_or("RouterBOARD");
    let item = InventoryItem {
        entity: name.to_owned(),
        class: "chassis".to_owned(),
        name: name.to_owned(),
        model: model.to_owned(),
        serial: serial.to_owned(),
        hardware_revision: get("revision").to_owned(),
        firmware_revision: get("current-firmware").to_owned(),
        ..InventoryItem::default()
    };
    Parsed {
        value: vec![item],
        skipped,
    }
}

#[cfg(test)]
mod tests;
