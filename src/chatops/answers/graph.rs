//! `/graph`: an interface's receive and transmit bits per second over a
//! range, from Prometheus `query_range`, drawn as a PNG.

use std::time::{Duration, SystemTime};

use super::{backend_failed, target};
use crate::chatops::backends::promql_string;
use crate::chatops::chart::{self, Line};
use crate::chatops::core::{Ctx, Failure, Reply};
use crate::chatops::format;
use crate::chatops::markup::Text;
use crate::schema;

/// Points per series: about one a pixel, well under Prometheus's limit of
/// 11,000 a series.
const POINTS: f64 = 800.0;
const MIN_STEP: f64 = 15.0;

/// The step of a graph over `range`: about [`POINTS`] points, never finer
/// than [`MIN_STEP`].
pub fn step(range: Duration) -> f64 {
    (range.as_secs_f64() / POINTS).max(MIN_STEP).ceil()
}

pub async fn graph(ctx: &Ctx<'_>, device: &str, interface: &str, range: Duration) -> Result<Reply, Failure> {
    let target = target(ctx, device)?;
    if !ctx.backends.has_prometheus() {
        return Err(Failure::invalid(Text::from_plain(
            ctx.t("not_configured", &[("key", &"prometheus_url")]),
        )));
    }
    // The interface as Prometheus knows it: the names it has for the
    // device (a graph of a port that is down now is still a graph).
    let names_expr = format!(
        "count by (interface) ({}{{device={}}})",
        schema::RX_BYTES.name,
        promql_string(&target.name)
    );
    let names: Vec<String> = ctx
        .backends
        .query(&names_expr)
        .await
        .map_err(|e| backend_failed(ctx, e))?
        .into_iter()
        .filter_map(|s| s.labels.get("interface").cloned())
        .collect();
    let Some(name) = crate::collector::ifname::resolve(interface, &names).map(str::to_owned) else {
        let mut t = Text::new();
        t.line()
            .plain(ctx.t("unknown_interface", &[]))
            .plain(" ")
            .code(interface)
            .plain(" @ ")
            .code(&target.name);
        return Err(Failure::invalid(t));
    };
    let end = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let start = end - range.as_secs_f64();
    let step = step(range);
    // A rate window of at least a step, so no sample falls between steps.
    let window = (step as u64).max(300);
    let selector = format!(
        "device={},interface={}",
        promql_string(&target.name),
        promql_string(&name)
    );
    let query = |metric: &str| format!("max(8 * rate({metric}{{{selector}}}[{window}s]))");
    let (rx, tx) = futures_util::future::join(
        ctx.backends
            .query_range(&query(schema::RX_BYTES.name), start, end, step),
        ctx.backends
            .query_range(&query(schema::TX_BYTES.name), start, end, step),
    )
    .await;
    let points = |r: Result<Vec<crate::chatops::backends::Series>, _>| -> Result<Vec<(f64, f64)>, Failure> {
        Ok(r.map_err(|e| backend_failed(ctx, e))?
            .into_iter()
            .next()
            .map(|s| s.points)
            .unwrap_or_default())
    };
    let (rx, tx) = (points(rx)?, points(tx)?);
    let peak = |p: &[(f64, f64)]| p.iter().map(|x| x.1).filter(|v| v.is_finite()).fold(0.0_f64, f64::max);
    let (rx_peak, tx_peak, no_data) = (peak(&rx), peak(&tx), rx.is_empty() && tx.is_empty());
    let (rx_label, tx_label) = (ctx.t("graph.receive", &[]), ctx.t("graph.transmit", &[]));
    let title = format!("{} {} — {}", target.name, name, format::duration(range));
    // Drawing is CPU work: off the async threads.
    let drawn = tokio::task::spawn_blocking(move || {
        chart::bits_per_second(
            &title,
            &[
                Line {
                    label: &rx_label,
                    points: &rx,
                    color: chart::RECEIVE,
                },
                Line {
                    label: &tx_label,
                    points: &tx,
                    color: chart::TRANSMIT,
                },
            ],
            start,
            end,
        )
    })
    .await;
    let png = match drawn {
        Ok(Ok(png)) => png,
        Ok(Err(e)) => return Err(Failure::backend(Text::from_plain(ctx.t("graph.failed", &[])), e)),
        Err(e) => return Err(Failure::backend(Text::from_plain(ctx.t("graph.failed", &[])), e)),
    };
    let mut caption = Text::new();
    caption
        .line()
        .bold(&target.name)
        .plain(" ")
        .code(&name)
        .plain(format!(" · {}", format::duration(range)));
    if no_data {
        caption.line().italic(ctx.t("graph.no_data", &[]));
    } else {
        caption.line().plain(ctx.t(
            "graph.peaks",
            &[
                ("rx", &format::bits_per_second(rx_peak)),
                ("tx", &format::bits_per_second(tx_peak)),
            ],
        ));
    }
    Ok(Reply::Photo { png, caption })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_range_asks_prometheus_for_more_points_than_it_serves() {
        const _: () = assert!(POINTS < 11_000.0);
        for secs in [60, 3600, 6 * 3600, 86_400, 7 * 86_400, 90 * 86_400] {
            let range = Duration::from_secs(secs);
            let points = range.as_secs_f64() / step(range);
            assert!(points <= POINTS + 1.0, "{secs}: {points}");
        }
        assert_eq!(step(Duration::from_secs(60)), MIN_STEP);
    }
}
