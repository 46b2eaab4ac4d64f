//! Reading a config file: YAML into the raw shapes, and a YAML error into
//! a [`Problem`] that names its line, column and field in plain words.

use std::path::Path;

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
        field: key_at(text, line, column),
        message: friendlier(&strip_location_suffix(&message)),
    }
}

/// Makes relative `*_file` paths relative to the file that names them, so an
/// auth block keeps meaning the same file when a target in another file uses it.
pub(super) fn absolutize(raw: &mut RawConfig, base: &Path) {
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
