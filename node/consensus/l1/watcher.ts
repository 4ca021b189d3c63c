import { Interface, JsonRpcProvider, type Log } from 'ethers';
import { loadArtifact } from '../../../contracts/artifacts.ts';
import type { L1Event } from '../app/l1-events.ts';
import type { Address, Hex } from '../../../protocol/consensus/types.ts';

/**
 * A validator's view of LockingPool on L1: polls its logs, normalises them into the app's L1Event format and
 * serves ValidatorObserver.l1Events from memory (ExtendVote must never wait on L1). Each host runs its own
 * watcher against its own L1 endpoint; the app applies a range only when >2/3 of stake reported it identically.
 */
export class L1Watcher {
  private readonly provider: JsonRpcProvider;
  private readonly pool: Interface;
  private readonly address: string;
  private readonly events: L1Event[] = [];
  private scannedTo: number;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | null = null;
  lastError: Error | null = null;

  constructor(options: { url: string; lockingPool: string; fromBlock: number }) {
    this.provider = new JsonRpcProvider(options.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    this.pool = new Interface(loadArtifact('LockingPool').abi as never);
    this.address = options.lockingPool;
    this.scannedTo = options.fromBlock - 1;
  }

  /** Highest L1 block whose logs have been read. */
  get head(): number {
    return this.scannedTo;
  }

  start(intervalMs = 300): void {
    this.timer ??= setInterval(() => void this.poll(), intervalMs);
    void this.poll();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
    this.provider.destroy();
  }

  /** Reads logs up to the current L1 head. Errors are kept in lastError and retried on the next poll. */
  poll(): Promise<void> {
    this.polling ??= (async () => {
      try {
        const latest = await this.provider.getBlockNumber();
        if (latest <= this.scannedTo) return;
        const logs = await this.provider.getLogs({ address: this.address, fromBlock: this.scannedTo + 1, toBlock: latest });
        for (const log of logs) {
          const event = this.normalise(log);
          if (event) this.events.push(event);
        }
        this.events.sort((a, b) => a.block - b.block || a.logIndex - b.logIndex);
        this.scannedTo = latest;
        this.lastError = null;
      } catch (error) {
        this.lastError = error as Error;
      } finally {
        this.polling = null;
      }
    })();
    return this.polling;
  }

  private normalise(log: Log): L1Event | null {
    const parsed = this.pool.parseLog({ topics: [...log.topics], data: log.data });
    if (!parsed) return null;
    const position = { block: log.blockNumber, logIndex: log.index, txHash: log.transactionHash.toLowerCase() as Hex };
    const args = parsed.args;
    const lower = (value: string) => value.toLowerCase() as Address;
    switch (parsed.name) {
      case 'Locked':
        return { kind: 'locked', ...position, sequencerId: Number(args.sequencerId), signer: lower(args.signer), owner: lower(args.owner), total: String(args.amount) };
      case 'Relocked':
        return { kind: 'relocked', ...position, sequencerId: Number(args.sequencerId), total: String(args.total) };
      case 'Withdrawn':
        return { kind: 'withdrawn', ...position, sequencerId: Number(args.sequencerId), total: String(args.total) };
      case 'UnlockInit':
        return { kind: 'unlock-init', ...position, sequencerId: Number(args.sequencerId) };
      case 'Unlocked':
        return { kind: 'unlocked', ...position, sequencerId: Number(args.sequencerId) };
      case 'SignerChanged':
        return { kind: 'signer-changed', ...position, sequencerId: Number(args.sequencerId), signer: lower(args.newSigner) };
      case 'Slashed':
        return { kind: 'slashed', ...position, sequencerId: Number(args.sequencerId), total: String(args.remainingStake) };
      case 'MpcUpdated':
        return { kind: 'mpc-updated', ...position, address: lower(args.newMpc) };
      default:
        return null;
    }
  }

  /**
   * Events in (afterBlock, head] where head is the newest block with `confirmations` confirmations that the
   * returned events cover completely (a range is cut before the block whose events would exceed maxEvents).
   */
  l1Events(afterBlock: number, confirmations: number, maxEvents: number): { head: number; events: L1Event[] } | null {
    const confirmed = this.scannedTo - confirmations;
    if (confirmed <= afterBlock) return confirmed < 0 ? null : { head: Math.max(afterBlock, confirmed), events: [] };
    const range = this.events.filter((event) => event.block > afterBlock && event.block <= confirmed);
    if (range.length <= maxEvents) return { head: confirmed, events: range };
    const cutBlock = range[maxEvents]!.block;
    return { head: cutBlock - 1, events: range.filter((event) => event.block < cutBlock) };
  }
}
