import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMETBFT_BIN } from '../../install/paths.ts';
import { startConsensusNode, type ConsensusNode } from '../../consensus/node.ts';
import type { ValidatorObserver } from '../../consensus/abci/observer.ts';

/**
 * A CometBFT network of N validators on loopback for the devnet and the tests: `cometbft init` per node, one
 * shared genesis (vote extensions from height 1), config.toml edited for loopback and fast timeouts; start,
 * stop and kill -9 each node; the ABCI app of each node runs in this process (as it does inside a host).
 */

export interface NodePorts {
  p2p: number;
  rpc: number;
  abci: number;
  query: number;
}

/** Devnet layout (README "Processes and ports"): host i uses base + 10·i + {3 abci, 4 query, 5 p2p, 6 rpc}. */
export function devnetPorts(index: number, base = 9000): NodePorts {
  return { abci: base + 10 * index + 3, query: base + 10 * index + 4, p2p: base + 10 * index + 5, rpc: base + 10 * index + 6 };
}

/** CometBFT [consensus] timeouts for validators on one machine (see README "CometBFT timeouts"). */
export interface ConsensusTimeouts {
  propose: string;
  proposeDelta: string;
  prevote: string;
  prevoteDelta: string;
  precommit: string;
  precommitDelta: string;
  commit: string;
}

export const LOOPBACK_TIMEOUTS: ConsensusTimeouts = {
  propose: '200ms',
  proposeDelta: '100ms',
  prevote: '100ms',
  prevoteDelta: '50ms',
  precommit: '100ms',
  precommitDelta: '50ms',
  commit: '150ms',
};

export interface ValidatorKeyInfo {
  index: number;
  /** base64 ed25519 public key */
  cometPubKey: string;
  /** uppercase hex */
  cometAddress: string;
  nodeId: string;
}

interface Manifest {
  chainId: string;
  nodes: { home: string; dataDir: string; ports: NodePorts; key: ValidatorKeyInfo }[];
}

export interface InitLocalnetOptions {
  dir: string;
  chainId: string;
  ports: NodePorts[];
  /** The genesis app_state, built from the validators' CometBFT keys. */
  appState: (keys: ValidatorKeyInfo[]) => unknown;
  timeouts?: Partial<ConsensusTimeouts>;
  logLevel?: string;
  /** Node i's folder (default <dir>/node<i>): its CometBFT home is <folder>/cometbft, its app data <folder>/app. */
  nodeDir?: (index: number) => string;
}

function setToml(text: string, section: string | null, key: string, value: string): string {
  const lines = text.split('\n');
  let current: string | null = null;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const header = /^\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      current = header[1]!;
      continue;
    }
    if (current === section && new RegExp(`^${key}\\s*=`).test(line)) {
      lines[index] = `${key} = ${value}`;
      return lines.join('\n');
    }
  }
  throw new Error(`config.toml has no ${section ? `[${section}] ` : ''}${key}`);
}

