/**
 * One JSON-RPC request to another process (an L1 node, a host's own RPC): the client half of what node/rpc serves.
 * Two named failures, so callers can tell "nobody answered" from "it answered no".
 */

/** The request never got a JSON-RPC answer: refused, timed out, or the reply was not JSON-RPC. */
export class RpcUnreachableError extends Error {
  override name = 'RpcUnreachableError';
  readonly url: string;
  readonly method: string;
  readonly reason: string;
  constructor(url: string, method: string, reason: string) {
    super(`${method} at ${url}: ${reason}`);
    this.url = url;
    this.method = method;
    this.reason = reason;
  }
}

/** The server answered with a JSON-RPC error object. */
export class RpcCallError extends Error {
  override name = 'RpcCallError';
  readonly method: string;
  /** The JSON-RPC error code (EIP-1474), when the server gave a number. */
  readonly code: number | undefined;
  readonly reason: string;
  readonly data: unknown;
  constructor(method: string, code: number | undefined, reason: string, data?: unknown) {
    super(`${method}: ${reason}`);
    this.method = method;
    this.code = code;
    this.reason = reason;
    this.data = data;
  }
}

export interface RpcCallOptions {
  /** Gives up (RpcUnreachableError) after this long; none by default. */
  timeoutMs?: number;
}

export async function rpcCall<T = unknown>(url: string, method: string, params: unknown = [], options: RpcCallOptions = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      ...(options.timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(options.timeoutMs) }),
    });
  } catch (error) {
    throw new RpcUnreachableError(url, method, causeText(error, options.timeoutMs));
  }
  let body: { result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new RpcUnreachableError(url, method, `HTTP ${response.status}, not a JSON-RPC answer`);
  }
  if (body?.error !== undefined && body.error !== null) {
    const { code, message, data } = body.error;
    throw new RpcCallError(method, typeof code === 'number' ? code : undefined, typeof message === 'string' ? message : JSON.stringify(body.error), data);
  }
  if (!body || !('result' in body)) throw new RpcUnreachableError(url, method, `HTTP ${response.status}, an answer with neither result nor error`);
  return body.result as T;
}

/** The useful part of a fetch failure: undici hides the socket error (ECONNREFUSED, ...) in `cause`. */
function causeText(error: unknown, timeoutMs: number | undefined): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  if ((error as Error)?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return error instanceof Error ? error.message : String(error);
}
