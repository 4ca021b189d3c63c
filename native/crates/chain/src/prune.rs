//! Pruning block data on non-archive hosts: bodies, receipts and transaction index entries of old blocks go in
//! bounded steps; headers (and so hashes, numbers and roots) stay. The caller chooses the bound (the finalized head
//! minus a margin); the head's own body is never pruned.
use alloy_primitives::{keccak256, B256};
use seq_store::{BlockEntryCounts, PruneWrite};

use crate::block;
use crate::{Chain, ChainError};

impl Chain {
    /// The lowest block whose body and receipts are kept (0 on an archive store).
    pub fn oldest_kept_block(&self) -> Result<u64, ChainError> {
        Ok(self.store.reader()?.oldest_body()?)
    }

    /// Deletes the data of at most `max_blocks` blocks, oldest first, all below `below` (and below the head).
    /// Returns the new oldest kept block. One write transaction: a crash leaves the step whole or absent.
    pub fn prune_below(&self, below: u64, max_blocks: u64) -> Result<u64, ChainError> {
        let reader = self.store.reader()?;
        let oldest = reader.oldest_body()?;
        let end = below.min(self.latest_number()).min(oldest.saturating_add(max_blocks));
        if end <= oldest {
            return Ok(oldest);
        }
        let mut blocks = Vec::with_capacity((end - oldest) as usize);
        for number in oldest..end {
            let body = reader.body(number)?.ok_or_else(|| ChainError::Input(format!("block {number} has no body to prune")))?;
            let txs: Vec<B256> = block::decode_body(&body)?.iter().map(keccak256).collect();
            blocks.push((number, txs));
        }
        drop(reader);
        self.store.stage_prune(&PruneWrite { blocks: &blocks })?.commit()?;
        Ok(end)
    }

    /// Entry counts of the block tables, to measure what pruning keeps.
    pub fn block_entry_counts(&self) -> Result<BlockEntryCounts, ChainError> {
        Ok(self.store.reader()?.block_entry_counts()?)
    }
}
