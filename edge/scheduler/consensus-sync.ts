import { eq, inArray } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { ConsensusClient } from '../consensus/client.ts';
import type { ConsensusStatus, Page, ProposalDetail, PublicProposal } from '../../protocol/consensus/query.ts';
import type { Database } from '../db/client.ts';
import { epochs, hosts, network, proposals, rotations, syncCursors, votes } from '../db/schema.ts';

// Mirrors the consensus layer's committed state into D1: the status row, the routing table (validators), and
// the epoch, rotation and proposal lists. One run writes everything in one D1 batch, so readers never see a
// status from one height beside a routing table from another.

/** Pages read per list per run: bounds a run's time; the cursors carry on next minute. */
const MAX_PAGES = 5;
const PAGE = 100;

export interface ConsensusSyncResult {
  status: ConsensusStatus;
  source: string | null;
  hosts: number;
  epochs: number;
  rotations: number;
  proposals: number;
}

type Statement = BatchItem<'sqlite'>;

async function cursor(db: Database, name: string): Promise<number> {
  const [row] = await db.select({ position: syncCursors.position }).from(syncCursors).where(eq(syncCursors.name, name));
  return row?.position ?? 0;
}

function setCursor(db: Database, name: string, position: number, now: number): Statement {
  return db.insert(syncCursors).values({ name, position, updatedAt: now }).onConflictDoUpdate({ target: syncCursors.name, set: { position, updatedAt: now } });
}

/** Reads a list from `from` on; returns the items and where to start next time (the last item is re-read, as it may still change). */
async function readList<T>(fetchPage: (from: number) => Promise<Page<T>>, from: number): Promise<{ items: { index: number; item: T }[]; resume: number }> {
  const items: { index: number; item: T }[] = [];
  let position = from;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items: chunk, next } = await fetchPage(position);
    chunk.forEach((item, i) => items.push({ index: position + i, item }));
    if (next === null || chunk.length === 0) break;
    position = next;
  }
  const last = items.at(-1);
  return { items, resume: last ? last.index : from };
}

export async function syncConsensus(db: Database, client: ConsensusClient, now: number): Promise<ConsensusSyncResult> {
  const [status, validators] = await Promise.all([client.status(), client.validators()]);
  const [epochList, rotationList, proposalList] = await Promise.all([
    cursor(db, 'consensus:epochs').then((from) => readList((at) => client.epochs(at, PAGE), from)),
    cursor(db, 'consensus:rotations').then((from) => readList((at) => client.rotations(at, PAGE), from)),
    cursor(db, 'consensus:proposals').then((from) => readList((at) => client.proposals(at, PAGE), from)),
  ]);
  // Proposals still open change (tally, status): re-read them with their votes.
  const [open, known] = await Promise.all([
    db.select({ id: proposals.id }).from(proposals).where(inArray(proposals.status, ['voting', 'passed'])),
    db.select({ address: hosts.address }).from(hosts),
  ]);
  const ids = new Set([...open.map((row) => row.id), ...proposalList.items.map(({ item }) => String(item.id))]);
  const details = await Promise.all([...ids].map((id) => client.proposal(id)));

  const active = status.activeSequencer.toLowerCase();
  const statements: Statement[] = [];
  const state = {
    chainId: status.chainId,
    consensusHeight: status.height,
    l2ChainId: status.l2ChainId,
    epoch: status.epoch.number,
    epochFirstBlock: status.epoch.firstBlock,
    epochLastBlock: status.epoch.lastBlock,
    epochReason: status.epoch.reason,
    nextEpoch: status.nextEpoch?.number ?? null,
    activeSequencer: active,
    l2Latest: status.l2.latest,
    l2Safe: status.l2.safe,
    l2Finalized: status.l2.finalized,
    mpcAddress: status.mpc.address?.toLowerCase() ?? null,
    mpcThreshold: status.mpc.threshold,
    mpcParties: status.mpc.parties.map((party) => party.toLowerCase()),
    params: status.params as unknown as Record<string, unknown>,
    source: client.source ?? '',
    syncedAt: now,
  };
  statements.push(db.insert(network).values({ id: 1, ...state }).onConflictDoUpdate({ target: network.id, set: state }));

  // Hosts the consensus layer no longer lists leave the routing table (one statement each: D1 binds at most 100
  // parameters per statement).
  const listed = new Set(validators.map((v) => v.address.toLowerCase()));
  for (const { address } of known) if (!listed.has(address)) statements.push(db.delete(hosts).where(eq(hosts.address, address)));
  for (const v of validators) {
    const address = v.address.toLowerCase();
    const row = {
      sequencerId: v.sequencerId,
      owner: v.owner.toLowerCase(),
      rpcUrl: v.rpcUrl,
      peerUrl: v.peerUrl,
      stake: v.stake,
      power: v.power,
      status: v.status,
      isActive: address === active,
    };
    // Health columns are the health check's: keep them.
    statements.push(db.insert(hosts).values({ address, ...row }).onConflictDoUpdate({ target: hosts.address, set: row }));
  }

  for (const { item: e } of epochList.items) {
    const row = { firstBlock: e.firstBlock, lastBlock: e.lastBlock, sequencer: e.sequencer.toLowerCase(), seed: e.seed, reason: e.reason, startedAtHeight: e.startedAtHeight };
    statements.push(db.insert(epochs).values({ number: e.number, ...row }).onConflictDoUpdate({ target: epochs.number, set: row }));
  }
  for (const { item: r } of rotationList.items) {
    const row = { fromAddress: r.from?.toLowerCase() ?? null, toAddress: r.to.toLowerCase(), reason: r.reason, l2StartBlock: r.l2StartBlock, height: r.height };
    statements.push(db.insert(rotations).values({ epoch: r.epoch, ...row }).onConflictDoUpdate({ target: rotations.epoch, set: row }));
  }
  const positions = new Map(proposalList.items.map(({ index, item }) => [String(item.id), index]));
  for (const detail of details) statements.push(...proposalStatements(db, detail, positions.get(String(detail.id))));

  statements.push(setCursor(db, 'consensus:epochs', epochList.resume, now));
  statements.push(setCursor(db, 'consensus:rotations', rotationList.resume, now));
  statements.push(setCursor(db, 'consensus:proposals', proposalList.resume, now));
  await db.batch(statements as [Statement, ...Statement[]]);

  return {
    status,
    source: client.source,
    hosts: validators.length,
    epochs: epochList.items.length,
    rotations: rotationList.items.length,
    proposals: details.length,
  };
}

function proposalStatements(db: Database, p: ProposalDetail, position: number | undefined): Statement[] {
  const id = String(p.id);
  const row = {
    proposer: p.proposer.toLowerCase(),
    kind: p.kind,
    // D1 keeps them as JSON documents.
    change: p.change as Record<string, unknown>,
    status: p.status,
    submittedHeight: p.submittedHeight,
    votingEndHeight: p.votingEndHeight,
    effectiveHeight: p.effectiveHeight ?? null,
    tally: p.tally as unknown as Record<string, unknown>,
  };
  const out: Statement[] = [
    position === undefined
      ? db.update(proposals).set(row).where(eq(proposals.id, id))
      : db.insert(proposals).values({ position, id, ...row }).onConflictDoUpdate({ target: proposals.id, set: row }),
  ];
  for (const v of p.votes ?? []) {
    const vote = { option: v.option, power: String(v.power), height: v.height };
    out.push(
      db
        .insert(votes)
        .values({ proposalId: id, voter: v.voter.toLowerCase(), ...vote })
        .onConflictDoUpdate({ target: [votes.proposalId, votes.voter], set: vote }),
    );
  }
  return out;
}
