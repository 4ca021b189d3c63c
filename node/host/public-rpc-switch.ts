import type { RpcServer } from './rpc/server.ts';

/**
 * Fault injection for tests and drills (operator API POST /faults/public-rpc): takes the host's public JSON-RPC
 * listener down — the port then refuses connections and open ones are closed — and brings it back on the same
 * port. Only the public RPC: the peer link, replication, consensus and MPC go on, which is exactly the fault the
 * edge's rotation trigger exists for (users cannot reach a sequencer that its peers still see producing).
 */
export class PublicRpcSwitch {
  private server: RpcServer | null;
  private readonly start: () => Promise<RpcServer>;
  private readonly log: (line: string) => void;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(server: RpcServer, start: () => Promise<RpcServer>, log: (line: string) => void) {
    this.server = server;
    this.start = start;
    this.log = log;
  }

  get up(): boolean {
    return this.server !== null;
  }

  /** Brings the listener down (up = false) or back (up = true); one change at a time. Resolves to the new state. */
  set(up: boolean): Promise<boolean> {
    const change = this.busy.then(async () => {
      if (!up && this.server) {
        await this.server.close();
        this.server = null;
        this.log('fault injection: public JSON-RPC listener closed by the operator (peer link and consensus stay up)');
      } else if (up && !this.server) {
        this.server = await this.start();
        this.log('fault injection: public JSON-RPC listener reopened by the operator');
      }
      return this.up;
    });
    this.busy = change.catch(() => undefined);
    return change;
  }

  async close(): Promise<void> {
    await this.busy;
    await this.server?.close();
    this.server = null;
  }
}
