import { Transaction, Wallet, id } from 'ethers';
import { describe, expect, it } from 'vitest';
import type { Hex } from '../../../../node/encoding/hex.ts';
import type { MpcSessionView } from '../../../../protocol/consensus/query.ts';
import { parseSequencerSetCall, sequencerSetTx } from '../../../../node/consensus/app/sequencer-set-tx.ts';
import type { MpcSnapshot } from '../../../../node/sequencer/duties/session-feed.ts';
import { SequencerSetWriter } from '../../../../node/sequencer/duties/sequencer-set-writer.ts';

const CHAIN_ID = 59900;
const mpc = new Wallet(id('writer test mpc'));
const MPC = mpc.address.toLowerCase() as Hex;
const SIGNER = '0x00000000000000000000000000000000000000a1';

function write(sessionId: number, nonce: number, status: MpcSessionView['status'] = 'completed'): MpcSessionView {
  const request = {
    mpcAddress: MPC,
    method: nonce === 0 ? 'deploy' : 'commitEpoch',
    nonce,
    oldEpoch: null,
    epoch: nonce,
    startBlock: nonce * 10 + 1,
    endBlock: nonce * 10 + 10,
    signer: SIGNER,
    attempt: 1,
  };
  const signature = mpc.signingKey.sign(sequencerSetTx(parseSequencerSetCall(request), CHAIN_ID).unsignedHash).serialized;
  return { id: sessionId, kind: 'sign', purpose: 'sequencer-set', status, participants: [], request, result: status === 'completed' ? { signature, address: MPC } : null, height: 1 };
}

function harness(options: { active?: boolean; used?: bigint; refuse?: string | null } = {}) {
  const sent: Transaction[] = [];
  const logs: string[] = [];
  const state = { active: options.active ?? true, used: options.used ?? 0n, refuse: options.refuse ?? null };
  let now = 1_000;
  const writer = new SequencerSetWriter({
    l2: {
      isActive: () => state.active,
      nonceOf: () => state.used,
      submitRaw: async (raw) => {
        sent.push(Transaction.from(raw));
        return state.refuse;
      },
    },
    l2ChainId: () => CHAIN_ID,
    resendMs: 3_000,
    log: (line) => logs.push(line),
  });
  const realNow = Date.now;
  const run = async (snapshot: MpcSnapshot, advanceMs = 0) => {
    now += advanceMs;
    Date.now = () => now;
    try {
      writer.handle(snapshot);
      await new Promise((resolve) => setTimeout(resolve, 5));
    } finally {
      Date.now = realNow;
    }
  };
  return { sent, logs, state, run };
}

const snapshot = (sessions: MpcSessionView[]): MpcSnapshot => ({ address: MPC, threshold: 3, parties: [], l2Safe: { number: 0, hash: null }, power: {}, sessions });

describe('SequencerSetWriter', () => {
  it('while active, puts every signed write the MPC address has not used into the pool, in nonce order, as the MPC sent it', async () => {
    const { sent, run } = harness({ used: 1n });
    await run(snapshot([write(5, 2), write(3, 0), write(4, 1), write(6, 3, 'pending')]));
    expect(sent.map((tx) => tx.nonce)).toEqual([1, 2]);
    for (const tx of sent) {
      expect(tx.from!.toLowerCase()).toBe(MPC);
      expect(tx.chainId).toBe(BigInt(CHAIN_ID));
    }
  });

  it('does nothing while another host is active, and sends again only after resendMs', async () => {
    const { sent, state, run } = harness({ active: false });
    const writes = snapshot([write(3, 0)]);
    await run(writes);
    expect(sent).toEqual([]);
    state.active = true;
    await run(writes);
    await run(writes, 1_000);
    expect(sent).toHaveLength(1);
    await run(writes, 3_000);
    expect(sent).toHaveLength(2);
  });

  it('skips a malformed request, and logs a pool refusal once per run of it (already known is not a refusal)', async () => {
    const { sent, logs, state, run } = harness({ refuse: 'insufficient funds for gas * price + value' });
    const bad = { ...write(2, 0), request: { ...write(2, 0).request, method: 'selfdestruct' } };
    await run(snapshot([bad, write(3, 0)]));
    await run(snapshot([write(3, 0)]), 3_000);
    expect(sent).toHaveLength(2);
    expect(logs.filter((line) => line.includes('insufficient funds'))).toHaveLength(1);
    state.refuse = 'already known';
    await run(snapshot([write(3, 0)]), 3_000);
    expect(logs.filter((line) => line.includes('already known'))).toEqual([]);
  });
});
