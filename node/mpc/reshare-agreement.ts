import type { Address } from './identity.ts';
import { PartySet } from './identity.ts';
import { AttemptFailed, type Fault } from './session.ts';

/** What an old holder announces in a reshare hello; joiners have `holder: null`. */
export interface HolderHello {
  publicKey: string;
  threshold: number;
  generation: number;
  keyId: string;
  parties: string[];
}

/**
 * Before a reshare, every party of the new set has said whether it holds the old key and which. The holders
 * must all name the same key generation and old set (the one the caller named); a joiner then adopts those
 * public parameters. cait-sith itself checks the key again: the reshared secret must match this public key.
 */
export function agreeOnOldKey(
  hellos: Map<Address, Record<string, unknown>>,
  oldSet: PartySet,
): { publicKey: string; threshold: number; generation: number } {
  const holders = new Map<Address, HolderHello>();
  const faults: Fault[] = [];
  for (const [party, hello] of hellos) {
    const h = hello.holder as HolderHello | null | undefined;
    const claims = h !== null && typeof h === 'object';
    if (oldSet.has(party) !== claims) faults.push({ party, reason: 'key-mismatch' });
    else if (h) holders.set(party, h);
  }
  const counts = new Map<string, number>();
  for (const h of holders.values()) counts.set(h.keyId, (counts.get(h.keyId) ?? 0) + 1);
  const majority = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  for (const [party, h] of holders) {
    let sameOldSet = false;
    try {
      sameOldSet = PartySet.equal(new PartySet(h.parties), oldSet);
    } catch {
      sameOldSet = false;
    }
    if (h.keyId !== majority || !sameOldSet) faults.push({ party, reason: 'key-mismatch' });
  }
  if (faults.length > 0) throw new AttemptFailed('old holders disagree about the key', faults);
  const basis = [...holders.values()][0];
  if (!basis) throw new AttemptFailed('no holder of the old key is in the new set', []);
  if (holders.size < basis.threshold) throw new AttemptFailed(`only ${holders.size} old holders stay; ${basis.threshold} are needed`, []);
  return { publicKey: basis.publicKey, threshold: basis.threshold, generation: basis.generation };
}
