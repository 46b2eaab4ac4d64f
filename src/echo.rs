//! What a request said, made safe to say back in an error message.
//!
//! Names from a URL end up in 404 and 400 bodies and in logs. Echoed whole,
//! an 8 KB name costs 8 KB per request, NUL bytes and escape sequences
//! reach terminals, and `<script>` reaches any browser that sniffs the
//! type. So everything echoed goes through [`quoted`]: at most
//! [`MAX_CHARS`] characters, control and non-ASCII-printable characters
//! escaped, and the text quoted so a leading or trailing space shows.

/// The most characters of a request's value an error message repeats.
pub const MAX_CHARS: usize = 64;

/// `value` in single quotes, escaped and cut to [`MAX_CHARS`] characters
/// (with "…" and the full length when it was longer).
pub fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(MAX_CHARS * 2) + 2);
    out.push('\'');
    let total = value.chars().count();
    for c in value.chars().take(MAX_CHARS) {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            // Markup characters too: the body may be shown by something that guesses HTML.
            '<' | '>' | '&' | '"' => out.extend(c.escape_unicode()),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out.push('\'');
    if total > MAX_CHARS {
        out.push_str(&format!("… ({total} characters)"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_printable_names_are_echoed_as_they_are() {
        assert_eq!(quoted("core-sw1"), "'core-sw1'");
        assert_eq!(quoted(" 10.0.0.1"), "' 10.0.0.1'");
    }

    #[test]
    fn error_echo_is_bounded_and_escaped() {
        let long = "a".repeat(8192);
        let q = quoted(&long);
        assert!(q.len() < 100, "{q}");
        assert!(q.ends_with("… (8192 characters)"));
        let q = quoted("x\0y\u{1b}[2J<script>");
        assert!(!q.contains('\0') && !q.contains('\u{1b}') && !q.contains('<'), "{q}");
        assert_eq!(quoted("it's"), "'it\\'s'");
    }
}
