// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ILockingPool
/// @notice The L2's sequencer registry on L1: stake in METIS, the whitelist, the MPC address, rewards and slashing.
/// @dev Call names follow Metis's LockingPool where the meaning is the same (lockFor, relock, unlock, unlockClaim,
/// updateSigner, withdrawRewards, setWhitelist, updateMpc, setPause...), so Metis operators feel at home.
/// Status machine of a sequencer:
///   Unavailable -> Active (lockFor) -> Unlocking (unlock, forceUnlock) -> Unlocked (unlockClaim after the delay)
///   Active | Unlocking -> Slashed (slash; the rest of the stake stays locked for the exit delay) -> Unlocked
interface ILockingPool {
    enum Status {
        Unavailable,
        Active,
        Unlocking,
        Unlocked,
        Slashed
    }

    struct Sequencer {
        /// Locked stake (METIS wei); zero once claimed.
        uint256 amount;
        /// Accrued rewards not yet withdrawn.
        uint256 reward;
        address owner;
        Status status;
        /// Earliest time of unlockClaim; set by unlock, forceUnlock and slash.
        uint64 unlockClaimTime;
        /// Current signer key (the sequencer's secp256k1 identity in consensus and MPC).
        address signer;
        uint64 signerUpdatedAt;
        /// Where rewards go; zero means the owner.
        address rewardRecipient;
    }

    /// One row of the validator set as the consensus layer reads it.
    struct ActiveSequencer {
        uint256 id;
        address signer;
        address owner;
        uint256 amount;
    }

    // ---------------------------------------------------------------- events: sequencers
    event Locked(uint256 indexed sequencerId, address indexed owner, address indexed signer, uint256 amount, bytes signerPubkey);
    event Relocked(uint256 indexed sequencerId, uint256 amount, uint256 lockedReward, uint256 total);
    event UnlockInit(uint256 indexed sequencerId, address indexed owner, uint256 amount, uint256 unlockClaimTime, bool forced);
    event Unlocked(uint256 indexed sequencerId, address indexed owner, uint256 amount);
    event Withdrawn(uint256 indexed sequencerId, address indexed owner, uint256 amount, uint256 total, uint256 claimTime);
    event WithdrawalClaimed(uint256 indexed sequencerId, address indexed owner, uint256 amount);
    event SignerChanged(uint256 indexed sequencerId, address indexed oldSigner, address indexed newSigner, bytes signerPubkey);
    event RewardRecipientChanged(uint256 indexed sequencerId, address indexed recipient);
    event SequencerOwnerChanged(uint256 indexed sequencerId, address indexed oldOwner, address indexed newOwner);
    event Slashed(uint256 indexed sequencerId, bytes32 indexed evidenceHash, uint256 amount, uint256 remainingStake, address recipient);

    // ---------------------------------------------------------------- events: rewards
    event RewardsFunded(address indexed funder, uint256 amount);
    event RewardsSubmitted(uint256 indexed rewardBatchId, uint256 startEpoch, uint256 endEpoch, uint256 totalBlocks, uint256 totalReward);
    event RewardAccrued(uint256 indexed sequencerId, uint256 indexed rewardBatchId, uint256 blocks, uint256 amount);
    event RewardsClaimed(uint256 indexed sequencerId, address indexed recipient, uint256 amount);

    // ---------------------------------------------------------------- events: governance and MPC
    event MpcUpdated(address indexed oldMpc, address indexed newMpc, uint256 nonce);
    event WhitelistChanged(address indexed account, bool allowed);
    event MinLockUpdated(uint256 oldValue, uint256 newValue);
    event MaxLockUpdated(uint256 oldValue, uint256 newValue);
    event ExitDelayUpdated(uint256 oldValue, uint256 newValue);
    /// The floor under the exit delay, fixed at deployment.
    event ExitDelayFloorSet(uint256 minExitDelay);
    event BlockRewardUpdated(uint256 oldValue, uint256 newValue);
    event SignerUpdateThrottleUpdated(uint256 oldValue, uint256 newValue);
    event SlashRecipientUpdated(address indexed oldRecipient, address indexed newRecipient);
    /// An MPC-signed parameter update (a value voted on the consensus layer) consumed this nonce.
    event ParamsNonceUsed(uint256 nonce);

