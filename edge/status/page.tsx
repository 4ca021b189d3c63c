/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import type { Status } from './data.ts';

// The status page: what a person checks first when something looks wrong. Server-rendered, no script.

const style = `
  :root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --muted: #6e7781; --line: #d0d7de; }
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 24px; }
  h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
  .muted { color: var(--muted); } code { font: 12px ui-monospace, monospace; }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; margin-top: 16px; }
  .card { border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
  .card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
  .card .value { font-size: 18px; margin-top: 4px; overflow-wrap: anywhere; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); }
  th { font-size: 12px; color: var(--muted); font-weight: 600; }
  .ok { color: var(--ok); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; }
  .pill { border: 1px solid currentColor; border-radius: 999px; padding: 0 8px; font-size: 12px; }
`;

const short = (address: string | null) => (address ? `${address.slice(0, 8)}…${address.slice(-6)}` : '—');
const ago = (at: number | null, now: number) => (at === null ? 'never' : `${Math.max(0, Math.round((now - at) / 1000))} s ago`);

const Card: FC<{ label: string; value: unknown; title?: string }> = ({ label, value, title }) => (
  <div class="card">
    <div class="label">{label}</div>
    <div class="value" title={title}>
      {value}
    </div>
  </div>
);

const Hosts: FC<{ status: Status; now: number }> = ({ status, now }) => (
  <table id="hosts">
    <thead>
      <tr>
        <th>sequencer</th>
        <th>role</th>
        <th>health</th>
        <th>L2 height</th>
        <th>latency</th>
        <th>checked</th>
        <th>RPC</th>
        <th>last error</th>
      </tr>
    </thead>
    <tbody>
      {status.hosts.map((host) => (
        <tr>
          <td>
            <code title={host.address}>{short(host.address)}</code>
          </td>
          <td>
            {host.active ? <span class="pill">sequencing</span> : 'following'}
            {host.status === 'active' ? '' : ` (${host.status})`}
          </td>
          <td class={host.healthy && !host.aheadOfMedian ? 'ok' : 'bad'}>
            {host.healthy ? 'healthy' : 'unhealthy'}
            {host.aheadOfMedian ? ', ahead of the median height (not preferred)' : ''}
          </td>
          <td>{host.l2Height ?? '—'}</td>
          <td>{host.latencyMs === null ? '—' : `${host.latencyMs} ms`}</td>
          <td>{ago(host.checkedAt, now)}</td>
          <td>
            <code>{host.rpcUrl}</code>
          </td>
          <td class="muted">{host.lastError ?? ''}</td>
        </tr>
      ))}
    </tbody>
  </table>
);

const Rotations: FC<{ status: Status }> = ({ status }) => (
  <table id="rotations">
    <thead>
      <tr>
        <th>epoch</th>
        <th>from</th>
        <th>to</th>
        <th>reason</th>
        <th>first L2 block</th>
        <th>consensus height</th>
      </tr>
    </thead>
    <tbody>
      {status.recentRotations.map((rotation) => (
        <tr>
          <td>{rotation.epoch}</td>
          <td>
            <code title={rotation.fromAddress ?? ''}>{short(rotation.fromAddress)}</code>
          </td>
          <td>
            <code title={rotation.toAddress}>{short(rotation.toAddress)}</code>
          </td>
          <td>{rotation.reason}</td>
          <td>{rotation.l2StartBlock}</td>
          <td>{rotation.height}</td>
        </tr>
      ))}
    </tbody>
  </table>
);

const Batches: FC<{ status: Status }> = ({ status }) => (
  <table id="batches">
    <thead>
      <tr>
        <th>batch</th>
        <th>L2 blocks</th>
        <th>tx root</th>
        <th>state root</th>
        <th>L1 block</th>
        <th>L1 tx</th>
      </tr>
    </thead>
    <tbody>
      {status.recentBatches.map((batch) => (
        <tr>
          <td>{batch.batchIndex}</td>
          <td>
            {batch.firstBlock}–{batch.lastBlock}
          </td>
          <td>
            <code title={batch.txRoot}>{short(batch.txRoot)}</code>
          </td>
          <td>
            <code title={batch.stateRoot}>{short(batch.stateRoot)}</code>
          </td>
          <td>{batch.l1Block}</td>
          <td>
            <code title={batch.l1TxHash}>{short(batch.l1TxHash)}</code>
          </td>
        </tr>
      ))}
    </tbody>
  </table>
);

