import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerQuery } from '../../../../node/consensus/query/routes.ts';
import { startQueryServer, type QueryServer } from '../../../../node/consensus/query/server.ts';
import { appHashOf } from '../../../../node/consensus/app/block.ts';
import { freePort } from '../../../support/ports.ts';
import { SimNet } from '../sim.ts';

describe('consensus query API', () => {
  const net = new SimNet([30_000, 25_000, 25_000, 20_000]);
  net.produceL2(25);
  net.until((state) => state.epochs.length >= 3, 40);
  const view = () => ({ state: net.state, appHash: appHashOf(net.state) });
  let server: QueryServer;

  beforeAll(async () => {
    server = await startQueryServer({ port: await freePort(), view, cometRpcUrl: `http://127.0.0.1:${await freePort()}` });
  });
  afterAll(async () => server.close());

  const get = async (path: string) => {
    const response = await fetch(`${server.url}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  it('status has the contract shape', async () => {
    const { status, body } = await get('/v1/consensus/status');
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['activeSequencer', 'appHash', 'chainId', 'epoch', 'height', 'l2', 'l2ChainId', 'mpc', 'nextEpoch', 'params', 'sequencerSet'].sort());
    expect(body.epoch).toMatchObject({ number: 2, reason: 'epoch' });
    expect(Object.keys(body.epoch).sort()).toEqual(['firstBlock', 'lastBlock', 'number', 'reason', 'seed', 'sequencer', 'startedAtHeight']);
    expect(body.activeSequencer).toBe(body.epoch.sequencer);
    expect(body.params).toMatchObject({ epochLength: 10, minLock: '20000000000000000000000', maxLock: '100000000000000000000000' });
    expect(body.appHash).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('validators, sequencer, epochs, rotations, proposals, mpc', async () => {
    const validators = await get('/v1/consensus/validators');
    expect(validators.body.items).toHaveLength(4);
    expect(Object.keys(validators.body.items[0]).sort()).toEqual(['address', 'coolDownUntilEpoch', 'cometPubKey', 'owner', 'peerUrl', 'power', 'rpcUrl', 'sequencerId', 'stake', 'status'].sort());
    const epochs = await get('/v1/consensus/epochs?from=0&limit=2');
    expect(epochs.body.items).toHaveLength(2);
    expect(epochs.body.next).toBe(2);
    const sequencer = await get('/v1/consensus/sequencer?l2Block=15');
    expect(sequencer.body).toEqual({ l2Block: 15, sequencer: epochs.body.items[1].sequencer, epoch: 1 });
    expect((await get('/v1/consensus/rotations')).body.items.length).toBeGreaterThanOrEqual(3);
    expect((await get('/v1/consensus/proposals')).body).toEqual({ items: [], next: null });
    const mpc = await get('/v1/consensus/mpc');
    expect(mpc.body.sessions[0]).toMatchObject({ id: 1, kind: 'keygen', status: 'pending' });
  });

  it('bad input gets 4xx with a reason', async () => {
    for (const [path, status] of [
      ['/v1/consensus/epochs?limit=0', 400],
      ['/v1/consensus/epochs?limit=101', 400],
      ['/v1/consensus/epochs?from=-1', 400],
      ['/v1/consensus/sequencer', 400],
      ['/v1/consensus/sequencer?l2Block=abc', 400],
      ['/v1/consensus/sequencer?l2Block=100000', 404],
      ['/v1/consensus/proposals/7', 404],
      ['/v1/consensus/proposals/x', 400],
      ['/v1/consensus/accounts/0x1234', 400],
      ['/v1/consensus/accounts/alice', 400],
      ['/v1/consensus/nope', 404],
      // Malformed percent-encoding is the client's error (decodeURIComponent threw into a 500 before).
      ['/v1/consensus/accounts/%E0%A4%A', 400],
      ['/v1/consensus/proposals/%zz', 400],
    ] as const) {
      const response = await get(path);
      expect(response.status, path).toBe(status);
      expect(response.body.error.message, path).toMatch(/\w/);
    }
    const oversize = await fetch(`${server.url}/v1/consensus/tx`, { method: 'POST', body: `{"tx":"0x${'00'.repeat(40_000)}"}` });
    expect(oversize.status).toBe(400);
    expect(((await oversize.json()) as { error: { message: string } }).error.message).toMatch(/exceeds 65536 bytes/);
    const post = await fetch(`${server.url}/v1/consensus/tx`, { method: 'POST', body: '{"tx":"zz"}' });
    expect(post.status).toBe(400);
    const unreachable = await fetch(`${server.url}/v1/consensus/tx`, { method: 'POST', body: '{"tx":"0x7b7d"}' });
    expect(unreachable.status).toBe(502);
    expect(((await unreachable.json()) as { error: { code: string } }).error.code).toBe('comet_unavailable');
  });

  it('accounts tell a sender its next app-tx nonce', async () => {
    const sender = '0x00000000000000000000000000000000000000aa';
    expect((await get(`/v1/consensus/accounts/${sender}`)).body).toEqual({ address: sender, nonce: 0 });
    const withNonce = { state: { ...net.state, nonces: { [sender]: 5 } }, appHash: appHashOf(net.state) };
    const answer = answerQuery(withNonce, `/v1/consensus/accounts/${sender.toUpperCase().replace('0X', '0x')}`, new URLSearchParams());
    expect(answer).toEqual({ status: 200, body: { address: sender, nonce: 5 } });
  });

  it('ABCI Query answers the same paths with the same JSON', () => {
    const http = answerQuery(view(), '/v1/consensus/status', new URLSearchParams());
    expect(http.status).toBe(200);
    expect(answerQuery(null, '/v1/consensus/status', new URLSearchParams()).status).toBe(503);
  });
});
