import type { Evidence } from '../consensus/app/extension.ts';
import type { L1Event } from '../consensus/app/l1-events.ts';
import type { Epoch, Hex } from '../../protocol/consensus/types.ts';
import type { ValidatorObserver } from '../consensus/abci/observer.ts';
import type { Host } from '../host/host.ts';
import { LivenessMonitor } from './liveness.ts';

/** What the observer reads besides the host: the L1 watcher, and which double-signs the app already punished. */
export interface HostObserverSources {
  l1: Pick<ValidatorObserver, 'l1Events'>;
  /** Keys `${sequencer}:${l2Block}` the committed consensus state has already acted on. */
  punished(): ReadonlySet<string>;
  liveness?: LivenessMonitor;
  log?: (message: string) => void;
}

/**
 * The host's view fed into its validator's vote extensions: its replica's head and block hashes, its finalized
 * head, its own liveness verdict on the active sequencer, its double-sign evidence, and L1 LockingPool events from
 * its own L1 watcher. Every answer comes from memory (ExtendVote is on CometBFT's critical path). Before the host is
 * attached (the consensus app starts first), it reports nothing about L2.
 */
export class HostObserver implements ValidatorObserver {
  private host: Host | null = null;
  private readonly sources: HostObserverSources;
  readonly liveness: LivenessMonitor;
  private detach: (() => void) | null = null;
  private lastVerdict = '';

  constructor(sources: HostObserverSources) {
    this.sources = sources;
    this.liveness = sources.liveness ?? new LivenessMonitor();
  }

  attach(host: Host): void {
    this.host = host;
    this.liveness.blockArrived();
    this.detach = host.heads.onChange((name) => {
      if (name === 'latest') this.liveness.blockArrived();
    });
  }

  close(): void {
    this.detach?.();
    this.host = null;
  }

  l2Head(): { number: number; hash: Hex } | null {
    const host = this.host;
    if (!host) return null;
    const hash = this.hashOf(host, host.heads.latest);
    return hash ? { number: Number(host.heads.latest), hash } : null;
  }

  l2BlockHash(number: number): Hex | null {
    const host = this.host;
    if (!host || BigInt(number) > host.heads.latest) return null;
    return this.hashOf(host, BigInt(number));
  }

  l2Finalized(): number {
    return this.host ? Number(this.host.heads.finalized) : 0;
  }

  livenessVerdict(epoch: Epoch, context: { livenessTimeoutMs: number; triggered: boolean }): 'alive' | 'dead' | 'unknown' {
    const host = this.host;
    if (!host) return 'unknown';
    // A host that is itself behind the network cannot tell a dead sequencer from its own lag. Behind means sealed
    // blocks prove it (a claimed head is only a hint: one forged head would otherwise silence every verdict).
    if (host.replicator.highestSealed > host.heads.latest + 1n) return 'unknown';
    const sequencer = epoch.sequencer.toLowerCase();
    const linkUp = sequencer === host.address ? null : host.network.status().some((peer) => peer.address === sequencer && peer.connected);
    const verdict = this.liveness.verdict(epoch, { livenessTimeoutMs: context.livenessTimeoutMs, latest: Number(host.heads.latest), linkUp });
    const key = `${epoch.number}:${verdict}`;
    if (key !== this.lastVerdict) {
      this.lastVerdict = key;
      if (verdict === 'dead') this.sources.log?.(`liveness: sequencer ${sequencer} of epoch ${epoch.number} is dead to this host (latest ${host.heads.latest}, peer link ${linkUp === null ? 'self' : linkUp ? 'up' : 'down'})`);
    }
    return verdict;
  }

  misbehaviour(): Evidence[] {
    const host = this.host;
    if (!host) return [];
    const punished = this.sources.punished();
    return host.evidence
      .list()
      .filter((evidence) => !punished.has(`${evidence.sequencer}:${evidence.l2Block}`))
      .map((evidence): Evidence =>
        evidence.kind === 'double-sign'
          ? { kind: 'double-sign', sequencer: evidence.sequencer, l2Block: evidence.l2Block, a: { ...evidence.a }, b: { ...evidence.b } }
          : { ...evidence, block: { ...evidence.block, header: { ...evidence.block.header } }, parent: { ...evidence.parent, header: { ...evidence.parent.header } } },
      );
  }

  l1Events(afterBlock: number, confirmations: number, maxEvents: number): { head: number; events: L1Event[] } | null {
    return this.sources.l1.l1Events(afterBlock, confirmations, maxEvents);
  }

  private hashOf(host: Host, number: bigint): Hex | null {
    return (host.engine.getBlockByNumber(number)?.hash as Hex | undefined) ?? null;
  }
}
