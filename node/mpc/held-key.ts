import { mpcShareInfo, type MpcShareInfo } from '@l2-sequencer/native';
import { MpcInputError } from './errors.ts';
import { PartySet, type Address } from './identity.ts';

/**
 * This host's share of the group key together with the addresses of its set (the native share knows only
 * participant ids). Stored as one document, encrypted by the ShareStore.
 */
export class HeldKey {
  readonly share: Buffer;
  readonly info: MpcShareInfo;
  readonly parties: PartySet;

  private constructor(share: Buffer, info: MpcShareInfo, parties: PartySet) {
    this.share = share;
    this.info = info;
    this.parties = parties;
  }

  /** Checks that `parties` are exactly the share's participants and that the share is `owner`'s. */
  static of(share: Buffer, parties: readonly string[], owner: Address): HeldKey {
    const info = mpcShareInfo(share);
    const set = new PartySet(parties);
    if (set.ids.length !== info.participants.length || set.ids.some((id) => !info.participants.includes(id))) {
      throw new MpcInputError('share participants do not match the party addresses');
    }
    if (!set.has(owner) || set.ids[set.addresses.indexOf(owner)] !== info.me) {
      throw new MpcInputError('the share belongs to another node');
    }
    return new HeldKey(share, info, set);
  }

  static fromStored(bytes: Buffer, owner: Address): HeldKey {
    let doc: { share?: unknown; parties?: unknown };
    try {
      doc = JSON.parse(bytes.toString('utf8')) as typeof doc;
    } catch {
      throw new MpcInputError('stored key is not a key document');
    }
    if (typeof doc.share !== 'string' || !Array.isArray(doc.parties)) throw new MpcInputError('stored key is not a key document');
    return HeldKey.of(Buffer.from(doc.share, 'utf8'), doc.parties as string[], owner);
  }

  toStored(): Buffer {
    return Buffer.from(JSON.stringify({ share: this.share.toString('utf8'), parties: this.parties.addresses }), 'utf8');
  }

  get keyId(): string {
    return this.info.keyId;
  }

  get threshold(): number {
    return this.info.threshold;
  }

  get address(): Address {
    return this.info.address as Address;
  }
}
