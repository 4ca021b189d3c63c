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

/** Host `index`'s ports: 9000 + 10·index + offset. */
export function hostPorts(index: number, base: number = DEVNET_PORTS.hostBase): HostPorts {
  const at = (offset: number) => base + 10 * index + offset;
  return { rpc: at(0), operator: at(1), peer: at(2), abci: at(3), query: at(4), cometP2p: at(5), cometRpc: at(6) };
}
