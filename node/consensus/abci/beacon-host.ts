import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { digestOf } from '../../../protocol/consensus/canonical.ts';
import type { Address, BeaconGroup, ConsensusState, DkgRound, Hex } from '../../../protocol/consensus/types.ts';
import { electionMessage } from '../app/beacon.ts';
import { indicesOf } from '../app/dkg.ts';
import { emptyBeaconContribution, type BeaconContribution } from '../app/extension.ts';
import { commitTo, decodeCommitments, evaluatePolynomial, matchesPublicKey, reduceScalar, scalarFromBytes, scalarFromHex, scalarToHex, shareMatches, signShare } from '../app/threshold-bls.ts';

/**
 * A validator's side of the beacon (docs/architecture/rotation-seed.md): everything secret is derived from its
 * private key file (the same one a restart reloads), so a restarted host deals the same polynomial and rebuilds
 * the same shares from the state. Non-deterministic inputs stay here, outside the state machine.
 */

type Deal = NonNullable<BeaconContribution['deal']>;
type Reveal = NonNullable<BeaconContribution['reveal']>;

const hexOf = (bytes: Uint8Array): Hex => `0x${bytesToHex(bytes)}`;

function derive(secretKey: Uint8Array, info: string, length = 32): Uint8Array {
  return hkdf(sha256, secretKey, undefined, utf8ToBytes(info), length);
}

/** Results that cost curve operations, per host key and the exact inputs they came from (a chain id can be reused); bounded. */
const cache = new Map<string, unknown>();
function cached<T>(secretKey: Uint8Array, key: string, compute: () => T): T {
  const full = `${bytesToHex(sha256(secretKey)).slice(0, 16)}:${key}`;
  if (!cache.has(full)) {
    if (cache.size >= 64) cache.delete(cache.keys().next().value!);
    cache.set(full, compute());
  }
  // A copy: the caller puts it into an extension, which must not be able to change what is cached.
  return structuredClone(cache.get(full)) as T;
}

export function beaconKeyPair(secretKey: Uint8Array, chainId: string): { secret: Uint8Array; publicKey: Hex } {
  const secret = derive(secretKey, `beacon-key:${chainId}`);
  return { secret, publicKey: hexOf(x25519.getPublicKey(secret)) };
}

function pad(shared: Uint8Array, chainId: string, round: number, dealer: Address, index: number): Uint8Array {
  return hkdf(sha256, shared, utf8ToBytes(chainId), utf8ToBytes(`beacon-share:${round}:${dealer}:${index}`), 32);
}

function xor32(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((byte, index) => byte ^ b[index]!);
}

function coefficientsOf(secretKey: Uint8Array, chainId: string, dkg: DkgRound): bigint[] {
  return Array.from({ length: dkg.threshold }, (_, k) => scalarFromBytes(derive(secretKey, `beacon-coefficient:${chainId}:${dkg.round}:${k}`, 48)));
}

function holders(dkg: DkgRound): Address[] {
  return dkg.members.flatMap((member, position) => Array.from({ length: dkg.weights[position]! }, () => member));
}

export function buildDealing(secretKey: Uint8Array, chainId: string, dealer: Address, dkg: DkgRound): Deal {
  return cached(secretKey, `deal:${chainId}:${dkg.round}:${digestOf([dkg.members, dkg.weights, dkg.keys])}`, () => {
    const coefficients = coefficientsOf(secretKey, chainId, dkg);
    const ephemeral = derive(secretKey, `beacon-ephemeral:${chainId}:${dkg.round}`);
    const shares = holders(dkg).map((holder, position) => {
      const key = dkg.keys[holder];
      if (!key) return null;
      const shared = x25519.getSharedSecret(ephemeral, hexToBytes(key.slice(2)));
      const index = position + 1;
      return hexOf(xor32(hexToBytes(scalarToHex(evaluatePolynomial(coefficients, index)).slice(2)), pad(shared, chainId, dkg.round, dealer, index)));
    });
    return { round: dkg.round, commitments: commitTo(coefficients), ephemeral: hexOf(x25519.getPublicKey(ephemeral)), shares };
  });
}

/** The share `dealer` dealt to index `index`, decrypted with this host's key; undefined when unreadable. */
function openShare(secretKey: Uint8Array, chainId: string, round: number, dealer: Address, dealing: { ephemeral: Hex; shares: (Hex | null)[] }, index: number): bigint | undefined {
  const ciphertext = dealing.shares[index - 1];
  if (!ciphertext) return undefined;
  try {
    const shared = x25519.getSharedSecret(beaconKeyPair(secretKey, chainId).secret, hexToBytes(dealing.ephemeral.slice(2)));
    return scalarFromHex(hexOf(xor32(hexToBytes(ciphertext.slice(2)), pad(shared, chainId, round, dealer, index))));
  } catch {
    return undefined;
  }
}

