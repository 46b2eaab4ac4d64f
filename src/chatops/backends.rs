//! The bot's two backends: Prometheus (rates, history) and Alertmanager
//! (alerts and silences, API v2), over one HTTP client.
//!
//! An HA pair of Alertmanagers is asked in the configured order: the
//! first that answers serves reads, the first that accepts takes writes
//! (they gossip silences to each other). Every call has a deadline, so a
//! hung backend costs one command its answer, never the bot.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// The most one backend call may take; chat users wait for it.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a backend's body read: a misconfigured URL pointing at a
/// file server must not fill memory.
const MAX_BODY: usize = 16 << 20;

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("{what} is not configured (chatops.{key})")]
    NotConfigured { what: &'static str, key: &'static str },
    #[error("{url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("{url}: HTTP {code}: {detail}")]
    Status { url: String, code: u16, detail: String },
    #[error("{url}: unexpected answer: {detail}")]
    Decode { url: String, detail: String },
}

/// One HTTP client for both backends (and their connection pools).
#[derive(Clone)]
pub struct Backends {
    http: reqwest::Client,
    prometheus: Option<String>,
    alertmanagers: Vec<String>,
}

/// One sample of an instant query: its labels and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// One series of a range query.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    /// (Unix time, value), in time order.
    pub points: Vec<(f64, f64)>,
}

