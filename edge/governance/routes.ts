import { and, asc, eq, gte, inArray, like, or } from 'drizzle-orm';
import { Hono } from 'hono';
import { database } from '../db/client.ts';
import { batches, epochs, hosts, l1Events, proposals, rotations, sequencers, votes } from '../db/schema.ts';
import type { Env } from '../config/env.ts';
import { address, notFound, page, pagination, proposalId } from './params.ts';

// Governance and staking queries, read from the D1 mirrors of L1 (LockingPool, BatchChain) and of the consensus
// layer. Lists page like the consensus query API: ?from=&limit= -> { items, next }.

export const governance = new Hono<{ Bindings: Env }>();

type HostRow = typeof hosts.$inferSelect;
type SequencerRow = typeof sequencers.$inferSelect;

/** The consensus layer's view of a sequencer next to its L1 registration. */
function consensusView(host: HostRow | undefined) {
  if (!host) return null;
  return {
    power: host.power,
    status: host.status,
    active: host.isActive,
    rpcUrl: host.rpcUrl,
    healthy: host.healthy,
    l2Height: host.l2Height,
    checkedAt: host.checkedAt,
  };
}

function sequencerView(row: SequencerRow, host: HostRow | undefined) {
  return { ...row, consensus: consensusView(host) };
}

governance.get('/v1/sequencers', async (c) => {
  const { from, limit } = pagination(c.req.query());
  const db = database(c.env.DB);
  const rows = await db.select().from(sequencers).where(gte(sequencers.sequencerId, from)).orderBy(asc(sequencers.sequencerId)).limit(limit + 1);
  const { items, next } = page(rows, limit, (row) => row.sequencerId);
  const signers = items.map((row) => row.signer);
  const hostRows = signers.length > 0 ? await db.select().from(hosts).where(inArray(hosts.address, signers)) : [];
  const byAddress = new Map(hostRows.map((row) => [row.address, row]));
  return c.json({ items: items.map((row) => sequencerView(row, byAddress.get(row.signer))), next });
});

governance.get('/v1/sequencers/:address', async (c) => {
  const who = address(c.req.param('address'));
  const db = database(c.env.DB);
  const [row] = await db.select().from(sequencers).where(or(eq(sequencers.signer, who), eq(sequencers.owner, who))).orderBy(asc(sequencers.sequencerId));
  if (!row) throw notFound(`no sequencer has signer or owner ${who}`);
  const [host] = await db.select().from(hosts).where(eq(hosts.address, row.signer));
  return c.json(sequencerView(row, host));
});

governance.get('/v1/epochs', async (c) => {
  const { from, limit } = pagination(c.req.query());
  const rows = await database(c.env.DB).select().from(epochs).where(gte(epochs.number, from)).orderBy(asc(epochs.number)).limit(limit + 1);
  return c.json(page(rows, limit, (row) => row.number));
});

governance.get('/v1/rotations', async (c) => {
  const { from, limit } = pagination(c.req.query());
  const rows = await database(c.env.DB).select().from(rotations).where(gte(rotations.epoch, from)).orderBy(asc(rotations.epoch)).limit(limit + 1);
  return c.json(page(rows, limit, (row) => row.epoch));
});

governance.get('/v1/proposals', async (c) => {
  const { from, limit } = pagination(c.req.query());
  const rows = await database(c.env.DB).select().from(proposals).where(gte(proposals.position, from)).orderBy(asc(proposals.position)).limit(limit + 1);
  const { items, next } = page(rows, limit, (row) => row.position);
  return c.json({ items: items.map(({ position: _position, ...proposal }) => proposal), next });
});

governance.get('/v1/proposals/:id', async (c) => {
  const id = proposalId(c.req.param('id'));
  const db = database(c.env.DB);
  const [row] = await db.select().from(proposals).where(eq(proposals.id, id));
  if (!row) throw notFound(`no proposal ${id}`);
  const counted = await db.select({ voter: votes.voter }).from(votes).where(eq(votes.proposalId, id));
  const { position: _position, ...proposal } = row;
  return c.json({ ...proposal, voteCount: counted.length });
});

governance.get('/v1/proposals/:id/votes', async (c) => {
  const id = proposalId(c.req.param('id'));
  const { from, limit } = pagination(c.req.query());
  const db = database(c.env.DB);
  const [exists] = await db.select({ id: proposals.id }).from(proposals).where(eq(proposals.id, id));
  if (!exists) throw notFound(`no proposal ${id}`);
  // Votes have no natural integer key: `from` is an offset into (height, voter) order.
  const rows = await db.select().from(votes).where(eq(votes.proposalId, id)).orderBy(asc(votes.height), asc(votes.voter)).limit(limit + 1).offset(from);
  const items = rows.slice(0, limit).map(({ proposalId: _id, ...vote }) => vote);
  return c.json({ items, next: rows.length > limit ? from + limit : null });
});

governance.get('/v1/stakes/:address', async (c) => {
  const who = address(c.req.param('address'));
  const { from, limit } = pagination(c.req.query());
  const db = database(c.env.DB);
  const owned = await db.select().from(sequencers).where(or(eq(sequencers.signer, who), eq(sequencers.owner, who))).orderBy(asc(sequencers.sequencerId));
  const ids = owned.map((row) => row.sequencerId);
  const involves = ids.length > 0 ? or(inArray(l1Events.sequencerId, ids), like(l1Events.addresses, `%${who}%`)) : like(l1Events.addresses, `%${who}%`);
  // The stake history in chain order; `from` is an offset into it.
  const history = await db
    .select()
    .from(l1Events)
    .where(and(eq(l1Events.contract, 'LockingPool'), involves))
    .orderBy(asc(l1Events.blockNumber), asc(l1Events.logIndex))
    .limit(limit + 1)
    .offset(from);
  const locked = owned.filter((row) => row.status !== 'unlocked').reduce((sum, row) => sum + BigInt(row.locked), 0n);
  return c.json({
    address: who,
    locked: locked.toString(),
    sequencers: owned,
    events: { items: history.slice(0, limit), next: history.length > limit ? from + limit : null },
  });
});

governance.get('/v1/batches', async (c) => {
  const { from, limit } = pagination(c.req.query());
  const rows = await database(c.env.DB).select().from(batches).where(gte(batches.batchIndex, from)).orderBy(asc(batches.batchIndex)).limit(limit + 1);
  return c.json(page(rows, limit, (row) => row.batchIndex));
});
