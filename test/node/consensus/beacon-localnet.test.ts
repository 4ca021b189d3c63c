import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedMessage, seedOf, signatureVerifies } from '../../../node/consensus/app/threshold-bls.ts';
import type { ConsensusState } from '../../../protocol/consensus/types.ts';
import { L2Driver } from './l2-driver.ts';
import { startTestNet, waitFor, type TestNet } from './support.ts';

/**
 * Four real CometBFT validators: the DKG runs through their vote extensions, VerifyVoteExtension checks every
 * partial signature, and each epoch's sequencer is drawn from the group's threshold BLS signature.
 */
describe('rotation seed on a 4-validator CometBFT localnet', () => {
  let net: TestNet;
  let driver: L2Driver;
  const CHAIN = 'beacon-localnet';
  const stateOf = (index: number): ConsensusState | undefined => net.localnet.app(index)?.app.view?.state;

  beforeAll(async () => {
    net = await startTestNet({ chainId: CHAIN });
    driver = new L2Driver(net.observers, () => stateOf(0));
    driver.start();
  });

  afterAll(async () => {
    driver?.stop();
    await net?.cleanup();
  });

  it('completes the DKG, then rotates every epoch on seeds that are group signatures every node agrees on', async () => {
    const group = await waitFor('the beacon group', () => stateOf(0)?.beacon.group ?? undefined, 60_000);
    console.info(`beacon group ${group.round} complete at consensus height ${group.completedAtHeight}`);
    expect(group.members).toHaveLength(4);
    expect(group.threshold).toBe(7);
    await waitFor('three epochs seeded by the group', () => (stateOf(0)?.beacon.signatures.length ?? 0) >= 3, 90_000);
    const state = stateOf(0)!;
    console.info(`3 BLS-seeded epochs by consensus height ${state.height}; elections at heights ${state.rotations.map((rotation) => rotation.height).join(', ')}`);
    for (const signed of state.beacon.signatures) {
      const epoch = state.epochs.find((candidate) => candidate.number === signed.epoch)!;
      expect(epoch.seed).toBe(seedOf(signed.signature));
      const signer = signed.group === group.round ? group : state.beacon.group!;
      expect(signatureVerifies(signed.signature, seedMessage(CHAIN, signed.epoch, signed.round), signer.publicKey)).toBe(true);
    }
    const rotations = state.rotations.filter((rotation) => rotation.reason === 'epoch');
    expect(rotations.length).toBeGreaterThanOrEqual(3);
    // Only the genesis epoch has the predictable seed; every later one is a group signature's hash.
    expect(state.beacon.signatures.map((signed) => signed.epoch)).toEqual(rotations.map((rotation) => rotation.epoch).slice(0, state.beacon.signatures.length));
    expect(state.beacon.dropped.partials).toBe(0);
    // Every node holds the same group key and the same signatures (what one committed, all committed).
    const height = state.height;
    for (const index of [1, 2, 3]) {
      await waitFor(`node ${index} at height ${height}`, () => (stateOf(index)?.height ?? 0) >= height, 30_000);
      expect(stateOf(index)!.beacon.group!.publicKey).toBe(state.beacon.group!.publicKey);
      expect(stateOf(index)!.beacon.signatures.slice(0, 3)).toEqual(state.beacon.signatures.slice(0, 3));
    }
  }, 240_000);
});
