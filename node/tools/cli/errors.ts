/**
 * The operator CLI's expected failures, each a named class with a one-line reason and the details a script
 * needs (`--json`). main.ts maps them to exit codes: UsageError -> 2, the others -> 1. Anything else is a bug
 * and is reported as an internal error (stack only with CLI_DEBUG=1).
 */

/** Bad arguments or configuration: the invocation itself is wrong. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** Print the command's usage after the reason (false for configuration problems such as a missing l1.json). */
  readonly showUsage: boolean;
  /** The command whose usage to print, when the error happened before the command was known for sure. */
  readonly command: string | undefined;
  constructor(message: string, options: { showUsage?: boolean; command?: string } = {}) {
    super(message);
    this.showUsage = options.showUsage ?? true;
    this.command = options.command;
  }
}

/** An endpoint (the L1 JSON-RPC or the consensus query API) could not be reached or answered garbage. */
export class NetworkError extends Error {
  override name = 'NetworkError';
  readonly target: 'L1' | 'consensus';
  readonly url: string;
  constructor(target: 'L1' | 'consensus', url: string, reason: string) {
    super(`cannot reach the ${target} at ${url}: ${reason}`);
    this.target = target;
    this.url = url;
  }
}

/** The L1 contract or the consensus layer refused the action; `reason` names the custom error or tx code. */
export class RefusedError extends Error {
  override name = 'RefusedError';
  readonly action: string;
  readonly reason: string;
  /** The custom error (L1) or tx code name (consensus). */
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(action: string, code: string, reason: string, details: Record<string, unknown> = {}) {
    super(`${action} refused: ${reason}`);
    this.action = action;
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

/** The consensus query API answered a request with an error (e.g. 404 for an unknown proposal). */
export class QueryError extends Error {
  override name = 'QueryError';
  readonly code: string;
  readonly httpStatus: number;
  constructor(httpStatus: number, code: string, message: string) {
    super(`consensus query API: ${message} (HTTP ${httpStatus} ${code})`);
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

/** A transaction was accepted but its effect did not show up in time (mempool accepted, block not yet seen). */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
  readonly details: Record<string, unknown>;
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.details = details;
  }
}

export type ExpectedError = UsageError | NetworkError | RefusedError | QueryError | TimeoutError;

export function isExpected(error: unknown): error is ExpectedError {
  return error instanceof UsageError || error instanceof NetworkError || error instanceof RefusedError || error instanceof QueryError || error instanceof TimeoutError;
}

export function exitCodeOf(error: unknown): number {
  return error instanceof UsageError ? 2 : 1;
}
