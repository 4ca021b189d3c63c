import { readFileSync } from 'node:fs';

/** What contracts/compile.ts writes for each contract. */
export interface ContractArtifact {
  contractName: string;
  sourceName: string;
  compiler: string;
  abi: readonly unknown[];
  bytecode: `0x${string}`;
  deployedBytecode: `0x${string}`;
}

/** Reads a compiled contract's artifact; run `npm run build:contracts` first if it is missing. */
export function loadArtifact(name: string): ContractArtifact {
  const url = new URL(`./artifacts/${name}.json`, import.meta.url);
  try {
    return JSON.parse(readFileSync(url, 'utf8')) as ContractArtifact;
  } catch (cause) {
    throw new Error(`contract artifact ${name} is missing: run \`npm run build:contracts\``, { cause });
  }
}
