import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keccak256, parseUnits, toUtf8Bytes } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatchData } from '../../../../node/host/batcher/batch-data.ts';
import { batchSignRequest } from '../../../../node/host/batcher/batch-signer.ts';
import { nativeMerkle } from '../../../../node/host/batcher/merkle.ts';
import type { ExecutionEngine } from '../../../../node/host/engine/engine.ts';
import type { Hex } from '../../../../node/encoding/hex.ts';
import { openNativeEngine } from '../../../../node/host/engine/native-engine.ts';
import { ConsensusClient } from '../../../../node/consensus/client/client.ts';
import { batchChainDomain, batchDigest, lockingPoolDomain, type BatchHeader } from '../../../../node/l1/typed-data.ts';
import { batchRef, checkBatch, parseBatchRef } from '../../../../node/sequencer/duties/batch-check.ts';
import { replicaOf, type ConsensusSafeHead } from '../../../../node/sequencer/duties/context.ts';
import { BatchRequestError } from '../../../../node/sequencer/duties/errors.ts';
import { FaultLog } from '../../../../node/sequencer/duties/fault-log.ts';
import { KeyLock } from '../../../../node/sequencer/duties/key-lock.ts';
import { MpcBatchSigner } from '../../../../node/sequencer/duties/mpc-batch-signer.ts';
import { SessionFeed } from '../../../../node/sequencer/duties/session-feed.ts';
import { rewardsRequest, slashRequest } from '../../../../node/sequencer/duties/sign-requests.ts';
import { devWallet, testGenesis } from '../../host/harness.ts';

const L1_CHAIN = 31337n;
const BATCH_CHAIN = '0x00000000000000000000000000000000000bc001' as Hex;
const DOMAIN = batchChainDomain(L1_CHAIN, BATCH_CHAIN);
const ZERO = `0x${'00'.repeat(32)}` as Hex;

/** The batch exactly as node/batcher cuts it from `engine` (hashes from the engine's block records). */
async function batcherHeader(engine: ExecutionEngine, index: bigint, from: number, to: number): Promise<BatchHeader> {
  const blocks = [];
  const hashes: Hex[] = [];
  for (let n = from; n <= to; n++) {
    const sealed = engine.sealedBlock(BigInt(n))!;
    blocks.push({ number: sealed.env.number, timestamp: sealed.env.timestamp, beneficiary: sealed.env.beneficiary, gasLimit: sealed.env.gasLimit, transactions: sealed.transactions });
    hashes.push(...(engine.getBlockByNumber(BigInt(n))!.transactions as Hex[]));
  }
  const { dataHash } = await encodeBatchData(blocks);
  return { index, firstBlock: BigInt(from), lastBlock: BigInt(to), txRoot: hashes.length ? nativeMerkle.root(hashes) : ZERO, stateRoot: engine.sealedBlock(BigInt(to))!.stateRoot, dataHash };
}

const requestOf = (header: BatchHeader) => {
  const digest = batchDigest(DOMAIN, header);
  return { ref: batchRef(header.index, digest), fromBlock: Number(header.firstBlock), toBlock: Number(header.lastBlock), digest };
};

