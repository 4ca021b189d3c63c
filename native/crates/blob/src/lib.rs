//! EIP-4844 blob sidecars for the batcher and the verifier: the KZG commitment and proof of each blob (c-kzg with
//! Ethereum's mainnet trusted setup, embedded in the crate) and its versioned hash, 0x01 || sha256(commitment)[1..].
//! The blob layout itself (what bytes go where) is the host's (node/l1/blob-codec.ts); this crate only
//! refuses blobs that are not 131,072 bytes or hold a field element not below the BLS12-381 modulus.
use c_kzg::{ethereum_kzg_settings, Blob, Bytes48, KzgSettings};
use sha2::{Digest, Sha256};

pub const BYTES_PER_BLOB: usize = c_kzg::BYTES_PER_BLOB;
pub const BYTES_PER_COMMITMENT: usize = 48;
const VERSIONED_HASH_VERSION_KZG: u8 = 0x01;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("BlobSize: blob {index} is {size} bytes, not {BYTES_PER_BLOB}")]
    BlobSize { index: usize, size: usize },
    #[error("PointSize: a commitment or proof is {0} bytes, not 48")]
    PointSize(usize),
    #[error("Kzg: blob {index}: {message}")]
    Kzg { index: usize, message: String },
}

/// What a type-3 transaction carries beside its blobs, one entry per blob in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sidecar {
    pub commitments: Vec<[u8; 48]>,
    pub proofs: Vec<[u8; 48]>,
    pub versioned_hashes: Vec<[u8; 32]>,
}

fn settings() -> &'static KzgSettings {
    // Precompute 0: the smallest tables; a batch has a handful of blobs.
    ethereum_kzg_settings(0)
}

fn blob_of(index: usize, bytes: &[u8]) -> Result<Blob, BlobError> {
    Blob::from_bytes(bytes).map_err(|_| BlobError::BlobSize { index, size: bytes.len() })
}

fn point_of(bytes: &[u8]) -> Result<Bytes48, BlobError> {
    Bytes48::from_bytes(bytes).map_err(|_| BlobError::PointSize(bytes.len()))
}

/// Commitments, proofs and versioned hashes of `blobs`.
pub fn sidecar(blobs: &[&[u8]]) -> Result<Sidecar, BlobError> {
    let mut out = Sidecar { commitments: vec![], proofs: vec![], versioned_hashes: vec![] };
    for (index, bytes) in blobs.iter().enumerate() {
        let blob = blob_of(index, bytes)?;
        let kzg = |error: c_kzg::Error| BlobError::Kzg { index, message: format!("{error:?}") };
        let commitment = settings().blob_to_kzg_commitment(&blob).map_err(kzg)?.to_bytes();
        let proof = settings().compute_blob_kzg_proof(&blob, &commitment).map_err(kzg)?.to_bytes();
        let commitment: [u8; 48] = commitment.into_inner();
        out.versioned_hashes.push(versioned_hash(&commitment));
        out.commitments.push(commitment);
        out.proofs.push(proof.into_inner());
    }
    Ok(out)
}

/// EIP-4844 verify_blob_kzg_proof: whether `blob` is the one `commitment` commits to, as `proof` shows. A blob with
/// an out-of-range field element is not valid (false); only wrong sizes are errors.
pub fn verify(blob: &[u8], commitment: &[u8], proof: &[u8]) -> Result<bool, BlobError> {
    let blob = blob_of(0, blob)?;
    let (commitment, proof) = (point_of(commitment)?, point_of(proof)?);
    Ok(settings().verify_blob_kzg_proof(&blob, &commitment, &proof).unwrap_or(false))
}

/// 0x01 || sha256(commitment)[1..].
pub fn versioned_hash(commitment: &[u8; 48]) -> [u8; 32] {
    let mut hash: [u8; 32] = Sha256::digest(commitment).into();
    hash[0] = VERSIONED_HASH_VERSION_KZG;
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob_with(seed: u8) -> Vec<u8> {
        let mut blob = vec![0u8; BYTES_PER_BLOB];
        for (i, chunk) in blob.chunks_mut(32).enumerate() {
            chunk[1] = seed;
            chunk[31] = (i % 251) as u8;
        }
        blob
    }

    #[test]
    fn sidecar_proofs_verify_and_hashes_are_versioned() {
        let (a, b) = (blob_with(1), blob_with(2));
        let car = sidecar(&[&a, &b]).unwrap();
        assert_eq!(car.commitments.len(), 2);
        assert_ne!(car.commitments[0], car.commitments[1]);
        for (i, blob) in [&a, &b].into_iter().enumerate() {
            assert!(verify(blob, &car.commitments[i], &car.proofs[i]).unwrap());
            assert_eq!(car.versioned_hashes[i][0], 0x01);
            assert_eq!(car.versioned_hashes[i], versioned_hash(&car.commitments[i]));
        }
        // A blob against another blob's commitment does not verify.
        assert!(!verify(&a, &car.commitments[1], &car.proofs[1]).unwrap());
    }

    #[test]
    fn refuses_wrong_sizes_and_out_of_range_elements() {
        assert!(matches!(sidecar(&[&[0u8; 10]]), Err(BlobError::BlobSize { index: 0, size: 10 })));
        let mut bad = blob_with(3);
        bad[0] = 0xff; // the first field element is now above the BLS12-381 modulus
        assert!(matches!(sidecar(&[&bad]), Err(BlobError::Kzg { index: 0, .. })));
        let good = blob_with(3);
        assert!(matches!(verify(&good, &[0u8; 47], &[0u8; 48]), Err(BlobError::PointSize(47))));
    }
}
