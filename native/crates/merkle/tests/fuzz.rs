//! Property tests over the transaction Merkle tree: any list of hashes and any claimed proof get an answer,
//! never a panic; every proof the tree gives verifies, and a proof for one leaf does not verify another.
use proptest::prelude::*;
use seq_merkle::{process_proof, proof, root, tx_root, verify, MerkleTree, B256};

fn hashes(max: usize) -> impl Strategy<Value = Vec<B256>> {
    proptest::collection::vec(any::<[u8; 32]>().prop_map(B256::from), 0..max)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_proof_verifies_against_the_root(txs in hashes(40), pick in any::<usize>()) {
        match root(&txs) {
            Err(_) => {
                prop_assert!(txs.is_empty());
                prop_assert_eq!(tx_root(&txs), B256::ZERO);
            }
            Ok(r) => {
                let index = pick % txs.len();
                let p = proof(&txs, index).unwrap();
                prop_assert!(verify(&r, &txs[index], &p));
                let other = !txs[index];
                prop_assert!(txs.contains(&other) || !verify(&r, &other, &p));
            }
        }
    }

    #[test]
    fn out_of_range_proofs_are_refused(txs in hashes(20), extra in 0usize..1000) {
        prop_assert!(proof(&txs, txs.len() + extra).is_err());
        if let Ok(tree) = MerkleTree::from_tx_hashes(&txs) {
            prop_assert!(tree.leaf(txs.len() + extra).is_err());
        }
    }

    #[test]
    fn arbitrary_claimed_proofs_get_an_answer(r in any::<[u8; 32]>(), leaf in any::<[u8; 32]>(), claimed in hashes(70)) {
        let _ = process_proof(B256::from(leaf), &claimed);
        let _ = verify(&B256::from(r), &B256::from(leaf), &claimed);
    }
}
