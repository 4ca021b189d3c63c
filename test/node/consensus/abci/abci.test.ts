import { connect } from 'node:net';
import { ed25519 } from '@noble/curves/ed25519.js';
import { Request, Response, ResponseProcessProposal_ProposalStatus, ResponseVerifyVoteExtension_VerifyStatus, type ExtendedCommitInfo } from 'cosmjs-types/tendermint/abci/types';
import { BlockIDFlag } from 'cosmjs-types/tendermint/types/validator';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsensusApplication } from '../../../../node/consensus/abci/application.ts';
import { encodeFrame, encodeUvarint, FrameDecoder, MAX_FRAME_BYTES } from '../../../../node/consensus/abci/framing.ts';
import { decodeInjectedCommit, isInjectedTx } from '../../../../node/consensus/abci/injected-commit.ts';
import { ABCI_MAX_CONNECTIONS, startAbciServer, type AbciServer } from '../../../../node/consensus/abci/server.ts';
import { voteExtensionSignBytes } from '../../../../node/consensus/abci/vote-extension-signature.ts';
import { emptyVoteExtension, encodeVoteExtension } from '../../../../node/consensus/app/extension.ts';
import { freePort } from '../../../support/ports.ts';
import { rawExchange } from '../../../support/raw-socket.ts';
import { cometKey, initializedApplication } from '../sim.ts';

const STAKES = [30_000, 25_000, 25_000, 20_000];
const CHAIN = 'abci-test';

function application(): ConsensusApplication {
  return initializedApplication(CHAIN, STAKES);
}

/** An extended commit for height 1 as CometBFT would build it, each extension signed by its validator's key. */
function extendedCommit(options: { forge?: number; absent?: number } = {}): ExtendedCommitInfo {
  return {
    round: 0,
    votes: STAKES.map((stake, index) => {
      const key = cometKey(index);
      if (index === options.absent) {
        return { validator: { address: Buffer.from(key.address, 'hex'), power: BigInt(stake) }, voteExtension: new Uint8Array(), extensionSignature: new Uint8Array(), blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_ABSENT };
      }
      const extension = encodeVoteExtension({ ...emptyVoteExtension(), l2: { latest: null, attest: null, finalized: index } });
      const signingKey = index === options.forge ? cometKey(index + 1).secret : key.secret;
      return {
        validator: { address: Buffer.from(key.address, 'hex'), power: BigInt(stake) },
        voteExtension: extension,
        extensionSignature: ed25519.sign(voteExtensionSignBytes(CHAIN, 1n, 0, extension), signingKey),
        blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
      };
    }),
  };
}

function lastCommitOf(commit: ExtendedCommitInfo) {
  return { round: commit.round, votes: commit.votes.map((vote) => ({ validator: vote.validator, blockIdFlag: vote.blockIdFlag })) };
}

