//! Binding for `seq-merkle`. Hashes cross as one packed `Uint8Array` (32 bytes per hash, the cheap
//! path for large batches) or as an array of 32-byte `Uint8Array`s / 0x-hex strings. Errors carry a
//! stable `code`: `InvalidHash`, `Empty` (no leaves) or `IndexOutOfRange`.
use napi::bindgen_prelude::{Either, Uint8ArraySlice};
use napi::Error;
use napi_derive::napi;
use seq_merkle::MerkleTree;
use seq_merkle::B256;

/// napi error whose JS `code` is one of the stable strings above.
type Result<T> = napi::Result<T, &'static str>;

type Hashes<'a> = Either<Uint8ArraySlice<'a>, Vec<Either<Uint8ArraySlice<'a>, String>>>;

/// Root (0x-hex) of OpenZeppelin's StandardMerkleTree over `bytes32` tx hashes in the given order: a
/// batch's `txRoot`. No hashes give bytes32(0), the project's root of a batch without transactions.
#[napi(ts_args_type = "txHashes: Uint8Array | Array<Uint8Array | string>")]
pub fn merkle_root(tx_hashes: Hashes) -> Result<String> {
    Ok(seq_merkle::tx_root(&parse_hashes(&tx_hashes)?).to_string())
}

/// Inclusion proof (0x-hex sibling hashes, leaf to root) for the transaction at `index`.
#[napi(ts_args_type = "txHashes: Uint8Array | Array<Uint8Array | string>, index: number")]
pub fn merkle_proof(tx_hashes: Hashes, index: u32) -> Result<Vec<String>> {
    let proof = build(tx_hashes)?.proof(index as usize).map_err(merkle_error)?;
    Ok(proof.iter().map(ToString::to_string).collect())
}

/// True when `proof` proves `txHash` under `root`; a malformed hash throws with code `InvalidHash`.
#[napi(ts_args_type = "root: Uint8Array | string, txHash: Uint8Array | string, proof: Array<Uint8Array | string>")]
pub fn merkle_verify(
    root: Either<Uint8ArraySlice, String>,
    tx_hash: Either<Uint8ArraySlice, String>,
    proof: Vec<Either<Uint8ArraySlice, String>>,
) -> Result<bool> {
    let proof = proof.iter().map(parse_hash).collect::<Result<Vec<_>>>()?;
    Ok(seq_merkle::verify(&parse_hash(&root)?, &parse_hash(&tx_hash)?, &proof))
}

/// The leaf (0x-hex) stored for a transaction hash: keccak256(keccak256(txHash)).
#[napi(ts_args_type = "txHash: Uint8Array | string")]
pub fn merkle_leaf(tx_hash: Either<Uint8ArraySlice, String>) -> Result<String> {
    Ok(seq_merkle::leaf(&parse_hash(&tx_hash)?).to_string())
}

/// A built tree, for proving many transactions of one batch without rebuilding it.
#[napi]
pub struct TxMerkleTree {
    tree: MerkleTree,
}

#[napi]
impl TxMerkleTree {
    #[napi(constructor, ts_args_type = "txHashes: Uint8Array | Array<Uint8Array | string>")]
    pub fn new(tx_hashes: Hashes) -> Result<Self> {
        Ok(Self { tree: build(tx_hashes)? })
    }

    #[napi(getter)]
    pub fn root(&self) -> String {
        self.tree.root().to_string()
    }

    #[napi(getter)]
    pub fn leaf_count(&self) -> u32 {
        self.tree.leaf_count() as u32
    }

    #[napi]
    pub fn proof(&self, index: u32) -> Result<Vec<String>> {
        let proof = self.tree.proof(index as usize).map_err(merkle_error)?;
        Ok(proof.iter().map(ToString::to_string).collect())
    }
}

fn build(tx_hashes: Hashes) -> Result<MerkleTree> {
    MerkleTree::from_tx_hashes(&parse_hashes(&tx_hashes)?).map_err(merkle_error)
}

fn parse_hashes(tx_hashes: &Hashes) -> Result<Vec<B256>> {
    Ok(match tx_hashes {
        Either::A(packed) => {
            if packed.len() % 32 != 0 {
                return Err(invalid(format!("packed tx hashes must be a multiple of 32 bytes, got {}", packed.len())));
            }
            packed.chunks_exact(32).map(B256::from_slice).collect()
        }
        Either::B(list) => list.iter().map(parse_hash).collect::<Result<Vec<_>>>()?,
    })
}

fn parse_hash(hash: &Either<Uint8ArraySlice, String>) -> Result<B256> {
    match hash {
        Either::A(bytes) if bytes.len() == 32 => Ok(B256::from_slice(bytes)),
        Either::A(bytes) => Err(invalid(format!("a tx hash is 32 bytes, got {}", bytes.len()))),
        Either::B(hex) => hex.parse::<B256>().map_err(|_| invalid(format!("a tx hash is 0x-prefixed hex of 32 bytes, got {hex:?}"))),
    }
}

fn merkle_error(err: seq_merkle::MerkleError) -> Error<&'static str> {
    Error::new(err.code(), err.to_string())
}

fn invalid(reason: String) -> Error<&'static str> {
    Error::new("InvalidHash", reason)
}
