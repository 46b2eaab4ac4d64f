//! The HTTP server: `/metrics`, `/probe`, `/snmp`, `/-/healthy`, `/-/ready` and a landing page.
//!
//! [`serve`] takes a bound listener and a shutdown future, so tests bind
//! port 0 and stop the server when they are done.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use crate::exposition;
use crate::poller::Poller;
use crate::state::AppState;
use crate::telemetry::Event;
use crate::web::WebConfig;

type Resp = Response<BoxBody<Bytes, Infallible>>;

const POLLS_IN_PROGRESS: crate::metrics::Desc = crate::metrics::Desc {
    name: "netgauge_polls_in_progress",
    help: "Device polls holding a poll slot now (at most global.max_concurrent_polls).",
    kind: crate::metrics::Kind::Gauge,
};

const CLI_SESSIONS: crate::metrics::Desc = crate::metrics::Desc {
    name: "netgauge_cli_sessions_open",
    help: "CLI (SSH and Telnet) sessions held open for reuse by later scrapes.",
    kind: crate::metrics::Kind::Gauge,
};

fn full(body: impl Into<Bytes>) -> BoxBody<Bytes, Infallible> {
    Full::new(body.into()).boxed()
}

/// Serves HTTP/1 (over TLS when the state's web config says so) on `listener` until
/// `shutdown` completes, then lets in-flight requests finish (at most 10 s).
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Per connection: a reload changes TLS and auth for the next connections.
        let (web, watcher) = (state.web(), graceful.watcher());
        let state = state.clone();
        tokio::spawn(async move {
            let service = {
                let web = web.clone();
                service_fn(move |req| {
                    let (state, web) = (state.clone(), web.clone());
                    async move { Ok::<_, Infallible>(handle(&state, &web, req).await) }
                })
            };
            let builder = {
                let mut b = hyper::server::conn::http1::Builder::new();
                b.timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(30));
                b
            };
            let result = match &web.tls {
                None => {
                    watcher
                        .watch(builder.serve_connection(TokioIo::new(stream), service))
                        .await
                }
                Some(acceptor) => match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => {
                        watcher
                            .watch(builder.serve_connection(TokioIo::new(tls), service))
                            .await
                    }
                    Ok(Err(e)) => {
                        tracing::debug!(%peer, error = %e, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(%peer, "TLS handshake timed out");
                        return;
                    }
                },
            };
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {
            tracing::warn!("in-flight requests did not finish within 10s; closing anyway");
        }
    }
    Ok(())
}

async fn handle(state: &Arc<AppState>, web: &WebConfig, req: Request<Incoming>) -> Resp {
    // Alertmanager's webhook carries its own bearer token (its http_config
    // sends one credential), so basic auth does not apply to it.
    // So do Slack's requests: they are verified by the signing secret.
    let path = req.uri().path();
    let (handler, mut resp) = if path == crate::chatops::webhook::PATH {
        let (code, body) = crate::chatops::webhook::receive(state, req).await;
        (crate::chatops::webhook::PATH, text(code, &body))
    } else if path == crate::chatops::slack::COMMANDS_PATH || path == crate::chatops::slack::INTERACTIONS_PATH {
        let handler = if path == crate::chatops::slack::COMMANDS_PATH {
            crate::chatops::slack::COMMANDS_PATH
        } else {
            crate::chatops::slack::INTERACTIONS_PATH
        };
        let (code, body) = crate::chatops::slack::receive(state, req).await;
        let mut r = text(code, &body);
        if body.starts_with('{') {
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        (handler, r)
    } else if web.authorized(req.headers().get(AUTHORIZATION)) {
        route(state, &req).await
    } else {
        let mut r = text(StatusCode::UNAUTHORIZED, "Unauthorized\n");
        r.headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"netgauge\""));
        ("unauthorized", r)
    };
    for (k, v) in &web.headers {
        resp.headers_mut().insert(k.clone(), v.clone());
    }
    state.telemetry.event(Event::Http {
        handler,
        code: resp.status().as_u16(),
    });
    resp
}

