//! Configuration: what to poll, how, and with which credentials.
//!
//! Loading is two stages, so that a broken file is reported completely and
//! precisely: `raw` is the file as written (every node with its line and
//! column), `validate` turns it into the types below or into a list of
//! [`Problem`]s, each naming file, line, column and field. Nothing outside
//! this module sees a raw type.

mod address;
mod raw;
mod validate;
pub(crate) use validate::yaml_problem;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::secret::Secret;

pub use address::Address;

/// Defaults, named so the docs and the code cannot drift apart.
pub mod defaults {
    use std::time::Duration;
    pub const SCRAPE_TIMEOUT: Duration = Duration::from_secs(20);
    pub const SCRAPE_TIMEOUT_OFFSET: Duration = Duration::from_millis(500);
    /// As many as SNMP requests in flight: a device waiting for a socket
    /// holds its half-walked tables and does nothing, and a dead device holds
    /// a socket as well as a slot, so slots beyond the sockets only cost
    /// memory (2,000 × 48 interfaces: 45–47 MiB peak at 128, 54–56 at 256,
    /// same scrape time; BENCHMARKS.md).
    pub const MAX_CONCURRENT_POLLS: usize = 128;
    /// SNMP requests in flight at once, process-wide.
    pub const MAX_SNMP_SOCKETS: usize = 128;
    pub const SNMP_PORT: u16 = 161;
    pub const SNMP_TIMEOUT: Duration = Duration::from_secs(2);
    pub const SNMP_RETRIES: u32 = 2;
    pub const SNMP_MAX_REPETITIONS: u32 = 25;
    pub const SNMP_WALK_CONCURRENCY: usize = 8;
    pub const SNMP_COLUMNS_PER_REQUEST: usize = 8;
    pub const SSH_PORT: u16 = 22;
    pub const TELNET_PORT: u16 = 23;
    pub const SSH_TIMEOUT: Duration = Duration::from_secs(15);
    pub const SSH_IDLE_TIMEOUT: Duration = Duration::from_secs(600);
    /// Devices not in the config (`/snmp` with any target, targets removed
    /// by a reload) whose exporter series are kept; the oldest go first.
    pub const MAX_UNKNOWN_DEVICES: usize = 1000;
    /// A poll that finished this recently answers a new scrape of the same
    /// target; off by default (in-flight polls are always shared).
    pub const POLL_REUSE_WINDOW: Duration = Duration::ZERO;
    /// Rows one walked table column may have: a Ruijie core has 3,271
    /// interfaces, a full-table router's routes are not what netgauge walks.
    pub const MAX_ROWS_PER_TABLE: usize = 100_000;
    /// What one poll of one device may collect, values and indexes.
    pub const MAX_BYTES_PER_DEVICE: usize = 64 << 20;
    /// The longest wait before a device that refused netgauge's credentials
    /// is tried again (the wait starts at a minute and doubles).
    pub const AUTH_FAILURE_BACKOFF: Duration = Duration::from_secs(600);
    pub const NEIGHBORS_INTERVAL: Duration = Duration::from_secs(300);
    pub const INVENTORY_INTERVAL: Duration = Duration::from_secs(3600);
    /// The SNMP notification port.
    pub const TRAPS_LISTEN: &str = "[::]:162";
    /// How often active trap alerts are sent to Alertmanager again (it
    /// resolves alerts not re-sent within its `resolve_timeout`, 5 m).
    pub const TRAPS_RESEND_INTERVAL: Duration = Duration::from_secs(60);
    pub const TRAPS_TTL: Duration = Duration::from_secs(3600);
    pub const TRAPS_RATE_PER_SECOND: f64 = 200.0;
    pub const TRAPS_BURST: u32 = 1000;
    pub const TELEGRAM_API_URL: &str = "https://api.telegram.org";
    pub const SLACK_API_URL: &str = "https://slack.com/api";
    /// Chat messages older than this when the bot reads them (after a
    /// restart, say) are acknowledged and not run.
    pub const CHATOPS_MAX_UPDATE_AGE: Duration = Duration::from_secs(300);
    pub const CHATOPS_BUTTON_TTL: Duration = Duration::from_secs(86_400);
    /// Commands per minute per user and per chat, and the bucket's size.
    pub const CHATOPS_PER_USER_PER_MINUTE: f64 = 20.0;
    pub const CHATOPS_PER_CHAT_PER_MINUTE: f64 = 60.0;
    pub const CHATOPS_BURST: u32 = 5;
    /// The languages the bot has message catalogs for.
    pub const CHATOPS_LANGUAGES: &[&str] = crate::chatops::i18n::LANGUAGES;
}

