import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckTxType } from 'cosmjs-types/tendermint/abci/types';
import { afterAll, describe, expect, it } from 'vitest';
import { ConsensusApplication } from '../../../../node/consensus/abci/application.ts';
import { TxCode } from '../../../../protocol/consensus/errors.ts';
import type { AccountView, ConsensusStatus } from '../../../../protocol/consensus/query.ts';
import { StateStore } from '../../../../node/consensus/store/store.ts';
import { AppTxSender, type AppTxApi } from '../../../../node/consensus/client/tx-sender.ts';
import { initializedApplication } from '../sim.ts';
import { signerKey } from '../support.ts';

/**
 * AppTxSender against the real ABCI app: its CheckTx (with the mempool nonce view) and its query routes stand in
 * for POST /v1/consensus/tx and GET /v1/consensus/accounts/:address, which answer with exactly these.
 */

const CHAIN = 'sender-test';
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

class InProcessNode {
  readonly store: StateStore;
  app: ConsensusApplication;
  mempool: Uint8Array[] = [];
  height = 1;
  readonly api: AppTxApi & { accountReads: number } = {
    accountReads: 0,
    status: async () => this.query<ConsensusStatus>('/v1/consensus/status'),
    account: async (address: string) => {
      this.api.accountReads++;
      return this.query<AccountView>(`/v1/consensus/accounts/${address}`);
    },
    submitTx: async (tx: Uint8Array | `0x${string}`) => {
      const bytes = typeof tx === 'string' ? Buffer.from(tx.slice(2), 'hex') : tx;
      const { code, log } = this.app.checkTx(bytes, CheckTxType.NEW);
      if (code === 0) this.mempool.push(bytes);
      return { hash: '', code, log };
    },
  };

  constructor() {
    const dir = mkdtempSync(join(tmpdir(), 'tx-sender-'));
    dirs.push(dir);
    this.store = new StateStore(dir);
    this.app = initializedApplication(CHAIN, [30_000], this.store);
  }

  private query<T>(path: string): T {
    const result = this.app.query(path, new Uint8Array());
    if (result.code !== 0) throw new Error(result.log);
    return JSON.parse(new TextDecoder().decode(result.value)) as T;
  }

  /** Commits a block holding the mempool's txs. */
  commitBlock(): void {
    const height = BigInt(++this.height);
    const common = { misbehavior: [], height, time: { seconds: 0n, nanos: 0 }, nextValidatorsHash: new Uint8Array(), proposerAddress: new Uint8Array() };
    const { txs } = this.app.prepareProposal({ ...common, maxTxBytes: 1_000_000n, txs: this.mempool, localLastCommit: { round: 0, votes: [] } });
    this.app.finalizeBlock({ ...common, txs, decidedLastCommit: { round: 0, votes: [] }, hash: new Uint8Array() });
    this.app.commit();
    this.mempool = [];
  }

  /** A restarted node: the committed state read back from its store, the mempool (and CheckTx's nonce view) gone. */
  restart(): void {
    this.app = new ConsensusApplication({ store: this.store });
    this.mempool = [];
  }
}

const propose = (epochLength: number) => ({ kind: 'params' as const, change: { epochLength } });

describe('AppTxSender', () => {
  it('starts from the account route, then counts nonces itself so several txs wait in the mempool together', async () => {
    const node = new InProcessNode();
    const sender = new AppTxSender({ consensus: node.api, key: signerKey(0) });
    const verdicts = await Promise.all([20, 21, 22].map((length) => sender.send('propose', propose(length))));
    expect(verdicts.map((verdict) => [verdict.code, verdict.nonce])).toEqual([[0, 0], [0, 1], [0, 2]]);
    expect(node.api.accountReads).toBe(1);
    node.commitBlock();
    expect((await node.api.account(sender.address)).nonce).toBe(3);
  });

  it('after a bad-nonce refusal re-reads the route: txs dropped from the mempool (count ahead)', async () => {
    const node = new InProcessNode();
    const sender = new AppTxSender({ consensus: node.api, key: signerKey(0), settleMs: 0 });
    await sender.send('propose', propose(20));
    node.commitBlock();
    expect(await sender.send('propose', propose(21))).toMatchObject({ code: TxCode.ok, nonce: 1 });
    node.restart();
    const verdict = await sender.send('propose', propose(22));
    expect(verdict).toMatchObject({ code: TxCode.ok, nonce: 1 });
  });

  it('another process with the same key (count behind): waits for its txs to commit, then re-signs once', async () => {
    const node = new InProcessNode();
    const other = new AppTxSender({ consensus: node.api, key: signerKey(0) });
    await other.send('propose', propose(20));
    await other.send('propose', propose(21));
    const sender = new AppTxSender({ consensus: node.api, key: signerKey(0), settleMs: 5_000, pollMs: 10 });
    const sending = sender.send('propose', propose(22));
    setTimeout(() => node.commitBlock(), 50);
    expect(await sending).toMatchObject({ code: TxCode.ok, nonce: 2 });
  });

  it('gives the refusal back when the route does not move within settleMs, and other refusals at once', async () => {
    const node = new InProcessNode();
    const other = new AppTxSender({ consensus: node.api, key: signerKey(0) });
    await other.send('propose', propose(20));
    const sender = new AppTxSender({ consensus: node.api, key: signerKey(0), settleMs: 30, pollMs: 10 });
    const refused = await sender.send('propose', propose(21));
    expect(refused).toMatchObject({ code: TxCode.badNonce, nonce: 0 });
    expect(refused.log).toMatch(/is not the next nonce/);
    const stakeless = new AppTxSender({ consensus: node.api, key: signerKey(7) });
    expect(await stakeless.send('vote', { proposalId: 1, option: 'yes' })).toMatchObject({ code: TxCode.unauthorized, nonce: 0 });
  });
});
