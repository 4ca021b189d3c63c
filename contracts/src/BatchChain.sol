// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ILockingPool} from "./interfaces/ILockingPool.sol";

/// @title BatchChain
/// @notice The L2's batches on L1: a contiguous chain of L2 block ranges, each with its transaction Merkle root and
/// post-state root, accepted only with an EIP-712 signature by the MPC address registered in the LockingPool.
/// Anyone may relay a signed batch. A batch on this chain is final.
/// Every batch's data (the brotli-compressed blocks, node/batcher/batch-data.ts) is posted to L1 with it, so anyone can
/// rebuild the L2 from L1 alone (docs/architecture/l1-data.md): either in the appending transaction's calldata
/// (appendBatch; dataHash = keccak256(data)) or in its EIP-4844 blobs (appendBatchBlobs; dataHash =
/// keccak256(abi.encodePacked(the transaction's versioned hashes in order))). The MPC signs dataHash, so it signs
/// the blobs' versioned hashes as part of the batch.
/// @dev Transaction tree: OpenZeppelin's standard Merkle tree over the batch's transaction hashes in transaction
/// order (no leaf sorting); leaf = keccak256(bytes.concat(keccak256(abi.encode(txHash)))), inner node = keccak256
/// of the sorted pair. The contract has no owner: nothing but the MPC signature decides what is appended.
contract BatchChain is EIP712 {
    struct Batch {
        uint64 index;
        uint64 firstBlock;
        uint64 lastBlock;
        bytes32 txRoot;
        bytes32 stateRoot;
        bytes32 dataHash;
    }

    /// Where a batch's data lives on L1: the appending transaction's calldata or its blobs.
    enum DataMode {
        Calldata,
        Blobs
    }

    /// More blobs than any L1 fork allows in one transaction; bounds the blobhash scan.
    uint256 public constant MAX_BLOBS = 16;

    bytes32 public constant BATCH_TYPEHASH = keccak256(
        "Batch(uint64 index,uint64 firstBlock,uint64 lastBlock,bytes32 txRoot,bytes32 stateRoot,bytes32 dataHash)"
    );

    /// The registry whose mpcAddress() signs batches, read at every append so an MPC rotation applies at once.
    ILockingPool public immutable lockingPool;
    /// The first L2 block of batch 0 (block 0 is the L2 genesis and is never batched, so this is at least 1).
    uint64 public immutable firstL2Block;

    Batch[] private _batches;

    event BatchAppended(
        uint64 indexed index,
        uint64 firstBlock,
        uint64 lastBlock,
        bytes32 txRoot,
        bytes32 stateRoot,
        bytes32 dataHash,
        address indexed relayer
    );

    /// Where a deriver finds batch `index`'s data: the transaction that emitted this event, in `mode`; for blobs,
    /// their versioned hashes in order (what a beacon node's blob_sidecars are matched against).
    event BatchData(uint64 indexed index, DataMode mode, bytes32[] blobHashes);

    error ZeroAddress();
    error DataHashMismatch(bytes32 signed, bytes32 posted);
    /// Calldata mode needs the data in the transaction's own input (a deriver reads transactions, not traces).
    error CalldataNotTopLevel();
    error NoBlobs();
    error InvalidFirstL2Block();
    error BatchAlreadyAppended(uint64 index);
    error BatchIndexGap(uint256 expectedIndex, uint64 index);
    error BlockRangeGap(uint64 expectedFirstBlock, uint64 firstBlock);
    error BlockRangeOverlap(uint64 expectedFirstBlock, uint64 firstBlock);
    error InvalidBlockRange(uint64 firstBlock, uint64 lastBlock);
    error MpcNotSet();
    error InvalidMpcSignature(address recovered, address mpc);
    error UnknownBatch(uint256 index);
    error BlockNotBatched(uint64 l2Block);

    constructor(ILockingPool lockingPool_, uint64 firstL2Block_) EIP712("BatchChain", "1") {
        if (address(lockingPool_) == address(0)) revert ZeroAddress();
        if (firstL2Block_ == 0) revert InvalidFirstL2Block();
        lockingPool = lockingPool_;
        firstL2Block = firstL2Block_;
    }

    /// @notice Appends the next batch with its data in this transaction's calldata, signed by the MPC address over
    /// the EIP-712 type
    /// Batch(uint64 index,uint64 firstBlock,uint64 lastBlock,bytes32 txRoot,bytes32 stateRoot,bytes32 dataHash)
    /// in the domain {name: "BatchChain", version: "1", chainId, verifyingContract: this}.
    /// @dev `index` must equal batchCount(); `firstBlock` must equal nextFirstBlock(); `firstBlock <= lastBlock`;
    /// keccak256(data) must equal dataHash; the call must be the transaction itself (msg.sender == tx.origin).
    /// A second append of the same index reverts BatchAlreadyAppended, so relaying the same signature twice is harmless.
    /// @param b The batch header.
    /// @param signature The 65-byte (r, s, v) signature of the MPC address; high-s signatures are rejected.
    /// @param data The batch data (node/batcher/batch-data.ts).
    function appendBatch(Batch calldata b, bytes calldata signature, bytes calldata data) external {
        // solhint-disable-next-line avoid-tx-origin
        if (msg.sender != tx.origin) revert CalldataNotTopLevel();
        bytes32 posted = keccak256(data);
        if (posted != b.dataHash) revert DataHashMismatch(b.dataHash, posted);
        _append(b, signature);
        emit BatchData(b.index, DataMode.Calldata, new bytes32[](0));
    }

    /// @notice Appends the next batch with its data in this transaction's EIP-4844 blobs; as appendBatch, except
    /// that dataHash must equal keccak256(abi.encodePacked(blobhash(0), blobhash(1), ...)) over all of them.
    function appendBatchBlobs(Batch calldata b, bytes calldata signature) external {
        bytes32[] memory hashes = _blobHashes();
        if (hashes.length == 0) revert NoBlobs();
        bytes32 posted = keccak256(abi.encodePacked(hashes));
        if (posted != b.dataHash) revert DataHashMismatch(b.dataHash, posted);
        _append(b, signature);
        emit BatchData(b.index, DataMode.Blobs, hashes);
    }

    function _append(Batch calldata b, bytes calldata signature) private {
        uint256 count = _batches.length;
        if (b.index < count) revert BatchAlreadyAppended(b.index);
        if (b.index > count) revert BatchIndexGap(count, b.index);
        uint64 expectedFirst = count == 0 ? firstL2Block : _batches[count - 1].lastBlock + 1;
        if (b.firstBlock < expectedFirst) revert BlockRangeOverlap(expectedFirst, b.firstBlock);
        if (b.firstBlock > expectedFirst) revert BlockRangeGap(expectedFirst, b.firstBlock);
        if (b.lastBlock < b.firstBlock) revert InvalidBlockRange(b.firstBlock, b.lastBlock);

        address mpc = lockingPool.mpcAddress();
        if (mpc == address(0)) revert MpcNotSet();
        bytes32 structHash = keccak256(
            abi.encode(BATCH_TYPEHASH, b.index, b.firstBlock, b.lastBlock, b.txRoot, b.stateRoot, b.dataHash)
        );
        address recovered = ECDSA.recoverCalldata(_hashTypedDataV4(structHash), signature);
        if (recovered != mpc) revert InvalidMpcSignature(recovered, mpc);

        _batches.push(b);
        emit BatchAppended(b.index, b.firstBlock, b.lastBlock, b.txRoot, b.stateRoot, b.dataHash, msg.sender);
    }

    /// The versioned hashes of this transaction's blobs, in order (blobhash is zero past the last one).
    function _blobHashes() private view returns (bytes32[] memory hashes) {
        uint256 count = 0;
        while (count < MAX_BLOBS && blobhash(count) != bytes32(0)) count++;
        hashes = new bytes32[](count);
        for (uint256 i = 0; i < count; i++) {
            hashes[i] = blobhash(i);
        }
    }

    /// @notice Whether `txHash` is a transaction of batch `batchIndex`, given its Merkle proof (sibling hashes from
    /// the leaf up, as the OpenZeppelin merkle-tree library's getProof returns them). Reverts UnknownBatch for a missing batch.
    function verifyTransaction(uint256 batchIndex, bytes32 txHash, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        if (batchIndex >= _batches.length) revert UnknownBatch(batchIndex);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(txHash))));
        return MerkleProof.verifyCalldata(proof, _batches[batchIndex].txRoot, leaf);
    }

    /// @notice The number of appended batches, which is also the index of the next one.
    function batchCount() external view returns (uint256) {
        return _batches.length;
    }

    /// @notice The batch at `index`; reverts UnknownBatch when there is none.
    function batches(uint256 index) external view returns (Batch memory) {
        if (index >= _batches.length) revert UnknownBatch(index);
        return _batches[index];
    }

    /// @notice The last L2 block covered by a batch, or firstL2Block - 1 while there is none.
    function lastL2Block() public view returns (uint64) {
        uint256 count = _batches.length;
        return count == 0 ? firstL2Block - 1 : _batches[count - 1].lastBlock;
    }

    /// @notice The first L2 block the next batch must start at.
    function nextFirstBlock() external view returns (uint64) {
        return lastL2Block() + 1;
    }

    /// @notice The index of the batch that contains `l2Block` (binary search); reverts BlockNotBatched otherwise.
    function batchOfBlock(uint64 l2Block) external view returns (uint256) {
        uint256 count = _batches.length;
        if (count == 0 || l2Block < firstL2Block || l2Block > _batches[count - 1].lastBlock) {
            revert BlockNotBatched(l2Block);
        }
        // Ranges are contiguous and ascending: find the first batch whose lastBlock >= l2Block.
        uint256 low = 0;
        uint256 high = count - 1;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (_batches[mid].lastBlock < l2Block) low = mid + 1;
            else high = mid;
        }
        return low;
    }

    /// @notice The EIP-712 domain separator (name "BatchChain", version "1").
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }
}
