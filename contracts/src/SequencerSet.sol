// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title SequencerSet
/// @notice The L2 system contract that records who sequences which L2 blocks: a chain of epochs, each a contiguous
/// block range with one signer. Only the MPC address writes it, by L2 transactions the active sequencer includes.
/// @dev Modelled on Metis's MetisSequencerSet. Invariants:
///  - epochs are numbered 0, 1, 2... and their block ranges are contiguous;
///  - an epoch never starts before the block that commits it, so the sequencer of a block never changes once that
///    block exists (history is immutable);
///  - at most one epoch is committed ahead of the current one; a recommit cuts the current epoch short and replaces
///    that pending epoch, if any.
contract SequencerSet {
    struct Epoch {
        uint64 number;
        uint64 firstBlock;
        uint64 lastBlock;
        address signer;
    }

    /// Blocks per epoch for commitEpoch and for the epoch a recommit starts; governance on the consensus layer
    /// changes it through the MPC (updateEpochLength), effective for epochs committed afterwards.
    uint64 public epochLength;
    /// The threshold key of the sequencers; the only writer, and the only one who can replace itself.
    address public mpcAddress;

    Epoch[] private _epochs;

    event EpochCommitted(uint64 indexed number, uint64 firstBlock, uint64 lastBlock, address indexed signer);
    event EpochCut(uint64 indexed number, uint64 oldLastBlock, uint64 newLastBlock);
    event EpochDiscarded(uint64 indexed number, address indexed signer);
    event MpcUpdated(address indexed oldMpc, address indexed newMpc);
    event EpochLengthUpdated(uint64 oldLength, uint64 newLength);

    error ZeroAddress();
    error ZeroEpochLength();
    error InvalidEpochEnd(uint64 expectedLastBlock, uint64 lastBlock);
    error NotMpc(address caller);
    error EpochNumberMismatch(uint64 expected, uint64 actual);
    error EpochNotContiguous(uint64 expectedFirstBlock, uint64 firstBlock);
    error EpochStartsInPast(uint64 firstBlock, uint256 currentBlock);
    error EpochAlreadyPending(uint64 pendingEpoch);
    error NotCurrentEpoch(uint64 currentEpoch, uint64 oldEpoch);
    error InvalidRecommitBlock(uint64 firstBlock, uint256 minFirstBlock, uint256 maxFirstBlock);
    error UnknownEpoch(uint256 number);
    error NoEpochAtBlock(uint256 l2Block);

    modifier onlyMpc() {
        if (msg.sender != mpcAddress) revert NotMpc(msg.sender);
        _;
    }

    /// @param mpc The MPC address.
    /// @param genesisSigner The sequencer of epoch 0.
    /// @param genesisFirstBlock The first block of epoch 0.
    /// @param epochLength_ Blocks per epoch (Metis mainnet: 1000).
    constructor(address mpc, address genesisSigner, uint64 genesisFirstBlock, uint64 epochLength_) {
        if (mpc == address(0) || genesisSigner == address(0)) revert ZeroAddress();
        if (epochLength_ == 0) revert ZeroEpochLength();
        epochLength = epochLength_;
        mpcAddress = mpc;
        emit MpcUpdated(address(0), mpc);
        _append(0, genesisFirstBlock, genesisSigner);
    }

    /// @notice Commits the epoch after the latest one: `newEpoch` = latest + 1, starting right after it, for exactly
    /// epochLength blocks. Allowed once the latest epoch has started (at most one epoch ahead), and never for an
    /// epoch that starts before the current block.
    function commitEpoch(uint64 newEpoch, uint64 firstBlock, uint64 lastBlock, address signer) external onlyMpc {
        Epoch storage latest = _epochs[_epochs.length - 1];
        if (newEpoch != latest.number + 1) revert EpochNumberMismatch(latest.number + 1, newEpoch);
        if (latest.firstBlock > block.number) revert EpochAlreadyPending(latest.number);
        if (firstBlock != latest.lastBlock + 1) revert EpochNotContiguous(latest.lastBlock + 1, firstBlock);
        if (firstBlock < block.number) revert EpochStartsInPast(firstBlock, block.number);
        _checkNewEpoch(firstBlock, lastBlock, signer);
        _append(newEpoch, firstBlock, signer);
    }

    /// @notice Failover: cuts the current epoch `oldEpoch` (the one containing this block) short so that it ends at
    /// `firstBlock - 1`, drops the pending epoch if one was committed, and starts epoch `oldEpoch + 1` at
    /// `firstBlock` for epochLength blocks with `signer`.
    /// @dev `firstBlock` lies in [max(block.number, old.firstBlock + 1), old.lastBlock + 1]: the new sequencer may
    /// include this call in its own first block; the old epoch keeps at least one block.
    function recommitEpoch(uint64 oldEpoch, uint64 newEpoch, uint64 firstBlock, uint64 lastBlock, address signer)
        external
        onlyMpc
    {
        (bool found, uint256 index) = _indexOf(block.number);
        if (!found) revert NoEpochAtBlock(block.number);
        Epoch storage current = _epochs[index];
        if (oldEpoch != current.number) revert NotCurrentEpoch(current.number, oldEpoch);
        if (newEpoch != oldEpoch + 1) revert EpochNumberMismatch(oldEpoch + 1, newEpoch);
        uint256 minFirst = block.number > current.firstBlock ? block.number : uint256(current.firstBlock) + 1;
        uint256 maxFirst = uint256(current.lastBlock) + 1;
        if (firstBlock < minFirst || firstBlock > maxFirst) revert InvalidRecommitBlock(firstBlock, minFirst, maxFirst);
        _checkNewEpoch(firstBlock, lastBlock, signer);

        if (firstBlock <= current.lastBlock) {
            emit EpochCut(current.number, current.lastBlock, firstBlock - 1);
            current.lastBlock = firstBlock - 1;
        }
        if (index + 1 < _epochs.length) {
            Epoch storage pending = _epochs[index + 1];
            emit EpochDiscarded(pending.number, pending.signer);
            _epochs.pop();
        }
        _append(newEpoch, firstBlock, signer);
    }

    /// @notice Replaces the MPC address; callable only by the MPC address itself.
    function updateMpc(address newMpc) external onlyMpc {
        if (newMpc == address(0)) revert ZeroAddress();
        emit MpcUpdated(mpcAddress, newMpc);
        mpcAddress = newMpc;
    }

    /// @notice Sets the length of epochs committed from now on (a passed governance proposal, relayed by the MPC);
    /// epochs already committed keep their bounds.
    function updateEpochLength(uint64 newLength) external onlyMpc {
        if (newLength == 0) revert ZeroEpochLength();
        emit EpochLengthUpdated(epochLength, newLength);
        epochLength = newLength;
    }

    /// @notice The signer of the epoch containing `l2Block` (Metis's getMetisSequencer).
    function getSequencer(uint64 l2Block) external view returns (address) {
        return getEpochByBlock(l2Block).signer;
    }

    /// @notice The epoch containing `l2Block` (binary search); reverts NoEpochAtBlock if none does.
    function getEpochByBlock(uint64 l2Block) public view returns (Epoch memory) {
        (bool found, uint256 index) = _indexOf(l2Block);
        if (!found) revert NoEpochAtBlock(l2Block);
        return _epochs[index];
    }

    /// @notice The epoch containing the current block.
    function currentEpoch() external view returns (Epoch memory) {
        return getEpochByBlock(uint64(block.number));
    }

    /// @notice The latest committed epoch, which may not have started yet.
    function latestEpoch() external view returns (Epoch memory) {
        return _epochs[_epochs.length - 1];
    }

    /// @notice Epoch number `number`; reverts UnknownEpoch when it was never committed.
    function epochs(uint256 number) external view returns (Epoch memory) {
        if (number >= _epochs.length) revert UnknownEpoch(number);
        return _epochs[number];
    }

    /// @notice The number of committed epochs (the latest epoch's number + 1).
    function epochCount() external view returns (uint256) {
        return _epochs.length;
    }

    function _checkNewEpoch(uint64 firstBlock, uint64 lastBlock, address signer) private view {
        if (signer == address(0)) revert ZeroAddress();
        uint64 expectedLast = firstBlock + epochLength - 1;
        if (lastBlock != expectedLast) revert InvalidEpochEnd(expectedLast, lastBlock);
    }

    function _append(uint64 number, uint64 firstBlock, address signer) private {
        uint64 lastBlock = firstBlock + epochLength - 1;
        _epochs.push(Epoch({number: number, firstBlock: firstBlock, lastBlock: lastBlock, signer: signer}));
        emit EpochCommitted(number, firstBlock, lastBlock, signer);
    }

    /// Epoch ranges are contiguous and ascending, so the first epoch whose lastBlock >= l2Block is the candidate.
    function _indexOf(uint256 l2Block) private view returns (bool found, uint256 index) {
        uint256 count = _epochs.length;
        if (l2Block < _epochs[0].firstBlock || l2Block > _epochs[count - 1].lastBlock) return (false, 0);
        uint256 low = 0;
        uint256 high = count - 1;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (_epochs[mid].lastBlock < l2Block) low = mid + 1;
            else high = mid;
        }
        return (true, low);
    }
}
