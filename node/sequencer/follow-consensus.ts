import type { ConsensusState } from '../../protocol/consensus/types.ts';
import type { ConsensusNode } from '../consensus/node.ts';
import type { Hex } from '../encoding/hex.ts';
import type { Host } from '../host/host.ts';
import type { PeerEndpoint } from '../p2p/peer-network.ts';
import type { ProductionHolds } from './holds.ts';

/**
 * Keeps the host in step with its consensus node, in-process and at once on every Commit (the host's own timer
 * refreshes the schedule too, but half a second of lag is half a second of failover):
 * - the schedule: when an epoch starts, is cut short or the next one is elected, the host re-reads it, and if it is
 *   now the elected sequencer of its next block it produces right away instead of waiting for its block timer;
 * - the peer set: validators' peer URLs from the committed set (a sequencer that joins is dialled, one that has
 *   left stops being a peer), merged with the configured ones;
 * - being replaced: once the app opens an election that replaces this host (a fault was declared against it), it
 *   stops producing at once. The replacement starts after the last block >2/3 of stake hold; every block this host
 *   produced meanwhile would sit above that cut on some replicas, which the hosts cannot take back.
 */
export function followConsensus(options: {
  consensus: ConsensusNode;
  host: Host;
  /** The host config's peer list, replaced in place (PeerNetwork re-reads it when it dials). */
  peerConfig: { peers: PeerEndpoint[] };
  holds: ProductionHolds;
  log: (message: string) => void;
}): () => void {
  const { consensus, host, peerConfig, holds, log } = options;
  const configured = [...peerConfig.peers];
  let scheduleKey = '';
  let peersKey = '';
  let lastEpoch = -1;

  const onState = (state: ConsensusState) => {
    if (state.pendingElection?.replacing === host.address) holds.hold('being-replaced');
    else if (holds.has('being-replaced')) holds.release('being-replaced');
    const last = state.epochs[state.epochs.length - 1];
    const key = `${state.epochs.length}:${last?.number}:${last?.firstBlock}:${last?.lastBlock}:${state.nextEpoch?.number ?? '-'}`;
    if (key !== scheduleKey) {
      if (scheduleKey && last && last.number !== lastEpoch) {
        log(`epoch ${last.number} (${last.reason}): ${last.sequencer} from L2 block ${last.firstBlock}${last.sequencer === host.address ? ' — this host' : ''}`);
      }
      scheduleKey = key;
      lastEpoch = last?.number ?? -1;
      void host.schedule.refresh().then(() => {
        if (host.isActive() && !host.paused) void host.producer.produce().catch((error: Error) => log(`produce after schedule change: ${error.message}`));
      });
    }
    const peers = new Map<Hex, string>(configured.map((peer) => [peer.address.toLowerCase() as Hex, peer.url]));
    for (const validator of state.validators) {
      const address = validator.address.toLowerCase() as Hex;
      if (address === host.address || !validator.peerUrl) continue;
      if (validator.lockState === 'unlocked') peers.delete(address);
      else peers.set(address, validator.peerUrl);
    }
    const next = [...peers].map(([address, url]) => ({ address, url })).sort((a, b) => a.address.localeCompare(b.address));
    const nextKey = JSON.stringify(next);
    if (nextKey !== peersKey) {
      if (peersKey) log(`peers: ${next.map((peer) => peer.address).join(', ')}`);
      peersKey = nextKey;
      peerConfig.peers = next;
    }
  };

  const current = consensus.app.view;
  if (current) onState(current.state);
  return consensus.app.onCommit((view) => onState(view.state));
}
