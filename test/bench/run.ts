/**
 * `npm run bench`: runs every benchmark (each beside its named peer in the same run) one after another and prints
 * their tables. `npm run bench -- recover merkle` runs only the ones named; `--list` lists them. Each benchmark is
 * its own process, so one that fails is reported and the others still run (exit code 1 at the end).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

interface Benchmark {
  name: string;
  file: string;
  args: string[];
  /** What it compares, for the listing. */
  peer: string;
}

/** In the order of the system's picture: native core, L1 contracts, consensus, MPC, host, edge, whole devnet. */
const BENCHMARKS: Benchmark[] = [
  { name: 'recover', file: 'recover.ts', args: [], peer: 'ethers v6 sender recovery' },
  { name: 'merkle', file: 'merkle.ts', args: [], peer: '@openzeppelin/merkle-tree' },
  { name: 'block-exec', file: 'block-exec.ts', args: ['--runs', '3'], peer: '@ethereumjs/vm runBlock' },
  { name: 'pending-block', file: 'pending-block.ts', args: [], peer: 'the sealed block of the same transactions' },
  { name: 'contracts-gas', file: 'contracts-gas.ts', args: [], peer: "Metis's L1 inbox, ERC-20 transferFrom" },
  { name: 'l1-data-gas', file: 'l1-data-gas.ts', args: [], peer: "Metis's 235 B per user op on L1, a plain inbox tx of the same bytes" },
  { name: 'consensus-failover', file: 'consensus-failover.ts', args: [], peer: "the same app on Metis's consensus timeouts" },
  { name: 'mpc', file: 'mpc.ts', args: [], peer: 'single-key ECDSA, the cold signing path' },
  { name: 'host-rpc', file: 'host-rpc.ts', args: ['--duration', '10'], peer: "Hardhat EDR's automine node" },
  { name: 'call-flood', file: 'call-flood.ts', args: ['--duration', '10'], peer: 'the same host unflooded' },
  { name: 'call-flood-devnet', file: 'call-flood-devnet.ts', args: [], peer: 'the same sequencer unflooded' },
  { name: 'edge-gateway', file: 'edge-gateway.ts', args: [], peer: 'the JSON-RPC upstream called directly' },
  { name: 'failover-join', file: 'failover-join.ts', args: [], peer: "the same harness on 4 sequencers; Metis's documented failover rule" },
  { name: 'e2e', file: 'e2e.ts', args: [], peer: 'the active sequencer host called directly' },
  { name: 'soak', file: 'soak.ts', args: [], peer: 'its own first window after warm-up' },
  { name: 'soak-edge', file: 'soak-edge.ts', args: [], peer: 'a constant-answer Worker under the same load' },
];

const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
if (process.argv.includes('--list')) {
  for (const bench of BENCHMARKS) console.log(`${bench.name.padEnd(20)} test/bench/${bench.file} ${bench.args.join(' ')}  (peer: ${bench.peer})`);
  process.exit(0);
}
const unknown = requested.filter((name) => !BENCHMARKS.some((bench) => bench.name === name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((bench) => bench.name).join(', ')}`);
  process.exit(2);
}
const selected = requested.length > 0 ? BENCHMARKS.filter((bench) => requested.includes(bench.name)) : BENCHMARKS;

const here = import.meta.dirname;
const failed: string[] = [];
for (const bench of selected) {
  console.log(`\n==> ${bench.name}: node test/bench/${bench.file} ${bench.args.join(' ')} (peer: ${bench.peer})`);
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(here, bench.file), ...bench.args], { stdio: 'inherit', env: process.env });
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  if (result.status === 0) console.log(`<== ${bench.name}: done in ${seconds} s`);
  else {
    failed.push(bench.name);
    console.log(`<== ${bench.name}: FAILED (exit ${result.status ?? result.signal}) after ${seconds} s`);
  }
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
