use super::*;
use crate::config::Config;
use std::time::Instant;

const SENDER: &[u8] = b"\x80\x00\x1f\x88\x80sender";

fn target(level: &str) -> std::sync::Arc<Target> {
    let yaml = format!(
        "targets:\n  - name: sw\n    address: 127.0.0.1\n    snmp: {{version: 3, username: alice, security_level: {level}, password: authpass1, auth_protocol: SHA, priv_password: privpass1, priv_protocol: AES}}\n"
    );
    Config::from_yaml(std::path::Path::new("t.yml"), &yaml).unwrap().targets[0].clone()
}

/// A v3 notification as its sender (the authoritative engine for a trap) builds it.
fn trap_from(sender: &mut Usm, creds: &V3Credentials, tag: u8, flags: u8) -> Vec<u8> {
    let vbs = ber::sequence(&[
        &ber::sequence(&[&ber::oid(&[1, 3, 6, 1, 2, 1, 1, 3, 0]), &ber::tlv(0x43, &[5])]),
        &ber::sequence(&[
            &ber::oid(&[1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0]),
            &ber::oid(&[1, 3, 6, 1, 6, 3, 1, 1, 5, 3]),
        ]),
        &ber::sequence(&[&ber::oid(&[1, 3, 6, 1, 2, 1, 2, 2, 1, 1, 2]), &ber::int(2)]),
    ]);
    let pdu = ber::tlv(tag, &[ber::int(77), ber::int(0), ber::int(0), vbs].concat());
    let engine = sender.engine_id.clone();
    let scoped = ber::sequence(&[&ber::octets(&engine), &ber::octets(b""), &pdu]);
    let (keys, _) = sender.keys_for(creds, &engine);
    let privacy = (flags & FLAG_PRIV != 0).then_some(creds.priv_protocol);
    let auth = (flags & FLAG_AUTH != 0).then_some((creds.auth_protocol, &keys));
    sender.message(
        9,
        flags | (FLAG_REPORTABLE * u8::from(tag == 0xA6)),
        creds.username.as_bytes(),
        &scoped,
        auth,
        privacy,
    )
}

fn creds(t: &Target) -> V3Credentials {
    v3_credentials(t).unwrap().clone()
}

