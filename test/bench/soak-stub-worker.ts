import { DurableObject } from 'cloudflare:workers';

/**
 * The B side of the soak's edge A/B (test/bench/soak-edge.ts), never deployed: the same bindings as the edge
 * (wrangler.toml) but a handler reduced to a constant JSON-RPC answer. With SOAK_STUB = "limiter" it first spends
 * the request budget on the local runtime's simulated rate limiter, keyed like the edge keys clients, so the
 * simulator's own cost per client key can be told apart from ours.
 */
interface StubEnv {
  RPC_LIMITER: RateLimit;
  SOAK_STUB?: string;
}

export class TxRateLimiter extends DurableObject {}

export default {
  async fetch(request: Request, env: StubEnv): Promise<Response> {
    await request.arrayBuffer();
    if (env.SOAK_STUB === 'limiter') await env.RPC_LIMITER.limit({ key: request.headers.get('cf-connecting-ip') ?? 'unknown' });
    return Response.json({ jsonrpc: '2.0', id: 1, result: '0x1' });
  },
} satisfies ExportedHandler<StubEnv>;
