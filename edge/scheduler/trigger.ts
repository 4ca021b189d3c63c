import { Wallet, hexlify, toUtf8Bytes } from 'ethers';
import { canonicalJson } from '../../protocol/consensus/canonical.ts';

// The app tx the scheduler sends to start a rotation, in the consensus layer's format (node/consensus/app/txs.ts):
// UTF-8 JSON {"body": {chainId, type, from, nonce, payload}, "signature"} where the signature is EIP-191
// personal_sign by `from` over the canonical JSON of body. The payload is {epoch, reason}; what the scheduler saw
// (the reason, the L2 height, when) goes into `reason` as text, since the app records it and decides by itself.

export type TriggerReason = 'epoch' | 'liveness';

export interface RotationTrigger {
  /** The consensus layer's chain id (status.chainId): a trigger cannot be replayed on another network. */
  chainId: string;
  epoch: number;
  reason: TriggerReason;
  detail: string;
  observedL2Height: number;
  observedAt: number;
  nonce: number;
}

export interface SignedTrigger {
  from: string;
  /** 0x-hex of the tx bytes, as POST /v1/consensus/tx takes them. */
  tx: string;
  /** The reason text sent in the payload. */
  reason: string;
}

const MAX_REASON = 256;

export function reasonText(trigger: Pick<RotationTrigger, 'reason' | 'detail' | 'observedL2Height' | 'observedAt'>): string {
  const text = `${trigger.reason}: ${trigger.detail} (observed L2 height ${trigger.observedL2Height} at ${new Date(trigger.observedAt).toISOString()})`;
  return text.length <= MAX_REASON ? text : `${text.slice(0, MAX_REASON - 1)}…`;
}

export function signTrigger(privateKey: string, trigger: RotationTrigger): SignedTrigger {
  const wallet = new Wallet(privateKey);
  const from = wallet.address.toLowerCase();
  const reason = reasonText(trigger);
  const body = { chainId: trigger.chainId, type: 'rotation-trigger', from, nonce: trigger.nonce, payload: { epoch: trigger.epoch, reason } };
  const signature = wallet.signMessageSync(canonicalJson(body));
  return { from, tx: hexlify(toUtf8Bytes(JSON.stringify({ body, signature }))), reason };
}
