//! Command-line flags, named like every other Prometheus exporter's.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "netgauge",
    version,
    long_version = concat!(
        env!("CARGO_PKG_VERSION"),
        " (revision ",
        env!("NETGAUGE_GIT_REVISION"),
        ", rustc ",
        env!("NETGAUGE_RUSTC_VERSION"),
        ")"
    ),
    about = "Prometheus exporter for network devices (SNMP v1/v2c/v3)"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: ConfigArgs,

    #[command(flatten)]
    pub web: WebArgs,

    /// Serve `POST /-/reload` (off by default, as in Prometheus: anyone who
    /// reaches the port could otherwise make netgauge re-read its files).
    /// SIGHUP reloads either way.
    #[arg(long = "web.enable-lifecycle")]
    pub web_enable_lifecycle: bool,

    /// Only log messages with this severity or above.
    #[arg(long = "log.level", value_enum, default_value_t = LogLevel::Info, global = true)]
    pub log_level: LogLevel,

    /// Output format of log messages.
    #[arg(long = "log.format", value_enum, default_value_t = LogFormat::Logfmt, global = true)]
    pub log_format: LogFormat,

    #[command(flatten)]
    pub snmp: SnmpArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the config comes from: the server's, `check`'s, `probe`'s and `export`'s flag.
#[derive(Debug, Default, Args)]
pub struct ConfigArgs {
    /// Config file, or a directory of `*.yml` files. Repeat to combine
    /// several (e.g. a generated target inventory next to the settings).
    /// Default: netgauge.yml.
    #[arg(long = "config.file", value_name = "FILE|DIR", action = clap::ArgAction::Append)]
    pub config_files: Vec<PathBuf>,
}

/// Where the HTTP server listens and how (the server's and `healthcheck`'s flags).
#[derive(Debug, Args)]
pub struct WebArgs {
    /// Address to listen on, e.g. `:9742` (all interfaces) or `127.0.0.1:9742`.
    #[arg(long = "web.listen-address", value_name = "ADDR", default_value = ":9742")]
    pub listen_address: String,

    /// TLS and basic-auth settings, in the Prometheus exporter-toolkit format.
    #[arg(long = "web.config.file", value_name = "FILE")]
    pub web_config_file: Option<PathBuf>,
}

/// `/snmp` (snmp_exporter modules): the server's flags.
#[derive(Debug, Args)]
pub struct SnmpArgs {
    /// An snmp_exporter `snmp.yml` (either layout) whose modules `/snmp`
    /// serves, as snmp_exporter does: `/snmp?target=HOST&module=if_mib&auth=public_v2`.
    #[arg(long = "snmp.config.file", value_name = "FILE")]
    pub snmp_config_file: Option<PathBuf>,

    /// Let `/snmp` poll any host, as snmp_exporter does. Without it, `/snmp`
    /// only polls the host and port of a target in netgauge's own target
    /// list, so the endpoint cannot be used to send SNMP anywhere.
    #[arg(long = "snmp.allow-any-target")]
    pub snmp_allow_any_target: bool,

    /// Wrap Counter64 values at 2^53 on `/snmp`, so float64 holds them
    /// exactly (snmp_exporter's default; `=false` to turn off).
    #[arg(long = "snmp.wrap-large-counters", value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub snmp_wrap_large_counters: bool,

    /// On `/snmp`, re-walk columns read only by lookups (ifName, ifAlias,
    /// ifDescr…) at most this often, e.g. `5m`; `0s` walks them every scrape.
    /// A lookup that misses (a new interface) re-walks them at once.
    #[arg(long = "snmp.lookup-cache-ttl", value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub snmp_lookup_cache_ttl: std::time::Duration,
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("'{s}' is not a duration like 30s or 5m: {e}"))
}

impl Cli {
    /// The config sources: the subcommand's `--config.file`, else the one
    /// given before it, else netgauge.yml.
    pub fn config_sources(&self) -> Vec<PathBuf> {
        let own = match &self.command {
            Some(Command::Check { config, .. } | Command::Export { config, .. } | Command::Probe { config, .. }) => {
                &config.config_files
            }
            _ => &self.config.config_files,
        };
        let files = if own.is_empty() { &self.config.config_files } else { own };
        if files.is_empty() {
            vec![PathBuf::from("netgauge.yml")]
        } else {
            files.clone()
        }
    }

    /// The `/snmp` settings, if `--snmp.config.file` switched it on (for
    /// `check`, its own `--snmp.config.file`).
    pub fn snmp_options(&self) -> Option<crate::compat::Options> {
        let path = match &self.command {
            Some(Command::Check {
                snmp_config_file: Some(p),
                ..
            }) => Some(p),
            _ => self.snmp.snmp_config_file.as_ref(),
        };
        path.map(|path| crate::compat::Options {
            path: path.clone(),
            allow_any_target: self.snmp.snmp_allow_any_target,
            wrap_counters: self.snmp.snmp_wrap_large_counters,
            lookup_cache_ttl: self.snmp.snmp_lookup_cache_ttl,
        })
    }

    /// The web settings: `healthcheck`'s own, else the server's.
    pub fn web_args(&self) -> &WebArgs {
        match &self.command {
            Some(Command::Healthcheck { web }) => web,
            _ => &self.web,
        }
    }

