//! The exporter's own metrics and the log lines that go with them.
//!
//! Every operational event (a timeout, an auth failure, an undecodable
//! reply, a misbehaving agent) is reported through [`Telemetry::event`],
//! which writes its log line *and* bumps its counter, so the two can never
//! disagree and no call site can forget one of them.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use crate::metrics::{Desc, Kind, MetricSet};

macro_rules! desc_consts {
    ($($id:ident = ($name:literal, $kind:ident, $help:literal);)*) => {
        $(pub const $id: Desc = Desc { name: $name, help: $help, kind: Kind::$kind };)*
    };
}

desc_consts! {
    BUILD_INFO = ("netgauge_build_info", Info, "Build of this netgauge; the value is always 1.");
    POLLS = ("netgauge_polls_total", Counter, "Polls of a device by a collector.");
    POLL_FAILURES = ("netgauge_poll_failures_total", Counter, "Polls that failed, by reason.");
    POLLS_COALESCED = ("netgauge_polls_coalesced_total", Counter, "Scrapes of a device answered by a poll already in flight (or just finished, within global.poll_reuse_window) instead of a poll of their own.");
    SNMP_REQUESTS = ("netgauge_snmp_requests_total", Counter, "SNMP requests sent, retries included.");
    SNMP_RETRIES = ("netgauge_snmp_retries_total", Counter, "SNMP requests sent again after a timeout.");
    SNMP_ANOMALIES = ("netgauge_snmp_anomalies_total", Counter, "Agent misbehaviour netgauge worked around, by kind.");
    HTTP_REQUESTS = ("netgauge_http_requests_total", Counter, "HTTP requests served, by handler and status code.");
    RELOAD_OK = ("netgauge_config_last_reload_successful", Gauge, "1 if the last config (re)load succeeded.");
    RELOAD_TS = ("netgauge_config_last_reload_success_timestamp_seconds", Gauge, "Unix time of the last successful config (re)load.");
    RELOADS = ("netgauge_config_reloads_total", Counter, "Config reloads attempted, by result.");
    CLI_LOGINS = ("netgauge_cli_logins_total", Counter, "CLI sessions opened (SSH handshake or Telnet connection, and login) to a device.");
    UNKNOWN_DROPPED = ("netgauge_unknown_devices_dropped_total", Counter, "Devices outside the config whose exporter series were dropped, oldest first, to stay within global.max_unknown_devices.");
    TRAPS_RECEIVED = ("netgauge_traps_received_total", Counter, "SNMP notifications (traps and informs) accepted, by device and trap definition (other: no definition matched).");
    TRAPS_DROPPED = ("netgauge_traps_dropped_total", Counter, "SNMP notifications dropped, by reason.");
    TRAP_LAST_RECEIVED = ("netgauge_trap_last_received_timestamp_seconds", Gauge, "Unix time of the last notification accepted from a device.");
    TASK_RESTARTS = ("netgauge_task_restarts_total", Counter, "Background tasks (trap receiver, pusher, upkeep) that panicked and were started again; anything above 0 is a bug to report.");
    ALERTMANAGER_REQUESTS = ("netgauge_alertmanager_requests_total", Counter, "Requests that sent trap alerts to an Alertmanager, by result.");
    CHATOPS_COMMANDS = ("netgauge_chatops_commands_total", Counter, "Chat commands and button presses the bot received, by command and result.");
    CHATOPS_RATE_LIMITED = ("netgauge_chatops_rate_limited_total", Counter, "Chat commands dropped because their user or chat was over chatops rate_limit.");
    CHATOPS_REFUSED = ("netgauge_chatops_refused_total", Counter, "Chat commands refused: an unknown user, a chat the bot does not serve, or a role below the command's.");
    CHATOPS_TELEGRAM_REQUESTS = ("netgauge_chatops_telegram_requests_total", Counter, "Requests to the Telegram Bot API, by method and HTTP status (0: no answer).");
    CHATOPS_SLACK_REQUESTS = ("netgauge_chatops_slack_requests_total", Counter, "Requests to Slack (Web API methods, and response_url as `response`), by method and HTTP status (0: no answer).");
}

