// Block execution benchmark: 10,000 ETH transfers and 10,000 ERC-20 transfers from many senders, each as one
// block: decode + sender recovery + execute + commit + state root. The native chain (revm, Merkle-Patricia
// trie, redb) against @ethereumjs/vm's runBlock (Merkle state manager) on the same genesis and the same signed
// transactions, in the same run, reported as tx/s and ratio. Each native block runs twice: recovering every sender,
// and with the senders admission (decodeTransactions, untimed) already recovered, as the sequencer builds it.
//
//   node test/bench/block-exec.ts [--txs 10000] [--senders 2000] [--runs 3]
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Interface, SigningKey, Transaction, computeAddress, keccak256, toBeHex, zeroPadValue } from 'ethers';
import { createBlock } from '@ethereumjs/block';
import { Hardfork, Mainnet, createCustomCommon } from '@ethereumjs/common';
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager';
import { createTxFromRLP } from '@ethereumjs/tx';
import { Account, createAddressFromString, hexToBytes } from '@ethereumjs/util';
import { createVM, runBlock } from '@ethereumjs/vm';
import { Chain, decodeTransactions } from '../../native/index.js';
import { loadArtifact } from '../../contracts/artifacts.ts';

const { values } = parseArgs({ options: { txs: { type: 'string', default: '10000' }, senders: { type: 'string', default: '2000' }, runs: { type: 'string', default: '3' } } });
const TXS = Number(values.txs);
const SENDERS = Number(values.senders);
const RUNS = Number(values.runs);
const CHAIN_ID = 31337n;
const GAS_LIMIT = 1_000_000_000n;
const BASE_FEE = 1_000_000_000n;
/** Genesis base fee whose EIP-1559 successor (empty genesis) is exactly BASE_FEE, as the header rules require. */
const GENESIS_BASE_FEE = 1_142_857_142n;
const TIMESTAMP = 1_000n;
const COINBASE = '0x000000000000000000000000000000000000c0b0';
const TOKEN = '0x00000000000000000000000000000000000e2c20';
const token = loadArtifact('MetisToken');
const erc20 = new Interface(token.abi as never);

interface Workload {
  name: string;
  genesis: { chainId: number; gasLimit: string; baseFeePerGas: string; timestamp: string; alloc: Record<string, GenesisAccount> };
  raws: string[];
}
interface GenesisAccount {
  balance: string;
  nonce?: string;
  code?: string;
  storage?: Record<string, string>;
}

function key(i: number): SigningKey {
  return new SigningKey(keccak256(toBeHex(i + 1, 32)));
}

/** Transactions in rounds (every sender's nonce n before any sender's nonce n + 1), so nonces are in order. */
function sign(senders: SigningKey[], make: (sender: number, nonce: number, tx: number) => { to: string; data?: string; value?: bigint; gasLimit: bigint }): string[] {
  const raws: string[] = [];
  for (let n = 0; raws.length < TXS; n++) {
    for (let s = 0; s < senders.length && raws.length < TXS; s++) {
      const body = make(s, n, raws.length);
      const tx = Transaction.from({ type: 2, chainId: CHAIN_ID, nonce: n, maxFeePerGas: 2n * BASE_FEE, maxPriorityFeePerGas: 1n, ...body });
      tx.signature = senders[s]!.sign(tx.unsignedHash);
      raws.push(tx.serialized);
    }
  }
  return raws;
}

function recipient(i: number): string {
  return toBeHex(0x10_0000_0000n + BigInt(i), 20);
}

/** OpenZeppelin ERC20 keeps `_balances` at slot 0: balance of `a` sits at keccak256(pad(a) . pad(0)). */
function balanceSlot(address: string): string {
  return keccak256(zeroPadValue(address, 32) + '00'.repeat(32));
}