const Triggers: FC<{ status: Status; now: number }> = ({ status, now }) => (
  <table id="triggers">
    <thead>
      <tr>
        <th>epoch</th>
        <th>reason</th>
        <th>outcome</th>
        <th>attempts</th>
        <th>observed L2 height</th>
        <th>when</th>
        <th>consensus answer</th>
      </tr>
    </thead>
    <tbody>
      {status.triggers.map((trigger) => (
        <tr>
          <td>{trigger.epoch}</td>
          <td>{trigger.reason}</td>
          <td class={trigger.status === 'sent' ? 'ok' : trigger.status === 'pending' ? '' : 'bad'}>{trigger.status}</td>
          <td>{trigger.attempts}</td>
          <td>{trigger.observedL2Height}</td>
          <td>{ago(trigger.updatedAt, now)}</td>
          <td class="muted">{trigger.code === null ? (trigger.log ?? '') : `code ${trigger.code}${trigger.log ? `: ${trigger.log}` : ''}`}</td>
        </tr>
      ))}
    </tbody>
  </table>
);

export const StatusPage: FC<{ status: Status; now: number }> = ({ status, now }) => {
  const healthy = status.hosts.filter((host) => host.healthy).length;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta http-equiv="refresh" content="15" />
        <title>L2 sequencer status</title>
        <style>{style}</style>
      </head>
      <body>
        <h1>L2 sequencer status</h1>
        <div class="muted">
          {status.synced
            ? `consensus chain ${status.consensus?.chainId} at height ${status.consensus?.height} · L2 chain ${status.l2ChainId} · synced ${ago(status.syncedAt, now)}`
            : 'the edge has not synced with the consensus layer yet'}
        </div>
        <div class="cards">
          <Card label="active sequencer" value={<code>{status.activeSequencer ?? '—'}</code>} />
          <Card label="epoch" value={status.epoch ? `${status.epoch.number} (blocks ${status.epoch.firstBlock}–${status.epoch.lastBlock})` : '—'} title={status.epoch?.reason} />
          <Card label="L2 latest / safe / finalized" value={status.l2 ? `${status.l2.latest} / ${status.l2.safe} / ${status.l2.finalized}` : '—'} />
          <Card label="last L1 batch" value={status.lastBatch ? `#${status.lastBatch.batchIndex} (to block ${status.lastBatch.lastBlock})` : 'none yet'} />
          <Card label="MPC address" value={<code>{status.mpc?.address ?? 'no key yet'}</code>} title={status.mpc ? `${status.mpc.threshold} of ${status.mpc.parties.length}` : ''} />
          <Card label="hosts healthy" value={<span class={healthy === status.hosts.length && healthy > 0 ? 'ok' : 'bad'}>{`${healthy} of ${status.hosts.length}`}</span>} />
        </div>
        <h2>Hosts</h2>
        <Hosts status={status} now={now} />
        <h2>Rotation history</h2>
        {status.recentRotations.length > 0 ? <Rotations status={status} /> : <p class="muted">no rotations yet</p>}
        <h2>Rotations proposed by this edge</h2>
        {status.triggers.length > 0 ? <Triggers status={status} now={now} /> : <p class="muted">none: every epoch ended on time and every active sequencer stayed healthy</p>}
        <h2>Recent batches</h2>
        {status.recentBatches.length > 0 ? <Batches status={status} /> : <p class="muted">no batches on L1 yet</p>}
        <p class="muted">
          JSON: <a href="/v1/status">/v1/status</a> · RPC: <code>POST /</code>
        </p>
      </body>
    </html>
  );
};
