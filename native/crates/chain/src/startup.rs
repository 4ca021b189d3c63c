//! Starting a chain: writing genesis into a new store, and rebuilding the in-memory state from an existing one.
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use alloy_consensus::Header;
use alloy_primitives::{keccak256, Address, B256, U256};
use seq_state::{AccountChange, AccountFields, StateTrie, StorageSource, TrieAccount, EMPTY_ROOT_HASH};
use seq_store::{AccountRecord, BlockWrite, ChangeSet, Store, StoreReader};

use crate::block::{self, HeaderFields};
use crate::chain::{ChainOptions, BLOCK_HASH_WINDOW, CHAIN_ID_KEY, FORKS_KEY, GENESIS_HASH_KEY};
use crate::flat::{Changes, Flat};
use crate::{ChainError, Genesis};

pub(crate) fn meta_bytes<const N: usize>(reader: &StoreReader, key: &str) -> Result<[u8; N], ChainError> {
    reader.meta(key)?.and_then(|v| v.try_into().ok()).ok_or_else(|| ChainError::Store(seq_store::StoreError::Corrupt(format!("meta {key} missing"))))
}

/// The genesis header and the state changes that create its allocation.
pub(crate) fn genesis_block(genesis: &Genesis) -> Result<(Header, Vec<AccountChange>), ChainError> {
    let changes: Vec<AccountChange> = genesis
        .alloc
        .iter()
        .map(|(address, account)| AccountChange {
            address: *address,
            fields: Some(AccountFields { nonce: account.nonce, balance: account.balance, code_hash: account.code_hash() }),
            storage_wiped: false,
            storage: account.storage.iter().map(|(k, v)| (*k, *v)).collect(),
        })
        .collect();
    struct Empty;
    impl StorageSource for Empty {
        fn storage_of(&self, _: Address) -> Result<Vec<(U256, U256)>, String> {
            Ok(Vec::new())
        }
    }
    let applied = StateTrie::default().apply(&changes, &Empty).map_err(ChainError::Trie)?;
    let header = block::header(HeaderFields {
        parent_hash: B256::ZERO,
        number: 0,
        beneficiary: genesis.coinbase,
        timestamp: genesis.timestamp,
        gas_limit: genesis.gas_limit,
        gas_used: 0,
        base_fee: genesis.base_fee,
        prevrandao: genesis.mix_hash,
        extra_data: genesis.extra_data.clone(),
        state_root: applied.state_root,
        transactions_root: EMPTY_ROOT_HASH,
        receipts_root: EMPTY_ROOT_HASH,
        logs_bloom: Default::default(),
    });
    Ok((header, changes))
}

pub(crate) fn write_genesis(store: &Store, genesis: &Genesis) -> Result<(), ChainError> {
    let (header, _) = genesis_block(genesis)?;
    let hash = header.hash_slow();
    let accounts: Vec<(Address, Option<AccountRecord>)> = genesis
        .alloc
        .iter()
        .map(|(address, account)| {
            let storage_root =
                seq_state::MerkleTrie::from_leaves(account.storage.iter().map(|(k, v)| (keccak256(k.to_be_bytes::<32>()), alloy_rlp::encode(v)))).root();
            (*address, Some(AccountRecord { nonce: account.nonce, balance: account.balance, code_hash: account.code_hash(), storage_root }))
        })
        .collect();
    let storage: Vec<(Address, U256, U256)> = genesis.alloc.iter().flat_map(|(a, acc)| acc.storage.iter().map(move |(k, v)| (*a, *k, *v))).collect();
    let codes: Vec<(B256, &[u8])> = genesis.alloc.values().filter(|a| !a.code.is_empty()).map(|a| (a.code_hash(), a.code.as_ref())).collect();
    let header_rlp = block::encode_header(&header);
    let chain_id = genesis.chain_id.to_be_bytes();
    let forks = genesis.forks.to_bytes();
    let changeset = ChangeSet { accounts: accounts.iter().map(|(a, _)| (*a, None)).collect(), ..Default::default() };
    let write = BlockWrite {
        number: 0,
        hash,
        header: &header_rlp,
        body: &block::encode_body(&[]),
        receipts: &block::encode_receipts(&[]),
        tx_hashes: &[],
        accounts: &accounts,
        wiped: &[],
        storage: &storage,
        codes: &codes,
        changeset: &changeset,
        prune_changesets_below: 0,
        meta: &[(CHAIN_ID_KEY, &chain_id), (GENESIS_HASH_KEY, hash.as_slice()), (FORKS_KEY, &forks)],
    };
    store.stage_block(&write)?.commit()?;
    Ok(())
}

/// The stored fork schedule; a store written before schedules existed ran Cancun throughout.
pub(crate) fn stored_forks(reader: &StoreReader) -> Result<seq_evm::ForkSchedule, ChainError> {
    match reader.meta(FORKS_KEY)? {
        None => Ok(seq_evm::ForkSchedule::single(seq_evm::Fork::Cancun)),
        Some(bytes) => seq_evm::ForkSchedule::from_bytes(&bytes).map_err(|e| ChainError::Store(seq_store::StoreError::Corrupt(e.to_string()))),
    }
}

/// Rebuilds the in-memory state from the store and checks it against the head's state root.
pub(crate) fn load(reader: &StoreReader, options: ChainOptions) -> Result<(Flat, StateTrie), ChainError> {
    let head_number = reader.head()?.ok_or_else(|| ChainError::Genesis("empty store".into()))?;
    let head = block::decode_header(&reader.header(head_number)?.ok_or_else(|| ChainError::Genesis("head header missing".into()))?)?;
    let head_hash = head.hash_slow();
    let records = reader.accounts()?;
    let mut trie = StateTrie::from_accounts(records.iter().map(|(a, r)| (*a, TrieAccount::new(r.nonce, r.balance, r.storage_root, r.code_hash))));
    let root = trie.root();
    if root != head.state_root {
        return Err(ChainError::Trie(format!("stored state hashes to {root}, head block {head_number} says {}", head.state_root)));
    }
    let mut hashes = BTreeMap::new();
    for number in head_number.saturating_sub(BLOCK_HASH_WINDOW - 1)..=head_number {
        if let Some(rlp) = reader.header(number)? {
            hashes.insert(number, keccak256(rlp));
        }
    }
    let mut history = VecDeque::new();
    for number in reader.changeset_numbers()? {
        // Genesis has no earlier state to read, and the window may have shrunk since the last run.
        if number == 0 || number + options.history <= head_number {
            continue;
        }
        if let Some(set) = reader.changeset(number)? {
            let wiped = set.wiped.clone();
            history.push_back((number, Arc::new(Changes::from_changeset(&set, wiped))));
        }
    }
    let flat = Flat { accounts: records.into_iter().collect(), storage: HashMap::new(), codes: HashMap::new(), head, head_hash, hashes, history };
    Ok((flat, trie))
}