/// How a chat command ended. The `result` label of `netgauge_chatops_commands_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChatResult {
    /// Answered.
    Ok,
    /// Wrong arguments, an unknown device or interface: answered with help.
    Invalid,
    /// Not a command the bot knows: answered with the help.
    UnknownCommand,
    /// A backend (device, Prometheus, Alertmanager) failed: answered with why.
    Error,
    /// The sender may not run it (unknown user, chat, or role).
    Refused,
    /// Over the user's or the chat's rate limit.
    RateLimited,
    /// Older than chatops.max_update_age (sent while the bot was down): not run.
    TooOld,
    /// A button whose id is past chatops.button_ttl (or unknown).
    Expired,
}

impl ChatResult {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatResult::Ok => "ok",
            ChatResult::Invalid => "invalid",
            ChatResult::UnknownCommand => "unknown_command",
            ChatResult::Error => "error",
            ChatResult::Refused => "refused",
            ChatResult::RateLimited => "rate_limited",
            ChatResult::TooOld => "too_old",
            ChatResult::Expired => "expired",
        }
    }
}

/// Why a notification was dropped. The label value of `netgauge_traps_dropped_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrapDrop {
    /// From an address no target (or relay) is configured with.
    UnknownSource,
    /// Wrong community, unknown v3 user, failed signature, or outside the time window.
    AuthFailure,
    /// Not an SNMP notification (malformed, truncated, a request, an unknown version).
    DecodeError,
    /// Over the device's `traps.rate_limit`.
    RateLimited,
    /// More alerts active than netgauge keeps; the oldest was dropped.
    AlertLimit,
}

impl TrapDrop {
    pub fn as_str(self) -> &'static str {
        match self {
            TrapDrop::UnknownSource => "unknown_source",
            TrapDrop::AuthFailure => "auth_failure",
            TrapDrop::DecodeError => "decode_error",
            TrapDrop::RateLimited => "rate_limited",
            TrapDrop::AlertLimit => "alert_limit",
        }
    }
}

/// Why a poll failed. The label value of `netgauge_poll_failures_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailureReason {
    /// No answer within the timeout and retries, or the scrape deadline passed.
    Timeout,
    /// SNMPv3 authentication or privacy failed (wrong user, key or protocol).
    AuthFailure,
    /// The reply could not be decoded.
    DecodeError,
    /// The agent answered with an error status.
    AgentError,
    /// Socket or name-resolution failure.
    NetworkError,
    /// netgauge had no poll slot free before the deadline: the device was
    /// not contacted, and has no series in that scrape.
    Overloaded,
}

impl FailureReason {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureReason::Timeout => "timeout",
            FailureReason::AuthFailure => "auth_failure",
            FailureReason::DecodeError => "decode_error",
            FailureReason::AgentError => "agent_error",
            FailureReason::NetworkError => "network_error",
            FailureReason::Overloaded => "overloaded",
        }
    }
}

/// Agent behaviour that is wrong but survivable. The label value of
/// `netgauge_snmp_anomalies_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Anomaly {
    /// A walk returned an OID not after the previous one; the walk stopped there.
    NonIncreasingOid,
    /// An ifTable row had no ifXTable row.
    MissingIfXRow,
    /// ifName was empty; ifDescr was used.
    EmptyIfName,
    /// Two interfaces had the same name; the ifIndex was appended.
    DuplicateInterfaceName,
    /// A reply to an earlier, timed-out request arrived late and was dropped.
    LateReply,
    /// CLI output lines a parser did not understand (output drift between OS versions).
    UnparsedCliLines,
    /// A datagram on a request's socket that was not an SNMP message; skipped.
    UndecodableReply,
    /// A walk stopped at `global.max_rows_per_table` or `global.max_bytes_per_device`.
    WalkLimit,
}

impl Anomaly {
    pub fn as_str(self) -> &'static str {
        match self {
            Anomaly::NonIncreasingOid => "non_increasing_oid",
            Anomaly::MissingIfXRow => "missing_ifx_row",
            Anomaly::EmptyIfName => "empty_ifname",
            Anomaly::DuplicateInterfaceName => "duplicate_interface_name",
            Anomaly::LateReply => "late_reply",
            Anomaly::UnparsedCliLines => "unparsed_cli_lines",
            Anomaly::UndecodableReply => "undecodable_reply",
            Anomaly::WalkLimit => "walk_limit",
        }
    }
}

