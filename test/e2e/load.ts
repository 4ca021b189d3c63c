import { Transaction, type Wallet, type HDNodeWallet } from 'ethers';
import { rpc } from './support.ts';

/** A transaction that got a receipt from the endpoint it was sent to: it must never disappear afterwards. */
export interface Receipted {
  hash: string;
  blockNumber: number;
  blockHash: string;
  sentAt: number;
  receiptAt: number;
}

export interface LoadStats {
  sent: number;
  receipted: Receipted[];
  /** Submissions answered with an error (each is retried with the same bytes: resubmitting is always safe). */
  errors: string[];
}

/**
 * Steady transfer load through one JSON-RPC endpoint: each wallet sends a signed transfer, waits for its receipt,
 * and sends the next, so every wallet has at most one transaction in flight. A failed submission (the sequencer
 * was just killed) is resubmitted with the same raw bytes until it is accepted or the load stops.
 */
export class TransferLoad {
  readonly stats: LoadStats = { sent: 0, receipted: [], errors: [] };
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly url: string;
  private readonly wallets: (Wallet | HDNodeWallet)[];
  private readonly chainId: number;
  private readonly pauseMs: number;

  constructor(options: { url: string; wallets: (Wallet | HDNodeWallet)[]; chainId: number; pauseMs?: number }) {
    this.url = options.url;
    this.wallets = options.wallets;
    this.chainId = options.chainId;
    this.pauseMs = options.pauseMs ?? 50;
  }

  start(): void {
    this.running = true;
    this.loops = this.wallets.map((wallet, index) => this.loop(wallet, index));
  }

  /** Stops sending; waits for the receipt of each wallet's transaction in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /**
   * Submits `raw` until it has a receipt. An acknowledged transaction that was only in the pool of a sequencer that
   * died has no receipt and never will: after a few seconds without one, the same bytes are submitted again.
   */
  private async deliver(raw: string, headers: Record<string, string>): Promise<Omit<Receipted, 'sentAt' | 'receiptAt'> | null> {
    const hash = Transaction.from(raw).hash!;
    const receiptOf = async () => {
      const receipt = await rpc<{ blockNumber: string; blockHash: string } | null>(this.url, 'eth_getTransactionReceipt', [hash], 5_000, headers).catch(() => null);
      return receipt ? { hash, blockNumber: Number(receipt.blockNumber), blockHash: receipt.blockHash } : null;
    };
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      try {
        await rpc<string>(this.url, 'eth_sendRawTransaction', [raw], 15_000, headers);
        this.stats.sent++;
      } catch (error) {
        // "nonce too low" after a retry can mean it is already in: look before sending again.
        this.stats.errors.push((error as Error).message);
        const receipt = await receiptOf();
        if (receipt) return receipt;
        if (!this.running) return null;
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      const resendAt = Date.now() + 5_000;
      while (Date.now() < resendAt) {
        const receipt = await receiptOf();
        if (receipt) return receipt;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    throw new Error(`a transaction sent to ${this.url} got no receipt within 60 s`);
  }

  private async loop(wallet: Wallet | HDNodeWallet, index: number): Promise<void> {
    // Each wallet is its own client (as wallets are): the edge budgets requests per client IP.
    const headers = { 'cf-connecting-ip': `10.77.${index >> 8}.${index & 255}` };
    let nonce = Number(await rpc<string>(this.url, 'eth_getTransactionCount', [wallet.address, 'pending'], 5_000, headers));
    while (this.running) {
      const raw = await wallet.signTransaction({
        type: 2,
        chainId: this.chainId,
        nonce,
        to: wallet.address,
        value: 1n,
        gasLimit: 21_000n,
        maxFeePerGas: 20_000_000_000n,
        maxPriorityFeePerGas: 1_000_000_000n,
      });
      const sentAt = Date.now();
      const receipt = await this.deliver(raw, headers);
      if (!receipt) return;
      this.stats.receipted.push({ ...receipt, sentAt, receiptAt: Date.now() });
      nonce++;
      await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    }
  }
}
