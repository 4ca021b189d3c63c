import type { RpcRequest, RpcResponse } from '../../protocol/jsonrpc/envelope.ts';

/** A host did not answer usably: connection refused, timeout, HTTP error, or not JSON-RPC. */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  readonly url: string;
  constructor(url: string, reason: string) {
    super(`${url}: ${reason}`);
    this.url = url;
  }
}

/**
 * Sends calls to one host and returns one response per call, in the calls' order. Calls carry the gateway's own
 * ids (their index), so answers map back even when clients reuse ids or send notifications.
 */
export async function callHost(url: string, calls: RpcRequest[], timeoutMs: number): Promise<RpcResponse[]> {
  const body = calls.length === 1 ? calls[0] : calls;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new UpstreamError(url, (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (error as Error).message);
  }
  if (response.status >= 500) throw new UpstreamError(url, `HTTP ${response.status}`);
  let parsed: unknown;
  try {
    parsed = await response.json();
  } catch {
    throw new UpstreamError(url, `HTTP ${response.status} with a body that is not JSON`);
  }
  const answers = Array.isArray(parsed) ? (parsed as RpcResponse[]) : [parsed as RpcResponse];
  const whole = answers.length === 1 && answers[0]?.id === null && 'error' in answers[0] ? answers[0] : null;
  // A host that refuses the request as a whole (e.g. its own batch limit) answers once with id null.
  if (whole) return calls.map((call) => ({ ...whole, id: call.id ?? null }));
  const byId = new Map(answers.map((answer) => [answer?.id, answer]));
  return calls.map((call) => {
    const answer = byId.get(call.id ?? null);
    if (!answer) throw new UpstreamError(url, `no answer for call ${String(call.id)} (${call.method})`);
    return answer;
  });
}
