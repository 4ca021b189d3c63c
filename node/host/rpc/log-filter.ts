import { keccak_256 } from '@noble/hashes/sha3.js';
import type { RpcLog } from '../engine/records.ts';
import { fromHex, type Hex } from '../../encoding/hex.ts';
import type { LogFilter } from '../../../protocol/jsonrpc/params.ts';

/** Filter matching per the Ethereum log filter rules: any listed address; per topic position, any listed value. */
export function matchesLog(log: RpcLog, filter: Pick<LogFilter, 'addresses' | 'topics'>): boolean {
  if (filter.addresses.length > 0 && !filter.addresses.includes(log.address.toLowerCase() as Hex)) return false;
  for (let i = 0; i < filter.topics.length; i++) {
    const wanted = filter.topics[i];
    if (!wanted) continue;
    const topic = log.topics[i];
    if (topic === undefined || !wanted.includes(topic.toLowerCase() as Hex)) return false;
  }
  return true;
}

/** False only when the block's 2048-bit logs bloom proves no log can match, so the block is skipped unread. */
export function bloomMayMatch(bloomHex: Hex, filter: Pick<LogFilter, 'addresses' | 'topics'>): boolean {
  const bloom = fromHex(bloomHex);
  if (bloom.length !== 256) return true;
  if (filter.addresses.length > 0 && !filter.addresses.some((a) => inBloom(bloom, fromHex(a)))) return false;
  for (const wanted of filter.topics) {
    if (wanted && !wanted.some((t) => inBloom(bloom, fromHex(t)))) return false;
  }
  return true;
}

function inBloom(bloom: Uint8Array, item: Uint8Array): boolean {
  const hash = keccak_256(item);
  for (let i = 0; i < 6; i += 2) {
    const bit = (((hash[i] as number) << 8) | (hash[i + 1] as number)) & 2047;
    if (((bloom[255 - (bit >> 3)] as number) & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}