#[test]
fn an_auth_priv_trap_is_verified_decrypted_and_decoded() {
    let t = target("authPriv");
    let c = creds(&t);
    let mut sender = Usm::new((SENDER.to_vec(), 4, Instant::now()));
    let msg = trap_from(&mut sender, &c, 0xA7, FLAG_AUTH | FLAG_PRIV);
    let mut rx = Usm::new((new_engine_id(), 1, Instant::now()));
    match rx.receive(&msg, Some(&t)) {
        UsmOutcome::Notification(n, None) => {
            assert_eq!(n.trap_oid, vec![1, 3, 6, 1, 6, 3, 1, 1, 5, 3]);
            assert_eq!(n.varbinds.len(), 1);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_tampered_or_wrongly_keyed_trap_is_an_auth_failure() {
    let t = target("authPriv");
    let c = creds(&t);
    let mut sender = Usm::new((SENDER.to_vec(), 4, Instant::now()));
    let mut msg = trap_from(&mut sender, &c, 0xA7, FLAG_AUTH | FLAG_PRIV);
    let last = msg.len() - 1;
    msg[last] ^= 1;
    let mut rx = Usm::new((new_engine_id(), 1, Instant::now()));
    assert!(matches!(
        rx.receive(&msg, Some(&t)),
        UsmOutcome::Dropped(TrapDrop::AuthFailure, _)
    ));
    let mut other = c.clone();
    other.auth_password = crate::secret::Secret::new("someoneelse");
    let msg = trap_from(&mut sender, &other, 0xA7, FLAG_AUTH | FLAG_PRIV);
    assert!(matches!(
        rx.receive(&msg, Some(&t)),
        UsmOutcome::Dropped(TrapDrop::AuthFailure, _)
    ));
    // Unauthenticated while the target's user authenticates.
    let msg = trap_from(&mut sender, &c, 0xA7, 0);
    assert!(matches!(
        rx.receive(&msg, Some(&t)),
        UsmOutcome::Dropped(TrapDrop::AuthFailure, _)
    ));
}

#[test]
fn a_replayed_trap_from_an_earlier_boot_is_refused() {
    let t = target("authNoPriv");
    let c = creds(&t);
    let mut rx = Usm::new((new_engine_id(), 1, Instant::now()));
    let mut now = Usm::new((SENDER.to_vec(), 5, Instant::now()));
    let fresh = trap_from(&mut now, &c, 0xA7, FLAG_AUTH);
    assert!(matches!(rx.receive(&fresh, Some(&t)), UsmOutcome::Notification(..)));
    let mut before = Usm::new((SENDER.to_vec(), 4, Instant::now()));
    let old = trap_from(&mut before, &c, 0xA7, FLAG_AUTH);
    match rx.receive(&old, Some(&t)) {
        UsmOutcome::Dropped(TrapDrop::AuthFailure, why) => assert!(why.contains("time window"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_inform_sender_discovers_the_engine_then_gets_a_signed_response() {
    let t = target("authPriv");
    let c = creds(&t);
    let mut rx = Usm::new((new_engine_id(), 2, Instant::now()));
    // Discovery probe: empty engine ID, no user, reportable.
    let probe_pdu = ber::tlv(
        0xA0,
        &[ber::int(5), ber::int(0), ber::int(0), ber::sequence(&[])].concat(),
    );
    let scoped = ber::sequence(&[&ber::octets(b""), &ber::octets(b""), &probe_pdu]);
    let sec = ber::sequence(&[
        &ber::octets(b""),
        &ber::int(0),
        &ber::int(0),
        &ber::octets(b""),
        &ber::octets(b""),
        &ber::octets(b""),
    ]);
    let global = ber::sequence(&[
        &ber::int(31),
        &ber::int(65507),
        &ber::octets(&[FLAG_REPORTABLE]),
        &ber::int(3),
    ]);
    let probe = ber::sequence(&[&ber::int(3), &global, &ber::octets(&sec), &scoped]);
    let report = match rx.receive(&probe, Some(&t)) {
        UsmOutcome::Report(r) => r,
        other => panic!("{other:?}"),
    };
    let m = parse(&report).unwrap();
    assert_eq!(m.msg_id, 31);
    assert_eq!(m.engine_id, rx.engine_id.as_slice());
    assert_eq!(parse_scoped(m.data).unwrap().tag, 0xA8);
    // The sender now signs for our engine, with our clock: as if it were us.
    let mut as_us = Usm::new((rx.engine_id.clone(), rx.boots, rx.started));
    let inform = trap_from(&mut as_us, &c, 0xA6, FLAG_AUTH | FLAG_PRIV);
    let response = match rx.receive(&inform, Some(&t)) {
        UsmOutcome::Notification(n, Some(r)) => {
            assert_eq!(n.kind, Kind::Inform);
            r
        }
        other => panic!("{other:?}"),
    };
    // The response verifies with the same keys and carries the inform's ids.
    let mut check = Usm::new((new_engine_id(), 1, Instant::now()));
    let m = parse(&response).unwrap();
    assert_eq!(m.msg_id, 9);
    let (keys, _) = check.keys_for(&c, m.engine_id);
    let mut copy = response.clone();
    copy[m.auth_at..m.auth_at + m.auth_params.len()].fill(0);
    assert_eq!(crypto::sign(c.auth_protocol, &keys.auth, &copy), m.auth_params);
    let plain = crypto::decrypt(
        c.priv_protocol,
        &keys.privacy,
        m.priv_params,
        m.boots as u32,
        m.time as u32,
        m.data,
    )
    .unwrap();
    let s = parse_scoped(&plain).unwrap();
    assert_eq!((s.tag, s.request_id), (0xA2, 77));
}

#[test]
fn garbage_is_a_decode_error_not_a_panic() {
    let mut rx = Usm::new((new_engine_id(), 1, Instant::now()));
    for bytes in [
        &b""[..],
        b"\x30\x03\x02\x01\x03",
        b"\x30\x80",
        &[0x30, 0x0a, 0x02, 0x01, 0x03, 0x30, 0x05, 0x02, 0x01],
    ] {
        assert!(matches!(
            rx.receive(bytes, None),
            UsmOutcome::Dropped(TrapDrop::DecodeError, _)
        ));
    }
}

#[test]
fn an_inform_signed_for_a_previous_engine_id_gets_a_report_so_the_sender_rediscovers() {
    let t = target("authPriv");
    let c = creds(&t);
    let mut rx = Usm::new((new_engine_id(), 2, Instant::now()));
    let mut old_us = Usm::new((new_engine_id(), 1, Instant::now()));
    let inform = trap_from(&mut old_us, &c, 0xA6, FLAG_AUTH | FLAG_PRIV);
    match rx.receive(&inform, Some(&t)) {
        UsmOutcome::Report(r) => {
            let m = parse(&r).unwrap();
            assert_eq!(m.engine_id, rx.engine_id.as_slice());
            assert_eq!(m.flags & FLAG_AUTH, 0, "discovery reports are not signed");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn forged_engine_ids_and_absurd_clocks_are_refused_and_cache_nothing() {
    let t = target("authPriv");
    let c = creds(&t);
    let mut rx = Usm::new((new_engine_id(), 1, Instant::now()));
    let mut forger = c.clone();
    forger.auth_password = crate::secret::Secret::new("not-the-password");
    for i in 0..50u8 {
        let mut s = Usm::new((vec![0x80, 0, 0, 0, 5, i, i, i], 3, Instant::now()));
        let msg = trap_from(&mut s, &forger, 0xA7, FLAG_AUTH | FLAG_PRIV);
        assert!(matches!(
            rx.receive(&msg, Some(&t)),
            UsmOutcome::Dropped(TrapDrop::AuthFailure, _)
        ));
    }
    assert!(rx.keys.is_empty(), "{} keys cached for forged messages", rx.keys.len());
    // A 40-byte engine ID, and a time of i64::MIN: not SNMP, no panic.
    let mut long = Usm::new((vec![0x80; 40], 3, Instant::now()));
    let msg = trap_from(&mut long, &c, 0xA7, FLAG_AUTH | FLAG_PRIV);
    assert!(matches!(
        rx.receive(&msg, Some(&t)),
        UsmOutcome::Dropped(TrapDrop::DecodeError, _)
    ));
    let pdu = ber::tlv(
        0xA7,
        &[ber::int(1), ber::int(0), ber::int(0), ber::sequence(&[])].concat(),
    );
    let scoped = ber::sequence(&[&ber::octets(SENDER), &ber::octets(b""), &pdu]);
    let sec = ber::sequence(&[
        &ber::octets(SENDER),
        &ber::int(1),
        &ber::int(i64::MIN),
        &ber::octets(b"alice"),
        &ber::octets(b""),
        &ber::octets(b""),
    ]);
    let global = ber::sequence(&[&ber::int(1), &ber::int(65507), &ber::octets(&[0]), &ber::int(3)]);
    let msg = ber::sequence(&[&ber::int(3), &global, &ber::octets(&sec), &scoped]);
    assert!(matches!(
        rx.receive(&msg, Some(&t)),
        UsmOutcome::Dropped(TrapDrop::DecodeError, _)
    ));
}
