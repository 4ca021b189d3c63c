//! An in-memory Merkle-Patricia trie over fixed 32-byte (already hashed) keys.
//!
//! Every node caches its RLP reference; a mutation clears the caches on its path only, so the root
//! after a block costs hashing the changed paths, not the whole trie. Node encoding is alloy-trie's
//! (`LeafNodeRef`, `ExtensionNodeRef`, `BranchNodeRef`), so roots are exactly Ethereum's.
use alloy_primitives::{keccak256, B256};
use alloy_trie::{
    nodes::{BranchNodeRef, ExtensionNodeRef, LeafNodeRef, RlpNode},
    Nibbles, TrieMask, EMPTY_ROOT_HASH,
};
use rayon::prelude::*;

/// Subtrees at most this deep are hashed on the rayon pool; below it, one thread per subtree.
const PARALLEL_DEPTH: usize = 2;

#[derive(Clone, Debug, Default)]
pub struct MerkleTrie {
    root: Node,
    len: usize,
}

#[derive(Clone, Debug, Default)]
enum Node {
    #[default]
    Empty,
    Leaf(Box<Leaf>),
    Extension(Box<Extension>),
    Branch(Box<Branch>),
}

#[derive(Clone, Debug)]
struct Leaf {
    key: Nibbles,
    value: Vec<u8>,
    cached: Option<RlpNode>,
}

#[derive(Clone, Debug)]
struct Extension {
    key: Nibbles,
    child: Node,
    cached: Option<RlpNode>,
}

#[derive(Clone, Debug, Default)]
struct Branch {
    children: [Node; 16],
    cached: Option<RlpNode>,
}