function configure(home: string, ports: NodePorts, peers: string, timeouts: ConsensusTimeouts, logLevel: string): void {
  const file = join(home, 'config', 'config.toml');
  let text = readFileSync(file, 'utf8');
  const quoted = (value: string) => JSON.stringify(value);
  const edits: [string | null, string, string][] = [
    [null, 'proxy_app', quoted(`tcp://127.0.0.1:${ports.abci}`)],
    [null, 'log_level', quoted(logLevel)],
    ['rpc', 'laddr', quoted(`tcp://127.0.0.1:${ports.rpc}`)],
    ['p2p', 'laddr', quoted(`tcp://127.0.0.1:${ports.p2p}`)],
    ['p2p', 'external_address', quoted(`127.0.0.1:${ports.p2p}`)],
    ['p2p', 'persistent_peers', quoted(peers)],
    ['p2p', 'addr_book_strict', 'false'],
    ['p2p', 'allow_duplicate_ip', 'true'],
    ['p2p', 'pex', 'false'],
    ['p2p', 'flush_throttle_timeout', quoted('10ms')],
    ['p2p', 'handshake_timeout', quoted('5s')],
    ['p2p', 'dial_timeout', quoted('1s')],
    ['consensus', 'timeout_propose', quoted(timeouts.propose)],
    ['consensus', 'timeout_propose_delta', quoted(timeouts.proposeDelta)],
    ['consensus', 'timeout_prevote', quoted(timeouts.prevote)],
    ['consensus', 'timeout_prevote_delta', quoted(timeouts.prevoteDelta)],
    ['consensus', 'timeout_precommit', quoted(timeouts.precommit)],
    ['consensus', 'timeout_precommit_delta', quoted(timeouts.precommitDelta)],
    ['consensus', 'timeout_commit', quoted(timeouts.commit)],
    ['consensus', 'peer_gossip_sleep_duration', quoted('10ms')],
    ['consensus', 'create_empty_blocks', 'true'],
    ['instrumentation', 'prometheus', 'false'],
  ];
  for (const [section, key, value] of edits) text = setToml(text, section, key, value);
  writeFileSync(file, text);
}

/**
 * Configures a CometBFT home created by `cometbft init` (loopback listeners, peers, timeouts), e.g. for a validator
 * that joins an existing localnet later with a copy of its genesis.json.
 */
export function configureCometHome(home: string, ports: NodePorts, persistentPeers: string, timeouts: Partial<ConsensusTimeouts> = {}, logLevel = 'error'): void {
  configure(home, ports, persistentPeers, { ...LOOPBACK_TIMEOUTS, ...timeouts }, logLevel);
}

/** Creates the homes, keys, shared genesis and configs. Refuses to overwrite an existing localnet. */
export function initLocalnet(options: InitLocalnetOptions): Localnet {
  if (existsSync(join(options.dir, 'localnet.json'))) throw new Error(`${options.dir} already holds a localnet`);
  mkdirSync(options.dir, { recursive: true });
  const timeouts = { ...LOOPBACK_TIMEOUTS, ...options.timeouts };
  const nodeDir = options.nodeDir ?? ((index: number) => join(options.dir, `node${index}`));
  const homes = options.ports.map((_, index) => join(nodeDir(index), 'cometbft'));
  const keys: ValidatorKeyInfo[] = homes.map((home, index) => {
    execFileSync(COMETBFT_BIN, ['init', '--home', home], { stdio: 'ignore' });
    const key = JSON.parse(readFileSync(join(home, 'config', 'priv_validator_key.json'), 'utf8')) as { address: string; pub_key: { value: string } };
    const nodeId = execFileSync(COMETBFT_BIN, ['show-node-id', '--home', home], { encoding: 'utf8' }).trim();
    return { index, cometPubKey: key.pub_key.value, cometAddress: key.address.toUpperCase(), nodeId };
  });
  const genesis = JSON.parse(readFileSync(join(homes[0]!, 'config', 'genesis.json'), 'utf8')) as Record<string, unknown> & { consensus_params: Record<string, Record<string, unknown>> };
  genesis.chain_id = options.chainId;
  genesis.initial_height = '1';
  genesis.consensus_params.abci = { vote_extensions_enable_height: '1' };
  genesis.validators = keys.map((key) => ({
    address: key.cometAddress,
    pub_key: { type: 'tendermint/PubKeyEd25519', value: key.cometPubKey },
    power: '1',
    name: `node${key.index}`,
  }));
  genesis.app_state = options.appState(keys);
  const genesisText = JSON.stringify(genesis, null, 2);
  const logLevel = options.logLevel ?? 'error';
  homes.forEach((home, index) => {
    writeFileSync(join(home, 'config', 'genesis.json'), genesisText);
    const peers = keys
      .filter((key) => key.index !== index)
      .map((key) => `${key.nodeId}@127.0.0.1:${options.ports[key.index]!.p2p}`)
      .join(',');
    configure(home, options.ports[index]!, peers, timeouts, logLevel);
  });
  const manifest: Manifest = {
    chainId: options.chainId,
    nodes: homes.map((home, index) => ({ home, dataDir: join(nodeDir(index), 'app'), ports: options.ports[index]!, key: keys[index]! })),
  };
  writeFileSync(join(options.dir, 'localnet.json'), JSON.stringify(manifest, null, 2));
  return new Localnet(options.dir, manifest);
}

