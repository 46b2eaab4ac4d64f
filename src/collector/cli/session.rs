//! One interactive CLI session, over SSH or Telnet: log in, find the
//! prompt, turn off paging, then run commands and return their output.
//!
//! Devices are driven through a shell on a PTY rather than `exec`, because
//! that is the one mode every platform supports and the only one where
//! paging settings stick for the session.

use std::time::{Duration, Instant};

use super::parse::Platform;
use super::ssh::SshLink;
use super::telnet::Telnet;
use crate::config::{CliSettings, CliTransport};
use crate::telemetry::FailureReason;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("host key rejected: {0}")]
    HostKey(String),
    #[error("authentication failed: {0}")]
    Auth(String),
    #[error("no answer within {0:?} ({1})")]
    Timeout(Duration, &'static str),
    #[error("session closed by the device")]
    Closed,
    #[error("the device rejected `{command}`: {message}")]
    Command { command: String, message: String },
    #[error("protocol error: {0}")]
    Protocol(String),
}

impl CliError {
    pub fn reason(&self) -> FailureReason {
        match self {
            CliError::Connect(_) | CliError::Closed | CliError::Protocol(_) => FailureReason::NetworkError,
            CliError::HostKey(_) | CliError::Auth(_) => FailureReason::AuthFailure,
            CliError::Timeout(..) => FailureReason::Timeout,
            CliError::Command { .. } => FailureReason::AgentError,
        }
    }
}

/// What carries the CLI: an SSH shell channel or a Telnet connection.
enum Link {
    Ssh(SshLink),
    Telnet(Telnet),
}

/// A logged-in CLI with paging off, ready for commands.
pub struct Session {
    link: Link,
    platform: Platform,
    prompt: String,
    pub last_used: Instant,
    /// How long this session may sit unused before it is closed.
    pub idle_timeout: Duration,
}

impl Session {
    /// Connects, authenticates, opens a shell and prepares it; each step
    /// within `t` (the configured timeout, or less when the scrape ends sooner).
    pub async fn open(host: &str, settings: &CliSettings, t: Duration) -> Result<Session, CliError> {
        match settings.transport {
            CliTransport::Ssh => {
                let link = SshLink::open(host, settings, t).await?;
                let mut s = Session::new(Link::Ssh(link), settings);
                s.prompt = s.find_prompt(t).await?;
                if let Some(cmd) = paging_off(settings.platform) {
                    s.run(cmd, t).await?;
                }
                Ok(s)
            }
            CliTransport::Telnet => Self::open_telnet(host, settings, t).await,
        }
    }

    fn new(link: Link, settings: &CliSettings) -> Session {
        Session {
            link,
            platform: settings.platform,
            prompt: String::new(),
            last_used: Instant::now(),
            idle_timeout: settings.idle_timeout,
        }
    }

    async fn open_telnet(host: &str, settings: &CliSettings, t: Duration) -> Result<Session, CliError> {
        let stream = tokio::time::timeout(t, tokio::net::TcpStream::connect((host, settings.port)))
            .await
            .map_err(|_| CliError::Timeout(t, "connecting"))?
            .map_err(|e| CliError::Connect(e.to_string()))?;
        let _ = stream.set_nodelay(true);
        let mut s = Session::new(Link::Telnet(Telnet::new(stream)), settings);
        s.telnet_login(settings, t).await?;
        s.prompt = match s.find_prompt(t).await {
            // Devices hang up on a wrong password, some after saying so.
            Err(CliError::Closed) => {
                return Err(CliError::Auth(format!("the device refused user {}", settings.username)))
            }
            other => other?,
        };
        if let Some(cmd) = paging_off(settings.platform) {
            s.run(cmd, t).await?;
        }
        Ok(s)
    }

    /// Answers the username and password prompts of a Telnet login.
    async fn telnet_login(&mut self, settings: &CliSettings, t: Duration) -> Result<(), CliError> {
        let deadline = Instant::now() + t;
        let password = settings
            .password
            .as_ref()
            .map(|p| p.expose().to_owned())
            .unwrap_or_default();
        let mut text = String::new();
        let mut sent_user = false;
        loop {
            text.push_str(&self.read_some(deadline, "waiting for the login prompt").await?);
            let clean = clean(&text);
            let last = clean.lines().last().unwrap_or("").trim_end().to_ascii_lowercase();
            let failed = [
                "authentication failed",
                "login incorrect",
                "login invalid",
                "password error",
            ];
            if failed.iter().any(|f| clean.to_ascii_lowercase().contains(f)) {
                return Err(CliError::Auth(format!("the device refused user {}", settings.username)));
            }
            if last.ends_with(':') && (last.contains("user") || last.contains("login")) {
                if sent_user {
                    return Err(CliError::Auth(format!(
                        "the device asked for a login again after user {}",
                        settings.username
                    )));
                }
                self.send(&format!("{}\n", settings.username)).await?;
                sent_user = true;
                text.clear();
            } else if last.ends_with(':') && last.contains("password") {
                self.send(&format!("{password}\n")).await?;
                return Ok(());
            }
        }
    }

