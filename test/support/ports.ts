import { createServer } from 'node:net';

/**
 * Loopback ports for the tests' servers, below the kernel's ephemeral range (32768+): a port the OS hands out for
 * `listen(0)` is free only until something else takes it, and between this check and a CometBFT node binding it
 * seconds later, any outgoing connection on the machine may take it as its local port. Each vitest worker draws
 * from its own slice of 10000–19999 (the e2e devnets use 20000–31999), so parallel test files never race for one.
 */
const FIRST = 10_000;
const SLICE = 1_250;
const worker = Math.max(0, Number(process.env.VITEST_POOL_ID ?? 1) - 1) % 8;
let next = Math.floor(Math.random() * SLICE);

/** Whether nothing listens on the loopback port now. */
export function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A loopback port nobody listens on, from this worker's slice (the listener used to check is closed again). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < SLICE; attempt++) {
    const port = FIRST + worker * SLICE + (next++ % SLICE);
    if (await isFree(port)) return port;
  }
  throw new Error(`no free loopback port in ${FIRST + worker * SLICE}–${FIRST + (worker + 1) * SLICE - 1}`);
}