/** Opens a localnet created earlier (to restart it from its stored state). */
export function openLocalnet(dir: string): Localnet {
  return new Localnet(dir, JSON.parse(readFileSync(join(dir, 'localnet.json'), 'utf8')) as Manifest);
}

export class Localnet {
  readonly dir: string;
  readonly chainId: string;
  private readonly manifest: Manifest;
  private readonly comets = new Map<number, ChildProcess>();
  private readonly apps = new Map<number, ConsensusNode>();

  constructor(dir: string, manifest: Manifest) {
    this.dir = dir;
    this.manifest = manifest;
    this.chainId = manifest.chainId;
  }

  get size(): number {
    return this.manifest.nodes.length;
  }

  node(index: number): Manifest['nodes'][number] {
    const node = this.manifest.nodes[index];
    if (!node) throw new RangeError(`no node ${index}`);
    return node;
  }

  rpcUrl(index: number): string {
    return `http://127.0.0.1:${this.node(index).ports.rpc}`;
  }

  queryUrl(index: number): string {
    return `http://127.0.0.1:${this.node(index).ports.query}`;
  }

  app(index: number): ConsensusNode | undefined {
    return this.apps.get(index);
  }

  /** Starts node `index`'s ABCI app (query API included) in this process. */
  async startApp(index: number, observer: ValidatorObserver | null, onError?: (error: Error) => void): Promise<ConsensusNode> {
    const node = this.node(index);
    const app = await startConsensusNode({
      cometHome: node.home,
      dataDir: node.dataDir,
      abciPort: node.ports.abci,
      queryPort: node.ports.query,
      cometRpcUrl: this.rpcUrl(index),
      observer,
      onError,
    });
    this.apps.set(index, app);
    return app;
  }

  async stopApp(index: number): Promise<void> {
    await this.apps.get(index)?.stop();
    this.apps.delete(index);
  }

  /** Starts node `index`'s CometBFT process; its log goes to <home>/cometbft.log. Start its app first. */
  startComet(index: number): void {
    if (this.comets.has(index)) throw new Error(`cometbft ${index} is already running`);
    const node = this.node(index);
    const log = openSync(join(node.home, 'cometbft.log'), 'a');
    const child = spawn(COMETBFT_BIN, ['start', '--home', node.home], { stdio: ['ignore', log, log] });
    closeSync(log);
    child.once('exit', () => this.comets.delete(index));
    this.comets.set(index, child);
  }

  isCometRunning(index: number): boolean {
    return this.comets.has(index);
  }

  /** Graceful stop (SIGTERM), resolved when the process has exited. */
  async stopComet(index: number): Promise<void> {
    await this.signal(index, 'SIGTERM');
  }

  /** kill -9: the node gets no chance to flush anything. */
  async killComet(index: number): Promise<void> {
    await this.signal(index, 'SIGKILL');
  }

  private async signal(index: number, signal: NodeJS.Signals): Promise<void> {
    const child = this.comets.get(index);
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
    this.comets.delete(index);
  }

  /** Starts every app, then every CometBFT node. */
  async start(observers: (ValidatorObserver | null)[], onError?: (error: Error) => void): Promise<void> {
    for (let index = 0; index < this.size; index++) await this.startApp(index, observers[index] ?? null, onError);
    for (let index = 0; index < this.size; index++) this.startComet(index);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.comets.keys()].map((index) => this.stopComet(index)));
    await Promise.all([...this.apps.keys()].map((index) => this.stopApp(index)));
  }
}
