//! The config file as written: every field optional, every node with its
//! source position.
//!
//! This is stage one of two (see `validate.rs` for stage two). Keeping the
//! raw shape separate lets the validator report *all* semantic problems with
//! file, line and column, instead of stopping at the first, and keeps the
//! validated types free of `Option`s that only the parser needs.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;

/// The top level of `netgauge.yml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub global: Option<Spanned<RawGlobal>>,
    /// Settings every target inherits unless it sets its own.
    #[serde(default)]
    pub defaults: Option<Spanned<RawDefaults>>,
    /// Named, reusable credential blocks; key names follow snmp_exporter's `auths`.
    #[serde(default)]
    pub auths: BTreeMap<String, Spanned<RawSnmp>>,
    #[serde(default)]
    pub targets: Vec<Spanned<RawTarget>>,
    /// The SNMP trap receiver; off when absent.
    #[serde(default)]
    pub traps: Option<Spanned<RawTraps>>,
    /// The ChatOps bot (Telegram, Slack); off when absent.
    #[serde(default)]
    pub chatops: Option<Spanned<RawChatops>>,
}

/// `chatops:`: the bot's backends and its chat front ends.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChatops {
    pub prometheus_url: Option<Spanned<String>>,
    pub alertmanager_urls: Option<Spanned<Vec<Spanned<String>>>>,
    /// The bearer token Alertmanager sends to `POST /chatops/alertmanager`.
    pub webhook_token: Option<Spanned<String>>,
    pub webhook_token_file: Option<Spanned<String>>,
    /// Chat messages older than this are acknowledged, not executed.
    pub max_update_age: Option<Spanned<String>>,
    /// How long an alert message's buttons work.
    pub button_ttl: Option<Spanned<String>>,
    pub state_file: Option<Spanned<String>>,
    pub telegram: Option<Spanned<RawTelegram>>,
    pub slack: Option<Spanned<RawSlack>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTelegram {
    pub token: Option<Spanned<String>>,
    pub token_file: Option<Spanned<String>>,
    pub api_url: Option<Spanned<String>>,
    pub users: Option<Spanned<Vec<Spanned<RawChatUser<i64>>>>>,
    /// Group chats the bot answers in.
    pub chats: Option<Spanned<Vec<Spanned<i64>>>>,
    /// Where alert messages with buttons go.
    pub notify_chats: Option<Spanned<Vec<Spanned<i64>>>>,
    pub rate_limit: Option<Spanned<RawChatRateLimit>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSlack {
    pub signing_secret: Option<Spanned<String>>,
    pub signing_secret_file: Option<Spanned<String>>,
    pub bot_token: Option<Spanned<String>>,
    pub bot_token_file: Option<Spanned<String>>,
    /// Slack's Web API; tests and proxies change it.
    pub api_url: Option<Spanned<String>>,
    pub users: Option<Spanned<Vec<Spanned<RawChatUser<String>>>>>,
    /// Channels the slash command answers in (direct messages always).
    pub channels: Option<Spanned<Vec<Spanned<String>>>>,
    /// Where alert messages with buttons go.
    pub notify_channels: Option<Spanned<Vec<Spanned<String>>>>,
    pub rate_limit: Option<Spanned<RawChatRateLimit>>,
}

/// One person allowed to talk to the bot: a Telegram user id (a number) or
/// a Slack user id (`U0123ABC`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChatUser<Id> {
    pub id: Option<Spanned<Id>>,
    pub name: Option<Spanned<String>>,
    pub role: Option<Spanned<String>>,
    pub language: Option<Spanned<String>>,
}

/// Token buckets per user and per chat.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChatRateLimit {
    /// `20/min`, `1/s`.
    pub per_user: Option<Spanned<String>>,
    pub per_chat: Option<Spanned<String>>,
    pub burst: Option<Spanned<u64>>,
}

/// `traps:`: where to listen for notifications and where their alerts go.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraps {
    pub listen: Option<Spanned<String>>,
    pub alertmanager_urls: Option<Spanned<Vec<Spanned<String>>>>,
    pub resend_interval: Option<Spanned<String>>,
    pub ttl: Option<Spanned<String>>,
    pub state_file: Option<Spanned<String>>,
    pub accept_unknown_sources: Option<Spanned<bool>>,
    pub rate_limit: Option<Spanned<RawRateLimit>>,
    /// Trap forwarders whose notifications are attributed to the agent they carry.
    pub relays: Option<Spanned<Vec<Spanned<String>>>>,
    /// Overrides the targets' own communities for v1/v2c notifications.
    pub community: Option<Spanned<String>>,
    pub community_file: Option<Spanned<String>>,
    /// netgauge's own SNMP engine ID (hex), for v3 informs.
    pub engine_id: Option<Spanned<String>>,
    /// Whether linkDown of an interface without a description raises an alert.
    pub page_undescribed_interfaces: Option<Spanned<bool>>,
}

