import { Contract, JsonRpcProvider, type InterfaceAbi } from 'ethers';
import { loadArtifact } from '../../contracts/artifacts.ts';
import type { Epoch } from '../../protocol/consensus/types.ts';
import type { ConsensusClient } from '../../node/consensus/client/client.ts';

/**
 * The L2 SequencerSet as a host serves it, compared with the consensus layer's schedule: the epochs the contract
 * records (from its first one) when they equal the consensus epochs from that number on, else null (a write may
 * still be on its way: callers poll).
 */
export async function l2RecordMatching(rpcUrl: string, consensus: ConsensusClient): Promise<Epoch[] | null> {
  const status = await consensus.status();
  if (!status.sequencerSet) return null;
  const provider = new JsonRpcProvider(rpcUrl, status.l2ChainId, { staticNetwork: true, cacheTimeout: -1 });
  try {
    if ((await provider.getCode(status.sequencerSet.address)) === '0x') return null;
    const set = new Contract(status.sequencerSet.address, loadArtifact('SequencerSet').abi as InterfaceAbi, provider);
    const first = Number(await set.firstEpoch!());
    const count = Number(await set.epochCount!());
    const expected = (await consensus.epochs({ from: first, limit: 100 })).items;
    if (expected.length !== count) return null;
    for (const epoch of expected) {
      const recorded = await set.epochs!(epoch.number);
      if (Number(recorded.firstBlock) !== epoch.firstBlock || Number(recorded.lastBlock) !== epoch.lastBlock || String(recorded.signer).toLowerCase() !== epoch.sequencer) return null;
    }
    return expected;
  } finally {
    provider.destroy();
  }
}
