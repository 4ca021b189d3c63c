/** Named errors of the MPC layer: a short reason in `message`, the rest in fields. */

export type FaultReason = 'timeout' | 'malformed' | 'protocol' | 'digest-mismatch' | 'key-mismatch';

/** Bad arguments to an MPC entry point; nothing was sent. */
export class MpcInputError extends Error {
  override readonly name = 'MpcInputError';
}

/** A session ended without a result. `faults` names the parties blamed, if any could be. */
export class MpcSessionError extends Error {
  override readonly name = 'MpcSessionError';
  readonly sessionId: string;
  readonly faults: ReadonlyArray<{ party: string; reason: FaultReason }>;
  constructor(sessionId: string, reason: string, faults: ReadonlyArray<{ party: string; reason: FaultReason }> = []) {
    super(`MPC session ${sessionId}: ${reason}`);
    this.sessionId = sessionId;
    this.faults = faults;
  }
}

/** The key share file could not be opened: wrong MPC_SHARE_KEY, a file for another node, or corruption. */
export class ShareDecryptionError extends Error {
  override readonly name = 'ShareDecryptionError';
}

/** The operator's configuration is missing or unusable (e.g. MPC_SHARE_KEY). */
export class MpcConfigError extends Error {
  override readonly name = 'MpcConfigError';
}

/** The native layer reports failures with a stable `code`; this reads it. */
export function nativeCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'GenericFailure') {
    // Async native calls put the code in front of the message: "Protocol: …".
    const lead = /^([A-Z][A-Za-z]+): /.exec((error as Error).message);
    return lead?.[1] ?? code;
  }
  return typeof code === 'string' ? code : 'Unknown';
}
