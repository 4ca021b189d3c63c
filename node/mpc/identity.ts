import { MpcInputError } from './errors.ts';

/** A node's Ethereum address, lowercase 0x-hex: its identity on the peer port and in the MPC. */
export type Address = `0x${string}`;

const ADDRESS = /^0x[0-9a-f]{40}$/;

export function normaliseAddress(value: string): Address {
  const lower = value.toLowerCase();
  if (!ADDRESS.test(lower)) throw new MpcInputError(`not an address: ${value.slice(0, 50)}`);
  return lower as Address;
}

/**
 * cait-sith numbers its parties with u32s that must stay the same across reshares (shares are polynomial
 * evaluations at id + 1). The first four bytes of the address are already uniformly random and need no
 * coordination; a collision inside one set (~n²/2³³) is refused rather than silently mis-sharing.
 */
export function participantId(address: Address): number {
  return Number.parseInt(address.slice(2, 10), 16);
}

/** Maps a set of addresses to participant ids and back, sorted by address. */
export class PartySet {
  readonly addresses: readonly Address[];
  readonly ids: readonly number[];
  private readonly byId = new Map<number, Address>();

  constructor(parties: readonly string[]) {
    const addresses = [...new Set(parties.map(normaliseAddress))].sort();
    if (addresses.length !== parties.length) throw new MpcInputError('party list contains duplicates');
    this.addresses = addresses;
    this.ids = addresses.map(participantId);
    for (const [i, id] of this.ids.entries()) {
      if (this.byId.has(id)) throw new MpcInputError(`participant id collision between ${this.byId.get(id)} and ${addresses[i]}`);
      this.byId.set(id, addresses[i] as Address);
    }
  }

  get size(): number {
    return this.addresses.length;
  }

  has(address: string): boolean {
    return this.addresses.includes(address as Address);
  }

  addressOf(id: number): Address | undefined {
    return this.byId.get(id);
  }

  without(excluded: Iterable<string>): PartySet {
    const drop = new Set(excluded);
    return new PartySet(this.addresses.filter((a) => !drop.has(a)));
  }

  static equal(a: PartySet | null, b: PartySet): boolean {
    return !!a && a.size === b.size && a.addresses.every((x, i) => x === b.addresses[i]);
  }

  /** A short, order-independent name of the set, for session ids and pool keys. */
  get fingerprint(): string {
    return this.addresses.map((a) => a.slice(2, 10)).join('.');
  }
}