/// `traps.rate_limit`: a token bucket per device.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRateLimit {
    /// `200/s`, `1000/m`.
    pub per_device: Option<Spanned<String>>,
    pub burst: Option<Spanned<u64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGlobal {
    /// Upper bound for one device's poll when Prometheus sends no timeout header.
    pub scrape_timeout: Option<Spanned<String>>,
    /// Subtracted from Prometheus's scrape-timeout header so the response
    /// leaves before Prometheus gives up on it.
    pub scrape_timeout_offset: Option<Spanned<String>>,
    /// Devices polled at once, across all concurrent scrapes.
    pub max_concurrent_polls: Option<Spanned<u64>>,
    /// SNMP requests in flight at once across all devices (each holds a socket and its buffers).
    pub max_snmp_sockets: Option<Spanned<u64>>,
    /// Devices outside the config whose exporter series are kept.
    pub max_unknown_devices: Option<Spanned<u64>>,
    /// How long a just-finished poll answers later scrapes of its target.
    pub poll_reuse_window: Option<Spanned<String>>,
    /// Rows one walked table column may have before the walk stops.
    pub max_rows_per_table: Option<Spanned<u64>>,
    /// Bytes one poll of one device may collect before its walks stop.
    pub max_bytes_per_device: Option<Spanned<u64>>,
    /// Longest wait before retrying a device that refused the credentials.
    pub auth_failure_backoff: Option<Spanned<String>>,
    /// How often LLDP/CDP neighbor tables are walked (cached in between).
    pub neighbors_interval: Option<Spanned<String>>,
    /// How often the ENTITY-MIB inventory is walked when entLastChangeTime
    /// does not say it changed sooner.
    pub inventory_interval: Option<Spanned<String>>,
    /// A health-modules file layered over the built-in modules.
    pub health_modules: Option<Spanned<String>>,
    /// A trap-definitions file layered over the built-in definitions.
    pub trap_definitions: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefaults {
    pub snmp: Option<Spanned<RawSnmp>>,
    pub thresholds: Option<Spanned<RawThresholds>>,
    pub collectors: Option<Spanned<RawCollectors>>,
}

/// `collectors:`: optional collectors a target (or `defaults`) turns off.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCollectors {
    /// BGP peers (BGP4-MIB walk, or the CLI's BGP summary) on every poll.
    pub bgp: Option<Spanned<bool>>,
    /// Transceiver diagnostics (DOM tables, or the CLI's transceiver view).
    pub optics: Option<Spanned<bool>>,
    /// LLDP and CDP neighbors, every `neighbors_interval`.
    pub neighbors: Option<Spanned<bool>>,
    /// Hardware inventory, every `inventory_interval`.
    pub inventory: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub name: Option<Spanned<String>>,
    pub address: Option<Spanned<String>>,
    #[serde(default)]
    pub labels: Option<Spanned<BTreeMap<String, String>>>,
    /// Overrides the vendor detected from sysObjectID (picks health modules).
    pub vendor: Option<Spanned<String>>,
    pub snmp: Option<Spanned<RawSnmp>>,
    pub ssh: Option<Spanned<RawSsh>>,
    /// Like `ssh:` but over cleartext Telnet; the host-key keys do not apply.
    pub telnet: Option<Spanned<RawSsh>>,
    pub thresholds: Option<Spanned<RawThresholds>>,
    /// Interface name → overrides of the `interface_*` thresholds.
    pub interface_thresholds: Option<BTreeMap<String, Spanned<RawThresholds>>>,
    /// Addresses this device sends traps from, when not its `address`.
    pub trap_sources: Option<Spanned<Vec<Spanned<String>>>>,
    pub collectors: Option<Spanned<RawCollectors>>,
    /// This target's own `global.neighbors_interval`.
    pub neighbors_interval: Option<Spanned<String>>,
    /// This target's own `global.inventory_interval`.
    pub inventory_interval: Option<Spanned<String>>,
}