function workloads(): Workload[] {
  const cache = join(tmpdir(), `block-exec-bench-${TXS}-${SENDERS}-v2.json`);
  if (existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as Workload[];
  const keys = Array.from({ length: SENDERS }, (_, i) => key(i));
  const addresses = keys.map((k) => computeAddress(k));
  const header = { chainId: Number(CHAIN_ID), gasLimit: GAS_LIMIT.toString(), baseFeePerGas: toBeHex(GENESIS_BASE_FEE), timestamp: toBeHex(TIMESTAMP - 1n) };
  const funded = Object.fromEntries(addresses.map((a) => [a, { balance: toBeHex(10n ** 21n) }]));
  const eth: Workload = {
    name: 'ETH transfers',
    genesis: { ...header, alloc: funded },
    raws: sign(keys, (_, __, i) => ({ to: recipient(i), value: 1n + BigInt(i), gasLimit: 21_000n })),
  };
  const storage = Object.fromEntries(addresses.map((a) => [balanceSlot(a), toBeHex(10n ** 24n)]));
  const erc20Transfers: Workload = {
    name: 'ERC-20 transfers',
    genesis: { ...header, alloc: { ...funded, [TOKEN]: { balance: '0x0', nonce: '0x1', code: token.deployedBytecode, storage } } },
    raws: sign(keys, (s, n, i) => ({
      to: TOKEN,
      // Half to other holders (existing slots), half to new addresses (new slots).
      data: erc20.encodeFunctionData('transfer', [i % 2 === 0 ? addresses[(s + n + 1) % addresses.length] : recipient(i), 1000n + BigInt(i)]),
      gasLimit: 80_000n,
    })),
  };
  const all = [eth, erc20Transfers];
  writeFileSync(cache, JSON.stringify(all));
  return all;
}

interface Run {
  ms: number;
  /** CPU time of the whole process (all threads), ms: steadier than wall time on a shared machine. */
  cpuMs: number;
  root: string;
  gasUsed: bigint;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** `senders`: the sequencer's path, where admission already recovered every sender (recovery not timed here). */
async function runNative(w: Workload, buffers: Buffer[], senders?: string[]): Promise<Run & { phases: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-chain-'));
  try {
    const chain = Chain.open(dir, JSON.stringify(w.genesis));
    const cpu = process.cpuUsage();
    const start = performance.now();
    const block = await chain.executeBlock({ timestamp: TIMESTAMP, beneficiary: COINBASE, gasLimit: GAS_LIMIT, baseFeePerGas: BASE_FEE }, buffers, senders ?? null);
    const ms = performance.now() - start;
    const cpu_ = cpuMs(cpu);
    if (block.rejected.length > 0 || block.receipts.some((r) => r.status !== '0x1')) throw new Error(`native: ${block.rejected.length} rejected, ${JSON.stringify(block.rejected[0])}`);
    const t = block.timings;
    const phases = `decode+recover ${(t.decodeUs / 1000).toFixed(0)} ms, execute ${(t.executeUs / 1000).toFixed(0)} ms, roots ${(t.rootsUs / 1000).toFixed(0)} ms, commit ${(t.commitUs / 1000).toFixed(0)} ms`;
    return { ms, cpuMs: cpu_, root: block.stateRoot, gasUsed: BigInt(block.gasUsed), phases };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runEthereumJs(w: Workload, bytes: Uint8Array[]): Promise<Run> {
  const common = createCustomCommon({ chainId: Number(CHAIN_ID) }, Mainnet, { hardfork: Hardfork.Cancun });
  // ethereumjs at its best: account, storage and code caches on (createVM's default has none).
  const stateManager = new MerkleStateManager({ common, caches: new Caches() });
  const vm = await createVM({ common, stateManager });
  await stateManager.checkpoint();
  for (const [address, account] of Object.entries(w.genesis.alloc)) {
    const at = createAddressFromString(address);
    await stateManager.putAccount(at, new Account(BigInt(account.nonce ?? 0), BigInt(account.balance)));
    if (account.code) await stateManager.putCode(at, hexToBytes(account.code as `0x${string}`));
    for (const [slot, value] of Object.entries(account.storage ?? {})) {
      await stateManager.putStorage(at, hexToBytes(slot as `0x${string}`), hexToBytes(value as `0x${string}`));
    }
  }
  await stateManager.commit();
  await stateManager.flush();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const transactions = bytes.map((raw) => createTxFromRLP(raw, { common }));
  for (const tx of transactions) tx.getSenderAddress();
  const block = createBlock(
    { header: { number: 1n, timestamp: TIMESTAMP, gasLimit: GAS_LIMIT, baseFeePerGas: BASE_FEE, coinbase: COINBASE }, transactions },
    { common },
  );
  const result = await runBlock(vm, { block, generate: true, skipBlockValidation: true, skipHeaderValidation: true, skipHardForkValidation: true });
  const ms = performance.now() - start;
  const used = cpuMs(cpu);
  if (result.receipts.some((r) => 'status' in r && r.status !== 1)) throw new Error('ethereumjs: a transaction failed');
  return { ms, cpuMs: used, root: '0x' + Buffer.from(result.stateRoot).toString('hex'), gasUsed: result.gasUsed };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

const rows: string[] = [];
for (const w of workloads()) {
  const buffers = w.raws.map((r) => Buffer.from(r.slice(2), 'hex'));
  const admitted = decodeTransactions(buffers, Number(CHAIN_ID), 131_072).map((r) => (r.ok ? r.from : ''));
  const js = await runEthereumJs(w, buffers);
  for (const [name, senders] of [[w.name, undefined], [`${w.name}, admission senders`, admitted]] as const) {
    rows.push(await nativeRow({ ...w, name }, buffers, js, senders ? [...senders] : undefined));
  }
}

async function nativeRow(w: Workload, buffers: Buffer[], js: Run, senders?: string[]): Promise<string> {
  const native: Run[] = [];
  const phases: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await runNative(w, buffers, senders);
    native.push(r);
    phases.push(r.phases);
  }
  const last = native[native.length - 1]!;
  if (js.gasUsed !== last.gasUsed) throw new Error(`${w.name}: gas differs (native ${last.gasUsed}, ethereumjs ${js.gasUsed})`);
  const wall = median(native.map((r) => r.ms));
  const cpu = median(native.map((r) => r.cpuMs));
  const tps = (ms: number) => Math.round((TXS / ms) * 1000).toLocaleString('en');
  console.error(`${w.name}: native runs ${native.map((r) => `${r.ms.toFixed(0)} ms wall / ${r.cpuMs.toFixed(0)} ms cpu`).join(', ')}\n  phases: ${phases.join(' | ')}\n  ethereumjs ${js.ms.toFixed(0)} ms wall / ${js.cpuMs.toFixed(0)} ms cpu`);
  return (
    `| ${w.name} | ${TXS.toLocaleString('en')} | ${tps(wall)} tx/s (${wall.toFixed(0)} ms) | ${tps(js.ms)} tx/s (${js.ms.toFixed(0)} ms) | ${(js.ms / wall).toFixed(0)}x | ${cpu.toFixed(0)} ms vs ${js.cpuMs.toFixed(0)} ms: ${(js.cpuMs / cpu).toFixed(0)}x | ${last.root === js.root ? 'equal' : 'differ'} |`
  );
}
console.log(`| block of | txs | native (revm + trie + redb), median wall | @ethereumjs/vm runBlock, wall | wall ratio | CPU time, native vs ethereumjs | state roots |`);
console.log(`| --- | ---: | ---: | ---: | ---: | ---: | --- |`);
for (const row of rows) console.log(row);
