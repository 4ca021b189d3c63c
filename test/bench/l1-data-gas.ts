/**
 * What posting the L2's data to L1 costs: real batches of signed L2 transfers, encoded as the batcher does
 * (node/host/batcher/batch-data.ts, brotli), appended to BatchChain in calldata mode on a real EDR node (Hardhat, cancun).
 * Run: PATH=$PWD/node_modules/.bin:$PATH node test/bench/l1-data-gas.ts [txs-per-batch=100,1000]
 *
 * Peers, in the same run:
 *  - bytes posted per transaction vs Metis's ~235 B per user operation on L1 (L2BEAT's figure for Metis's blobs);
 *  - L1 gas of appendBatch (data hashed and signature checked on chain) vs a plain transaction carrying the same
 *    calldata to an address without code (the OP Stack / Metis batch inbox, which checks nothing on chain).
 * Gas is receipt.gasUsed (21,000 intrinsic + calldata + execution). The same data is then appended in blob mode
 * (a type-3 transaction, sidecar from the native core's c-kzg): execution gas plus blob gas (131,072 per blob,
 * priced by the blob base fee, a separate market), per transaction beside the calldata figure.
 */
import { HDNodeWallet, Interface, JsonRpcProvider, Wallet, id, parseEther, parseUnits, type ContractTransactionResponse } from 'ethers';
import { encodeBatchData, type BatchBlock } from '../../node/host/batcher/batch-data.ts';
import { batchBlobs } from '../../node/l1/blob-sidecar.ts';
import type { Hex } from '../../node/encoding/hex.ts';
import { deployL1 } from '../../node/l1/deploy.ts';
import { startL1Node } from '../../node/tools/devnet/edr-node.ts';
import { BatchChainSubmitter } from '../../node/l1/submitter.ts';
import { BATCH_TYPES, batchChainDomain, type BatchHeader } from '../../node/l1/typed-data.ts';
import { DEV_MNEMONIC } from '../support/l1.ts';
import { freePort } from '../support/ports.ts';

const METIS_BYTES_PER_USER_OP = 235;
const L2_CHAIN_ID = 1088n;
const BLOCKS_PER_BATCH = 10;
const SENDERS = 200;
const sizes = (process.argv[2] ?? '100,1000').split(',').map(Number);
const fmt = (n: number | bigint) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

const ERC20 = new Interface(['function transfer(address to, uint256 amount)']);
const token = Wallet.createRandom().address;
const senders = Array.from({ length: SENDERS }, (_, i) => new Wallet(id(`bench:l2-sender:${i}`)));
const nonces = new Map<string, number>();

/** One signed EIP-1559 L2 transaction: an ETH transfer or an ERC-20 transfer to a fresh address. */
async function l2Transfer(kind: 'eth' | 'erc20', i: number): Promise<Hex> {
  const sender = senders[i % SENDERS] as Wallet;
  const nonce = nonces.get(sender.address) ?? 0;
  nonces.set(sender.address, nonce + 1);
  const to = Wallet.createRandom().address;
  const common = { type: 2, chainId: L2_CHAIN_ID, nonce, maxFeePerGas: parseUnits('1.5', 'gwei'), maxPriorityFeePerGas: parseUnits('0.001', 'gwei') };
  const tx =
    kind === 'eth'
      ? { ...common, to, value: parseEther('0.01') + BigInt(i), gasLimit: 21_000n }
      : { ...common, to: token, data: ERC20.encodeFunctionData('transfer', [to, parseUnits('25', 18) + BigInt(i)]), gasLimit: 60_000n };
  return (await sender.signTransaction(tx)) as Hex;
}

async function batchOf(kind: 'eth' | 'erc20', txs: number, firstBlock: number): Promise<BatchBlock[]> {
  const blocks: BatchBlock[] = [];
  const perBlock = Math.ceil(txs / BLOCKS_PER_BATCH);
  for (let b = 0; b < BLOCKS_PER_BATCH; b++) {
    const transactions: Hex[] = [];
    for (let t = b * perBlock; t < Math.min(txs, (b + 1) * perBlock); t++) transactions.push(await l2Transfer(kind, t));
    blocks.push({ number: BigInt(firstBlock + b), timestamp: 1_800_000_000n + BigInt(firstBlock + b), beneficiary: senders[0]?.address.toLowerCase() as Hex, gasLimit: 30_000_000n, transactions });
  }
  return blocks;
}

