//! Property tests of everything that reads a datagram from the network:
//! whatever the bytes, the decoders return (an error or a notification)
//! and never panic; and what netgauge's own writer encodes, the decoder
//! reads back unchanged.

use proptest::prelude::*;

use super::ber;
use super::decode::{decode_community, message_version};
use super::usm::{new_engine_id, Usm};
use crate::collector::snmp::value::Val;
use crate::config::Config;

fn v2c_trap(community: &[u8], request_id: i64, varbinds: &[(Vec<u32>, i64)]) -> Vec<u8> {
    let mut vbs = vec![
        ber::sequence(&[&ber::oid(&[1, 3, 6, 1, 2, 1, 1, 3, 0]), &ber::tlv(0x43, &[7])]),
        ber::sequence(&[
            &ber::oid(&[1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0]),
            &ber::oid(&[1, 3, 6, 1, 6, 3, 1, 1, 5, 3]),
        ]),
    ];
    for (oid, v) in varbinds {
        vbs.push(ber::sequence(&[&ber::oid(oid), &ber::int(*v)]));
    }
    let pdu = ber::tlv(
        0xA7,
        &[
            ber::int(request_id),
            ber::int(0),
            ber::int(0),
            ber::tlv(0x30, &vbs.concat()),
        ]
        .concat(),
    );
    ber::sequence(&[&ber::int(1), &ber::octets(community), &pdu])
}

fn oid_strategy() -> impl Strategy<Value = Vec<u32>> {
    (prop::collection::vec(any::<u32>(), 1..12)).prop_map(|rest| {
        let mut o = vec![1, 3];
        o.extend(rest);
        o
    })
}

fn v3_target() -> std::sync::Arc<crate::config::Target> {
    let yaml = "targets:\n  - name: sw\n    address: 127.0.0.1\n    snmp: {version: 3, username: alice, security_level: authPriv, password: authpass1, auth_protocol: SHA, priv_password: privpass1, priv_protocol: AES}\n";
    Config::from_yaml(std::path::Path::new("t.yml"), yaml).unwrap().targets[0].clone()
}

/// A valid v3 message to mutate: a discovery probe's framing with a
/// trap PDU inside, signed-looking parameters of the right sizes.
fn v3_message(engine: &[u8], boots: i64, time: i64) -> Vec<u8> {
    let pdu = ber::tlv(
        0xA7,
        &[ber::int(1), ber::int(0), ber::int(0), ber::sequence(&[])].concat(),
    );
    let scoped = ber::sequence(&[&ber::octets(engine), &ber::octets(b""), &pdu]);
    let sec = ber::sequence(&[
        &ber::octets(engine),
        &ber::int(boots),
        &ber::int(time),
        &ber::octets(b"alice"),
        &ber::octets(&[0; 12]),
        &ber::octets(&[0; 8]),
    ]);
    let global = ber::sequence(&[&ber::int(5), &ber::int(65507), &ber::octets(&[0x03]), &ber::int(3)]);
    ber::sequence(&[&ber::int(3), &global, &ber::octets(&sec), &ber::octets(&scoped)])
}

thread_local! {
    /// One receiver for every case: a new one would derive the user's keys
    /// (a 1 MiB hash) again each time.
    static USM: std::cell::RefCell<Usm> = std::cell::RefCell::new(Usm::new((new_engine_id(), 1, std::time::Instant::now())));
    static TARGET: std::sync::Arc<crate::config::Target> = v3_target();
}

fn receive(bytes: &[u8], with_target: bool) {
    USM.with(|u| {
        TARGET.with(|t| {
            let _ = u.borrow_mut().receive(bytes, with_target.then_some(&**t));
        })
    });
}

proptest! {
    // A fixed seed: the same 2,000 cases on every run, so CI is
    // deterministic; a case that fails becomes a named regression test.
    #![proptest_config(ProptestConfig {
        cases: 2000,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x6e67_7261_7073),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic_any_decoder(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = message_version(&bytes);
        let _ = decode_community(&bytes);
        let _ = super::decode::community_inform_response(&bytes);
        receive(&bytes, true);
        receive(&bytes, false);
    }

    #[test]
    fn a_mutated_trap_decodes_or_is_refused_without_a_panic(
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let good = v2c_trap(b"public", 42, &[(vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 1, 3], 3)]);
        let mut flipped = good.clone();
        let i = at.index(flipped.len());
        flipped[i] = byte;
        if let Ok(n) = decode_community(&flipped) {
            prop_assert!(!n.trap_oid.is_empty());
        }
        let _ = decode_community(&good[..cut.index(good.len())]);
        let mut v3 = v3_message(b"\x80\x00\x1f\x88\x80sender", 3, 100);
        let j = at.index(v3.len());
        v3[j] = byte;
        receive(&v3, true);
        receive(&v3[..cut.index(v3.len())], true);
    }

    #[test]
    fn what_the_writer_encodes_the_decoder_reads_back(
        community in prop::collection::vec(any::<u8>(), 0..40),
        request_id in any::<i32>(),
        varbinds in prop::collection::vec((oid_strategy(), any::<i64>()), 0..20),
    ) {
        let msg = v2c_trap(&community, i64::from(request_id), &varbinds);
        let n = decode_community(&msg).unwrap();
        prop_assert_eq!(n.credential, community);
        prop_assert_eq!(n.request_id, request_id);
        let want: Vec<(Vec<u32>, Val)> = varbinds.into_iter().map(|(o, v)| (o, Val::Int(v))).collect();
        prop_assert_eq!(n.varbinds, want);
    }
}
