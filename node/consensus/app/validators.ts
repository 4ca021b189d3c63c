import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Address, ConsensusState, Params, Validator } from '../../../protocol/consensus/types.ts';

const WEI_PER_POWER = 10n ** 18n;

/** CometBFT's validator address for an ed25519 key: the first 20 bytes of sha256(pubkey), uppercase hex. */
export function cometAddressOf(pubKeyBase64: string): string {
  return bytesToHex(sha256(Buffer.from(pubKeyBase64, 'base64')).slice(0, 20)).toUpperCase();
}

/** Voting power = locked stake in whole METIS, capped at maxLock (stake above the cap buys no extra power). */
export function powerOfStake(stakeWei: string, params: Params): number {
  const capped = BigInt(stakeWei) > BigInt(params.maxLock) ? BigInt(params.maxLock) : BigInt(stakeWei);
  return Number(capped / WEI_PER_POWER);
}

function isEligible(validator: Validator, params: Params): boolean {
  if (validator.lockState !== 'locked' || validator.cometPubKey === null) return false;
  if (BigInt(validator.stake) < BigInt(params.minLock)) return false;
  if (params.whitelist.length > 0 && !params.whitelist.includes(validator.address)) return false;
  return powerOfStake(validator.stake, params) > 0;
}

/** Re-derives every validator's status and power from its lock, key, stake and the current params. */
export function refreshValidators(state: ConsensusState): void {
  for (const validator of state.validators) {
    if (validator.lockState === 'unlocking') validator.status = 'unlocking';
    else if (validator.lockState === 'unlocked') validator.status = 'unlocked';
    else validator.status = isEligible(validator, state.params) ? 'active' : 'pending';
    validator.power = validator.status === 'active' ? powerOfStake(validator.stake, state.params) : 0;
  }
  state.validators.sort((a, b) => a.sequencerId - b.sequencerId);
}

export function activeValidators(state: ConsensusState): Validator[] {
  return state.validators.filter((validator) => validator.power > 0);
}

export function totalPower(state: ConsensusState): number {
  return activeValidators(state).reduce((sum, validator) => sum + validator.power, 0);
}

export function powerOf(state: ConsensusState, address: string): number {
  return state.validators.find((validator) => validator.address === address)?.power ?? 0;
}

export function validatorByAddress(state: ConsensusState, address: string): Validator | undefined {
  return state.validators.find((validator) => validator.address === address);
}

export function validatorByCometAddress(state: ConsensusState, cometAddress: string): Validator | undefined {
  const wanted = cometAddress.toUpperCase();
  return state.validators.find((validator) => validator.cometAddress === wanted);
}

/** The CometBFT validator set the state implies: base64 pubkey -> power, for validators with power. */
export function cometValidatorSet(state: ConsensusState): Map<string, number> {
  const set = new Map<string, number>();
  for (const validator of activeValidators(state)) {
    if (validator.cometPubKey) set.set(validator.cometPubKey, validator.power);
  }
  return set;
}

/**
 * The updates that turn `before` into `after`, sorted by key. An update that would leave CometBFT with no
 * validator at all is withheld (CometBFT would halt); the app's own view still shows power 0.
 */
export function validatorSetDiff(before: Map<string, number>, after: Map<string, number>): { pubKey: string; power: number }[] {
  if (after.size === 0) return [];
  const updates: { pubKey: string; power: number }[] = [];
  for (const [pubKey, power] of after) if (before.get(pubKey) !== power) updates.push({ pubKey, power });
  for (const pubKey of before.keys()) if (!after.has(pubKey)) updates.push({ pubKey, power: 0 });
  return updates.sort((a, b) => (a.pubKey < b.pubKey ? -1 : 1));
}

export function isKnownScheduler(state: ConsensusState, address: Address): boolean {
  return state.params.schedulers.includes(address) || powerOf(state, address) > 0;
}
