//! The answer to each command, built as [`Text`] from the poller (live
//! state), Prometheus (rates, history) and Alertmanager (alerts,
//! silences). One file per family of commands; the helpers every family
//! uses (finding a device or an interface, suggesting the closest names)
//! live here.

pub mod alerts;
pub mod buttons;
mod devices;
mod graph;
mod interfaces;

use std::sync::Arc;
use std::time::Duration;

use super::command::{Command, Spec, COMMANDS};
use super::core::{Ctx, Failure, Reply};
use super::markup::Text;
use crate::config::Target;
use crate::report::{DeviceReport, Interface};

/// The most a chat command waits for a live poll: a person is waiting.
pub const LIVE_POLL_BUDGET: Duration = Duration::from_secs(8);

pub async fn run(ctx: &Ctx<'_>, command: Command) -> Result<Vec<Reply>, Failure> {
    let text = match command {
        Command::Help => help(ctx, false),
        Command::Whoami => whoami(ctx),
        Command::Devices { filter } => devices::devices(ctx, filter.as_deref()).await?,
        Command::Status { device } => devices::status(ctx, &device).await?,
        Command::Interfaces { device, pattern } => interfaces::list(ctx, &device, pattern.as_deref()).await?,
        Command::Interface { device, interface } => interfaces::one(ctx, &device, &interface).await?,
        Command::Alerts { device } => alerts::alerts(ctx, device.as_deref()).await?,
        Command::Silence {
            device,
            interface,
            duration,
            reason,
        } => alerts::silence(ctx, &device, interface.as_deref(), duration, &reason).await?,
        Command::Silences => alerts::silences(ctx).await?,
        Command::Unsilence { id } => alerts::unsilence(ctx, &id).await?,
        Command::Graph {
            device,
            interface,
            range,
        } => return graph::graph(ctx, &device, &interface, range).await.map(|r| vec![r]),
        Command::Reload => reload(ctx).await?,
    };
    Ok(vec![Reply::Text(text)])
}

/// The commands this caller's role may run, with their usage. `unknown`:
/// prefixed with "not a command".
pub fn help(ctx: &Ctx<'_>, unknown: bool) -> Text {
    let mut t = Text::new();
    if unknown {
        t.line().plain(ctx.t("unknown_command", &[]));
    }
    t.line().bold(ctx.t("help.title", &[("role", &ctx.caller.role.name())]));
    for spec in COMMANDS.iter().filter(|s| s.role <= ctx.caller.role) {
        t.line()
            .code(ctx.t(&format!("usage.{}", spec.name), &[]))
            .plain(" — ")
            .plain(ctx.t(&format!("about.{}", spec.name), &[]));
    }
    t
}

pub fn usage(ctx: &Ctx<'_>, spec: &Spec) -> Text {
    let mut t = Text::new();
    t.line()
        .plain(ctx.t("usage", &[]))
        .plain(" ")
        .code(ctx.t(&format!("usage.{}", spec.name), &[]));
    t
}

fn whoami(ctx: &Ctx<'_>) -> Text {
    let c = ctx.caller;
    let mut t = Text::new();
    t.line().plain(ctx.t("whoami.id", &[])).plain(" ").code(&c.user_id);
    t.line().plain(ctx.t("whoami.name", &[("name", &c.name)]));
    t.line().plain(ctx.t("whoami.role", &[("role", &c.role.name())]));
    t.line().plain(ctx.t("whoami.chat", &[])).plain(" ").code(&c.chat);
    t.line().plain(ctx.t("whoami.language", &[("language", &ctx.tr.lang)]));
    t
}

