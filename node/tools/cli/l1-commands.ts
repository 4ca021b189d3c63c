import type { ContractTransactionResponse, Log, TransactionReceipt } from 'ethers';
import { signerPubkey } from '../devnet/accounts.ts';
import type { LockingPoolContract, SequencerRecord } from '../../l1/deploy.ts';
import { requireKey, type AnyWallet, type CliConfig } from './config.ts';
import { RefusedError } from './errors.ts';
import { connectL1, decodeRevert, readL1, sendL1, sequencerOfOwner, sequencerOfSigner, statusName, translateL1Error, withWallet, type L1Session } from './l1.ts';
import { duration, isoTime, metis, table, type Report } from './output.ts';

/**
 * The operator's L1 actions on the LockingPool, each sent by the owner's key (OPERATOR_KEY): lock, relock,
 * unlock, withdraw (unlockClaim), rewards (withdrawRewards), the L1 half of register-signer (updateSigner),
 * and the L1 half of status. Every action is checked with eth_call before anything is sent, so a refusal
 * leaves nothing behind (no dangling approval).
 */

export async function withL1<T>(config: CliConfig, work: (session: L1Session) => Promise<T>): Promise<T> {
  const session = await connectL1(config);
  try {
    return await work(session);
  } finally {
    session.close();
  }
}

function eventArgs(session: L1Session, receipt: TransactionReceipt, name: string): Record<string, unknown> | null {
  for (const log of receipt.logs as Log[]) {
    if (log.address.toLowerCase() !== session.poolAddress.toLowerCase()) continue;
    const parsed = session.pool.interface.parseLog(log);
    if (parsed?.name === name) return parsed.args.toObject();
  }
  return null;
}

async function requireOwnSequencer(session: L1Session, owner: string, action: string): Promise<{ id: bigint; record: SequencerRecord }> {
  const own = await sequencerOfOwner(session, owner);
  if (!own) throw new RefusedError(action, 'NoSequencerForOwner', `NoSequencerForOwner(owner: ${owner}): lock first`, { error: 'NoSequencerForOwner', args: { owner } });
  return own;
}

/**
 * Dry-runs `preflight` (eth_call). A missing allowance is the only refusal we can fix ourselves: approve exactly
 * `amount`, and only then. Any other refusal is reported before anything is sent.
 */
async function approveIfNeeded(session: L1Session, wallet: AnyWallet, action: string, amount: bigint, preflight: () => Promise<unknown>): Promise<string | null> {
  try {
    await preflight();
    return null;
  } catch (error) {
    if (decodeRevert(error)?.name !== 'ERC20InsufficientAllowance') throw translateL1Error(error, session.url, action);
  }
  const { token, from } = withWallet(session, wallet);
  const balance = await readL1(session, action, () => token.balanceOf(from));
  if (balance < amount) {
    throw new RefusedError(action, 'ERC20InsufficientBalance', `ERC20InsufficientBalance(sender: ${from}, balance: ${metis(balance)}, needed: ${metis(amount)})`, {
      error: 'ERC20InsufficientBalance',
      args: { sender: from, balance: balance.toString(), needed: amount.toString() },
    });
  }
  const receipt = await sendL1(session, `${action} (approve)`, () => token.approve(session.poolAddress, amount));
  return receipt.hash;
}

export async function lock(config: CliConfig, amount: bigint): Promise<Report> {
  const owner = requireKey(config.keys, 'operator', 'lock');
  const signer = requireKey(config.keys, 'signer', 'lock');
  return withL1(config, async (session) => {
    const { pool, from } = withWallet(session, owner);
    const pubkey = signerPubkey(signer);
    const approveTx = await approveIfNeeded(session, owner, 'lock', amount, () => pool.lockFor.staticCall(signer.address, amount, pubkey));
    const receipt = await sendL1(session, 'lock', () => pool.lockFor(signer.address, amount, pubkey));
    const locked = eventArgs(session, receipt, 'Locked');
    const id = (locked?.sequencerId as bigint | undefined) ?? (await requireOwnSequencer(session, from, 'lock')).id;
    return {
      json: { action: 'lock', sequencerId: id, owner: from, signer: signer.address, amount, status: 'Active', txs: { approve: approveTx, lock: receipt.hash } },
      lines: [`locked ${metis(amount)}: sequencer #${id} is Active (owner ${from}, signer ${signer.address})`, `tx ${receipt.hash}${approveTx ? ` (approve ${approveTx})` : ''}`],
    };
  });
}

