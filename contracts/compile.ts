import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const CONTRACTS_DIR = dirname(fileURLToPath(import.meta.url));
const SOURCES_DIR = join(CONTRACTS_DIR, 'src');
const ARTIFACTS_DIR = join(CONTRACTS_DIR, 'artifacts');
const STAMP = join(ARTIFACTS_DIR, '.inputs-hash');

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
}

function solidityFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return solidityFiles(path);
    return entry.name.endsWith('.sol') ? [path] : [];
  });
}

/** Resolves `@openzeppelin/...` and other package imports from node_modules, as solc's import callback. */
function findImport(path: string): { contents: string } | { error: string } {
  try {
    return { contents: readFileSync(require.resolve(path), 'utf8') };
  } catch {
    return { error: `import not found: ${path}` };
  }
}

/**
 * Compiles every contract under contracts/src with the pinned solc-js into one JSON artifact per contract
 * (abi, bytecode, deployedBytecode). Skips the work when neither the sources nor the compiler changed.
 */
export function compileContracts(): { compiled: boolean; contracts: string[] } {
  const solc = require('solc') as { version(): string; compile(input: string, opts: object): string };
  const files = solidityFiles(SOURCES_DIR).sort();
  const sources = Object.fromEntries(
    files.map((file) => [relative(CONTRACTS_DIR, file).replaceAll('\\', '/'), { content: readFileSync(file, 'utf8') }]),
  );
  const settings = {
    optimizer: { enabled: true, runs: 200 },
    viaIR: false,
    evmVersion: 'cancun',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  };
  const input = JSON.stringify({ language: 'Solidity', sources, settings });
  const hash = createHash('sha256').update(solc.version()).update(input).digest('hex');
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash) {
    return { compiled: false, contracts: readdirSync(ARTIFACTS_DIR).filter((f) => f.endsWith('.json')) };
  }
  const output = JSON.parse(solc.compile(input, { import: findImport })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const written: string[] = [];
  for (const [source, contracts] of Object.entries(output.contracts)) {
    if (!source.startsWith('src/')) continue;
    for (const [name, out] of Object.entries(contracts)) {
      const artifact = {
        contractName: name,
        sourceName: source,
        compiler: solc.version(),
        abi: out.abi,
        bytecode: `0x${out.evm.bytecode.object}`,
        deployedBytecode: `0x${out.evm.deployedBytecode.object}`,
      };
      writeFileSync(join(ARTIFACTS_DIR, `${name}.json`), `${JSON.stringify(artifact, null, 2)}\n`);
      written.push(`${name}.json`);
    }
  }
  writeFileSync(STAMP, hash);
  return { compiled: true, contracts: written };
}