/// A validated configuration. Cheap to share: targets sit behind `Arc`.
#[derive(Debug, Clone)]
pub struct Config {
    pub global: Global,
    pub targets: Vec<Arc<Target>>,
    /// Health modules: the built-in ones, with `global.health_modules` over them.
    pub health: Arc<crate::collector::snmp::health::Modules>,
    /// Settings that are valid but probably not what was meant; `check`
    /// prints them and start-up and reloads log them.
    pub warnings: Vec<Problem>,
    /// The trap receiver, when `traps:` is set.
    pub traps: Option<TrapsConfig>,
    /// The ChatOps bot; off when absent.
    pub chatops: Option<ChatopsConfig>,
    /// Trap definitions: the built-in ones, with `global.trap_definitions` over them.
    pub trap_definitions: Arc<crate::traps::definitions::Definitions>,
}

impl Config {
    pub fn target(&self, name: &str) -> Option<&Arc<Target>> {
        self.targets.iter().find(|t| t.name == name)
    }

    /// Up to three target names closest to `name` (a typo, a wrong case, a
    /// missing suffix), best first: what to suggest when `name` is unknown.
    pub fn closest_targets(&self, name: &str) -> Vec<&str> {
        let wanted = name.to_lowercase();
        let mut scored: Vec<(f64, &str)> = self
            .targets
            .iter()
            .map(|t| {
                let have = t.name.to_lowercase();
                let mut score = strsim::jaro_winkler(&wanted, &have);
                if !wanted.is_empty() && (have.contains(&wanted) || wanted.contains(&have)) {
                    score = score.max(0.9);
                }
                (score, t.name.as_str())
            })
            .filter(|(score, _)| *score >= 0.75)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        scored.into_iter().take(3).map(|(_, n)| n).collect()
    }

    /// Parses and validates `text` as if read from `path` (used in messages
    /// and to resolve relative `*_file` paths).
    pub fn from_yaml(path: &Path, text: &str) -> Result<Config, ConfigError> {
        validate::load(&[(path.to_path_buf(), text.to_owned())])
    }

    /// Reads, parses and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Self::load_all(&[path.to_path_buf()])
    }

    /// Reads several files as one config. A directory stands for every
    /// `*.yml` / `*.yaml` file in it, in name order. Targets and auth blocks
    /// may be spread over files (e.g. a generated inventory next to a
    /// hand-written `global`); `global` and `defaults` may appear once.
    pub fn load_all(paths: &[PathBuf]) -> Result<Config, ConfigError> {
        let mut sources = Vec::new();
        for path in expand(paths)? {
            let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            sources.push((path, text));
        }
        validate::load(&sources)
    }
}

