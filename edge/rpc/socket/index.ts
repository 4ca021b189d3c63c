import { InvalidRequestError, } from '../../../protocol/jsonrpc/errors.ts';
import type { Context } from 'hono';
import { readConfig, type Env } from '../../config/env.ts';
import { errorResponse } from '../../../protocol/jsonrpc/envelope.ts';
import { clientKey } from '../client-key.ts';
import { routeEvents } from '../table.ts';
import { ClientSession } from './session.ts';

// The edge's WebSocket JSON-RPC endpoint: a GET with `Upgrade: websocket` on the gateway's paths (`/`, `/rpc`),
// for viem's webSocket transport and ethers' WebSocketProvider. The client side is a WebSocketPair whose server
// end this Worker holds; subscriptions are relayed over outbound WebSockets to hosts (relay.ts).
//
// Proxying a WebSocket keeps this Worker invocation alive for as long as the client stays connected (billed as
// wall time, and the connection ends if the runtime restarts the isolate, e.g. on deploy: clients reconnect, as
// viem and ethers do). The production choice would be a Durable Object per connection with the WebSocket
// Hibernation API (the object sleeps between notifications and survives isolate restarts); not built here.

export function acceptSocket(c: Context<{ Bindings: Env }>): Response {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    return c.json(errorResponse(null, new InvalidRequestError('POST a JSON-RPC body, or open a WebSocket (Upgrade: websocket)')), 426, {
      Upgrade: 'websocket',
    });
  }
  const config = readConfig(c.env);
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
  const events = routeEvents(c.env.DB, { consensusUrls: config.consensusUrls, waitMs: config.failoverWaitMs, waitUntil });
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  new ClientSession(server, { env: c.env, config, client: clientKey(c.req.raw), events, waitUntil });
  return new Response(null, { status: 101, webSocket: client });
}
