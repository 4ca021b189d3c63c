import { inArray } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Database } from '../db/client.ts';
import { batches, l1Events, sequencers } from '../db/schema.ts';
import type { L1Event } from './events.ts';

// Turns decoded L1 events into D1 rows: every event into l1_events (the history), LockingPool events into the
// sequencers table (the current registry), BatchAppended into batches. Amounts are wei beyond SQLite's 64-bit
// integers, so the arithmetic happens here in bigint, over the rows the events touch. The l1_events inserts have no
// ON CONFLICT on purpose: if an overlapping run already stored these events, the whole batch fails and nothing is
// counted twice.

type Sequencer = typeof sequencers.$inferSelect;
type Statement = BatchItem<'sqlite'>;

function apply(current: Sequencer | undefined, event: L1Event): Sequencer | undefined {
  const a = event.args;
  const at = event.blockNumber;
  if (event.name === 'Locked') {
    return {
      sequencerId: Number(a.sequencerId),
      signer: a.signer as string,
      owner: a.owner as string,
      locked: a.amount as string,
      reward: '0',
      status: 'active',
      rewardRecipient: null,
      unlockClaimTime: null,
      updatedAtBlock: at,
    };
  }
  // An event about a sequencer registered before the mirror's start block: history only.
  if (!current) return undefined;
  const next = { ...current, updatedAtBlock: at };
  switch (event.name) {
    case 'Relocked':
      next.locked = a.total as string;
      next.reward = minus(current.reward, a.lockedReward as string);
      return next;
    case 'Withdrawn':
      // Part of the stake taken out (paid later by withdrawClaim): the locked stake is what stays.
      next.locked = a.total as string;
      return next;
    case 'UnlockInit':
      next.status = 'unlocking';
      next.unlockClaimTime = Number(a.unlockClaimTime);
      return next;
    case 'Unlocked':
      next.status = 'unlocked';
      next.locked = '0';
      return next;
    case 'SignerChanged':
      next.signer = a.newSigner as string;
      return next;
    case 'RewardRecipientChanged':
      next.rewardRecipient = a.recipient as string;
      return next;
    case 'SequencerOwnerChanged':
      next.owner = a.newOwner as string;
      return next;
    case 'Slashed':
      next.status = 'slashed';
      next.locked = a.remainingStake as string;
      return next;
    case 'RewardAccrued':
      next.reward = (BigInt(current.reward) + BigInt(a.amount as string)).toString();
      return next;
    case 'RewardsClaimed':
      next.reward = minus(current.reward, a.amount as string);
      return next;
    default:
      return undefined;
  }
}

function minus(a: string, b: string): string {
  const difference = BigInt(a) - BigInt(b);
  return (difference > 0n ? difference : 0n).toString();
}

export async function projectEvents(db: Database, events: L1Event[]): Promise<Statement[]> {
  const ids = [...new Set(events.filter((e) => e.contract === 'LockingPool' && e.args.sequencerId !== undefined).map((e) => Number(e.args.sequencerId)))];
  // D1 binds at most 100 parameters per statement: read the touched rows in chunks.
  const chunks = Array.from({ length: Math.ceil(ids.length / 90) }, (_, i) => ids.slice(i * 90, i * 90 + 90));
  const rows = (await Promise.all(chunks.map((chunk) => db.select().from(sequencers).where(inArray(sequencers.sequencerId, chunk))))).flat();
  const registry = new Map(rows.map((row) => [row.sequencerId, row]));
  const touched = new Set<number>();
  const statements: Statement[] = [];

  for (const event of events) {
    const sequencerId = event.args.sequencerId === undefined ? null : Number(event.args.sequencerId);
    statements.push(
      db
        .insert(l1Events)
        .values({
          blockNumber: event.blockNumber,
          logIndex: event.logIndex,
          txHash: event.txHash,
          contract: event.contract,
          name: event.name,
          sequencerId: event.contract === 'LockingPool' ? sequencerId : null,
          addresses: event.addresses.join(','),
          args: event.args,
        }),
    );
    if (event.contract === 'BatchChain' && event.name === 'BatchAppended') {
      const a = event.args;
      const batch = {
        firstBlock: Number(a.firstBlock),
        lastBlock: Number(a.lastBlock),
        txRoot: a.txRoot as string,
        stateRoot: a.stateRoot as string,
        dataHash: a.dataHash as string,
        relayer: a.relayer as string,
        l1Block: event.blockNumber,
        l1TxHash: event.txHash,
      };
      statements.push(db.insert(batches).values({ batchIndex: Number(a.index), ...batch }).onConflictDoUpdate({ target: batches.batchIndex, set: batch }));
    }
    if (event.contract === 'LockingPool' && sequencerId !== null) {
      const next = apply(registry.get(sequencerId), event);
      if (next) {
        registry.set(sequencerId, next);
        touched.add(sequencerId);
      }
    }
  }
  for (const id of touched) {
    const { sequencerId, ...row } = registry.get(id) as Sequencer;
    statements.push(db.insert(sequencers).values({ sequencerId, ...row }).onConflictDoUpdate({ target: sequencers.sequencerId, set: row }));
  }
  return statements;
}
