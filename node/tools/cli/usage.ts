/** The CLI's help text, one place, so `--help`, bad arguments and the README say the same thing. */

export const COMMAND_USAGE: Record<string, string> = {
  status: 'status [--only l1|consensus]',
  lock: 'lock --amount <METIS>',
  relock: 'relock --amount <METIS> [--lock-reward]',
  unlock: 'unlock',
  withdraw: 'withdraw',
  rewards: 'rewards',
  'register-signer': 'register-signer [--comet-home <dir>] [--rpc-url <url>] [--peer-url <url>] [--skip-l1]',
  propose:
    'propose params [--epoch-length <n>] [--block-time-ms <n>] [--min-lock <METIS>] [--max-lock <METIS>] [--reward-per-block <METIS>] [--liveness-timeout-ms <n>] [--title <text>]\n' +
    '  propose whitelist [--add <0x…>]… [--remove <0x…>]… [--title <text>]',
  vote: 'vote <proposalId> yes|no|abstain',
  proposals: 'proposals [<proposalId>]',
};

export const USAGE = `usage: npm run operator -- <command> [options]      (or: node node/tools/cli/main.ts <command> [options])

commands:
  status                 the network: consensus (epoch, active sequencer, L2 heads, MPC, validators) and
                         L1 (active sequencers with stake; your own sequencer when a key is given)
  lock                   approve + lockFor: lock METIS as a new sequencer whose signer is SIGNER_KEY
  relock                 add stake to your sequencer (--lock-reward adds its accrued rewards too)
  unlock                 leave the active set and start the exit delay
  withdraw [--amount M]  with --amount: take M METIS out of an active sequencer's stake (withdraw; the stake left
                         must stay >= minLock; paid after the exit delay); without: take what is due once the exit
                         delay has passed (unlockClaim after unlock, or withdrawClaim of a pending withdrawal)
  rewards                withdraw your sequencer's accrued rewards (withdrawRewards)
  register-signer        L1: updateSigner to SIGNER_KEY (when it is not already the signer); consensus (with
                         --comet-home): bind SIGNER_KEY to the validator key in <dir>/config/priv_validator_key.json
  propose                submit a governance proposal (stake-weighted vote on the consensus layer)
  vote                   vote on a proposal
  proposals              list proposals, or show one with its votes

  ${Object.values(COMMAND_USAGE).join('\n  ')}

options:
  --l1 <url>             L1 JSON-RPC (default http://127.0.0.1:8545)
  --consensus <url>      your host's consensus query API (default http://127.0.0.1:9004)
  --devnet <dir>         read the contract addresses from <dir>/l1.json (default .devnet)
  --locking-pool <addr>  the LockingPool's address, instead of <devnet>/l1.json
  --dev-sequencer <i>    devnet only: the dev mnemonic's keys of sequencer i (and its host's query API, 9004+10·i)
  --json                 print one JSON document on stdout (errors too)
  --wait <seconds>       how long to wait for a consensus tx to show in committed state (default 30)
  --no-wait              return once the consensus tx is in the mempool
  -h, --help             this help

keys come from the environment, never from arguments (arguments leak into shell history and ps):
  OPERATOR_KEY           the owner's L1 key, which holds the METIS: lock, relock, unlock, withdraw, rewards,
                         register-signer on L1
  SIGNER_KEY             the sequencer's signer (node) key: the signer that lock registers; signs propose, vote
                         and register-signer's consensus tx

exit codes: 0 done, 1 refused (the reason is named) or an endpoint unreachable (its URL is named), 2 bad arguments`;
