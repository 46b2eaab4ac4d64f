//! netgauge: a Prometheus exporter for network devices.
//!
//! # Layout
//!
//! Data flows one way, and the modules are listed in that order:
//!
//! * [`config`]: the YAML target list, parsed in two stages (raw → validated)
//!   so every problem is reported with file, line and column. [`secret`]
//!   keeps credentials out of logs.
//! * [`poller`]: on each scrape, polls targets concurrently, each under its
//!   own deadline, through the collectors; concurrent scrapes of a device
//!   share one poll ([`poller::flights`]), devices that refused the
//!   credentials are left alone for a while ([`poller::backoff`]),
//!   every poll's interfaces are kept by ifIndex ([`poller::directory`]),
//!   and every target's identity (sysName, chassis id, address,
//!   interfaces) names the neighbors the others see ([`poller::identities`]).
//! * [`collector`]: talks to devices and fills a [`report::DeviceReport`],
//!   the transport-independent description of a device:
//!   [`collector::snmp`] over SNMP v1/v2c/v3, [`collector::cli`] over a
//!   device's command line (sessions over SSH or Telnet, and the pure
//!   per-platform parsers of their output in [`collector::cli::parse`]);
//!   tables that change rarely (neighbors, inventory) are run on their own
//!   interval by either and kept in [`collector::cache`], which outlives
//!   reloads and refreshes stale tables in the background.
//! * [`schema`]: the only place metric names live; turns reports into
//!   [`metrics`] samples. [`telemetry`] and [`process`] add the exporter's
//!   own series.
//! * [`exposition`]: encodes samples in the Prometheus text format.
//! * [`http`]: serves `/metrics`, `/probe` and the health endpoints, from
//!   the [`state`] that a reload swaps whole.
//! * [`traps`]: a path that starts at the network instead of at a scrape:
//!   SNMP traps and informs in, Alertmanager alerts out. It shares the
//!   config, the telemetry and the poller (whose [`poller::directory`] of
//!   every device's interfaces names the ifIndex a trap carries, and
//!   resolves a linkDown when a poll sees the port up).
//! * [`chatops`]: a path that starts at a person: Telegram and Slack
//!   commands in, answers out, and Alertmanager's notifications out as
//!   messages with Silence and Graph buttons. It shares the config, the
//!   telemetry and the poller (`/status` polls the device now, through the
//!   same flights and caches), and asks Prometheus and Alertmanager for
//!   rates, alerts and silences; [`http`] only routes its endpoints to it.
//! * [`compat`]: a second path beside the one above, for snmp_exporter's
//!   `snmp.yml` modules on `/snmp`: its own config, requests and renderer,
//!   sharing the SNMP client and the exposition encoder.
//!
//! [`echo`] bounds and escapes what error messages repeat of a request.
//! [`statefile`] writes what the trap receiver and the bot keep across
//! restarts. [`ratelimit`] is the one keyed token bucket behind every limit
//! on what others send (traps per device, `POST /-/reload`, and chat
//! commands).
//!
//! [`server::run`] runs the HTTP server, the trap receiver and the chat bot
//! together on one state until one shutdown signal. `main.rs` only parses
//! flags ([`cli`]), sets up logging ([`logging`]) and calls into these.

#![forbid(unsafe_code)]

pub mod chatops;
pub mod cli;
pub mod collector;
pub mod compat;
pub mod config;
pub mod echo;
pub mod exposition;
pub mod http;
pub mod inventory;
pub mod logging;
pub mod metrics;
pub mod poller;
pub mod process;
pub mod ratelimit;
pub mod report;
pub mod schema;
pub mod secret;
pub mod server;
pub mod state;
pub mod statefile;
pub mod telemetry;
pub mod traps;
pub mod web;