/// An alert as Alertmanager's `GET /api/v2/alerts` returns it (the fields
/// the bot uses).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub fingerprint: String,
    #[serde(default)]
    pub status: AlertStatus,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertStatus {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub silenced_by: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Matcher {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub is_regex: bool,
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

impl Matcher {
    pub fn equal(name: &str, value: &str) -> Matcher {
        Matcher {
            name: name.to_owned(),
            value: value.to_owned(),
            is_regex: false,
            is_equal: true,
        }
    }
}

/// A silence to create.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSilence {
    pub matchers: Vec<Matcher>,
    pub starts_at: String,
    pub ends_at: String,
    pub created_by: String,
    pub comment: String,
}

/// A silence as `GET /api/v2/silences` returns it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Silence {
    pub id: String,
    pub matchers: Vec<Matcher>,
    #[serde(default)]
    pub ends_at: String,
    #[serde(default)]
    pub created_by: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub status: SilenceStatus,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SilenceStatus {
    #[serde(default)]
    pub state: String,
}

/// RFC 3339 in UTC, as Alertmanager writes and reads times.
pub fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// Parses an Alertmanager time; `None` when it is not one.
pub fn parse_time(s: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(s.trim_end_matches('Z').split('+').next().unwrap_or(s)).ok()
}

/// A label value written into a PromQL string literal.
pub fn promql_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Backends {
    pub fn new(prometheus: Option<String>, alertmanagers: Vec<String>) -> Result<Backends, BackendError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(TIMEOUT)
            .user_agent(concat!("netgauge/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BackendError::Unreachable {
                url: "(client)".into(),
                detail: e.to_string(),
            })?;
        Ok(Backends {
            http,
            prometheus: prometheus.map(|u| u.trim_end_matches('/').to_owned()),
            alertmanagers: alertmanagers
                .into_iter()
                .map(|u| u.trim_end_matches('/').to_owned())
                .collect(),
        })
    }

    pub fn has_prometheus(&self) -> bool {
        self.prometheus.is_some()
    }

    pub fn has_alertmanager(&self) -> bool {
        !self.alertmanagers.is_empty()
    }

    fn prometheus(&self) -> Result<&str, BackendError> {
        self.prometheus.as_deref().ok_or(BackendError::NotConfigured {
            what: "Prometheus",
            key: "prometheus_url",
        })
    }

    /// `GET url`, the body read up to [`MAX_BODY`] and decoded as `T`.
    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, &str)],
    ) -> Result<T, BackendError> {
        let response = self.http.get(url).query(query).send().await;
        read_json(url, response).await
    }

    /// An instant query at now.
    pub async fn query(&self, expr: &str) -> Result<Vec<Sample>, BackendError> {
        let url = format!("{}/api/v1/query", self.prometheus()?);
        let body: PromResponse<VectorData> = self.get_json(&url, &[("query", expr)]).await?;
        let data = body.data(&url)?;
        Ok(data
            .result
            .into_iter()
            .map(|s| Sample {
                labels: s.metric,
                value: s.value.1.parse().unwrap_or(f64::NAN),
            })
            .collect())
    }

    /// A range query from `start` to `end` (Unix seconds) every `step` seconds.
    pub async fn query_range(&self, expr: &str, start: f64, end: f64, step: f64) -> Result<Vec<Series>, BackendError> {
        let url = format!("{}/api/v1/query_range", self.prometheus()?);
        let (start, end, step) = (format!("{start:.3}"), format!("{end:.3}"), format!("{step:.3}"));
        let body: PromResponse<MatrixData> = self
            .get_json(
                &url,
                &[("query", expr), ("start", &start), ("end", &end), ("step", &step)],
            )
            .await?;
        let data = body.data(&url)?;
        Ok(data
            .result
            .into_iter()
            .map(|s| Series {
                labels: s.metric,
                points: s
                    .values
                    .into_iter()
                    .filter_map(|(t, v)| Some((t, v.parse::<f64>().ok()?)))
                    .collect(),
            })
            .collect())
    }

    /// Asks each Alertmanager in turn; the first answer wins. The error is
    /// the last one's when none answers.
    async fn first_alertmanager<T, F, Fut>(&self, call: F) -> Result<T, BackendError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, BackendError>>,
    {
        let mut last = BackendError::NotConfigured {
            what: "Alertmanager",
            key: "alertmanager_urls",
        };
        for base in &self.alertmanagers {
            match call(base.clone()).await {
                Ok(v) => return Ok(v),
                // A 4xx is the request's fault: another replica says the same.
                Err(e @ BackendError::Status { code: 400..=499, .. }) => return Err(e),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Active alerts that are neither silenced nor inhibited, optionally
    /// only those matching `matchers`.
    pub async fn alerts(&self, matchers: &[Matcher]) -> Result<Vec<Alert>, BackendError> {
        self.active_alerts(matchers, false).await
    }

    /// Active alerts, silenced and inhibited ones too when `muted`.
    pub async fn active_alerts(&self, matchers: &[Matcher], muted: bool) -> Result<Vec<Alert>, BackendError> {
        let filters: Vec<String> = matchers.iter().map(matcher_filter).collect();
        let muted = if muted { "true" } else { "false" };
        self.first_alertmanager(|base| {
            let filters = filters.clone();
            async move {
                let url = format!("{base}/api/v2/alerts");
                let mut query: Vec<(&str, &str)> = vec![("active", "true"), ("silenced", muted), ("inhibited", muted)];
                query.extend(filters.iter().map(|f| ("filter", f.as_str())));
                self.get_json(&url, &query).await
            }
        })
        .await
    }

    /// Active and pending silences.
    pub async fn silences(&self) -> Result<Vec<Silence>, BackendError> {
        let all: Vec<Silence> = self
            .first_alertmanager(|base| async move { self.get_json(&format!("{base}/api/v2/silences"), &[]).await })
            .await?;
        Ok(all
            .into_iter()
            .filter(|s| s.status.state == "active" || s.status.state == "pending")
            .collect())
    }

    /// Creates a silence; returns its id.
    pub async fn create_silence(&self, silence: &NewSilence) -> Result<String, BackendError> {
        #[derive(Deserialize)]
        struct Created {
            #[serde(rename = "silenceID")]
            silence_id: String,
        }
        let created: Created = self
            .first_alertmanager(|base| async move {
                let url = format!("{base}/api/v2/silences");
                let response = self.http.post(&url).json(silence).send().await;
                read_json(&url, response).await
            })
            .await?;
        Ok(created.silence_id)
    }

    /// Expires silence `id` (which the caller checked is a UUID).
    pub async fn expire_silence(&self, id: &str) -> Result<(), BackendError> {
        self.first_alertmanager(|base| async move {
            let url = format!("{base}/api/v2/silence/{id}");
            let response = self.http.delete(&url).send().await;
            read_body(&url, response).await.map(|_| ())
        })
        .await
    }
}

/// An Alertmanager `filter` parameter: `name="value"`, quoted as its
/// matcher parser expects.
fn matcher_filter(m: &Matcher) -> String {
    let op = match (m.is_equal, m.is_regex) {
        (true, false) => "=",
        (false, false) => "!=",
        (true, true) => "=~",
        (false, true) => "!~",
    };
    format!("{}{op}{}", m.name, promql_string(&m.value))
}

async fn read_body(url: &str, response: reqwest::Result<reqwest::Response>) -> Result<Vec<u8>, BackendError> {
    let unreachable = |e: reqwest::Error| BackendError::Unreachable {
        url: url.to_owned(),
        detail: e.to_string(),
    };
    let mut response = response.map_err(unreachable)?;
    let code = response.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(BackendError::Decode {
                url: url.to_owned(),
                detail: format!("answer longer than {MAX_BODY} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    if !(200..300).contains(&code) {
        let detail: String = String::from_utf8_lossy(&body).trim().chars().take(200).collect();
        return Err(BackendError::Status {
            url: url.to_owned(),
            code,
            detail,
        });
    }
    Ok(body)
}

async fn read_json<T: serde::de::DeserializeOwned>(
    url: &str,
    response: reqwest::Result<reqwest::Response>,
) -> Result<T, BackendError> {
    let body = read_body(url, response).await?;
    serde_json::from_slice(&body).map_err(|e| BackendError::Decode {
        url: url.to_owned(),
        detail: e.to_string(),
    })
}

#[derive(Deserialize)]
struct PromResponse<D> {
    status: String,
    data: Option<D>,
    #[serde(default)]
    error: String,
}

impl<D> PromResponse<D> {
    fn data(self, url: &str) -> Result<D, BackendError> {
        match (self.status.as_str(), self.data) {
            ("success", Some(d)) => Ok(d),
            _ => Err(BackendError::Decode {
                url: url.to_owned(),
                detail: self.error,
            }),
        }
    }
}

#[derive(Deserialize)]
struct VectorData {
    result: Vec<VectorSample>,
}

#[derive(Deserialize)]
struct VectorSample {
    metric: BTreeMap<String, String>,
    value: (f64, String),
}

#[derive(Deserialize)]
struct MatrixData {
    result: Vec<MatrixSeries>,
}

#[derive(Deserialize)]
struct MatrixSeries {
    metric: BTreeMap<String, String>,
    values: Vec<(f64, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_cannot_break_out_of_a_promql_string() {
        assert_eq!(promql_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(matcher_filter(&Matcher::equal("device", "x\"y")), r#"device="x\"y""#);
    }

    #[test]
    fn alertmanager_times_round_trip() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_796_000_000_123);
        assert_eq!(parse_time(&rfc3339(t)), Some(t));
        assert!(parse_time("2026-12-06T15:32:44.5+00:00").is_some());
        assert!(parse_time("yesterday").is_none());
    }
}
