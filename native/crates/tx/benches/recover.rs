//! `cargo bench -p seq-tx`: decode + sender recovery of 10,000 signed EIP-1559 transactions, all
//! threads vs one. The side-by-side comparison with ethers lives in test/bench/recover.bench.ts.
use std::time::Instant;

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Address, Bytes, Signature, TxKind, U256};
use k256::ecdsa::SigningKey;
use seq_tx::{decode_batch, DecodePolicy};

const CHAIN_ID: u64 = 59_902;

fn main() {
    let raws: Vec<Vec<u8>> = (0..10_000u64)
        .map(|i| {
            let key = SigningKey::from_slice(&(i + 1).to_be_bytes().repeat(4)).unwrap();
            let tx = TxEip1559 {
                chain_id: CHAIN_ID,
                nonce: i,
                gas_limit: 21_000,
                max_fee_per_gas: 2_000_000_000,
                max_priority_fee_per_gas: 1_000_000_000,
                to: TxKind::Call(Address::repeat_byte(0xaa)),
                value: U256::from(i),
                access_list: Default::default(),
                input: Bytes::new(),
            };
            let (sig, recid) = key.sign_prehash_recoverable(tx.signature_hash().as_slice()).unwrap();
            TxEnvelope::from(tx.into_signed(Signature::from((sig, recid)))).encoded_2718()
        })
        .collect();
    let policy = DecodePolicy::new(CHAIN_ID);
    let time = |label: &str| {
        let best = (0..5)
            .map(|_| {
                let start = Instant::now();
                let results = std::hint::black_box(decode_batch(&raws, &policy));
                assert!(results.iter().all(Result::is_ok));
                start.elapsed()
            })
            .min()
            .unwrap();
        let per_tx = best.as_secs_f64() * 1e6 / raws.len() as f64;
        println!("{label}: {} txs in {:.1} ms ({per_tx:.1} µs/tx, best of 5)", raws.len(), best.as_secs_f64() * 1e3);
        best
    };
    // Where the time goes, and why the secp256k1 backend: decode alone, then recovery with each curve
    // library, interleaved so machine noise hits both alike.
    let decoded: Vec<TxEnvelope> = raws.iter().map(|r| TxEnvelope::decode_2718_exact(r).unwrap()).collect();
    let per_tx = |start: Instant| start.elapsed().as_secs_f64() * 1e6 / raws.len() as f64;
    let start = Instant::now();
    for raw in &raws {
        std::hint::black_box(TxEnvelope::decode_2718_exact(raw).unwrap());
    }
    println!("decode only: {:.2} µs/tx", per_tx(start));
    for round in 0..3 {
        let start = Instant::now();
        for tx in &decoded {
            let vk = tx.signature().recover_from_prehash(&tx.signature_hash()).unwrap();
            std::hint::black_box(Address::from_public_key(&vk));
        }
        let k256 = per_tx(start);
        let start = Instant::now();
        for tx in &decoded {
            std::hint::black_box(tx.signature().recover_from_prehash_secp256k1(&tx.signature_hash()).unwrap());
        }
        let secp = per_tx(start);
        println!("round {round}: recover with k256 {k256:.1} µs/tx, with libsecp256k1 {secp:.1} µs/tx ({:.2}x)", k256 / secp);
    }
    let parallel = time(&format!("{} threads", rayon::current_num_threads()));
    let single = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| time("1 thread"));
    println!("parallel speed-up: {:.2}x", single.as_secs_f64() / parallel.as_secs_f64());
}