async fn route(state: &AppState, req: &Request<Incoming>) -> (&'static str, Resp) {
    let path = req.uri().path();
    if path == "/-/reload" {
        return ("/-/reload", reload(state, req).await);
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return (
            handler_name(path),
            text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD are supported\n"),
        );
    }
    match path {
        "/metrics" => ("/metrics", metrics(state, req).await),
        "/metrics/exporter" => ("/metrics/exporter", exporter_metrics(state)),
        "/probe" => ("/probe", probe(state, req).await),
        "/snmp" => ("/snmp", snmp(state, req).await),
        "/-/healthy" => ("/-/healthy", text(StatusCode::OK, "Healthy\n")),
        "/-/ready" => ("/-/ready", ready(state)),
        "/targets" => ("/targets", service_discovery(state)),
        "/" => ("/", landing(state)),
        _ => (
            "other",
            text(StatusCode::NOT_FOUND, "not found; see / for the endpoints\n"),
        ),
    }
}

/// `POST /-/reload`: 200 with the new target count, or 500 with every
/// problem (and the old config still serving), as Prometheus does.
async fn reload(state: &AppState, req: &Request<Incoming>) -> Resp {
    if !state.lifecycle {
        return text(
            StatusCode::FORBIDDEN,
            "lifecycle APIs are not enabled: start netgauge with --web.enable-lifecycle, or send it SIGHUP\n",
        );
    }
    if req.method() != Method::POST && req.method() != Method::PUT {
        return text(StatusCode::METHOD_NOT_ALLOWED, "use POST to reload\n");
    }
    if let Some(why) = cross_site(req) {
        return text(StatusCode::FORBIDDEN, &format!("cross-site reload refused: {why}\n"));
    }
    if let Err(wait) = state.admit_http_reload() {
        let mut r = text(
            StatusCode::TOO_MANY_REQUESTS,
            "too many reloads; the config keeps running, try again shortly\n",
        );
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        r.headers_mut()
            .insert(hyper::header::RETRY_AFTER, HeaderValue::from(secs));
        return r;
    }
    match state.reload().await {
        Ok(n) => text(StatusCode::OK, &format!("config reloaded: {n} target(s)\n")),
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("config not reloaded; the previous one keeps running:\n{e}\n"),
        ),
    }
}

/// Why a request looks like a browser's cross-site one (a form on another
/// page posting here), or `None`. Browsers send `Sec-Fetch-Site`; older
/// ones send at least `Origin`, which must then name this host. curl,
/// Prometheus and scripts send neither and are let through.
fn cross_site(req: &Request<Incoming>) -> Option<&'static str> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return match site.trim().to_ascii_lowercase().as_str() {
            "same-origin" | "none" => None,
            _ => Some("Sec-Fetch-Site says another site sent it"),
        };
    }
    let origin = header("origin")?;
    let host = header("host").unwrap_or("");
    // `Origin: null` (sandboxed frames, file: pages) never matches.
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'))
        .unwrap_or("");
    if !origin_host.is_empty() && origin_host.eq_ignore_ascii_case(host.trim()) {
        None
    } else {
        Some("its Origin is not this host")
    }
}

fn handler_name(path: &str) -> &'static str {
    match path {
        "/metrics" => "/metrics",
        "/metrics/exporter" => "/metrics/exporter",
        "/targets" => "/targets",
        "/probe" => "/probe",
        "/snmp" => "/snmp",
        _ => "other",
    }
}

/// `X-Prometheus-Scrape-Timeout-Seconds`, if present and sane.
fn prometheus_timeout(req: &Request<Incoming>) -> Option<Duration> {
    let v = req
        .headers()
        .get("x-prometheus-scrape-timeout-seconds")?
        .to_str()
        .ok()?;
    let secs: f64 = v.trim().parse().ok()?;
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)))
}

async fn metrics(state: &AppState, req: &Request<Incoming>) -> Resp {
    let live = state.live();
    let budget = Poller::budget(&live.config, prometheus_timeout(req));
    // Device series are encoded as they arrive; the body is sent in chunks,
    // one per family, never copied into one string.
    // With gzip (Prometheus asks for it) the text is compressed as it is
    // written, so the fleet's exposition is held compressed, not whole.
    let mut writer = if accepts_gzip(req) {
        crate::exposition::FamilyWriter::gzip()
    } else {
        crate::exposition::FamilyWriter::default()
    };
    live.poller.poll_all(&live.config, budget, &mut writer).await;
    let mut own = crate::metrics::MetricSet::new();
    own_series(state, &live, &mut own);
    match writer.into_body(&exposition::encode(&own)) {
        crate::exposition::Body::Plain(chunks) => exposition_stream(chunks, None),
        crate::exposition::Body::Gzip(chunks) => exposition_stream(chunks, Some("gzip")),
    }
}

