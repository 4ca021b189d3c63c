import { ed25519 } from '@noble/curves/ed25519.js';
import type { AnyTxBody, SignedTx } from './txs.ts';
import { currentEpoch, epochForBlock } from './epochs.ts';
import { event, type AppEvent } from './events.ts';
import { TxCode, TxRejectedError } from '../../../protocol/consensus/errors.ts';
import { applyBadHeader, isValidBadHeader } from './bad-header.ts';
import { applyDoubleSign, isValidDoubleSign, recordAccusation } from './faults.ts';
import { castVote, checkProposal, checkVote, requireStake, submitProposal } from './governance.ts';
import { applySessionReport, checkSessionReport, openSignSession } from './mpc.ts';
import type { Address, ConsensusState } from '../../../protocol/consensus/types.ts';
import { cometAddressOf, isKnownScheduler, powerOf, refreshValidators, validatorByAddress } from './validators.ts';

/**
 * Stateful tx rules. `checkTx` never changes state (CheckTx runs it against the committed state); `applyTx`
 * runs the same checks then changes state (FinalizeBlock). A refusal is a TxRejectedError: code + reason.
 */

export function registerCometKeyMessage(chainId: string, from: Address): string {
  return `register-comet-key:${chainId}:${from}`;
}

const MAX_TRIGGERS = 64;
const MAX_PENDING_BATCH_REQUESTS = 8;

function checkBody(state: ConsensusState, body: AnyTxBody): void {
  switch (body.type) {
    case 'register-comet-key': {
      const validator = validatorByAddress(state, body.from);
      if (!validator || validator.lockState === 'unlocked') throw new TxRejectedError(TxCode.unauthorized, `${body.from} is not a sequencer with a lock on L1`);
      const pubKey = Buffer.from(body.payload.pubKey, 'base64');
      const proof = Buffer.from(body.payload.proof, 'base64');
      let valid = false;
      try {
        valid = ed25519.verify(proof, new TextEncoder().encode(registerCometKeyMessage(state.chainId, body.from)), pubKey);
      } catch {
        valid = false;
      }
      if (!valid) throw new TxRejectedError(TxCode.badSignature, 'proof is not a signature by pubKey over "register-comet-key:<chainId>:<from>"');
      const owner = state.validators.find((candidate) => candidate.cometPubKey === body.payload.pubKey);
      if (owner && owner.address !== body.from) throw new TxRejectedError(TxCode.duplicate, `CometBFT key already registered by ${owner.address}`);
      return;
    }
    case 'propose':
      return checkProposal(state, body.from, body.payload.kind, body.payload.change);
    case 'vote':
      checkVote(state, body.from, body.payload.proposalId);
      return;
    case 'rotation-trigger': {
      if (!isKnownScheduler(state, body.from)) throw new TxRejectedError(TxCode.unauthorized, `${body.from} is neither a scheduler nor a staked sequencer`);
      const epoch = currentEpoch(state).number;
      if (body.payload.epoch !== epoch) throw new TxRejectedError(TxCode.invalid, `rotation-trigger names epoch ${body.payload.epoch}; the current epoch is ${epoch}`);
      return;
    }
    case 'mpc-sign-request': {
      requireStake(state, body.from, 'request MPC signatures');
      const duplicate = state.mpc.sessions.some((session) => session.purpose === body.payload.purpose && session.request.ref === body.payload.ref && session.status !== 'failed');
      if (duplicate) throw new TxRejectedError(TxCode.duplicate, `a ${body.payload.purpose} signing request for ${body.payload.ref} already exists`);
      if (state.mpc.address === null) throw new TxRejectedError(TxCode.invalid, 'there is no MPC key yet (keygen pending)');
      const producer = epochForBlock(state, body.payload.toBlock)?.sequencer;
      if (producer !== body.from && currentEpoch(state).sequencer !== body.from) {
        throw new TxRejectedError(TxCode.unauthorized, `only the active sequencer or the sequencer of L2 block ${body.payload.toBlock} may request its batch signature`);
      }
      const pending = state.mpc.sessions.filter((session) => session.purpose === 'batch' && session.status === 'pending' && session.request.requester === body.from).length;
      if (pending >= MAX_PENDING_BATCH_REQUESTS) throw new TxRejectedError(TxCode.invalid, `${body.from} already has ${pending} batch signing requests pending`);
      return;
    }
    case 'mpc-session-result':
      checkSessionReport(state, body.from, body.payload);
      return;
    case 'misbehaviour-evidence': {
      requireStake(state, body.from, 'report misbehaviour');
      const { evidence } = body.payload;
      if (evidence.kind === 'double-sign' && !isValidDoubleSign(state, evidence)) {
        throw new TxRejectedError(TxCode.invalid, 'double-sign evidence does not hold: the hashes must differ and both signatures be by the sequencer elected for that L2 block');
      }
      if (evidence.kind === 'bad-header' && !isValidBadHeader(state, evidence)) {
        throw new TxRejectedError(TxCode.invalid, 'bad-header evidence does not hold: both headers must be sealed by the sequencers elected for them and the child must break the named rule against the parent');
      }
      if (evidence.kind !== 'invalid-batch' && state.punished.includes(`${evidence.sequencer}:${evidence.l2Block}`)) {
        throw new TxRejectedError(TxCode.duplicate, `this ${evidence.kind} was already punished`);
      }
      return;
    }
  }
}

