//! What the bot says, before it knows which chat will show it: lines of
//! spans (plain, bold, code, italic), rendered as Telegram HTML or Slack
//! mrkdwn, and cut into messages that fit each one's limit.
//!
//! The command core builds a [`Text`]; only the renderers know escaping
//! rules, so a description holding `<`, `&` or `*` is shown as written in
//! both chats and can never open a tag. Long replies are split between
//! lines, so no message ever ends inside a tag or an entity.

/// The longest message Telegram accepts, counted after entity parsing (in
/// UTF-16 code units). Rendered HTML is never shorter than what it parses
/// to, so cutting by rendered length is safe.
pub const TELEGRAM_LIMIT: usize = 4096;
/// Slack's `text` limit is 40,000 characters, but it truncates section
/// text at 3,000; messages stay under the latter.
pub const SLACK_LIMIT: usize = 3000;
/// The most characters of one span: a 10 kB interface description must not
/// make a line no message can hold.
pub const MAX_SPAN_CHARS: usize = 300;

#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    Plain(String),
    Bold(String),
    Code(String),
    Italic(String),
}

/// A reply: lines, each a run of spans.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Text {
    lines: Vec<Vec<Span>>,
}

impl Text {
    pub fn new() -> Text {
        Text::default()
    }

    /// A text of one plain line.
    pub fn from_plain(s: impl Into<String>) -> Text {
        let mut t = Text::new();
        t.line().plain(s);
        t
    }

    /// Starts a new line; spans are added to it.
    pub fn line(&mut self) -> &mut Self {
        self.lines.push(Vec::new());
        self
    }

    fn push(&mut self, span: Span) -> &mut Self {
        if self.lines.is_empty() {
            self.lines.push(Vec::new());
        }
        if let Some(last) = self.lines.last_mut() {
            last.push(span);
        }
        self
    }

    pub fn plain(&mut self, s: impl Into<String>) -> &mut Self {
        self.push(Span::Plain(bounded(s.into())))
    }

    pub fn bold(&mut self, s: impl Into<String>) -> &mut Self {
        self.push(Span::Bold(bounded(s.into())))
    }

    pub fn code(&mut self, s: impl Into<String>) -> &mut Self {
        self.push(Span::Code(bounded(s.into())))
    }

    pub fn italic(&mut self, s: impl Into<String>) -> &mut Self {
        self.push(Span::Italic(bounded(s.into())))
    }

