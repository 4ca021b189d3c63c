// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ILockingPool} from "./interfaces/ILockingPool.sol";
import {IdSet} from "./utils/IdSet.sol";
import {NonReentrant} from "./utils/NonReentrant.sol";

/// @title LockingPool
/// @notice Sequencers lock METIS here to join the L2's sequencer set. The owner is governance: it keeps the
/// whitelist and the economic parameters. Once deployed, the owner is a TimelockController (node/l1/deploy.ts), so
/// every owner call (pause, exit delay, genesis MPC...) is announced a full delay before it can run. Rewards and slashing are EIP-712 messages signed by the MPC address (a
/// threshold key held by more than 2/3 of the staked sequencers) and relayed by anyone.
/// @dev The token must be a plain ERC-20 (no fee on transfer, no rebasing), as METIS is. Accounting invariant:
/// token.balanceOf(this) >= totalLocked + totalRewardsOwed + rewardReserve.
contract LockingPool is ILockingPool, Ownable2Step, Pausable, NonReentrant, EIP712 {
    using SafeERC20 for IERC20;
    using IdSet for IdSet.Set;

    bytes32 public constant UPDATE_MPC_TYPEHASH = keccak256("UpdateMpc(address newMpc,uint256 nonce)");
    bytes32 public constant SUBMIT_REWARDS_TYPEHASH = keccak256(
        "SubmitRewards(uint256 rewardBatchId,uint256 startEpoch,uint256 endEpoch,uint256[] sequencerIds,uint256[] blockCounts)"
    );
    bytes32 public constant SLASH_TYPEHASH = keccak256("Slash(uint256 sequencerId,bytes32 evidenceHash,uint256 amount)");
    bytes32 public constant SET_REWARD_PER_BLOCK_TYPEHASH =
        keccak256("SetRewardPerBlock(uint256 rewardPerBlock,uint256 nonce)");

    /// Where slashed stake goes unless governance chooses a recipient: the conventional burn address.
    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;
    /// Bounds the exit delay so a governance typo cannot lock stakes away for good.
    uint256 public constant MAX_EXIT_DELAY = 365 days;

    /// The METIS token staked and paid as rewards.
    IERC20 public immutable token;
    /// The exit delay can never go below this, whoever owns the pool: evidence against a sequencer must have time
    /// to be proven and slashed before its stake leaves. Fixed at deployment.
    uint256 public immutable minExitDelay;

    uint256 public minLock = 20_000 ether;
    uint256 public maxLock = 100_000 ether;
    /// Seconds between unlock and unlockClaim (Metis's WITHDRAWAL_DELAY).
    uint256 public exitDelay = 21 days;
    /// METIS wei per L2 block (Metis's default: 0.000761 METIS).
    uint256 public rewardPerBlock = 0.000761 ether;
    uint256 public signerUpdateThrottle = 1 days;
    address public slashRecipient = BURN_ADDRESS;

    /// @inheritdoc ILockingPool
    address public mpcAddress;
    /// Counts MPC changes; the UpdateMpc signature must carry the current value, so no signature is replayable.
    uint256 public mpcNonce;
    /// Counts parameter updates voted on the consensus layer and signed by the MPC; each signature names the
    /// current value, so none can be replayed or applied out of order.
    uint256 public paramsNonce;

    uint256 public sequencerCount;
    uint256 public totalLocked;
    uint256 public totalActiveStake;
    uint256 public totalSlashed;
    /// Funded METIS not yet promised to any sequencer.
    uint256 public rewardReserve;
    /// Rewards accrued to sequencers and not yet withdrawn.
    uint256 public totalRewardsOwed;
    uint256 public lastRewardBatchId;
    uint256 public nextRewardEpoch;

    mapping(uint256 sequencerId => Sequencer) private _sequencers;
    /// The sequencer whose current signer is this address.
    mapping(address signer => uint256 sequencerId) public sequencerIdBySigner;
    /// The live sequencer of an owner; cleared when its stake is claimed.
    mapping(address owner => uint256 sequencerId) public sequencerIdByOwner;
    /// Signers are single-use: a replaced or exited signer key can never identify another sequencer.
    mapping(address signer => bool) public signerUsed;
    mapping(address account => bool) public whitelist;
    mapping(bytes32 evidenceHash => bool) public evidenceUsed;
    /// Stake taken out by withdraw(), waiting for its claim time; still slashable.
    mapping(uint256 sequencerId => PendingWithdrawal) public pendingWithdrawals;

    struct PendingWithdrawal {
        uint256 amount;
        uint64 claimTime;
    }
    /// The Active sequencers: the validator set.
    IdSet.Set private _active;

    constructor(IERC20 token_, address initialOwner, uint256 minExitDelay_)
        Ownable(initialOwner)
        EIP712("LockingPool", "1")
    {
        if (address(token_) == address(0)) revert ZeroAddress();
        if (minExitDelay_ > exitDelay) revert ExitDelayTooShort(exitDelay, minExitDelay_);
        token = token_;
        minExitDelay = minExitDelay_;
        emit ExitDelayFloorSet(minExitDelay_);
        // The defaults are logged too, so the full parameter history can be read from events alone.
        emit MinLockUpdated(0, minLock);
        emit MaxLockUpdated(0, maxLock);
        emit ExitDelayUpdated(0, exitDelay);
        emit BlockRewardUpdated(0, rewardPerBlock);
        emit SignerUpdateThrottleUpdated(0, signerUpdateThrottle);
        emit SlashRecipientUpdated(address(0), slashRecipient);
    }

    // ================================================================ operator calls

    /// @inheritdoc ILockingPool
    function lockFor(address signer, uint256 amount, bytes calldata signerPubkey)
        external
        whenNotPaused
        nonReentrant
        returns (uint256 sequencerId)
    {
        address owner_ = msg.sender;
        if (!whitelist[owner_]) revert NotWhitelisted(owner_);
        uint256 existing = sequencerIdByOwner[owner_];
        if (existing != 0) revert OwnerHasSequencer(owner_, existing);
        _checkNewSigner(signer, signerPubkey);
        if (amount < minLock) revert BelowMinLock(amount, minLock);
        if (amount > maxLock) revert AboveMaxLock(amount, maxLock);

        sequencerId = ++sequencerCount;
        Sequencer storage seq = _sequencers[sequencerId];
        seq.amount = amount;
        seq.owner = owner_;
        seq.status = Status.Active;
        seq.signer = signer;
        seq.signerUpdatedAt = uint64(block.timestamp);
        sequencerIdByOwner[owner_] = sequencerId;
        sequencerIdBySigner[signer] = sequencerId;
        signerUsed[signer] = true;
        _active.add(sequencerId);
        totalLocked += amount;
        totalActiveStake += amount;
        emit Locked(sequencerId, owner_, signer, amount, signerPubkey);

        token.safeTransferFrom(owner_, address(this), amount);
    }

    /// @inheritdoc ILockingPool
    function relock(uint256 sequencerId, uint256 amount, bool lockReward) external whenNotPaused nonReentrant {
        Sequencer storage seq = _ownedSequencer(sequencerId);
        _requireStatus(sequencerId, seq, Status.Active);
        uint256 fromReward = lockReward ? seq.reward : 0;
        uint256 added = amount + fromReward;
        if (added == 0) revert ZeroAmount();
        uint256 total = seq.amount + added;
        if (total > maxLock) revert AboveMaxLock(total, maxLock);

        seq.amount = total;
        if (fromReward != 0) {
            seq.reward = 0;
            totalRewardsOwed -= fromReward;
        }
        totalLocked += added;
        totalActiveStake += added;
        emit Relocked(sequencerId, amount, fromReward, total);

        if (amount != 0) token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc ILockingPool
    function withdraw(uint256 sequencerId, uint256 amount) external whenNotPaused {
        Sequencer storage seq = _ownedSequencer(sequencerId);
        _requireStatus(sequencerId, seq, Status.Active);
        if (amount == 0) revert ZeroAmount();
        uint256 stake = seq.amount;
        uint256 remaining = amount < stake ? stake - amount : 0;
        if (remaining < minLock) revert BelowMinLock(remaining, minLock);

        seq.amount = remaining;
        totalActiveStake -= amount;
        PendingWithdrawal storage pending = pendingWithdrawals[sequencerId];
        pending.amount += amount;
        pending.claimTime = uint64(block.timestamp + exitDelay);
        emit Withdrawn(sequencerId, seq.owner, amount, remaining, pending.claimTime);
    }

    /// @inheritdoc ILockingPool
    function withdrawClaim(uint256 sequencerId) external whenNotPaused nonReentrant {
        Sequencer storage seq = _ownedSequencer(sequencerId);
        PendingWithdrawal storage pending = pendingWithdrawals[sequencerId];
        uint256 amount = pending.amount;
        if (amount == 0) revert NoPendingWithdrawal(sequencerId);
        if (block.timestamp < pending.claimTime) revert WithdrawalNotReady(sequencerId, pending.claimTime);

        delete pendingWithdrawals[sequencerId];
        totalLocked -= amount;
        emit WithdrawalClaimed(sequencerId, seq.owner, amount);

        token.safeTransfer(seq.owner, amount);
    }

    /// @inheritdoc ILockingPool
    function unlock(uint256 sequencerId) external {
        Sequencer storage seq = _ownedSequencer(sequencerId);
        _startExit(sequencerId, seq, false);
    }

    /// @inheritdoc ILockingPool
    function unlockClaim(uint256 sequencerId) external whenNotPaused nonReentrant {
        Sequencer storage seq = _ownedSequencer(sequencerId);
        Status status = seq.status;
        if (status != Status.Unlocking && status != Status.Slashed) revert InvalidStatus(sequencerId, status);
        if (block.timestamp < seq.unlockClaimTime) revert UnlockNotReady(sequencerId, seq.unlockClaimTime);

        uint256 amount = seq.amount;
        address owner_ = seq.owner;
        seq.amount = 0;
        seq.status = Status.Unlocked;
        delete sequencerIdByOwner[owner_];
        totalLocked -= amount;
        emit Unlocked(sequencerId, owner_, amount);

        if (amount != 0) token.safeTransfer(owner_, amount);
    }

    /// @inheritdoc ILockingPool
    function updateSigner(uint256 sequencerId, bytes calldata signerPubkey) external whenNotPaused {
        Sequencer storage seq = _ownedSequencer(sequencerId);
        _requireStatus(sequencerId, seq, Status.Active);
        uint256 nextUpdate = uint256(seq.signerUpdatedAt) + signerUpdateThrottle;
        if (block.timestamp < nextUpdate) revert SignerUpdateThrottled(sequencerId, nextUpdate);
        address newSigner = _pubkeyToAddress(signerPubkey);
        _checkNewSigner(newSigner, signerPubkey);

        address oldSigner = seq.signer;
        seq.signer = newSigner;
        seq.signerUpdatedAt = uint64(block.timestamp);
        delete sequencerIdBySigner[oldSigner];
        sequencerIdBySigner[newSigner] = sequencerId;
        signerUsed[newSigner] = true;
        emit SignerChanged(sequencerId, oldSigner, newSigner, signerPubkey);
    }

    /// @inheritdoc ILockingPool
    function withdrawRewards(uint256 sequencerId) external whenNotPaused nonReentrant {
        Sequencer storage seq = _ownedSequencer(sequencerId);
        uint256 amount = seq.reward;
        if (amount == 0) revert NoRewards(sequencerId);
        address recipient = seq.rewardRecipient == address(0) ? seq.owner : seq.rewardRecipient;
        seq.reward = 0;
        totalRewardsOwed -= amount;
        emit RewardsClaimed(sequencerId, recipient, amount);

        token.safeTransfer(recipient, amount);
    }

    /// @inheritdoc ILockingPool
    function setSequencerRewardRecipient(uint256 sequencerId, address recipient) external {
        Sequencer storage seq = _ownedSequencer(sequencerId);
        if (recipient == address(0)) revert ZeroAddress();
        seq.rewardRecipient = recipient;
        emit RewardRecipientChanged(sequencerId, recipient);
    }

    /// @inheritdoc ILockingPool
    function setSequencerOwner(uint256 sequencerId, address newOwner) external {
        Sequencer storage seq = _ownedSequencer(sequencerId);
        if (seq.status == Status.Unlocked) revert InvalidStatus(sequencerId, Status.Unlocked);
        if (newOwner == address(0)) revert ZeroAddress();
        if (!whitelist[newOwner]) revert NotWhitelisted(newOwner);
        uint256 existing = sequencerIdByOwner[newOwner];
        if (existing != 0) revert OwnerHasSequencer(newOwner, existing);

        address oldOwner = seq.owner;
        seq.owner = newOwner;
        delete sequencerIdByOwner[oldOwner];
        sequencerIdByOwner[newOwner] = sequencerId;
        emit SequencerOwnerChanged(sequencerId, oldOwner, newOwner);
    }

    // ================================================================ anyone (MPC-signed)

    /// @inheritdoc ILockingPool
    function fundRewards(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        rewardReserve += amount;
        emit RewardsFunded(msg.sender, amount);

        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc ILockingPool
    function submitRewards(
        uint256 rewardBatchId,
        uint256 startEpoch,
        uint256 endEpoch,
        uint256[] calldata sequencerIds,
        uint256[] calldata blockCounts,
        bytes calldata signature
    ) external whenNotPaused {
        if (rewardBatchId != lastRewardBatchId + 1) revert InvalidRewardBatchId(lastRewardBatchId + 1, rewardBatchId);
        if (startEpoch != nextRewardEpoch) revert NonContiguousEpochs(nextRewardEpoch, startEpoch);
        if (endEpoch < startEpoch) revert InvalidEpochRange(startEpoch, endEpoch);
        if (sequencerIds.length != blockCounts.length) revert LengthMismatch(sequencerIds.length, blockCounts.length);
        bytes32 structHash = keccak256(
            abi.encode(
                SUBMIT_REWARDS_TYPEHASH,
                rewardBatchId,
                startEpoch,
                endEpoch,
                keccak256(abi.encodePacked(sequencerIds)),
                keccak256(abi.encodePacked(blockCounts))
            )
        );
        _requireMpcSignature(structHash, signature);

        uint256 perBlock = rewardPerBlock;
        uint256 count = sequencerCount;
        uint256 totalBlocks;
        // Bounded by the signed calldata: the MPC signs one entry per sequencer that produced blocks.
        for (uint256 i = 0; i < sequencerIds.length; ++i) {
            uint256 id = sequencerIds[i];
            if (id == 0 || id > count) revert UnknownSequencer(id);
            uint256 reward = blockCounts[i] * perBlock;
            _sequencers[id].reward += reward;
            totalBlocks += blockCounts[i];
            emit RewardAccrued(id, rewardBatchId, blockCounts[i], reward);
        }
        uint256 totalReward = totalBlocks * perBlock;
        if (totalReward > rewardReserve) revert InsufficientRewardReserve(totalReward, rewardReserve);
        rewardReserve -= totalReward;
        totalRewardsOwed += totalReward;
        lastRewardBatchId = rewardBatchId;
        nextRewardEpoch = endEpoch + 1;
        emit RewardsSubmitted(rewardBatchId, startEpoch, endEpoch, totalBlocks, totalReward);
    }

    /// @inheritdoc ILockingPool
    function slash(uint256 sequencerId, bytes32 evidenceHash, uint256 amount, bytes calldata signature)
        external
        whenNotPaused
        nonReentrant
    {
        if (evidenceUsed[evidenceHash]) revert EvidenceAlreadyUsed(evidenceHash);
        if (amount == 0) revert ZeroAmount();
        Sequencer storage seq = _existingSequencer(sequencerId);
        Status status = seq.status;
        if (status != Status.Active && status != Status.Unlocking && status != Status.Slashed) {
            revert InvalidStatus(sequencerId, status);
        }
        uint256 stake = seq.amount;
        PendingWithdrawal storage pending = pendingWithdrawals[sequencerId];
        if (stake == 0 && pending.amount == 0) revert NothingToSlash(sequencerId);
        _requireMpcSignature(keccak256(abi.encode(SLASH_TYPEHASH, sequencerId, evidenceHash, amount)), signature);

        // Stake first, then what a withdraw() took out shortly before: leaving early does not escape a slash.
        uint256 fromStake = amount < stake ? amount : stake;
        uint256 fromPending = amount - fromStake < pending.amount ? amount - fromStake : pending.amount;
        uint256 slashed = fromStake + fromPending;
        evidenceUsed[evidenceHash] = true;
        seq.amount = stake - fromStake;
        pending.amount -= fromPending;
        seq.status = Status.Slashed;
        // The rest stays slashable for a full exit delay after the report, even if an exit was under way.
        uint64 claimTime = uint64(block.timestamp + exitDelay);
        if (claimTime > seq.unlockClaimTime) seq.unlockClaimTime = claimTime;
        if (pending.amount != 0 && claimTime > pending.claimTime) pending.claimTime = claimTime;
        if (status == Status.Active) {
            _active.remove(sequencerId);
            totalActiveStake -= stake;
        }
        totalLocked -= slashed;
        totalSlashed += slashed;
        address recipient = slashRecipient;
        emit Slashed(sequencerId, evidenceHash, slashed, stake - fromStake, recipient);

        token.safeTransfer(recipient, slashed);
    }

    // ================================================================ MPC

    /// @inheritdoc ILockingPool
    function updateMpc(address newMpc) external {
        if (mpcAddress == address(0) || msg.sender != mpcAddress) revert NotMpc(msg.sender);
        _setMpc(newMpc);
    }

    /// @inheritdoc ILockingPool
    function updateMpcWithSig(address newMpc, bytes calldata signature) external {
        _requireMpcSignature(keccak256(abi.encode(UPDATE_MPC_TYPEHASH, newMpc, mpcNonce)), signature);
        _setMpc(newMpc);
    }

    /// @inheritdoc ILockingPool
    function setRewardPerBlockWithSig(uint256 newRewardPerBlock, uint256 nonce, bytes calldata signature) external {
        if (nonce != paramsNonce) revert InvalidParamsNonce(paramsNonce, nonce);
        _requireMpcSignature(
            keccak256(abi.encode(SET_REWARD_PER_BLOCK_TYPEHASH, newRewardPerBlock, nonce)), signature
        );
        paramsNonce = nonce + 1;
        emit BlockRewardUpdated(rewardPerBlock, newRewardPerBlock);
        emit ParamsNonceUsed(nonce);
        rewardPerBlock = newRewardPerBlock;
    }

    // ================================================================ governance

    /// @inheritdoc ILockingPool
    function setGenesisMpc(address mpc) external onlyOwner {
        if (mpcAddress != address(0)) revert MpcAlreadySet(mpcAddress);
        _setMpc(mpc);
    }

    /// @inheritdoc ILockingPool
    function setWhitelist(address account, bool allowed) external onlyOwner {
        if (account == address(0)) revert ZeroAddress();
        whitelist[account] = allowed;
        emit WhitelistChanged(account, allowed);
    }

    /// @inheritdoc ILockingPool
    function setMinLock(uint256 newMinLock) external onlyOwner {
        if (newMinLock == 0 || newMinLock > maxLock) revert InvalidLockBounds(newMinLock, maxLock);
        emit MinLockUpdated(minLock, newMinLock);
        minLock = newMinLock;
    }

    /// @inheritdoc ILockingPool
    function setMaxLock(uint256 newMaxLock) external onlyOwner {
        if (newMaxLock < minLock) revert InvalidLockBounds(minLock, newMaxLock);
        emit MaxLockUpdated(maxLock, newMaxLock);
        maxLock = newMaxLock;
    }

    /// @inheritdoc ILockingPool
    function updateWithdrawDelayTimeValue(uint256 delay) external onlyOwner {
        if (delay > MAX_EXIT_DELAY) revert ExitDelayTooLong(delay, MAX_EXIT_DELAY);
        if (delay < minExitDelay) revert ExitDelayTooShort(delay, minExitDelay);
        emit ExitDelayUpdated(exitDelay, delay);
        exitDelay = delay;
    }

    /// @inheritdoc ILockingPool
    function updateBlockReward(uint256 newRewardPerBlock) external onlyOwner {
        emit BlockRewardUpdated(rewardPerBlock, newRewardPerBlock);
        rewardPerBlock = newRewardPerBlock;
    }

    /// @inheritdoc ILockingPool
    function setSignerUpdateThrottle(uint256 throttle) external onlyOwner {
        emit SignerUpdateThrottleUpdated(signerUpdateThrottle, throttle);
        signerUpdateThrottle = throttle;
    }

    /// @inheritdoc ILockingPool
    function setSlashRecipient(address recipient) external onlyOwner {
        if (recipient == address(0)) revert ZeroAddress();
        emit SlashRecipientUpdated(slashRecipient, recipient);
        slashRecipient = recipient;
    }

    /// @inheritdoc ILockingPool
    function forceUnlock(uint256 sequencerId) external onlyOwner {
        _startExit(sequencerId, _existingSequencer(sequencerId), true);
    }

    /// @inheritdoc ILockingPool
    function setPause() external onlyOwner {
        _pause();
    }

    /// @inheritdoc ILockingPool
    function setUnpause() external onlyOwner {
        _unpause();
    }

    // ================================================================ views

    /// @inheritdoc ILockingPool
    function getSequencer(uint256 sequencerId) external view returns (Sequencer memory) {
        return _existingSequencer(sequencerId);
    }

    /// @inheritdoc ILockingPool
    function getSequencerBySigner(address signer) external view returns (uint256 sequencerId, Sequencer memory) {
        sequencerId = sequencerIdBySigner[signer];
        if (sequencerId == 0) revert NoSequencerForSigner(signer);
        return (sequencerId, _sequencers[sequencerId]);
    }

    /// @inheritdoc ILockingPool
    function getSequencerByOwner(address owner_) external view returns (uint256 sequencerId, Sequencer memory) {
        sequencerId = sequencerIdByOwner[owner_];
        if (sequencerId == 0) revert NoSequencerForOwner(owner_);
        return (sequencerId, _sequencers[sequencerId]);
    }

    /// @inheritdoc ILockingPool
    function activeSequencers() external view returns (ActiveSequencer[] memory set) {
        // Bounded by the governance whitelist: only whitelisted owners can become Active.
        uint256 n = _active.length();
        set = new ActiveSequencer[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 id = _active.idAt(i);
            Sequencer storage seq = _sequencers[id];
            set[i] = ActiveSequencer({id: id, signer: seq.signer, owner: seq.owner, amount: seq.amount});
        }
    }

    /// @inheritdoc ILockingPool
    function activeSequencerCount() external view returns (uint256) {
        return _active.length();
    }

    /// @notice The EIP-712 domain separator of this pool (name "LockingPool", version "1").
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ================================================================ internal

    function _startExit(uint256 sequencerId, Sequencer storage seq, bool forced) private {
        _requireStatus(sequencerId, seq, Status.Active);
        uint64 claimTime = uint64(block.timestamp + exitDelay);
        seq.status = Status.Unlocking;
        seq.unlockClaimTime = claimTime;
        _active.remove(sequencerId);
        totalActiveStake -= seq.amount;
        emit UnlockInit(sequencerId, seq.owner, seq.amount, claimTime, forced);
    }

    function _setMpc(address newMpc) private {
        if (newMpc == address(0)) revert ZeroAddress();
        uint256 nonce = mpcNonce++;
        emit MpcUpdated(mpcAddress, newMpc, nonce);
        mpcAddress = newMpc;
    }

    function _requireMpcSignature(bytes32 structHash, bytes calldata signature) private view {
        address mpc = mpcAddress;
        if (mpc == address(0)) revert MpcNotSet();
        // recoverCalldata rejects malleable (high-s) and malformed signatures with OpenZeppelin's ECDSA errors.
        address recovered = ECDSA.recoverCalldata(_hashTypedDataV4(structHash), signature);
        if (recovered != mpc) revert InvalidMpcSignature(recovered, mpc);
    }

    function _checkNewSigner(address signer, bytes calldata signerPubkey) private view {
        address derived = _pubkeyToAddress(signerPubkey);
        if (derived != signer) revert PubkeyMismatch(signer, derived);
        if (signerUsed[signer]) revert SignerAlreadyUsed(signer);
    }

    function _pubkeyToAddress(bytes calldata signerPubkey) private pure returns (address) {
        if (signerPubkey.length != 64) revert InvalidPubkeyLength(signerPubkey.length);
        return address(uint160(uint256(keccak256(signerPubkey))));
    }

    function _existingSequencer(uint256 sequencerId) private view returns (Sequencer storage seq) {
        seq = _sequencers[sequencerId];
        if (seq.status == Status.Unavailable) revert UnknownSequencer(sequencerId);
    }

    function _ownedSequencer(uint256 sequencerId) private view returns (Sequencer storage seq) {
        seq = _existingSequencer(sequencerId);
        if (seq.owner != msg.sender) revert NotSequencerOwner(sequencerId, msg.sender);
    }

    function _requireStatus(uint256 sequencerId, Sequencer storage seq, Status expected) private view {
        if (seq.status != expected) revert InvalidStatus(sequencerId, seq.status);
    }
}
