import type { Address } from './identity.ts';

/**
 * How MPC envelopes move between hosts. Deliberately small so the host's peer port can carry the `mpc`
 * channel later; the envelope authenticates itself, so a transport needs no security of its own.
 */
export interface MpcTransport {
  /** Best effort; a message to an unreachable peer is lost and the session's timeout handles it. */
  send(to: Address, message: string): void;
  broadcast(message: string): void;
  onMessage(handler: (message: string) => void): void;
  close(): Promise<void>;
}
