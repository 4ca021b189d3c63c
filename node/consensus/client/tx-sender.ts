import { Wallet } from 'ethers';
import { TxCode } from '../../../protocol/consensus/errors.ts';
import type { Address } from '../../../protocol/consensus/types.ts';
import type { ConsensusClient } from './client.ts';
import { signTx, type TxPayload, type TxType } from '../app/txs.ts';

/** CheckTx's verdict on one app tx (code 0 = accepted into the mempool), and the nonce it was signed with. */
export interface AppTxVerdict {
  hash: string;
  code: number;
  log: string;
  nonce: number;
}

/** What the sender needs of the query API (ConsensusClient has it). */
export type AppTxApi = Pick<ConsensusClient, 'status' | 'account' | 'submitTx'>;

export interface AppTxSenderOptions {
  consensus: AppTxApi;
  /** The sender's L1 signer key (hex private key or an ethers Wallet). */
  key: string | Wallet;
  /** The CometBFT chain id; read from /v1/consensus/status when absent. */
  chainId?: string;
  /** How long a bad-nonce refusal waits for the sender's txs already in the mempool to commit (default 5 s). */
  settleMs?: number;
  /** How often the account route is read while waiting (default 200 ms). */
  pollMs?: number;
}

/**
 * Signs app txs (txs.ts signTx) with one key and posts them to POST /v1/consensus/tx, one at a time so nonces stay
 * in order. The first nonce is the committed one from GET /v1/consensus/accounts/:address; after that the nonce
 * is counted here, so several txs can wait in the mempool together. A bad-nonce refusal (code 4) means the count
 * is off: txs of this sender were dropped from the mempool (the count is ahead), or another process sends with
 * the same key (the count is behind). The sender then re-reads the account route, waiting up to `settleMs` while
 * it still names the refused nonce (the other process's txs are in the mempool, not yet committed), and re-signs
 * once. Every verdict is returned, not thrown: callers decide what a refusal means to them.
 */
export class AppTxSender {
  readonly address: Address;
  private readonly wallet: Wallet;
  private readonly options: AppTxSenderOptions;
  private chainId: string | null;
  private next: number | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: AppTxSenderOptions) {
    this.options = options;
    this.wallet = typeof options.key === 'string' ? new Wallet(options.key) : options.key;
    this.address = this.wallet.address.toLowerCase() as Address;
    this.chainId = options.chainId ?? null;
  }

  send<T extends TxType>(type: T, payload: TxPayload<T>): Promise<AppTxVerdict> {
    const run = this.queue.then(() => this.sendNow(type, payload));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async sendNow<T extends TxType>(type: T, payload: TxPayload<T>): Promise<AppTxVerdict> {
    this.chainId ??= (await this.options.consensus.status()).chainId;
    const chainId = this.chainId;
    let nonce = this.next ?? (await this.committedNonce());
    let verdict = await this.submit(chainId, type, nonce, payload);
    if (verdict.code === TxCode.badNonce) {
      const fresh = await this.nonceOtherThan(nonce);
      if (fresh !== null) {
        nonce = fresh;
        verdict = await this.submit(chainId, type, nonce, payload);
      }
    }
    if (verdict.code === TxCode.ok) this.next = nonce + 1;
    else if (verdict.code === TxCode.badNonce) this.next = null;
    return verdict;
  }

  private async submit<T extends TxType>(chainId: string, type: T, nonce: number, payload: TxPayload<T>): Promise<AppTxVerdict> {
    const bytes = signTx<T>(this.wallet, { chainId, type, nonce, payload } as Parameters<typeof signTx<T>>[1]);
    const { hash, code, log } = await this.options.consensus.submitTx(bytes);
    return { hash, code, log, nonce };
  }

  private async committedNonce(): Promise<number> {
    return (await this.options.consensus.account(this.address)).nonce;
  }

  /** The committed nonce once it differs from `refused`, or null if it still equals it after `settleMs`. */
  private async nonceOtherThan(refused: number): Promise<number | null> {
    const deadline = Date.now() + (this.options.settleMs ?? 5_000);
    for (;;) {
      const nonce = await this.committedNonce();
      if (nonce !== refused) return nonce;
      if (Date.now() >= deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 200));
    }
  }
}