const l1 = await startL1Node({ port: await freePort() });
const provider = new JsonRpcProvider(l1.url, undefined, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
provider.pollingInterval = 20;
try {
  const [gov, relayer] = [0, 1].map((i) => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider)) as [HDNodeWallet, HDNodeWallet];
  const mpc = new Wallet(id('bench:mpc'));
  const deployment = await deployL1({ runner: gov, mpc: mpc.address });
  const batchChain = deployment.batchChain.connect(relayer);
  const domain = batchChainDomain(deployment.chainId, deployment.addresses.batchChain);
  const gasOf = async (sent: Promise<ContractTransactionResponse> | ReturnType<HDNodeWallet['sendTransaction']>) => {
    const receipt = await (await sent).wait();
    if (receipt?.status !== 1) throw new Error('transaction reverted');
    return receipt.gasUsed;
  };

  console.log(`L1 data cost per batch, calldata mode (EDR cancun; ${BLOCKS_PER_BATCH} L2 blocks per batch, ${SENDERS} senders, brotli q6)`);
  console.log('| batch | bytes posted | bytes / tx | Metis B / user op | ratio | L1 gas / batch | L1 gas / tx | inbox tx, same bytes | ratio |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  let index = 0n;
  let nextBlock = 1;
  const headerFor = (dataHash: string): BatchHeader => ({ index, firstBlock: BigInt(nextBlock), lastBlock: BigInt(nextBlock + BLOCKS_PER_BATCH - 1), txRoot: id(`root:${index}`), stateRoot: id(`state:${index}`), dataHash });
  const submitter = new BatchChainSubmitter(deployment.addresses.batchChain, relayer);
  const blobRows: string[] = [];
  for (const kind of ['eth', 'erc20'] as const) {
    for (const txs of sizes) {
      const blocks = await batchOf(kind, txs, nextBlock);
      const { compressed, dataHash } = await encodeBatchData(blocks);
      const header = headerFor(dataHash);
      const signature = await mpc.signTypedData(domain, BATCH_TYPES, header);
      const gas = await gasOf(batchChain.appendBatch(header, signature, compressed));
      const calldata = batchChain.interface.encodeFunctionData('appendBatch', [header, signature, compressed]);
      const inboxGas = await gasOf(relayer.sendTransaction({ to: Wallet.createRandom().address, data: calldata }));
      const perTx = compressed.length / txs;
      console.log(
        `| ${fmt(txs)} ${kind === 'eth' ? 'ETH' : 'ERC-20'} transfers | ${fmt(compressed.length)} | ${fmt(perTx)} | ${METIS_BYTES_PER_USER_OP} | ${(perTx / METIS_BYTES_PER_USER_OP).toFixed(2)}x | ${fmt(gas)} | ${fmt(Number(gas) / txs)} | ${fmt(inboxGas)} | ${(Number(gas) / Number(inboxGas)).toFixed(3)}x |`,
      );
      index++;
      nextBlock += BLOCKS_PER_BATCH;

      // The same bytes in blobs, appended as the next batch.
      const blobs = batchBlobs(compressed);
      const blobHeader = headerFor(blobs.dataHash);
      const prepared = await submitter.prepareAppendBlobs(blobHeader, (await mpc.signTypedData(domain, BATCH_TYPES, blobHeader)) as `0x${string}`, blobs);
      await submitter.broadcast(prepared.raw);
      const receipt = await provider.waitForTransaction(prepared.txHash);
      if (receipt?.status !== 1) throw new Error('blob append reverted');
      // EDR's receipts carry no blobGasUsed; the block (this transaction alone, automine) does.
      const blobGas = (await provider.getBlock(receipt.blockNumber))?.blobGasUsed ?? 0n;
      blobRows.push(
        `| ${fmt(txs)} ${kind === 'eth' ? 'ETH' : 'ERC-20'} transfers | ${blobs.blobs.length} | ${fmt(receipt.gasUsed)} | ${fmt(blobGas)} | ${fmt(Number(receipt.gasUsed) / txs)} | ${fmt(Number(blobGas) / txs)} | ${fmt(Number(gas) / txs)} | ${(Number(receipt.gasUsed) / Number(gas)).toFixed(3)}x |`,
      );
      index++;
      nextBlock += BLOCKS_PER_BATCH;
    }
  }
  console.log('\nThe same batches in blob mode (type-3 transaction; blob gas is paid at the blob base fee, not the gas price)');
  console.log('| batch | blobs | execution gas | blob gas | execution gas / tx | blob gas / tx | calldata-mode gas / tx | execution gas vs calldata mode |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of blobRows) console.log(row);
} finally {
  provider.destroy();
  await l1.stop();
}