export async function relock(config: CliConfig, amount: bigint, lockReward: boolean): Promise<Report> {
  const owner = requireKey(config.keys, 'operator', 'relock');
  return withL1(config, async (session) => {
    const { pool, from } = withWallet(session, owner);
    const { id } = await requireOwnSequencer(session, from, 'relock');
    const approveTx = await approveIfNeeded(session, owner, 'relock', amount, () => pool.relock.staticCall(id, amount, lockReward));
    const receipt = await sendL1(session, 'relock', () => pool.relock(id, amount, lockReward));
    const relocked = eventArgs(session, receipt, 'Relocked');
    const total = (relocked?.total as bigint | undefined) ?? (await pool.getSequencer(id)).amount;
    const fromReward = (relocked?.lockedReward as bigint | undefined) ?? 0n;
    return {
      json: { action: 'relock', sequencerId: id, amount, lockedReward: fromReward, stake: total, txs: { approve: approveTx, relock: receipt.hash } },
      lines: [`relocked ${metis(amount)}${fromReward > 0n ? ` + ${metis(fromReward)} of rewards` : ''}: sequencer #${id} now has ${metis(total)} at stake`, `tx ${receipt.hash}`],
    };
  });
}

export async function unlock(config: CliConfig): Promise<Report> {
  const owner = requireKey(config.keys, 'operator', 'unlock');
  return withL1(config, async (session) => {
    const { pool, from } = withWallet(session, owner);
    const { id } = await requireOwnSequencer(session, from, 'unlock');
    const receipt = await sendL1(session, 'unlock', () => pool.unlock(id));
    const record = await pool.getSequencer(id);
    const wait = record.unlockClaimTime - (await session.now());
    return {
      json: { action: 'unlock', sequencerId: id, stake: record.amount, status: statusName(record.status), unlockClaimTime: record.unlockClaimTime, tx: receipt.hash },
      lines: [
        `sequencer #${id} is ${statusName(record.status)}: it has left the active set; ${metis(record.amount)} stays locked (and slashable) until the exit delay passes`,
        `withdraw possible from ${isoTime(record.unlockClaimTime)} (in ${duration(wait)})`,
        `tx ${receipt.hash}`,
      ],
    };
  });
}

/** withdraw(id, amount): part of the stake out now; the tokens follow after the exit delay (`withdraw` again). */
export async function withdrawPart(config: CliConfig, amount: bigint): Promise<Report> {
  const owner = requireKey(config.keys, 'operator', 'withdraw');
  return withL1(config, async (session) => {
    const { pool, from } = withWallet(session, owner);
    const { id } = await requireOwnSequencer(session, from, 'withdraw');
    const receipt = await sendL1(session, 'withdraw', () => pool.withdraw(id, amount));
    const withdrawn = eventArgs(session, receipt, 'Withdrawn');
    const pending = await pool.pendingWithdrawals(id);
    const total = (withdrawn?.total as bigint | undefined) ?? (await pool.getSequencer(id)).amount;
    const wait = pending.claimTime - (await session.now());
    return {
      json: { action: 'withdraw', sequencerId: id, amount, stake: total, pending: pending.amount, claimTime: pending.claimTime, tx: receipt.hash },
      lines: [
        `took ${metis(amount)} out of sequencer #${id}: ${metis(total)} stays at stake (its voting power drops now)`,
        `${metis(pending.amount)} pending, slashable until it is paid: run withdraw again from ${isoTime(pending.claimTime)} (in ${duration(wait)})`,
        `tx ${receipt.hash}`,
      ],
    };
  });
}

/**
 * What is due to the owner: the whole stake of an unlocking sequencer (unlockClaim), or else a pending partial
 * withdrawal (withdrawClaim), once its exit delay has passed.
 */