describe('a signer re-derives a batch from its own native chain', () => {
  let dir: string;
  let producer: ExecutionEngine;
  let follower: ExecutionEngine;
  let forked: ExecutionEngine;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'duties-parts-'));
    producer = openNativeEngine(join(dir, 'producer'), testGenesis());
    follower = openNativeEngine(join(dir, 'follower'), testGenesis());
    forked = openNativeEngine(join(dir, 'forked'), testGenesis());
    const transfer = (from: number, nonce: number) =>
      devWallet(from)
        .signTransaction({ type: 2, chainId: 901n, nonce, to: devWallet(9).address, value: 1n, gasLimit: 21_000n, maxFeePerGas: parseUnits('3', 'gwei'), maxPriorityFeePerGas: 1n })
        .then((raw) => Buffer.from(raw.slice(2), 'hex'));
    const beneficiary = devWallet(8).address.toLowerCase() as Hex;
    const t0 = BigInt(Math.floor(Date.now() / 1000));
    // Blocks 1..3 (3 txs, none, 2 txs) on the producer; the follower verifies and applies each one.
    const bodies = [[await transfer(1, 0), await transfer(2, 0), await transfer(1, 1)], [], [await transfer(3, 0), await transfer(2, 1)]];
    for (const [i, txs] of bodies.entries()) {
      const executed = await producer.executeBlock({ number: BigInt(i + 1), timestamp: t0 + BigInt(i), beneficiary, gasLimit: 0n }, txs);
      expect((await follower.verifyAndApply(executed.sealed)).ok).toBe(true);
      if (i < 2) expect((await forked.verifyAndApply(executed.sealed)).ok).toBe(true);
    }
    // The forked host made its own block 3 (another transaction).
    await forked.executeBlock({ number: 3n, timestamp: t0 + 2n, beneficiary, gasLimit: 0n }, [await transfer(4, 0)]);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The replica as duties see it: the engine with its safe head (all it holds, unless told otherwise). */
  const replica = (engine: ExecutionEngine, safe = engine.latestNumber()) => replicaOf(engine, { safe });
  /** The consensus layer's attested safe head: `engine`'s block `n`. */
  const attested = (engine: ExecutionEngine, n: number) => ({ number: n, hash: engine.sealedBlock(BigInt(n))!.hash });
  const check = (engine: ExecutionEngine, request: Parameters<typeof checkBatch>[1], safe: ConsensusSafeHead | null = attested(producer, 3)) => checkBatch(replica(engine), request, DOMAIN, safe);

  it('derives the batcher\'s own header (txRoot, stateRoot, dataHash) and its EIP-712 digest', async () => {
    const header = await batcherHeader(producer, 0n, 1, 3);
    expect(await check(follower, requestOf(header))).toEqual({ ok: true, header, digest: batchDigest(DOMAIN, header).toLowerCase() });
    // A range without transactions has the zero root, as BatchChain expects. Below the consensus safe head, the
    // safe block's hash vouches for its ancestors.
    const empty = await batcherHeader(producer, 1n, 2, 2);
    expect(empty.txRoot).toBe(ZERO);
    expect((await check(follower, requestOf(empty))).ok).toBe(true);
  });

  it('signs no block beyond its own safe head or the consensus safe head: "unavailable" until they get there', async () => {
    const request = requestOf(await batcherHeader(producer, 0n, 1, 3));
    expect(await checkBatch(replica(follower, 2n), request, DOMAIN, attested(producer, 3))).toMatchObject({ ok: false, verdict: 'unavailable', reason: "block 3 is beyond this host's safe head 2" });
    expect(await check(follower, request, attested(producer, 2))).toMatchObject({ ok: false, verdict: 'unavailable', reason: 'block 3 is beyond the consensus safe head 2' });
    for (const none of [null, { number: 3, hash: null }]) {
      expect(await check(follower, request, none)).toMatchObject({ ok: false, verdict: 'unavailable', reason: 'the consensus layer has attested no L2 safe head yet' });
    }
    // Safe by the consensus layer but not yet held here: still no evidence either way.
    const two = openNativeEngine(join(dir, 'two'), testGenesis());
    for (let n = 1n; n <= 2n; n++) expect((await two.verifyAndApply(producer.sealedBlock(n)!)).ok).toBe(true);
    expect(await check(two, requestOf(await batcherHeader(producer, 1n, 2, 2)))).toMatchObject({ ok: false, verdict: 'unavailable', reason: 'replica does not hold the consensus safe block 3' });
  });

  it('refuses a batch whose chain is not the one the consensus layer attested, naming both hashes', async () => {
    const header = await batcherHeader(producer, 0n, 1, 3);
    // The forked host's own block 3 (the batch matches its replica, not the attested chain).
    const forkedHeader = await batcherHeader(forked, 0n, 1, 3);
    const onFork = await check(forked, requestOf(forkedHeader));
    expect(onFork).toMatchObject({ ok: false, verdict: 'refuse', reason: expect.stringMatching(/^replica block 3 is 0x[0-9a-f]{10}…, the consensus safe hash is 0x/) });
    // An honest replica, asked while the consensus layer attests the fork: refused the same way.
    expect(await check(follower, requestOf(header), attested(forked, 3))).toMatchObject({ ok: false, verdict: 'refuse' });
  });

  it('refuses a batch its chain contradicts, naming what it derived instead', async () => {
    const header = await batcherHeader(producer, 0n, 1, 3);
    // The fork's block 3 is the attested one, and the request is the other block 3's batch.
    const onFork = await check(forked, requestOf(header), attested(forked, 3));
    expect(onFork).toMatchObject({ ok: false, verdict: 'refuse', reason: expect.stringMatching(/^replica blocks 1\.\.3 give digest 0x/) });
    // Any single field changed by the requester: a different txRoot, stateRoot, dataHash or last block. (The
    // index comes from the request itself: BatchChain only appends the next index, over the next blocks.)
    const other = keccak256(toUtf8Bytes('x'));
    for (const tampered of [{ ...header, txRoot: other }, { ...header, stateRoot: other }, { ...header, dataHash: ZERO }, { ...header, lastBlock: 2n }]) {
      expect(await check(follower, requestOf(tampered))).toMatchObject({ ok: false, verdict: 'refuse' });
    }
    // The same batch for another BatchChain (domain) is another digest.
    const elsewhere = batchDigest(batchChainDomain(L1_CHAIN, '0x00000000000000000000000000000000000bc002'), header);
    expect(await check(follower, { ...requestOf(header), ref: batchRef(0n, elsewhere), digest: elsewhere })).toMatchObject({ verdict: 'refuse' });
  });

  it('says "unavailable" (no evidence) for blocks it does not hold yet', async () => {
    const header = await batcherHeader(producer, 0n, 1, 3);
    const behind = openNativeEngine(join(dir, 'behind'), testGenesis());
    expect(await check(behind, requestOf(header))).toMatchObject({ ok: false, verdict: 'unavailable', reason: 'replica is at block 0, the batch ends at 3' });
  });

  it('refuses malformed requests before touching the chain', async () => {
    const header = await batcherHeader(producer, 0n, 1, 3);
    const good = requestOf(header);
    const cases: [object, RegExp][] = [
      [{ ref: 'batch-0' }, /is not <batch index>:<digest>/],
      [{ ref: batchRef(0n, ZERO) }, /ref names another digest/],
      [{ fromBlock: 0 }, /bad block range 0\.\.3/],
      [{ fromBlock: 3, toBlock: 2 }, /bad block range 3\.\.2/],
      [{ fromBlock: 1, toBlock: 20_000 }, /20000 blocks exceed the 10000-block limit/],
    ];
    for (const [change, reason] of cases) expect(await check(follower, { ...good, ...change })).toMatchObject({ ok: false, verdict: 'refuse', reason: expect.stringMatching(reason) });
    expect(parseBatchRef(good.ref)).toEqual({ index: 0n, digest: good.digest.toLowerCase() });
    expect(parseBatchRef(`-1:${good.digest}`)).toBeNull();
  });
});

