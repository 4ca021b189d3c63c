import type { FaultReason } from '../../mpc/errors.ts';
import type { MpcParty } from '../../mpc/party.ts';

/**
 * MPC faults (non-responders, garbage senders, parties that disagreed on the digest or key) by the consensus
 * session they happened in. The app has no fault channel of its own for MPC sessions, so each party puts what it
 * saw into the `reason` of its mpc-session-result report: the reason is recorded in the committed state with the
 * report but is not part of the digest the app compares, so parties that saw different faults still agree on
 * the result. Presignature faults (background sessions) are only logged.
 */
export class FaultLog {
  private readonly bySession = new Map<string, Map<string, FaultReason>>();

  constructor(mpc: MpcParty, log: (line: string) => void) {
    mpc.onFault((party, mpcSession, reason) => {
      const session = FaultLog.appSessionOf(mpcSession);
      log(`duties: MPC fault in ${mpcSession}: ${party} ${reason}`);
      if (!session) return;
      let faults = this.bySession.get(session);
      if (!faults) {
        faults = new Map();
        this.bySession.set(session, faults);
        if (this.bySession.size > 512) this.bySession.delete(this.bySession.keys().next().value as string);
      }
      faults.set(party, reason);
    });
  }

  /** The duty session id inside an MpcParty session id (`keygen:<id>`, `reshare:<id>`, `sign:<id>:<try>:<set>`). */
  static appSessionOf(mpcSession: string): string | null {
    const match = /^(?:keygen|reshare|sign):([^:]+)/.exec(mpcSession);
    return match ? match[1]! : null;
  }

  /** "faults: 0xab… timeout, 0xcd… malformed" (clipped to fit a report's 256-character reason), or ''. */
  take(session: string): string {
    const faults = this.bySession.get(session);
    this.bySession.delete(session);
    if (!faults || faults.size === 0) return '';
    const text = `faults: ${[...faults].map(([party, reason]) => `${party} ${reason}`).join(', ')}`;
    return text.length > 200 ? `${text.slice(0, 199)}…` : text;
  }
}
