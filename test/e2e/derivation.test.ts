import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { JsonRpcProvider, parseEther, type TransactionReceipt } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devAccount } from '../../node/tools/devnet/accounts.ts';
import { DEVNET_L2_CHAIN_ID } from '../../node/tools/devnet/hosts.ts';
import { contractAt, type BatchChainContract } from '../../node/l1/deploy.ts';
import { ROOT } from '../../node/install/paths.ts';
import { freePort } from '../support/ports.ts';
import { rpc, startE2eDevnet, waitFor, type E2eDevnet } from './support.ts';

/**
 * Ethereum as the source of truth: a devnet (L1, four sequencer processes with CometBFT and the MPC) makes several
 * batches with transfers, each posted with its data in calldata and signed by the MPC; then every sequencer is
 * killed, and a fresh verifier process given only the L1 URL, the BatchChain address and the L2 genesis rebuilds
 * the chain to the last batch's state root and answers the same wallet reads.
 */
describe('end to end: derivation from L1 after every sequencer is gone', () => {
  let devnet: E2eDevnet;
  let l1: JsonRpcProvider;
  let verifier: ChildProcess | null = null;

  beforeAll(async () => {
    devnet = await startE2eDevnet({ batcher: { maxBatchAgeMs: 2_000, l1Confirmations: 1, pollMs: 500 } });
    l1 = new JsonRpcProvider(devnet.l1.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  }, 240_000);

  afterAll(async () => {
    verifier?.kill('SIGTERM');
    l1?.destroy();
    await devnet?.cleanup();
  }, 60_000);

  /** Sends through whichever sequencer is active now, again after a rotation refused it. */
  async function transfer(from: number, to: number, ether: string): Promise<TransactionReceipt> {
    return await waitFor(
      `a transfer from dev account ${from}`,
      async () => {
        const { activeSequencer } = await devnet.consensus().status();
        const active = devnet.sequencers.find((sequencer) => sequencer.address.toLowerCase() === activeSequencer);
        if (!active) return null;
        const l2 = new JsonRpcProvider(active.rpcUrl, DEVNET_L2_CHAIN_ID, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
        try {
          const sent = await devAccount(from).connect(l2).sendTransaction({ to: devAccount(to).address, value: parseEther(ether) });
          return await sent.wait(1, 15_000);
        } finally {
          l2.destroy();
        }
      },
      60_000,
      500,
    );
  }

  it('a verifier started with only the L1 URL reaches the last batch state root; balances, a receipt and a block agree', async () => {
    const batchChain = contractAt<BatchChainContract>('BatchChain', devnet.addresses.batchChain, l1);
    const receipts: TransactionReceipt[] = [];
    // Transfers spread over time, so that they land in several batches.
    for (let round = 0; round < 3; round++) {
      receipts.push(await transfer(3, 4, '1'), await transfer(5, 6, '2'));
      const covered = receipts.at(-1)!.blockNumber;
      await waitFor(`a batch on L1 covering block ${covered}`, async () => Number(await batchChain.lastL2Block()) >= covered, 90_000, 500);
    }
    expect(Number(await batchChain.batchCount())).toBeGreaterThanOrEqual(3);

    const target = receipts.at(-1)!;
    const at = `0x${target.blockNumber.toString(16)}`;
    const reader = devnet.sequencers[0]!.rpcUrl;
    const before = {
      balances: await Promise.all([3, 4, 5, 6].map((i) => rpc<string>(reader, 'eth_getBalance', [devAccount(i).address, at]))),
      receipt: await rpc(reader, 'eth_getTransactionReceipt', [target.hash]),
      block: await rpc(reader, 'eth_getBlockByNumber', [at, true]),
    };

    await Promise.all(devnet.sequencers.map((sequencer) => sequencer.kill()));
    expect(devnet.sequencers.some((sequencer) => sequencer.running)).toBe(false);
    const count = Number(await batchChain.batchCount());
    const last = await batchChain.batches(count - 1);

    // A fresh verifier process: its own empty folder; its config names L1, BatchChain and the genesis, nothing else.
    const home = join(devnet.dataDir, 'verifier');
    mkdirSync(home, { recursive: true });
    const configPath = join(home, 'verifier.json');
    const config = {
      dataDir: 'data',
      genesisFile: join(devnet.dataDir, 'l2-genesis.json'),
      l1Url: devnet.l1.url,
      batchChain: devnet.addresses.batchChain,
      fromL1Block: devnet.addresses.fromBlock,
      rpc: { port: await freePort() },
      pollMs: 250,
    };
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    verifier = spawn(process.execPath, [join(ROOT, 'node/derive/main.ts'), configPath], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    createInterface({ input: verifier.stdout! }).on('line', (line) => lines.push(line));
    const ready = await waitFor('the verifier ready line', () => lines.find((line) => line.startsWith('{"ready"')), 60_000, 100);
    const url = (JSON.parse(ready) as { ready: { rpc: string } }).ready.rpc;

    await waitFor(`the verifier at block ${last.lastBlock}`, async () => BigInt(await rpc<string>(url, 'eth_blockNumber')) === last.lastBlock, 180_000, 500);
    expect(lines.some((line) => line.startsWith('{"mismatch"'))).toBe(false);
    const head = await rpc<{ stateRoot: string }>(url, 'eth_getBlockByNumber', [`0x${last.lastBlock.toString(16)}`, false]);
    expect(head.stateRoot).toBe(last.stateRoot);
    const batches = await rpc<{ index: number }[]>(url, 'metis_batches', [0, 100]);
    expect(batches).toHaveLength(count);

    const after = {
      balances: await Promise.all([3, 4, 5, 6].map((i) => rpc<string>(url, 'eth_getBalance', [devAccount(i).address, at]))),
      receipt: await rpc(url, 'eth_getTransactionReceipt', [target.hash]),
      block: await rpc(url, 'eth_getBlockByNumber', [at, true]),
    };
    expect(after).toEqual(before);
    await expect(rpc(url, 'eth_sendRawTransaction', ['0x02'])).rejects.toThrow(/not supported by this node \(-32004\)/);
  });
});
