import type { ConsensusClient } from '../../consensus/client/client.ts';
import { AppTxSender } from '../../consensus/client/tx-sender.ts';
import type { TxPayload, TxType } from '../../consensus/app/txs.ts';
import type { Hex } from '../../encoding/hex.ts';
import type { SubmitTx } from './context.ts';

/**
 * Signs app txs with the host's L1 signer key and submits them through the query API, one at a time: the
 * consensus layer's AppTxSender (nonce from the account route, counted locally, re-read after a bad-nonce
 * refusal), in the shape the duties take.
 */
export function appTxSender(options: { consensus: ConsensusClient; key: Hex; chainId?: string }): SubmitTx {
  const sender = new AppTxSender(options);
  return (type: TxType, payload: object) => sender.send(type, payload as TxPayload<TxType>);
}
