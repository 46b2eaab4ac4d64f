//! `/interfaces` (a device's ports, state and traffic) and `/interface`
//! (one port in detail). States come from a live poll; rates from
//! Prometheus (a rate needs two samples, which only Prometheus has).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use super::{backend_failed, interface, poll, target};
use crate::chatops::backends::promql_string;
use crate::chatops::core::{Ctx, Failure};
use crate::chatops::format;
use crate::chatops::markup::Text;
use crate::report::Interface;
use crate::schema;

/// The window of every rate the bot shows, as the shipped recording rules use.
const RATE_WINDOW: &str = "5m";

/// Rates of one device's interfaces: (interface, what) → per second.
type Rates = BTreeMap<(String, String), f64>;

/// One query for several counters' rates on `device` (and `interface`):
/// each rate tagged with a `what` label, bits for bytes.
async fn rates(ctx: &Ctx<'_>, device: &str, interface: Option<&str>, what: &[(&str, &str)]) -> Result<Rates, Failure> {
    let mut selector = format!("device={}", promql_string(device));
    if let Some(i) = interface {
        selector.push_str(&format!(",interface={}", promql_string(i)));
    }
    let expr = what
        .iter()
        .map(|(tag, metric)| {
            let scale = if metric.ends_with("_bytes_total") { "8 * " } else { "" };
            format!(
                "label_replace(max by (interface) ({scale}rate({metric}{{{selector}}}[{RATE_WINDOW}])), \"what\", \"{tag}\", \"\", \"\")"
            )
        })
        .collect::<Vec<_>>()
        .join(" or ");
    let samples = ctx.backends.query(&expr).await.map_err(|e| backend_failed(ctx, e))?;
    Ok(samples
        .into_iter()
        .filter_map(|s| {
            Some((
                (s.labels.get("interface")?.clone(), s.labels.get("what")?.clone()),
                s.value,
            ))
        })
        .collect())
}

fn state_icon(i: &Interface) -> &'static str {
    match (i.admin_up, i.oper_up) {
        (Some(false), _) => "⚪",
        (_, Some(true)) => "🟢",
        (_, Some(false)) => "🔴",
        _ => "❔",
    }
}

fn state_word(ctx: &Ctx<'_>, i: &Interface) -> String {
    match (i.admin_up, i.oper_up) {
        (Some(false), _) => ctx.t("state.admin_down", &[]),
        (_, Some(true)) => ctx.t("state.up", &[]),
        (_, Some(false)) => ctx.t("state.down", &[]),
        _ => ctx.t("state.unknown", &[]),
    }
}

pub async fn list(ctx: &Ctx<'_>, device: &str, pattern: Option<&str>) -> Result<Text, Failure> {
    let target = target(ctx, device)?;
    let want_rates = ctx.backends.has_prometheus();
    let (report, rates) = futures_util::future::join(poll(ctx, &target), async {
        if want_rates {
            Some(
                rates(
                    ctx,
                    &target.name,
                    None,
                    &[("rx", schema::RX_BYTES.name), ("tx", schema::TX_BYTES.name)],
                )
                .await,
            )
        } else {
            None
        }
    })
    .await;
    if !report.up {
        let mut t = Text::new();
        t.line()
            .plain(ctx.t("device_down_no_interfaces", &[]))
            .plain(" ")
            .code(&target.name);
        return Err(Failure::backend(t, "device did not answer"));
    }
    let wanted = pattern.map(str::to_lowercase);
    let shown: Vec<&Interface> = report
        .interfaces
        .iter()
        .filter(|i| match &wanted {
            None => true,
            Some(w) => i.name.to_lowercase().contains(w) || i.description.to_lowercase().contains(w),
        })
        .collect();
    let mut t = Text::new();
    t.line().bold(ctx.t(
        "interfaces.title",
        &[
            ("device", &target.name),
            ("count", &shown.len()),
            ("total", &report.interfaces.len()),
        ],
    ));
    let rates = match rates {
        Some(Ok(r)) => Some(r),
        Some(Err(f)) => {
            t.line().italic(f.reply.to_plain());
            None
        }
        None => {
            t.line().italic(ctx.t("interfaces.no_prometheus", &[]));
            None
        }
    };
    for i in shown {
        t.line().plain(format!("{} ", state_icon(i))).code(&i.name);
        if i.admin_up == Some(false) || i.oper_up != Some(true) {
            t.plain(format!(" {}", state_word(ctx, i)));
        }
        if let Some(s) = i.speed_bytes.filter(|s| *s > 0.0) {
            t.plain(format!(" {}", format::speed(s)));
        }
        match &rates {
            Some(r) => {
                let get = |w: &str| r.get(&(i.name.clone(), w.to_owned())).copied();
                if let (Some(rx), Some(tx)) = (get("rx"), get("tx")) {
                    t.plain(format!(
                        " ↓{} ↑{}",
                        format::bits_per_second(rx),
                        format::bits_per_second(tx)
                    ));
                }
            }
            None => {
                if let (Some(rx), Some(tx)) = (i.receive.bytes, i.transmit.bytes) {
                    t.plain(format!(" ↓{} ↑{}", format::bytes(rx as f64), format::bytes(tx as f64)));
                }
            }
        }
        if !i.description.is_empty() {
            t.plain(" — ").italic(&i.description);
        }
    }
    Ok(t)
}