describe('LockingPool messages read from the app\'s requests', () => {
  const domain = lockingPoolDomain(L1_CHAIN, '0x00000000000000000000000000000000000b0011');

  it('rewards: the fields of SubmitRewards, strictly', () => {
    const request = { rewardBatchId: 2, startEpoch: 3, endEpoch: 3, sequencerIds: [4], blockCounts: [10], sequencers: ['0x…'], rewardPerBlock: '1' };
    const parsed = rewardsRequest(request, domain);
    expect(parsed).toMatchObject({ ok: true, message: { rewardBatchId: 2n, startEpoch: 3n, endEpoch: 3n, sequencerIds: [4n], blockCounts: [10n] } });
    // An empty epoch is still reported (L1 needs contiguous epochs).
    expect(rewardsRequest({ ...request, sequencerIds: [], blockCounts: [] }, domain).ok).toBe(true);
    for (const bad of [{ rewardBatchId: 0 }, { endEpoch: 2 }, { sequencerIds: [4, 5] }, { sequencerIds: [0] }, { blockCounts: [-1] }, { blockCounts: ['10'] }]) {
      expect(rewardsRequest({ ...request, ...bad }, domain).ok, JSON.stringify(bad)).toBe(false);
    }
  });

  it('slash: the fields of Slash, strictly', () => {
    const request = { sequencerId: 3, evidenceHash: keccak256(toUtf8Bytes('evidence')), amount: '2500000000000000000000', signer: '0x…', reason: 'invalid-batch' };
    expect(slashRequest(request, domain)).toMatchObject({ ok: true, message: { sequencerId: 3n, amount: 2_500n * 10n ** 18n } });
    expect(slashRequest({ ...request, sequencerId: null }, domain)).toMatchObject({ ok: false, reason: expect.stringContaining('unknown to the app') });
    expect(slashRequest({ ...request, amount: '0' }, domain)).toMatchObject({ ok: false, reason: expect.stringContaining('nothing to slash') });
    expect(slashRequest({ ...request, evidenceHash: '0x12' }, domain).ok).toBe(false);
  });
});

