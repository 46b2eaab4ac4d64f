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
    /// The files (or directories) the config was read from; empty when it
    /// was built in memory, in which case there is nothing to reload.
    sources: Vec<PathBuf>,
    /// Serialises reloads: SIGHUP and `POST /-/reload` may arrive together.
    reloading: tokio::sync::Mutex<()>,
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

impl AppState {
    pub fn new(config: Config) -> Arc<Self> {
        Self::with_sources(config, Vec::new())
    }

    pub fn with_sources(config: Config, sources: Vec<PathBuf>) -> Arc<Self> {
        Self::with_web(config, sources, WebConfig::default(), None)
    }

    /// With a web config, and the file it came from (re-read on reload).
    pub fn with_web(config: Config, sources: Vec<PathBuf>, web: WebConfig, web_source: Option<PathBuf>) -> Arc<Self> {
        Self::with_compat(config, sources, web, web_source, None)
    }

    /// With `/snmp` serving the snmp_exporter modules `compat` was loaded from.
    pub fn with_compat(
        config: Config,
        sources: Vec<PathBuf>,
        web: WebConfig,
        web_source: Option<PathBuf>,
        compat: Option<Compat>,
    ) -> Arc<Self> {
        let telemetry = Arc::new(Telemetry::new());
        Arc::new(AppState {
            web: RwLock::new(Arc::new(web)),
            web_source,
            compat_options: compat.as_ref().map(|c| c.options.clone()),
            live: RwLock::new(Arc::new(Live {
                poller: Poller::new(&config, telemetry.clone()),
                config: Arc::new(config),
                compat: compat.map(Arc::new),
            })),
            telemetry,
            sources,
            reloading: tokio::sync::Mutex::new(()),
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
                // A new poller: new concurrency cap, and no SNMPv3 session
                // kept with credentials that may just have changed.
                let live = Arc::new(Live {
                    poller: Poller::new(&config, self.telemetry.clone()),
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
