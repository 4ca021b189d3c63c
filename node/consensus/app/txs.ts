import { Wallet, verifyMessage } from 'ethers';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { canonicalJson } from '../../../protocol/consensus/canonical.ts';
import { TxCode, TxRejectedError } from '../../../protocol/consensus/errors.ts';
import { evidenceSchema } from './extension.ts';
import { address, describeIssues, hex32, hexBytes, uint, weiAmount } from './schemas.ts';
import type { Address, Hex } from '../../../protocol/consensus/types.ts';

/**
 * App transactions: UTF-8 JSON `{"body": {chainId, type, from, nonce, payload}, "signature": "0x…"}` where the
 * signature is EIP-191 personal_sign by `from` (the sender's L1 signer key) over the canonical JSON of body
 * (keys sorted, no whitespace). chainId is the CometBFT chain id, so a tx cannot be replayed on another network;
 * nonce is the sender's next nonce, so it cannot be replayed on this one.
 */

const base64Bytes = (length: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'expected base64')
    .refine((value) => Buffer.from(value, 'base64').length === length, `expected ${length} bytes`);

const url = z.string().max(256).regex(/^(https?|wss?):\/\/[^\s]+$/, 'expected an http(s) or ws(s) URL');

export const paramChangeSchema = z
  .object({
    epochLength: uint.min(2).max(1_000_000).optional(),
    blockTimeMs: uint.min(50).max(60_000).optional(),
    minLock: weiAmount.optional(),
    maxLock: weiAmount.optional(),
    rewardPerBlock: weiAmount.optional(),
    livenessTimeoutMs: uint.min(200).max(600_000).optional(),
  })
  .strict()
  .refine((change) => Object.keys(change).length > 0, 'a params proposal must change at least one parameter');

export const whitelistChangeSchema = z
  .object({ add: z.array(address).max(100), remove: z.array(address).max(100) })
  .strict()
  .refine((change) => change.add.length + change.remove.length > 0, 'a whitelist proposal must add or remove someone');

export const txPayloadSchemas = {
  'register-comet-key': z
    .object({
      /** base64 ed25519 public key of the validator's CometBFT priv_validator_key */
      pubKey: base64Bytes(32),
      /** base64 ed25519 signature by that key over "register-comet-key:<chainId>:<from>" (proof of possession) */
      proof: base64Bytes(64),
      rpcUrl: url.optional(),
      peerUrl: url.optional(),
    })
    .strict(),
  propose: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('params'), change: paramChangeSchema, title: z.string().max(200).optional() }).strict(),
    z.object({ kind: z.literal('whitelist'), change: whitelistChangeSchema, title: z.string().max(200).optional() }).strict(),
  ]),
  vote: z.object({ proposalId: uint, option: z.enum(['yes', 'no', 'abstain']) }).strict(),
  'rotation-trigger': z.object({ epoch: uint, reason: z.string().max(256) }).strict(),
  'mpc-sign-request': z
    .object({ purpose: z.literal('batch'), ref: z.string().min(1).max(128), fromBlock: uint, toBlock: uint, digest: hex32 })
    .strict()
    .refine((request) => request.toBlock >= request.fromBlock, 'toBlock must be >= fromBlock'),
  'mpc-session-result': z
    .object({
      sessionId: uint,
      status: z.enum(['completed', 'failed', 'refused']),
      result: z.record(z.string(), z.union([z.string().max(1024), z.number(), z.boolean(), z.null()])).optional(),
      reason: z.string().max(256).optional(),
    })
    .strict(),
  'misbehaviour-evidence': z.object({ evidence: evidenceSchema }).strict(),
} as const;

export type TxType = keyof typeof txPayloadSchemas;
export type TxPayload<T extends TxType> = z.infer<(typeof txPayloadSchemas)[T]>;
export const TX_TYPES = Object.keys(txPayloadSchemas) as TxType[];

export interface TxBody<T extends TxType = TxType> {
  chainId: string;
  type: T;
  from: Address;
  nonce: number;
  payload: TxPayload<T>;
}

export type AnyTxBody = { [T in TxType]: TxBody<T> }[TxType];

export interface SignedTx {
  body: AnyTxBody;
  signature: Hex;
  /** sha256 of the tx bytes, uppercase hex without 0x: CometBFT's tx hash. */
  hash: string;
}

const envelopeSchema = z
  .object({
    body: z
      .object({
        chainId: z.string().min(1).max(64),
        type: z.enum(TX_TYPES as [TxType, ...TxType[]]),
        from: z.string().regex(/^0x[0-9a-f]{40}$/, 'from must be a lowercase 0x-prefixed address') as z.ZodType<Address>,
        nonce: uint,
        payload: z.unknown(),
      })
      .strict(),
    signature: hexBytes,
  })
  .strict();

export const MAX_TX_BYTES = 16 * 1024;

/** The exact text the sender signs (EIP-191 personal_sign). */
export function txSigningMessage(body: TxBody): string {
  return canonicalJson(body);
}

export function txHash(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes)).toUpperCase();
}

/** Signs and encodes a tx with the sender's L1 signer key (hex private key or an ethers Wallet). */
export function signTx<T extends TxType>(signer: string | Wallet, body: Omit<TxBody<T>, 'from'> & { from?: Address }): Uint8Array {
  const wallet = typeof signer === 'string' ? new Wallet(signer) : signer;
  const full = { ...body, from: (body.from ?? wallet.address).toLowerCase() as Address } as TxBody;
  const signature = wallet.signMessageSync(txSigningMessage(full));
  return new TextEncoder().encode(JSON.stringify({ body: full, signature }));
}

/**
 * Decodes and authenticates a tx: well-formed JSON, a known type with a valid payload, and a signature by `from`.
 * Stateful checks (chain id, nonce, stake) are the app's.
 */
export function decodeTx(bytes: Uint8Array): SignedTx {
  if (bytes.length > MAX_TX_BYTES) throw new TxRejectedError(TxCode.malformed, `tx is ${bytes.length} bytes; the limit is ${MAX_TX_BYTES}`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new TxRejectedError(TxCode.malformed, 'tx is not UTF-8 JSON');
  }
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) throw new TxRejectedError(TxCode.malformed, `malformed tx: ${describeIssues(envelope.error)}`);
  const { body, signature } = envelope.data;
  const payload = txPayloadSchemas[body.type].safeParse(body.payload);
  if (!payload.success) throw new TxRejectedError(TxCode.malformed, `invalid ${body.type} payload: ${describeIssues(payload.error)}`);
  // The signature covers the payload as sent, so check it before normalising addresses in the payload.
  let signer: string;
  try {
    signer = verifyMessage(txSigningMessage(body as TxBody), signature).toLowerCase();
  } catch {
    throw new TxRejectedError(TxCode.badSignature, 'signature is not a valid secp256k1 signature');
  }
  if (signer !== body.from) throw new TxRejectedError(TxCode.badSignature, `signature is by ${signer}, not by from (${body.from})`);
  return { body: { ...body, payload: payload.data } as AnyTxBody, signature, hash: txHash(bytes) };
}