/// Expands directories to the YAML files inside them.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ConfigError> {
    let mut out = Vec::new();
    for path in paths {
        if !path.is_dir() {
            out.push(path.clone());
            continue;
        }
        let read_err = |source| ConfigError::Read {
            path: path.clone(),
            source,
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(read_err)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")))
            .collect();
        if files.is_empty() {
            return Err(read_err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "directory has no *.yml or *.yaml files",
            )));
        }
        files.sort();
        out.extend(files);
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Global {
    pub scrape_timeout: Duration,
    pub scrape_timeout_offset: Duration,
    pub max_concurrent_polls: usize,
    /// SNMP requests in flight at once (one socket each), across all devices.
    pub max_snmp_sockets: usize,
    /// Devices outside the config that keep exporter series.
    pub max_unknown_devices: usize,
    /// How long a finished poll's result answers later scrapes (HA pairs).
    pub poll_reuse_window: Duration,
    /// Rows per walked column, and bytes per device poll.
    pub max_rows_per_table: usize,
    pub max_bytes_per_device: usize,
    /// Longest wait after authentication failures; zero: no backoff.
    pub auth_failure_backoff: Duration,
    /// How long walked neighbor tables serve scrapes before a refresh.
    pub neighbors_interval: Duration,
    /// How long the walked inventory serves scrapes before a refresh.
    pub inventory_interval: Duration,
}

impl Default for Global {
    fn default() -> Self {
        Global {
            scrape_timeout: defaults::SCRAPE_TIMEOUT,
            scrape_timeout_offset: defaults::SCRAPE_TIMEOUT_OFFSET,
            max_concurrent_polls: defaults::MAX_CONCURRENT_POLLS,
            max_snmp_sockets: defaults::MAX_SNMP_SOCKETS,
            max_unknown_devices: defaults::MAX_UNKNOWN_DEVICES,
            poll_reuse_window: defaults::POLL_REUSE_WINDOW,
            max_rows_per_table: defaults::MAX_ROWS_PER_TABLE,
            max_bytes_per_device: defaults::MAX_BYTES_PER_DEVICE,
            auth_failure_backoff: defaults::AUTH_FAILURE_BACKOFF,
            neighbors_interval: defaults::NEIGHBORS_INTERVAL,
            inventory_interval: defaults::INVENTORY_INTERVAL,
        }
    }
}

/// One device.
#[derive(Debug, Clone)]
pub struct Target {
    /// Unique; the `device` label and the `/probe?target=` key.
    pub name: String,
    pub address: Address,
    /// Copied onto every series of this device, in this order.
    pub labels: Vec<(String, String)>,
    /// Set in the config: overrides the vendor detected from sysObjectID.
    pub vendor: Option<String>,
    pub snmp: Option<SnmpSettings>,
    /// CLI polling, over SSH or Telnet.
    pub cli: Option<CliSettings>,
    /// Alert thresholds of this device: built-in defaults, then
    /// `defaults.thresholds`, then the target's own.
    pub thresholds: Thresholds,
    /// Per-interface overrides of the `interface_*` thresholds.
    pub interface_thresholds: Vec<(String, Thresholds)>,
    /// Addresses traps from this device come from; empty: its address.
    pub trap_sources: Vec<std::net::IpAddr>,
    /// Which optional collectors run.
    pub collectors: Collectors,
    /// The target's own neighbor and inventory intervals; `None`: the global ones.
    pub neighbors_interval: Option<Duration>,
    pub inventory_interval: Option<Duration>,
}

/// Optional collectors: on unless turned off (`collectors:` on a target,
/// or in `defaults`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collectors {
    pub bgp: bool,
    pub optics: bool,
    pub neighbors: bool,
    pub inventory: bool,
}

impl Default for Collectors {
    fn default() -> Self {
        Collectors {
            bgp: true,
            optics: true,
            neighbors: true,
            inventory: true,
        }
    }
}

impl Target {
    /// The UDP port SNMP goes to: the address's own port, else `snmp.port`.
    pub fn snmp_port(&self) -> Option<u16> {
        self.snmp.as_ref().map(|s| self.address.port.unwrap_or(s.port))
    }
}

