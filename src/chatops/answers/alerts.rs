//! `/alerts`, `/silence`, `/silences` and `/unsilence`: Alertmanager's
//! API v2, with the caller written into every silence they make.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use super::{backend_failed, poll, target};
use crate::chatops::backends::{self, Alert, Matcher, NewSilence};
use crate::chatops::core::{Ctx, Failure};
use crate::chatops::format;
use crate::chatops::markup::Text;

/// The most alerts one reply lists; "… and N more" says the rest.
const MAX_LISTED: usize = 30;

/// `alerts` grouped by alert name, at most `max` lines of them.
pub fn list(ctx: &Ctx<'_>, alerts: &[Alert], max: usize, t: &mut Text) {
    let mut groups: BTreeMap<&str, Vec<&Alert>> = BTreeMap::new();
    for a in alerts {
        groups
            .entry(a.labels.get("alertname").map_or("?", String::as_str))
            .or_default()
            .push(a);
    }
    let mut shown = 0;
    for (name, group) in groups {
        if shown >= max {
            break;
        }
        t.line().bold(format!("{name} ({})", group.len()));
        for a in group {
            if shown >= max {
                break;
            }
            shown += 1;
            let severity = a.labels.get("severity").map_or("", String::as_str);
            let icon = match severity {
                "critical" | "page" => "🔴",
                "warning" => "🟠",
                _ => "🔵",
            };
            t.line().plain(format!("{icon} "));
            if let Some(d) = a.labels.get("device") {
                t.code(d);
            }
            if let Some(i) = a.labels.get("interface") {
                t.plain(" ").code(i);
            }
            if let Some(s) = a.annotations.get("summary") {
                t.plain(" — ").plain(s);
            }
            if let Some(since) = backends::parse_time(&a.starts_at) {
                t.plain(" ").italic(ctx.t("since", &[("ago", &format::ago(since))]));
            }
        }
    }
    if alerts.len() > shown {
        t.line()
            .italic(ctx.t("and_more", &[("count", &(alerts.len() - shown))]));
    }
}

pub async fn alerts(ctx: &Ctx<'_>, device: Option<&str>) -> Result<Text, Failure> {
    let mut matchers = Vec::new();
    if let Some(d) = device {
        matchers.push(Matcher::equal("device", &target(ctx, d)?.name));
    }
    let alerts = ctx
        .backends
        .alerts(&matchers)
        .await
        .map_err(|e| backend_failed(ctx, e))?;
    let mut t = Text::new();
    if alerts.is_empty() {
        t.line().plain(match device {
            Some(d) => ctx.t("alerts.none_on", &[("device", &d)]),
            None => ctx.t("alerts.none", &[]),
        });
        return Ok(t);
    }
    t.line().bold(ctx.t("alerts.title", &[("count", &alerts.len())]));
    list(ctx, &alerts, MAX_LISTED, &mut t);
    Ok(t)
}

pub async fn silence(
    ctx: &Ctx<'_>,
    device: &str,
    interface: Option<&str>,
    duration: Duration,
    reason: &str,
) -> Result<Text, Failure> {
    let target = target(ctx, device)?;
    let mut matchers = vec![Matcher::equal("device", &target.name)];
    // The interface as the series name it: check it against a poll, so a
    // typo does not make a silence that silences nothing.
    let interface = match interface {
        None => None,
        Some(name) => {
            let report = poll(ctx, &target).await;
            if report.up {
                Some(super::interface(ctx, &target, &report, name)?.name.clone())
            } else {
                Some(name.to_owned())
            }
        }
    };
    if let Some(i) = &interface {
        matchers.push(Matcher::equal("interface", i));
    }
    let comment = if reason.trim().is_empty() {
        ctx.t("silence.default_comment", &[("front", &ctx.caller.front.name())])
    } else {
        reason.trim().chars().take(500).collect()
    };
    let (id, until) = create(ctx, matchers, duration, comment).await?;
    let mut t = Text::new();
    t.line().plain("🔕 ").plain(ctx.t(
        "silence.created",
        &[
            ("duration", &format::duration(duration)),
            ("until", &format::utc(until)),
        ],
    ));
    t.line().code(&target.name);
    if let Some(i) = &interface {
        t.plain(" ").code(i);
    }
    t.line().plain(ctx.t("silence.id", &[])).plain(" ").code(&id);
    Ok(t)
}

/// A silence of `matchers` from now for `duration`, by the caller; its id
/// and end.
pub async fn create(
    ctx: &Ctx<'_>,
    matchers: Vec<Matcher>,
    duration: Duration,
    comment: String,
) -> Result<(String, SystemTime), Failure> {
    let now = SystemTime::now();
    let until = now + duration;
    let id = ctx
        .backends
        .create_silence(&NewSilence {
            matchers,
            starts_at: backends::rfc3339(now),
            ends_at: backends::rfc3339(until),
            created_by: ctx.caller.created_by(),
            comment,
        })
        .await
        .map_err(|e| backend_failed(ctx, e))?;
    Ok((id, until))
}

pub async fn silences(ctx: &Ctx<'_>) -> Result<Text, Failure> {
    let mut silences = ctx.backends.silences().await.map_err(|e| backend_failed(ctx, e))?;
    let mut t = Text::new();
    if silences.is_empty() {
        t.line().plain(ctx.t("silences.none", &[]));
        return Ok(t);
    }
    silences.sort_by(|a, b| a.ends_at.cmp(&b.ends_at));
    t.line().bold(ctx.t("silences.title", &[("count", &silences.len())]));
    for s in silences.iter().take(MAX_LISTED) {
        let matchers: Vec<String> = s
            .matchers
            .iter()
            .map(|m| {
                let op = match (m.is_equal, m.is_regex) {
                    (true, false) => "=",
                    (false, false) => "!=",
                    (true, true) => "=~",
                    (false, true) => "!~",
                };
                format!("{}{op}{}", m.name, m.value)
            })
            .collect();
        t.line().plain("🔕 ").code(matchers.join(" "));
        if let Some(end) = backends::parse_time(&s.ends_at) {
            t.plain(" ")
                .italic(ctx.t("silences.until", &[("until", &format::utc(end))]));
        }
        t.line().plain("   ").code(&s.id);
        if !s.created_by.is_empty() {
            t.plain(" ").plain(ctx.t("silences.by", &[("who", &s.created_by)]));
        }
        if !s.comment.is_empty() {
            t.plain(" — ").italic(&s.comment);
        }
    }
    if silences.len() > MAX_LISTED {
        t.line()
            .italic(ctx.t("and_more", &[("count", &(silences.len() - MAX_LISTED))]));
    }
    Ok(t)
}

pub async fn unsilence(ctx: &Ctx<'_>, id: &str) -> Result<Text, Failure> {
    ctx.backends.expire_silence(id).await.map_err(|e| match e {
        backends::BackendError::Status { code: 404, .. } => {
            let mut t = Text::new();
            t.line().plain(ctx.t("unsilence.unknown", &[])).plain(" ").code(id);
            Failure::invalid(t)
        }
        e => backend_failed(ctx, e),
    })?;
    let mut t = Text::new();
    t.line()
        .plain("🔔 ")
        .plain(ctx.t("unsilence.done", &[]))
        .plain(" ")
        .code(id);
    Ok(t)
}
