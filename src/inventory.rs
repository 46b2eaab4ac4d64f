//! Bulk onboarding: device lists in CSV or JSON → netgauge targets YAML, and
//! the configured targets back out as CSV or JSON (never with secrets).
//!
//! Columns (CSV header, or JSON object keys): `name` and `address` are
//! required; `auth` names an auth block, `version`/`port` set those SNMP
//! keys; every other column becomes a label (a JSON `labels` object works
//! too). Every problem is reported with its row, not just the first.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use crate::config::{Address, Config};
use crate::schema::RESERVED_LABELS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    /// From a file name's extension.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// One device row, as read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Device {
    pub name: String,
    pub address: String,
    pub auth: Option<String>,
    pub version: Option<String>,
    pub port: Option<u16>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct ImportError(pub Vec<String>);

/// A row: where it is (for messages) and its cells by column name.
type Row = (String, BTreeMap<String, String>);

/// Parses a device list. `source` names the input in messages.
pub fn parse(text: &str, format: Format, source: &str) -> Result<Vec<Device>, ImportError> {
    let rows: Vec<Row> = match format {
        Format::Csv => csv_rows(text, source)?,
        Format::Json => json_rows(text, source)?,
    };
    let mut errors = Vec::new();
    let mut devices = Vec::new();
    let mut seen = HashSet::new();
    for (at, mut row) in rows {
        let mut err = |m: String| errors.push(format!("{source}: {at}: {m}"));
        let name = row.remove("name").unwrap_or_default().trim().to_owned();
        let address = row.remove("address").unwrap_or_default().trim().to_owned();
        if name.is_empty() {
            err("missing name".into());
        } else if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            err(format!("name '{name}' contains whitespace"));
        } else if !seen.insert(name.clone()) {
            err(format!("duplicate name '{name}'"));
        }
        if address.is_empty() {
            err("missing address".into());
        } else if let Err(e) = Address::parse(&address) {
            err(e);
        }
        let auth = row.remove("auth").filter(|s| !s.trim().is_empty());
        let version = row.remove("version").filter(|s| !s.trim().is_empty());
        if let Some(v) = &version {
            if !["1", "2", "2c", "3"].contains(&v.trim()) {
                err(format!("version '{v}' is not 1, 2c or 3"));
            }
        }
        let port = match row.remove("port").filter(|s| !s.trim().is_empty()) {
            None => None,
            Some(p) => match p.trim().parse::<u16>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    err(format!("port '{p}' is not a port number"));
                    None
                }
            },
        };
        let mut labels = BTreeMap::new();
        for (k, v) in row {
            let valid = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !k.starts_with("__");
            if !valid {
                err(format!("column '{k}' is not a valid label name"));
            } else if RESERVED_LABELS.contains(&k.as_str()) {
                err(format!("column '{k}' is a label netgauge sets itself; rename it"));
            } else if !v.is_empty() {
                labels.insert(k, v);
            }
        }
        devices.push(Device {
            name,
            address,
            auth,
            version,
            port,
            labels,
        });
    }
    if errors.is_empty() {
        Ok(devices)
    } else {
        Err(ImportError(errors))
    }
}

fn csv_rows(text: &str, source: &str) -> Result<Vec<Row>, ImportError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| ImportError(vec![format!("{source}: cannot read the header row: {e}")]))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    for required in ["name", "address"] {
        if !headers.iter().any(|h| h == required) {
            return Err(ImportError(vec![format!(
                "{source}: the header row has no '{required}' column"
            )]));
        }
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        // Row 1 is the first device; its line is 2 (after the header).
        let at = format!("row {} (line {})", i + 1, i + 2);
        match rec {
            Ok(rec) => rows.push((at, headers.iter().cloned().zip(rec.iter().map(str::to_owned)).collect())),
            Err(e) => errors.push(format!("{source}: {at}: {e}")),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(ImportError(errors))
    }
}

fn json_rows(text: &str, source: &str) -> Result<Vec<Row>, ImportError> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| ImportError(vec![format!("{source}:{}:{}: {e}", e.line(), e.column())]))?;
    let list = match value {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(mut o) => match o.remove("targets").or_else(|| o.remove("devices")) {
            Some(serde_json::Value::Array(a)) => a,
            _ => {
                return Err(ImportError(vec![format!(
                    "{source}: expected an array of devices (or {{\"devices\": [...]}})"
                )]))
            }
        },
        _ => return Err(ImportError(vec![format!("{source}: expected an array of devices")])),
    };
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, item) in list.into_iter().enumerate() {
        let at = format!("device {} (index {i})", i + 1);
        let serde_json::Value::Object(obj) = item else {
            errors.push(format!("{source}: {at}: expected an object"));
            continue;
        };
        let mut row = BTreeMap::new();
        for (k, v) in obj {
            if k == "labels" {
                let serde_json::Value::Object(l) = v else {
                    errors.push(format!("{source}: {at}: labels must be an object"));
                    continue;
                };
                for (lk, lv) in l {
                    row.insert(lk, scalar(&lv));
                }
            } else {
                row.insert(k.to_ascii_lowercase(), scalar(&v));
            }
        }
        rows.push((at, row));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(ImportError(errors))
    }
}

