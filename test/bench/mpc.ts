/**
 * MPC latency and throughput over loopback WebSockets for n = 4, 7 and 10 sequencers, printed as a Markdown table.
 * Run: PATH=$PWD/node_modules/.bin:$PATH node test/bench/mpc.ts   (about two minutes on 2 cores)
 *
 * Every party runs in this one Node process, so each figure is the sum of all n parties' work on one thread
 * (plus envelope signing/checking and WebSocket hops); on separate hosts the latency is lower, not higher.
 * Signing uses t = floor(2n/3) + 1 signers, as the sequencer set does.
 *
 * Peers, measured in the same run:
 *  - a single-key ECDSA signature over the same digest (ethers SigningKey): what signing costs without an MPC;
 *  - the cold path (two Beaver triples + presignature + signature) against the pooled path (one round).
 * Binance tss-lib (Metis's MPC) is not run here: its keygen needs safe-prime Paillier keys, minutes per party.
 */
import { SigningKey, keccak256, recoverAddress, toUtf8Bytes, getAddress } from 'ethers';
import { mpcSigningThreshold } from '@l2-sequencer/native';
import { Cluster } from '../node/mpc/cluster.ts';

const SIZES = [4, 7, 10];
const KEYGEN_RUNS = 3;
const POOLED_SIGNS = 8;
const COLD_SIGNS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const digestOf = (i: number) => keccak256(toUtf8Bytes(`bench batch ${i}`));

interface Row {
  n: number;
  t: number;
  keygen: number;
  reshare: number;
  pooledSign: number;
  pooledRate: number;
  coldSign: number;
  coldRate: number;
  presignRate: number;
}

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const out = await f();
  return [performance.now() - start, out];
}

async function measure(n: number): Promise<Row> {
  const t = mpcSigningThreshold(n);
  const cluster = await Cluster.create({ hello: 5_000, sign: 30_000, presign: 60_000, keygen: 60_000, reshare: 60_000 });
  const labels = Array.from({ length: n }, (_, i) => `n${n}-p${i}`);
  try {
    for (const l of labels) await cluster.start(l);
    const all = cluster.addresses(labels);
    const run = (ls: string[], f: (label: string) => Promise<unknown>) => Promise.all(ls.map(f));

    // Keygen among n-1, then a reshare that adds the n-th party (a join), KEYGEN_RUNS times.
    const keygens: number[] = [];
    const reshares: number[] = [];
    const founders = labels.slice(0, n - 1);
    for (let r = 0; r < KEYGEN_RUNS; r++) {
      const fAddrs = cluster.addresses(founders);
      const [kg] = await timed(() => run(founders, (l) => cluster.get(l).party.keygen(`kg-${r}`, fAddrs, mpcSigningThreshold(n - 1))));
      keygens.push(kg);
      const [rs] = await timed(() => run(labels, (l) => cluster.get(l).party.reshare(`join-${r}`, fAddrs, all, t)));
      reshares.push(rs);
    }
    const address = cluster.get(labels[0] as string).party.key?.address as string;

    const signerLabels = [...labels].sort((a, b) => (cluster.get(a).address < cluster.get(b).address ? -1 : 1)).slice(0, t);
    const signers = cluster.addresses(signerLabels);
    const leader = cluster.get(signerLabels[0] as string).party;

    // Background presignature generation for the pool.
    const [presignTime, made] = await timed(() => leader.preparePresignatures(signers, POOLED_SIGNS));
    await waitFor(() => signerLabels.every((l) => cluster.get(l).party.pooled(signers) >= POOLED_SIGNS));
    const pooled: number[] = [];
    const [pooledTotal] = await timed(async () => {
      for (let i = 0; i < POOLED_SIGNS; i++) {
        const [dt, sigs] = await timed(() => run(signerLabels, (l) => cluster.get(l).party.sign(`pooled-${i}`, digestOf(i), 'batch', signers)));
        const sig = sigs[0] as { signature: string; pooled: boolean };
        if (!sig.pooled || recoverAddress(digestOf(i), sig.signature) !== getAddress(address)) throw new Error('pooled signature wrong');
        pooled.push(dt);
      }
    });
    const cold: number[] = [];
    const [coldTotal] = await timed(async () => {
      for (let i = 0; i < COLD_SIGNS; i++) {
        const [dt, sigs] = await timed(() => run(signerLabels, (l) => cluster.get(l).party.sign(`cold-${i}`, digestOf(100 + i), 'batch', signers)));
        const sig = sigs[0] as { signature: string; pooled: boolean };
        if (sig.pooled || recoverAddress(digestOf(100 + i), sig.signature) !== getAddress(address)) throw new Error('cold signature wrong');
        cold.push(dt);
      }
    });
    return {
      n,
      t,
      keygen: median(keygens),
      reshare: median(reshares),
      pooledSign: median(pooled),
      pooledRate: (POOLED_SIGNS * 1000) / pooledTotal,
      coldSign: median(cold),
      coldRate: (COLD_SIGNS * 1000) / coldTotal,
      presignRate: (made * 1000) / presignTime,
    };
  } finally {
    await cluster.close();
  }
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!check()) throw new Error('pool never filled');
}

function singleKeySignMs(): number {
  const key = new SigningKey(keccak256(toUtf8Bytes('single key')));
  for (let i = 0; i < 200; i++) key.sign(digestOf(i));
  const start = performance.now();
  const runs = 2_000;
  for (let i = 0; i < runs; i++) key.sign(digestOf(i));
  return (performance.now() - start) / runs;
}

const rows: Row[] = [];
for (const n of SIZES) {
  rows.push(await measure(n));
  process.stderr.write(`n=${n} done\n`);
}
const single = singleKeySignMs();

console.log(`| n (t) | keygen | reshare (join) | sign, pooled | sign, cold | pooled signs/s | cold signs/s | presignatures/s (background) | pooled vs single-key sign |`);
console.log(`| --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
for (const r of rows) {
  console.log(
    `| ${r.n} (${r.t}) | ${ms(r.keygen)} ms | ${ms(r.reshare)} ms | ${ms(r.pooledSign)} ms | ${ms(r.coldSign)} ms | ${r.pooledRate.toFixed(1)} | ${r.coldRate.toFixed(2)} | ${r.presignRate.toFixed(2)} | ${(r.pooledSign / single).toFixed(0)}x |`,
  );
}
console.log(`\nsingle-key ECDSA sign (ethers SigningKey, same digests): ${single.toFixed(3)} ms; cold/pooled sign ratio: ${rows.map((r) => `n=${r.n} ${(r.coldSign / r.pooledSign).toFixed(0)}x`).join(', ')}`);