/// An exposition body already in chunks (and already compressed, if `encoding` says so).
fn exposition_stream(chunks: Vec<Bytes>, encoding: Option<&'static str>) -> Resp {
    let frames = futures_util::stream::iter(chunks.into_iter().map(|c| Ok::<_, Infallible>(Frame::data(c))));
    let mut r = Response::new(StreamBody::new(frames).boxed());
    if let Some(e) = encoding {
        r.headers_mut()
            .insert(hyper::header::CONTENT_ENCODING, HeaderValue::from_static(e));
    }
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(exposition::CONTENT_TYPE));
    r.headers_mut()
        .insert(hyper::header::VARY, HeaderValue::from_static("Accept-Encoding"));
    r
}

/// Whether the client takes a gzip body (Prometheus asks for one).
fn accepts_gzip(req: &Request<Incoming>) -> bool {
    req.headers()
        .get_all(hyper::header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| {
            e.trim()
                .split(';')
                .next()
                .is_some_and(|name| name.trim().eq_ignore_ascii_case("gzip"))
        })
}

/// An exposition body: gzip-compressed when the client accepts it (the
/// text of a large fleet shrinks about tenfold), else streamed as is.
fn exposition_chunks(req: &Request<Incoming>, chunks: Vec<Bytes>) -> Resp {
    if accepts_gzip(req) {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for c in chunks {
            // Writing into a Vec cannot fail.
            let _ = gz.write_all(&c);
        }
        exposition_stream(vec![Bytes::from(gz.finish().unwrap_or_default())], Some("gzip"))
    } else {
        exposition_stream(chunks, None)
    }
}

/// The exporter's own series only, without polling any device: what to
/// scrape for netgauge's health when devices are scraped through `/probe`.
fn exporter_metrics(state: &AppState) -> Resp {
    let mut set = crate::metrics::MetricSet::new();
    own_series(state, &state.live(), &mut set);
    exposition_response(&set)
}

/// The exporter's own series, on `/metrics` and `/metrics/exporter` alike.
fn own_series(state: &AppState, live: &crate::state::Live, set: &mut crate::metrics::MetricSet) {
    state.telemetry.render(set);
    set.push(&CLI_SESSIONS, vec![], live.poller.cli_sessions() as f64);
    set.push(&POLLS_IN_PROGRESS, vec![], live.poller.polls_in_progress() as f64);
    if live.config.traps.is_some() {
        state.traps.render(set);
    }
    crate::process::render(set);
}

async fn probe(state: &AppState, req: &Request<Incoming>) -> Resp {
    let query = req.uri().query().unwrap_or("");
    let name = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "target")
        .map(|(_, v)| v.into_owned());
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return text(
            StatusCode::BAD_REQUEST,
            "missing 'target' parameter: /probe?target=NAME\n",
        );
    };
    // Only configured targets are ever polled: /probe must not be a way to
    // make netgauge send packets to arbitrary addresses.
    let live = state.live();
    let Some(target) = live.config.target(&name) else {
        return text(
            StatusCode::NOT_FOUND,
            &format!(
                "unknown target {}: /probe only polls targets named in the config (see /){}\n",
                crate::echo::quoted(&name),
                closest_names(&name, &live.config)
            ),
        );
    };
    let budget = Poller::budget(&live.config, prometheus_timeout(req));
    let set = live.poller.poll(target, budget).await;
    exposition_chunks(req, vec![Bytes::from(exposition::encode(&set))])
}

/// `/snmp`: snmp_exporter's endpoint, serving the modules of `--snmp.config.file`.
async fn snmp(state: &AppState, req: &Request<Incoming>) -> Resp {
    let live = state.live();
    let Some(compat) = &live.compat else {
        return text(
            StatusCode::NOT_FOUND,
            "/snmp serves snmp_exporter modules: start netgauge with --snmp.config.file=snmp.yml\n",
        );
    };
    let request = match crate::compat::Request::parse(req.uri().query().unwrap_or("")) {
        Ok(r) => r,
        Err(e) => return text(StatusCode::BAD_REQUEST, &format!("{e}\n")),
    };
    let budget = Poller::budget(&live.config, prometheus_timeout(req));
    let deadline = std::time::Instant::now() + budget;
    let shared = live.poller.compat_shared();
    match compat.scrape(&request, &live.config, &shared, deadline).await {
        Ok(crate::compat::Scrape::Body(body)) => exposition_chunks(req, vec![Bytes::from(body)]),
        Ok(crate::compat::Scrape::Failed(why)) => text(StatusCode::INTERNAL_SERVER_ERROR, &format!("{why}\n")),
        Err(crate::compat::RequestError::BadRequest(m)) => text(StatusCode::BAD_REQUEST, &format!("{m}\n")),
        Err(crate::compat::RequestError::Forbidden(m)) => text(StatusCode::FORBIDDEN, &format!("{m}\n")),
    }
}

