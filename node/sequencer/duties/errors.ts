/** Named errors of the MPC duties: a short reason in `message`, the details in fields. */

/** The consensus layer refused a duty's transaction at CheckTx (its code and log are kept). */
export class DutyTxRefusedError extends Error {
  override readonly name = 'DutyTxRefusedError';
  readonly code: number;
  readonly log: string;
  constructor(action: string, code: number, log: string) {
    super(`${action} refused by the consensus layer (tx code ${code}): ${log}`);
    this.code = code;
    this.log = log;
  }
}

/** A batch the MPC parties refused to sign: their replicas do not hold it (evidence against the requester). */
export class BatchRefusedError extends Error {
  override readonly name = 'BatchRefusedError';
  readonly sessionId: number;
  readonly ref: string;
  constructor(sessionId: number, ref: string, reason: string) {
    super(`batch ${ref}: signing refused (MPC session ${sessionId}): ${reason}`);
    this.sessionId = sessionId;
    this.ref = ref;
  }
}

/** A batch signing session that ended without a signature (parties failed; a new request may succeed). */
export class BatchSignFailedError extends Error {
  override readonly name = 'BatchSignFailedError';
  readonly sessionId: number | null;
  readonly ref: string;
  constructor(sessionId: number | null, ref: string, reason: string) {
    super(`batch ${ref}: signing failed${sessionId === null ? '' : ` (MPC session ${sessionId})`}: ${reason}`);
    this.sessionId = sessionId;
    this.ref = ref;
  }
}

/** The batcher asked for something this host will not request (another chain, a digest that does not match). */
export class BatchRequestError extends Error {
  override readonly name = 'BatchRequestError';
}

/** An L1 call of a duty reverted or could not be sent within its deadline. */
export class L1RelayError extends Error {
  override readonly name = 'L1RelayError';
  readonly reason: string;
  constructor(action: string, reason: string) {
    super(`${action}: ${reason}`);
    this.reason = reason;
  }
}

/** LockingPool already holds a different genesis MPC address. */
export class MpcAlreadySetError extends Error {
  override readonly name = 'MpcAlreadySetError';
  readonly current: string;
  constructor(current: string, wanted: string) {
    super(`LockingPool already has MPC address ${current}; refusing to register ${wanted}`);
    this.current = current;
  }
}
