//! Equality with `@openzeppelin/merkle-tree` (StandardMerkleTree, ['bytes32'], sortLeaves: false).
use alloy_primitives::{b256, keccak256, B256};
use seq_merkle::{hash_pair, leaf_hash, proof, root, tx_root, verify, MerkleError, MerkleTree};

fn tx_hashes(n: usize) -> Vec<B256> {
    (0..n).map(|i| keccak256(format!("tx{i}"))).collect()
}

/// Roots and last-leaf proofs printed by @openzeppelin/merkle-tree 1.0.8 for leaves keccak256("tx{i}").
#[test]
fn matches_openzeppelin_output() {
    let l0 = b256!("0x1cccd69b74b1805c82059d348f68e6cac96e583e96cb2b15ae480f7c8f764f70");
    let pair = b256!("0xb42b1d1c9065cf6c5255087e663d0b3ea96e1c4700af82b27dca7e958a8e354b");
    let cases: [(usize, B256, Vec<B256>); 5] = [
        (1, l0, vec![]),
        (2, pair, vec![l0]),
        (3, b256!("0x1ddf7a10c28ff51a4b2ba30cfd8b9d37be1aa8260cc5884d77bf66ee4c30ff8f"), vec![pair]),
        (
            5,
            b256!("0x598f6527fa331ec962c72474ce8b663e9b4e555a94dd7c72bbc160e32ec0252c"),
            vec![pair, b256!("0xdbf7d70c7466c15df92f0bb407c4e8b8c5b940d58ffe3d4b00c91916446ec4a9")],
        ),
        (
            7,
            b256!("0x14a157d2b95a4b00975b2086e93aa68c0184fd1e4bc6d82bcbbd009e31f63793"),
            vec![pair, b256!("0x5d7c36b8796dac6a9efe3f3d293f7e19465b168eb540f700c18cbdc2e50a1166")],
        ),
    ];
    for (n, expected_root, expected_proof) in cases {
        let hashes = tx_hashes(n);
        assert_eq!(root(&hashes).unwrap(), expected_root, "root of {n}");
        assert_eq!(proof(&hashes, n - 1).unwrap(), expected_proof, "proof of last leaf of {n}");
    }
}

/// The shared vector file test/vectors/merkle.json, generated with @openzeppelin/merkle-tree.
#[test]
fn matches_shared_vector_file() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../test/vectors/merkle.json");
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("skipped: {path} is not present");
        return;
    };
    let vectors: serde_json::Value = serde_json::from_str(&text).expect("merkle.json is JSON");
    let cases = vectors["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    let b = |v: &serde_json::Value| v.as_str().unwrap().parse::<B256>().unwrap();
    let list = |v: &serde_json::Value| v.as_array().unwrap().iter().map(b).collect::<Vec<B256>>();
    for case in cases {
        let hashes = list(&case["txHashes"]);
        let tree = MerkleTree::from_tx_hashes(&hashes).unwrap();
        assert_eq!(tree.root(), b(&case["root"]), "root of {} leaves", hashes.len());
        for (i, leaf) in list(&case["leaves"]).into_iter().enumerate() {
            assert_eq!(tree.leaf(i).unwrap(), leaf, "leaf {i} of {}", hashes.len());
        }
        let proofs = case["proofs"].as_array().unwrap();
        assert!(!proofs.is_empty());
        for p in proofs {
            let index = p["index"].as_u64().unwrap() as usize;
            assert_eq!(tree.proof(index).unwrap(), list(&p["proof"]), "proof {index} of {}", hashes.len());
        }
    }
}

/// Straight transcription of the layout: leaves reversed at the end, parents hashed from the back.
fn reference_root(hashes: &[B256]) -> B256 {
    let n = hashes.len();
    let mut tree = vec![B256::ZERO; 2 * n - 1];
    for (i, h) in hashes.iter().enumerate() {
        tree[2 * n - 2 - i] = leaf_hash(h);
    }
    for i in (0..n - 1).rev() {
        tree[i] = hash_pair(&tree[2 * i + 1], &tree[2 * i + 2]);
    }
    tree[0]
}

#[test]
fn parallel_levels_equal_the_sequential_layout() {
    // Sizes around powers of two and past the parallel threshold exercise every level split.
    for n in [1, 2, 3, 4, 5, 8, 9, 100, 2047, 2048, 2049, 4095, 4096, 4097, 10_001, 70_000] {
        let hashes = tx_hashes(n);
        assert_eq!(root(&hashes).unwrap(), reference_root(&hashes), "{n} leaves");
    }
}

#[test]
fn every_proof_verifies_and_tampering_fails() {
    for n in [1, 2, 3, 4, 5, 7, 8, 33, 100] {
        let hashes = tx_hashes(n);
        let tree = MerkleTree::from_tx_hashes(&hashes).unwrap();
        assert_eq!(tree.leaf_count(), n);
        for (i, h) in hashes.iter().enumerate() {
            let p = tree.proof(i).unwrap();
            assert_eq!(tree.leaf(i).unwrap(), leaf_hash(h));
            assert!(verify(&tree.root(), h, &p), "leaf {i} of {n}");
            assert!(!verify(&tree.root(), &keccak256(h), &p), "foreign hash must fail");
            if let Some((first, rest)) = p.split_first() {
                let mut bad = vec![keccak256(first)];
                bad.extend_from_slice(rest);
                assert!(!verify(&tree.root(), h, &bad), "tampered proof must fail");
            }
        }
    }
}

#[test]
fn leaf_is_double_keccak_and_pairs_are_sorted() {
    let h = keccak256("tx0");
    assert_eq!(leaf_hash(&h), keccak256(keccak256(h)));
    let (a, b) = (keccak256("a"), keccak256("b"));
    assert_eq!(hash_pair(&a, &b), hash_pair(&b, &a));
}

#[test]
fn empty_and_out_of_range_are_errors() {
    assert_eq!(root(&[]).unwrap_err(), MerkleError::Empty);
    assert_eq!(tx_root(&[]), B256::ZERO, "a batch without transactions commits to bytes32(0)");
    assert_eq!(tx_root(&tx_hashes(3)), root(&tx_hashes(3)).unwrap());
    let hashes = tx_hashes(3);
    let err = proof(&hashes, 3).unwrap_err();
    assert_eq!(err, MerkleError::IndexOutOfRange { index: 3, len: 3 });
    assert_eq!(err.code(), "IndexOutOfRange");
}
