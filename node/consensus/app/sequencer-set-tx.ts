import { Interface, Signature, Transaction, getAddress, getCreateAddress, parseUnits, type InterfaceAbi } from 'ethers';
import { loadArtifact } from '../../../contracts/artifacts.ts';
import type { SequencerSetCall, SequencerSetMethod } from './sequencer-set.ts';

/**
 * The L2 transaction of a `sequencer-set` signing request (app/sequencer-set.ts), built the same way by every
 * host from the request alone: EIP-1559, from the MPC address, with fixed gas and fee caps so that the unsigned
 * transaction — and so the digest the MPC signs — depends on nothing a host could see differently.
 */

/** Gas limits with headroom over what the calls use (deploy ~0.9M; commit/recommit < 120k, see the tests). */
export const SEQUENCER_SET_GAS = { deploy: 1_500_000n, call: 300_000n } as const;
/**
 * Fee caps: the L2 base fee starts at 1 gwei and moves by at most 12.5% a block, so 100 gwei is far above it in
 * normal operation; a write waits in the pool while the base fee is above it. The tip puts writes ahead of
 * zero-tip traffic. The MPC address pays at most gas × 100 gwei per write (0.15 ETH for the deploy).
 */
export const SEQUENCER_SET_FEES = { maxFeePerGas: parseUnits('100', 'gwei'), maxPriorityFeePerGas: parseUnits('1', 'gwei') } as const;

const METHODS: readonly SequencerSetMethod[] = ['deploy', 'commitEpoch', 'recommitEpoch'];

let cached: { iface: Interface; bytecode: string } | null = null;
function artifact(): { iface: Interface; bytecode: string } {
  if (!cached) {
    const loaded = loadArtifact('SequencerSet');
    cached = { iface: new Interface(loaded.abi as InterfaceAbi), bytecode: loaded.bytecode };
  }
  return cached;
}

/** Where the MPC address's first L2 transaction (nonce 0, the deploy) puts the contract. */
export function sequencerSetAddress(mpcAddress: string): string {
  return getCreateAddress({ from: getAddress(mpcAddress), nonce: 0 });
}

export class SequencerSetRequestError extends Error {
  override name = 'SequencerSetRequestError';
}

const isUint = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** Reads a session's request strictly; throws SequencerSetRequestError naming the first bad field. */
export function parseSequencerSetCall(request: Record<string, unknown>): SequencerSetCall & { mpcAddress: string } {
  const { method, nonce, oldEpoch, epoch, startBlock, endBlock, signer, attempt, mpcAddress } = request;
  const fail = (reason: string): never => {
    throw new SequencerSetRequestError(`sequencer-set request: ${reason}`);
  };
  if (!METHODS.includes(method as SequencerSetMethod)) fail(`unknown method ${JSON.stringify(method)}`);
  if (!isUint(nonce)) fail('nonce must be a non-negative integer');
  if ((method === 'deploy') !== (nonce === 0)) fail('the deploy, and only the deploy, uses nonce 0');
  if (method === 'recommitEpoch' ? !isUint(oldEpoch) : oldEpoch !== null) fail('oldEpoch is the cut epoch of a recommit, null otherwise');
  if (!isUint(epoch) || !isUint(startBlock) || !isUint(endBlock)) fail('epoch, startBlock and endBlock must be non-negative integers');
  if (typeof signer !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(signer)) fail('signer is not an address');
  if (typeof mpcAddress !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(mpcAddress)) fail('mpcAddress is not an address');
  return {
    method: method as SequencerSetMethod,
    nonce: nonce as number,
    oldEpoch: oldEpoch as number | null,
    epoch: epoch as number,
    startBlock: startBlock as number,
    endBlock: endBlock as number,
    signer: signer as string,
    attempt: isUint(attempt) ? attempt : 1,
    mpcAddress: mpcAddress as string,
  };
}

/** The unsigned transaction; its `unsignedHash` is what the MPC signs. */
export function sequencerSetTx(call: SequencerSetCall & { mpcAddress: string }, l2ChainId: bigint | number): Transaction {
  const { iface, bytecode } = artifact();
  const signer = getAddress(call.signer);
  let to: string | null;
  let data: string;
  if (call.method === 'deploy') {
    to = null;
    data = bytecode + iface.encodeDeploy([getAddress(call.mpcAddress), call.epoch, call.startBlock, call.endBlock, signer]).slice(2);
  } else {
    to = sequencerSetAddress(call.mpcAddress);
    data =
      call.method === 'commitEpoch'
        ? iface.encodeFunctionData('commitEpoch', [call.epoch, call.startBlock, call.endBlock, signer])
        : iface.encodeFunctionData('recommitEpoch', [call.oldEpoch, call.epoch, call.startBlock, call.endBlock, signer]);
  }
  return Transaction.from({
    type: 2,
    chainId: BigInt(l2ChainId),
    nonce: call.nonce,
    to,
    data,
    value: 0n,
    gasLimit: call.method === 'deploy' ? SEQUENCER_SET_GAS.deploy : SEQUENCER_SET_GAS.call,
    maxFeePerGas: SEQUENCER_SET_FEES.maxFeePerGas,
    maxPriorityFeePerGas: SEQUENCER_SET_FEES.maxPriorityFeePerGas,
    accessList: [],
  });
}

/** The signed raw transaction, from the request and the MPC signature the consensus layer recorded. */
export function signedSequencerSetTx(call: SequencerSetCall & { mpcAddress: string }, l2ChainId: bigint | number, signature: string): { raw: string; hash: string } {
  const tx = sequencerSetTx(call, l2ChainId);
  tx.signature = Signature.from(signature);
  if (tx.from?.toLowerCase() !== call.mpcAddress.toLowerCase()) throw new SequencerSetRequestError(`the signature recovers to ${tx.from}, not the MPC address ${call.mpcAddress}`);
  return { raw: tx.serialized, hash: tx.hash! };
}
