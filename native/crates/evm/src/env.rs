use alloy_primitives::{Address, B256, U256};
use revm::context::BlockEnv;

use crate::Fork;

/// What the block producer fixes for a block; the executor derives everything else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockInput {
    pub number: u64,
    pub timestamp: u64,
    pub beneficiary: Address,
    pub gas_limit: u64,
    pub base_fee: u64,
    pub prevrandao: B256,
    pub chain_id: u64,
    /// The rules the block runs under: the chain's [`crate::ForkSchedule::fork_at`] its timestamp.
    pub fork: Fork,
    /// Written into the EIP-2935 history contract before the first transaction (Prague on).
    pub parent_hash: B256,
}

impl BlockInput {
    pub(crate) fn block_env(&self) -> BlockEnv {
        BlockEnv {
            number: U256::from(self.number),
            beneficiary: self.beneficiary,
            timestamp: U256::from(self.timestamp),
            gas_limit: self.gas_limit,
            basefee: self.base_fee,
            difficulty: U256::ZERO,
            prevrandao: Some(self.prevrandao),
            // Blob gas exists at its minimum price (1 wei at zero excess, whatever the fork's update fraction); this
            // chain carries no blobs.
            blob_excess_gas_and_price: Some(revm::context_interface::block::BlobExcessGasAndPrice::new(0, blob_update_fraction(self.fork))),
            ..Default::default()
        }
    }
}

/// EIP-4844's (Cancun) and EIP-7691's (Prague on) base-fee update fraction.
fn blob_update_fraction(fork: Fork) -> u64 {
    match fork {
        Fork::Cancun => revm::primitives::eip4844::BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN,
        Fork::Prague | Fork::Osaka => revm::primitives::eip4844::BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE,
    }
}

pub(crate) type Evm<DB> = revm::handler::MainnetEvm<revm::handler::MainnetContext<DB>>;

/// An EVM of the block's fork over `db` in `block`, with `configure` applied to the chain config.
pub(crate) fn build_evm<DB: revm::Database>(db: DB, block: &BlockInput, configure: impl FnOnce(&mut revm::context::CfgEnv)) -> Evm<DB> {
    use revm::handler::MainBuilder;
    context(db, block, configure).build_mainnet()
}

/// As [`build_evm`], with `inspector` watching every step (run it with `inspect_one_tx`).
pub(crate) fn build_evm_inspected<DB: revm::Database, I>(
    db: DB,
    block: &BlockInput,
    inspector: I,
    configure: impl FnOnce(&mut revm::context::CfgEnv),
) -> revm::handler::MainnetEvm<revm::handler::MainnetContext<DB>, I> {
    use revm::handler::MainBuilder;
    context(db, block, configure).build_mainnet_with_inspector(inspector)
}

fn context<DB: revm::Database>(db: DB, block: &BlockInput, configure: impl FnOnce(&mut revm::context::CfgEnv)) -> revm::handler::MainnetContext<DB> {
    revm::handler::MainnetContext::new(db, block.fork.spec_id()).with_block(block.block_env()).modify_cfg_chained(|cfg| {
        cfg.chain_id = block.chain_id;
        configure(cfg);
    })
}
