/**
 * Gas report of the L1 contracts on a real EDR node (Hardhat 2.28, cancun), printed as a Markdown table.
 * Run: PATH=$PWD/node_modules/.bin:$PATH node test/bench/contracts-gas.ts   (or `npm exec -- node test/bench/contracts-gas.ts`)
 *
 * Peers, measured in the same run:
 *  - appendBatch vs Metis's L1 inbox: Metis posts the MPC-signed batch as a plain transaction to an address without
 *    code and checks the signer off-chain; here the same header + signature bytes are sent to an empty address.
 *  - lockFor / relock vs the ERC-20 transferFrom they contain.
 * Gas of a transaction is receipt.gasUsed (including the 21,000 intrinsic gas and calldata); verifyTransaction is a
 * view, measured as eth_estimateGas of the call.
 */
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import {
  HDNodeWallet,
  JsonRpcProvider,
  MaxUint256,
  Wallet,
  concat,
  getBytes,
  id,
  keccak256,
  parseEther,
  type ContractTransactionResponse,
} from 'ethers';
import { startL1Node } from '../../node/tools/devnet/edr-node.ts';
import { deployL1 } from '../../node/l1/deploy.ts';
import { BATCH_TYPES, SLASH_TYPES, SUBMIT_REWARDS_TYPES, batchChainDomain, lockingPoolDomain, type BatchHeader } from '../../node/l1/typed-data.ts';
import { DEV_MNEMONIC } from '../support/l1.ts';
import { freePort } from '../support/ports.ts';

type Row = { operation: string; gas: bigint; peer?: string; peerGas?: bigint };

const l1 = await startL1Node({ port: await freePort() });
const provider = new JsonRpcProvider(l1.url, undefined, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
provider.pollingInterval = 20;
const accounts = Array.from({ length: 10 }, (_, i) =>
  HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider),
);
const [gov, relayer, ...owners] = accounts as [HDNodeWallet, HDNodeWallet, ...HDNodeWallet[]];
const mpc = new Wallet(id('bench:mpc'));
const rows: Row[] = [];

async function gasOf(sent: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await sent).wait();
  if (receipt?.status !== 1) throw new Error('transaction reverted');
  return receipt.gasUsed;
}

/** 21,000 plus calldata at 4 gas per zero byte and 16 per other byte (EIP-2028). */
function intrinsicGas(data: string): bigint {
  const bytes = getBytes(data);
  return 21_000n + bytes.reduce((sum, byte) => sum + (byte === 0 ? 4n : 16n), 0n);
}