/// Something that happened while polling, reported once through [`Telemetry::event`].
#[derive(Debug)]
pub enum Event<'a> {
    PollFinished {
        device: &'a str,
        collector: &'static str,
        ok: bool,
    },
    PollFailed {
        device: &'a str,
        collector: &'static str,
        reason: FailureReason,
        detail: &'a str,
    },
    /// SNMP requests one poll sent to a device (reported once per poll, not
    /// per request: at thousands of devices the per-request lock showed).
    SnmpRequests {
        device: &'a str,
        sent: u64,
        retried: u64,
    },
    Anomaly {
        device: &'a str,
        kind: Anomaly,
        count: u64,
        detail: &'a str,
    },
    /// A scrape took the report of another scrape's poll of the device.
    PollCoalesced {
        device: &'a str,
    },
    Http {
        handler: &'static str,
        code: u16,
    },
    /// A CLI login (a new SSH or Telnet session) to a device.
    CliLogin {
        device: &'a str,
        transport: &'static str,
    },
    /// A config reload finished; `detail` lists the problems when it failed.
    ConfigReload {
        ok: bool,
        targets: usize,
        detail: &'a str,
    },
    /// A notification accepted from a device (`trap`: its definition's name, or `other`).
    TrapReceived {
        device: &'a str,
        trap: &'a str,
    },
    /// A notification dropped; logged loudly once per source and reason.
    TrapDropped {
        reason: TrapDrop,
        source: std::net::IpAddr,
        detail: &'a str,
    },
    /// A background task panicked and was started again (a bug: logged loudly).
    TaskRestarted {
        task: &'static str,
        detail: &'a str,
    },
    /// A chat command or button press, and how it ended: the audit line.
    ChatCommand {
        /// `telegram` or `slack`.
        front: &'static str,
        user: &'a str,
        chat: &'a str,
        command: &'static str,
        result: ChatResult,
        /// Why, when it did not succeed (never a secret).
        detail: &'a str,
    },
    /// One request to a chat platform's API (`front`: `telegram` or
    /// `slack`); `code` 0 when none answered.
    ChatApiRequest {
        front: &'static str,
        method: &'static str,
        code: u16,
        detail: &'a str,
    },
    /// One request to an Alertmanager with `alerts` trap alerts.
    AlertmanagerRequest {
        url: &'a str,
        ok: bool,
        alerts: usize,
        detail: &'a str,
    },
}

impl Event<'_> {
    /// The device whose series this event touches, if any.
    fn device(&self) -> Option<&str> {
        match self {
            Event::PollFinished { device, .. }
            | Event::PollFailed { device, .. }
            | Event::SnmpRequests { device, .. }
            | Event::Anomaly { device, .. }
            | Event::CliLogin { device, .. }
            | Event::TrapReceived { device, .. }
            | Event::PollCoalesced { device } => Some(device),
            Event::Http { .. }
            | Event::ConfigReload { .. }
            | Event::TrapDropped { .. }
            | Event::TaskRestarted { .. }
            | Event::ChatCommand { .. }
            | Event::ChatApiRequest { .. }
            | Event::AlertmanagerRequest { .. } => None,
        }
    }
}

type Key = Vec<String>;

#[derive(Default)]
struct Counters {
    polls: BTreeMap<Key, u64>,
    failures: BTreeMap<Key, u64>,
    coalesced: BTreeMap<Key, u64>,
    requests: BTreeMap<Key, u64>,
    retries: BTreeMap<Key, u64>,
    anomalies: BTreeMap<Key, u64>,
    http: BTreeMap<Key, u64>,
    reloads: BTreeMap<Key, u64>,
    cli_logins: BTreeMap<Key, u64>,
    traps_received: BTreeMap<Key, u64>,
    /// Device → Unix time (seconds) of its last notification.
    trap_last: BTreeMap<Key, u64>,
    traps_dropped: BTreeMap<Key, u64>,
    /// (source, reason) pairs already logged at warn level; bounded.
    drops_logged: HashSet<(std::net::IpAddr, TrapDrop)>,
    alertmanager: BTreeMap<Key, u64>,
    chat_commands: BTreeMap<Key, u64>,
    chat_rate_limited: u64,
    chat_refused: u64,
    /// Whether the bot runs: its unlabelled counters are shown (at 0) from then on.
    chat_started: bool,
    telegram: BTreeMap<Key, u64>,
    slack: BTreeMap<Key, u64>,
    task_restarts: BTreeMap<Key, u64>,
    last_reload_ok: bool,
    last_reload_success: f64,
    devices: Devices,
}