    /// The sources as one printable string, for messages.
    pub fn config_display(&self) -> String {
        self.config_sources()
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the config and exit: 0 if valid, 1 with every problem listed if not.
    #[command(after_help = "Example:\n  netgauge check --config.file=/etc/netgauge/netgauge.yml --connect")]
    Check {
        /// Also try to reach every target (SNMP system group, or a CLI login), with progress on stderr.
        #[arg(long)]
        connect: bool,
        #[command(flatten)]
        config: ConfigArgs,
        /// Also validate this snmp_exporter `snmp.yml`.
        #[arg(long = "snmp.config.file", value_name = "FILE")]
        snmp_config_file: Option<PathBuf>,
    },
    /// Convert a device list (CSV or JSON) into targets YAML on stdout.
    #[command(after_help = "Example:\n  netgauge import devices.csv > targets.d/imported.yml")]
    Import {
        /// `.csv` or `.json` file; columns name, address, [auth, version, port], the rest become labels.
        file: PathBuf,
        /// Input format, if the file name does not tell.
        #[arg(long, value_enum)]
        format: Option<InventoryFormat>,
    },
    /// Exit 0 if the netgauge serving on --web.listen-address is healthy (for
    /// container HEALTHCHECKs, where there is no curl). With TLS configured in
    /// --web.config.file, a completed TCP connection counts as healthy.
    #[command(after_help = "Example:\n  netgauge healthcheck --web.listen-address=127.0.0.1:9742")]
    Healthcheck {
        #[command(flatten)]
        web: WebArgs,
    },
    /// Print the configured targets (never their credentials) as CSV or JSON.
    #[command(after_help = "Example:\n  netgauge export --config.file=netgauge.yml --format=json")]
    Export {
        #[arg(long, value_enum, default_value_t = InventoryFormat::Csv)]
        format: InventoryFormat,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Poll one target once and print its series to stdout.
    #[command(after_help = "Example:\n  netgauge probe --config.file=netgauge.yml core-sw1")]
    Probe {
        /// The target's `name` in the config.
        target: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InventoryFormat {
    Csv,
    Json,
}

impl From<InventoryFormat> for crate::inventory::Format {
    fn from(f: InventoryFormat) -> Self {
        match f {
            InventoryFormat::Csv => crate::inventory::Format::Csv,
            InventoryFormat::Json => crate::inventory::Format::Json,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Logfmt,
    Json,
}

/// Parses a Go-style listen address: `:9742` means every interface.
pub fn listen_addresses(s: &str) -> Result<Vec<SocketAddr>, String> {
    if let Some(port) = s.strip_prefix(':') {
        let port: u16 = port.parse().map_err(|_| format!("'{s}': invalid port"))?;
        return Ok(vec![
            SocketAddr::from(([0u16; 8], port)),
            SocketAddr::from(([0u8; 4], port)),
        ]);
    }
    s.parse::<SocketAddr>()
        .map(|a| vec![a])
        .map_err(|e| format!("'{s}': {e} (expected host:port or :port)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_address_forms() {
        assert_eq!(listen_addresses(":9742").unwrap().len(), 2);
        assert_eq!(listen_addresses("127.0.0.1:1").unwrap()[0].port(), 1);
        assert!(listen_addresses("nonsense").is_err());
        assert!(listen_addresses(":x").is_err());
    }

    #[test]
    fn flags_parse_prometheus_style() {
        let c = Cli::try_parse_from([
            "netgauge",
            "--config.file=x.yml",
            "--web.listen-address=:1",
            "--log.format=json",
        ])
        .unwrap();
        assert_eq!(c.config_sources(), [PathBuf::from("x.yml")]);
        assert_eq!(c.log_format, LogFormat::Json);
        let c = Cli::try_parse_from(["netgauge", "--config.file=a.yml", "--config.file=targets.d"]).unwrap();
        assert_eq!(c.config_sources(), [PathBuf::from("a.yml"), PathBuf::from("targets.d")]);
        assert_eq!(
            Cli::try_parse_from(["netgauge"]).unwrap().config_sources(),
            [PathBuf::from("netgauge.yml")]
        );
        let c = Cli::try_parse_from([
            "netgauge",
            "--snmp.config.file=snmp.yml",
            "--snmp.wrap-large-counters=false",
            "--snmp.lookup-cache-ttl=5m",
        ])
        .unwrap();
        let o = c.snmp_options().unwrap();
        assert!(!o.wrap_counters && !o.allow_any_target);
        assert_eq!(o.lookup_cache_ttl, std::time::Duration::from_secs(300));
        assert!(Cli::try_parse_from(["netgauge"]).unwrap().snmp_options().is_none());
        let c = Cli::try_parse_from(["netgauge", "probe", "--config.file=y.yml", "sw1"]).unwrap();
        assert!(matches!(c.command, Some(Command::Probe { ref target, .. }) if target == "sw1"));
        assert_eq!(c.config_sources(), [PathBuf::from("y.yml")]);
        // Given before the subcommand, as it used to be, it still counts.
        let c = Cli::try_parse_from(["netgauge", "--config.file=z.yml", "check"]).unwrap();
        assert_eq!(c.config_sources(), [PathBuf::from("z.yml")]);
    }

    #[test]
    fn subcommands_take_only_their_own_flags() {
        for args in [
            &["netgauge", "import", "--web.listen-address=:1", "x.csv"][..],
            &["netgauge", "import", "--snmp.allow-any-target", "x.csv"],
            &["netgauge", "import", "--config.file=a.yml", "x.csv"],
            &["netgauge", "check", "--web.listen-address=:1"],
            &["netgauge", "probe", "--snmp.allow-any-target", "sw1"],
            &["netgauge", "healthcheck", "--config.file=a.yml"],
        ] {
            assert!(Cli::try_parse_from(args).is_err(), "{args:?} should be refused");
        }
        let c = Cli::try_parse_from(["netgauge", "healthcheck", "--web.listen-address=127.0.0.1:1"]).unwrap();
        assert_eq!(c.web_args().listen_address, "127.0.0.1:1");
    }
}