/** Commutative keccak of a sorted pair: OpenZeppelin MerkleProof's inner node. */
function hashPair(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

try {
  const deployment = await deployL1({ runner: gov, mpc: mpc.address, whitelist: owners.map((o) => o.address) });
  const { token, lockingPool: pool, batchChain } = deployment;
  const poolAddress = deployment.addresses.lockingPool;
  for (const account of [...owners, relayer]) {
    await gasOf(token.mint(account.address, parseEther('1000000')));
    await gasOf(token.connect(account).approve(poolAddress, MaxUint256));
  }

  // Peer of the token movement: a plain transferFrom of the same amount by an approved spender.
  await gasOf(token.connect(relayer).approve(gov.address, MaxUint256));
  const transferFrom = await gasOf(token.getFunction('transferFrom')(relayer.address, gov.address, parseEther('20000')));

  // lockFor: one sequencer per owner; the first lock in the pool also initialises its totals.
  const lockGas: bigint[] = [];
  for (const [i, owner] of owners.entries()) {
    const key = new Wallet(id(`bench:signer:${i}`));
    const pubkey = `0x${key.signingKey.publicKey.slice(4)}`;
    lockGas.push(await gasOf(pool.connect(owner).lockFor(key.address, parseEther('20000'), pubkey)));
  }
  rows.push({ operation: 'lockFor (first sequencer of the pool)', gas: lockGas[0] as bigint, peer: 'ERC-20 transferFrom', peerGas: transferFrom });
  rows.push({ operation: 'lockFor (a later sequencer)', gas: lockGas[1] as bigint, peer: 'ERC-20 transferFrom', peerGas: transferFrom });
  rows.push({
    operation: 'relock',
    gas: await gasOf(pool.connect(owners[0] as HDNodeWallet).relock(1n, parseEther('1000'), false)),
    peer: 'ERC-20 transferFrom',
    peerGas: transferFrom,
  });

  // appendBatch with the root of a 1,000-transaction tree, relayed by anyone; batch 0 also creates the array.
  const chainDomain = batchChainDomain(deployment.chainId, deployment.addresses.batchChain);
  const txHashes = Array.from({ length: 1000 }, (_, i) => id(`bench:tx:${i}`));
  const tree = StandardMerkleTree.of(
    txHashes.map((hash) => [hash]),
    ['bytes32'],
    { sortLeaves: false },
  );
  const header = (index: bigint, txRoot: string): BatchHeader => ({
    index,
    firstBlock: index * 100n + 1n,
    lastBlock: index * 100n + 100n,
    txRoot,
    stateRoot: id(`bench:state:${index}`),
    dataHash: id(`bench:data:${index}`),
  });
  const appendGas: bigint[] = [];
  let lastCalldata = '0x';
  for (const index of [0n, 1n]) {
    const batch = header(index, tree.root);
    const signature = await mpc.signTypedData(chainDomain, BATCH_TYPES, batch);
    lastCalldata = batchChain.interface.encodeFunctionData('appendBatch', [batch, signature]);
    appendGas.push(await gasOf(batchChain.connect(relayer).appendBatch(batch, signature)));
  }
  const inbox = await relayer.sendTransaction({ to: Wallet.createRandom().address, data: lastCalldata });
  const inboxGas = (await inbox.wait())?.gasUsed ?? 0n;
  rows.push({ operation: 'appendBatch, first batch (1,000-tx root)', gas: appendGas[0] as bigint, peer: 'Metis inbox tx, same bytes', peerGas: inboxGas });
  rows.push({ operation: 'appendBatch, later batch (1,000-tx root)', gas: appendGas[1] as bigint, peer: 'Metis inbox tx, same bytes', peerGas: inboxGas });

  // verifyTransaction: a depth-10 proof from the real 1,000-leaf tree, and a depth-20 proof (a 2^20-leaf tree)
  // built from 20 siblings up to its root, which is then appended as batch 2.
  const deepest = [...tree.entries()].find(([index]) => tree.getProof(index).length === 10);
  if (!deepest) throw new Error('no depth-10 leaf in the 1,000-leaf tree');
  const [leafIndex, [txHash]] = deepest as [number, [string]];
  if (!(await batchChain.verifyTransaction(1n, txHash, tree.getProof(leafIndex)))) throw new Error('depth-10 proof does not verify');
  const verify10 = await batchChain.getFunction('verifyTransaction').estimateGas(1n, txHash, tree.getProof(leafIndex));
  const verify10Data = batchChain.interface.encodeFunctionData('verifyTransaction', [1n, txHash, tree.getProof(leafIndex)]);
  const deepTx = id('bench:deep-tx');
  const siblings = Array.from({ length: 20 }, (_, i) => id(`bench:sibling:${i}`));
  const deepRoot = siblings.reduce(hashPair, tree.leafHash([deepTx]));
  const deepBatch = header(2n, deepRoot);
  await gasOf(batchChain.connect(relayer).appendBatch(deepBatch, await mpc.signTypedData(chainDomain, BATCH_TYPES, deepBatch)));
  if (!(await batchChain.verifyTransaction(2n, deepTx, siblings))) throw new Error('depth-20 proof does not verify');
  const verify20 = await batchChain.getFunction('verifyTransaction').estimateGas(2n, deepTx, siblings);
  const verify20Data = batchChain.interface.encodeFunctionData('verifyTransaction', [2n, deepTx, siblings]);
  // The estimate includes what any transaction pays (21,000 + calldata); the rest is the contract's execution.
  for (const [depth, gas, data] of [
    [10, verify10, verify10Data],
    [20, verify20, verify20Data],
  ] as const) {
    const execution = (gas - intrinsicGas(data)).toLocaleString('en-US');
    rows.push({ operation: `verifyTransaction, depth ${depth} (eth_estimateGas; execution ${execution})`, gas });
  }

  // submitRewards: one epoch range for 1 sequencer, then for all 8.
  const poolDomain = lockingPoolDomain(deployment.chainId, poolAddress);
  await gasOf(pool.connect(relayer).fundRewards(parseEther('1000')));
  const submit = async (rewardBatchId: bigint, ids: bigint[]) => {
    const message = { rewardBatchId, startEpoch: rewardBatchId - 1n, endEpoch: rewardBatchId - 1n, sequencerIds: ids, blockCounts: ids.map(() => 125n) };
    const signature = await mpc.signTypedData(poolDomain, SUBMIT_REWARDS_TYPES, message);
    return await gasOf(pool.connect(relayer).submitRewards(rewardBatchId, message.startEpoch, message.endEpoch, ids, message.blockCounts, signature));
  };
  rows.push({ operation: 'submitRewards, 1 sequencer (first batch)', gas: await submit(1n, [1n]) });
  rows.push({ operation: `submitRewards, ${owners.length} sequencers`, gas: await submit(2n, owners.map((_, i) => BigInt(i + 1))) });

  // slash: an MPC-signed report relayed by anyone; the stake goes to the burn address.
  const report = { sequencerId: 2n, evidenceHash: id('bench:evidence'), amount: parseEther('5000') };
  const slashSignature = await mpc.signTypedData(poolDomain, SLASH_TYPES, report);
  rows.push({ operation: 'slash (active sequencer)', gas: await gasOf(pool.connect(relayer).slash(report.sequencerId, report.evidenceHash, report.amount, slashSignature)) });

  const fmt = (n: bigint) => n.toLocaleString('en-US');
  console.log('| operation | gas | compared with | its gas | ratio |');
  console.log('| --- | ---: | --- | ---: | ---: |');
  for (const row of rows) {
    const peer = row.peer && row.peerGas ? `| ${row.peer} | ${fmt(row.peerGas)} | ${(Number(row.gas) / Number(row.peerGas)).toFixed(2)}x |` : '| | | |';
    console.log(`| ${row.operation} | ${fmt(row.gas)} ${peer}`);
  }
} finally {
  provider.destroy();
  await l1.stop();
}
