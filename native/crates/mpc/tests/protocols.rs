mod net;

use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use seq_mpc::{
    address_of, node_key, signing_threshold, EthSignature, KeyShare, Keygen, MpcError, MpcProtocol, ParticipantId, Presign, Reshare, ReshareBasis, Sign,
};

const A: ParticipantId = 0x1111_0001;
const B: ParticipantId = 0x2222_0002;
const C: ParticipantId = 0x3333_0003;
const D: ParticipantId = 0x4444_0004;
const E: ParticipantId = 0x5555_0005;

fn keygen(set: &[ParticipantId], t: usize) -> Vec<KeyShare> {
    let parties = set.iter().map(|&p| (p, Keygen::new(set, p, t).unwrap())).collect();
    net::run(parties).unwrap().into_iter().map(|(_, s)| s).collect()
}

fn share_of(shares: &[KeyShare], p: ParticipantId) -> KeyShare {
    shares.iter().find(|s| s.me == p).unwrap().clone()
}

fn sign(shares: &[KeyShare], signers: &[ParticipantId], digest: [u8; 32]) -> seq_mpc::Result<EthSignature> {
    let presigns = signers.iter().map(|&p| (p, Presign::new(share_of(shares, p), signers).unwrap())).collect();
    let presigs = net::run(presigns)?;
    let signs = presigs.into_iter().map(|(p, presig)| (p, Sign::new(&share_of(shares, p), presig, signers, digest).unwrap())).collect();
    let sigs = net::run(signs)?;
    assert!(sigs.windows(2).all(|w| w[0].1 == w[1].1), "every signer ends with the same signature");
    Ok(sigs[0].1.clone())
}

fn recover(sig: &EthSignature, digest: &[u8; 32]) -> [u8; 20] {
    let s = Signature::from_slice(&sig.to_bytes()[..64]).unwrap();
    assert!(s.normalize_s().is_none(), "low s");
    let key = VerifyingKey::recover_from_prehash(digest, &s, RecoveryId::new(sig.v == 28, false)).unwrap();
    address_of(key.as_affine())
}

#[test]
fn threshold_is_more_than_two_thirds() {
    assert_eq!(signing_threshold(3), 3);
    assert_eq!(signing_threshold(4), 3);
    assert_eq!(signing_threshold(5), 4);
    assert_eq!(signing_threshold(7), 5);
    assert_eq!(signing_threshold(10), 7);
}

#[test]
fn keygen_then_any_threshold_subset_signs_for_the_group_address() {
    let shares = keygen(&[A, B, C, D], 3);
    let address = shares[0].address();
    assert!(shares.iter().all(|s| s.address() == address && s.generation == 0));
    let digest = [7u8; 32];
    let sig = sign(&shares, &[A, B, C], digest).unwrap();
    assert_eq!(recover(&sig, &digest), address);
    assert!(sig.v == 27 || sig.v == 28);
    let sig = sign(&shares, &[B, C, D, A], [9u8; 32]).unwrap();
    assert_eq!(recover(&sig, &[9u8; 32]), address);
}

#[test]
fn share_round_trips_and_bad_documents_are_refused() {
    let shares = keygen(&[A, B, C], 2);
    let bytes = shares[1].to_bytes();
    let back = KeyShare::from_bytes(&bytes).unwrap();
    assert_eq!(back.to_bytes(), bytes);
    assert_eq!(back.key_id(), shares[1].key_id());
    assert!(!format!("{back:?}").contains("secret"), "Debug never prints the secret");
    assert!(matches!(KeyShare::from_bytes(b"{}"), Err(MpcError::InvalidShare(_))));
    let tampered = String::from_utf8(bytes).unwrap().replace("\"threshold\":2", "\"threshold\":9");
    assert!(matches!(KeyShare::from_bytes(tampered.as_bytes()), Err(MpcError::InvalidShare(_))));
}