    /// Appends `other`'s lines.
    pub fn append(&mut self, other: Text) -> &mut Self {
        self.lines.extend(other.lines);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The words shown, without markup: for logs and tests.
    pub fn to_plain(&self) -> String {
        self.render(|s, out| out.push_str(span_text(s)), usize::MAX).join("\n")
    }

    /// Telegram HTML (`parse_mode=HTML`) messages of at most
    /// [`TELEGRAM_LIMIT`] UTF-16 units each.
    pub fn to_telegram(&self) -> Vec<String> {
        self.render(html_span, TELEGRAM_LIMIT)
    }

    /// Slack mrkdwn messages of at most [`SLACK_LIMIT`] characters each.
    pub fn to_slack(&self) -> Vec<String> {
        self.render(mrkdwn_span, SLACK_LIMIT)
    }

    /// Renders every line, then packs whole lines into messages of at most
    /// `limit` units. A line that is too long on its own (only possible
    /// with dozens of maximal spans) is cut at a span boundary.
    fn render(&self, span: fn(&Span, &mut String), limit: usize) -> Vec<String> {
        let mut messages = Vec::new();
        let mut current = String::new();
        let mut current_len = 0;
        for line in &self.lines {
            let mut rendered = String::new();
            let mut rendered_len = 0;
            for s in line {
                let mut piece = String::new();
                span(s, &mut piece);
                let len = units(&piece);
                if rendered_len + len > limit {
                    break;
                }
                rendered.push_str(&piece);
                rendered_len += len;
            }
            let needed = if current.is_empty() {
                rendered_len
            } else {
                rendered_len + 1
            };
            if current_len + needed > limit && !current.is_empty() {
                messages.push(std::mem::take(&mut current));
                current_len = 0;
            }
            if !current.is_empty() {
                current.push('\n');
                current_len += 1;
            }
            current.push_str(&rendered);
            current_len += rendered_len;
        }
        if !current.trim().is_empty() {
            messages.push(current);
        }
        messages
    }
}

/// Length as Telegram counts it: UTF-16 code units.
fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

fn bounded(s: String) -> String {
    // Newlines inside a span would make lines the splitter cannot see.
    let s = if s.contains(['\n', '\r']) {
        s.replace(['\n', '\r'], " ")
    } else {
        s
    };
    if s.chars().count() <= MAX_SPAN_CHARS {
        return s;
    }
    let mut cut: String = s.chars().take(MAX_SPAN_CHARS - 1).collect();
    cut.push('…');
    cut
}

fn span_text(s: &Span) -> &str {
    match s {
        Span::Plain(t) | Span::Bold(t) | Span::Code(t) | Span::Italic(t) => t,
    }
}

/// Telegram's HTML mode knows only these three entities; `"` is literal.
fn escape_html(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
}

fn html_span(s: &Span, out: &mut String) {
    let (open, close) = match s {
        Span::Plain(_) => ("", ""),
        Span::Bold(_) => ("<b>", "</b>"),
        Span::Code(_) => ("<code>", "</code>"),
        Span::Italic(_) => ("<i>", "</i>"),
    };
    out.push_str(open);
    escape_html(span_text(s), out);
    out.push_str(close);
}

/// Slack escapes only `&`, `<` and `>`; formatting characters inside a
/// word are left alone by Slack, but a `*` or `` ` `` that would close a
/// span early is replaced by a look-alike.
fn mrkdwn_span(s: &Span, out: &mut String) {
    let (mark, text) = match s {
        Span::Plain(t) => ("", t),
        Span::Bold(t) => ("*", t),
        Span::Code(t) => ("`", t),
        Span::Italic(t) => ("_", t),
    };
    out.push_str(mark);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' if mark == "`" => out.push('\''),
            '*' if mark == "*" => out.push('∗'),
            '_' if mark == "_" => out.push(' '),
            c => out.push(c),
        }
    }
    out.push_str(mark);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_with_markup_characters_are_shown_as_written() {
        let mut t = Text::new();
        t.line().bold("Gi0/1 <uplink>").plain(" to R&D ").code("a<b>&c");
        assert_eq!(
            t.to_telegram(),
            vec!["<b>Gi0/1 &lt;uplink&gt;</b> to R&amp;D <code>a&lt;b&gt;&amp;c</code>"]
        );
        assert_eq!(
            t.to_slack(),
            vec!["*Gi0/1 &lt;uplink&gt;* to R&amp;D `a&lt;b&gt;&amp;c`"]
        );
        assert_eq!(t.to_plain(), "Gi0/1 <uplink> to R&D a<b>&c");
    }

    #[test]
    fn long_replies_are_split_between_lines_under_the_limit() {
        let mut t = Text::new();
        for i in 0..500 {
            t.line()
                .bold(format!("Gi0/{i}"))
                .plain(" up <b>&amp; ")
                .code("1 Gbit/s");
        }
        let messages = t.to_telegram();
        assert!(messages.len() > 1);
        for m in &messages {
            assert!(units(m) <= TELEGRAM_LIMIT, "{}", units(m));
            // Every message is whole lines: tags balanced, nothing cut.
            for line in m.lines() {
                assert!(line.starts_with("<b>Gi0/") && line.ends_with("</code>"), "{line}");
            }
        }
        let lines: usize = messages.iter().map(|m| m.lines().count()).sum();
        assert_eq!(lines, 500);
    }

    #[test]
    fn a_line_cannot_exceed_the_limit_whatever_its_spans() {
        let mut t = Text::new();
        t.line();
        for _ in 0..40 {
            t.plain("&".repeat(1000));
        }
        for m in t.to_telegram() {
            assert!(units(&m) <= TELEGRAM_LIMIT);
        }
    }

    #[test]
    fn spans_are_bounded_and_stay_on_their_line() {
        let mut t = Text::new();
        t.line().plain("x".repeat(10_000)).plain("a\nb");
        let plain = t.to_plain();
        assert_eq!(plain.lines().count(), 1);
        assert!(plain.chars().count() <= MAX_SPAN_CHARS + 3);
    }

    #[test]
    fn utf16_length_is_what_counts() {
        // 🛰 is two UTF-16 units: 2,100 of them are 4,200 units.
        let mut t = Text::new();
        for _ in 0..21 {
            t.line().plain("🛰".repeat(100));
        }
        let m = t.to_telegram();
        assert_eq!(m.len(), 2);
        assert!(m.iter().all(|m| units(m) <= TELEGRAM_LIMIT));
    }
}
