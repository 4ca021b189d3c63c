//! Property tests over what the MPC core reads from peers and disk: envelope signatures, key-share
//! documents and protocol messages. Any bytes get an answer (a value or an `MpcError`), never a panic.
use proptest::prelude::*;
use std::sync::OnceLock;

use seq_mpc::{node_key, KeyShare, Keygen, MpcProtocol, Outgoing, ParticipantId, Presign};

const A: ParticipantId = 0x1111_0001;
const B: ParticipantId = 0x2222_0002;
const C: ParticipantId = 0x3333_0003;
const SET: [ParticipantId; 3] = [A, B, C];

/// Runs `parties` to the end, with every message `B` sends to `A` first going through `tamper`. Returns false if the
/// run stopped (an error, or a stall once a message was refused); it must never panic.
fn run_with_tampering<P: MpcProtocol>(mut parties: Vec<(ParticipantId, P)>, mut tamper: impl FnMut(&mut Vec<u8>)) -> bool {
    let ids: Vec<ParticipantId> = parties.iter().map(|(id, _)| *id).collect();
    let mut finished = vec![false; parties.len()];
    for _round in 0..500 {
        let mut progressed = false;
        for i in 0..parties.len() {
            let from = ids[i];
            let Ok(out) = parties[i].1.poke() else { return false };
            finished[i] |= parties[i].1.take_output().is_some();
            for message in out {
                progressed = true;
                let (recipients, data): (Vec<ParticipantId>, Vec<u8>) = match message {
                    Outgoing::All(data) => (ids.iter().copied().filter(|p| *p != from).collect(), data),
                    Outgoing::To(to, data) => (vec![to], data),
                };
                for to in recipients {
                    let mut data = data.clone();
                    if from == B && to == A {
                        tamper(&mut data);
                    }
                    let j = ids.iter().position(|p| *p == to).unwrap();
                    if parties[j].1.message(from, &data).is_err() {
                        return false;
                    }
                }
            }
        }
        if finished.iter().all(|f| *f) {
            return true;
        }
        if !progressed {
            return false;
        }
    }
    false
}

fn keygen_with_tampering(tamper: impl FnMut(&mut Vec<u8>)) -> bool {
    run_with_tampering(SET.iter().map(|&p| (p, Keygen::new(&SET, p, 2).unwrap())).collect(), tamper)
}

/// Shares of one honest keygen, made once: presign runs over them.
fn shares() -> &'static [KeyShare] {
    static SHARES: OnceLock<Vec<KeyShare>> = OnceLock::new();
    SHARES.get_or_init(|| {
        let mut parties: Vec<(ParticipantId, Keygen)> = SET.iter().map(|&p| (p, Keygen::new(&SET, p, 2).unwrap())).collect();
        let mut out: Vec<Option<KeyShare>> = vec![None, None, None];
        while out.iter().any(Option::is_none) {
            for i in 0..parties.len() {
                let from = parties[i].0;
                for message in parties[i].1.poke().unwrap() {
                    for j in 0..parties.len() {
                        let deliver = match &message {
                            Outgoing::All(_) => j != i,
                            Outgoing::To(to, _) => parties[j].0 == *to,
                        };
                        if deliver {
                            let (Outgoing::All(data) | Outgoing::To(_, data)) = &message;
                            parties[j].1.message(from, data).unwrap();
                        }
                    }
                }
                if let Some(share) = parties[i].1.take_output() {
                    out[i] = Some(share);
                }
            }
        }
        out.into_iter().map(Option::unwrap).collect()
    })
}

fn presign_with_tampering(tamper: impl FnMut(&mut Vec<u8>)) -> bool {
    let signers = [A, B];
    let parties = shares().iter().filter(|s| signers.contains(&s.me)).map(|s| (s.me, Presign::new(s.clone(), &signers).unwrap())).collect();
    run_with_tampering(parties, tamper)
}

#[test]
fn untampered_keygen_and_presign_finish() {
    assert!(keygen_with_tampering(|_| {}));
    assert!(presign_with_tampering(|_| {}));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn any_signature_bytes_recover_to_an_address_or_an_error(message in proptest::collection::vec(any::<u8>(), 0..100), signature in proptest::collection::vec(any::<u8>(), 0..80)) {
        let _ = node_key::recover_signer(&message, &signature);
    }

    #[test]
    fn any_65_byte_signature_recovers_to_an_address_or_an_error(message in proptest::collection::vec(any::<u8>(), 0..100), rs in any::<[u8; 64]>(), v in prop_oneof![Just(27u8), Just(28u8), any::<u8>()]) {
        let signature = [rs.as_slice(), &[v]].concat();
        let _ = node_key::recover_signer(&message, &signature);
    }

    #[test]
    fn signatures_round_trip_to_the_signer(secret in any::<[u8; 32]>(), message in proptest::collection::vec(any::<u8>(), 0..100)) {
        if let Ok(signature) = node_key::sign_message(&secret, &message) {
            prop_assert_eq!(node_key::recover_signer(&message, &signature).unwrap(), node_key::address_of_secret(&secret).unwrap());
        }
    }

    #[test]
    fn any_bytes_as_a_key_share_are_refused_or_parsed(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = KeyShare::from_bytes(&bytes);
    }

    #[test]
    fn any_json_shaped_key_share_is_refused_or_parsed(me in any::<u32>(), participants in proptest::collection::vec(any::<u32>(), 0..6), threshold in any::<u64>(), generation in any::<u64>(), public_key in "[0-9a-f]{0,70}", secret in "[0-9a-f]{0,70}") {
        let doc = serde_json::json!({ "version": 1, "me": me, "participants": participants, "threshold": threshold, "generation": generation, "public_key": public_key, "secret": secret });
        let _ = KeyShare::from_bytes(doc.to_string().as_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_peer_sending_arbitrary_protocol_bytes_cannot_crash_keygen(replacement in proptest::collection::vec(any::<u8>(), 0..200)) {
        keygen_with_tampering(|data| *data = replacement.clone());
    }

    #[test]
    fn a_peer_mutating_its_protocol_messages_cannot_crash_keygen(at in any::<usize>(), byte in any::<u8>(), cut in proptest::option::of(any::<usize>())) {
        keygen_with_tampering(|data| {
            let index = at % data.len();
            data[index] = byte;
            if let Some(cut) = cut {
                data.truncate(cut % (data.len() + 1));
            }
        });
    }

    #[test]
    fn a_peer_sending_a_well_framed_arbitrary_body_cannot_crash_keygen(body in proptest::collection::vec(any::<u8>(), 1..120)) {
        keygen_with_tampering(|data| {
            data.truncate(28);
            data.extend_from_slice(&body);
        });
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn a_peer_mutating_its_presign_messages_cannot_crash_presign(at in any::<usize>(), byte in any::<u8>(), cut in proptest::option::of(any::<usize>())) {
        presign_with_tampering(|data| {
            let index = at % data.len();
            data[index] = byte;
            if let Some(cut) = cut {
                data.truncate(cut % (data.len() + 1));
            }
        });
    }

    #[test]
    fn a_peer_sending_a_well_framed_arbitrary_body_cannot_crash_presign(stage in 0u8..4, body in proptest::collection::vec(any::<u8>(), 1..120)) {
        presign_with_tampering(|data| {
            data.truncate(29);
            data[0] = stage;
            data.extend_from_slice(&body);
        });
    }
}
