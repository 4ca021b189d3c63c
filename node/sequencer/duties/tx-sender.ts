import { TxCode } from '../../consensus/app/errors.ts';
import type { ConsensusClient } from '../../consensus/client.ts';
import { signTx, type TxType } from '../../consensus/txs.ts';
import type { Hex } from '../../chain/hex.ts';
import type { SubmitTx, TxVerdict } from './context.ts';

/** The nonce a badNonce refusal names ("… is not the next nonce of 0x… (7)"), or null. */
export function expectedNonce(log: string): number | null {
  const match = /is not the next nonce of 0x[0-9a-f]{40} \((\d+)\)/i.exec(log);
  return match ? Number(match[1]) : null;
}

/**
 * Signs app txs with the host's L1 signer key and submits them through the query API, one at a time. The API has
 * no account route, so the next nonce is learned from CheckTx (which counts txs already in the mempool): a
 * badNonce refusal names the expected nonce and the tx is re-signed with it. Another process sending with the
 * same key therefore costs a retry, never a lost tx.
 */
export function appTxSender(options: { consensus: ConsensusClient; key: Hex; chainId?: string }): SubmitTx {
  let chainId = options.chainId ?? null;
  let nonce = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const send = async (type: TxType, payload: object): Promise<TxVerdict> => {
    chainId ??= (await options.consensus.status()).chainId;
    for (let attempt = 0; ; attempt++) {
      const bytes = signTx(options.key, { chainId, type, nonce, payload } as Parameters<typeof signTx>[1]);
      const verdict = await options.consensus.submitTx(bytes);
      if (verdict.code === TxCode.ok) {
        nonce++;
        return verdict;
      }
      const expected = verdict.code === TxCode.badNonce ? expectedNonce(verdict.log) : null;
      if (expected === null || expected === nonce || attempt >= 4) return verdict;
      nonce = expected;
    }
  };
  return (type, payload) => {
    const result = queue.then(() => send(type, payload));
    queue = result.catch(() => undefined);
    return result;
  };
}
