//! One interactive CLI session over SSH: log in, find the prompt, turn off
//! paging, then run commands and return their output.
//!
//! Devices are driven through a shell on a PTY rather than `exec`, because
//! that is the one mode every platform supports and the only one where
//! paging settings stick for the session.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use russh::client::{self, Handle, KeyboardInteractiveAuthResponse};
use russh::keys::PublicKeyBase64 as _;
use russh::{Channel, ChannelMsg};

use super::telnet::Telnet;
use crate::collector::cli::Platform;
use crate::config::{CliSettings, CliTransport};
use crate::telemetry::FailureReason;

#[derive(Debug, thiserror::Error)]
pub enum SshError {
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
    #[error("ssh: {0}")]
    Protocol(String),
}

impl SshError {
    pub fn reason(&self) -> FailureReason {
        match self {
            SshError::Connect(_) | SshError::Closed | SshError::Protocol(_) => FailureReason::NetworkError,
            SshError::HostKey(_) | SshError::Auth(_) => FailureReason::AuthFailure,
            SshError::Timeout(..) => FailureReason::Timeout,
            SshError::Command { .. } => FailureReason::AgentError,
        }
    }
}

/// Verifies the server's key against `known_hosts` (or, when the operator
/// opted out, accepts it), and remembers why it refused.
struct HostKeys {
    host: String,
    port: u16,
    known_hosts: Option<PathBuf>,
    refusal: Arc<Mutex<Option<String>>>,
}

impl client::Handler for HostKeys {
    type Error = russh::Error;

    async fn check_server_key(&mut self, key: &russh::keys::PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        let Some(path) = &self.known_hosts else { return Ok(true) };
        let refuse = |why: String| {
            if let Ok(mut r) = self.refusal.lock() {
                *r = Some(why);
            }
            Ok(false)
        };
        let key = match key {
            russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } => key,
            _ => return refuse("the server offered a certificate; only known_hosts keys are supported".into()),
        };
        match russh::keys::check_known_hosts_path(&self.host, self.port, key, path) {
            Ok(true) => Ok(true),
            Ok(false) => refuse(format!(
                "{} key {} of {}:{} is not in {}",
                key.algorithm(),
                key.public_key_base64(),
                self.host,
                self.port,
                path.display()
            )),
            Err(e) => refuse(format!("{e} ({})", path.display())),
        }
    }
}

/// What carries the CLI: an SSH shell channel or a Telnet connection.
enum Link {
    Ssh {
        handle: Handle<HostKeys>,
        channel: Channel<client::Msg>,
    },
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

fn config(settings: &CliSettings) -> client::Config {
    let mut preferred = russh::Preferred::default();
    if settings.legacy_algorithms {
        // Old IOS and VRP releases speak nothing newer; opt-in only.
        let mut kex = preferred.kex.to_vec();
        kex.extend([russh::kex::DH_G14_SHA1, russh::kex::DH_G1_SHA1]);
        preferred.kex = Cow::Owned(kex);
        let mut cipher = preferred.cipher.to_vec();
        cipher.extend([russh::cipher::AES_128_CBC, russh::cipher::AES_256_CBC]);
        preferred.cipher = Cow::Owned(cipher);
        let mut mac = preferred.mac.to_vec();
        mac.push(russh::mac::HMAC_SHA1);
        preferred.mac = Cow::Owned(mac);
    }
    client::Config {
        preferred,
        // Keeps NAT state and idle-kill timers of firewalls from breaking persistent sessions.
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 3,
        nodelay: true,
        ..client::Config::default()
    }
}

impl Session {
    /// Connects, authenticates, opens a shell and prepares it.
    pub async fn open(host: &str, settings: &CliSettings) -> Result<Session, SshError> {
        match settings.transport {
            CliTransport::Ssh => Self::open_ssh(host, settings).await,
            CliTransport::Telnet => Self::open_telnet(host, settings).await,
        }
    }

