//! Reading a config file: YAML into the raw shapes, and a YAML error into
//! a [`Problem`] that names its line, column and field in plain words.

use std::path::Path;

use serde_saphyr::Spanned;

use super::super::raw::{RawConfig, RawSnmp};
use super::super::Problem;

/// The parser's limits, raised for large inventories: the default node
/// budget (250,000) refused files of more than about 22,700 labelled
/// targets. A labelled target is about 11 nodes and 13 events, so these fit
/// 100,000 targets in one file with room for descriptions and per-target
/// settings. Alias, anchor and scalar-size limits stay at the parser's
/// defaults: they are what stops an alias bomb (a 64 MiB cap, tested).
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: 4_000_000,
            max_events: 8_000_000,
        },
    }
}

pub(super) fn parse(path: &Path, text: &str) -> Result<RawConfig, Problem> {
    match serde_saphyr::from_str_with_options::<Option<RawConfig>>(text, options()) {
        Ok(raw) => Ok(raw.unwrap_or_default()),
        Err(e) => Err(yaml_problem(path, text, &e)),
    }
}

/// A YAML syntax or type error as a [`Problem`]: position first, the key it
/// happened under as the field, and the parser's message in plainer words.
pub(crate) fn yaml_problem(path: &Path, text: &str, e: &serde_saphyr::Error) -> Problem {
    let plain = e.without_snippet();
    let (line, column) = plain.location().map(|l| (l.line(), l.column())).unwrap_or((0, 0));
    let message = plain
        .render_with_options(serde_saphyr::render_options! {
            snippets: serde_saphyr::SnippetMode::Off,
        })
        .to_string();
    Problem {
        file: path.to_path_buf(),
        line,
        column,
        field: path_at(text, line, column).unwrap_or_else(|| key_at(text, line, column)),
        message: friendlier(&strip_location_suffix(&message)),
    }
}

/// The config's shape without types: every map and list, with where each
/// value starts. The typed parse stops at its first type error with only a
/// position; parsing the same text untyped finds the value at that position
/// and so its whole path (`targets[0].snmp.retries`).
enum Node {
    Map(Vec<(String, Spanned<Node>)>),
    Seq(Vec<Spanned<Node>>),
    Leaf,
}

impl<'de> serde::Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(k) = m.next_key::<String>()? {
                    entries.push((k, m.next_value()?));
                }
                Ok(Node::Map(entries))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut q: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(v) = q.next_element()? {
                    items.push(v);
                }
                Ok(Node::Seq(items))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
            fn visit_str<E>(self, _: &str) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::Leaf)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                <Node as serde::Deserialize>::deserialize(d)
            }
        }
        d.deserialize_any(V)
    }
}

/// The path of the value that starts at `line`:`column`, if the text
/// parses as untyped YAML and a value starts there.
fn path_at(text: &str, line: u64, column: u64) -> Option<String> {
    fn find(node: &Spanned<Node>, path: &mut String, line: u64, column: u64) -> bool {
        let here = node.referenced;
        if here.line() == line && here.column() == column && !path.is_empty() {
            return true;
        }
        let len = path.len();
        let children: Vec<(String, &Spanned<Node>)> = match &node.value {
            Node::Map(entries) => entries
                .iter()
                .map(|(k, v)| (if path.is_empty() { k.clone() } else { format!(".{k}") }, v))
                .collect(),
            Node::Seq(items) => items.iter().enumerate().map(|(i, v)| (format!("[{i}]"), v)).collect(),
            Node::Leaf => Vec::new(),
        };
        for (step, child) in children {
            path.push_str(&step);
            if find(child, path, line, column) {
                return true;
            }
            path.truncate(len);
        }
        false
    }
    let root: Spanned<Node> = serde_saphyr::from_str_with_options(text, options()).ok()?;
    let mut path = String::new();
    find(&root, &mut path, line, column).then_some(path)
}

/// Makes relative `*_file` paths relative to the file that names them, so an
/// auth block keeps meaning the same file when a target in another file uses it.
pub(super) fn absolutize(raw: &mut RawConfig, base: &Path) {
    if let Some(c) = raw.chatops.as_mut().map(|c| &mut c.value) {
        let mut files = vec![c.webhook_token_file.as_mut()];
        if let Some(t) = c.telegram.as_mut() {
            files.push(t.value.token_file.as_mut());
        }
        if let Some(s) = c.slack.as_mut() {
            files.push(s.value.signing_secret_file.as_mut());
            files.push(s.value.bot_token_file.as_mut());
        }
        for f in files.into_iter().flatten() {
            if Path::new(&f.value).is_relative() {
                f.value = base.join(&f.value).to_string_lossy().into_owned();
            }
        }
    }
    let fix = |s: &mut RawSnmp| {
        for f in [&mut s.community_file, &mut s.password_file, &mut s.priv_password_file]
            .into_iter()
            .flatten()
        {
            if Path::new(&f.value).is_relative() {
                f.value = base.join(&f.value).to_string_lossy().into_owned();
            }
        }
    };
    raw.auths.values_mut().for_each(|a| fix(&mut a.value));
    if let Some(d) = raw.defaults.as_mut().and_then(|d| d.value.snmp.as_mut()) {
        fix(&mut d.value);
    }
    for t in &mut raw.targets {
        if let Some(s) = t.value.snmp.as_mut() {
            fix(&mut s.value);
        }
        for s in [t.value.ssh.as_mut(), t.value.telnet.as_mut()].into_iter().flatten() {
            let s = &mut s.value;
            for f in [
                &mut s.password_file,
                &mut s.key_file,
                &mut s.passphrase_file,
                &mut s.known_hosts,
            ]
            .into_iter()
            .flatten()
            {
                if Path::new(&f.value).is_relative() {
                    f.value = base.join(&f.value).to_string_lossy().into_owned();
                }
            }
        }
    }
}

/// The YAML key whose value starts at `line`:`column`, read from the source
/// line (`    retries: many` → `retries`), so type errors name their field.
fn key_at(text: &str, line: u64, column: u64) -> String {
    let Some(l) = text.lines().nth(line.saturating_sub(1) as usize) else {
        return String::new();
    };
    let upto: String = l.chars().take(column.saturating_sub(1) as usize).collect();
    let Some(colon) = upto.rfind(':') else {
        return String::new();
    };
    let before = &upto[..colon];
    let start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
        .map_or(0, |i| i + 1);
    before[start..].to_owned()
}

/// Rewords the parser's terse type errors for people editing a config.
fn friendlier(message: &str) -> String {
    match message {
        "invalid u64" | "invalid u32" => "expected a whole number (0 or more)".to_owned(),
        m => m.to_owned(),
    }
}

/// The parser appends " at line X column Y"; we print the position first.
fn strip_location_suffix(message: &str) -> String {
    let m = message.trim();
    match m.rfind(" at line ") {
        Some(i) if m[i..].contains("column") => m[..i].to_owned(),
        _ => m.to_owned(),
    }
}
