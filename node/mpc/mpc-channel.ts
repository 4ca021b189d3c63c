import type { MpcTransport } from './transport.ts';
import type { Hex } from '../encoding/hex.ts';
import type { PeerNetwork } from '../p2p/peer-network.ts';

export const MPC_CHANNEL = 'mpc';

/**
 * The MPC engine's transport, carried on the peer port's `mpc` channel. MPC envelopes authenticate themselves; the
 * peer envelope around them adds the link's own signature and replay protection. Closing it only detaches the
 * handlers: the peer network belongs to the host.
 */
export function mpcTransportOverPeers(network: PeerNetwork): MpcTransport {
  const handlers: ((message: string) => void)[] = [];
  network.on(MPC_CHANNEL, (_from, payload) => {
    if (typeof payload !== 'string') return;
    for (const handler of handlers) handler(payload);
  });
  return {
    send(to, message) {
      network.send(to.toLowerCase() as Hex, MPC_CHANNEL, message);
    },
    broadcast(message) {
      network.broadcast(MPC_CHANNEL, message);
    },
    onMessage(handler) {
      handlers.push(handler);
    },
    async close() {
      handlers.length = 0;
    },
  };
}
