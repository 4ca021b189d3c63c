import { CheckTxType, ResponseProcessProposal_ProposalStatus, ResponseVerifyVoteExtension_VerifyStatus } from 'cosmjs-types/tendermint/abci/types';
import { connect } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeInjectedCommit, INJECTED_PREFIX } from '../../node/consensus/abci/injected-commit.ts';
import { TxCode, TxRejectedError } from '../../protocol/consensus/errors.ts';
import { decodeVoteExtension, emptyVoteExtension, encodeVoteExtension, InvalidVoteExtensionError, type VoteExtension } from '../../node/consensus/app/extension.ts';
import { answerQuery, QueryError, routeQuery } from '../../node/consensus/query/routes.ts';
import { startQueryServer } from '../../node/consensus/query/server.ts';
import { decodeTx, signTx } from '../../node/consensus/app/txs.ts';
import { signer, signerKey } from '../node/consensus/support.ts';
import { initializedApplication } from '../node/consensus/sim.ts';
import { anyJson, fuzzParams, hexOf, hostileText } from './support.ts';

const CHAIN = 'fuzz-chain';
const STAKES = [30_000, 25_000, 25_000, 20_000];
const CODES: number[] = Object.values(TxCode);
const encode = (text: string) => new TextEncoder().encode(text);

/** Bytes a client may put in a tx or an extension: random bytes, and texts (mostly JSON-shaped) as UTF-8. */
const hostileBytes = (shaped?: fc.Arbitrary<unknown>) => fc.oneof(fc.uint8Array({ maxLength: 300 }), hostileText(shaped).map(encode));

const txLike = fc.record(
  {
    body: fc.record({ chainId: fc.constantFrom(CHAIN, ''), type: fc.constantFrom('vote', 'propose', 'rotation-trigger', 'mpc-sign-request', 'mint'), from: fc.oneof(hexOf(20), fc.string()), nonce: fc.oneof(fc.nat(), fc.double()), payload: anyJson() }, { requiredKeys: [] }),
    signature: fc.oneof(hexOf(65), fc.string()),
  },
  { requiredKeys: [] },
);

const votePayload = fc.record({ proposalId: fc.nat(), option: fc.constantFrom('yes', 'no', 'abstain') });
const rotationPayload = fc.record({ epoch: fc.nat(), reason: fc.string({ maxLength: 256 }) });

