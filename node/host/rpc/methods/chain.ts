import { keccak_256 } from '@noble/hashes/sha3.js';
import { fromHex, quantity, toHex, type Hex } from '../../../encoding/hex.ts';
import type { RpcBackend } from '../backend.ts';
import type { MethodTable } from '../dispatch.ts';
import { InvalidParamsError } from '../../../../protocol/jsonrpc/errors.ts';
import { blockRef, count, data, positional } from '../../../../protocol/jsonrpc/params.ts';
import { resolveBlockNumber } from '../resolve.ts';

/** Identity, sync status and fee suggestions. */
export function chainMethods(backend: RpcBackend): MethodTable {
  const { engine, heads } = backend;
  const chainIdHex = quantity(engine.chainId);
  return {
    eth_chainId: (params) => (positional(params, 0, 0), chainIdHex),
    net_version: (params) => (positional(params, 0, 0), engine.chainId.toString()),
    net_listening: (params) => (positional(params, 0, 0), true),
    web3_clientVersion: (params) => (positional(params, 0, 0), backend.clientVersion),
    web3_sha3: (params) => {
      const [input] = positional(params, 1, 1);
      return toHex(keccak_256(fromHex(data(input, 'data'))));
    },
    eth_accounts: (params) => (positional(params, 0, 0), []),
    eth_mining: (params) => (positional(params, 0, 0), false),
    eth_blockNumber: (params) => (positional(params, 0, 0), quantity(heads.latest)),
    eth_syncing: (params) => {
      positional(params, 0, 0);
      const status = backend.syncing();
      if (!status) return false;
      return { startingBlock: quantity(status.startingBlock), currentBlock: quantity(status.currentBlock), highestBlock: quantity(status.highestBlock) };
    },
    eth_gasPrice: (params) => (positional(params, 0, 0), quantity(engine.nextBaseFee() + backend.suggestedPriorityFee)),
    eth_maxPriorityFeePerGas: (params) => (positional(params, 0, 0), quantity(backend.suggestedPriorityFee)),
    eth_feeHistory: (params) => feeHistory(backend, params),
  };
}

/** eth_feeHistory as geth computes it: base fees (plus the next one), gas used ratios, gas-weighted tip percentiles. */
function feeHistory(backend: RpcBackend, params: unknown) {
  const [countParam, newestParam, percentilesParam] = positional(params, 2, 3);
  const blockCount = count(countParam, 'blockCount', backend.limits.maxFeeHistoryBlocks);
  const newest = resolveBlockNumber(blockRef(newestParam, 'newestBlock'), backend.heads);
  if (newest === null) throw new InvalidParamsError('newestBlock: block not found');
  const percentiles = percentilesParam == null ? null : parsePercentiles(percentilesParam);
  const oldest = newest + 1n - BigInt(blockCount) < 0n ? 0n : newest + 1n - BigInt(blockCount);
  const baseFeePerGas: Hex[] = [];
  const gasUsedRatio: number[] = [];
  const reward: Hex[][] = [];
  if (blockCount === 0) return { oldestBlock: quantity(0), baseFeePerGas: [], gasUsedRatio: [] };
  for (let n = oldest; n <= newest; n++) {
    const block = backend.engine.getBlockByNumber(n);
    if (!block) break;
    const baseFee = BigInt(block.baseFeePerGas ?? '0x0');
    baseFeePerGas.push(quantity(baseFee));
    const gasLimit = Number(BigInt(block.gasLimit));
    const gasUsed = Number(BigInt(block.gasUsed));
    gasUsedRatio.push(gasLimit === 0 ? 0 : gasUsed / gasLimit);
    if (percentiles) reward.push(blockRewards(backend, block.transactions, baseFee, gasUsed, percentiles));
  }
  baseFeePerGas.push(quantity(newest === backend.heads.latest ? backend.engine.nextBaseFee() : BigInt(backend.engine.getBlockByNumber(newest + 1n)?.baseFeePerGas ?? '0x0')));
  return percentiles ? { oldestBlock: quantity(oldest), baseFeePerGas, gasUsedRatio, reward } : { oldestBlock: quantity(oldest), baseFeePerGas, gasUsedRatio };
}

function parsePercentiles(value: unknown): number[] {
  if (!Array.isArray(value) || value.length > 100) throw new InvalidParamsError('rewardPercentiles: expected an array of at most 100 numbers');
  let previous = -1;
  return value.map((p, i) => {
    if (typeof p !== 'number' || !(p >= 0 && p <= 100)) throw new InvalidParamsError(`rewardPercentiles[${i}]: expected a number in [0, 100]`);
    if (p < previous) throw new InvalidParamsError('rewardPercentiles: must be monotonically increasing');
    previous = p;
    return p;
  });
}

function blockRewards(backend: RpcBackend, hashes: readonly Hex[], baseFee: bigint, gasUsed: number, percentiles: number[]): Hex[] {
  if (hashes.length === 0) return percentiles.map(() => '0x0');
  const tips: { tip: bigint; gas: number }[] = [];
  for (const hash of hashes) {
    const receipt = backend.engine.getReceipt(hash);
    if (!receipt) continue;
    tips.push({ tip: BigInt(receipt.effectiveGasPrice) - baseFee, gas: Number(BigInt(receipt.gasUsed)) });
  }
  tips.sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0));
  const out: Hex[] = [];
  let index = 0;
  let sum = tips[0]?.gas ?? 0;
  for (const p of percentiles) {
    const threshold = (gasUsed * p) / 100;
    while (sum < threshold && index < tips.length - 1) {
      index++;
      sum += (tips[index] as { gas: number }).gas;
    }
    out.push(quantity(tips[index]?.tip ?? 0n));
  }
  return out;
}
