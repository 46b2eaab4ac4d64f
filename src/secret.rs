//! A string that never prints.
//!
//! Community strings, passwords and passphrases travel through the config,
//! the collectors and error paths. Wrapping them in [`Secret`] makes leaking
//! one through `{:?}`, `{}` or a serialized config a type error rather than a
//! code-review catch.

use std::fmt;

/// A secret value. `Debug` and `Display` print `<secret>`; the only way to
/// read it is [`Secret::expose`], which is easy to grep for.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The plain value, for handing to a protocol library and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `offered` is this secret, in time that does not depend on
    /// where they first differ (a token or community guessed byte by byte).
    /// An empty secret matches nothing: it would let anyone in.
    pub fn matches(&self, offered: &[u8]) -> bool {
        !self.0.is_empty() && constant_time_eq(self.0.as_bytes(), offered)
    }
}

/// Equality whose time does not depend on where the first difference is.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<secret>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<secret>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_formats_its_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s}"), "<secret>");
        assert_eq!(format!("{s:?}"), "<secret>");
        assert_eq!(format!("{:?}", Some(&s)), "Some(<secret>)");
        assert_eq!(s.expose(), "hunter2");
    }
}
