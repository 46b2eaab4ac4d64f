//! What a chat message asks for: the command table (name, role, cost) and
//! the parser from text to a typed [`Command`].
//!
//! Both front ends hand the core the words after their own framing
//! (`/status@bot core-sw1` in Telegram, `/netgauge status core-sw1` in
//! Slack); parsing, like everything after it, happens once, here.

use std::time::Duration;

use crate::config::Role;

/// One command of the table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spec {
    /// As typed after the slash, and the `command` label of the metrics.
    pub name: &'static str,
    /// The least role that may run it.
    pub role: Role,
    /// Tokens it takes from the caller's and the chat's buckets: a live
    /// poll or a chart costs more than a lookup.
    pub cost: f64,
}

const fn spec(name: &'static str, role: Role, cost: f64) -> Spec {
    Spec { name, role, cost }
}

/// Every command, in the order `/help` lists them.
pub const COMMANDS: &[Spec] = &[
    spec("help", Role::Viewer, 1.0),
    spec("whoami", Role::Viewer, 1.0),
    spec("devices", Role::Viewer, 1.0),
    spec("status", Role::Viewer, 3.0),
    spec("interfaces", Role::Viewer, 2.0),
    spec("interface", Role::Viewer, 2.0),
    spec("alerts", Role::Viewer, 1.0),
    spec("graph", Role::Viewer, 4.0),
    spec("silence", Role::Operator, 1.0),
    spec("silences", Role::Operator, 1.0),
    spec("unsilence", Role::Operator, 1.0),
    spec("reload", Role::Admin, 2.0),
];

/// The `command` label of what is not a command.
pub const UNKNOWN: &str = "unknown";
/// The `command` label of a button press.
pub const BUTTON: &str = "button";

/// The longest silence the bot sets: longer ones are forgotten.
pub const MAX_SILENCE: Duration = Duration::from_secs(30 * 86_400);
/// The widest graph: Prometheus keeps 15 days by default.
pub const MAX_GRAPH_RANGE: Duration = Duration::from_secs(90 * 86_400);
pub const DEFAULT_GRAPH_RANGE: Duration = Duration::from_secs(6 * 3600);

pub fn spec_of(name: &str) -> Option<&'static Spec> {
    COMMANDS.iter().find(|s| s.name == name)
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Help,
    Whoami,
    Devices {
        filter: Option<String>,
    },
    Status {
        device: String,
    },
    Interfaces {
        device: String,
        pattern: Option<String>,
    },
    Interface {
        device: String,
        interface: String,
    },
    Alerts {
        device: Option<String>,
    },
    Graph {
        device: String,
        interface: String,
        range: Duration,
    },
    Silence {
        device: String,
        interface: Option<String>,
        duration: Duration,
        reason: String,
    },
    Silences,
    Unsilence {
        id: String,
    },
    Reload,
}

