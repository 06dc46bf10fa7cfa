//! A map that forgets its oldest entries beyond a capacity.

use rustc_hash::FxBuildHasher;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// Insertion-ordered map with a fixed capacity: inserting a new key when
/// full evicts the oldest key.
///
/// A hash map with rustc's Fx hash (`rustc-hash`): fast on the short
/// request ids it holds, and unseeded, so every run lays it out the same;
/// its order is never observed (entries are read in insertion order, from
/// `order`), so a release that changes the hash changes no output. The hash
/// is known, so keys crafted to share a bucket can be found offline: a
/// lookup then scans at most the map's own entries (its capacity: one
/// user's idempotency window, one client's memory), paid by whoever sent
/// them.
#[derive(Clone, Debug)]
pub(crate) struct BoundedMap<K: Eq + Clone + Hash, V> {
    map: HashMap<K, V, FxBuildHasher>,
    order: VecDeque<K>,
    cap: usize,
}

impl<K: Eq + Clone + Hash, V> BoundedMap<K, V> {
    pub(crate) fn new(cap: usize) -> Self {
        BoundedMap {
            map: HashMap::default(),
            order: VecDeque::new(),
            cap: cap.max(1),
        }
    }

    /// Inserts or replaces; a new key may evict the oldest one.
    pub(crate) fn insert(&mut self, k: K, v: V) {
        if self.map.insert(k.clone(), v).is_none() {
            self.order.push_back(k);
            self.trim();
        }
    }

    /// Forgets the oldest entries beyond the capacity.
    fn trim(&mut self) {
        while self.order.len() > self.cap {
            if let Some(old) = self.order.pop_front() {
                self.map.remove(&old);
            }
        }
    }

    /// Changes the capacity, forgetting the oldest entries beyond it.
    pub(crate) fn set_cap(&mut self, cap: usize) {
        self.cap = cap.max(1);
        self.trim();
    }

    pub(crate) fn get(&self, k: &K) -> Option<&V> {
        self.map.get(k)
    }

    pub(crate) fn get_mut(&mut self, k: &K) -> Option<&mut V> {
        self.map.get_mut(k)
    }

    pub(crate) fn contains(&self, k: &K) -> bool {
        self.map.contains_key(k)
    }

    /// Removes a key (its slot in the order is dropped lazily).
    pub(crate) fn remove(&mut self, k: &K) -> Option<V> {
        let v = self.map.remove(k)?;
        if let Some(pos) = self.order.iter().position(|o| o == k) {
            self.order.remove(pos);
        }
        Some(v)
    }

    /// Entries, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.order
            .iter()
            .filter_map(|k| self.map.get(k).map(|v| (k, v)))
    }
}

/// Serialized as its entries, oldest first; the capacity is a setting, not
/// state, and is set again after loading ([`BoundedMap::set_cap`]).
impl<K: Eq + Clone + Hash + Serialize, V: Serialize> Serialize for BoundedMap<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de, K, V> Deserialize<'de> for BoundedMap<K, V>
where
    K: Eq + Clone + Hash + Deserialize<'de>,
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
