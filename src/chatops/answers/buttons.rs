//! What an alert message's buttons do: silence exactly the labels the
//! button was made for (after Alertmanager confirms such an alert is
//! firing: a forged notification cannot silence a real device), or draw
//! the interface's graph.

use std::time::Duration;

use super::backend_failed;
use crate::chatops::backends::Matcher;
use crate::chatops::buttons::Action;
use crate::chatops::command::DEFAULT_GRAPH_RANGE;
use crate::chatops::core::{Ctx, Failure, Reply};
use crate::chatops::format;
use crate::chatops::markup::Text;

/// Runs `action`; returns the replies for the chat and the short notice
/// the button shows.
pub async fn press(ctx: &Ctx<'_>, action: &Action) -> Result<(Vec<Reply>, String), Failure> {
    match action {
        Action::Graph { device, interface } => {
            let reply = super::graph::graph(ctx, device, interface, DEFAULT_GRAPH_RANGE).await?;
            Ok((vec![reply], String::new()))
        }
        Action::Silence {
            matchers,
            seconds,
            fingerprint,
        } => {
            let matchers: Vec<Matcher> = matchers.iter().map(|(k, v)| Matcher::equal(k, v)).collect();
            // Silenced ones count: a press may extend a silence.
            let firing = ctx
                .backends
                .active_alerts(&matchers, true)
                .await
                .map_err(|e| backend_failed(ctx, e))?;
            let found = match fingerprint {
                Some(f) => firing.iter().any(|a| &a.fingerprint == f),
                None => !firing.is_empty(),
            };
            if !found {
                return Err(Failure::invalid(Text::from_plain(ctx.t("button.not_firing", &[]))));
            }
            let duration = Duration::from_secs(*seconds);
            let comment = ctx.t("button.silence_comment", &[("front", &ctx.caller.front.name())]);
            let (id, until) = super::alerts::create(ctx, matchers.clone(), duration, comment).await?;
            let mut t = Text::new();
            t.line().plain("🔕 ").plain(ctx.t(
                "button.silenced_by",
                &[
                    ("who", &ctx.caller.name),
                    ("duration", &format::duration(duration)),
                    ("until", &format::utc(until)),
                ],
            ));
            let labels: Vec<String> = matchers.iter().map(|m| format!("{}={}", m.name, m.value)).collect();
            t.line().code(labels.join(" "));
            t.line().plain(ctx.t("silence.id", &[])).plain(" ").code(&id);
            let notice = ctx.t("button.silenced", &[("duration", &format::duration(duration))]);
            Ok((vec![Reply::Text(t)], notice))
        }
    }
}
