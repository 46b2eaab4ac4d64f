//! The running exporter's shared state: the live config and its poller,
//! swapped whole on reload, and the telemetry that outlives reloads.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use crate::compat::{self, Compat};
use crate::config::{Config, ConfigError};
use crate::poller::Poller;
use crate::telemetry::{Event, Telemetry};
use crate::web::{WebConfig, WebConfigError};

/// One generation of configuration. Requests take an `Arc` of it when they
/// start, so a reload never changes a scrape half-way.
pub struct Live {
    pub config: Arc<Config>,
    pub poller: Poller,
    /// snmp_exporter modules for `/snmp`, when `--snmp.config.file` is set.
    pub compat: Option<Arc<Compat>>,
}

pub struct AppState {
    live: RwLock<Arc<Live>>,
    /// TLS and basic-auth settings; reloaded with the config, so a renewed
    /// certificate or a changed password takes effect without a restart.
    web: RwLock<Arc<WebConfig>>,
    web_source: Option<PathBuf>,
    /// Where `/snmp`'s snmp.yml comes from; re-read on reload.
    compat_options: Option<compat::Options>,
    pub telemetry: Arc<Telemetry>,
    /// Which devices refused netgauge's credentials, and every device's
    /// interfaces by ifIndex: kept across reloads.
    pub kept: crate::poller::Kept,
    /// The trap receiver's alerts and engine: kept across reloads.
    pub traps: Arc<crate::traps::Shared>,
    /// The chat bot's rate limiters: kept across reloads.
    pub chatops: Arc<crate::chatops::Shared>,
    /// The files (or directories) the config was read from; empty when it
    /// was built in memory, in which case there is nothing to reload.
    sources: Vec<PathBuf>,
    /// Whether `POST /-/reload` is served (`--web.enable-lifecycle`).
    pub lifecycle: bool,
    /// Serialises reloads: SIGHUP and `POST /-/reload` may arrive together.
    reloading: tokio::sync::Mutex<()>,
    /// Bounds HTTP-triggered reloads: each costs a full parse of every file.
    reload_bucket: std::sync::Mutex<ReloadBucket>,
}

/// A token bucket for `POST /-/reload`: [`ReloadBucket::BURST`] at once,
/// then one per [`ReloadBucket::EVERY`]. SIGHUP is not limited (only a
/// local user with the right to signal the process can send it).
struct ReloadBucket(crate::ratelimit::Limiter<()>);

impl ReloadBucket {
    const BURST: u32 = 3;
    const EVERY: std::time::Duration = std::time::Duration::from_secs(2);

    fn full() -> ReloadBucket {
        ReloadBucket(crate::ratelimit::Limiter::new(
            1.0 / Self::EVERY.as_secs_f64(),
            Self::BURST,
            1,
        ))
    }

    /// Takes a token, or says how long until one is free.
    fn take(&mut self, now: std::time::Instant) -> Result<(), std::time::Duration> {
        self.0.take(&(), 1.0, now).map_err(|d| d.retry_after)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error("this netgauge was not started from config files; nothing to reload")]
    NoSources,
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Web(#[from] WebConfigError),
}

/// How the exporter was started, beside its config.
#[derive(Default)]
pub struct Options {
    /// The files (or directories) the config was read from, re-read on reload.
    pub sources: Vec<PathBuf>,
    pub web: WebConfig,
    /// Where `web` came from; re-read on reload.
    pub web_source: Option<PathBuf>,
    /// snmp_exporter modules for `/snmp`.
    pub compat: Option<Compat>,
    /// `--web.enable-lifecycle`: whether `POST /-/reload` is served.
    pub lifecycle: bool,
}

impl AppState {
    /// From a config built in memory: nothing to reload, no `/snmp`.
    pub fn new(config: Config) -> Arc<Self> {
        Self::with_options(config, Options::default())
    }