    async fn open_telnet(host: &str, settings: &CliSettings) -> Result<Session, SshError> {
        let t = settings.timeout;
        let stream = tokio::time::timeout(t, tokio::net::TcpStream::connect((host, settings.port)))
            .await
            .map_err(|_| SshError::Timeout(t, "connecting"))?
            .map_err(|e| SshError::Connect(e.to_string()))?;
        let _ = stream.set_nodelay(true);
        let mut s = Session {
            link: Link::Telnet(Telnet::new(stream)),
            platform: settings.platform,
            prompt: String::new(),
            last_used: Instant::now(),
            idle_timeout: settings.idle_timeout,
        };
        s.telnet_login(settings, t).await?;
        s.prompt = match s.find_prompt(t).await {
            // Devices hang up on a wrong password, some after saying so.
            Err(SshError::Closed) => {
                return Err(SshError::Auth(format!("the device refused user {}", settings.username)))
            }
            other => other?,
        };
        if let Some(cmd) = paging_off(settings.platform) {
            s.run(cmd, t).await?;
        }
        Ok(s)
    }

    /// Answers the username and password prompts of a Telnet login.
    async fn telnet_login(&mut self, settings: &CliSettings, t: Duration) -> Result<(), SshError> {
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
                return Err(SshError::Auth(format!("the device refused user {}", settings.username)));
            }
            if last.ends_with(':') && (last.contains("user") || last.contains("login")) {
                if sent_user {
                    return Err(SshError::Auth(format!(
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

    async fn open_ssh(host: &str, settings: &CliSettings) -> Result<Session, SshError> {
        let t = settings.timeout;
        let refusal = Arc::new(Mutex::new(None));
        let handler = HostKeys {
            host: host.to_owned(),
            port: settings.port,
            known_hosts: settings.known_hosts.clone(),
            refusal: refusal.clone(),
        };
        let addr = (host.to_owned(), settings.port);
        let connected = tokio::time::timeout(t, client::connect(Arc::new(config(settings)), addr, handler)).await;
        let mut handle = match connected {
            Err(_) => return Err(SshError::Timeout(t, "connecting")),
            Ok(Ok(h)) => h,
            Ok(Err(e)) => {
                let why = refusal.lock().ok().and_then(|r| r.clone());
                return Err(match why {
                    Some(why) => SshError::HostKey(why),
                    None => SshError::Connect(e.to_string()),
                });
            }
        };
        let user = match settings.platform {
            // "+ct": no colours, no terminal auto-detection on RouterOS.
            Platform::MikrotikRouteros if !settings.username.contains('+') => format!("{}+ct", settings.username),
            _ => settings.username.clone(),
        };
        tokio::time::timeout(t, authenticate(&mut handle, &user, settings))
            .await
            .map_err(|_| SshError::Timeout(t, "authenticating"))??;
        let channel = tokio::time::timeout(t, async {
            let channel = handle.channel_open_session().await?;
            channel.request_pty(false, "vt100", 511, 0, 0, 0, &[]).await?;
            channel.request_shell(false).await?;
            Ok::<_, russh::Error>(channel)
        })
        .await
        .map_err(|_| SshError::Timeout(t, "opening a shell"))?
        .map_err(|e| SshError::Protocol(e.to_string()))?;
        let mut s = Session {
            link: Link::Ssh { handle, channel },
            platform: settings.platform,
            prompt: String::new(),
            last_used: Instant::now(),
            idle_timeout: settings.idle_timeout,
        };
        s.prompt = s.find_prompt(t).await?;
        if let Some(cmd) = paging_off(settings.platform) {
            s.run(cmd, t).await?;
        }
        Ok(s)
    }

    pub fn is_closed(&self) -> bool {
        match &self.link {
            Link::Ssh { handle, .. } => handle.is_closed(),
            // A closed Telnet connection shows on the next read; run() reports it.
            Link::Telnet(_) => false,
        }
    }

    /// Reads the login banner up to the first prompt, answering the
    /// questions some platforms ask at login. A device that stays quiet
    /// for a second gets one newline, as some print nothing until they see one.
    async fn find_prompt(&mut self, t: Duration) -> Result<String, SshError> {
        let deadline = Instant::now() + t;
        let mut text = String::new();
        let mut nudged = false;
        loop {
            let quiet = (Instant::now() + Duration::from_secs(1)).min(deadline);
            match self.read_some(quiet, "waiting for the prompt").await {
                Ok(c) => text.push_str(&c),
                Err(SshError::Timeout(..)) if !nudged && Instant::now() < deadline => {
                    self.send("\n").await?;
                    nudged = true;
                    continue;
                }
                Err(e) => return Err(e),
            }
            let clean = clean(&text);
            let lower = clean.to_ascii_lowercase();
            if ["authentication failed", "login incorrect", "login invalid"]
                .iter()
                .any(|f| lower.contains(f))
            {
                return Err(SshError::Auth("the device refused the login".into()));
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

    async fn send(&mut self, s: &str) -> Result<(), SshError> {
        match &mut self.link {
            Link::Ssh { channel, .. } => channel
                .data_bytes(s.as_bytes().to_vec())
                .await
                .map_err(|e| SshError::Protocol(e.to_string())),
            Link::Telnet(t) => t.send(s).await.map_err(|_| SshError::Closed),
        }
    }

    /// Some output, or a timeout when nothing arrives before `deadline`.
    async fn read_some(&mut self, deadline: Instant, what: &'static str) -> Result<String, SshError> {
        let left = deadline.saturating_duration_since(Instant::now());
        let channel = match &mut self.link {
            Link::Ssh { channel, .. } => channel,
            Link::Telnet(t) => {
                return match tokio::time::timeout(left, t.recv()).await {
                    Err(_) => Err(SshError::Timeout(left, what)),
                    Ok(Ok(Some(data))) => Ok(String::from_utf8_lossy(&data).into_owned()),
                    Ok(Ok(None)) | Ok(Err(_)) => Err(SshError::Closed),
                };
            }
        };
        loop {
            match tokio::time::timeout(left, channel.wait()).await {
                Err(_) => return Err(SshError::Timeout(left, what)),
                Ok(None) | Ok(Some(ChannelMsg::Close)) | Ok(Some(ChannelMsg::Eof)) => return Err(SshError::Closed),
                Ok(Some(ChannelMsg::Data { data })) | Ok(Some(ChannelMsg::ExtendedData { data, .. })) => {
                    return Ok(String::from_utf8_lossy(&data).into_owned())
                }
                Ok(Some(_)) => continue,
            }
        }
    }

    /// Runs one command and returns its output, without the echoed command
    /// line and the trailing prompt.
    pub async fn run(&mut self, command: &str, t: Duration) -> Result<String, SshError> {
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
                    return Err(SshError::Command {
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
            Link::Ssh { handle, .. } => {
                let _ = handle.disconnect(russh::Disconnect::ByApplication, "", "en").await;
            }
            Link::Telnet(t) => t.close().await,
        }
    }
}

async fn authenticate(handle: &mut Handle<HostKeys>, user: &str, s: &CliSettings) -> Result<(), SshError> {
    let proto = |e: russh::Error| SshError::Protocol(e.to_string());
    if let Some(key_file) = &s.key_file {
        let key = russh::keys::load_secret_key(key_file, s.passphrase.as_ref().map(|p| p.expose()))
            .map_err(|e| SshError::Auth(format!("cannot load {}: {e}", key_file.display())))?;
        let hash = handle.best_supported_rsa_hash().await.map_err(proto)?.flatten();
        let key = russh::keys::PrivateKeyWithHashAlg::new(Arc::new(key), hash);
        if handle.authenticate_publickey(user, key).await.map_err(proto)?.success() {
            return Ok(());
        }
    }
    if let Some(password) = &s.password {
        if handle
            .authenticate_password(user, password.expose())
            .await
            .map_err(proto)?
            .success()
        {
            return Ok(());
        }
        // Cisco and Huawei often offer only keyboard-interactive: answer every prompt with the password.
        let mut reply = handle
            .authenticate_keyboard_interactive_start(user, None)
            .await
            .map_err(proto)?;
        for _ in 0..3 {
            match reply {
                KeyboardInteractiveAuthResponse::Success => return Ok(()),
                KeyboardInteractiveAuthResponse::Failure { .. } => break,
                KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. } => {
                    let answers = prompts.iter().map(|_| password.expose().to_owned()).collect();
                    reply = handle
                        .authenticate_keyboard_interactive_respond(answers)
                        .await
                        .map_err(proto)?;
                }
            }
        }
    }
    Err(SshError::Auth(format!("the device refused user {user}")))
}

/// The command that turns paging off for the session, per platform.
fn paging_off(p: Platform) -> Option<&'static str> {
    match p {
        Platform::CiscoIos | Platform::CiscoNxos => Some("terminal length 0"),
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
        Platform::CiscoIos | Platform::CiscoNxos => l.ends_with('#') || l.ends_with('>'),
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