    // ---------------------------------------------------------------- errors
    error ZeroAddress();
    error ZeroAmount();
    error NotWhitelisted(address account);
    error OwnerHasSequencer(address owner, uint256 sequencerId);
    error InvalidPubkeyLength(uint256 length);
    error PubkeyMismatch(address signer, address pubkeySigner);
    error SignerAlreadyUsed(address signer);
    error BelowMinLock(uint256 amount, uint256 minLock);
    error AboveMaxLock(uint256 amount, uint256 maxLock);
    error UnknownSequencer(uint256 sequencerId);
    error NoSequencerForSigner(address signer);
    error NoSequencerForOwner(address owner);
    error NotSequencerOwner(uint256 sequencerId, address caller);
    error InvalidStatus(uint256 sequencerId, Status status);
    error UnlockNotReady(uint256 sequencerId, uint256 unlockClaimTime);
    error NoPendingWithdrawal(uint256 sequencerId);
    error WithdrawalNotReady(uint256 sequencerId, uint256 claimTime);
    error SignerUpdateThrottled(uint256 sequencerId, uint256 nextUpdateTime);
    error NoRewards(uint256 sequencerId);
    error NothingToSlash(uint256 sequencerId);
    error InvalidLockBounds(uint256 minLock, uint256 maxLock);
    error ExitDelayTooLong(uint256 delay, uint256 maxDelay);
    error ExitDelayTooShort(uint256 delay, uint256 minDelay);
    error MpcNotSet();
    error MpcAlreadySet(address mpc);
    error NotMpc(address caller);
    error InvalidMpcSignature(address recovered, address mpc);
    error InvalidRewardBatchId(uint256 expected, uint256 rewardBatchId);
    error NonContiguousEpochs(uint256 expectedStartEpoch, uint256 startEpoch);
    error InvalidEpochRange(uint256 startEpoch, uint256 endEpoch);
    error LengthMismatch(uint256 sequencerIds, uint256 blockCounts);
    error InsufficientRewardReserve(uint256 needed, uint256 available);
    error EvidenceAlreadyUsed(bytes32 evidenceHash);
    error InvalidParamsNonce(uint256 expected, uint256 nonce);

    // ---------------------------------------------------------------- operator calls

    /// @notice Registers the caller as the owner of a new sequencer and locks `amount` METIS as its stake.
    /// @dev The caller must be whitelisted, own no live sequencer, and have approved `amount` to the pool.
    /// @param signer The sequencer's signer address; must equal the address of `signerPubkey` and never have been used.
    /// @param amount Stake in METIS wei, within [minLock, maxLock].
    /// @param signerPubkey The uncompressed secp256k1 public key of `signer`, 64 bytes (x || y, no 0x04 prefix).
    /// @return sequencerId The new sequencer's id (ids start at 1).
    function lockFor(address signer, uint256 amount, bytes calldata signerPubkey) external returns (uint256 sequencerId);

    /// @notice Adds stake to an active sequencer: `amount` from the caller, plus its accrued rewards if `lockReward`.
    /// @dev The total stake may never exceed maxLock.
    function relock(uint256 sequencerId, uint256 amount, bool lockReward) external;

    /// @notice Takes part of an active sequencer's stake out (Metis's `withdraw`): the stake, and so its voting power,
    /// drops at once; the tokens wait one exit delay as a pending withdrawal that stays slashable, then withdrawClaim.
    /// @dev The stake left must stay >= minLock (to leave entirely, unlock). A second withdrawal adds to the pending
    /// one and restarts its delay.
    function withdraw(uint256 sequencerId, uint256 amount) external;

    /// @notice Pays a pending withdrawal to the owner once its exit delay has passed.
    function withdrawClaim(uint256 sequencerId) external;

    /// @notice Leaves the active set and starts the exit delay; the stake stays slashable until unlockClaim.
    function unlock(uint256 sequencerId) external;

    /// @notice Returns the stake of an unlocking (or slashed) sequencer to its owner once the exit delay has passed.
    function unlockClaim(uint256 sequencerId) external;

    /// @notice Replaces the signer key of an active sequencer; the old signer can never be used again.
    /// @dev At most once per signerUpdateThrottle seconds.
    /// @param signerPubkey The new signer's 64-byte uncompressed public key; the signer address is derived from it.
    function updateSigner(uint256 sequencerId, bytes calldata signerPubkey) external;

    /// @notice Pays a sequencer's accrued rewards to its reward recipient (its owner unless set).
    function withdrawRewards(uint256 sequencerId) external;

    /// @notice Sets where a sequencer's rewards are paid.
    function setSequencerRewardRecipient(uint256 sequencerId, address recipient) external;

    /// @notice Hands a live sequencer to a new owner, who must be whitelisted and own no live sequencer.
    function setSequencerOwner(uint256 sequencerId, address newOwner) external;

    // ---------------------------------------------------------------- anyone

    /// @notice Adds `amount` METIS from the caller to the reward reserve that pays submitted rewards.
    function fundRewards(uint256 amount) external;