/// `traps:`: the SNMP notification receiver.
#[derive(Debug, Clone)]
pub struct TrapsConfig {
    pub listen: std::net::SocketAddr,
    /// Alertmanager base URLs; every alert goes to all of them.
    pub alertmanager_urls: Vec<String>,
    pub resend_interval: Duration,
    /// Alerts without a clearing notification resolve after this.
    pub ttl: Duration,
    pub state_file: Option<PathBuf>,
    pub accept_unknown_sources: bool,
    /// Notifications per second per device, and the bucket's size.
    pub rate_per_second: f64,
    pub burst: u32,
    pub relays: Vec<std::net::IpAddr>,
    /// Replaces every target's community for v1/v2c notifications.
    pub community: Option<Secret>,
    /// netgauge's SNMP engine ID; generated and kept in the state file when unset.
    pub engine_id: Option<Vec<u8>>,
    pub page_undescribed_interfaces: bool,
}

/// Alert thresholds by name (the `threshold` label of `netgauge_threshold`).
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds(pub Vec<(&'static str, f64)>);

impl Thresholds {
    /// The built-in defaults, documented in docs/metrics.md.
    pub fn builtin() -> Thresholds {
        Thresholds(vec![
            ("interface_utilisation_ratio", 0.9),
            ("interface_errors_per_second", 1.0),
            ("interface_discards_per_second", 10.0),
            ("cpu_usage_ratio", 0.9),
            ("memory_usage_ratio", 0.9),
            ("temperature_celsius", 75.0),
            ("scrape_duration_seconds", 20.0),
            ("bgp_prefixes_drop_ratio", 0.5),
        ])
    }

    pub fn set(&mut self, key: &'static str, value: f64) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    pub fn get(&self, key: &str) -> Option<f64> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// How a device's CLI is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CliTransport {
    Ssh,
    /// Cleartext: credentials and output cross the network readable. For
    /// legacy gear only.
    Telnet,
}

/// How to reach a device's CLI (`ssh:` or `telnet:` in the config).
#[derive(Debug, Clone)]
pub struct CliSettings {
    pub transport: CliTransport,
    pub platform: crate::collector::cli::parse::Platform,
    pub port: u16,
    pub username: String,
    pub password: Option<Secret>,
    pub key_file: Option<PathBuf>,
    pub passphrase: Option<Secret>,
    /// `None`: host keys are not checked (explicit opt-out only).
    pub known_hosts: Option<PathBuf>,
    pub legacy_algorithms: bool,
    /// Per command, and for connecting and logging in.
    pub timeout: Duration,
    /// A session unused this long is closed rather than reused.
    pub idle_timeout: Duration,
}

impl CliSettings {
    pub fn transport_name(&self) -> &'static str {
        match self.transport {
            CliTransport::Ssh => "ssh",
            CliTransport::Telnet => "telnet",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnmpVersion {
    V1,
    V2c,
    V3,
}

impl fmt::Display for SnmpVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SnmpVersion::V1 => "1",
            SnmpVersion::V2c => "2c",
            SnmpVersion::V3 => "3",
        })
    }
}

#[derive(Debug, Clone)]
pub struct SnmpSettings {
    pub port: u16,
    pub credentials: SnmpCredentials,
    /// Per request; a request is sent `1 + retries` times at most.
    pub timeout: Duration,
    pub retries: u32,
    pub max_repetitions: u32,
    /// Walks (each of up to `columns_per_request` columns) run at once against this one device.
    pub walk_concurrency: usize,
    /// Table columns one GETBULK asks for together (1: one column per request).
    pub columns_per_request: usize,
    /// Keep walking past an OID that is not after the previous one (broken
    /// agents); off by default, when such a reply ends the walk. netgauge's
    /// own config does not set it; snmp.yml modules can.
    pub allow_nonincreasing_oids: bool,
}

impl SnmpSettings {
    pub fn version(&self) -> SnmpVersion {
        match &self.credentials {
            SnmpCredentials::V1 { .. } => SnmpVersion::V1,
            SnmpCredentials::V2c { .. } => SnmpVersion::V2c,
            SnmpCredentials::V3(_) => SnmpVersion::V3,
        }
    }
}

#[derive(Debug, Clone)]
pub enum SnmpCredentials {
    V1 { community: Secret },
    V2c { community: Secret },
    V3(V3Credentials),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityLevel {
    NoAuthNoPriv,
    AuthNoPriv,
    AuthPriv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthProtocol {
    Md5,
    Sha,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivProtocol {
    Des,
    Aes,
    Aes192,
    Aes256,
    /// AES-192 with the key extension Cisco uses ("Reeder").
    Aes192C,
    /// AES-256 with the key extension Cisco uses ("Reeder").
    Aes256C,
}

#[derive(Debug, Clone)]
pub struct V3Credentials {
    pub username: String,
    pub level: SecurityLevel,
    pub auth_protocol: AuthProtocol,
    pub auth_password: Secret,
    pub priv_protocol: PrivProtocol,
    pub priv_password: Secret,
    pub context_name: String,
}

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: cannot read config file: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}", Problems(problems))]
    Invalid { problems: Vec<Problem> },
}

impl ConfigError {
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Read { .. } => &[],
            ConfigError::Invalid { problems } => problems,
        }
    }
}

struct Problems<'a>(&'a [Problem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// One thing wrong with a config file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: u64,
    pub column: u64,
    /// Dotted path of the offending field, e.g. `targets[3].snmp.timeout`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

/// `chatops:`: the Telegram and Slack bot.
#[derive(Debug, Clone)]
pub struct ChatopsConfig {
    /// Prometheus base URL, for rates, history and graphs; without it the
    /// bot shows counters and states only.
    pub prometheus_url: Option<String>,
    /// Alertmanager base URLs (an HA set), for alerts and silences.
    pub alertmanager_urls: Vec<String>,
    /// What `POST /chatops/alertmanager` requires as its bearer token.
    pub webhook_token: Option<Secret>,
    pub max_update_age: Duration,
    pub button_ttl: Duration,
    pub state_file: Option<PathBuf>,
    pub telegram: Option<TelegramConfig>,
    pub slack: Option<SlackConfig>,
}

#[derive(Debug, Clone)]
pub struct TelegramConfig {
    pub token: Secret,
    /// Without a trailing slash.
    pub api_url: String,
    pub users: Vec<ChatUser<i64>>,
    pub chats: Vec<i64>,
    pub notify_chats: Vec<i64>,
    pub rate_limit: ChatRateLimit,
}

#[derive(Debug, Clone)]
pub struct SlackConfig {
    pub signing_secret: Secret,
    pub bot_token: Secret,
    /// Without a trailing slash.
    pub api_url: String,
    pub users: Vec<ChatUser<String>>,
    pub channels: Vec<String>,
    pub notify_channels: Vec<String>,
    pub rate_limit: ChatRateLimit,
}

/// Someone allowed to talk to the bot; everyone else is refused.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatUser<Id> {
    pub id: Id,
    /// How the audit log and silences name them (`createdBy`); empty: the id.
    pub name: String,
    pub role: Role,
    /// Their language, when set; else the chat client's, else English.
    pub language: Option<String>,
}

/// What a chat user may do; each role may do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Read commands: status, interfaces, alerts, graphs.
    Viewer,
    /// And silences.
    Operator,
    /// And `/reload`.
    Admin,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

/// Token buckets: commands per second per user and per chat, and how many
/// may come at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChatRateLimit {
    pub per_user: f64,
    pub per_chat: f64,
    pub burst: u32,
}

impl Default for ChatRateLimit {
    fn default() -> Self {
        ChatRateLimit {
            per_user: defaults::CHATOPS_PER_USER_PER_MINUTE / 60.0,
            per_chat: defaults::CHATOPS_PER_CHAT_PER_MINUTE / 60.0,
            burst: defaults::CHATOPS_BURST,
        }
    }
}
