/** Stake-weighted agreement: every count in the app is by power, never by number of nodes. */

/** True when `part` is strictly more than two thirds of `total`. */
export function isSupermajority(part: number, total: number): boolean {
  return total > 0 && 3 * part > 2 * total;
}

/** True when `part` is strictly more than one third of `total` (enough to block a supermajority). */
export function isBlockingMinority(part: number, total: number): boolean {
  return total > 0 && 3 * part > total;
}

/**
 * The highest value v such that voters holding more than 2/3 of `total` power report at least v
 * (the stake-weighted 1/3-quantile from the top); undefined when reports cover no supermajority.
 */
export function supermajorityFloor(reports: { value: number; power: number }[], total: number): number | undefined {
  const sorted = [...reports].sort((a, b) => b.value - a.value);
  let accumulated = 0;
  for (const report of sorted) {
    accumulated += report.power;
    if (isSupermajority(accumulated, total)) return report.value;
  }
  return undefined;
}

/** Groups power by key and returns the key that holds a supermajority of `total`, if any. */
export function supermajorityKey<T>(votes: { key: string; value: T; power: number }[], total: number): { key: string; value: T; power: number } | undefined {
  const groups = new Map<string, { key: string; value: T; power: number }>();
  for (const vote of votes) {
    const group = groups.get(vote.key);
    if (group) group.power += vote.power;
    else groups.set(vote.key, { ...vote });
  }
  for (const group of [...groups.values()].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    if (isSupermajority(group.power, total)) return group;
  }
  return undefined;
}
