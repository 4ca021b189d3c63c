import type { Clock } from './clock.ts';
import type { EarlyBounds } from './early-buffer.ts';
import type { DropReason } from './envelope.ts';
import type { FaultReason } from './errors.ts';
import type { Address } from './identity.ts';
import type { ShareStore } from './share-store.ts';
import type { MpcTransport } from './transport.ts';

export type SignPurpose = 'batch' | 'rewards' | 'slash' | 'epoch';
/** Whether a signing set may sign (beyond the key's t-of-n threshold), e.g. more than 2/3 of the stake. */
export type SignerQuorum = (signers: readonly Address[]) => boolean;
export interface MpcTimeouts {
  /** Waiting for every signer's hello (digest, key, pooled presignatures). */
  hello: number;
  sign: number;
  presign: number;
  keygen: number;
  reshare: number;
}

export interface MpcPartyOptions {
  /** The node's secp256k1 key (hex): its address is its identity. */
  nodeKey: string;
  transport: MpcTransport;
  store: ShareStore;
  /** Network id inside every envelope signature (the L2 chain id). */
  network: string;
  clock?: Clock;
  timeouts?: Partial<MpcTimeouts>;
  /** How many times a signing session is tried, each time without the parties that failed the last try. */
  maxSignAttempts?: number;
  /** Other hosts whose messages may open sessions here (besides the parties of the current key). */
  knownPeers?: () => Iterable<string>;
  /**
   * Presignatures to keep ready per signing set: after each signature, the set's leader tops its pool back up
   * in the background, so the next signature is one round. 0 (default) leaves refilling to the caller.
   */
  presignPoolTarget?: number;
  /** Bounds on what peers can make this host keep (defaults: DEFAULT_LIMITS in party.ts). */
  limits?: Partial<MpcLimits>;
}

/** What a peer, honest or not, can make this host hold; anything beyond is dropped and counted. */
export interface MpcLimits {
  /** Sessions open at once (this host's own and the ones it was invited into). */
  maxSessions: number;
  /** Presign sessions one peer may have invited this host into at once (an honest leader runs one at a time). */
  invitedPerPeer: number;
  /** Presignatures kept per signing set. */
  pooledPerSet: number;
  /** Messages for sessions not opened yet. */
  early: EarlyBounds;
  /** Envelopes and bytes one party may have queued for later stages of one session. */
  pendingPerSender: { messages: number; bytes: number };
}

export interface KeyInfo {
  address: Address;
  publicKey: string;
  keyId: string;
  generation: number;
  threshold: number;
  parties: Address[];
}

export interface MpcSignatureResult {
  r: string;
  s: string;
  v: number;
  /** 0x r ‖ s ‖ v, 65 bytes. */
  signature: string;
  address: Address;
  signers: Address[];
  /** True when a pooled presignature was used (one network round), false for the cold path. */
  pooled: boolean;
}

export interface MpcStats {
  dropped: Record<DropReason, number>;
  faults: number;
  activeSessions: number;
  /** Of the active sessions, those peers invited this host into. */
  invitedSessions: number;
  pooledPresignatures: number;
  /** Presignatures made but not kept (their set's pool was full). */
  discardedPresignatures: number;
  /** Messages (and their bytes) kept for sessions not opened yet. */
  early: { messages: number; bytes: number };
  /** Messages (and their bytes) open sessions keep for stages not started yet. */
  queued: { messages: number; bytes: number };
}

export type FaultListener = (party: Address, sessionId: string, reason: FaultReason) => void;
export type DropListener = (reason: DropReason, detail: string, from: string | null) => void;
