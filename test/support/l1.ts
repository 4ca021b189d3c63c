import { startL1Node, type L1Node } from '../../node/tools/devnet/edr-node.ts';
import { freePort } from './ports.ts';

/** The default funded accounts of Hardhat/Anvil (`test test ... junk`), index 0..9. */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';

/** Starts a fresh EDR node on a free loopback port for one test file. */
export async function startTestL1(): Promise<L1Node> {
  return await startL1Node({ port: await freePort() });
}