describe('ABCI application: vote extensions into blocks', () => {
  it('the proposer injects the extended commit as tx 0; ProcessProposal accepts it when every signature verifies', () => {
    const app = application();
    const commit = extendedCommit({ absent: 3 });
    const prepared = app.prepareProposal({ maxTxBytes: 1_000_000n, txs: [new TextEncoder().encode('{"x":1}')], localLastCommit: commit, misbehavior: [], height: 2n, time: { seconds: 0n, nanos: 0 }, nextValidatorsHash: new Uint8Array(), proposerAddress: new Uint8Array() });
    expect(prepared.txs).toHaveLength(2);
    expect(isInjectedTx(prepared.txs[0]!)).toBe(true);
    expect(decodeInjectedCommit(prepared.txs[0]!).votes).toHaveLength(4);
    const process = (txs: Uint8Array[], lastCommit = lastCommitOf(commit)) =>
      app.processProposal({ txs, proposedLastCommit: lastCommit, misbehavior: [], hash: new Uint8Array(), height: 2n, time: { seconds: 0n, nanos: 0 }, nextValidatorsHash: new Uint8Array(), proposerAddress: new Uint8Array() }).status;
    expect(process(prepared.txs)).toBe(ResponseProcessProposal_ProposalStatus.ACCEPT);
    // Missing injection, a second injection, or a list that drops a signer of the last commit: rejected.
    expect(process(prepared.txs.slice(1))).toBe(ResponseProcessProposal_ProposalStatus.REJECT);
    expect(process([...prepared.txs, prepared.txs[0]!])).toBe(ResponseProcessProposal_ProposalStatus.REJECT);
    const full = extendedCommit();
    expect(process(prepared.txs, lastCommitOf(full))).toBe(ResponseProcessProposal_ProposalStatus.REJECT);
  });

  it('rejects a proposal carrying a forged extension', () => {
    const app = application();
    const forged = extendedCommit({ forge: 1 });
    const prepared = app.prepareProposal({ maxTxBytes: 1_000_000n, txs: [], localLastCommit: forged, misbehavior: [], height: 2n, time: { seconds: 0n, nanos: 0 }, nextValidatorsHash: new Uint8Array(), proposerAddress: new Uint8Array() });
    const status = app.processProposal({ txs: prepared.txs, proposedLastCommit: lastCommitOf(forged), misbehavior: [], hash: new Uint8Array(), height: 2n, time: { seconds: 0n, nanos: 0 }, nextValidatorsHash: new Uint8Array(), proposerAddress: new Uint8Array() }).status;
    expect(status).toBe(ResponseProcessProposal_ProposalStatus.REJECT);
  });

  it('VerifyVoteExtension accepts its own format and rejects anything else', () => {
    const app = application();
    const own = app.extendVote({ txs: [], proposedLastCommit: { round: 0, votes: [] }, misbehavior: [], hash: new Uint8Array(32), height: 2n, time: { seconds: 0n, nanos: 0 }, nextValidatorsHash: new Uint8Array(), proposerAddress: new Uint8Array() }).voteExtension;
    expect(app.verifyVoteExtension(own).status).toBe(ResponseVerifyVoteExtension_VerifyStatus.ACCEPT);
    expect(app.verifyVoteExtension(new TextEncoder().encode('{"v":2}')).status).toBe(ResponseVerifyVoteExtension_VerifyStatus.REJECT);
    const extra = JSON.stringify({ ...emptyVoteExtension(), extra: 1 });
    expect(app.verifyVoteExtension(new TextEncoder().encode(extra)).status).toBe(ResponseVerifyVoteExtension_VerifyStatus.REJECT);
  });

  it('ABCI Query serves the query API paths with the same JSON', () => {
    const app = application();
    const status = app.query('/v1/consensus/status', new Uint8Array());
    expect(status.code).toBe(0);
    expect(JSON.parse(new TextDecoder().decode(status.value))).toMatchObject({ chainId: CHAIN, epoch: { number: 0 } });
    const sequencer = app.query('/v1/consensus/sequencer?l2Block=3', new Uint8Array());
    expect(JSON.parse(new TextDecoder().decode(sequencer.value))).toMatchObject({ l2Block: 3, epoch: 0 });
    const viaData = app.query('/v1/consensus/sequencer', new TextEncoder().encode('l2Block=4'));
    expect(JSON.parse(new TextDecoder().decode(viaData.value))).toMatchObject({ l2Block: 4 });
    const missing = app.query('/v1/consensus/sequencer?l2Block=999999', new Uint8Array());
    expect(missing.code).toBe(404);
    expect(missing.log).toMatch(/no sequencer is elected/);
  });

  it('ExtendVote executes the block it votes on; FinalizeBlock reuses that only for the same block, with the same result', () => {
    const block = (app: ConsensusApplication, hashByte: number, withExtensions: boolean) => {
      const commit = extendedCommit();
      const { txs } = app.prepareProposal({ maxTxBytes: 1_000_000n, txs: [], localLastCommit: commit, misbehavior: [], height: 2n, time: { seconds: 0n, nanos: 0 }, nextValidatorsHash: new Uint8Array(), proposerAddress: new Uint8Array() });
      const common = { txs: withExtensions ? txs : [], misbehavior: [], hash: new Uint8Array(32).fill(hashByte), height: 2n, time: { seconds: 0n, nanos: 0 }, nextValidatorsHash: new Uint8Array(), proposerAddress: new Uint8Array() };
      return { vote: { ...common, proposedLastCommit: lastCommitOf(commit) }, decide: { ...common, decidedLastCommit: lastCommitOf(commit) } };
    };
    const hashOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
    const plain = application();
    const expected = hashOf(plain.finalizeBlock(block(plain, 1, true).decide).appHash);
    const other = application();
    expect(hashOf(other.finalizeBlock(block(other, 1, false).decide).appHash), 'the two blocks differ').not.toBe(expected);

    const voter = application();
    const before = voter.view!.state.height;
    const voted = block(voter, 1, true);
    expect(voter.verifyVoteExtension(voter.extendVote(voted.vote).voteExtension).status).toBe(ResponseVerifyVoteExtension_VerifyStatus.ACCEPT);
    expect(voter.view!.state.height).toBe(before); // nothing committed by voting
    expect(hashOf(voter.finalizeBlock(voted.decide).appHash)).toBe(expected);
    voter.commit();
    expect(voter.view!.state.height).toBe(2);

    // Voted on one block, then another was decided (a later round): the decided one is executed, not the voted one.
    const switched = application();
    switched.extendVote(block(switched, 1, false).vote);
    expect(hashOf(switched.finalizeBlock(block(switched, 2, true).decide).appHash)).toBe(expected);
  });

  it('FinalizeBlock + Commit: the same block gives the same app hash on two nodes', () => {
    const results = [application(), application()].map((app) => {
      const commit = extendedCommit();
      const { txs } = app.prepareProposal({ maxTxBytes: 1_000_000n, txs: [], localLastCommit: commit, misbehavior: [], height: 2n, time: { seconds: 0n, nanos: 0 }, nextValidatorsHash: new Uint8Array(), proposerAddress: new Uint8Array() });
      const finalized = app.finalizeBlock({ txs, decidedLastCommit: lastCommitOf(commit), misbehavior: [], hash: new Uint8Array(), height: 2n, time: { seconds: 0n, nanos: 0 }, nextValidatorsHash: new Uint8Array(), proposerAddress: new Uint8Array() });
      app.commit();
      expect(finalized.txResults).toHaveLength(1);
      expect(app.view!.state.height).toBe(2);
      return Buffer.from(finalized.appHash).toString('hex');
    });
    expect(results[0]).toBe(results[1]);
  });

  it('Commit returns the retain height of the configured consensus history (0: keep every block)', () => {
    const commitHeight2 = (app: ConsensusApplication) => {
      const commit = extendedCommit();
      const { txs } = app.prepareProposal({ maxTxBytes: 1_000_000n, txs: [], localLastCommit: commit, misbehavior: [], height: 2n, time: { seconds: 0n, nanos: 0 }, nextValidatorsHash: new Uint8Array(), proposerAddress: new Uint8Array() });
      app.finalizeBlock({ txs, decidedLastCommit: lastCommitOf(commit), misbehavior: [], hash: new Uint8Array(), height: 2n, time: { seconds: 0n, nanos: 0 }, nextValidatorsHash: new Uint8Array(), proposerAddress: new Uint8Array() });
      return app.handle(Request.fromPartial({ commit: {} })).commit!.retainHeight;
    };
    expect(commitHeight2(application())).toBe(0n);
    expect(commitHeight2(initializedApplication(CHAIN, STAKES, null, 1))).toBe(2n);
    expect(commitHeight2(initializedApplication(CHAIN, STAKES, null, 2))).toBe(0n);
  });
});