/// Alert thresholds, exported as series so the shipped alert rules need no
/// editing. Every key optional; unset keys inherit.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawThresholds {
    pub interface_utilisation_ratio: Option<Spanned<f64>>,
    pub interface_errors_per_second: Option<Spanned<f64>>,
    pub interface_discards_per_second: Option<Spanned<f64>>,
    pub cpu_usage_ratio: Option<Spanned<f64>>,
    pub memory_usage_ratio: Option<Spanned<f64>>,
    pub temperature_celsius: Option<Spanned<f64>>,
    pub scrape_duration_seconds: Option<Spanned<f64>>,
    /// The share of a BGP peer's received prefixes whose loss alerts.
    pub bgp_prefixes_drop_ratio: Option<Spanned<f64>>,
    /// Fixed optical limits that replace the modules' own thresholds.
    pub transceiver_receive_power_low_dbm: Option<Spanned<f64>>,
    pub transceiver_transmit_power_low_dbm: Option<Spanned<f64>>,
    pub transceiver_temperature_high_celsius: Option<Spanned<f64>>,
}

impl RawThresholds {
    /// (key, value) for every key that is set.
    pub fn set(&self) -> Vec<(&'static str, &Spanned<f64>)> {
        let all: [(&'static str, &Option<Spanned<f64>>); 11] = [
            ("interface_utilisation_ratio", &self.interface_utilisation_ratio),
            ("interface_errors_per_second", &self.interface_errors_per_second),
            ("interface_discards_per_second", &self.interface_discards_per_second),
            ("cpu_usage_ratio", &self.cpu_usage_ratio),
            ("memory_usage_ratio", &self.memory_usage_ratio),
            ("temperature_celsius", &self.temperature_celsius),
            ("scrape_duration_seconds", &self.scrape_duration_seconds),
            ("bgp_prefixes_drop_ratio", &self.bgp_prefixes_drop_ratio),
            (
                "transceiver_receive_power_low_dbm",
                &self.transceiver_receive_power_low_dbm,
            ),
            (
                "transceiver_transmit_power_low_dbm",
                &self.transceiver_transmit_power_low_dbm,
            ),
            (
                "transceiver_temperature_high_celsius",
                &self.transceiver_temperature_high_celsius,
            ),
        ];
        all.into_iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
            .collect()
    }
}

/// SNMP settings. The same shape serves `auths.<name>`, `defaults.snmp` and
/// `targets[].snmp`; the validator rejects keys that make no sense in a
/// given place (e.g. `auth:` inside an auth block).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSnmp {
    /// Name of a block in `auths` to start from.
    pub auth: Option<Spanned<String>>,
    pub version: Option<Spanned<RawVersion>>,
    pub community: Option<Spanned<String>>,
    pub community_file: Option<Spanned<String>>,
    pub security_level: Option<Spanned<String>>,
    pub username: Option<Spanned<String>>,
    /// The v3 authentication password (snmp_exporter's name for it).
    pub password: Option<Spanned<String>>,
    pub password_file: Option<Spanned<String>>,
    pub auth_protocol: Option<Spanned<String>>,
    pub priv_protocol: Option<Spanned<String>>,
    pub priv_password: Option<Spanned<String>>,
    pub priv_password_file: Option<Spanned<String>>,
    pub context_name: Option<Spanned<String>>,
    pub port: Option<Spanned<u64>>,
    pub timeout: Option<Spanned<String>>,
    pub retries: Option<Spanned<u64>>,
    pub max_repetitions: Option<Spanned<u64>>,
    pub walk_concurrency: Option<Spanned<u64>>,
    pub columns_per_request: Option<Spanned<u64>>,
}

/// `version:` as written: `1`, `2`, `2c` or `3`, quoted or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawVersion(pub String);

impl<'de> Deserialize<'de> for RawVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RawVersion;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an SNMP version: 1, 2c or 3")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawVersion, E> {
                Ok(RawVersion(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawVersion, E> {
                Ok(RawVersion(v.to_string()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawVersion, E> {
                Ok(RawVersion(v.to_owned()))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// `targets[].ssh`: polling over the device's CLI.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSsh {
    pub platform: Option<Spanned<String>>,
    /// Name of a block in `auths` to take username and password from.
    pub auth: Option<Spanned<String>>,
    pub username: Option<Spanned<String>>,
    pub password: Option<Spanned<String>>,
    pub password_file: Option<Spanned<String>>,
    pub key_file: Option<Spanned<String>>,
    pub passphrase: Option<Spanned<String>>,
    pub passphrase_file: Option<Spanned<String>>,
    pub port: Option<Spanned<u64>>,
    pub known_hosts: Option<Spanned<String>>,
    pub insecure_ignore_host_key: Option<Spanned<bool>>,
    pub legacy_algorithms: Option<Spanned<bool>>,
    pub timeout: Option<Spanned<String>>,
    pub idle_timeout: Option<Spanned<String>>,
}
