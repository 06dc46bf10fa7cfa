//! A map that forgets its oldest entries beyond a capacity.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeMap, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};

/// Insertion-ordered map with a fixed capacity: inserting a new key when
/// full evicts the oldest key. Ordered (B-tree) so that nothing depends on
/// a random seed and every run is deterministic; its keys are ordered by
/// their hash first ([`Hashed`]), so that a lookup among request ids
/// compares numbers, not strings.
#[derive(Clone, Debug)]
pub(crate) struct BoundedMap<K: Ord + Clone + Hash, V> {
    map: BTreeMap<Hashed<K>, V>,
    order: VecDeque<K>,
    cap: usize,
}

/// A key with its hash in front: comparing two compares the hashes, and
/// the keys only when the hashes are equal. The hash is std's SipHash with
/// its fixed keys ([`DefaultHasher::new`]): the same on every run. It only
/// orders the map, whose order nothing observes (entries are read in
/// insertion order), so a Rust release that changes the hash changes no
/// output. Keys crafted to collide cost what plain keys cost: a string
/// comparison.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Hashed<K> {
    hash: u64,
    key: K,
}

fn hashed<K: Hash + Clone>(key: &K) -> Hashed<K> {
    let mut h = DefaultHasher::new();
    key.hash(&mut h);
    Hashed {
        hash: h.finish(),
        key: key.clone(),
    }
}

impl<K: Ord + Clone + Hash, V> BoundedMap<K, V> {
    pub(crate) fn new(cap: usize) -> Self {
        BoundedMap {
            map: BTreeMap::new(),
            order: VecDeque::new(),
            cap: cap.max(1),
        }
    }

    /// Inserts or replaces; a new key may evict the oldest one.
    pub(crate) fn insert(&mut self, k: K, v: V) {
        if self.map.insert(hashed(&k), v).is_none() {
            self.order.push_back(k);
            self.trim();
        }
    }

    /// Forgets the oldest entries beyond the capacity.
    fn trim(&mut self) {
        while self.order.len() > self.cap {
            if let Some(old) = self.order.pop_front() {
                self.map.remove(&hashed(&old));
            }
        }
    }

    /// Changes the capacity, forgetting the oldest entries beyond it.
    pub(crate) fn set_cap(&mut self, cap: usize) {
        self.cap = cap.max(1);
        self.trim();
    }

    pub(crate) fn get(&self, k: &K) -> Option<&V> {
        self.map.get(&hashed(k))
    }

    pub(crate) fn get_mut(&mut self, k: &K) -> Option<&mut V> {
        self.map.get_mut(&hashed(k))
    }

    pub(crate) fn contains(&self, k: &K) -> bool {
        self.map.contains_key(&hashed(k))
    }

    /// Removes a key (its slot in the order is dropped lazily).
    pub(crate) fn remove(&mut self, k: &K) -> Option<V> {
        let v = self.map.remove(&hashed(k))?;
        if let Some(pos) = self.order.iter().position(|o| o == k) {
            self.order.remove(pos);
        }
        Some(v)
    }

    /// Entries, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.order
            .iter()
            .filter_map(|k| self.map.get(&hashed(k)).map(|v| (k, v)))
    }
}

/// Serialized as its entries, oldest first; the capacity is a setting, not
/// state, and is set again after loading ([`BoundedMap::set_cap`]).
impl<K: Ord + Clone + Hash + Serialize, V: Serialize> Serialize for BoundedMap<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de, K, V> Deserialize<'de> for BoundedMap<K, V>
where
    K: Ord + Clone + Hash + Deserialize<'de>,
    V: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let entries = Vec::<(K, V)>::deserialize(d)?;
        let mut map = BoundedMap::new(entries.len());
        for (k, v) in entries {
            map.insert(k, v);
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_the_oldest_beyond_capacity() {
        let mut m = BoundedMap::new(2);
        m.insert(1, 'a');
        m.insert(2, 'b');
        m.insert(1, 'c');
        m.insert(3, 'd');
        assert!(!m.contains(&1));
        assert_eq!(m.iter().collect::<Vec<_>>(), vec![(&2, &'b'), (&3, &'d')]);
        assert_eq!(m.remove(&2), Some('b'));
        m.insert(4, 'e');
        assert_eq!(m.iter().map(|(k, _)| *k).collect::<Vec<_>>(), vec![3, 4]);
    }
}
