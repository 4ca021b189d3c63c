/** The devnet's fixed loopback ports, as listed in the README's Architecture section. */
export const DEVNET_PORTS = {
  l1: 8545,
  /** The EDR node itself; everyone else goes through the journaling proxy on `l1`. */
  l1Inner: 8544,
  edge: 8787,
  hostBase: 9000,
} as const;

export type HostPorts = {
  rpc: number;
  operator: number;
  peer: number;
  abci: number;
  query: number;
  cometP2p: number;
  cometRpc: number;
};

/**
 * How the devnet places its sequencers: `loopback` binds them all on 127.0.0.1 (ports tell them apart); `separate`
 * gives sequencer i its own address 127.0.0.(11 + i) (Linux routes all of 127.0.0.0/8 to lo), as if each ran on its
 * own machine: it binds only there and peers know it only by it.
 */
export type DevnetAddressing = 'loopback' | 'separate';

/** Sequencer `index`'s listen and advertised address under `addressing`. */
export function hostAddress(index: number, addressing: DevnetAddressing = 'loopback'): string {
  if (addressing === 'loopback') return '127.0.0.1';
  if (!Number.isInteger(index) || index < 0 || index > 243) throw new RangeError(`no separate loopback address for sequencer ${index}`);
  return `127.0.0.${11 + index}`;
}

/** Host `index`'s ports: 9000 + 10·index + offset. */
export function hostPorts(index: number, base: number = DEVNET_PORTS.hostBase): HostPorts {
  const at = (offset: number) => base + 10 * index + offset;
  return { rpc: at(0), operator: at(1), peer: at(2), abci: at(3), query: at(4), cometP2p: at(5), cometRpc: at(6) };
}