export async function withdraw(config: CliConfig): Promise<Report> {
  const owner = requireKey(config.keys, 'operator', 'withdraw');
  return withL1(config, async (session) => {
    const { pool, from } = withWallet(session, owner);
    const { id, record } = await requireOwnSequencer(session, from, 'withdraw');
    const pending = await pool.pendingWithdrawals(id);
    if (statusName(record.status) === 'Active' && pending.amount > 0n) return claimPending(session, pool, id, from, pending.claimTime);
    let receipt: TransactionReceipt;
    try {
      receipt = await sendL1(session, 'withdraw', () => pool.unlockClaim(id));
    } catch (error) {
      if (error instanceof RefusedError && error.code === 'UnlockNotReady') {
        const wait = record.unlockClaimTime - (await session.now());
        throw new RefusedError('withdraw', error.code, `${error.reason}; withdraw possible from ${isoTime(record.unlockClaimTime)} (in ${duration(wait)})`, {
          ...error.details,
          possibleAt: Number(record.unlockClaimTime),
          waitSeconds: Number(wait),
        });
      }
      if (error instanceof RefusedError && error.code === 'InvalidStatus') {
        throw new RefusedError('withdraw', error.code, `${error.reason}: run unlock first (or withdraw --amount for part of the stake), then withdraw after the exit delay`, error.details);
      }
      throw error;
    }
    const unlocked = eventArgs(session, receipt, 'Unlocked');
    const amount = (unlocked?.amount as bigint | undefined) ?? record.amount;
    return {
      json: { action: 'withdraw', sequencerId: id, amount, to: from, status: 'Unlocked', tx: receipt.hash },
      lines: [`withdrew ${metis(amount)} to ${from}: sequencer #${id} is Unlocked`, `tx ${receipt.hash}`],
    };
  });
}

async function claimPending(session: L1Session, pool: LockingPoolContract, id: bigint, from: string, claimTime: bigint): Promise<Report> {
  let receipt: TransactionReceipt;
  try {
    receipt = await sendL1(session, 'withdraw', () => pool.withdrawClaim(id));
  } catch (error) {
    if (error instanceof RefusedError && error.code === 'WithdrawalNotReady') {
      const wait = claimTime - (await session.now());
      throw new RefusedError('withdraw', error.code, `${error.reason}; the pending withdrawal is paid from ${isoTime(claimTime)} (in ${duration(wait)})`, {
        ...error.details,
        possibleAt: Number(claimTime),
        waitSeconds: Number(wait),
      });
    }
    throw error;
  }
  const claimed = eventArgs(session, receipt, 'WithdrawalClaimed');
  const amount = (claimed?.amount as bigint | undefined) ?? 0n;
  return {
    json: { action: 'withdraw', sequencerId: id, amount, to: from, status: 'Active', tx: receipt.hash },
    lines: [`withdrew ${metis(amount)} (the pending withdrawal) to ${from}: sequencer #${id} stays Active`, `tx ${receipt.hash}`],
  };
}

export async function withdrawRewards(config: CliConfig): Promise<Report> {
  const owner = requireKey(config.keys, 'operator', 'rewards');
  return withL1(config, async (session) => {
    const { pool, from } = withWallet(session, owner);
    const { id } = await requireOwnSequencer(session, from, 'rewards');
    const receipt = await sendL1(session, 'rewards', () => pool.withdrawRewards(id));
    const claimed = eventArgs(session, receipt, 'RewardsClaimed');
    const amount = (claimed?.amount as bigint | undefined) ?? 0n;
    const recipient = (claimed?.recipient as string | undefined) ?? from;
    return {
      json: { action: 'rewards', sequencerId: id, amount, recipient, tx: receipt.hash },
      lines: [`withdrew ${metis(amount)} of rewards of sequencer #${id} to ${recipient}`, `tx ${receipt.hash}`],
    };
  });
}

export interface SignerUpdate {
  sequencerId: bigint;
  oldSigner: string;
  signer: string;
  /** null when L1 already had this signer (nothing sent). */
  tx: string | null;
}

/** updateSigner to SIGNER_KEY's public key, unless L1 already has it. */
export async function updateSigner(config: CliConfig, signer: AnyWallet): Promise<SignerUpdate> {
  const owner = requireKey(config.keys, 'operator', 'register-signer on L1');
  return withL1(config, async (session) => {
    const { pool, from } = withWallet(session, owner);
    const { id, record } = await requireOwnSequencer(session, from, 'register-signer');
    if (record.signer.toLowerCase() === signer.address.toLowerCase()) return { sequencerId: id, oldSigner: record.signer, signer: signer.address, tx: null };
    let receipt: TransactionReceipt;
    try {
      receipt = await sendL1(session, 'register-signer', (): Promise<ContractTransactionResponse> => pool.updateSigner(id, signerPubkey(signer)));
    } catch (error) {
      if (error instanceof RefusedError && error.code === 'SignerUpdateThrottled') {
        const at = BigInt(String((error.details.args as Record<string, string>).nextUpdateTime));
        throw new RefusedError('register-signer', error.code, `${error.reason}; possible in ${duration(at - (await session.now()))}`, error.details);
      }
      throw error;
    }
    return { sequencerId: id, oldSigner: record.signer, signer: signer.address, tx: receipt.hash };
  });
}

