import type { PeerNetwork } from '../p2p/peer-network.ts';
import type { Address } from './identity.ts';
import type { MpcTransport } from './transport.ts';

/**
 * Carries MPC envelopes as the `mpc` channel of the host's peer port (node/replication). The peer port
 * authenticates links and orders messages; the MPC envelope inside still carries its own signature, session and
 * sequence number, so MpcParty's checks do not depend on which transport is used.
 */
export function peerPortTransport(network: PeerNetwork): MpcTransport {
  const handlers: Array<(message: string) => void> = [];
  network.on('mpc', (_from, payload) => {
    if (typeof payload !== 'string') return;
    for (const handler of handlers) handler(payload);
  });
  return {
    send: (to: Address, message: string) => void network.send(to, 'mpc', message),
    broadcast: (message: string) => void network.broadcast('mpc', message),
    onMessage: (handler) => void handlers.push(handler),
    // The peer port belongs to the host; it closes it.
    close: async () => undefined,
  };
}
