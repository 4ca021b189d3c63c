import { status, validator } from './consensus-fixtures.ts';
import { FakeNetwork, type FakeConsensus, type FakeHost } from './fake-network.ts';
import { seedRoutes } from './seed.ts';

/** The sequencers of the routing tests: A is active, B and C follow. */
export const A = '0x00000000000000000000000000000000000000a1';
export const B = '0x00000000000000000000000000000000000000b2';
export const C = '0x00000000000000000000000000000000000000c3';

export interface ThreeHosts {
  net: FakeNetwork;
  a: FakeHost;
  b: FakeHost;
  c: FakeHost;
  consensus: FakeConsensus;
}

/** Three fake hosts, a consensus API that names A active and lists all three, and the routing table seeded to match. */
export async function threeHosts(): Promise<ThreeHosts> {
  const net = new FakeNetwork();
  const a = net.host('http://a.hosts.test');
  const b = net.host('http://b.hosts.test');
  const c = net.host('http://c.hosts.test');
  const consensus = net.consensusApi('http://127.0.0.1:9004');
  consensus.set('/v1/consensus/status', status({ activeSequencer: A }));
  consensus.set('/v1/consensus/validators', { items: [validator(A, a.url), validator(B, b.url), validator(C, c.url)] });
  net.install();
  await seedRoutes({ active: { address: A, url: a.url }, followers: [{ address: B, url: b.url }, { address: C, url: c.url }] });
  return { net, a, b, c, consensus };
}
