// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title SequencerSet
/// @notice The L2 system contract that records who sequences which L2 blocks: a chain of epochs, each a contiguous
/// block range with one signer. The consensus layer decides the schedule; the MPC address (the sequencers' threshold
/// key) deploys this contract with its first L2 transaction and writes every later decision, in the order the
/// consensus layer made them, by L2 transactions the active sequencer includes.
/// @dev Modelled on Metis's MetisSequencerSet, with one difference of principle: this is a record of decisions already
/// final on the consensus layer, not a second authority. So the contract checks that the record stays well formed
/// (numbering, contiguity, the cut of a failover) but not the L2 height at which a call lands: a recommit made on a
/// failover is signed while the successor already produces the blocks it names. Invariants:
///  - epochs are numbered consecutively from `firstEpoch` and their block ranges are contiguous (an epoch cut to
///    nothing by a failover keeps an empty range, lastBlock = firstBlock - 1);
///  - at most one epoch is committed ahead of the current one; a recommit cuts the current epoch and replaces that
///    pending epoch, if any.
contract SequencerSet {
    struct Epoch {
        uint64 number;
        uint64 firstBlock;
        uint64 lastBlock;
        address signer;
    }

    /// The threshold key of the sequencers; the only writer, and the only one who can replace itself.
    address public mpcAddress;
    /// The number of the first epoch recorded here: the consensus layer's epoch when the MPC key first existed.
    uint64 public immutable firstEpoch;

    Epoch[] private _epochs;

    event EpochCommitted(uint64 indexed number, uint64 firstBlock, uint64 lastBlock, address indexed signer);
    event EpochCut(uint64 indexed number, uint64 oldLastBlock, uint64 newLastBlock);
    event EpochDiscarded(uint64 indexed number, address indexed signer);
    event MpcUpdated(address indexed oldMpc, address indexed newMpc);

    error ZeroAddress();
    error EmptyEpoch(uint64 firstBlock, uint64 lastBlock);
    error NotMpc(address caller);
    error EpochNumberMismatch(uint64 expected, uint64 actual);
    error EpochNotContiguous(uint64 expectedFirstBlock, uint64 firstBlock);
    error NotRecommittable(uint64 oldEpoch, uint64 latestEpoch);
    error InvalidRecommitBlock(uint64 firstBlock, uint64 minFirstBlock, uint64 maxFirstBlock);
    error UnknownEpoch(uint256 number);
    error NoEpochAtBlock(uint256 l2Block);

    modifier onlyMpc() {
        if (msg.sender != mpcAddress) revert NotMpc(msg.sender);
        _;
    }

    /// @param mpc The MPC address (the deployer, on L2).
    /// @param epoch The first recorded epoch: its number, block range and signer.
    constructor(address mpc, uint64 epoch, uint64 firstBlock, uint64 lastBlock, address signer) {
        if (mpc == address(0)) revert ZeroAddress();
        mpcAddress = mpc;
        firstEpoch = epoch;
        emit MpcUpdated(address(0), mpc);
        _append(epoch, firstBlock, lastBlock, signer);
    }

    /// @notice Commits the epoch after the latest one: `newEpoch` = latest + 1, starting right after it.
    function commitEpoch(uint64 newEpoch, uint64 firstBlock, uint64 lastBlock, address signer) external onlyMpc {
        Epoch storage latest = _epochs[_epochs.length - 1];
        if (newEpoch != latest.number + 1) revert EpochNumberMismatch(latest.number + 1, newEpoch);
        if (firstBlock != latest.lastBlock + 1) revert EpochNotContiguous(latest.lastBlock + 1, firstBlock);
        _append(newEpoch, firstBlock, lastBlock, signer);
    }

    /// @notice Failover: cuts epoch `oldEpoch` so that it ends at `firstBlock - 1` (possibly before its first block,
    /// when its sequencer left nothing safe), drops the epoch committed after it if any, and starts epoch
    /// `oldEpoch + 1` at `firstBlock` with `signer`.
    /// @dev `oldEpoch` is the latest epoch or, when the next one was already committed, the one before it.
    function recommitEpoch(uint64 oldEpoch, uint64 newEpoch, uint64 firstBlock, uint64 lastBlock, address signer)
        external
        onlyMpc
    {
        uint64 latestNumber = _epochs[_epochs.length - 1].number;
        if (oldEpoch > latestNumber || latestNumber - oldEpoch > 1 || oldEpoch < firstEpoch) {
            revert NotRecommittable(oldEpoch, latestNumber);
        }
        if (newEpoch != oldEpoch + 1) revert EpochNumberMismatch(oldEpoch + 1, newEpoch);
        Epoch storage old = _epochs[oldEpoch - firstEpoch];
        if (firstBlock < old.firstBlock || firstBlock > old.lastBlock + 1) {
            revert InvalidRecommitBlock(firstBlock, old.firstBlock, old.lastBlock + 1);
        }

        if (firstBlock <= old.lastBlock) {
            emit EpochCut(old.number, old.lastBlock, firstBlock - 1);
            old.lastBlock = firstBlock - 1;
        }
        if (latestNumber != oldEpoch) {
            Epoch storage pending = _epochs[_epochs.length - 1];
            emit EpochDiscarded(pending.number, pending.signer);
            _epochs.pop();
        }
        _append(newEpoch, firstBlock, lastBlock, signer);
    }

    /// @notice Replaces the MPC address; callable only by the MPC address itself.
    function updateMpc(address newMpc) external onlyMpc {
        if (newMpc == address(0)) revert ZeroAddress();
        emit MpcUpdated(mpcAddress, newMpc);
        mpcAddress = newMpc;
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

    /// @notice Epoch number `number`; reverts UnknownEpoch when it is not recorded here.
    function epochs(uint256 number) external view returns (Epoch memory) {
        if (number < firstEpoch || number - firstEpoch >= _epochs.length) revert UnknownEpoch(number);
        return _epochs[number - firstEpoch];
    }

    /// @notice The number of recorded epochs.
    function epochCount() external view returns (uint256) {
        return _epochs.length;
    }

    function _append(uint64 number, uint64 firstBlock, uint64 lastBlock, address signer) private {
        if (signer == address(0)) revert ZeroAddress();
        if (lastBlock < firstBlock) revert EmptyEpoch(firstBlock, lastBlock);
        _epochs.push(Epoch({number: number, firstBlock: firstBlock, lastBlock: lastBlock, signer: signer}));
        emit EpochCommitted(number, firstBlock, lastBlock, signer);
    }

    /// Ranges are contiguous and ascending (an empty epoch shares its predecessor's lastBlock), so the first epoch
    /// whose lastBlock >= l2Block holds it.
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