function sequencerJson(id: bigint, record: SequencerRecord, now: bigint): Record<string, unknown> {
  const unlocking = record.unlockClaimTime > 0n && (record.status === 2n || record.status === 4n);
  return {
    id,
    status: statusName(record.status),
    stake: record.amount,
    reward: record.reward,
    owner: record.owner,
    signer: record.signer,
    rewardRecipient: record.rewardRecipient === '0x0000000000000000000000000000000000000000' ? record.owner : record.rewardRecipient,
    unlockClaimTime: unlocking ? record.unlockClaimTime : null,
    withdrawable: unlocking && now >= record.unlockClaimTime,
  };
}

/** The L1 half of `status`: the pool's parameters, the active set, and the caller's own sequencer. */
export async function l1Status(config: CliConfig): Promise<Report> {
  return withL1(config, async (session) => {
    const { pool, token } = session;
    const [active, totalActiveStake, minLock, maxLock, exitDelay, rewardPerBlock, mpcAddress, paused, now] = await readL1(session, 'status', () =>
      Promise.all([pool.activeSequencers(), pool.totalActiveStake(), pool.minLock(), pool.maxLock(), pool.exitDelay(), pool.rewardPerBlock(), pool.mpcAddress(), pool.paused(), session.now()]),
    );
    const { operator, signer } = config.keys;
    const own = operator ? await sequencerOfOwner(session, operator.address) : signer ? await sequencerOfSigner(session, signer.address) : null;
    const account = operator
      ? await readL1(session, 'status', async () => ({
          address: operator.address,
          balance: await token.balanceOf(operator.address),
          whitelisted: await pool.whitelist(operator.address),
        }))
      : null;
    const mine = own ? sequencerJson(own.id, own.record, now) : null;
    const json = {
      url: session.url,
      chainId: session.chainId,
      lockingPool: session.poolAddress,
      token: session.tokenAddress,
      paused,
      mpcAddress: mpcAddress === '0x0000000000000000000000000000000000000000' ? null : mpcAddress,
      minLock,
      maxLock,
      exitDelay,
      rewardPerBlock,
      totalActiveStake,
      timestamp: now,
      activeSequencers: active.map((row) => ({ id: row.id, signer: row.signer, owner: row.owner, stake: row.amount })),
      account,
      sequencer: mine,
    };
    const lines = [
      `L1 ${session.url} (chain ${session.chainId})  LockingPool ${session.poolAddress}${paused ? '  PAUSED' : ''}`,
      `  lock ${metis(minLock)} to ${metis(maxLock)}, exit delay ${duration(exitDelay)}, reward ${metis(rewardPerBlock)} per L2 block, MPC ${json.mpcAddress ?? 'not set yet'}`,
      `  ${active.length} active sequencer${active.length === 1 ? '' : 's'}, ${metis(totalActiveStake)} at stake`,
    ];
    if (active.length > 0) {
      lines.push(...table([['id', 'signer', 'owner', 'stake'], ...active.map((row) => [`#${row.id}`, row.signer, row.owner, metis(row.amount)])], '    '));
    }
    if (account) lines.push(`  you: ${account.address}, ${metis(account.balance)}${account.whitelisted ? ', whitelisted' : ', not whitelisted'}`);
    if (own && mine) {
      const record = own.record;
      lines.push(`  your sequencer #${own.id}: ${mine.status}, stake ${metis(record.amount)}, rewards ${metis(record.reward)}, signer ${record.signer}`);
      if (mine.unlockClaimTime !== null) {
        lines.push(mine.withdrawable ? `    withdrawable now (since ${isoTime(record.unlockClaimTime)})` : `    withdraw possible from ${isoTime(record.unlockClaimTime)} (in ${duration(record.unlockClaimTime - now)})`);
      }
    } else if (operator || signer) {
      lines.push(`  your sequencer: none${operator ? ` for owner ${operator.address}` : ` for signer ${signer!.address}`}`);
    }
    return { json, lines };
  });
}
