/**
 * Sender recovery of 10,000 signed transactions: the native batch (`decodeTransactions`, Rust, all cores)
 * against ethers v6 (`Transaction.from(raw).from`, one at a time), measured side by side in one run.
 * Run: PATH=$PWD/node_modules/.bin:$PATH node test/bench/recover.ts
 *
 * The signed transactions (a mix of legacy EIP-155, EIP-2930 and EIP-1559 from 100 wallets) are generated
 * once with ethers and cached in node_modules/.cache/seq-bench/, so only recovery is timed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Transaction, Wallet, getBytes, toBeHex, type TransactionLike } from 'ethers';
import { decodeTransactions } from '../../native/index.js';
import { best, machine, timeOnce } from './measure.ts';

const COUNT = 10_000;
const CHAIN_ID = 59_902;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'seq-bench', `signed-txs-${COUNT}.json`);

async function signedTransactions(): Promise<string[]> {
  if (existsSync(CACHE)) return JSON.parse(readFileSync(CACHE, 'utf8')) as string[];
  const wallets = Array.from({ length: 100 }, (_, i) => new Wallet(toBeHex(0x5eed_0000n + BigInt(i), 32)));
  const to = '0x000000000000000000000000000000000000dEaD';
  const raws: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const base = { chainId: CHAIN_ID, nonce: Math.floor(i / 100), to, value: BigInt(i), gasLimit: 21_000n };
    const tx: TransactionLike = [
      { ...base, type: 2, maxFeePerGas: 30_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n },
      { ...base, type: 0, gasPrice: 20_000_000_000n },
      { ...base, type: 1, gasPrice: 20_000_000_000n, accessList: [] },
    ][i % 3]!;
    raws.push(await wallets[i % 100]!.signTransaction(tx));
  }
  mkdirSync(dirname(CACHE), { recursive: true });
  writeFileSync(CACHE, JSON.stringify(raws));
  return raws;
}

const raws = await signedTransactions();
const buffers = raws.map((raw) => Buffer.from(getBytes(raw)));

const machineAtStart = machine();
// ethers is timed over one full pass (after a warm-up) that also records its senders; the native batch
// must return the same senders, or the comparison would measure nothing.
for (const raw of raws.slice(0, 500)) void Transaction.from(raw).from;
const ethersSenders: string[] = [];
const ethers = timeOnce(() => {
  for (const raw of raws) ethersSenders.push(Transaction.from(raw).from!);
});

const nativeSenders = decodeTransactions(buffers, CHAIN_ID, 128 * 1024).map((r) => (r.ok ? r.from : r.code));
nativeSenders.forEach((sender, i) => {
  if (sender !== ethersSenders[i]) throw new Error(`sender mismatch at ${i}: native ${sender}, ethers ${ethersSenders[i]}`);
});
const native = best(10, () => decodeTransactions(buffers, CHAIN_ID, 128 * 1024));

const us = (ms: number) => `${((ms * 1000) / COUNT).toFixed(1)} µs`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}x`;
console.log(`sender recovery of ${COUNT} signed transactions (${machineAtStart}; native: best of 10, ethers: one pass)`);
console.log('| implementation | wall, total | wall per tx | CPU per tx | wall ratio | CPU ratio |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
console.log(
  `| native \`decodeTransactions\` (one batch call, all cores) | ${native.wallMs.toFixed(1)} ms | ${us(native.wallMs)} | ${us(native.cpuMs)} | ${ratio(ethers.wallMs, native.wallMs)} | ${ratio(ethers.cpuMs, native.cpuMs)} |`,
);
console.log(`| ethers v6 \`Transaction.from(raw).from\` | ${ethers.wallMs.toFixed(1)} ms | ${us(ethers.wallMs)} | ${us(ethers.cpuMs)} | 1x | 1x |`);