impl Counters {
    /// Every per-device map, for dropping a device from all of them.
    fn per_device(&mut self) -> [&mut BTreeMap<Key, u64>; 9] {
        [
            &mut self.polls,
            &mut self.failures,
            &mut self.coalesced,
            &mut self.requests,
            &mut self.retries,
            &mut self.anomalies,
            &mut self.cli_logins,
            &mut self.traps_received,
            &mut self.trap_last,
        ]
    }

    /// Notes that `device` has series; drops the oldest devices outside the
    /// config when there are more of them than allowed.
    fn touch(&mut self, device: &str) {
        let gone = self.devices.touch(device);
        self.drop_devices(gone);
    }

    fn drop_devices(&mut self, gone: Vec<String>) {
        for g in gone {
            for map in self.per_device() {
                // Keys start with the device: its entries are one contiguous range.
                let keys: Vec<Key> = map
                    .range(vec![g.clone()]..)
                    .take_while(|(k, _)| k.first() == Some(&g))
                    .map(|(k, _)| k.clone())
                    .collect();
                for k in keys {
                    map.remove(&k);
                }
            }
        }
    }
}

/// Which devices the per-device series may name without limit (the
/// configured targets), and the others in the order they were last seen.
/// Without a bound, a request naming a new device each time (`/snmp` with
/// any target, a target parameter with stray spaces) grew series forever.
#[derive(Default)]
struct Devices {
    known: HashSet<String>,
    /// Unknown device → when it was last seen (a sequence number).
    unknown: HashMap<String, u64>,
    /// Sequence number → unknown device: the oldest first.
    by_age: BTreeMap<u64, String>,
    seq: u64,
    cap: usize,
    dropped: u64,
}

impl Devices {
    /// Records a sighting of `device`; returns the devices to drop.
    fn touch(&mut self, device: &str) -> Vec<String> {
        if self.known.contains(device) {
            return Vec::new();
        }
        self.seq += 1;
        if let Some(old) = self.unknown.insert(device.to_owned(), self.seq) {
            self.by_age.remove(&old);
        }
        self.by_age.insert(self.seq, device.to_owned());
        self.evict()
    }

    fn evict(&mut self) -> Vec<String> {
        let mut gone = Vec::new();
        while self.unknown.len() > self.cap {
            let Some((_, d)) = self.by_age.pop_first() else { break };
            self.unknown.remove(&d);
            self.dropped += 1;
            gone.push(d);
        }
        gone
    }
}

/// Process-wide counters. Cheap to clone behind an `Arc`.
pub struct Telemetry {
    counters: Mutex<Counters>,
}

