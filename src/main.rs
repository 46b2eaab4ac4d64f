//! The `netgauge` binary: flags, logging, then the library does the work.

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use netgauge::cli::{self, Cli, Command};
use netgauge::config::Config;
use netgauge::state::AppState;

fn main() -> ExitCode {
    let cli = Cli::parse();
    netgauge::logging::init(cli.log_level, cli.log_format);
    let result = match &cli.command {
        Some(Command::Check { connect: false, .. }) => check(&cli),
        Some(Command::Check { connect: true, .. }) => runtime().and_then(|rt| rt.block_on(check_connect(&cli))),
        Some(Command::Import { file, format }) => import(file, *format),
        Some(Command::Export { format, .. }) => export(&cli, *format),
        Some(Command::Healthcheck { .. }) => healthcheck(&cli),
        Some(Command::Probe { target, .. }) => runtime().and_then(|rt| rt.block_on(probe(&cli, target))),
        None => runtime().and_then(|rt| rt.block_on(run(&cli))),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("netgauge: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn check(cli: &Cli) -> Result<ExitCode> {
    let mut ok = match Config::load_all(&cli.config_sources()) {
        Ok(c) => {
            for w in &c.warnings {
                eprintln!("warning: {w}");
            }
            println!("{}: OK, {} target(s)", cli.config_display(), c.targets.len());
            true
        }
        Err(e) => {
            eprintln!("{e}");
            let n = e.problems().len().max(1);
            eprintln!("{}: {n} problem(s) found", cli.config_display());
            false
        }
    };
    // The snmp.yml is checked too, so a broken one is found before a reload keeps the old one.
    if let Some(options) = cli.snmp_options() {
        let path = options.path.display().to_string();
        match netgauge::compat::Compat::load(options) {
            Ok(c) => println!(
                "{path}: OK, {} module(s), {} auth(s){}",
                c.yml.modules.len(),
                c.yml.auths.len(),
                if c.yml.legacy {
                    " (older layout: auths inside modules)"
                } else {
                    ""
                }
            ),
            Err(e) => {
                eprintln!("{e}");
                eprintln!("{path}: {} problem(s) found", e.problems().len().max(1));
                ok = false;
            }
        }
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Validates, then polls every target's system group with a progress line.
async fn check_connect(cli: &Cli) -> Result<ExitCode> {
    use std::io::{IsTerminal, Write};
    let config = match Config::load_all(&cli.config_sources()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let total = config.targets.len();
    let state = AppState::new(config);
    let live = state.live();
    let budget = live.config.global.scrape_timeout;
    let tty = std::io::stderr().is_terminal();
    let mut pending: futures_util::stream::FuturesUnordered<_> = live
        .config
        .targets
        .iter()
        .map(|t| {
            let live = live.clone();
            async move {
                (
                    t.name.clone(),
                    t.address.to_string(),
                    live.poller.identify(t, budget).await,
                )
            }
        })
        .collect();
    let (mut done, mut failed) = (0usize, Vec::new());
    let mut ok = Vec::new();
    use futures_util::StreamExt;
    while let Some((name, addr, result)) = pending.next().await {
        done += 1;
        match result {
            Ok(what) => ok.push(format!("  ok    {name} ({addr}): {what}")),
            Err(why) => failed.push(format!("  FAIL  {name} ({addr}): {why}")),
        }
        if tty {
            eprint!("\r[{done}/{total}] checked, {} unreachable", failed.len());
            let _ = std::io::stderr().flush();
        }
    }
    if tty {
        eprintln!();
    }
    ok.sort();
    failed.sort();
    for line in ok.iter().chain(&failed) {
        println!("{line}");
    }
    println!("{}/{total} target(s) reachable", total - failed.len());
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn import(file: &std::path::Path, format: Option<cli::InventoryFormat>) -> Result<ExitCode> {
    use netgauge::inventory;
    let format = match format
        .map(inventory::Format::from)
        .or_else(|| inventory::Format::from_path(file))
    {
        Some(f) => f,
        None => anyhow::bail!(
            "{}: cannot tell the format from the name; pass --format csv|json",
            file.display()
        ),
    };
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let source = file.display().to_string();
    match inventory::parse(&text, format, &source) {
        Ok(devices) => {
            print!("{}", inventory::to_yaml(&devices, &source));
            eprintln!("{source}: {} device(s) imported", devices.len());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e}");
            eprintln!("{source}: {} problem(s); nothing imported", e.0.len());
            Ok(ExitCode::FAILURE)
        }
    }
}

fn healthcheck(cli: &Cli) -> Result<ExitCode> {
    use std::io::{Read, Write};
    let web = cli.web_args();
    let addrs = cli::listen_addresses(&web.listen_address).map_err(anyhow::Error::msg)?;
    // A wildcard listen address is reached through loopback.
    let port = addrs.first().map(|a| a.port()).unwrap_or(9742);
    let host = match addrs.first() {
        Some(a) if !a.ip().is_unspecified() => a.ip(),
        _ => std::net::IpAddr::from([127, 0, 0, 1]),
    };
    let tls = match &web.web_config_file {
        Some(p) => netgauge::web::WebConfig::load(p)?.tls.is_some(),
        None => false,
    };
    let addr = std::net::SocketAddr::new(host, port);
    let timeout = std::time::Duration::from_secs(3);
    let mut s =
        std::net::TcpStream::connect_timeout(&addr, timeout).with_context(|| format!("cannot connect to {addr}"))?;
    if tls {
        println!("{addr}: accepting connections (TLS)");
        return Ok(ExitCode::SUCCESS);
    }
    s.set_read_timeout(Some(timeout))?;
    s.write_all(format!("GET /-/healthy HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head)?;
    let status = String::from_utf8_lossy(&head[9..12]).into_owned();
    // 401: alive, with basic auth on.
    if status == "200" || status == "401" {
        println!("{addr}: healthy");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{addr}: /-/healthy answered {status}");
        Ok(ExitCode::FAILURE)
    }
}

fn export(cli: &Cli, format: cli::InventoryFormat) -> Result<ExitCode> {
    let config = Config::load_all(&cli.config_sources())?;
    print!("{}", netgauge::inventory::export(&config, format.into()));
    Ok(ExitCode::SUCCESS)
}

async fn probe(cli: &Cli, name: &str) -> Result<ExitCode> {
    let config = Config::load_all(&cli.config_sources())?;
    let state = AppState::new(config);
    let live = state.live();
    let Some(target) = live.config.target(name).cloned() else {
        let close = live.config.closest_targets(name);
        let hint = match close.is_empty() {
            true => String::new(),
            false => format!("; did you mean {}?", close.join(", ")),
        };
        anyhow::bail!(
            "no target named {} in {}{hint}",
            netgauge::echo::quoted(name),
            cli.config_display()
        );
    };
    let budget = live.config.global.scrape_timeout;
    let set = live.poller.poll(&target, budget).await;
    print!("{}", netgauge::exposition::encode(&set));
    let up = set.find("netgauge_device_up", &[]).unwrap_or(0.0);
    Ok(if up == 1.0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn run(cli: &Cli) -> Result<ExitCode> {
    raise_open_files_limit();
    // Parsed on a runtime worker: a large target list or snmp.yml leaves
    // megabytes of freed parse memory in the allocator arena of the thread
    // that read it. On a worker, scrapes reuse that memory; on the main
    // thread, which serves nothing afterwards, it would stay resident unused.
    let (sources, snmp_options) = (cli.config_sources(), cli.snmp_options());
    let (config, compat) = tokio::spawn(async move {
        let config = Config::load_all(&sources)?;
        let compat = snmp_options.map(netgauge::compat::Compat::load).transpose()?;
        Ok::<_, anyhow::Error>((config, compat))
    })
    .await
    .context("loading the configuration")??;
    tracing::info!(config = %cli.config_display(), targets = config.targets.len(), version = env!("CARGO_PKG_VERSION"), "starting netgauge");
    for w in &config.warnings {
        tracing::warn!(warning = %w, "config");
    }
    let web = match &cli.web.web_config_file {
        Some(p) => netgauge::web::WebConfig::load(p)?,
        None => netgauge::web::WebConfig::default(),
    };
    let addrs = cli::listen_addresses(&cli.web.listen_address).map_err(anyhow::Error::msg)?;
    let listener = bind(&addrs).await?;
    tracing::info!(address = %listener.local_addr()?, tls = web.tls.is_some(), basic_auth = web.requires_auth(), "listening");
    if let Some(c) = &compat {
        tracing::info!(file = %c.options.path.display(), modules = c.yml.modules.len(), auths = c.yml.auths.len(), any_target = c.options.allow_any_target, "serving snmp_exporter modules on /snmp");
    }
    let state = AppState::with_options(
        config,
        netgauge::state::Options {
            sources: cli.config_sources(),
            web,
            web_source: cli.web.web_config_file.clone(),
            compat,
            lifecycle: cli.web_enable_lifecycle,
        },
    );
    reload_on_sighup(state.clone());
    netgauge::server::run(listener, state, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Raises the soft open-files limit to the hard one, as Go programs (and so
/// Prometheus and its exporters) do at start: each CLI session and each
/// SNMP request in flight holds a descriptor, and the usual soft limit of
/// 1,024 ran out near 1,000 SSH targets.
fn raise_open_files_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => tracing::debug!(limit = n, "open-files soft limit raised to the hard limit"),
        Err(e) => tracing::debug!(error = %e, "cannot raise the open-files limit"),
    }
}

/// Binds the first address that works (`[::]` falls back to `0.0.0.0` on IPv4-only hosts).
async fn bind(addrs: &[std::net::SocketAddr]) -> Result<tokio::net::TcpListener> {
    let mut last = None;
    for a in addrs {
        match tokio::net::TcpListener::bind(a).await {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(anyhow::Error::new(e).context(format!("cannot listen on {a}"))),
        }
    }
    Err(last.unwrap_or_else(|| anyhow::anyhow!("no listen address")))
}

/// SIGHUP re-reads the config, as it does for Prometheus and its exporters.
fn reload_on_sighup(state: std::sync::Arc<AppState>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP; reload with POST /-/reload");
            return;
        };
        while hup.recv().await.is_some() {
            // The outcome is logged and counted by the reload itself.
            let _ = state.reload().await;
        }
    });
    #[cfg(not(unix))]
    let _ = state;
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