fn scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A JSON string is a valid YAML double-quoted scalar: safe quoting for any value.
fn q(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// Renders devices as the `targets:` section of a netgauge config.
pub fn to_yaml(devices: &[Device], source: &str) -> String {
    let mut out = format!("# Generated by `netgauge import` from {source}.\ntargets:\n");
    for d in devices {
        let _ = writeln!(out, "  - name: {}\n    address: {}", q(&d.name), q(&d.address));
        if !d.labels.is_empty() {
            let labels: Vec<String> = d.labels.iter().map(|(k, v)| format!("{k}: {}", q(v))).collect();
            let _ = writeln!(out, "    labels: {{{}}}", labels.join(", "));
        }
        let mut snmp = Vec::new();
        if let Some(a) = &d.auth {
            snmp.push(format!("auth: {}", q(a.trim())));
        }
        if let Some(v) = &d.version {
            snmp.push(format!("version: {}", q(v.trim())));
        }
        if let Some(p) = d.port {
            snmp.push(format!("port: {p}"));
        }
        if !snmp.is_empty() {
            let _ = writeln!(out, "    snmp: {{{}}}", snmp.join(", "));
        }
    }
    out
}

/// The configured targets as CSV or JSON: name, address, transport, SNMP
/// version and labels. Credentials are never included.
pub fn export(config: &Config, format: Format) -> String {
    let label_keys: Vec<String> = {
        let mut k: Vec<String> = config
            .targets
            .iter()
            .flat_map(|t| t.labels.iter().map(|(k, _)| k.clone()))
            .collect();
        k.sort();
        k.dedup();
        k
    };
    let rows: Vec<Vec<(String, String)>> = config
        .targets
        .iter()
        .map(|t| {
            let mut r = vec![
                ("name".to_owned(), t.name.clone()),
                ("address".to_owned(), t.address.to_string()),
                (
                    "transport".to_owned(),
                    if t.snmp.is_some() { "snmp".into() } else { String::new() },
                ),
                (
                    "version".to_owned(),
                    t.snmp.as_ref().map(|s| s.version().to_string()).unwrap_or_default(),
                ),
            ];
            if let Some(s) = &t.snmp {
                if let Some(port) = (s.port != crate::config::defaults::SNMP_PORT).then_some(s.port) {
                    if t.address.port.is_none() {
                        r[1].1 = t.address.with_port(port);
                    }
                }
            }
            for k in &label_keys {
                let v = t
                    .labels
                    .iter()
                    .find(|(lk, _)| lk == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                r.push((k.clone(), v));
            }
            r
        })
        .collect();
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let header: Vec<&str> = ["name", "address", "transport", "version"]
                .into_iter()
                .chain(label_keys.iter().map(String::as_str))
                .collect();
            let _ = w.write_record(&header);
            for r in &rows {
                let _ = w.write_record(r.iter().map(|(_, v)| v.as_str()));
            }
            String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
        }
        Format::Json => {
            let list: Vec<serde_json::Value> = rows
                .into_iter()
                .map(|r| {
                    let mut obj = serde_json::Map::new();
                    let mut labels = serde_json::Map::new();
                    for (i, (k, v)) in r.into_iter().enumerate() {
                        if i < 4 {
                            obj.insert(k, v.into());
                        } else if !v.is_empty() {
                            labels.insert(k, v.into());
                        }
                    }
                    obj.insert("labels".into(), labels.into());
                    serde_json::Value::Object(obj)
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_labels_and_every_error_reported() {
        let ok = "name,address,auth,site,role\nsw1,192.0.2.1,lab,jkt,core\nsw2,[2001:db8::1]:1161,,sby,\n";
        let d = parse(ok, Format::Csv, "in.csv").unwrap();
        assert_eq!(
            d[0].labels,
            BTreeMap::from([("site".into(), "jkt".into()), ("role".into(), "core".into())])
        );
        assert_eq!(d[1].auth, None);
        assert_eq!(d[1].labels.len(), 1, "empty cells are not labels");

        let bad = "name,address,device,port\nsw1,192.0.2.1,x,161\nsw1,,y,0\n,h:99999,z,\n";
        let e = parse(bad, Format::Csv, "in.csv").unwrap_err().to_string();
        for want in [
            "in.csv: row 1 (line 2): column 'device' is a label netgauge sets itself",
            "in.csv: row 2 (line 3): duplicate name 'sw1'",
            "in.csv: row 2 (line 3): missing address",
            "in.csv: row 2 (line 3): port '0' is not a port number",
            "in.csv: row 3 (line 4): missing name",
            "in.csv: row 3 (line 4): '99999' is not a port number",
        ] {
            assert!(e.contains(want), "missing {want:?} in:\n{e}");
        }
        let e = parse("host,ip\na,b\n", Format::Csv, "x.csv").unwrap_err().to_string();
        assert!(e.contains("no 'name' column"), "{e}");
    }

    #[test]
    fn json_objects_and_generated_yaml_quotes_everything() {
        let j = r#"[{"name":"r1","address":"192.0.2.1","labels":{"site":"a: b \"q\""},"version":"3","auth":"v3"}]"#;
        let d = parse(j, Format::Json, "in.json").unwrap();
        let yaml = to_yaml(&d, "in.json");
        assert!(yaml.contains(r#"labels: {site: "a: b \"q\""}"#), "{yaml}");
        assert!(yaml.contains(r#"snmp: {auth: "v3", version: "3"}"#), "{yaml}");
        let e = parse(r#"[{"name": "r1"}, 5]"#, Format::Json, "in.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("device 2 (index 1): expected an object"), "{e}");
        assert!(parse("{", Format::Json, "in.json")
            .unwrap_err()
            .to_string()
            .starts_with("in.json:1:1"));
    }
}