#[test]
fn bad_parameters_are_refused_before_any_message() {
    assert!(matches!(Keygen::new(&[A, B, C], A, 4), Err(MpcError::BadParameters(_))));
    assert!(matches!(Keygen::new(&[A, A, C], A, 2), Err(MpcError::BadParameters(_))));
    assert!(matches!(Keygen::new(&[A, B, C], D, 2), Err(MpcError::BadParameters(_))));
    let shares = keygen(&[A, B, C, D], 3);
    // Fewer signers than the threshold, or a signer outside the set.
    assert!(matches!(Presign::new(share_of(&shares, A), &[A, B]), Err(MpcError::BadParameters(_))));
    assert!(matches!(Presign::new(share_of(&shares, A), &[A, B, E]), Err(MpcError::BadParameters(_))));
}

#[test]
fn malformed_and_foreign_messages_are_refused_and_the_protocol_survives() {
    let set = [A, B, C];
    let mut parties: Vec<_> = set.iter().map(|&p| (p, Keygen::new(&set, p, 2).unwrap())).collect();
    let first = parties[0].1.poke().unwrap();
    assert!(!first.is_empty());
    let victim = &mut parties[1].1;
    assert!(matches!(victim.message(A, b"garbage"), Err(MpcError::MalformedMessage { from: A, .. })));
    let mut framed = vec![0u8; 28];
    framed.extend_from_slice(&[0xc1]); // 0xc1 is never valid MessagePack
    assert!(matches!(victim.message(A, &framed), Err(MpcError::MalformedMessage { .. })));
    assert!(matches!(victim.message(E, &[0u8; 40]), Err(MpcError::MalformedMessage { from: E, .. })));
    // The same checks are available without touching the protocol (for hosts that poke on another thread).
    let inbound = victim.inbound();
    assert!(inbound.check(A, b"garbage").is_err());
    assert!(inbound.check(E, &[0u8; 40]).is_err());
    let seq_mpc::Outgoing::All(good) = first[0].clone() else { panic!("keygen starts with a broadcast") };
    assert!(inbound.check(A, &good).is_ok());
    // The refused input left no trace: the honest run still completes.
    let parties = set.iter().map(|&p| (p, Keygen::new(&set, p, 2).unwrap())).collect();
    assert_eq!(net::run(parties).unwrap().len(), 3);
}

#[test]
fn a_tampered_protocol_message_makes_signing_fail_not_produce_a_bad_signature() {
    let shares = keygen(&[A, B, C], 2);
    let signers = [A, B];
    let presigns = signers.iter().map(|&p| (p, Presign::new(share_of(&shares, p), &signers).unwrap())).collect();
    let presigs = net::run(presigns).unwrap();
    let mut signs: Vec<_> = presigs.into_iter().map(|(p, presig)| (p, Sign::new(&share_of(&shares, p), presig, &signers, [1u8; 32]).unwrap())).collect();
    let out_a = signs[0].1.poke().unwrap();
    let _ = signs[1].1.poke().unwrap();
    let seq_mpc::Outgoing::All(mut data) = out_a[0].clone() else { panic!("sign broadcasts") };
    let last = data.len() - 1;
    data[last] ^= 1; // a different scalar, still well-formed
    signs[1].1.message(A, &data).unwrap();
    assert!(matches!(signs[1].1.poke(), Err(MpcError::Protocol(_))));
}

