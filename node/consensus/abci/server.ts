import { createServer, type Server, type Socket } from 'node:net';
import { Request, Response } from 'cosmjs-types/tendermint/abci/types';
import { LOOPBACK } from '../../net/listen-address.ts';
import { encodeFrame, FrameDecoder } from './framing.ts';

/** Answers one ABCI request. May be async; answers on one connection are still written in request order. */
export type AbciHandler = (request: Request) => Response | Promise<Response>;

export interface AbciServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * CometBFT 0.38 opens exactly one connection per role (proxy/multi_app_conn.go: consensus, mempool, query,
 * snapshot) and never more: any further connection is someone else on this machine, who must not be able to feed
 * the app requests or exhaust the process, so it is closed on accept.
 */
export const ABCI_MAX_CONNECTIONS = 4;

/**
 * The ABCI socket server CometBFT connects to (proxy_app = tcp://127.0.0.1:<port>). Each connection is served in
 * order, and a Flush request flushes the writes.
 */
export async function startAbciServer(options: { port: number; host?: string; handler: AbciHandler; onError?: (error: Error) => void; maxConnections?: number }): Promise<AbciServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const decoder = new FrameDecoder();
    let queue = Promise.resolve();
    socket.on('data', (chunk) => {
      let frames: Uint8Array[];
      try {
        frames = decoder.push(chunk);
      } catch (error) {
        options.onError?.(error as Error);
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        queue = queue.then(async () => {
          if (socket.destroyed) return;
          const response = await answer(options.handler, frame, options.onError);
          socket.write(encodeFrame(Response.encode(response).finish()));
        });
      }
    });
    socket.on('error', (error) => options.onError?.(error));
    socket.on('close', () => sockets.delete(socket));
  });
  server.maxConnections = options.maxConnections ?? ABCI_MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? LOOPBACK, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function answer(handler: AbciHandler, frame: Uint8Array, onError?: (error: Error) => void): Promise<Response> {
  let request: Request;
  try {
    request = Request.decode(frame);
  } catch (error) {
    return Response.fromPartial({ exception: { error: `undecodable ABCI request: ${(error as Error).message}` } });
  }
  if (request.flush) return Response.fromPartial({ flush: {} });
  if (request.echo) return Response.fromPartial({ echo: { message: request.echo.message } });
  try {
    return await handler(request);
  } catch (error) {
    onError?.(error as Error);
    // CometBFT treats an exception on the consensus connection as fatal: a node stops rather than diverge.
    return Response.fromPartial({ exception: { error: (error as Error).stack ?? String(error) } });
  }
}