describe('ABCI socket server', () => {
  let server: AbciServer | undefined;
  afterEach(async () => server?.close());

  it('answers framed requests in order over one connection (Echo, Info, Flush)', async () => {
    const app = application();
    server = await startAbciServer({ port: await freePort(), handler: app.handle });
    const socket = connect(server.port, '127.0.0.1');
    const decoder = new FrameDecoder();
    const responses: Response[] = [];
    const done = new Promise<void>((resolve) => {
      socket.on('data', (chunk) => {
        for (const frame of decoder.push(chunk)) responses.push(Response.decode(frame));
        if (responses.length === 3) resolve();
      });
    });
    const requests = [Request.fromPartial({ echo: { message: 'ping' } }), Request.fromPartial({ info: { version: '0.38.25' } }), Request.fromPartial({ flush: {} })];
    // All three in one write, split in the middle of a frame.
    const bytes = Buffer.concat(requests.map((request) => encodeFrame(Request.encode(request).finish())));
    socket.write(bytes.subarray(0, 5));
    setTimeout(() => socket.write(bytes.subarray(5)), 20);
    await done;
    socket.destroy();
    expect(responses[0]!.echo?.message).toBe('ping');
    expect(responses[1]!.info?.data).toBe('l2-sequencer-consensus');
    expect(responses[2]!.flush).toBeDefined();
  });

  /** One Echo round trip on a fresh connection: the server still answers. */
  async function echoes(port: number): Promise<boolean> {
    const answer = await rawExchange(port, [encodeFrame(Request.encode(Request.fromPartial({ echo: { message: 'still here' } })).finish())], { waitMs: 2_000, until: (received) => received.includes('still here') });
    return Buffer.from(answer.text, 'latin1').includes('still here');
  }

  it('closes a connection sending an oversize length prefix or an over-long varint, and keeps serving', async () => {
    const errors: Error[] = [];
    server = await startAbciServer({ port: await freePort(), handler: application().handle, onError: (error) => errors.push(error) });
    const oversize = await rawExchange(server.port, [encodeUvarint(MAX_FRAME_BYTES + 1)], { waitMs: 2_000 });
    expect(oversize.closedByServer).toBe(true);
    const longVarint = await rawExchange(server.port, [new Uint8Array(11).fill(0x80)], { waitMs: 2_000 });
    expect(longVarint.closedByServer).toBe(true);
    expect(errors.map((error) => error.name)).toEqual(['FramingError', 'FramingError']);
    expect(await echoes(server.port)).toBe(true);
  });

  it('answers an undecodable frame with an exception response, and a truncated frame with nothing', async () => {
    server = await startAbciServer({ port: await freePort(), handler: application().handle });
    const garbage = await rawExchange(server.port, [encodeFrame(Uint8Array.from([0xff, 0xff, 0xff, 0xff]))], { waitMs: 2_000, until: (received) => new FrameDecoder().push(received).length > 0 });
    const [frame] = new FrameDecoder().push(Buffer.from(garbage.text, 'latin1'));
    expect(Response.decode(frame!).exception?.error).toMatch(/undecodable ABCI request/);
    const truncated = await rawExchange(server.port, [encodeFrame(new Uint8Array(100)).subarray(0, 50)], { waitMs: 300 });
    expect(truncated).toEqual({ text: '', closedByServer: false });
    expect(await echoes(server.port)).toBe(true);
  });

  it(`accepts only ${ABCI_MAX_CONNECTIONS} connections at once (CometBFT's four): a fifth is closed on accept`, async () => {
    server = await startAbciServer({ port: await freePort(), handler: application().handle });
    const port = server.port;
    const held = await Promise.all(
      Array.from({ length: ABCI_MAX_CONNECTIONS }, () => new Promise<ReturnType<typeof connect>>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => resolve(socket));
      })),
    );
    expect(await echoes(port)).toBe(false);
    held.pop()!.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await echoes(port)).toBe(true);
    for (const socket of held) socket.destroy();
  });
});
