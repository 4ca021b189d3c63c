import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcProvider } from 'ethers';
import type { L1Node } from '../../../../node/tools/devnet/edr-node.ts';
import { startTestL1 } from '../../../support/l1.ts';

describe('L1 node (Hardhat EDR)', () => {
  let l1: L1Node;
  beforeAll(async () => {
    l1 = await startTestL1();
  });
  afterAll(async () => {
    await l1?.stop();
  });

  it('serves JSON-RPC on loopback with the dev chain id and funded accounts', async () => {
    expect(l1.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const provider = new JsonRpcProvider(l1.url, undefined, { staticNetwork: true });
    expect((await provider.getNetwork()).chainId).toBe(31337n);
    const balance = await provider.getBalance('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
    expect(balance).toBeGreaterThan(0n);
    provider.destroy();
  });
});
