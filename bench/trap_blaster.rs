//! Sends precomputed SNMPv2c linkDown/linkUp traps as fast as it can (or
//! at a given rate) from one loopback source address, for the trap
//! receiver's benchmark (scripts/bench-traps.sh). Every datagram is built
//! once, up front: the sender costs a `send` call per trap, so what is
//! measured is the receiver.
//!
//!   cargo run --release --example trap-blaster -- DEST SOURCE_IP COMMUNITY SECONDS [RATE]
//!
//! The datagrams are built with netgauge's own BER writer.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use netgauge::traps::ber::{oid, tlv};

fn int(v: u32) -> Vec<u8> {
    netgauge::traps::ber::int(i64::from(v))
}

/// A linkDown (`up` false) or linkUp for ifIndex `i`, with the varbinds a
/// switch sends (ifIndex, ifAdminStatus, ifOperStatus).
fn trap(community: &str, request_id: u32, i: u32, up: bool) -> Vec<u8> {
    let vb = |name: &[u32], value: Vec<u8>| tlv(0x30, &[oid(name), value].concat());
    let trap_oid = [1, 3, 6, 1, 6, 3, 1, 1, 5, if up { 4 } else { 3 }];
    let vbs = [
        vb(&[1, 3, 6, 1, 2, 1, 1, 3, 0], tlv(0x43, &[0x01, 0x00, 0x00])),
        vb(&[1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0], oid(&trap_oid)),
        vb(&[1, 3, 6, 1, 2, 1, 2, 2, 1, 1, i], int(i)),
        vb(&[1, 3, 6, 1, 2, 1, 2, 2, 1, 7, i], int(1)),
        vb(&[1, 3, 6, 1, 2, 1, 2, 2, 1, 8, i], int(if up { 1 } else { 2 })),
    ]
    .concat();
    let pdu = tlv(0xA7, &[int(request_id), int(0), int(0), tlv(0x30, &vbs)].concat());
    tlv(0x30, &[int(1), tlv(0x04, community.as_bytes()), pdu].concat())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        eprintln!("usage: trap-blaster DEST SOURCE_IP COMMUNITY SECONDS [RATE]");
        std::process::exit(2);
    }
    let (dest, source, community) = (&args[0], &args[1], &args[2]);
    let seconds: f64 = args[3].parse().expect("SECONDS");
    let rate: f64 = args.get(4).map_or(0.0, |r| r.parse().expect("RATE"));
    let socket = UdpSocket::bind((source.as_str(), 0)).expect("bind the source address");
    socket.connect(dest).expect("destination");
    // 48 ports flapping: down, up, down, up …
    let datagrams: Vec<Vec<u8>> = (0..4096u32)
        .map(|n| trap(community, n + 1, n % 48 + 1, (n / 48) % 2 == 1))
        .collect();
    let started = Instant::now();
    let end = started + Duration::from_secs_f64(seconds);
    let mut sent: u64 = 0;
    let mut failed: u64 = 0;
    while Instant::now() < end {
        for _ in 0..256 {
            let d = &datagrams[(sent + failed) as usize % datagrams.len()];
            match socket.send(d) {
                Ok(_) => sent += 1,
                Err(_) => failed += 1,
            }
        }
        if rate > 0.0 {
            let due = started + Duration::from_secs_f64(sent as f64 / rate);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "sent={sent} failed={failed} seconds={secs:.2} rate={:.0}/s",
        sent as f64 / secs
    );
}
