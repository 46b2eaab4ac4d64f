//! A fast simulated SNMP fleet for benchmarks: N agents on consecutive UDP
//! ports of 127.0.0.1, each a switch with I interfaces (IF-MIB + system
//! group), answering GET/GETNEXT/GETBULK. snmpsim (Python) spends ~130 µs
//! per value and would measure itself, not netgauge; this answers in a few
//! microseconds. It reuses the scripted agent of the test suite.
//!
//!   cargo run --release --example sim-agent -- AGENTS INTERFACES BASE_PORT

#[path = "../tests/integration/fake_agent.rs"]
#[allow(dead_code)]
mod fake_agent;

use std::sync::Arc;

use fake_agent::{answer, Behaviour, V};

fn mib(interfaces: u32) -> Vec<(Vec<u32>, V)> {
    let mut m: Vec<(Vec<u32>, V)> = vec![
        (vec![1, 3, 6, 1, 2, 1, 1, 1, 0], V::Str("Simulated switch")),
        (
            vec![1, 3, 6, 1, 2, 1, 1, 2, 0],
            V::Oid(vec![1, 3, 6, 1, 4, 1, 8072, 3, 2, 10]),
        ),
        (vec![1, 3, 6, 1, 2, 1, 1, 3, 0], V::Ticks(8_640_000)),
        (vec![1, 3, 6, 1, 2, 1, 1, 5, 0], V::Str("sim")),
    ];
    let names: Vec<&'static str> = (1..=interfaces)
        .map(|i| &*Box::leak(format!("Gi1/0/{i}").into_boxed_str()))
        .collect();
    for i in 1..=interfaces {
        let name = names[(i - 1) as usize];
        let t = |c: u32| vec![1, 3, 6, 1, 2, 1, 2, 2, 1, c, i];
        let x = |c: u32| vec![1, 3, 6, 1, 2, 1, 31, 1, 1, 1, c, i];
        let n = u64::from(i);
        m.extend([
            (t(2), V::Str(name)),
            (t(3), V::Int(6)),
            (t(4), V::Int(1500)),
            (t(5), V::Gauge32(1_000_000_000)),
            (t(7), V::Int(1)),
            (t(8), V::Int(if i % 10 == 0 { 2 } else { 1 })),
            (t(9), V::Ticks(100)),
            (t(10), V::Counter32((n * 1000) as u32)),
            (t(11), V::Counter32((n * 10) as u32)),
            (t(13), V::Counter32(0)),
            (t(14), V::Counter32(n as u32)),
            (t(16), V::Counter32((n * 2000) as u32)),
            (t(17), V::Counter32((n * 20) as u32)),
            (t(19), V::Counter32(0)),
            (t(20), V::Counter32(0)),
            (x(1), V::Str(name)),
            (x(2), V::Counter32(0)),
            (x(3), V::Counter32(0)),
            (x(6), V::Counter64(n * 1_000_000_000)),
            (x(7), V::Counter64(n * 1_000_000)),
            (x(10), V::Counter64(n * 2_000_000_000)),
            (x(11), V::Counter64(n * 2_000_000)),
            (x(15), V::Gauge32(1000)),
            (x(18), V::Str("access port")),
        ]);
    }
    m.sort_by(|a, b| a.0.cmp(&b.0));
    m
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let args: Vec<u32> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let (agents, interfaces, base) = match args[..] {
        [a, i, p] => (a, i, p),
        _ => (2000, 48, 30000),
    };
    let mib = Arc::new(mib(interfaces));
    let behaviour = Arc::new(Behaviour::default());
    for port in base..base + agents {
        let socket = tokio::net::UdpSocket::bind(("127.0.0.1", port as u16)).await?;
        let (mib, behaviour) = (mib.clone(), behaviour.clone());
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65535];
            while let Ok((n, peer)) = socket.recv_from(&mut buf).await {
                if let Some(reply) = answer(&buf[..n], &mib, &behaviour) {
                    let _ = socket.send_to(&reply, peer).await;
                }
            }
        });
    }
    eprintln!(
        "{agents} agents x {interfaces} interfaces on 127.0.0.1:{base}..{}",
        base + agents - 1
    );
    std::future::pending::<()>().await;
    Ok(())
}