pub async fn one(ctx: &Ctx<'_>, device: &str, name: &str) -> Result<Text, Failure> {
    let target = target(ctx, device)?;
    let report = poll(ctx, &target).await;
    let i = interface(ctx, &target, &report, name)?;
    let rates = if ctx.backends.has_prometheus() {
        Some(
            rates(
                ctx,
                &target.name,
                Some(&i.name),
                &[
                    ("rx", schema::RX_BYTES.name),
                    ("tx", schema::TX_BYTES.name),
                    ("rx_errors", schema::RX_ERRORS.name),
                    ("tx_errors", schema::TX_ERRORS.name),
                    ("rx_discards", schema::RX_DISCARDS.name),
                    ("tx_discards", schema::TX_DISCARDS.name),
                ],
            )
            .await,
        )
    } else {
        None
    };
    let mut t = Text::new();
    t.line()
        .plain(format!("{} ", state_icon(i)))
        .bold(&i.name)
        .plain(" @ ")
        .code(&target.name)
        .plain(format!(" — {}", state_word(ctx, i)));
    if !i.description.is_empty() {
        t.line().italic(&i.description);
    }
    // The device's number: no panic on one past what a time holds.
    let changed = i
        .last_change_seconds
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .and_then(|d| SystemTime::UNIX_EPOCH.checked_add(d));
    if let Some(at) = changed {
        t.line().plain(ctx.t(
            "interface.last_change",
            &[("ago", &format::ago(at)), ("at", &format::utc(at))],
        ));
    }
    let mut facts = Vec::new();
    if let Some(s) = i.speed_bytes.filter(|s| *s > 0.0) {
        facts.push(ctx.t("interface.speed", &[("speed", &format::speed(s))]));
    }
    if let Some(m) = i.mtu_bytes {
        facts.push(format!("MTU {m}"));
    }
    if !i.if_type.is_empty() {
        facts.push(i.if_type.clone());
    }
    if !i.mac.is_empty() {
        facts.push(i.mac.clone());
    }
    if !facts.is_empty() {
        t.line().plain(facts.join(" · "));
    }
    match rates {
        Some(Ok(r)) => {
            let get = |w: &str| r.get(&(i.name.clone(), w.to_owned())).copied();
            if let (Some(rx), Some(tx)) = (get("rx"), get("tx")) {
                t.line().plain(ctx.t(
                    "interface.traffic",
                    &[
                        ("rx", &format::bits_per_second(rx)),
                        ("tx", &format::bits_per_second(tx)),
                    ],
                ));
                if let Some(speed) = i.speed_bytes.filter(|s| *s > 0.0) {
                    let util = rx.max(tx) / (speed * 8.0);
                    t.plain(" · ")
                        .plain(ctx.t("interface.utilisation", &[("value", &format::percent(util))]));
                }
            } else {
                t.line().italic(ctx.t("interface.no_rates", &[]));
            }
            for (what, key) in [("errors", "interface.errors"), ("discards", "interface.discards")] {
                if let (Some(rx), Some(tx)) = (get(&format!("rx_{what}")), get(&format!("tx_{what}"))) {
                    t.line()
                        .plain(ctx.t(key, &[("rx", &format!("{rx:.2}")), ("tx", &format!("{tx:.2}"))]));
                }
            }
        }
        Some(Err(f)) => {
            t.line().italic(f.reply.to_plain());
        }
        None => {
            t.line().italic(ctx.t("interfaces.no_prometheus", &[]));
        }
    }
    let counters = |c: &crate::report::Counters| {
        format!(
            "{} · {} pkts · {} err · {} disc",
            c.bytes.map_or("?".into(), |b| format::bytes(b as f64)),
            c.packets.map_or("?".into(), |p| p.to_string()),
            c.errors.map_or("?".into(), |p| p.to_string()),
            c.discards.map_or("?".into(), |p| p.to_string())
        )
    };
    t.line().plain("↓ ").plain(counters(&i.receive));
    t.line().plain("↑ ").plain(counters(&i.transmit));
    Ok(t)
}
