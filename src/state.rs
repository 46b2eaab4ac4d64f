//! The running exporter's shared state: the live config and its poller,
//! swapped whole on reload, and the telemetry that outlives reloads.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use crate::config::{Config, ConfigError};
use crate::poller::Poller;
use crate::telemetry::{Event, Telemetry};

/// One generation of configuration. Requests take an `Arc` of it when they
/// start, so a reload never changes a scrape half-way.
pub struct Live {
    pub config: Arc<Config>,
    pub poller: Poller,
}

pub struct AppState {
    live: RwLock<Arc<Live>>,
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
}

impl AppState {
    pub fn new(config: Config) -> Arc<Self> {
        Self::with_sources(config, Vec::new())
    }

    pub fn with_sources(config: Config, sources: Vec<PathBuf>) -> Arc<Self> {
        let telemetry = Arc::new(Telemetry::new());
        Arc::new(AppState {
            live: RwLock::new(Arc::new(Live {
                poller: Poller::new(&config, telemetry.clone()),
                config: Arc::new(config),
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

    /// Re-reads the config files. On any problem the running config stays
    /// as it is; the outcome is logged and counted either way.
    pub async fn reload(&self) -> Result<usize, ReloadError> {
        let _guard = self.reloading.lock().await;
        if self.sources.is_empty() {
            return Err(ReloadError::NoSources);
        }
        let sources = self.sources.clone();
        let loaded = tokio::task::spawn_blocking(move || Config::load_all(&sources))
            .await
            .unwrap_or_else(|e| {
                Err(ConfigError::Read {
                    path: PathBuf::from("<reload>"),
                    source: std::io::Error::other(e.to_string()),
                })
            });
        match loaded {
            Ok(config) => {
                let n = config.targets.len();
                // A new poller: new concurrency cap, and no SNMPv3 session
                // kept with credentials that may just have changed.
                let live = Arc::new(Live {
                    poller: Poller::new(&config, self.telemetry.clone()),
                    config: Arc::new(config),
                });
                match self.live.write() {
                    Ok(mut l) => *l = live,
                    Err(poisoned) => *poisoned.into_inner() = live,
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