describe('duty plumbing', () => {
  it('KeyLock: signing sessions run side by side, a key change alone and in arrival order', async () => {
    const lock = new KeyLock();
    const events: string[] = [];
    const gate = () => {
      let open!: () => void;
      return { promise: new Promise<void>((resolve) => (open = resolve)), open: () => open() };
    };
    const a = gate();
    const b = gate();
    const signA = lock.withShared(async () => {
      events.push('A start');
      await a.promise;
      events.push('A end');
    });
    const reshare = lock.withExclusive(async () => {
      events.push('R');
    });
    const signB = lock.withShared(async () => {
      events.push('B start');
      await b.promise;
      events.push('B end');
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    // B arrived after the reshare: it waits for it, even though A (shared) is running.
    expect(events).toEqual(['A start']);
    a.open();
    await reshare;
    b.open();
    await Promise.all([signA, signB]);
    expect(events).toEqual(['A start', 'A end', 'R', 'B start', 'B end']);
    await expect(lock.withExclusive(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lock.withShared(async () => 7)).toBe(7);
  });

  it('maps MPC session ids back to consensus sessions and clips fault reasons', () => {
    expect(FaultLog.appSessionOf('sign:chain.12:1:aa.bb')).toBe('chain.12');
    expect(FaultLog.appSessionOf('keygen:chain.3')).toBe('chain.3');
    expect(FaultLog.appSessionOf('presign:0001-ab')).toBeNull();
    const listeners: ((party: string, session: string, reason: string) => void)[] = [];
    const log = new FaultLog({ onFault: (listener: (typeof listeners)[number]) => listeners.push(listener) } as never, () => undefined);
    for (let i = 0; i < 8; i++) listeners[0]!(`0x${String(i).repeat(40)}`, 'sign:c.5:0:x', 'timeout');
    const text = log.take('c.5');
    expect(text.startsWith('faults: 0x0000000000000000000000000000000000000000 timeout, ')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(200);
    expect(log.take('c.5')).toBe('');
  });

  it('MpcBatchSigner refuses to ask for a batch of another chain or with a digest that is not the header\'s', async () => {
    const feed = new SessionFeed(new ConsensusClient('http://127.0.0.1:9'), 1_000, () => undefined);
    const submitted: unknown[] = [];
    const signer = new MpcBatchSigner({
      feed,
      submitTx: async (type, payload) => {
        submitted.push({ type, payload });
        return { hash: '', code: 0, log: '' };
      },
      batchChain: BATCH_CHAIN,
      l1ChainId: async () => L1_CHAIN,
      timeoutMs: 1_000,
      resendMs: 500,
      log: () => undefined,
    });
    const header: BatchHeader = { index: 0n, firstBlock: 1n, lastBlock: 2n, txRoot: ZERO, stateRoot: ZERO, dataHash: ZERO };
    await expect(signer.sign(batchSignRequest(header, L1_CHAIN, '0x00000000000000000000000000000000000bc002'))).rejects.toBeInstanceOf(BatchRequestError);
    await expect(signer.sign(batchSignRequest(header, 1n, BATCH_CHAIN))).rejects.toThrow(/L1 chain 1; this host's L1 is chain 31337/);
    await expect(signer.sign({ ...batchSignRequest(header, L1_CHAIN, BATCH_CHAIN), digest: ZERO })).rejects.toThrow(/is not the EIP-712 digest of batch 0/);
    expect(submitted).toEqual([]);
    await feed.stop();
  });
});
