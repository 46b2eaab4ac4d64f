//! Benchmark tooling, not shipped: the chat bot's own cost, without its
//! backends (no device, Prometheus, Alertmanager or Telegram is involved).
//!
//! `cargo run --release --example chatops-bench -- SENDERS MESSAGES`
//!
//! 1. Rate limiter: `MESSAGES` checks over `SENDERS` distinct keys, ns/check.
//! 2. Commands through the core (parse, limits, role, answer, audit line
//!    and counters) and rendered to Telegram HTML: µs/command.
//! 3. `SENDERS` distinct strangers each writing to the bot: the limiter
//!    state that remembers them stays bounded; the process's peak RSS (from
//!    /usr/bin/time -v) is the memory figure.

use std::sync::Arc;
use std::time::{Duration, Instant};

use netgauge::chatops::backends::Backends;
use netgauge::chatops::core::{Caller, Core, Front};
use netgauge::chatops::i18n::Tr;
use netgauge::chatops::markup::Text;
use netgauge::config::{ChatRateLimit, Config, Role};
use netgauge::ratelimit::Limiter;
use netgauge::state::AppState;

fn main() {
    // `CHATOPS_BENCH_CHART=path.png`: also draw a day of made-up traffic,
    // the picture in README.md's ChatOps section.
    if let Ok(path) = std::env::var("CHATOPS_BENCH_CHART") {
        let end = 1_796_572_800.0; // 2026-12-06 16:00 UTC
        let start = end - 86_400.0;
        let day = |phase: f64, peak: f64| -> Vec<(f64, f64)> {
            (0..=720)
                .map(|i| {
                    let t = start + f64::from(i) * 120.0;
                    let hour = (t - start) / 3600.0;
                    let busy = (std::f64::consts::PI * (hour - 6.0 + phase) / 12.0).sin().max(0.0);
                    let wobble = 1.0 + 0.08 * (f64::from(i) * 0.7).sin();
                    (t, (0.08 + 0.92 * busy) * peak * wobble)
                })
                .collect()
        };
        let (rx, tx) = (day(0.0, 720e6), day(0.5, 310e6));
        let png = netgauge::chatops::chart::bits_per_second(
            "core-sw1 TenGigabitEthernet1/0/49 — 1d",
            &[
                netgauge::chatops::chart::Line {
                    label: "receive",
                    points: &rx,
                    color: netgauge::chatops::chart::RECEIVE,
                },
                netgauge::chatops::chart::Line {
                    label: "transmit",
                    points: &tx,
                    color: netgauge::chatops::chart::TRANSMIT,
                },
            ],
            start,
            end,
        )
        .expect("chart");
        std::fs::write(&path, png).expect("write the chart");
    }
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let senders = args.first().copied().unwrap_or(10_000);
    let messages = args.get(1).copied().unwrap_or(1_000_000);

    // 1. The limiter alone.
    // Capped at 10,000 live keys, as the bot's limiters are.
    let mut limiter: Limiter<String> = Limiter::new(20.0 / 60.0, 5, 10_000);
    let keys: Vec<String> = (0..senders).map(|i| format!("telegram:{}", 100_000_000 + i)).collect();
    let t0 = Instant::now();
    let mut start = Instant::now();
    let mut denied = 0u64;
    for i in 0..messages {
        // A second of traffic every 10,000 checks, so buckets refill and get swept.
        if i % 10_000 == 0 {
            start += Duration::from_secs(1);
        }
        if limiter.take(keys[i % senders].as_str(), 1.0, start).is_err() {
            denied += 1;
        }
    }
    let per_check = t0.elapsed().as_nanos() as f64 / messages as f64;
    println!("limiter: {messages} checks over {senders} keys: {per_check:.0} ns/check ({denied} denied)");

    // 2 and 3 need a runtime and a config with a bot in it.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let config = Config::from_yaml(
            std::path::Path::new("bench.yml"),
            "targets:\n  - name: core-sw1\n    address: 127.0.0.1:9\n    snmp: {community: x}\n\
             chatops:\n  telegram:\n    token: \"1:x\"\n    users: [{id: 1, name: alice, role: admin}]\n\
             \x20   rate_limit: {per_user: 1000000/min, per_chat: 1000000/min, burst: 1000}\n",
        )
        .expect("bench config");
        let state = AppState::new(config);
        let core = Core::new(
            state.clone(),
            state.chatops.clone(),
            Backends::new(None, Vec::new()).unwrap(),
        );
        // Spread over 1,000 users and chats, so no command is rate limited
        // (the check itself is measured all the same).
        let callers: Vec<Caller> = (0..1000)
            .map(|i| Caller {
                front: Front::Telegram,
                user_id: (1_000 + i).to_string(),
                name: "alice".into(),
                role: Role::Admin,
                chat: (1_000 + i).to_string(),
                tr: Tr::new("en"),
            })
            .collect();
        let n = 20_000;
        for text in ["/help", "/whoami", "/frobnicate", "/status no-such-device"] {
            let t0 = Instant::now();
            let mut bytes = 0;
            for i in 0..n {
                let answer = core.run(&callers[i % callers.len()], text).await;
                for reply in answer.replies {
                    if let netgauge::chatops::core::Reply::Text(t) = reply {
                        bytes += t.to_telegram().iter().map(String::len).sum::<usize>();
                    }
                }
            }
            let us = t0.elapsed().as_secs_f64() * 1e6 / n as f64;
            println!(
                "core: {text:<24} {us:7.1} µs/command ({} bytes of HTML each)",
                bytes / n
            );
        }
        // Rendering a long reply: 300 interfaces, as /interfaces sends.
        let mut t = Text::new();
        for i in 0..300 {
            t.line()
                .plain("🟢 ")
                .code(format!("GigabitEthernet1/0/{i}"))
                .plain(" 1 Gbit/s ↓12.3 Mbit/s ↑1.2 Mbit/s — ")
                .italic(format!("uplink <{i}> to R&D"));
        }
        let t0 = Instant::now();
        let mut parts = 0;
        for _ in 0..1000 {
            parts = t.to_telegram().len();
        }
        println!(
            "render: 300-interface reply into {parts} messages: {:.0} µs",
            t0.elapsed().as_secs_f64() * 1e6 / 1000.0
        );

        // 3. Many distinct strangers: refused, counted, told once an hour.
        let t0 = Instant::now();
        let mut told = 0;
        for _ in 0..3 {
            for i in 0..senders {
                let user = (200_000_000 + i).to_string();
                if core
                    .refuse_stranger(
                        Front::Telegram,
                        &user,
                        &user,
                        "/status core-sw1",
                        "bench",
                        Tr::new("en"),
                    )
                    .is_some()
                {
                    told += 1;
                }
            }
        }
        println!(
            "strangers: {senders} senders × 3 messages refused in {:.0} ms; {told} told (once each)",
            t0.elapsed().as_secs_f64() * 1e3
        );
        // The limiter of chat commands proper, with one bucket per sender.
        let shared = Arc::clone(&state.chatops);
        let limit = ChatRateLimit {
            per_user: 20.0 / 60.0,
            per_chat: 1.0,
            burst: 5,
        };
        let now = Instant::now();
        for i in 0..senders {
            let user = (300_000_000 + i).to_string();
            let _ = shared.take(Front::Telegram, limit, &user, &user, 1.0, now);
        }
        println!("limits: {senders} distinct users and chats checked");
    });
}