/// Why the words do not make a command.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseError {
    /// Not a command this bot knows (or no command at all).
    Unknown,
    /// A known command with the wrong arguments: answer with its usage.
    Usage(&'static Spec),
    /// A duration that is not one, or out of range; the catalog key says which.
    BadDuration(&'static Spec, String),
    /// `/unsilence` with something that is not a silence id.
    BadSilenceId,
}

/// Parses `text` (`status core-sw1`, with or without the leading slash).
/// Returns the command's table entry (when the name is known) and the
/// command or why it is not one.
pub fn parse(text: &str) -> (Option<&'static Spec>, Result<Command, ParseError>) {
    let mut words = text.split_whitespace();
    let Some(first) = words.next() else {
        return (None, Err(ParseError::Unknown));
    };
    let mut name = first.strip_prefix('/').unwrap_or(first).to_ascii_lowercase();
    // What a Telegram client sends when someone first opens the bot.
    if name == "start" {
        name = "help".into();
    }
    let Some(spec) = spec_of(&name) else {
        return (None, Err(ParseError::Unknown));
    };
    let args: Vec<&str> = words.collect();
    (Some(spec), arguments(spec, &args))
}

fn arguments(spec: &'static Spec, args: &[&str]) -> Result<Command, ParseError> {
    let usage = Err(ParseError::Usage(spec));
    let owned = |s: &&str| (*s).to_owned();
    match (spec.name, args) {
        ("help", _) => Ok(Command::Help),
        ("whoami", []) => Ok(Command::Whoami),
        ("devices", []) => Ok(Command::Devices { filter: None }),
        ("devices", [f]) => Ok(Command::Devices { filter: Some(owned(f)) }),
        ("status", [d]) => Ok(Command::Status { device: owned(d) }),
        ("interfaces", [d]) => Ok(Command::Interfaces {
            device: owned(d),
            pattern: None,
        }),
        ("interfaces", [d, p]) => Ok(Command::Interfaces {
            device: owned(d),
            pattern: Some(owned(p)),
        }),
        ("interface", [d, i]) => Ok(Command::Interface {
            device: owned(d),
            interface: owned(i),
        }),
        ("alerts", []) => Ok(Command::Alerts { device: None }),
        ("alerts", [d]) => Ok(Command::Alerts { device: Some(owned(d)) }),
        ("graph", [d, i]) => Ok(Command::Graph {
            device: owned(d),
            interface: owned(i),
            range: DEFAULT_GRAPH_RANGE,
        }),
        ("graph", [d, i, r]) => Ok(Command::Graph {
            device: owned(d),
            interface: owned(i),
            range: duration(spec, r, MAX_GRAPH_RANGE)?,
        }),
        ("silence", [device, rest @ ..]) if !rest.is_empty() => {
            // DEVICE DURATION [reason…] or DEVICE IFNAME DURATION [reason…]:
            // the first word that reads as a duration ends the matchers.
            match humantime::parse_duration(rest[0]) {
                Ok(_) => Ok(Command::Silence {
                    device: owned(device),
                    interface: None,
                    duration: duration(spec, rest[0], MAX_SILENCE)?,
                    reason: rest[1..].join(" "),
                }),
                Err(_) if rest.len() >= 2 => Ok(Command::Silence {
                    device: owned(device),
                    interface: Some(rest[0].to_owned()),
                    duration: duration(spec, rest[1], MAX_SILENCE)?,
                    reason: rest[2..].join(" "),
                }),
                Err(_) => usage,
            }
        }
        ("silences", []) => Ok(Command::Silences),
        ("unsilence", [id]) if is_silence_id(id) => Ok(Command::Unsilence {
            id: id.to_ascii_lowercase(),
        }),
        ("unsilence", [_]) => Err(ParseError::BadSilenceId),
        ("reload", []) => Ok(Command::Reload),
        _ => usage,
    }
}

/// A duration of at least a minute and at most `max`.
fn duration(spec: &'static Spec, text: &str, max: Duration) -> Result<Duration, ParseError> {
    match humantime::parse_duration(text) {
        Ok(d) if d >= Duration::from_secs(60) && d <= max => Ok(d),
        _ => Err(ParseError::BadDuration(spec, text.chars().take(32).collect())),
    }
}

/// Alertmanager silence ids are UUIDs; nothing else reaches its URL path.
pub fn is_silence_id(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Command {
        parse(text).1.unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    #[test]
    fn commands_parse_with_or_without_the_slash() {
        assert_eq!(
            ok("/status core-sw1"),
            Command::Status {
                device: "core-sw1".into()
            }
        );
        assert_eq!(
            ok("STATUS  core-sw1 "),
            Command::Status {
                device: "core-sw1".into()
            }
        );
        assert_eq!(
            ok("/interfaces core-sw1 Gi0"),
            Command::Interfaces {
                device: "core-sw1".into(),
                pattern: Some("Gi0".into())
            }
        );
        assert_eq!(ok("/help me please"), Command::Help);
        assert_eq!(ok("/start"), Command::Help);
        assert_eq!(parse("/frobnicate").1, Err(ParseError::Unknown));
        assert_eq!(parse("").1, Err(ParseError::Unknown));
        assert!(matches!(parse("/status").1, Err(ParseError::Usage(s)) if s.name == "status"));
    }

    #[test]
    fn a_silence_takes_an_optional_interface_before_its_duration() {
        assert_eq!(
            ok("/silence core-sw1 2h maintenance window"),
            Command::Silence {
                device: "core-sw1".into(),
                interface: None,
                duration: Duration::from_secs(7200),
                reason: "maintenance window".into()
            }
        );
        assert_eq!(
            ok("/silence core-sw1 Gi0/1 1h30m"),
            Command::Silence {
                device: "core-sw1".into(),
                interface: Some("Gi0/1".into()),
                duration: Duration::from_secs(5400),
                reason: String::new()
            }
        );
        assert!(matches!(
            parse("/silence core-sw1 Gi0/1 soon").1,
            Err(ParseError::BadDuration(..))
        ));
        assert!(matches!(
            parse("/silence core-sw1 400d").1,
            Err(ParseError::BadDuration(..))
        ));
        assert!(matches!(
            parse("/silence core-sw1 10s").1,
            Err(ParseError::BadDuration(..))
        ));
        assert!(matches!(parse("/silence core-sw1").1, Err(ParseError::Usage(_))));
        assert!(matches!(parse("/silence core-sw1 Gi0/1").1, Err(ParseError::Usage(_))));
    }

    #[test]
    fn only_uuids_reach_the_alertmanager_silence_path() {
        assert!(is_silence_id("0b2c0f5e-6a1e-4c55-9e4f-2b4f1c3d9e10"));
        assert!(!is_silence_id("../../api/v2/status/xxxxxxxxxxxxxxxxxxx"));
        assert!(!is_silence_id("0b2c0f5e-6a1e-4c55-9e4f-2b4f1c3d9e1"));
        assert_eq!(parse("/unsilence ../status").1, Err(ParseError::BadSilenceId));
        assert_eq!(
            ok("/unsilence 0B2C0F5E-6A1E-4C55-9E4F-2B4F1C3D9E10"),
            Command::Unsilence {
                id: "0b2c0f5e-6a1e-4c55-9e4f-2b4f1c3d9e10".into()
            }
        );
    }

    #[test]
    fn every_role_may_run_what_the_roles_below_it_may() {
        assert!(COMMANDS.iter().filter(|s| s.role == Role::Viewer).count() >= 8);
        assert_eq!(spec_of("silence").map(|s| s.role), Some(Role::Operator));
        assert_eq!(spec_of("reload").map(|s| s.role), Some(Role::Admin));
        assert!(Role::Admin > Role::Operator && Role::Operator > Role::Viewer);
    }
}