    /// @notice Accrues the rewards of one contiguous range of L2 epochs, as signed by the MPC address (EIP-712).
    /// @dev Anyone may relay. `rewardBatchId` is the previous one + 1 (first is 1); `startEpoch` follows the previous
    /// `endEpoch` (the first range starts at epoch 0). Each sequencer accrues blockCounts[i] x rewardPerBlock, taken
    /// from the reward reserve. Signed type:
    /// SubmitRewards(uint256 rewardBatchId,uint256 startEpoch,uint256 endEpoch,uint256[] sequencerIds,uint256[] blockCounts)
    function submitRewards(
        uint256 rewardBatchId,
        uint256 startEpoch,
        uint256 endEpoch,
        uint256[] calldata sequencerIds,
        uint256[] calldata blockCounts,
        bytes calldata signature
    ) external;

    /// @notice Slashes up to `amount` of a sequencer's stake on a misbehaviour report signed by the MPC address.
    /// @dev Anyone may relay. Each evidence hash slashes once. The sequencer leaves the active set, its status becomes
    /// Slashed and the rest of its stake stays locked for a fresh exit delay. The slashed METIS goes to slashRecipient.
    /// Signed type: Slash(uint256 sequencerId,bytes32 evidenceHash,uint256 amount)
    function slash(uint256 sequencerId, bytes32 evidenceHash, uint256 amount, bytes calldata signature) external;

    // ---------------------------------------------------------------- MPC

    /// @notice Replaces the MPC address; callable only by the current MPC address.
    function updateMpc(address newMpc) external;

    /// @notice Replaces the MPC address with an EIP-712 signature of the current MPC; anyone may relay.
    /// Signed type: UpdateMpc(address newMpc,uint256 nonce), with nonce = mpcNonce().
    function updateMpcWithSig(address newMpc, bytes calldata signature) external;

    /// @notice Sets the reward per L2 block to a value voted on the consensus layer, with an EIP-712 signature of
    /// the MPC; anyone may relay. Signed type: SetRewardPerBlock(uint256 rewardPerBlock,uint256 nonce), with
    /// nonce = paramsNonce(), so each update lands once and in the order the votes activated.
    function setRewardPerBlockWithSig(uint256 rewardPerBlock, uint256 nonce, bytes calldata signature) external;

    // ---------------------------------------------------------------- governance (owner)

    /// @notice Sets the first MPC address, once; afterwards only the MPC itself can change it.
    function setGenesisMpc(address mpc) external;
    /// @notice Allows or forbids `account` to lock as a sequencer owner.
    function setWhitelist(address account, bool allowed) external;
    /// @notice Sets the minimum stake of a new sequencer.
    function setMinLock(uint256 minLock) external;
    /// @notice Sets the maximum stake of a sequencer (existing stakes above it stay, but cannot grow).
    function setMaxLock(uint256 maxLock) external;
    /// @notice Sets the exit delay in seconds between unlock and unlockClaim (from minExitDelay to MAX_EXIT_DELAY).
    function updateWithdrawDelayTimeValue(uint256 delay) external;
    /// @notice Sets the reward per L2 block in METIS wei, applied to rewards submitted from now on.
    function updateBlockReward(uint256 rewardPerBlock) external;
    /// @notice Sets the minimum time in seconds between two signer updates of one sequencer.
    function setSignerUpdateThrottle(uint256 throttle) external;
    /// @notice Sets where slashed stake goes.
    function setSlashRecipient(address recipient) external;
    /// @notice Moves an active sequencer to Unlocking, as if its owner had called unlock.
    function forceUnlock(uint256 sequencerId) external;
    /// @notice Pauses locking, relocking, signer updates, claims, withdrawals, rewards and slashing.
    function setPause() external;
    /// @notice Lifts the pause.
    function setUnpause() external;

    // ---------------------------------------------------------------- views

    /// @notice The address whose EIP-712 signatures the pool and the BatchChain accept (zero before genesis).
    function mpcAddress() external view returns (address);
    /// @notice The sequencer with id `sequencerId`; reverts UnknownSequencer when there is none.
    function getSequencer(uint256 sequencerId) external view returns (Sequencer memory);
    /// @notice The sequencer whose current signer is `signer`.
    function getSequencerBySigner(address signer) external view returns (uint256 sequencerId, Sequencer memory);
    /// @notice The live (not yet claimed) sequencer owned by `owner`.
    function getSequencerByOwner(address owner) external view returns (uint256 sequencerId, Sequencer memory);
    /// @notice Every Active sequencer with its stake: the validator set of the consensus layer.
    function activeSequencers() external view returns (ActiveSequencer[] memory);
    /// @notice The number of Active sequencers.
    function activeSequencerCount() external view returns (uint256);
}
