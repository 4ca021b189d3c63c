// Pending-block benchmark: what one "pending" build costs and what it costs the producer. One block's worth of ETH
// transfers (--txs, default 5000 = the producer's maxBlockTxs) with admission senders: Chain.pendingBlock (execute,
// nothing stored) against Chain.executeBlock of the same transactions (execute + roots + commit), and executeBlock
// alone against executeBlock while pending blocks are built back to back beside it. Median of --runs.
//
//   node test/bench/pending-block.ts [--txs 5000] [--senders 1000] [--runs 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SigningKey, Transaction, computeAddress, keccak256, toBeHex } from 'ethers';
import { Chain, decodeTransactions } from '../../native/index.js';

const { values } = parseArgs({ options: { txs: { type: 'string', default: '5000' }, senders: { type: 'string', default: '1000' }, runs: { type: 'string', default: '5' } } });
const TXS = Number(values.txs), SENDERS = Number(values.senders), RUNS = Number(values.runs);
const CHAIN_ID = 31337n, BASE_FEE = 1_000_000_000n;
const keys = Array.from({ length: SENDERS }, (_, i) => new SigningKey(keccak256(toBeHex(i + 1, 32))));
const alloc: Record<string, { balance: string }> = {};
for (const k of keys) alloc[computeAddress(k)] = { balance: '0x' + (10n ** 24n).toString(16) };
const genesis = JSON.stringify({ chainId: Number(CHAIN_ID), gasLimit: '1000000000', baseFeePerGas: BASE_FEE.toString(), timestamp: '0x10', alloc });
const raws: Buffer[] = [];
for (let n = 0; raws.length < TXS; n++) for (let s = 0; s < SENDERS && raws.length < TXS; s++) {
  const tx = Transaction.from({ type: 2, chainId: CHAIN_ID, nonce: n, maxFeePerGas: 2n * BASE_FEE, maxPriorityFeePerGas: 1n, gasLimit: 21000n, to: toBeHex(0x100000 + raws.length, 20), value: 1n });
  tx.signature = keys[s]!.sign(tx.unsignedHash);
  raws.push(Buffer.from(tx.serialized.slice(2), 'hex'));
}
const senders = decodeTransactions(raws, Number(CHAIN_ID), 131072).map((r: any) => r.from);
const env = (t: bigint) => ({ timestamp: t, beneficiary: '0x000000000000000000000000000000000000c0b0' });
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const pend: number[] = [], exec: number[] = [], execBusy: number[] = [];
const dirs: string[] = [];
const fresh = () => { const dir = mkdtempSync(join(tmpdir(), 'pending-bench-')); dirs.push(dir); return Chain.open(dir, genesis); };
for (let run = 0; run < RUNS; run++) {
  const chain = fresh();
  let t = process.hrtime.bigint();
  const p = await chain.pendingBlock(env(100n), raws, senders);
  pend.push(ms(t));
  if (p.included !== TXS) throw new Error(`included ${p.included}`);
  t = process.hrtime.bigint();
  await chain.executeBlock(env(100n), raws, senders);
  exec.push(ms(t));
  // The producer's block while pending blocks are built back to back on the other libuv threads.
  const chain2 = fresh();
  let stop = false;
  const loop = (async () => { while (!stop) await chain2.pendingBlock(env(100n), raws, senders); })();
  await new Promise((r) => setTimeout(r, 5));
  t = process.hrtime.bigint();
  await chain2.executeBlock(env(100n), raws, senders);
  execBusy.push(ms(t));
  stop = true;
  await loop;
  chain.close();
  chain2.close();
}
for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
const [p, e, b] = [median(pend), median(exec), median(execBusy)];
console.log(`pendingBlock ${TXS} transfers: ${p.toFixed(1)} ms; executeBlock: ${e.toFixed(1)} ms (pending = ${(p / e).toFixed(2)}x of a block)`);
console.log(`executeBlock beside back-to-back pendingBlock builds: ${b.toFixed(1)} ms (${(b / e).toFixed(2)}x alone)`);
console.log(JSON.stringify({ txs: TXS, runs: RUNS, pendingMs: pend, executeMs: exec, executeBesidePendingMs: execBusy }));