#[test]
fn reshare_on_join_and_exit_keeps_the_address_and_retires_old_shares() {
    let g0 = keygen(&[A, B, C, D], 3);
    let address = g0[0].address();

    // Join: E enters, t = floor(2*5/3)+1 = 4.
    let joined = [A, B, C, D, E];
    let t1 = signing_threshold(5);
    let pk = g0[0].public_key;
    let parties = joined
        .iter()
        .map(|&p| {
            let basis = if p == E {
                ReshareBasis::Joiner { old_participants: vec![A, B, C, D], old_threshold: 3, public_key: pk, generation: 0 }
            } else {
                ReshareBasis::Holder(share_of(&g0, p))
            };
            (p, Reshare::new(&joined, t1, p, basis).unwrap())
        })
        .collect();
    let g1: Vec<KeyShare> = net::run(parties).unwrap().into_iter().map(|(_, s)| s).collect();
    assert!(g1.iter().all(|s| s.address() == address && s.generation == 1 && s.threshold == 4));
    let sig = sign(&g1, &[B, C, D, E], [2u8; 32]).unwrap();
    assert_eq!(recover(&sig, &[2u8; 32]), address);

    // Exit: A leaves; the remaining four reshare among themselves, t = 3.
    let left = [B, C, D, E];
    let parties = left.iter().map(|&p| (p, Reshare::new(&left, signing_threshold(4), p, ReshareBasis::Holder(share_of(&g1, p))).unwrap())).collect();
    let g2: Vec<KeyShare> = net::run(parties).unwrap().into_iter().map(|(_, s)| s).collect();
    assert!(g2.iter().all(|s| s.address() == address && s.generation == 2));
    let sig = sign(&g2, &[C, D, E], [3u8; 32]).unwrap();
    assert_eq!(recover(&sig, &[3u8; 32]), address);

    // A's old share cannot help: the new holders refuse a signing set with A in it...
    let a_old = share_of(&g0, A); // same threshold (3) as the new generation, so only the key material differs
    assert!(matches!(Presign::new(share_of(&g2, B), &[A, B, C]), Err(MpcError::BadParameters(_))));
    // ...and even holders tricked into accepting A (set metadata forged) fail cryptographically.
    let forge = |s: KeyShare| {
        let doc = String::from_utf8(s.to_bytes()).unwrap();
        let forged = doc.replacen(&format!("\"participants\":[{B},"), &format!("\"participants\":[{A},{B},"), 1);
        KeyShare::from_bytes(forged.as_bytes()).unwrap()
    };
    let mixed = vec![a_old, forge(share_of(&g2, B)), forge(share_of(&g2, C))];
    let presigns = [A, B, C].iter().map(|&p| (p, Presign::new(share_of(&mixed, p), &[A, B, C]).unwrap())).collect();
    let result = net::run(presigns).and_then(|presigs| {
        let signs = presigs.into_iter().map(|(p, presig)| (p, Sign::new(&share_of(&mixed, p), presig, &[A, B, C], [4u8; 32]).unwrap())).collect();
        net::run(signs)
    });
    assert!(matches!(result, Err(MpcError::Protocol(_))), "mixing generations must fail");
}

#[test]
fn presignatures_are_bound_to_their_key_generation_and_set() {
    let shares = keygen(&[A, B, C, D], 3);
    let signers = [A, B, C];
    let presigns = signers.iter().map(|&p| (p, Presign::new(share_of(&shares, p), &signers).unwrap())).collect();
    let mut presigs = net::run(presigns).unwrap();
    let (_, presig_a) = presigs.remove(0);
    assert!(matches!(Sign::new(&share_of(&shares, A), presig_a, &[A, B, C, D], [0u8; 32]), Err(MpcError::BadParameters(_))));
    let other = keygen(&[A, B, C, D], 3);
    let (_, presig_b) = presigs.remove(0);
    assert!(matches!(Sign::new(&share_of(&other, B), presig_b, &signers, [0u8; 32]), Err(MpcError::BadParameters(_))));
}

#[test]
fn node_keys_sign_and_recover_ethereum_style() {
    let secret = [0x42u8; 32];
    let address = node_key::address_of_secret(&secret).unwrap();
    let sig = node_key::sign_message(&secret, b"envelope").unwrap();
    assert_eq!(node_key::recover_signer(b"envelope", &sig).unwrap(), address);
    assert_ne!(node_key::recover_signer(b"envelope!", &sig).ok(), Some(address));
    let mut bad_v = sig;
    bad_v[64] = 1;
    assert!(node_key::recover_signer(b"envelope", &bad_v).is_err());
    assert!(node_key::recover_signer(b"envelope", &sig[..64]).is_err());
    assert!(node_key::sign_message(&[0u8; 32], b"x").is_err());
}
