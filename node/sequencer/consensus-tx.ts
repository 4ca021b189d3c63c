import { Wallet } from 'ethers';
import { TxCode } from '../consensus/app/errors.ts';
import { signTx, type TxPayload, type TxType } from '../consensus/txs.ts';

/** CheckTx's verdict on one app tx (code 0 = accepted into CometBFT's mempool). */
export interface ConsensusTxResult {
  hash: string;
  code: number;
  log: string;
}

export type SubmitConsensusTx = <T extends TxType>(type: T, payload: TxPayload<T>) => Promise<ConsensusTxResult>;

export class ConsensusTxError extends Error {
  override name = 'ConsensusTxError';
  readonly url: string;
  constructor(url: string, message: string) {
    super(`${url}: ${message}`);
    this.url = url;
  }
}

export interface ConsensusTxSenderOptions {
  /** The sequencer's node key (its L1 signer): app txs are authenticated by it. */
  nodeKey: string;
  /** This host's consensus query API (POST /v1/consensus/tx). */
  queryUrl: string;
  /** The sender's committed nonce, when the caller can read it cheaply (the in-process app); else learned from CheckTx. */
  committedNonce?: () => number | undefined;
  /** The CometBFT chain id; read from /v1/consensus/status when absent. */
  chainId?: string;
  timeoutMs?: number;
}

/** The nonce a badNonce refusal names ("nonce 3 is not the next nonce of 0x… (7)"), or null. */
export function expectedNonce(log: string): number | null {
  const match = /is not the next nonce of 0x[0-9a-f]{40} \((\d+)\)/i.exec(log);
  return match ? Number(match[1]) : null;
}

/**
 * Signs app txs with the node key and submits them to the local consensus node, one at a time so the nonces stay
 * in order. The nonce is tracked locally from the first one CheckTx accepts; a badNonce refusal (another process
 * using the key, a tx evicted from the mempool, a restart) names the expected nonce and the tx is re-signed with it.
 * Other refusals are returned, not thrown: the caller decides (a duplicate report is often fine).
 */
export class ConsensusTxSender {
  readonly address: string;
  private readonly wallet: Wallet;
  private readonly options: ConsensusTxSenderOptions;
  private next: number | null = null;
  private chainId: string | null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: ConsensusTxSenderOptions) {
    this.options = options;
    this.wallet = new Wallet(options.nodeKey);
    this.address = this.wallet.address.toLowerCase();
    this.chainId = options.chainId ?? null;
  }

  /** Bound `submit`, in the shape duties take. */
  readonly submit: SubmitConsensusTx = (type, payload) => {
    const run = this.queue.then(() => this.send(type, payload));
    this.queue = run.catch(() => undefined);
    return run;
  };

  private async send<T extends TxType>(type: T, payload: TxPayload<T>): Promise<ConsensusTxResult> {
    const chainId = this.chainId ?? (this.chainId = await this.readChainId());
    let nonce = this.next ?? this.options.committedNonce?.() ?? 0;
    for (let attempt = 0; ; attempt++) {
      const bytes = signTx<T>(this.wallet, { chainId, type, nonce, payload } as Parameters<typeof signTx<T>>[1]);
      const result = await this.post(bytes);
      if (result.code === TxCode.ok) {
        this.next = nonce + 1;
        return result;
      }
      const expected = result.code === TxCode.badNonce ? expectedNonce(result.log) : null;
      if (expected === null || expected === nonce || attempt >= 3) {
        if (result.code === TxCode.badNonce) this.next = null;
        return result;
      }
      nonce = expected;
    }
  }

  private async post(bytes: Uint8Array): Promise<ConsensusTxResult> {
    const url = `${this.options.queryUrl.replace(/\/$/, '')}/v1/consensus/tx`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tx: `0x${Buffer.from(bytes).toString('hex')}` }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new ConsensusTxError(url, `no answer (${(error as Error).message})`);
    }
    const body = (await response.json().catch(() => null)) as (ConsensusTxResult & { error?: { code: string; message: string } }) | null;
    if (!response.ok || !body || typeof body.code !== 'number') {
      throw new ConsensusTxError(url, body?.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`);
    }
    return { hash: body.hash, code: body.code, log: body.log };
  }

  private async readChainId(): Promise<string> {
    const url = `${this.options.queryUrl.replace(/\/$/, '')}/v1/consensus/status`;
    const response = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) });
    if (!response.ok) throw new ConsensusTxError(url, `HTTP ${response.status} (no consensus state yet?)`);
    return ((await response.json()) as { chainId: string }).chainId;
  }
}
