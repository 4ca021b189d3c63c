//! `cargo bench -p seq-merkle`: root of 1,000,000 leaves, parallel vs one thread. The side-by-side
//! comparison with @openzeppelin/merkle-tree lives in test/bench/merkle.bench.ts.
use std::time::Instant;

use alloy_primitives::{keccak256, B256};
use seq_merkle::root;

fn main() {
    let hashes: Vec<B256> = (0..1_000_000u64).map(|i| keccak256(i.to_be_bytes())).collect();
    let time = |label: &str| {
        let best = (0..5)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(root(&hashes).unwrap());
                start.elapsed()
            })
            .min()
            .unwrap();
        println!("{label}: root of {} leaves in {:.1} ms (best of 5)", hashes.len(), best.as_secs_f64() * 1e3);
        best
    };
    let parallel = time(&format!("{} threads", rayon::current_num_threads()));
    let single = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| time("1 thread"));
    println!("parallel speed-up: {:.2}x", single.as_secs_f64() / parallel.as_secs_f64());
}
