import { connect } from 'node:net';

export interface RawExchange {
  /** Everything the server sent back (latin1, so binary answers survive). */
  text: string;
  /** The server closed the connection (rather than the wait running out). */
  closedByServer: boolean;
}

/**
 * Writes `chunks` to a loopback TCP port (with `gapMs` between chunks, for slow senders) and collects the answer
 * until the server closes, `until` holds, or `waitMs` passes after the last write. Never rejects: a refused or reset connection is
 * an answer like any other.
 */
export function rawExchange(port: number, chunks: readonly (string | Uint8Array)[], options: { waitMs?: number; gapMs?: number; endAfterWrite?: boolean; until?: (received: Buffer) => boolean } = {}): Promise<RawExchange> {
  const waitMs = options.waitMs ?? 1_000;
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const socket = connect(port, '127.0.0.1');
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(received).toString('latin1'), closedByServer });
    };
    socket.on('data', (data) => {
      received.push(data);
      if (options.until?.(Buffer.concat(received))) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.once('connect', async () => {
      for (const [index, chunk] of chunks.entries()) {
        if (index > 0 && options.gapMs) await new Promise((next) => setTimeout(next, options.gapMs));
        if (socket.destroyed) return;
        socket.write(chunk);
      }
      if (options.endAfterWrite) socket.end();
      timer = setTimeout(() => finish(false), waitMs);
    });
  });
}

/** The status code of the first HTTP response in `text`, or null. */
export function httpStatus(text: string): number | null {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return match ? Number(match[1]) : null;
}