describe('fuzz: consensus tx codec (decodeTx)', () => {
  it('any bytes decode or are refused with a TxRejectedError carrying a known code', () => {
    fc.assert(
      fc.property(hostileBytes(txLike), (bytes) => {
        try {
          decodeTx(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(TxRejectedError);
          expect(CODES).toContain((error as TxRejectedError).code);
          expect((error as Error).message.length).toBeGreaterThan(0);
        }
      }),
      fuzzParams(1000),
    );
  });

  it('a signed tx round-trips; any one-character change is refused or decodes to a tx signed by its from', () => {
    const wallet = signer(0);
    fc.assert(
      fc.property(fc.oneof(votePayload.map((payload) => ({ type: 'vote' as const, payload })), rotationPayload.map((payload) => ({ type: 'rotation-trigger' as const, payload }))), fc.nat(), fc.nat(), fc.string({ minLength: 1, maxLength: 1 }), ({ type, payload }, nonce, at, replacement) => {
        const bytes = signTx(wallet, { chainId: CHAIN, type, nonce, payload } as never);
        const tx = decodeTx(bytes);
        expect(tx.body).toEqual({ chainId: CHAIN, type, from: wallet.address.toLowerCase(), nonce, payload });
        const text = new TextDecoder().decode(bytes);
        const index = at % text.length;
        try {
          const changed = decodeTx(encode(text.slice(0, index) + replacement + text.slice(index + 1)));
          expect(changed.body.from).toBe(wallet.address.toLowerCase());
          expect(changed.body.payload).toEqual(payload);
        } catch (error) {
          expect(error).toBeInstanceOf(TxRejectedError);
        }
      }),
      fuzzParams(40),
    );
  });
});

const blockRef = fc.option(fc.record({ number: fc.nat(), hash: hexOf(32) }), { nil: null });
const voteExtension: fc.Arbitrary<VoteExtension> = fc.record({
  v: fc.constant(1 as const),
  l2: fc.record({ latest: blockRef, attest: blockRef, finalized: fc.nat() }),
  liveness: fc.option(fc.record({ epoch: fc.nat(), verdict: fc.constantFrom('alive' as const, 'dead' as const, 'unknown' as const) }), { nil: null }),
  evidence: fc.array(fc.record({ kind: fc.constant('invalid-batch' as const), sequencer: hexOf(20), ref: fc.string({ minLength: 1, maxLength: 128 }), reason: fc.string({ maxLength: 256 }) }), { maxLength: 3 }),
  l1: fc.option(fc.record({ head: fc.nat(), events: fc.array(fc.record({ kind: fc.constant('unlocked' as const), block: fc.nat(), logIndex: fc.nat(), txHash: hexOf(32), sequencerId: fc.nat() }), { maxLength: 3 }) }), { nil: null }),
  randao: fc.record({ commit: fc.option(fc.record({ round: fc.nat(), hash: hexOf(32) }), { nil: null }), reveal: fc.option(fc.record({ round: fc.nat(), secret: hexOf(32) }), { nil: null }) }),
});

describe('fuzz: vote extensions (decodeVoteExtension) and injected commits', () => {
  it('any bytes decode or throw InvalidVoteExtensionError', () => {
    const nearlyValid = fc.tuple(voteExtension, fc.constantFrom('v', 'l2', 'liveness', 'evidence', 'l1', 'randao'), anyJson()).map(([extension, field, value]) => ({ ...extension, [field]: value }));
    fc.assert(
      fc.property(hostileBytes(fc.oneof(anyJson(), nearlyValid)), (bytes) => {
        try {
          decodeVoteExtension(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidVoteExtensionError);
        }
      }),
      fuzzParams(1000),
    );
  });

  it('every valid extension round-trips', () => {
    fc.assert(
      fc.property(voteExtension, (extension) => {
        expect(decodeVoteExtension(encodeVoteExtension(extension))).toEqual(extension);
      }),
      fuzzParams(300),
    );
    expect(decodeVoteExtension(encodeVoteExtension(emptyVoteExtension()))).toEqual(emptyVoteExtension());
  });

  it('VerifyVoteExtension and ProcessProposal answer any bytes without throwing', () => {
    const app = initializedApplication(CHAIN, STAKES);
    fc.assert(
      fc.property(hostileBytes(), fc.uint8Array({ maxLength: 200 }), (extension, injectedBody) => {
        const verdict = app.verifyVoteExtension(extension).status;
        expect([ResponseVerifyVoteExtension_VerifyStatus.ACCEPT, ResponseVerifyVoteExtension_VerifyStatus.REJECT]).toContain(verdict);
        const injected = Uint8Array.of(INJECTED_PREFIX, ...injectedBody);
        try {
          decodeInjectedCommit(injected);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
        }
        const proposal = app.processProposal({ txs: [injected, extension], height: 2n, proposedLastCommit: { round: 0, votes: [] }, misbehavior: [], hash: new Uint8Array(32), time: undefined, nextValidatorsHash: new Uint8Array(), proposerAddress: new Uint8Array() } as never);
        expect([ResponseProcessProposal_ProposalStatus.ACCEPT, ResponseProcessProposal_ProposalStatus.REJECT]).toContain(proposal.status);
      }),
      fuzzParams(300),
    );
  });
});

describe('fuzz: CheckTx on the real consensus application', () => {
  it('any bytes get a CheckTx answer with a known code and a log; nothing throws', () => {
    const app = initializedApplication(CHAIN, STAKES);
    fc.assert(
      fc.property(hostileBytes(txLike), fc.constantFrom(CheckTxType.NEW, CheckTxType.RECHECK), (bytes, type) => {
        const answer = app.checkTx(bytes, type);
        expect(CODES).toContain(answer.code);
        if (answer.code !== 0) expect(answer.log.length).toBeGreaterThan(0);
      }),
      fuzzParams(1000),
    );
    const valid = signTx(signerKey(0), { chainId: CHAIN, type: 'rotation-trigger', nonce: 0, payload: { epoch: 0, reason: 'fuzz' } });
    expect(app.checkTx(valid, CheckTxType.NEW).code).toBe(0);
  });
});

describe('fuzz: consensus query routes and ABCI Query', () => {
  const app = initializedApplication(CHAIN, STAKES);
  const routes = ['/v1/consensus/status', '/v1/consensus/validators', '/v1/consensus/sequencer', '/v1/consensus/epochs', '/v1/consensus/rotations', '/v1/consensus/proposals', '/v1/consensus/mpc', '/v1/consensus/accounts/', '/v1/consensus/proposals/', '', '/', '//'];
  const segment = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('%', '%E0', '%zz', '0x' + 'ab'.repeat(20), '1', '99999999999999999999'), hexOf(20));
  const path = fc.tuple(fc.constantFrom(...routes), segment).map(([route, tail]) => route + tail);
  const search = fc.dictionary(fc.constantFrom('from', 'limit', 'l2Block', 'x'), fc.oneof(fc.string({ maxLength: 12 }), fc.nat().map(String), fc.constantFrom('-1', '1e3', '9007199254740993', '0', '101')), { maxKeys: 3 });

  it('routeQuery answers 200 or throws a QueryError with a 4xx status; answerQuery never answers 500', () => {
    fc.assert(
      fc.property(fc.oneof(path, fc.string({ unit: 'binary', maxLength: 60 })), search, (p, params) => {
        const query = new URLSearchParams(params);
        try {
          expect(routeQuery(app.view, p, query).status).toBe(200);
        } catch (error) {
          expect(error).toBeInstanceOf(QueryError);
          expect((error as QueryError).status).toBeGreaterThanOrEqual(400);
          expect((error as QueryError).status).toBeLessThan(500);
        }
        expect(answerQuery(app.view, p, query).status).not.toBe(500);
        expect(answerQuery(null, p, query).status).toBe(503);
      }),
      fuzzParams(1000),
    );
  });

  it('ABCI Query answers any path and data without throwing (regression: "//" threw out of the handler)', () => {
    expect(app.query('//', new Uint8Array()).code).toBe(400);
    expect(app.query('/v1/consensus/accounts/%E0', new Uint8Array()).code).toBe(400);
    fc.assert(
      fc.property(fc.oneof(path, fc.string({ unit: 'binary', maxLength: 60 })), fc.oneof(fc.uint8Array({ maxLength: 40 }), search.map((params) => encode(new URLSearchParams(params).toString()))), (p, data) => {
        const answer = app.query(p, data);
        expect(answer.code === 0 || (answer.code >= 400 && answer.code < 500)).toBe(true);
        expect(() => JSON.parse(new TextDecoder().decode(answer.value))).not.toThrow();
      }),
      fuzzParams(1000),
    );
  });

  it('the HTTP query server answers any raw request target with a status below 500 (regression: GET // was a 500)', async () => {
    const server = await startQueryServer({ port: 0, view: () => app.view, cometRpcUrl: 'http://127.0.0.1:9' });
    const statusOf = (method: string, target: string) =>
      new Promise<number>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1', () => socket.end(`${method} ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`));
        let head = '';
        socket.on('data', (chunk) => (head += chunk.toString('latin1')));
        socket.on('error', reject);
        socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)));
      });
    // Targets HTTP's request line can carry: no spaces or control characters.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point here
    const target = fc.oneof(path, fc.string({ maxLength: 40 })).map((t) => t.replace(/[\s\x00-\x1f\x7f]/g, ''));
    try {
      expect(await statusOf('GET', '//')).toBe(400);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT'), target, async (method, t) => {
          const status = await statusOf(method, t.startsWith('/') ? t : `/${t}`);
          expect(status).toBeGreaterThanOrEqual(200);
          expect(status).toBeLessThan(500);
        }),
        fuzzParams(150),
      );
    } finally {
      await server.close();
    }
  });
});
