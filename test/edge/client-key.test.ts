import { Wallet } from 'ethers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clientKeyOf } from '../../edge/rpc/client-key.ts';
import { FakeNetwork, type FakeHost } from './support/fake-network.ts';
import { L2_CHAIN_ID, call, rpc, seedRoutes } from './support/seed.ts';
import { SocketClient } from './support/socket-client.ts';

// Every per-client bound is keyed by client-key.ts: IPv6 by its /64 (whose owner has 2^64 addresses for free),
// IPv4-mapped IPv6 as the IPv4 address. Checked on the function and on each bound through the Worker.

const A = '0x00000000000000000000000000000000000000a1';
const B = '0x00000000000000000000000000000000000000b2';
const wallet = new Wallet('0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba');

let a: FakeHost;
let prefixCounter = 0;
/** A /64 no other test uses: `2001:db8:<n>:<n>`. */
function freshPrefix(): string {
  prefixCounter += 1;
  return `2001:db8:${(Date.now() % 0xffff).toString(16)}:${prefixCounter.toString(16)}`;
}

beforeEach(async () => {
  const net = new FakeNetwork();
  a = net.host('http://a.hosts.test');
  const b = net.host('http://b.hosts.test');
  net.install();
  await seedRoutes({ active: { address: A, url: a.url }, followers: [{ address: B, url: b.url }] });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('clientKeyOf', () => {
  it.each([
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::ffff:198.51.100.7', '198.51.100.7'],
    ['::FFFF:c633:6407', '198.51.100.7'],
    ['0:0:0:0:0:ffff:198.51.100.7', '198.51.100.7'],
    ['198.51.100.7', '198.51.100.7'],
    [' 198.51.100.7 ', '198.51.100.7'],
  ])('keys %s as %s', (address, key) => {
    expect(clientKeyOf(address)).toBe(key);
  });

  it('keeps something that is no address under its own bounded prefix, never as an IP', () => {
    expect(clientKeyOf('198.51.100.256')).toBe('raw:198.51.100.256');
    expect(clientKeyOf('not an ip')).toBe('raw:not an ip');
    expect(clientKeyOf('fe80::1%eth0')).toBe('raw:fe80::1%eth0');
    expect(clientKeyOf('1:2:3:4:5:6:7:8:9')).toBe('raw:1:2:3:4:5:6:7:8:9');
    expect(clientKeyOf('x'.repeat(1000))).toHaveLength('raw:'.length + 64);
  });
});

describe('the bounds through the Worker', () => {
  function tx(nonce: number): Promise<string> {
    return wallet.signTransaction({ type: 2, chainId: L2_CHAIN_ID, nonce, to: B, gasLimit: 21_000n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n });
  }

  it('the transaction budget (3 a minute in tests) is one for a whole /64, and another /64 has its own', async () => {
    const prefix = freshPrefix();
    for (let nonce = 0; nonce < 3; nonce++) {
      expect((await rpc(call('eth_sendRawTransaction', [await tx(nonce)]), { ip: `${prefix}::${nonce + 1}` })).status).toBe(200);
    }
    const refused = await rpc(call('eth_sendRawTransaction', [await tx(3)]), { ip: `${prefix}:abcd:ef01:2345:6789` });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(new RegExp(`^transaction rate limit exceeded for ${prefix}::/64 `));
    expect((await rpc(call('eth_sendRawTransaction', [await tx(3)]), { ip: `${freshPrefix()}::1` })).status).toBe(200);
  });

  it('an IPv4 client reaching the edge over IPv6 (IPv4-mapped) shares its IPv4 budget', async () => {
    const ip = `203.0.${prefixCounter % 250}.${(Date.now() % 250) + 1}`;
    prefixCounter += 1;
    for (let nonce = 0; nonce < 3; nonce++) expect((await rpc(call('eth_sendRawTransaction', [await tx(nonce)]), { ip })).status).toBe(200);
    expect((await rpc(call('eth_sendRawTransaction', [await tx(3)]), { ip: `::ffff:${ip}` })).status).toBe(429);
  });

  it('live filters (100 per client) are counted per /64', async () => {
    const prefix = freshPrefix();
    const created = await rpc(
      Array.from({ length: 100 }, (_, i) => call('eth_newBlockFilter', [], i)),
      { ip: `${prefix}::1` },
    );
    expect(((await created.json()) as { result?: string }[]).every((answer) => typeof answer.result === 'string')).toBe(true);
    const refused = (await (await rpc(call('eth_newBlockFilter'), { ip: `${prefix}:1:2:3:4` })).json()) as { error?: { code: number; message: string } };
    expect(refused.error?.code).toBe(-32005);
    expect(refused.error?.message).toMatch(new RegExp(`^too many filters: ${prefix}::/64 already has 100 live filters`));
    expect(typeof ((await (await rpc(call('eth_newBlockFilter'), { ip: `${freshPrefix()}::1` })).json()) as { result?: string }).result).toBe('string');
  });

  it('a WebSocket session is counted against the same /64 budget as HTTP', async () => {
    const prefix = freshPrefix();
    for (let nonce = 0; nonce < 3; nonce++) expect((await rpc(call('eth_sendRawTransaction', [await tx(nonce)]), { ip: `${prefix}::${nonce + 1}` })).status).toBe(200);
    const socket = await SocketClient.open({ ip: `${prefix}::99` });
    const answer = await socket.call('eth_sendRawTransaction', [await tx(3)]);
    expect(answer.error?.code).toBe(-32005);
    expect(answer.error?.message).toMatch(new RegExp(`for ${prefix}::/64 `));
    socket.ws.close();
  });
});