function checkEnvelope(state: ConsensusState, tx: SignedTx, expectedNonce: number): void {
  if (tx.body.chainId !== state.chainId) throw new TxRejectedError(TxCode.wrongChain, `tx is for chain ${tx.body.chainId}; this chain is ${state.chainId}`);
  if (tx.body.nonce !== expectedNonce) throw new TxRejectedError(TxCode.badNonce, `nonce ${tx.body.nonce} is not the next nonce of ${tx.body.from} (${expectedNonce})`);
}

/** Stateless of side effects: throws TxRejectedError when the tx would be refused. */
export function checkTx(state: ConsensusState, tx: SignedTx, expectedNonce = state.nonces[tx.body.from] ?? 0): void {
  checkEnvelope(state, tx, expectedNonce);
  checkBody(state, tx.body);
}

/**
 * Checks then executes. A tx refused inside a block changes nothing, except that a staked sender's tx with the
 * right chain and nonce uses up its nonce (as a reverted Ethereum tx does): its later txs, already admitted to
 * mempools with the following nonces, stay valid instead of being dropped on recheck. Stakeless senders leave
 * no trace, so a proposer cannot grow the state with them.
 */
export function applyTx(state: ConsensusState, tx: SignedTx, events: AppEvent[]): void {
  const body = tx.body;
  checkEnvelope(state, tx, state.nonces[body.from] ?? 0);
  if (powerOf(state, body.from) > 0) state.nonces[body.from] = body.nonce + 1;
  checkBody(state, body);
  state.nonces[body.from] = body.nonce + 1;
  switch (body.type) {
    case 'register-comet-key': {
      const validator = validatorByAddress(state, body.from)!;
      validator.cometPubKey = body.payload.pubKey;
      validator.cometAddress = cometAddressOf(body.payload.pubKey);
      state.cometKeys[validator.cometAddress] = body.payload.pubKey;
      if (body.payload.rpcUrl !== undefined) validator.rpcUrl = body.payload.rpcUrl;
      if (body.payload.peerUrl !== undefined) validator.peerUrl = body.payload.peerUrl;
      refreshValidators(state);
      events.push(event('comet_key_registered', { sequencer: body.from, comet_address: validator.cometAddress }));
      return;
    }
    case 'propose':
      submitProposal(state, body.from, body.payload.kind, body.payload.change, events);
      return;
    case 'vote':
      castVote(state, body.from, body.payload.proposalId, body.payload.option);
      return;
    case 'rotation-trigger':
      state.triggers.push({ epoch: body.payload.epoch, from: body.from, height: state.height });
      if (state.triggers.length > MAX_TRIGGERS) state.triggers.splice(0, state.triggers.length - MAX_TRIGGERS);
      events.push(event('rotation_trigger', { epoch: body.payload.epoch, from: body.from, reason: body.payload.reason }));
      return;
    case 'mpc-sign-request': {
      // The batcher asks again after a failure: each new attempt is signed by another subset (mpc.ts signersFor).
      const failed = state.mpc.sessions.filter((session) => session.purpose === body.payload.purpose && session.request.ref === body.payload.ref && session.status === 'failed').length;
      const session = openSignSession(state, body.payload.purpose, { ...body.payload, requester: body.from, attempt: failed + 1 });
      events.push(event('mpc_session', { id: session.id, kind: 'sign', purpose: session.purpose, status: 'pending' }));
      return;
    }
    case 'mpc-session-result': {
      const session = applySessionReport(state, body.from, body.payload);
      events.push(event('mpc_session', { id: session.id, kind: session.kind, purpose: session.purpose, status: session.status, reporter: body.from }));
      return;
    }
    case 'misbehaviour-evidence': {
      const { evidence } = body.payload;
      if (evidence.kind === 'double-sign') applyDoubleSign(state, evidence, events);
      else if (evidence.kind === 'bad-header') applyBadHeader(state, evidence, events);
      else recordAccusation(state, body.from, evidence.sequencer, `batch:${evidence.ref}`);
      return;
    }
  }
}