impl Default for Telemetry {
    fn default() -> Self {
        Self::new()
    }
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Telemetry {
    /// Created once the initial config has loaded: that load counts as the
    /// first successful one.
    pub fn new() -> Self {
        Telemetry {
            counters: Mutex::new(Counters {
                last_reload_ok: true,
                last_reload_success: unix_now().floor(),
                devices: Devices {
                    cap: crate::config::defaults::MAX_UNKNOWN_DEVICES,
                    ..Devices::default()
                },
                ..Counters::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counters> {
        // A panic elsewhere while holding the lock leaves plain counters, still valid.
        self.counters.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The configured targets (their series are never dropped) and how many
    /// other devices may have series. Called at start and on every reload:
    /// a target the reload removed becomes an unknown device, the newest.
    pub fn set_known_devices<'n>(&self, names: impl IntoIterator<Item = &'n str>, max_unknown: usize) {
        let mut c = self.lock();
        let known: HashSet<String> = names.into_iter().map(str::to_owned).collect();
        let mut seen: Vec<String> = Vec::new();
        for map in c.per_device() {
            seen.extend(map.keys().filter_map(|k| k.first().cloned()));
        }
        seen.sort();
        seen.dedup();
        c.devices.known = known;
        c.devices.cap = max_unknown;
        for d in &seen {
            if c.devices.known.contains(d) {
                if let Some(at) = c.devices.unknown.remove(d) {
                    c.devices.by_age.remove(&at);
                }
            }
        }
        // A lower cap applies at once.
        let mut gone = c.devices.evict();
        for d in seen {
            if !c.devices.known.contains(&d) && !c.devices.unknown.contains_key(&d) && !gone.contains(&d) {
                gone.extend(c.devices.touch(&d));
            }
        }
        c.drop_devices(gone);
    }

    /// The trap receiver runs: its counters exist from now on, at zero,
    /// so `rate()` and alerts on them work before the first drop.
    pub fn traps_started(&self) {
        let mut c = self.lock();
        for r in [
            TrapDrop::UnknownSource,
            TrapDrop::AuthFailure,
            TrapDrop::DecodeError,
            TrapDrop::RateLimited,
            TrapDrop::AlertLimit,
        ] {
            c.traps_dropped.entry(vec![r.as_str().into()]).or_default();
        }
        for result in ["success", "failure"] {
            c.alertmanager.entry(vec![result.into()]).or_default();
        }
    }

    pub fn event(&self, e: Event<'_>) {
        let mut c = self.lock();
        if let Some(device) = e.device() {
            c.touch(device);
        }
        match e {
            Event::PollFinished { device, collector, ok } => {
                tracing::debug!(device, collector, ok, "poll finished");
                *c.polls.entry(vec![device.into(), collector.into()]).or_default() += 1;
            }
            Event::PollFailed {
                device,
                collector,
                reason,
                detail,
            } => {
                tracing::warn!(device, collector, reason = reason.as_str(), detail, "poll failed");
                *c.failures
                    .entry(vec![device.into(), collector.into(), reason.as_str().into()])
                    .or_default() += 1;
            }
            Event::SnmpRequests { device, sent, retried } => {
                *c.requests.entry(vec![device.into()]).or_default() += sent;
                if retried > 0 {
                    tracing::debug!(device, retried, "snmp requests timed out and were sent again");
                    *c.retries.entry(vec![device.into()]).or_default() += retried;
                }
            }
            Event::Anomaly {
                device,
                kind,
                count,
                detail,
            } => {
                let n = c
                    .anomalies
                    .entry(vec![device.into(), kind.as_str().into()])
                    .or_default();
                // These repeat on every scrape of a quirky agent: say it loudly once, then quietly.
                if *n == 0 {
                    tracing::warn!(
                        device,
                        kind = kind.as_str(),
                        count,
                        detail,
                        "agent misbehaves; worked around"
                    );
                } else {
                    tracing::debug!(
                        device,
                        kind = kind.as_str(),
                        count,
                        detail,
                        "agent misbehaves; worked around"
                    );
                }
                *n += count;
            }
            Event::PollCoalesced { device } => {
                tracing::debug!(device, "scrape joined a poll in flight");
                *c.coalesced.entry(vec![device.into()]).or_default() += 1;
            }
            Event::Http { handler, code } => {
                *c.http.entry(vec![handler.into(), code.to_string()]).or_default() += 1;
            }
            Event::CliLogin { device, transport } => {
                tracing::debug!(device, transport, "cli login");
                *c.cli_logins.entry(vec![device.into(), transport.into()]).or_default() += 1;
            }
            Event::ConfigReload { ok, targets, detail } => {
                if ok {
                    tracing::info!(targets, "config reloaded");
                    c.last_reload_success = unix_now().floor();
                } else {
                    tracing::error!(
                        problems = detail,
                        "config reload failed; the previous config keeps running"
                    );
                }
                c.last_reload_ok = ok;
                *c.reloads
                    .entry(vec![if ok { "success" } else { "failure" }.into()])
                    .or_default() += 1;
            }
            Event::TrapReceived { device, trap } => {
                tracing::debug!(device, trap, "trap received");
                let key = vec![device.to_owned(), trap.to_owned()];
                match c.traps_received.get_mut(&key) {
                    Some(n) => *n += 1,
                    None => {
                        c.traps_received.insert(key, 1);
                    }
                }
                c.trap_last.insert(vec![device.to_owned()], unix_now().floor() as u64);
            }
            Event::TrapDropped { reason, source, detail } => {
                // A broken or hostile sender repeats itself thousands of
                // times a second: say it loudly once per source and reason.
                const MAX_LOGGED: usize = 10_000;
                let first = c.drops_logged.len() < MAX_LOGGED && c.drops_logged.insert((source, reason));
                if first {
                    tracing::warn!(%source, reason = reason.as_str(), detail, "trap dropped (said once per source and reason)");
                } else {
                    tracing::debug!(%source, reason = reason.as_str(), detail, "trap dropped");
                }
                *c.traps_dropped.entry(vec![reason.as_str().into()]).or_default() += 1;
            }
            Event::TaskRestarted { task, detail } => {
                tracing::error!(
                    task,
                    detail,
                    "background task panicked; started again (please report this)"
                );
                *c.task_restarts.entry(vec![task.into()]).or_default() += 1;
            }
            Event::ChatCommand {
                front,
                user,
                chat,
                command,
                result,
                detail,
            } => {
                let r = result.as_str();
                match result {
                    ChatResult::Ok | ChatResult::Invalid | ChatResult::UnknownCommand | ChatResult::TooOld => {
                        tracing::info!(front, user, chat, command, result = r, detail, "chat command")
                    }
                    ChatResult::Error | ChatResult::Expired | ChatResult::RateLimited => {
                        tracing::warn!(front, user, chat, command, result = r, detail, "chat command")
                    }
                    ChatResult::Refused => {
                        tracing::warn!(front, user, chat, command, result = r, detail, "chat command refused")
                    }
                }
                match result {
                    ChatResult::Refused => c.chat_refused += 1,
                    ChatResult::RateLimited => c.chat_rate_limited += 1,
                    _ => {}
                }
                *c.chat_commands.entry(vec![command.into(), r.into()]).or_default() += 1;
            }
            Event::ChatApiRequest {
                front,
                method,
                code,
                detail,
            } => {
                match (front, code) {
                    (_, 200) => tracing::debug!(front, method, code, "chat api request"),
                    ("telegram", 409) => tracing::error!(
                        method,
                        code,
                        detail,
                        "another process is reading this bot's updates (HTTP 409): run one netgauge per bot token, or remove the bot's webhook"
                    ),
                    _ => tracing::warn!(front, method, code, detail, "{front} request failed"),
                }
                let map = if front == "slack" {
                    &mut c.slack
                } else {
                    &mut c.telegram
                };
                *map.entry(vec![method.into(), code.to_string()]).or_default() += 1;
            }
            Event::AlertmanagerRequest {
                url,
                ok,
                alerts,
                detail,
            } => {
                if ok {
                    tracing::debug!(url, alerts, "alerts sent to alertmanager");
                } else {
                    tracing::warn!(
                        url,
                        alerts,
                        detail,
                        "sending alerts to alertmanager failed; kept and retried"
                    );
                }
                *c.alertmanager
                    .entry(vec![if ok { "success" } else { "failure" }.into()])
                    .or_default() += 1;
            }
        }
    }

    /// The exporter's own series.
    pub fn render(&self, set: &mut MetricSet) {
        set.push(
            &BUILD_INFO,
            vec![
                (Cow::Borrowed("version"), env!("CARGO_PKG_VERSION").to_owned()),
                (
                    Cow::Borrowed("revision"),
                    option_env!("NETGAUGE_GIT_REVISION").unwrap_or("unknown").to_owned(),
                ),
            ],
            1.0,
        );
        let c = self.lock();
        emit(set, &POLLS, &["device", "collector"], &c.polls);
        emit(set, &POLL_FAILURES, &["device", "collector", "reason"], &c.failures);
        emit(set, &POLLS_COALESCED, &["device"], &c.coalesced);
        emit(set, &SNMP_REQUESTS, &["device"], &c.requests);
        emit(set, &SNMP_RETRIES, &["device"], &c.retries);
        emit(set, &SNMP_ANOMALIES, &["device", "kind"], &c.anomalies);
        emit(set, &HTTP_REQUESTS, &["handler", "code"], &c.http);
        set.push(&RELOAD_OK, vec![], if c.last_reload_ok { 1.0 } else { 0.0 });
        set.push(&RELOAD_TS, vec![], c.last_reload_success);
        emit(set, &RELOADS, &["result"], &c.reloads);
        emit(set, &CLI_LOGINS, &["device", "transport"], &c.cli_logins);
        set.push(&UNKNOWN_DROPPED, vec![], c.devices.dropped as f64);
        emit(set, &TRAPS_RECEIVED, &["device", "trap"], &c.traps_received);
        emit(set, &TRAP_LAST_RECEIVED, &["device"], &c.trap_last);
        emit(set, &TRAPS_DROPPED, &["reason"], &c.traps_dropped);
        emit(set, &ALERTMANAGER_REQUESTS, &["result"], &c.alertmanager);
        emit(set, &TASK_RESTARTS, &["task"], &c.task_restarts);
        if c.chat_started {
            emit(set, &CHATOPS_COMMANDS, &["command", "result"], &c.chat_commands);
            set.push(&CHATOPS_RATE_LIMITED, vec![], c.chat_rate_limited as f64);
            set.push(&CHATOPS_REFUSED, vec![], c.chat_refused as f64);
            emit(set, &CHATOPS_TELEGRAM_REQUESTS, &["method", "code"], &c.telegram);
            emit(set, &CHATOPS_SLACK_REQUESTS, &["method", "code"], &c.slack);
        }
    }

    /// The chat bot runs: its counters exist from now on, at zero.
    pub fn chatops_started(&self) {
        self.lock().chat_started = true;
    }

    /// CLI logins to `device` so far (any transport), for tests and benchmarks.
    pub fn cli_logins(&self, device: &str) -> u64 {
        let c = self.lock();
        c.cli_logins
            .iter()
            .filter(|(k, _)| k[0] == device)
            .map(|(_, v)| *v)
            .sum()
    }

    /// SNMP requests sent to `device` so far, retries included.
    pub fn snmp_requests(&self, device: &str) -> u64 {
        self.lock().requests.get(&vec![device.into()]).copied().unwrap_or(0)
    }

    /// Every (collector, reason) that failed for `device`, with counts.
    pub fn failure_reasons(&self, device: &str) -> Vec<(String, String, u64)> {
        let c = self.lock();
        c.failures
            .iter()
            .filter(|(k, _)| k[0] == device)
            .map(|(k, v)| (k[1].clone(), k[2].clone(), *v))
            .collect()
    }

    /// Current value of a counter, for tests.
    pub fn failures(&self, device: &str, reason: FailureReason) -> u64 {
        let c = self.lock();
        c.failures
            .iter()
            .filter(|(k, _)| k[0] == device && k[2] == reason.as_str())
            .map(|(_, v)| *v)
            .sum()
    }
}

fn emit(set: &mut MetricSet, desc: &Desc, names: &[&'static str], values: &BTreeMap<Key, u64>) {
    for (key, v) in values {
        let labels = names
            .iter()
            .zip(key)
            .map(|(n, v)| (Cow::Borrowed(*n), v.clone()))
            .collect();
        set.push(desc, labels, *v as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requests(t: &Telemetry, device: &str) {
        t.event(Event::SnmpRequests {
            device,
            sent: 1,
            retried: 0,
        });
    }

    #[test]
    fn snmp_target_spelling_cannot_grow_series_without_limit() {
        let t = Telemetry::new();
        t.set_known_devices(["core-sw1"], 3);
        requests(&t, "core-sw1");
        for i in 0..2000 {
            requests(&t, &format!("{}10.0.0.1:161", " ".repeat(i)));
        }
        let c = t.lock();
        assert_eq!(c.requests.len(), 4, "the configured device and the 3 newest others");
        assert!(c.requests.contains_key(&vec!["core-sw1".to_owned()]));
        assert_eq!(c.devices.dropped, 1997);
    }

    #[test]
    fn a_device_seen_again_is_the_newest_and_a_reload_drops_to_the_new_cap() {
        let t = Telemetry::new();
        t.set_known_devices(["a", "b", "c"], 2);
        for d in ["a", "b", "c", "x", "y", "x", "z"] {
            requests(&t, d);
        }
        // y was the oldest unknown when z came.
        assert_eq!(t.snmp_requests("y"), 0);
        assert_eq!(t.snmp_requests("x"), 2);
        // "a" is removed from the config: it becomes the newest unknown; the cap is now 1.
        t.set_known_devices(["b", "c"], 1);
        assert_eq!(
            t.snmp_requests("a"),
            1,
            "the removed target is the newest of a, x and z"
        );
        assert_eq!((t.snmp_requests("x"), t.snmp_requests("z")), (0, 0));
        let c = t.lock();
        assert_eq!(c.devices.unknown.len(), 1);
        assert_eq!(c.requests.len(), 3);
    }
}
