import { JsonRpcProvider, Wallet, type Interface } from 'ethers';
import type { Hex } from '../../encoding/hex.ts';
import { contractAt, type LockingPoolContract } from '../../l1/deploy.ts';
import { lockingPoolDomain, type RewardsMessage, type SlashMessage } from '../../l1/typed-data.ts';
import type { DutyL1 } from './context.ts';
import { L1RelayError, MpcAlreadySetError } from './errors.ts';

const RETRY_MS = 1000;

/** The contract's custom error (name and arguments) behind an ethers error, else its short message. */
export function revertReason(error: unknown, iface?: Interface): string {
  const e = error as { revert?: { name: string; args: unknown[] } | null; data?: string; shortMessage?: string; message?: string; info?: { error?: { data?: string } } };
  if (e.revert) return `${e.revert.name}(${e.revert.args.map(String).join(', ')})`;
  const data = e.data ?? e.info?.error?.data;
  if (iface && typeof data === 'string' && data.length >= 10) {
    const parsed = iface.parseError(data);
    if (parsed) return `${parsed.name}(${parsed.args.map(String).join(', ')})`;
  }
  return e.shortMessage ?? e.message ?? String(error);
}

/**
 * Relays MPC-signed LockingPool calls (submitRewards, slash) from the host's relayer key. Every call is
 * idempotent on L1 (rewards batch ids are sequential, evidence hashes single-use), and the state is read before
 * sending, so a duplicate relay costs at most one reverted transaction. One transaction at a time per key.
 */
export class LockingPoolRelay {
  private readonly provider: JsonRpcProvider;
  private readonly pool: LockingPoolContract;
  private readonly log: (line: string) => void;
  private readonly deadlineMs: number;
  private readonly aborted = new AbortController();
  private chainIdValue: bigint | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(l1: DutyL1, options: { deadlineMs: number; log: (line: string) => void }) {
    this.provider = new JsonRpcProvider(l1.url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 250 });
    this.pool = contractAt<LockingPoolContract>('LockingPool', l1.lockingPool, new Wallet(l1.relayerKey, this.provider));
    this.log = options.log;
    this.deadlineMs = options.deadlineMs;
  }

  async chainId(): Promise<bigint> {
    this.chainIdValue ??= (await this.provider.getNetwork()).chainId;
    return this.chainIdValue;
  }

  async domain(): Promise<ReturnType<typeof lockingPoolDomain>> {
    return lockingPoolDomain(await this.chainId(), await this.pool.getAddress());
  }

  /**
   * Sends submitRewards once the pool expects this batch id (an earlier batch may still be on its way), after
   * `delayMs`; 'already' when L1 has it. Throws L1RelayError when it cannot land it before the deadline.
   */
  async submitRewards(message: RewardsMessage, signature: Hex, delayMs: number): Promise<'sent' | 'already'> {
    const id = message.rewardBatchId;
    return this.relay(`submitRewards #${id}`, delayMs, async () => {
      const last = await this.pool.lastRewardBatchId();
      if (last >= id) return 'already';
      if (last < id - 1n) return 'wait';
      return this.pool.submitRewards(id, message.startEpoch, message.endEpoch, message.sequencerIds, message.blockCounts, signature);
    });
  }

  /** Sends slash unless the evidence was used already; see submitRewards. */
  async slash(message: SlashMessage, signature: Hex, delayMs: number): Promise<'sent' | 'already'> {
    return this.relay(`slash #${message.sequencerId} (${message.evidenceHash.slice(0, 12)}…)`, delayMs, async () => {
      if (await this.pool.evidenceUsed(message.evidenceHash)) return 'already';
      return this.pool.slash(message.sequencerId, message.evidenceHash, message.amount, signature);
    });
  }

  close(): void {
    this.aborted.abort();
    this.provider.destroy();
  }

  private async relay(
    action: string,
    delayMs: number,
    attempt: () => Promise<'already' | 'wait' | { hash: string; wait(): Promise<{ status: number | null } | null> }>,
  ): Promise<'sent' | 'already'> {
    const deadline = Date.now() + delayMs + this.deadlineMs;
    await this.sleep(delayMs);
    let lastReason = 'not attempted';
    while (!this.aborted.signal.aborted) {
      const outcome = await this.serially(async () => {
        try {
          const sent = await attempt();
          if (sent === 'already' || sent === 'wait') return sent;
          const receipt = await sent.wait();
          if (receipt?.status === 1) {
            this.log(`duties: ${action} relayed in ${sent.hash}`);
            return 'sent';
          }
          lastReason = `transaction ${sent.hash} reverted`;
        } catch (error) {
          lastReason = revertReason(error, this.pool.interface);
        }
        return 'retry';
      });
      if (outcome === 'sent' || outcome === 'already') return outcome;
      if (outcome === 'wait') lastReason = 'waiting for the previous batch on L1';
      if (Date.now() >= deadline) throw new L1RelayError(action, lastReason);
      if (outcome === 'retry') this.log(`duties: ${action}: ${lastReason}; retrying`);
      await this.sleep(RETRY_MS);
    }
    throw new L1RelayError(action, 'stopped');
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.aborted.signal;
    if (ms <= 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * Registers the MPC address from the first keygen in LockingPool (`setGenesisMpc`, owner-only: governance; on the
 * devnet the deployer). Idempotent: 'already' when it is registered; MpcAlreadySetError for another address.
 * Later changes go through `updateMpcWithSig`, signed by the MPC itself (a reshare keeps the address, so none
 * is needed when the set changes).
 */
export async function registerGenesisMpc(l1: { url: string; lockingPool: string }, ownerKey: string, address: string): Promise<{ status: 'registered' | 'already'; txHash: Hex | null }> {
  const provider = new JsonRpcProvider(l1.url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 250 });
  try {
    const pool = contractAt<LockingPoolContract>('LockingPool', l1.lockingPool, new Wallet(ownerKey, provider));
    const current = (await pool.mpcAddress()).toLowerCase();
    if (current === address.toLowerCase()) return { status: 'already', txHash: null };
    if (current !== `0x${'00'.repeat(20)}`) throw new MpcAlreadySetError(current, address);
    try {
      const tx = await pool.setGenesisMpc(address);
      const receipt = await tx.wait();
      if (receipt?.status !== 1) throw new L1RelayError('setGenesisMpc', `transaction ${tx.hash} reverted`);
      return { status: 'registered', txHash: tx.hash as Hex };
    } catch (error) {
      if (error instanceof L1RelayError) throw error;
      throw new L1RelayError('setGenesisMpc', revertReason(error, pool.interface));
    }
  } finally {
    provider.destroy();
  }
}
