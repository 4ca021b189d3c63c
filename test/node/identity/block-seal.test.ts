import { Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { recoverL2BlockSigner } from '../../../node/consensus/app/l2-block-signature.ts';
import { sealBlock, sealSigner } from '../../../node/identity/block-seal.ts';
import { blockSealMessage } from '../../../protocol/block-seal.ts';
import type { Hex } from '../../../node/encoding/hex.ts';
import { NodeKey } from '../../../node/identity/node-key.ts';

const wallet = Wallet.createRandom();
const key = new NodeKey(wallet.privateKey as Hex);
const hash = `0x${'3c'.repeat(32)}` as Hex;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe('block seals', () => {
  it('are the personal_sign the consensus layer verifies for equivocation evidence', async () => {
    const seal = sealBlock(key, 901n, 42n, hash);
    expect(seal).toBe(await wallet.signMessage(blockSealMessage(901n, 42n, hash)));
    expect(recoverL2BlockSigner(901, 42, hash, seal)).toBe(key.address);
    expect(sealSigner(901n, 42n, hash, seal)).toBe(key.address);
  });

  it('bind chain, height and hash; malformed and high-s seals recover nobody', () => {
    const seal = sealBlock(key, 901n, 42n, hash);
    expect(sealSigner(902n, 42n, hash, seal)).not.toBe(key.address);
    expect(sealSigner(901n, 43n, hash, seal)).not.toBe(key.address);
    expect(sealSigner(901n, 42n, `0x${'3d'.repeat(32)}`, seal)).not.toBe(key.address);
    expect(sealSigner(901n, 42n, hash, '0x1234')).toBeNull();
    // The same signature with s' = n - s (and the other v) is valid ECDSA, but refused: one seal, one encoding.
    const s = BigInt(`0x${seal.slice(66, 130)}`);
    const v = parseInt(seal.slice(130), 16);
    const malleable = `${seal.slice(0, 66)}${(N - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}`;
    expect(sealSigner(901n, 42n, hash, malleable)).toBeNull();
  });
});
