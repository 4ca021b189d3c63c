use std::collections::{BTreeMap, HashMap};

use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_trie::root::{state_root_unhashed, storage_root_unhashed};
use seq_state::{AccountChange, AccountFields, StateTrie, StorageSource, TrieAccount, EMPTY_ROOT_HASH, KECCAK_EMPTY};

/// A plain model of the world: accounts and their full storage, hashed from scratch by alloy-trie.
#[derive(Clone, Default)]
struct World {
    accounts: BTreeMap<Address, AccountFields>,
    storage: HashMap<Address, BTreeMap<U256, U256>>,
}

impl World {
    fn storage_root(&self, address: Address) -> B256 {
        self.storage.get(&address).map_or(EMPTY_ROOT_HASH, |s| storage_root_unhashed(s.iter().filter(|(_, v)| !v.is_zero()).map(|(k, v)| (B256::from(*k), *v))))
    }
    fn root(&self) -> B256 {
        state_root_unhashed(self.accounts.iter().map(|(a, f)| (*a, TrieAccount::new(f.nonce, f.balance, self.storage_root(*a), f.code_hash))))
    }
    fn apply(&mut self, changes: &[AccountChange]) {
        for c in changes {
            match c.fields {
                None => {
                    self.accounts.remove(&c.address);
                    self.storage.remove(&c.address);
                }
                Some(f) => {
                    self.accounts.insert(c.address, f);
                    let s = self.storage.entry(c.address).or_default();
                    if c.storage_wiped {
                        s.clear();
                    }
                    for (k, v) in &c.storage {
                        if v.is_zero() {
                            s.remove(k);
                        } else {
                            s.insert(*k, *v);
                        }
                    }
                }
            }
        }
    }
}

impl StorageSource for World {
    fn storage_of(&self, address: Address) -> Result<Vec<(U256, U256)>, String> {
        Ok(self.storage.get(&address).map(|s| s.iter().map(|(k, v)| (*k, *v)).collect()).unwrap_or_default())
    }
}

fn fields(n: u64) -> AccountFields {
    AccountFields { nonce: n, balance: U256::from(n * 1_000 + 1), code_hash: if n.is_multiple_of(3) { keccak256([n as u8]) } else { KECCAK_EMPTY } }
}

fn addr(i: u64) -> Address {
    Address::left_padding_from(&i.to_be_bytes())
}

fn block(seed: u64) -> Vec<AccountChange> {
    (0..40)
        .map(|i| {
            let a = (seed * 7 + i * 13) % 60;
            AccountChange {
                address: addr(a),
                fields: if (seed + i).is_multiple_of(17) { None } else { Some(fields(seed + i)) },
                storage_wiped: (seed + i).is_multiple_of(23),
                storage: (0..(a % 5)).map(|s| (U256::from(s + seed % 3), U256::from((seed + s) % 4))).collect(),
            }
        })
        // One change per account per block, as the executor produces.
        .fold(Vec::<AccountChange>::new(), |mut v, c| {
            if !v.iter().any(|x| x.address == c.address) {
                v.push(c)
            }
            v
        })
}

#[test]
fn incremental_roots_match_a_full_rehash_block_after_block() {
    let mut world = World::default();
    let mut trie = StateTrie::default();
    for seed in 1..30 {
        let changes = block(seed);
        // The source must serve the state *before* the block, as the store does.
        let applied = trie.apply(&changes, &world.clone()).unwrap();
        world.apply(&changes);
        assert_eq!(applied.state_root, world.root(), "block {seed}");
        for (address, root) in &applied.storage_roots {
            assert_eq!(*root, world.storage_root(*address));
        }
    }
}

#[test]
fn undo_restores_the_previous_root_exactly() {
    let mut world = World::default();
    let mut trie = StateTrie::default();
    for seed in 1..10 {
        let changes = block(seed);
        trie.apply(&changes, &world.clone()).unwrap();
        world.apply(&changes);
    }
    let before = trie.root();
    let applied = trie.apply(&block(99), &world).unwrap();
    assert_ne!(applied.state_root, before);
    trie.undo(applied.undo);
    assert_eq!(trie.root(), before);
    // And the tries still work after an undo.
    let changes = block(100);
    let applied = trie.apply(&changes, &world.clone()).unwrap();
    world.apply(&changes);
    assert_eq!(applied.state_root, world.root());
}

#[test]
fn reopening_from_recorded_accounts_loads_storage_lazily_and_checks_it() {
    let mut world = World::default();
    let mut trie = StateTrie::default();
    for seed in 1..8 {
        let changes = block(seed);
        trie.apply(&changes, &world.clone()).unwrap();
        world.apply(&changes);
    }
    let recorded: Vec<(Address, TrieAccount)> =
        world.accounts.iter().map(|(a, f)| (*a, TrieAccount::new(f.nonce, f.balance, world.storage_root(*a), f.code_hash))).collect();
    let mut reopened = StateTrie::from_accounts(recorded);
    assert_eq!(reopened.root(), world.root());
    let changes = block(8);
    let applied = reopened.apply(&changes, &world.clone()).unwrap();
    world.apply(&changes);
    assert_eq!(applied.state_root, world.root());

    // A source whose storage disagrees with the recorded root is refused, and nothing changes.
    let victim = *world.storage.iter().find(|(a, s)| !s.is_empty() && world.accounts.contains_key(*a)).unwrap().0;
    let mut corrupt = world.clone();
    corrupt.storage.get_mut(&victim).unwrap().insert(U256::from(12345), U256::from(1));
    let mut fresh =
        StateTrie::from_accounts(world.accounts.iter().map(|(a, f)| (*a, TrieAccount::new(f.nonce, f.balance, world.storage_root(*a), f.code_hash))));
    let root = fresh.root();
    let change = AccountChange { address: victim, fields: Some(fields(1)), storage_wiped: false, storage: vec![(U256::from(1), U256::from(9))] };
    assert!(fresh.apply(&[change], &corrupt).unwrap_err().contains("hashes to"));
    assert_eq!(fresh.root(), root);
}
