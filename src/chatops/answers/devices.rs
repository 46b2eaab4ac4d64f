//! `/devices` (the fleet at a glance) and `/status` (one device, polled now).

use std::collections::BTreeMap;

use super::{backend_failed, poll, target};
use crate::chatops::backends::{Alert, Matcher};
use crate::chatops::core::{Ctx, Failure};
use crate::chatops::format;
use crate::chatops::markup::Text;
use crate::report::HealthKind;
use crate::schema;

/// The most devices one `/devices` lists; a filter narrows the rest.
const MAX_LISTED: usize = 100;
/// Without Prometheus, `/devices` polls the devices itself, but not more than these.
const MAX_LIVE: usize = 20;

/// What `/devices` knows of one device.
struct Row {
    name: String,
    /// `None`: not known (no Prometheus series, no poll).
    up: Option<bool>,
    uptime: Option<f64>,
    alerts: usize,
}

pub async fn devices(ctx: &Ctx<'_>, filter: Option<&str>) -> Result<Text, Failure> {
    let config = &ctx.live.config;
    let wanted = filter.map(str::to_lowercase);
    let targets: Vec<_> = config
        .targets
        .iter()
        .filter(|t| match &wanted {
            None => true,
            Some(w) => t.name.to_lowercase().contains(w) || t.labels.iter().any(|(_, v)| v.to_lowercase().contains(w)),
        })
        .cloned()
        .collect();
    if targets.is_empty() {
        let mut t = Text::from_plain(ctx.t("devices.none", &[("filter", &filter.unwrap_or(""))]));
        if let Some(f) = filter {
            super::suggest(ctx, &mut t, config.closest_targets(f));
        }
        return Err(Failure::invalid(t));
    }
    let mut rows: Vec<Row> = targets
        .iter()
        .map(|t| Row {
            name: t.name.clone(),
            up: None,
            uptime: None,
            alerts: 0,
        })
        .collect();
    let mut notes = Vec::new();
    if ctx.backends.has_prometheus() {
        let up = ctx
            .backends
            .query(&format!("max by (device) ({})", schema::DEVICE_UP.name))
            .await
            .map_err(|e| backend_failed(ctx, e))?;
        let uptime = ctx
            .backends
            .query(&format!("max by (device) ({})", schema::DEVICE_UPTIME.name))
            .await
            .map_err(|e| backend_failed(ctx, e))?;
        let by_device = |samples: Vec<crate::chatops::backends::Sample>| -> BTreeMap<String, f64> {
            samples
                .into_iter()
                .filter_map(|s| Some((s.labels.get("device")?.clone(), s.value)))
                .collect()
        };
        let (up, uptime) = (by_device(up), by_device(uptime));
        for r in &mut rows {
            r.up = up.get(&r.name).map(|v| *v >= 1.0);
            r.uptime = uptime.get(&r.name).copied();
        }
    } else if targets.len() <= MAX_LIVE {
        let reports = futures_util::future::join_all(targets.iter().map(|t| poll(ctx, t))).await;
        for (r, report) in rows.iter_mut().zip(reports) {
            r.up = Some(report.up);
            r.uptime = report.uptime_seconds;
        }
    } else {
        notes.push(ctx.t("devices.no_prometheus", &[("max", &MAX_LIVE)]));
    }
    if ctx.backends.has_alertmanager() {
        match ctx.backends.alerts(&[]).await {
            Ok(alerts) => {
                for a in alerts {
                    if let Some(r) = a
                        .labels
                        .get("device")
                        .and_then(|d| rows.iter_mut().find(|r| &r.name == d))
                    {
                        r.alerts += 1;
                    }
                }
            }
            // The states are still worth showing.
            Err(e) => notes.push(ctx.t("alerts.unavailable", &[("error", &e)])),
        }
    }
    // Down first, then unknown, then up; by name within each.
    rows.sort_by(|a, b| {
        let rank = |r: &Row| match r.up {
            Some(false) => 0,
            None => 1,
            Some(true) => 2,
        };
        rank(a).cmp(&rank(b)).then_with(|| a.name.cmp(&b.name))
    });
    let down = rows.iter().filter(|r| r.up == Some(false)).count();
    let mut t = Text::new();
    t.line()
        .bold(ctx.t("devices.title", &[("count", &rows.len()), ("down", &down)]));
    for r in rows.iter().take(MAX_LISTED) {
        let (icon, state) = match r.up {
            Some(true) => ("🟢", ctx.t("state.up", &[])),
            Some(false) => ("🔴", ctx.t("state.down", &[])),
            None => ("⚪", ctx.t("state.unknown", &[])),
        };
        t.line()
            .plain(format!("{icon} "))
            .code(&r.name)
            .plain(format!(" {state}"));
        if let (Some(true), Some(u)) = (r.up, r.uptime) {
            t.plain(format!(" · {}", ctx.t("uptime", &[("uptime", &format::seconds(u))])));
        }
        if r.alerts > 0 {
            t.plain(" · ").bold(ctx.t("devices.alerts", &[("count", &r.alerts)]));
        }
    }
    if rows.len() > MAX_LISTED {
        t.line()
            .italic(ctx.t("and_more", &[("count", &(rows.len() - MAX_LISTED))]));
    }
    for n in notes {
        t.line().italic(n);
    }
    Ok(t)
}