/** Dealers whose shares to `me` do not match their commitments. */
export function complaintsOf(secretKey: Uint8Array, chainId: string, me: Address, dkg: DkgRound): Address[] {
  return cached(secretKey, `verdict:${chainId}:${dkg.round}:${digestOf(dkg.dealings)}`, () => {
    const mine = indicesOf(dkg, me);
    return Object.entries(dkg.dealings)
      .filter(([dealer, dealing]) => {
        const commitments = decodeCommitments(dealing.commitments)!;
        return mine.some((index) => {
          if (!dealing.shares[index - 1]) return false;
          const share = openShare(secretKey, chainId, dkg.round, dealer as Address, dealing, index);
          return share === undefined || !shareMatches(share, commitments, index);
        });
      })
      .map(([dealer]) => dealer as Address)
      .sort();
  });
}

export function revealFor(secretKey: Uint8Array, chainId: string, dealer: Address, dkg: DkgRound): Reveal | null {
  const complainers = Object.entries(dkg.verdicts).filter(([, dealers]) => dealers.includes(dealer));
  if (complainers.length === 0) return null;
  const coefficients = coefficientsOf(secretKey, chainId, dkg);
  const indices = complainers.flatMap(([member]) => indicesOf(dkg, member as Address));
  return { round: dkg.round, shares: indices.map((index) => ({ index, value: scalarToHex(evaluatePolynomial(coefficients, index)) })) };
}

/** This member's group secret shares by index: the sum of every qualified dealer's share, checked against the public share. */
export function groupShares(secretKey: Uint8Array, chainId: string, me: Address, group: BeaconGroup): Map<number, bigint> {
  return cached(secretKey, `group:${chainId}:${group.round}:${group.publicKey}`, () => {
    const shares = new Map<number, bigint>();
    for (const index of indicesOf(group, me)) {
      let sum = 0n;
      let complete = true;
      for (const [dealer, dealing] of Object.entries(group.dealings)) {
        const revealed = group.revealed[dealer]?.[String(index)];
        const share = revealed ? scalarFromHex(revealed) : openShare(secretKey, chainId, group.round, dealer as Address, dealing, index);
        if (share === undefined) complete = false;
        else sum += share;
      }
      const value = reduceScalar(sum);
      if (complete && matchesPublicKey(value, group.publicShares[index - 1]!)) shares.set(index, value);
    }
    return shares;
  });
}

function partialFor(secretKey: Uint8Array, state: ConsensusState, me: Address): BeaconContribution['partial'] {
  const { group, partials } = state.beacon;
  const election = state.pendingElection;
  if (!group || !election) return null;
  const mine = indicesOf(group, me);
  if (mine.length === 0) return null;
  const collected = partials?.round === election.round && partials.group === group.round ? partials.byIndex : {};
  if (Object.keys(collected).length >= group.threshold || mine.every((index) => collected[String(index)])) return null;
  const shares = groupShares(secretKey, state.chainId, me, group);
  const message = electionMessage(state, election);
  return { round: election.round, group: group.round, signatures: mine.map((index) => (shares.has(index) ? signShare(shares.get(index)!, message) : null)) };
}

/** What this validator adds to its extension for the beacon, from the state after the block it votes on. */
export function beaconContribution(secretKey: Uint8Array, state: ConsensusState, me: Address): BeaconContribution {
  const contribution = emptyBeaconContribution();
  const { beacon, chainId } = state;
  const keyPair = beaconKeyPair(secretKey, chainId);
  if (!beacon.keys[me]) contribution.key = keyPair.publicKey;
  const dkg = beacon.dkg;
  if (dkg?.members.includes(me)) {
    if (dkg.phase === 'deal' && !dkg.dealings[me]) contribution.deal = buildDealing(secretKey, chainId, me, dkg);
    // With another key on record (its key file was replaced) it cannot read its shares; complaining would only
    // have them revealed to everyone, so it stays silent about them.
    const readable = dkg.keys[me] === keyPair.publicKey;
    if (dkg.phase === 'complain' && !dkg.verdicts[me]) contribution.verdict = { round: dkg.round, complaints: readable ? complaintsOf(secretKey, chainId, me, dkg) : [] };
    if (dkg.phase === 'justify' && dkg.dealings[me] && !dkg.revealed[me] && !dkg.disqualified.includes(me)) contribution.reveal = revealFor(secretKey, chainId, me, dkg);
  }
  contribution.partial = partialFor(secretKey, state, me);
  return contribution;
}