    pub fn is_closed(&self) -> bool {
        match &self.link {
            Link::Ssh(l) => l.is_closed(),
            // A closed Telnet connection shows on the next read; run() reports it.
            Link::Telnet(_) => false,
        }
    }

    /// Reads the login banner up to the first prompt, answering the
    /// questions some platforms ask at login. A device that stays quiet
    /// for a second gets one newline, as some print nothing until they see
    /// one; then it has the rest of `t` (AAA servers and busy devices take
    /// seconds before the prompt).
    async fn find_prompt(&mut self, t: Duration) -> Result<String, CliError> {
        let deadline = Instant::now() + t;
        let mut text = String::new();
        let mut nudged = false;
        loop {
            let until = match nudged {
                false => (Instant::now() + Duration::from_secs(1)).min(deadline),
                true => deadline,
            };
            match self.read_some(until, "waiting for the prompt").await {
                Ok(c) => text.push_str(&c),
                Err(CliError::Timeout(..)) if !nudged && Instant::now() < deadline => {
                    self.send("\n").await?;
                    nudged = true;
                    continue;
                }
                Err(CliError::Timeout(..)) => return Err(CliError::Timeout(t, "waiting for the prompt")),
                Err(e) => return Err(e),
            }
            let clean = clean(&text);
            let lower = clean.to_ascii_lowercase();
            if ["authentication failed", "login incorrect", "login invalid"]
                .iter()
                .any(|f| lower.contains(f))
            {
                return Err(CliError::Auth("the device refused the login".into()));
            }
            let last = clean.lines().last().unwrap_or("").trim_end();
            if last.contains("[Y/N]") || last.contains("[y/n]") {
                // Huawei: "The password needs to be changed. Change now? [Y/N]:"
                self.send("N\n").await?;
                text.clear();
                continue;
            }
            if is_prompt(self.platform, last) {
                return Ok(shortest_repeat(last).to_owned());
            }
        }
    }

    async fn send(&mut self, s: &str) -> Result<(), CliError> {
        match &mut self.link {
            Link::Ssh(l) => l.send(s).await,
            Link::Telnet(t) => t.send(s).await.map_err(|_| CliError::Closed),
        }
    }

    /// Some output, or a timeout when nothing arrives before `deadline`.
    async fn read_some(&mut self, deadline: Instant, what: &'static str) -> Result<String, CliError> {
        let left = deadline.saturating_duration_since(Instant::now());
        match &mut self.link {
            Link::Ssh(l) => match tokio::time::timeout(left, l.recv()).await {
                Err(_) => Err(CliError::Timeout(left, what)),
                Ok(Some(text)) => Ok(text),
                Ok(None) => Err(CliError::Closed),
            },
            Link::Telnet(t) => match tokio::time::timeout(left, t.recv()).await {
                Err(_) => Err(CliError::Timeout(left, what)),
                Ok(Ok(Some(data))) => Ok(String::from_utf8_lossy(&data).into_owned()),
                Ok(Ok(None)) | Ok(Err(_)) => Err(CliError::Closed),
            },
        }
    }

    /// Runs one command and returns its output, without the echoed command
    /// line and the trailing prompt.
    pub async fn run(&mut self, command: &str, t: Duration) -> Result<String, CliError> {
        self.send(&format!("{command}\n")).await?;
        let deadline = Instant::now() + t;
        let mut raw = String::new();
        loop {
            raw.push_str(&self.read_some(deadline, "waiting for command output").await?);
            let text = clean(&raw);
            let trimmed = text.trim_end();
            if trimmed.ends_with(self.prompt.trim_end()) && trimmed.lines().count() > 1 {
                self.last_used = Instant::now();
                let mut lines: Vec<&str> = trimmed.lines().collect();
                lines.pop();
                // The first line is the echo of the command.
                let body = lines.get(1..).unwrap_or(&[]).join("\n");
                if let Some(err) = error_line(&body) {
                    return Err(CliError::Command {
                        command: command.to_owned(),
                        message: err.to_owned(),
                    });
                }
                return Ok(body);
            }
        }
    }

    pub async fn close(self) {
        match self.link {
            Link::Ssh(l) => l.close().await,
            Link::Telnet(t) => t.close().await,
        }
    }
}

