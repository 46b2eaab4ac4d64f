//! Value kinds every section shares: secrets (inline, `${ENV}` or
//! `*_file`), durations, bounded numbers and label names.

use serde_saphyr::{Location, Spanned};

use super::super::*;
use super::Validator;
use crate::schema::RESERVED_LABELS;

impl Validator {
    /// A secret given inline (with `${ENV}` expansion) or as `<key>_file`.
    pub(super) fn secret(
        &mut self,
        field: &str,
        key: &str,
        inline: Option<&Spanned<String>>,
        file: Option<&Spanned<String>>,
        _anchor: Location,
    ) -> Option<Secret> {
        match (inline, file) {
            (Some(_), Some(f)) => {
                self.problem(
                    f.referenced,
                    format!("{field}.{key}_file"),
                    format!("give either {key} or {key}_file, not both"),
                );
                None
            }
            (Some(v), None) => self.expand(&format!("{field}.{key}"), v).map(Secret::new),
            (None, Some(f)) => {
                let path = PathBuf::from(&f.value);
                match std::fs::read_to_string(&path) {
                    // Secret files conventionally end with a newline that is not part of the secret.
                    Ok(s) => {
                        let s = s
                            .strip_suffix('\n')
                            .map_or(s.as_str(), |t| t.strip_suffix('\r').unwrap_or(t));
                        Some(Secret::new(s))
                    }
                    Err(e) => {
                        self.problem(
                            f.referenced,
                            format!("{field}.{key}_file"),
                            format!("cannot read {}: {e}", path.display()),
                        );
                        None
                    }
                }
            }
            (None, None) => None,
        }
    }

    /// Expands `${NAME}` from the environment; `$$` is a literal `$`.
    pub(super) fn expand(&mut self, field: &str, v: &Spanned<String>) -> Option<String> {
        match expand_env(&v.value, |k| std::env::var(k).ok()) {
            Ok(s) => Some(s),
            Err(e) => {
                self.problem(v.referenced, field, e);
                None
            }
        }
    }

    /// A cached table's refresh interval: 30 s to a day.
    pub(super) fn interval(&mut self, field: &str, d: &Spanned<String>) -> Option<Duration> {
        self.duration_up_to(field, d, Duration::from_secs(30), Duration::from_secs(86_400))
    }

    pub(super) fn duration(&mut self, field: &str, d: &Spanned<String>, min: Duration) -> Option<Duration> {
        self.duration_up_to(field, d, min, Duration::from_secs(3600))
    }

    /// A duration from `min` to `max`.
    pub(super) fn duration_up_to(
        &mut self,
        field: &str,
        d: &Spanned<String>,
        min: Duration,
        max: Duration,
    ) -> Option<Duration> {
        match humantime::parse_duration(d.value.trim()) {
            Ok(v) if v >= min && v <= max => Some(v),
            Ok(_) => {
                self.problem(
                    d.referenced,
                    field,
                    format!(
                        "'{}' is out of range ({:?} to {})",
                        d.value,
                        min,
                        humantime::format_duration(max)
                    ),
                );
                None
            }
            Err(e) => {
                self.problem(
                    d.referenced,
                    field,
                    format!("'{}' is not a duration like 500ms, 5s or 1m: {e}", d.value),
                );
                None
            }
        }
    }

    pub(super) fn range(&mut self, field: &str, n: &Spanned<u64>, min: u64, max: u64) -> Option<u64> {
        if (min..=max).contains(&n.value) {
            Some(n.value)
        } else {
            self.problem(
                n.referenced,
                field,
                format!("{} is out of range ({min} to {max})", n.value),
            );
            None
        }
    }
}

pub(super) fn check_label_name(k: &str) -> Result<(), String> {
    let mut chars = k.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "'{k}' is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)"
        ));
    }
    if k.starts_with("__") {
        return Err(format!("'{k}': names starting with __ are reserved by Prometheus"));
    }
    if RESERVED_LABELS.contains(&k) {
        return Err(format!("'{k}' is a label netgauge sets itself; pick another name"));
    }
    Ok(())
}

/// `${NAME}` → the variable's value; `$$` → `$`. Unset variables are errors:
/// an empty community or password would fail later and far less clearly.
pub(crate) fn expand_env(s: &str, get: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(r) = after.strip_prefix('{') {
            let end = r.find('}').ok_or("unterminated ${ (write $$ for a literal $)")?;
            let name = &r[..end];
            // The name is repeated in errors only when it looks like one
            // (upper case, digits, _): `${s3cret}` is more likely a password
            // that happens to contain ${ than a variable, and errors are logged.
            let printable = !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || name.is_empty() {
                return Err(match printable {
                    true => format!("'${{{name}}}' is not a valid environment variable reference"),
                    false => "a ${...} here is not a valid environment variable reference (not repeated: it may be \
                              a secret; write $$ for a literal $)"
                        .to_owned(),
                });
            }
            match get(name) {
                Some(v) => out.push_str(&v),
                None if printable => return Err(format!("environment variable {name} is not set")),
                None => {
                    return Err(
                        "a ${...} here names an environment variable that is not set (the name is not \
                                repeated: it is not in upper case and may be a secret; write $$ for a literal $)"
                            .to_owned(),
                    )
                }
            }
            rest = &r[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}