fn exposition_response(set: &crate::metrics::MetricSet) -> Resp {
    let mut r = Response::new(full(exposition::encode(set)));
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(exposition::CONTENT_TYPE));
    r
}

fn landing(state: &AppState) -> Resp {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>netgauge</title></head><body>\n\
         <h1>netgauge</h1>\n<p><a href=\"/metrics\">/metrics</a> (all targets and the exporter's own metrics) \
         &middot; <a href=\"/metrics/exporter\">/metrics/exporter</a> (the exporter's own metrics only) \
         &middot; <a href=\"/targets\">/targets</a> (Prometheus HTTP service discovery) \
         &middot; /snmp?target=HOST&amp;module=NAME&amp;auth=NAME (snmp_exporter modules, with --snmp.config.file)</p>\n\
         <h2>Targets</h2>\n<table>\n<tr><th>name</th><th>address</th><th>transport</th><th>probe</th></tr>\n",
    );
    let live = state.live();
    for t in &live.config.targets {
        let name = html_escape(&t.name);
        let link: String = form_urlencoded::byte_serialize(t.name.as_bytes()).collect();
        let transport = [
            t.snmp.as_ref().map(|s| format!("snmp v{}", s.version())),
            t.cli
                .as_ref()
                .map(|s| format!("{} {}", s.transport_name(), s.platform.name())),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" + ");
        html.push_str(&format!(
            "<tr><td>{name}</td><td>{}</td><td>{transport}</td><td><a href=\"/probe?target={link}\">/probe?target={name}</a></td></tr>\n",
            html_escape(&t.address.to_string())
        ));
    }
    html.push_str("</table>\n</body></html>\n");
    let mut r = Response::new(full(html));
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r
}

/// Prometheus `http_sd_configs` JSON: one group per target, the target's
/// name as its address (for `/probe` relabelling) and everything else as
/// `__meta_netgauge_*` labels, so Prometheus keeps only what relabelling asks for.
fn service_discovery(state: &AppState) -> Resp {
    let live = state.live();
    let groups: Vec<serde_json::Value> = live
        .config
        .targets
        .iter()
        .map(|t| {
            let mut labels = serde_json::Map::new();
            labels.insert("__meta_netgauge_address".into(), t.address.to_string().into());
            let transport = match (t.snmp.is_some(), t.cli.is_some()) {
                (true, true) => "snmp+ssh",
                (true, false) => "snmp",
                (false, true) => "ssh",
                (false, false) => "",
            };
            labels.insert("__meta_netgauge_transport".into(), transport.into());
            for (k, v) in &t.labels {
                labels.insert(format!("__meta_netgauge_label_{k}"), v.clone().into());
            }
            serde_json::json!({ "targets": [t.name], "labels": labels })
        })
        .collect();
    let body = serde_json::Value::Array(groups).to_string();
    let mut r = Response::new(full(body));
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// "; did you mean 'a', 'b'?" for an unknown target name, or nothing.
fn closest_names(name: &str, config: &crate::config::Config) -> String {
    let close = config.closest_targets(name);
    if close.is_empty() {
        return String::new();
    }
    let names: Vec<String> = close.iter().map(|n| crate::echo::quoted(n)).collect();
    format!("; did you mean {}?", names.join(", "))
}

fn text(code: StatusCode, body: &str) -> Resp {
    let mut r = Response::new(full(body.to_owned()));
    *r.status_mut() = code;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r.headers_mut().insert(
        hyper::header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Ready once every configured listener is: with `traps:`, the trap
/// receiver's socket is bound (a notification sent before it is lost, so
/// an orchestrator or a test must not treat the process as ready sooner).
fn ready(state: &AppState) -> Resp {
    if state.live().config.traps.is_some() && !state.traps.listening() {
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "Not ready: the trap receiver is not listening yet\n",
        );
    }
    text(StatusCode::OK, "Ready\n")
}
