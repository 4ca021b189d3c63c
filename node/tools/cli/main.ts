/**
 * The operator CLI: `npm run operator -- <command>` (or `node node/tools/cli/main.ts <command>` on Node 22).
 * Locks, relocks, unlocks and withdraws stake on L1, registers signer keys, proposes and votes on the consensus
 * layer, and shows the network's status. See node/tools/cli/usage.ts or `--help`.
 */
import { runCli } from './cli.ts';

process.exitCode = await runCli(process.argv.slice(2));