/// The command that turns paging off for the session, per platform.
fn paging_off(p: Platform) -> Option<&'static str> {
    match p {
        Platform::CiscoIos | Platform::CiscoNxos | Platform::Frr => Some("terminal length 0"),
        Platform::HuaweiVrp => Some("screen-length 0 temporary"),
        Platform::JuniperJunos => Some("set cli screen-length 0"),
        // RouterOS commands take `without-paging` themselves.
        Platform::MikrotikRouteros => None,
    }
}

/// A line that ends a platform's prompt: `sw1#`, `sw1>`, `<HUAWEI>`,
/// `[~HUAWEI]`, `user@router>`, `[admin@MikroTik] >`.
fn is_prompt(p: Platform, line: &str) -> bool {
    let l = line.trim_end();
    if l.is_empty() || l.len() > 128 {
        return false;
    }
    match p {
        Platform::CiscoIos | Platform::CiscoNxos | Platform::Frr => l.ends_with('#') || l.ends_with('>'),
        Platform::HuaweiVrp => (l.starts_with('<') && l.ends_with('>')) || (l.starts_with('[') && l.ends_with(']')),
        Platform::JuniperJunos => l.ends_with('>') || l.ends_with('#'),
        Platform::MikrotikRouteros => l.ends_with('>') && l.starts_with('['),
    }
}

/// `sw1#sw1#` → `sw1#`: two prompts can land on one line when a newline
/// crosses the device's own output.
fn shortest_repeat(line: &str) -> &str {
    let n = line.len();
    (1..=n / 2)
        .filter(|k| n.is_multiple_of(*k) && line.is_char_boundary(*k))
        .find(|k| line[..*k].repeat(n / k) == line)
        .map_or(line, |k| &line[..k])
}

/// Removes ANSI escape sequences, carriage returns and backspaced text.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    // CSI: parameters then one final byte in @..~
                    for n in chars.by_ref() {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    // OSC: up to BEL or ESC \
                    for n in chars.by_ref() {
                        if n == '\u{7}' || n == '\u{1b}' {
                            break;
                        }
                    }
                }
                _ => {
                    chars.next();
                }
            },
            '\r' => {}
            '\u{8}' => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// The CLI error message `output` starts with, if any. Only the first
/// lines count: a CLI answers a bad command at once, while a good one's
/// output may well contain "Error: 0" (VRP's error counters).
fn error_line(output: &str) -> Option<&str> {
    output
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('^'))
        .take(2)
        .find(|l| {
            l.starts_with("% Invalid")
                || l.starts_with("% Unknown command")
                || l.starts_with("% Incomplete command")
                || (l.starts_with("Error:") && !l[6..].trim_start().starts_with(|c: char| c.is_ascii_digit()))
                || l.starts_with("error:")
                || l.starts_with("syntax error")
                || l.starts_with("bad command name")
                || l.starts_with("expected end of command")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_terminal_noise() {
        assert_eq!(clean("\u{1b}[1;32mok\u{1b}[0m\r\nab\u{8}c"), "ok\nac");
        assert_eq!(clean("\u{1b}]0;title\u{7}x"), "x");
    }

    #[test]
    fn doubled_prompts_collapse() {
        assert_eq!(shortest_repeat("core-sw1#core-sw1#"), "core-sw1#");
        assert_eq!(shortest_repeat("<HUAWEI>"), "<HUAWEI>");
        assert_eq!(shortest_repeat("aa#"), "aa#");
    }

    #[test]
    fn prompts_per_platform() {
        assert!(is_prompt(Platform::CiscoIos, "core-sw1#"));
        assert!(is_prompt(Platform::HuaweiVrp, "<HUAWEI>"));
        assert!(is_prompt(Platform::HuaweiVrp, "[~HUAWEI]"));
        assert!(is_prompt(Platform::JuniperJunos, "netops@mx1> "));
        assert!(is_prompt(Platform::MikrotikRouteros, "[admin@MikroTik] > "));
        assert!(!is_prompt(Platform::MikrotikRouteros, "flags: X - disabled"));
        assert!(!is_prompt(
            Platform::HuaweiVrp,
            "Info: The max number of VTY users is 10"
        ));
    }

    #[test]
    fn error_markers() {
        assert_eq!(
            error_line("\n% Invalid input detected at '^' marker."),
            Some("% Invalid input detected at '^' marker.")
        );
        assert_eq!(
            error_line("Error: Unrecognized command found at '^' position."),
            Some("Error: Unrecognized command found at '^' position.")
        );
        assert_eq!(error_line("GigabitEthernet0/1 is up"), None);
        // VRP counters, not an error.
        assert_eq!(
            error_line("GigabitEthernet0/0/1 current state : UP\n    Error: 0"),
            None
        );
        assert_eq!(error_line("Input: 0 packets\n  Error: 0\n"), None);
        assert_eq!(
            error_line("      ^\nError: Unrecognized command found at '^' position."),
            Some("Error: Unrecognized command found at '^' position.")
        );
    }
}