pub async fn status(ctx: &Ctx<'_>, name: &str) -> Result<Text, Failure> {
    let target = target(ctx, name)?;
    let started = std::time::Instant::now();
    let (report, alerts) = futures_util::future::join(poll(ctx, &target), device_alerts(ctx, &target.name)).await;
    let took = started.elapsed();
    let mut t = Text::new();
    t.line().bold(&target.name).plain(" — ");
    if report.up {
        t.plain(format!("🟢 {}", ctx.t("state.up", &[])));
    } else {
        t.plain(format!("🔴 {}", ctx.t("state.down", &[])));
    }
    t.plain(" · ")
        .italic(ctx.t("status.polled", &[("seconds", &format!("{:.1}", took.as_secs_f64()))]));
    if !report.up {
        let why = if report.auth_failed {
            ctx.t("status.auth_failed", &[])
        } else if report.not_polled {
            ctx.t("status.not_polled", &[])
        } else {
            ctx.t("status.no_answer", &[("seconds", &super::LIVE_POLL_BUDGET.as_secs())])
        };
        t.line().plain(format!("⚠️ {why}"));
    }
    if let Some(info) = &report.info {
        let identity: Vec<&str> = [info.vendor.as_str(), info.model.as_str(), info.os_version.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        if !identity.is_empty() {
            t.line().plain(identity.join(" "));
        }
        if !info.hostname.is_empty() && info.hostname != target.name {
            t.line()
                .plain(ctx.t("status.hostname", &[]))
                .plain(" ")
                .code(&info.hostname);
        }
    }
    if let Some(u) = report.uptime_seconds {
        t.line().plain(ctx.t("uptime", &[("uptime", &format::seconds(u))]));
    }
    health(ctx, &report.health, &mut t);
    if !report.interfaces.is_empty() {
        let up = report.interfaces.iter().filter(|i| i.oper_up == Some(true)).count();
        let admin_down = report.interfaces.iter().filter(|i| i.admin_up == Some(false)).count();
        let down = report.interfaces.len() - up - admin_down;
        t.line().plain(ctx.t(
            "status.interfaces",
            &[
                ("total", &report.interfaces.len()),
                ("up", &up),
                ("down", &down),
                ("admin_down", &admin_down),
            ],
        ));
    }
    match alerts {
        Some(Ok(alerts)) if alerts.is_empty() => {
            t.line().plain(ctx.t("status.no_alerts", &[]));
        }
        Some(Ok(alerts)) => {
            t.line().bold(ctx.t("status.alerts", &[("count", &alerts.len())]));
            super::alerts::list(ctx, &alerts, 10, &mut t);
        }
        Some(Err(e)) => {
            t.line().italic(ctx.t("alerts.unavailable", &[("error", &e)]));
        }
        None => {}
    }
    Ok(t)
}

/// The device's firing alerts, when an Alertmanager is configured.
async fn device_alerts(
    ctx: &Ctx<'_>,
    device: &str,
) -> Option<Result<Vec<Alert>, crate::chatops::backends::BackendError>> {
    if !ctx.backends.has_alertmanager() {
        return None;
    }
    Some(ctx.backends.alerts(&[Matcher::equal("device", device)]).await)
}

/// CPU, memory, temperature, fans and power supplies, one line each kind.
fn health(ctx: &Ctx<'_>, readings: &[crate::report::HealthReading], t: &mut Text) {
    let of = |k: HealthKind| readings.iter().filter(move |r| r.kind == k).map(|r| r.value);
    let mut parts = Vec::new();
    if let Some(cpu) = of(HealthKind::Cpu).reduce(f64::max) {
        parts.push(ctx.t("status.cpu", &[("value", &format::percent(cpu))]));
    }
    let used: f64 = of(HealthKind::MemoryUsed).sum();
    let total: f64 = of(HealthKind::MemoryTotal).sum();
    if total > 0.0 {
        parts.push(ctx.t(
            "status.memory",
            &[
                ("value", &format::percent(used / total)),
                ("used", &format::bytes(used)),
                ("total", &format::bytes(total)),
            ],
        ));
    }
    if let Some(temp) = of(HealthKind::Temperature).reduce(f64::max) {
        parts.push(ctx.t("status.temperature", &[("value", &format!("{temp:.0}"))]));
    }
    if !parts.is_empty() {
        t.line().plain(parts.join(" · "));
    }
    for (kind, key) in [
        (HealthKind::Fan, "status.fans"),
        (HealthKind::PowerSupply, "status.power_supplies"),
    ] {
        let all: Vec<f64> = of(kind).collect();
        if all.is_empty() {
            continue;
        }
        let failed = all.iter().filter(|v| **v < 1.0).count();
        t.line()
            .plain(ctx.t(key, &[("ok", &(all.len() - failed)), ("failed", &failed)]));
        if failed > 0 {
            t.plain(" ⚠️");
        }
    }
}
