import { describe, expect, it } from 'vitest';
import { currentEpoch } from '../../../../node/consensus/app/epochs.ts';
import { AppTxSigners } from '../support.ts';
import { SimNet } from '../sim.ts';

/**
 * The edge's rotation trigger as a state machine: a trigger alone rotates nobody; it makes validators probe the
 * active sequencer's public RPC, and the app replaces the sequencer only when those holding more than 2/3 of the
 * stake report it unreachable.
 */

const STAKES = [30_000, 25_000, 25_000, 20_000];
const signers = new AppTxSigners('sim-chain');

function started(): SimNet {
  signers.reset();
  const net = new SimNet(STAKES, { epochLength: 1000 });
  // The public endpoints validators registered (register-comet-key's rpcUrl); the genesis set here has none.
  for (const validator of net.state.validators) validator.rpcUrl = `https://seq-${validator.sequencerId}.example`;
  net.produceL2(3);
  net.blocks(3);
  return net;
}

const trigger = (net: SimNet) => signers.tx(3, 'rotation-trigger', { epoch: currentEpoch(net.state).number, reason: 'liveness: public RPC unreachable from the edge' });
function probesSay(net: SimNet, unreachable: number[]): void {
  for (const [index, observer] of net.observers.entries()) observer.publicRpcReachable = !unreachable.includes(index);
}

describe('rotation trigger: validators probe, >2/3 of stake decides', () => {
  it('without a trigger nobody probes, and failed probes change nothing', () => {
    const net = started();
    probesSay(net, [0, 1, 2, 3]);
    net.blocks(4);
    expect(net.observers.every((observer) => observer.probedUrls.length === 0)).toBe(true);
    expect(currentEpoch(net.state).reason).toBe('genesis');
  });

  it('a trigger makes every validator probe the active sequencer’s registered public RPC', () => {
    const net = started();
    const active = currentEpoch(net.state).sequencer;
    const rpcUrl = net.state.validators.find((validator) => validator.address === active)!.rpcUrl;
    net.block([trigger(net)]);
    net.blocks(2);
    for (const observer of net.observers) expect(observer.probedUrls.at(-1)).toBe(rpcUrl);
  });

  it('failed probes from validators with 2/3 of the stake or less do not rotate; reachable ones never do', () => {
    const net = started();
    const before = currentEpoch(net.state);
    net.block([trigger(net)]);
    // 0 and 2 hold 55 000 of 100 000; the others reach it.
    probesSay(net, [0, 2]);
    net.blocks(6);
    expect(currentEpoch(net.state).number).toBe(before.number);
    expect(net.state.pendingElection).toBeNull();
  });

  it('failed probes from validators with more than 2/3 of the stake replace the sequencer (liveness), even while it produces', () => {
    const net = started();
    const before = currentEpoch(net.state);
    net.block([trigger(net)]);
    probesSay(net, [0, 1, 2]);
    net.produceL2(6);
    net.until((state) => currentEpoch(state).number > before.number, 30);
    const after = currentEpoch(net.state);
    expect(after.reason).toBe('liveness');
    expect(after.sequencer).not.toBe(before.sequencer);
    expect(net.state.rotations.at(-1)).toMatchObject({ from: before.sequencer, reason: 'liveness' });
  });

  it('probes of an earlier epoch do not count against the next sequencer', () => {
    const net = started();
    const before = currentEpoch(net.state);
    net.block([trigger(net)]);
    probesSay(net, [0, 1, 2]);
    net.until((state) => currentEpoch(state).number > before.number, 30);
    const next = currentEpoch(net.state);
    // The new epoch has no trigger of its own: the same failing probes (now of the new sequencer) are not asked for.
    net.produceL2(12);
    net.blocks(6);
    expect(currentEpoch(net.state).number).toBe(next.number);
  });
});