    pub fn with_options(config: Config, options: Options) -> Arc<Self> {
        let Options {
            sources,
            web,
            web_source,
            compat,
            lifecycle,
        } = options;
        let telemetry = Arc::new(Telemetry::new());
        let kept = crate::poller::Kept::default();
        telemetry.set_known_devices(
            config.targets.iter().map(|t| t.name.as_str()),
            config.global.max_unknown_devices,
        );
        Arc::new(AppState {
            web: RwLock::new(Arc::new(web)),
            web_source,
            compat_options: compat.as_ref().map(|c| c.options.clone()),
            live: RwLock::new(Arc::new(Live {
                poller: Poller::new(&config, telemetry.clone(), &kept),
                config: Arc::new(config),
                compat: compat.map(Arc::new),
            })),
            telemetry,
            kept,
            traps: Arc::new(crate::traps::Shared::default()),
            chatops: Arc::new(crate::chatops::Shared::default()),
            sources,
            lifecycle,
            reloading: tokio::sync::Mutex::new(()),
            reload_bucket: std::sync::Mutex::new(ReloadBucket::full()),
        })
    }

    /// The current generation.
    pub fn live(&self) -> Arc<Live> {
        match self.live.read() {
            Ok(l) => l.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The web (TLS, auth) settings in force.
    pub fn web(&self) -> Arc<WebConfig> {
        match self.web.read() {
            Ok(w) => w.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Whether an HTTP reload may run now; `Err` is how long to wait.
    pub fn admit_http_reload(&self) -> Result<(), std::time::Duration> {
        let mut b = self
            .reload_bucket
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        b.take(std::time::Instant::now())
    }

    /// Re-reads the config files (and the web config file). On any problem
    /// everything running stays as it is; the outcome is logged and counted
    /// either way.
    pub async fn reload(&self) -> Result<usize, ReloadError> {
        let _guard = self.reloading.lock().await;
        if self.sources.is_empty() {
            return Err(ReloadError::NoSources);
        }
        let web = match &self.web_source {
            Some(path) => match WebConfig::load(path) {
                Ok(w) => Some(w),
                Err(e) => {
                    self.telemetry.event(Event::ConfigReload {
                        ok: false,
                        targets: 0,
                        detail: &e.to_string(),
                    });
                    return Err(e.into());
                }
            },
            None => None,
        };
        let sources = self.sources.clone();
        let compat_options = self.compat_options.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            let config = Config::load_all(&sources)?;
            let compat = compat_options.map(Compat::load).transpose()?;
            Ok((config, compat))
        })
        .await
        .unwrap_or_else(|e| {
            Err(ConfigError::Read {
                path: PathBuf::from("<reload>"),
                source: std::io::Error::other(e.to_string()),
            })
        });
        match loaded {
            Ok((config, compat)) => {
                let n = config.targets.len();
                for w in &config.warnings {
                    tracing::warn!(warning = %w, "config");
                }
                self.telemetry.set_known_devices(
                    config.targets.iter().map(|t| t.name.as_str()),
                    config.global.max_unknown_devices,
                );
                // A new poller: new concurrency cap, and no SNMPv3 session
                // kept with credentials that may just have changed.
                let live = Arc::new(Live {
                    poller: Poller::new(&config, self.telemetry.clone(), &self.kept),
                    config: Arc::new(config),
                    compat: compat.map(Arc::new),
                });
                match self.live.write() {
                    Ok(mut l) => *l = live,
                    Err(poisoned) => *poisoned.into_inner() = live,
                }
                if let Some(web) = web {
                    match self.web.write() {
                        Ok(mut w) => *w = Arc::new(web),
                        Err(poisoned) => *poisoned.into_inner() = Arc::new(web),
                    }
                }
                self.telemetry.event(Event::ConfigReload {
                    ok: true,
                    targets: n,
                    detail: "",
                });
                Ok(n)
            }
            Err(e) => {
                self.telemetry.event(Event::ConfigReload {
                    ok: false,
                    targets: 0,
                    detail: &e.to_string(),
                });
                Err(e.into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn http_reloads_are_rate_limited_to_a_burst_then_one_per_interval() {
        let t0 = Instant::now();
        let mut b = ReloadBucket::full();
        for _ in 0..3 {
            assert!(b.take(t0).is_ok());
        }
        let wait = b.take(t0).unwrap_err();
        assert!(wait <= ReloadBucket::EVERY && wait > Duration::ZERO, "{wait:?}");
        assert!(b.take(t0 + ReloadBucket::EVERY).is_ok());
        assert!(b.take(t0 + ReloadBucket::EVERY).is_err());
    }
}