async fn reload(ctx: &Ctx<'_>) -> Result<Text, Failure> {
    if !ctx.state.lifecycle {
        return Err(Failure {
            result: crate::telemetry::ChatResult::Refused,
            reply: Text::from_plain(ctx.t("reload.disabled", &[])),
            detail: "--web.enable-lifecycle is off".into(),
        });
    }
    if let Err(wait) = ctx.state.admit_http_reload() {
        return Err(Failure::invalid(Text::from_plain(
            ctx.t("reload.too_many", &[("seconds", &wait.as_secs().max(1))]),
        )));
    }
    match ctx.state.reload().await {
        Ok(n) => Ok(Text::from_plain(ctx.t("reload.ok", &[("targets", &n)]))),
        Err(e) => {
            let mut t = Text::from_plain(ctx.t("reload.failed", &[]));
            for line in e.to_string().lines().take(10) {
                t.line().code(line);
            }
            Err(Failure::backend(t, e))
        }
    }
}

/// The target named `name` (exactly, else ignoring case), or a reply
/// naming the closest ones.
pub fn target(ctx: &Ctx<'_>, name: &str) -> Result<Arc<Target>, Failure> {
    let targets = &ctx.live.config.targets;
    if let Some(t) = targets
        .iter()
        .find(|t| t.name == name)
        .or_else(|| targets.iter().find(|t| t.name.eq_ignore_ascii_case(name)))
    {
        return Ok(t.clone());
    }
    let mut t = Text::new();
    t.line().plain(ctx.t("unknown_device", &[])).plain(" ").code(name);
    suggest(ctx, &mut t, ctx.live.config.closest_targets(name));
    Err(Failure::invalid(t))
}

fn suggest(ctx: &Ctx<'_>, t: &mut Text, names: Vec<&str>) {
    if names.is_empty() {
        return;
    }
    t.line().plain(ctx.t("did_you_mean", &[]));
    for (i, n) in names.into_iter().enumerate() {
        t.plain(if i == 0 { " " } else { ", " }).code(n);
    }
}

/// A poll of `target` now (or the one in flight), within [`LIVE_POLL_BUDGET`].
pub async fn poll(ctx: &Ctx<'_>, target: &Target) -> Arc<DeviceReport> {
    let budget = LIVE_POLL_BUDGET.min(ctx.live.config.global.scrape_timeout);
    ctx.live.poller.report_now(target, budget).await
}

/// The interface of `report` named `name`: exactly, ignoring case, or as
/// an abbreviation (`Gi0/1`); else a reply naming the closest.
pub fn interface<'r>(
    ctx: &Ctx<'_>,
    target: &Target,
    report: &'r DeviceReport,
    name: &str,
) -> Result<&'r Interface, Failure> {
    let names: Vec<String> = report.interfaces.iter().map(|i| i.name.clone()).collect();
    if let Some(found) = crate::collector::ifname::resolve(name, &names) {
        if let Some(i) = report.interfaces.iter().find(|i| i.name == found) {
            return Ok(i);
        }
    }
    let mut t = Text::new();
    if !report.up {
        t.line()
            .plain(ctx.t("device_down_no_interfaces", &[]))
            .plain(" ")
            .code(&target.name);
        return Err(Failure::backend(t, "device did not answer"));
    }
    t.line()
        .plain(ctx.t("unknown_interface", &[]))
        .plain(" ")
        .code(name)
        .plain(" @ ")
        .code(&target.name);
    let wanted = name.to_lowercase();
    // Jaro-Winkler for long names; one typo for short ones (`l0` for `lo`).
    let mut scored: Vec<(f64, &str)> = names
        .iter()
        .filter_map(|n| {
            let have = n.to_lowercase();
            let score = strsim::jaro_winkler(&wanted, &have);
            (score >= 0.7 || strsim::damerau_levenshtein(&wanted, &have) <= 1).then_some((score, n.as_str()))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    suggest(ctx, &mut t, scored.into_iter().take(3).map(|(_, n)| n).collect());
    Err(Failure::invalid(t))
}

/// A backend failed: the reply names which, the log says how.
pub fn backend_failed(ctx: &Ctx<'_>, e: super::backends::BackendError) -> Failure {
    let key = match &e {
        super::backends::BackendError::NotConfigured { key, .. } => {
            return Failure::invalid(Text::from_plain(ctx.t("not_configured", &[("key", key)])))
        }
        _ => "backend_failed",
    };
    Failure::backend(Text::from_plain(ctx.t(key, &[("error", &e)])), e)
}
