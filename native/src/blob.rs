//! Binding for `seq-blob`: EIP-4844 sidecars (KZG commitments, proofs, versioned hashes) of batch-data blobs, and
//! blob proof verification for the verifier. Errors carry a stable `code`: `BlobSize`, `PointSize` or `Kzg`.
use napi::bindgen_prelude::{Buffer, Uint8ArraySlice};
use napi::Error;
use napi_derive::napi;
use seq_blob::BlobError;

type Result<T> = napi::Result<T, &'static str>;

/// One entry per blob, in order: 48-byte commitments and proofs, 0x-hex versioned hashes.
#[napi(object)]
pub struct BlobSidecar {
    pub commitments: Vec<Buffer>,
    pub proofs: Vec<Buffer>,
    pub versioned_hashes: Vec<String>,
}

/// The sidecar of `blobs` (each 131,072 bytes), computed with Ethereum's KZG trusted setup.
#[napi]
pub fn blob_sidecar(blobs: Vec<Uint8ArraySlice>) -> Result<BlobSidecar> {
    let slices: Vec<&[u8]> = blobs.iter().map(|blob| &blob[..]).collect();
    let car = seq_blob::sidecar(&slices).map_err(blob_error)?;
    Ok(BlobSidecar {
        commitments: car.commitments.iter().map(|c| Buffer::from(c.to_vec())).collect(),
        proofs: car.proofs.iter().map(|p| Buffer::from(p.to_vec())).collect(),
        versioned_hashes: car.versioned_hashes.iter().map(alloy_primitives::hex::encode_prefixed).collect(),
    })
}

/// EIP-4844 verify_blob_kzg_proof; false for a blob the commitment does not open to.
#[napi]
pub fn verify_blob_proof(blob: Uint8ArraySlice, commitment: Uint8ArraySlice, proof: Uint8ArraySlice) -> Result<bool> {
    seq_blob::verify(&blob, &commitment, &proof).map_err(blob_error)
}

fn blob_error(err: BlobError) -> Error<&'static str> {
    let code = match err {
        BlobError::BlobSize { .. } => "BlobSize",
        BlobError::PointSize(_) => "PointSize",
        BlobError::Kzg { .. } => "Kzg",
    };
    Error::new(code, err.to_string())
}
