import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { applyCometListeners } from '../../../node/sequencer/comet-config.ts';
import { resolveConfig } from '../../../node/host/config.ts';
import { BadAddressError, isLoopback, UnsafeListenerError } from '../../../node/net/listen-address.ts';
import { cometListenersOf, cometRpcUrlOf, queryUrlOf, resolveSequencerConfig, type SequencerConfigInput } from '../../../node/sequencer/config.ts';
import { ROOT } from '../../../node/install/paths.ts';

type HostInput = Parameters<typeof resolveConfig>[0];
const TOKEN = 'operator-token-0123456789';
const hostBase = { dataDir: '/tmp/x', genesis: {}, nodeKey: `0x${'11'.repeat(32)}`, operator: { port: 0, token: TOKEN }, sequencer: { mode: 'static', address: `0x${'22'.repeat(20)}` } } as const;
const host = (extra: Record<string, unknown>) => resolveConfig({ ...hostBase, ...extra } as unknown as HostInput);

const sequencerBase: SequencerConfigInput = {
  dataDir: '/tmp/seq',
  nodeKey: `0x${'11'.repeat(32)}`,
  host: { genesis: {}, operator: { port: 9001, token: TOKEN } },
  consensus: { abciPort: 9003, queryPort: 9004, cometRpcPort: 9006 },
  l1: { url: 'http://127.0.0.1:8545', lockingPool: `0x${'33'.repeat(20)}`, batchChain: `0x${'44'.repeat(20)}`, fromBlock: 0, relayerKey: `0x${'55'.repeat(32)}` },
};
const sequencer = (consensus: Record<string, unknown>) => resolveSequencerConfig({ ...sequencerBase, consensus: { ...sequencerBase.consensus, ...consensus } }, {});

describe('listen and advertised addresses in the host config', () => {
  it('defaults every listener to 127.0.0.1 and the advertised peer address to the listen address', () => {
    const config = host({});
    expect([config.rpc.host, config.operator.host, config.peer.host, config.peer.advertise]).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1']);
    const placed = host({ rpc: { port: 0, host: '0.0.0.0' }, peer: { port: 0, peers: [], host: '10.0.0.5', advertise: 'seq-a.example.org' } });
    expect([placed.rpc.host, placed.peer.host, placed.peer.advertise]).toEqual(['0.0.0.0', '10.0.0.5', 'seq-a.example.org']);
  });

  it('refuses the operator API off loopback unless operator.exposed says so', () => {
    expect(() => host({ operator: { port: 0, token: TOKEN, host: '0.0.0.0' } })).toThrow(UnsafeListenerError);
    expect(() => host({ operator: { port: 0, token: TOKEN, host: '10.1.2.3' } })).toThrow(/config\.operator\.host: refusing to listen on 10\.1\.2\.3.*operator\.exposed/);
    expect(host({ operator: { port: 0, token: TOKEN, host: '127.0.0.12' } }).operator.host).toBe('127.0.0.12');
    expect(host({ operator: { port: 0, token: TOKEN, host: '0.0.0.0', exposed: true } }).operator).toMatchObject({ host: '0.0.0.0', exposed: true });
    // Exposed or not, never without its bearer token.
    expect(() => host({ operator: { port: 0, token: 'short', host: '0.0.0.0', exposed: true } })).toThrow(/token/);
  });

  it('refuses what is no address, and an unspecified peer listen address without an advertised one', () => {
    for (const bad of ['', 'a b', 'http://x', 'x:1', 42, '-lead.example']) expect(() => host({ rpc: { port: 0, host: bad } })).toThrow(BadAddressError);
    expect(() => host({ peer: { port: 0, peers: [], host: '0.0.0.0' } })).toThrow(/config\.peer\.advertise/);
  });

  it('knows loopback', () => {
    expect(['127.0.0.1', '127.0.0.14', '::1', 'localhost'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.org'].map(isLoopback)).toEqual([false, false, false, false, false]);
  });
});

describe('listen and advertised addresses in the sequencer config', () => {
  it('keeps ABCI and CometBFT RPC private unless exposed explicitly; the query API may be public', () => {
    expect(() => sequencer({ abciHost: '0.0.0.0' })).toThrow(/consensus\.abciHost: refusing.*consensus\.exposeAbci/);
    expect(() => sequencer({ cometRpcHost: '10.0.0.2' })).toThrow(UnsafeListenerError);
    expect(sequencer({ abciHost: '10.0.0.2', exposeAbci: true }).consensus.abciHost).toBe('10.0.0.2');
    const open = sequencer({ queryHost: '0.0.0.0', cometRpcHost: '0.0.0.0', exposeCometRpc: true });
    // What this process dials itself: loopback for an unspecified listen address.
    expect([queryUrlOf(open), cometRpcUrlOf(open)]).toEqual(['http://127.0.0.1:9004', 'http://127.0.0.1:9006']);
    const own = sequencer({ queryHost: '127.0.0.12', cometRpcHost: '127.0.0.12' });
    expect([queryUrlOf(own), cometRpcUrlOf(own)]).toEqual(['http://127.0.0.12:9004', 'http://127.0.0.12:9006']);
  });

  it('writes its CometBFT listeners and advertised P2P address into config.toml', () => {
    const dir = mkdtempSync(join(tmpdir(), 'comet-listeners-'));
    try {
      mkdirSync(join(dir, 'config'));
      const file = join(dir, 'config', 'config.toml');
      writeFileSync(file, ['proxy_app = "tcp://127.0.0.1:26658"', '[rpc]', 'laddr = "tcp://127.0.0.1:26657"', '[p2p]', 'laddr = "tcp://0.0.0.0:26656"', 'external_address = ""', ''].join('\n'));
      const config = sequencer({ abciHost: '127.0.0.13', cometRpcHost: '127.0.0.13', p2p: { port: 9005, host: '0.0.0.0', advertise: '203.0.113.7' } });
      applyCometListeners(dir, cometListenersOf(config));
      expect(readFileSync(file, 'utf8')).toBe(
        ['proxy_app = "tcp://127.0.0.13:9003"', '[rpc]', 'laddr = "tcp://127.0.0.13:9006"', '[p2p]', 'laddr = "tcp://0.0.0.0:9005"', 'external_address = "203.0.113.7:9005"', ''].join('\n'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a sequencer process with an unsafe listener', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unsafe-listener-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused at start (exit 2, while loading its config) with the named error and its reason', async () => {
    const file = join(dir, 'sequencer.json');
    writeFileSync(file, JSON.stringify({ ...sequencerBase, dataDir: '.', host: { ...sequencerBase.host, operator: { port: 9001, token: TOKEN, host: '0.0.0.0' } } }));
    const { SEQUENCER_NODE_KEY: _node, L1_RELAYER_KEY: _relayer, ...env } = process.env;
    const run = promisify(execFile)(process.execPath, [join(ROOT, 'node', 'sequencer', 'main.ts'), file], { env });
    const failure = (await run.then(() => null, (error: unknown) => error)) as { code: number; stderr: string } | null;
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toMatch(/UnsafeListenerError: config\.operator\.host: refusing to listen on 0\.0\.0\.0: a private listener; set config\.operator\.exposed: true/);
  });
});