impl MerkleTrie {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sets `key` to `value` (the leaf's RLP payload) and returns the previous value.
    pub fn insert(&mut self, key: B256, value: Vec<u8>) -> Option<Vec<u8>> {
        let previous = insert(&mut self.root, Nibbles::unpack(key), value);
        if previous.is_none() {
            self.len += 1;
        }
        previous
    }

    /// Deletes `key` and returns its value, if it was present.
    pub fn remove(&mut self, key: B256) -> Option<Vec<u8>> {
        let previous = remove(&mut self.root, Nibbles::unpack(key));
        if previous.is_some() {
            self.len -= 1;
        }
        previous
    }

    pub fn get(&self, key: B256) -> Option<&[u8]> {
        let path = Nibbles::unpack(key);
        let mut node = &self.root;
        let mut at = 0;
        loop {
            match node {
                Node::Empty => return None,
                Node::Leaf(leaf) => {
                    return (path.slice(at..) == leaf.key).then_some(leaf.value.as_slice());
                }
                Node::Extension(ext) => {
                    if !path.slice(at..).starts_with(&ext.key) {
                        return None;
                    }
                    at += ext.key.len();
                    node = &ext.child;
                }
                Node::Branch(branch) => {
                    node = &branch.children[path.get_unchecked(at) as usize];
                    at += 1;
                }
            }
        }
    }

    /// The root hash; re-hashes only nodes changed since the last call, in parallel near the top.
    pub fn root(&mut self) -> B256 {
        if matches!(self.root, Node::Empty) {
            return EMPTY_ROOT_HASH;
        }
        let reference = node_rlp(&mut self.root, 0, &mut Vec::with_capacity(532));
        // A root whose encoding is shorter than 32 bytes is referenced inline; its hash is still keccak.
        reference.as_hash().unwrap_or_else(|| keccak256(reference.as_slice()))
    }

    /// Builds a trie from leaves in any order.
    pub fn from_leaves(leaves: impl IntoIterator<Item = (B256, Vec<u8>)>) -> Self {
        let mut trie = Self::new();
        for (key, value) in leaves {
            trie.insert(key, value);
        }
        trie
    }
}

fn leaf(key: Nibbles, value: Vec<u8>) -> Node {
    Node::Leaf(Box::new(Leaf { key, value, cached: None }))
}

/// `key` ahead of `child`, or `child` itself when `key` is empty.
fn extension(key: Nibbles, child: Node) -> Node {
    if key.is_empty() {
        child
    } else {
        Node::Extension(Box::new(Extension { key, child, cached: None }))
    }
}

fn insert(node: &mut Node, path: Nibbles, value: Vec<u8>) -> Option<Vec<u8>> {
    match node {
        Node::Empty => {
            *node = leaf(path, value);
            None
        }
        Node::Leaf(existing) => {
            if existing.key == path {
                existing.cached = None;
                return Some(std::mem::replace(&mut existing.value, value));
            }
            let common = existing.key.common_prefix_length(&path);
            let mut branch = Box::<Branch>::default();
            let old = std::mem::take(node);
            let Node::Leaf(old) = old else { unreachable!() };
            let old_index = old.key.get_unchecked(common) as usize;
            branch.children[old_index] = leaf(old.key.slice(common + 1..), old.value);
            branch.children[path.get_unchecked(common) as usize] = leaf(path.slice(common + 1..), value);
            *node = extension(path.slice(..common), Node::Branch(branch));
            None
        }
        Node::Extension(ext) => {
            let common = ext.key.common_prefix_length(&path);
            if common == ext.key.len() {
                ext.cached = None;
                return insert(&mut ext.child, path.slice(common..), value);
            }
            let Node::Extension(old) = std::mem::take(node) else { unreachable!() };
            let mut branch = Box::<Branch>::default();
            branch.children[old.key.get_unchecked(common) as usize] = extension(old.key.slice(common + 1..), old.child);
            branch.children[path.get_unchecked(common) as usize] = leaf(path.slice(common + 1..), value);
            *node = extension(path.slice(..common), Node::Branch(branch));
            None
        }
        Node::Branch(branch) => {
            branch.cached = None;
            let index = path.get_unchecked(0) as usize;
            insert(&mut branch.children[index], path.slice(1..), value)
        }
    }
}

fn remove(node: &mut Node, path: Nibbles) -> Option<Vec<u8>> {
    match node {
        Node::Empty => None,
        Node::Leaf(existing) => {
            if existing.key != path {
                return None;
            }
            let Node::Leaf(old) = std::mem::take(node) else { unreachable!() };
            Some(old.value)
        }
        Node::Extension(ext) => {
            if !path.starts_with(&ext.key) {
                return None;
            }
            let removed = remove(&mut ext.child, path.slice(ext.key.len()..))?;
            ext.cached = None;
            // The child was a branch; if it collapsed into a leaf or extension, absorb it.
            let Node::Extension(old) = std::mem::take(node) else { unreachable!() };
            *node = prefixed(old.key, old.child);
            Some(removed)
        }
        Node::Branch(branch) => {
            let index = path.get_unchecked(0) as usize;
            let removed = remove(&mut branch.children[index], path.slice(1..))?;
            branch.cached = None;
            let mut remaining = branch.children.iter().enumerate().filter(|(_, c)| !matches!(c, Node::Empty));
            let only = match (remaining.next(), remaining.next()) {
                (Some((i, _)), None) => Some(i),
                _ => None,
            };
            if let Some(only) = only {
                let child = std::mem::take(&mut branch.children[only]);
                *node = prefixed(Nibbles::from_nibbles_unchecked([only as u8]), child);
            }
            Some(removed)
        }
    }
}

/// `child` reached through `key`, merged with the child's own key where the child is a leaf or extension.
fn prefixed(key: Nibbles, child: Node) -> Node {
    match child {
        Node::Leaf(mut leaf) => {
            leaf.key = key.join(&leaf.key);
            leaf.cached = None;
            Node::Leaf(leaf)
        }
        Node::Extension(mut ext) => {
            ext.key = key.join(&ext.key);
            ext.cached = None;
            Node::Extension(ext)
        }
        other => extension(key, other),
    }
}

fn node_rlp(node: &mut Node, depth: usize, buf: &mut Vec<u8>) -> RlpNode {
    match node {
        Node::Empty => RlpNode::from_rlp(&[alloy_rlp::EMPTY_STRING_CODE]),
        Node::Leaf(leaf) => {
            if let Some(cached) = &leaf.cached {
                return cached.clone();
            }
            buf.clear();
            let reference = LeafNodeRef::new(&leaf.key, &leaf.value).rlp(buf);
            leaf.cached = Some(reference.clone());
            reference
        }
        Node::Extension(ext) => {
            if let Some(cached) = &ext.cached {
                return cached.clone();
            }
            let child = node_rlp(&mut ext.child, depth + ext.key.len(), buf);
            buf.clear();
            let reference = ExtensionNodeRef::new(&ext.key, &child).rlp(buf);
            ext.cached = Some(reference.clone());
            reference
        }
        Node::Branch(branch) => {
            if let Some(cached) = &branch.cached {
                return cached.clone();
            }
            let children: Vec<Option<RlpNode>> = if depth < PARALLEL_DEPTH {
                branch.children.par_iter_mut().map(|child| child_rlp(child, depth + 1, &mut Vec::with_capacity(532))).collect()
            } else {
                branch.children.iter_mut().map(|child| child_rlp(child, depth + 1, buf)).collect()
            };
            let mut mask = TrieMask::default();
            let mut stack = Vec::with_capacity(16);
            for (index, child) in children.into_iter().enumerate() {
                if let Some(child) = child {
                    mask.set_bit(index as u8);
                    stack.push(child);
                }
            }
            buf.clear();
            let reference = BranchNodeRef::new(&stack, mask).rlp(buf);
            branch.cached = Some(reference.clone());
            reference
        }
    }
}

fn child_rlp(child: &mut Node, depth: usize, buf: &mut Vec<u8>) -> Option<RlpNode> {
    (!matches!(child, Node::Empty)).then(|| node_rlp(child, depth, buf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_trie::HashBuilder;
    use rand::{rngs::StdRng, Rng, SeedableRng};
    use std::collections::BTreeMap;

    /// alloy-trie's HashBuilder over the sorted leaves: the reference root.
    fn reference_root(leaves: &BTreeMap<B256, Vec<u8>>) -> B256 {
        let mut builder = HashBuilder::default();
        for (key, value) in leaves {
            builder.add_leaf(Nibbles::unpack(key), value);
        }
        builder.root()
    }

    fn random_value(rng: &mut StdRng) -> Vec<u8> {
        // Short values make inline (< 32 byte) nodes, long ones hashed nodes: cover both.
        let len = if rng.random_bool(0.5) { rng.random_range(1..8) } else { rng.random_range(33..80) };
        (0..len).map(|_| rng.random()).collect()
    }

    #[test]
    fn empty_trie_has_the_empty_root() {
        assert_eq!(MerkleTrie::new().root(), EMPTY_ROOT_HASH);
    }

    #[test]
    fn matches_hash_builder_through_inserts_updates_and_removals() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut trie = MerkleTrie::new();
        let mut model = BTreeMap::new();
        for round in 0..40 {
            for _ in 0..rng.random_range(1..60) {
                let key = if !model.is_empty() && rng.random_bool(0.3) {
                    *model.keys().nth(rng.random_range(0..model.len())).unwrap()
                } else {
                    B256::from(rng.random::<[u8; 32]>())
                };
                if rng.random_bool(0.25) {
                    assert_eq!(trie.remove(key), model.remove(&key));
                } else {
                    let value = random_value(&mut rng);
                    assert_eq!(trie.insert(key, value.clone()), model.insert(key, value));
                }
            }
            assert_eq!(trie.len(), model.len());
            assert_eq!(trie.root(), reference_root(&model), "round {round}");
        }
        for (key, value) in &model {
            assert_eq!(trie.get(*key), Some(value.as_slice()));
        }
    }

    #[test]
    fn keys_sharing_long_prefixes_make_extensions_that_collapse_on_removal() {
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        let mut c = [0u8; 32];
        a[31] = 1;
        b[31] = 2;
        c[30] = 1;
        let (a, b, c) = (B256::from(a), B256::from(b), B256::from(c));
        let mut trie = MerkleTrie::new();
        let mut model = BTreeMap::new();
        for key in [a, b, c] {
            trie.insert(key, vec![0xaa; 40]);
            model.insert(key, vec![0xaa; 40]);
            assert_eq!(trie.root(), reference_root(&model));
        }
        for key in [b, a, c] {
            trie.remove(key);
            model.remove(&key);
            assert_eq!(trie.root(), reference_root(&model));
        }
        assert_eq!(trie.root(), EMPTY_ROOT_HASH);
    }

    #[test]
    fn removing_a_missing_key_changes_nothing() {
        let mut trie = MerkleTrie::from_leaves([(B256::repeat_byte(1), vec![1]), (B256::repeat_byte(2), vec![2])]);
        let before = trie.root();
        assert_eq!(trie.remove(B256::repeat_byte(3)), None);
        assert_eq!(trie.root(), before);
        assert_eq!(trie.len(), 2);
    }
}
