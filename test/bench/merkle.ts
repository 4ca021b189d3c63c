/**
 * Transaction Merkle root: the native tree (Rust, level-parallel) against @openzeppelin/merkle-tree
 * (StandardMerkleTree.of(values, ['bytes32'], { sortLeaves: false })), measured side by side in one run.
 * Run: PATH=$PWD/node_modules/.bin:$PATH node test/bench/merkle.ts [oz-leaves=100000] [native-leaves=1000000]
 *
 * OpenZeppelin's tree takes minutes at 1,000,000 leaves, so by default it runs at 100,000 leaves, and the
 * native tree runs at both 100,000 (same input: the direct ratio) and 1,000,000 (the batch-size target).
 */
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { hexlify, randomBytes } from 'ethers';
import { merkleRoot } from '../../native/index.js';
import { best, machine, timeOnce, type Timing } from './measure.ts';

const ozLeaves = Number(process.argv[2] ?? 100_000);
const nativeLeaves = Number(process.argv[3] ?? 1_000_000);

const hashes = (n: number) => {
  const packed = randomBytes(32 * n);
  return { packed, hex: Array.from({ length: n }, (_, i) => hexlify(packed.subarray(32 * i, 32 * i + 32))) };
};

const machineAtStart = machine();
const small = hashes(ozLeaves);
let ozRoot = '';
const oz = timeOnce(() => {
  ozRoot = StandardMerkleTree.of(small.hex.map((h) => [h]), ['bytes32'], { sortLeaves: false }).root;
});
if (merkleRoot(small.packed) !== ozRoot || merkleRoot(small.hex) !== ozRoot) throw new Error('roots differ');

const nativeSmallPacked = best(10, () => merkleRoot(small.packed));
const nativeSmallHex = best(10, () => merkleRoot(small.hex));
const large = hashes(nativeLeaves);
const nativeLargePacked = best(5, () => merkleRoot(large.packed));
const nativeLargeHex = best(5, () => merkleRoot(large.hex));

const ns = (ms: number, n: number) => `${((ms * 1e6) / n).toFixed(0)} ns`;
const speed = (t: Timing, n: number, key: keyof Timing) => `${(oz[key] / ozLeaves / (t[key] / n)).toFixed(0)}x`;
const row = (name: string, n: number, t: Timing) =>
  `| ${name} | ${n.toLocaleString('en-US')} | ${t.wallMs.toFixed(1)} ms | ${ns(t.wallMs, n)} | ${ns(t.cpuMs, n)} | ${speed(t, n, 'wallMs')} | ${speed(t, n, 'cpuMs')} |`;
console.log(`Merkle root (${machineAtStart}; native: best of 10 / 5, OpenZeppelin: one run)`);
console.log('| implementation | leaves | wall, total | wall per leaf | CPU per leaf | per-leaf wall ratio | per-leaf CPU ratio |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
console.log(row('`@openzeppelin/merkle-tree` `StandardMerkleTree.of`', ozLeaves, oz));
console.log(row('native `merkleRoot`, hex `string[]`', ozLeaves, nativeSmallHex));
console.log(row('native `merkleRoot`, one packed `Buffer`', ozLeaves, nativeSmallPacked));
console.log(row('native `merkleRoot`, hex `string[]`', nativeLeaves, nativeLargeHex));
console.log(row('native `merkleRoot`, one packed `Buffer`', nativeLeaves, nativeLargePacked));
