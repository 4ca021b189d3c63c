import { ed25519 } from '@noble/curves/ed25519.js';
import { CheckTxType } from 'cosmjs-types/tendermint/abci/types';
import { Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import type { ConsensusApplication } from '../../../../node/consensus/abci/application.ts';
import { encodeInjectedCommit } from '../../../../node/consensus/abci/injected-commit.ts';
import { appHashOf } from '../../../../node/consensus/app/block.ts';
import { TxCode } from '../../../../protocol/consensus/errors.ts';
import { registerCometKeyMessage } from '../../../../node/consensus/app/transactions.ts';
import { decodeTx, signTx } from '../../../../node/consensus/app/txs.ts';
import { blockHash, METIS, signer, signerKey } from '../support.ts';
import { initializedApplication, SimNet } from '../sim.ts';

const STAKES = [30_000, 25_000, 25_000, 20_000];
const CHAIN = 'sim-chain';

function propose(index: number, nonce: number, epochLength = 30): Uint8Array {
  return signTx(signerKey(index), { chainId: CHAIN, type: 'propose', nonce, payload: { kind: 'params', change: { epochLength } } });
}

describe('app txs: format and authentication', () => {
  it('round-trips a signed tx and recovers the sender', () => {
    const tx = decodeTx(propose(0, 0));
    expect(tx.body).toMatchObject({ type: 'propose', from: signer(0).address.toLowerCase(), nonce: 0, chainId: CHAIN });
    expect(tx.hash).toMatch(/^[0-9A-F]{64}$/);
  });

  it('refuses tampering, junk and unknown types with a code and a reason', () => {
    const bytes = propose(0, 0);
    const tampered = new TextEncoder().encode(new TextDecoder().decode(bytes).replace('"epochLength":30', '"epochLength":31'));
    expect(() => decodeTx(tampered)).toThrow(expect.objectContaining({ code: TxCode.badSignature }));
    expect(() => decodeTx(new TextEncoder().encode('not json'))).toThrow(expect.objectContaining({ code: TxCode.malformed }));
    const unknown = new TextEncoder().encode(new TextDecoder().decode(bytes).replace('"type":"propose"', '"type":"mint"'));
    expect(() => decodeTx(unknown)).toThrow(expect.objectContaining({ code: TxCode.malformed, message: expect.stringContaining('type') }));
    const badPayload = signTx(signerKey(0), { chainId: CHAIN, type: 'vote', nonce: 0, payload: { proposalId: 1, option: 'maybe' } as never });
    expect(() => decodeTx(badPayload)).toThrow(expect.objectContaining({ code: TxCode.malformed, message: expect.stringContaining('option') }));
  });
});

describe('app txs: stateful rules (nothing changes on refusal)', () => {
  it('refuses a wrong chain id, a replayed nonce and a stakeless voter without changing state', () => {
    const stakeless = new Wallet(signerKey(42));
    // The last case is a staked sender with the right nonce: its refusal uses up the nonce and changes nothing else.
    const cases: [Uint8Array, number, RegExp, usesNonceOf?: string][] = [
      [propose(0, 0), TxCode.badNonce, /nonce 0 is not the next nonce/],
      [signTx(signerKey(1), { chainId: 'other-chain', type: 'propose', nonce: 0, payload: { kind: 'params', change: { epochLength: 30 } } }), TxCode.wrongChain, /other-chain/],
      [signTx(stakeless, { chainId: CHAIN, type: 'vote', nonce: 0, payload: { proposalId: 1, option: 'yes' } }), TxCode.unauthorized, /has no stake/],
      [signTx(signerKey(1), { chainId: CHAIN, type: 'vote', nonce: 0, payload: { proposalId: 99, option: 'yes' } }), TxCode.invalid, /unknown proposal 99/, signer(1).address.toLowerCase()],
    ];
    for (const [bytes, code, log, usesNonceOf] of cases) {
      const withTx = new SimNet(STAKES);
      withTx.block([propose(0, 0)]);
      withTx.block([bytes]);
      expect(withTx.lastResult!.txResults[0]).toMatchObject({ code });
      expect(withTx.lastResult!.txResults[0]!.log).toMatch(log);
      // The refused tx left no other trace: the state equals that after a block without it.
      const without = new SimNet(STAKES);
      without.block([propose(0, 0)]);
      without.block([]);
      if (usesNonceOf) without.state.nonces[usesNonceOf] = 1;
      expect(withTx.appHash).toBe(without.appHash);
    }
  });

  it("a staked sender's tx refused in a block uses its nonce, so its next tx (already in mempools) still applies", () => {
    const net = new SimNet(STAKES);
    net.block([propose(0, 0)]);
    const refused = signTx(signerKey(1), { chainId: CHAIN, type: 'vote', nonce: 0, payload: { proposalId: 99, option: 'yes' } });
    const next = signTx(signerKey(1), { chainId: CHAIN, type: 'vote', nonce: 1, payload: { proposalId: 1, option: 'yes' } });
    net.block([refused, next]);
    expect(net.lastResult!.txResults.map((result) => result.code)).toEqual([TxCode.invalid, 0]);
  });

  it('register-comet-key needs a lock on L1 and a proof of possession of the key; it then adds power', () => {
    const net = new SimNet(STAKES);
    const newcomer = signer(7);
    const address = newcomer.address.toLowerCase() as `0x${string}`;
    const secret = new Uint8Array(32).fill(9);
    const pubKey = Buffer.from(ed25519.getPublicKey(secret)).toString('base64');
    const proofFor = (from: string) => Buffer.from(ed25519.sign(new TextEncoder().encode(registerCometKeyMessage(CHAIN, from as `0x${string}`)), secret)).toString('base64');
    const register = (nonce: number, proof: string) => signTx(signerKey(7), { chainId: CHAIN, type: 'register-comet-key', nonce, payload: { pubKey, proof, rpcUrl: 'http://127.0.0.1:9040' } });

    net.block([register(0, proofFor(address))]);
    expect(net.lastResult!.txResults[0]).toMatchObject({ code: TxCode.unauthorized });

    for (const observer of net.observers) {
      observer.l1 = { head: 5, events: [{ kind: 'locked', block: 5, logIndex: 0, txHash: blockHash(1), sequencerId: 8, signer: address, owner: address, total: (40_000n * METIS).toString() }] };
    }
    net.block();
    net.block([register(0, proofFor(signer(1).address.toLowerCase()))]);
    expect(net.lastResult!.txResults[0]).toMatchObject({ code: TxCode.badSignature });
    const result = net.block([register(0, proofFor(address))]);
    expect(result.txResults[0]).toMatchObject({ code: 0 });
    expect(result.validatorUpdates).toEqual([{ pubKey, power: 40_000 }]);
    expect(net.state.validators.find((validator) => validator.address === address)).toMatchObject({ status: 'active', power: 40_000, rpcUrl: 'http://127.0.0.1:9040' });
    // Another sequencer cannot claim the same key.
    const stolen = signTx(signerKey(1), { chainId: CHAIN, type: 'register-comet-key', nonce: 0, payload: { pubKey, proof: proofFor(signer(1).address.toLowerCase()) } });
    net.block([stolen]);
    expect(net.lastResult!.txResults[0]).toMatchObject({ code: TxCode.duplicate });
  });
});

describe('CheckTx through the ABCI application', () => {
  function app(): ConsensusApplication {
    return initializedApplication(CHAIN, STAKES);
  }

  it('accepts consecutive nonces in the mempool, refuses a replay, an injected commit and garbage', () => {
    const application = app();
    const hash = appHashOf(application.view!.state);
    expect(application.checkTx(propose(0, 0), CheckTxType.NEW)).toMatchObject({ code: 0 });
    expect(application.checkTx(propose(0, 1), CheckTxType.NEW)).toMatchObject({ code: 0 });
    expect(application.checkTx(propose(0, 1), CheckTxType.NEW)).toMatchObject({ code: TxCode.badNonce });
    expect(application.checkTx(propose(0, 5), CheckTxType.NEW)).toMatchObject({ code: TxCode.badNonce });
    expect(application.checkTx(encodeInjectedCommit({ round: 0, votes: [] }), CheckTxType.NEW)).toMatchObject({ code: TxCode.malformed, log: expect.stringContaining('proposers') });
    expect(application.checkTx(new TextEncoder().encode('{"body":1}'), CheckTxType.NEW)).toMatchObject({ code: TxCode.malformed });
    const stakeless = signTx(signerKey(42), { chainId: CHAIN, type: 'vote', nonce: 0, payload: { proposalId: 1, option: 'yes' } });
    expect(application.checkTx(stakeless, CheckTxType.NEW)).toMatchObject({ code: TxCode.unauthorized, log: expect.stringContaining('has no stake') });
    // CheckTx never touches the committed state.
    expect(appHashOf(application.view!.state)).toBe(hash);
  });
});
