//! An ordered map and set for keys that arrive in ascending order.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::Range;

/// An ordered map kept as a sorted deque, for keys that nearly always
/// arrive in ascending order and leave from the oldest: message ids, which
/// the server hands out in order and evicts oldest first.
///
/// Inserting a key above every other one, and popping the first, is O(1);
/// a lookup of the newest key is O(1) and any other one O(log n) by binary
/// search over one contiguous buffer (a B-tree of the same keys walks a
/// node per level, and scans each node from its start, so its newest key
/// is its dearest). Inserting or removing a key in the middle moves the
/// entries after it: O(n), correct but only for the rare case. The buffer
/// doubles as it grows, as a `Vec` does: a server that keeps every message
/// in memory (no resident window) pays one reallocation of it at each
/// doubling, which glibc makes a remap of pages for large buffers rather
/// than a copy.
///
/// Serialized as a map, exactly as a `BTreeMap` of the same entries.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AscendingMap<K, V> {
    entries: VecDeque<(K, V)>,
}

impl<K, V> Default for AscendingMap<K, V> {
    fn default() -> Self {
        AscendingMap {
            entries: VecDeque::new(),
        }
    }
}

impl<K: Ord, V> AscendingMap<K, V> {
    /// The number of entries.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map holds no entry.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Where `k` is, or where it would go. The newest key (just inserted)
    /// and the oldest (about to be evicted) are found without a search.
    fn search(&self, k: &K) -> Result<usize, usize> {
        let (Some((first, _)), Some((last, _))) = (self.entries.front(), self.entries.back())
        else {
            return Err(0);
        };
        match last.cmp(k) {
            std::cmp::Ordering::Equal => Ok(self.entries.len() - 1),
            std::cmp::Ordering::Less => Err(self.entries.len()),
            std::cmp::Ordering::Greater if first == k => Ok(0),
            std::cmp::Ordering::Greater => self.entries.binary_search_by(|(e, _)| e.cmp(k)),
        }
    }

    /// The value of `k`.
    pub(crate) fn get(&self, k: &K) -> Option<&V> {
        let i = self.search(k).ok()?;
        self.entries.get(i).map(|(_, v)| v)
    }

    /// The value of `k`, to change.
    pub(crate) fn get_mut(&mut self, k: &K) -> Option<&mut V> {
        let i = self.search(k).ok()?;
        self.entries.get_mut(i).map(|(_, v)| v)
    }

    /// Inserts or replaces, returning the value replaced.
    pub(crate) fn insert(&mut self, k: K, v: V) -> Option<V> {
        match self.search(&k) {
            Ok(i) => self
                .entries
                .get_mut(i)
                .map(|(_, old)| std::mem::replace(old, v)),
            Err(i) if i == self.entries.len() => {
                self.entries.push_back((k, v));
                None
            }
            Err(i) => {
                self.entries.insert(i, (k, v));
                None
            }
        }
    }

    /// Removes `k`, returning its value.
    pub(crate) fn remove(&mut self, k: &K) -> Option<V> {
        let i = self.search(k).ok()?;
        self.entries.remove(i).map(|(_, v)| v)
    }

    /// Whether `k` is in the map.
    pub(crate) fn contains_key(&self, k: &K) -> bool {
        self.search(k).is_ok()
    }

    /// The entry with the smallest key.
    pub(crate) fn first(&self) -> Option<(&K, &V)> {
        self.entries.front().map(|(k, v)| (k, v))
    }

    /// Removes and returns the entry with the smallest key.
    pub(crate) fn pop_first(&mut self) -> Option<(K, V)> {
        self.entries.pop_front()
    }

    /// Every entry, in ascending order of keys.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The entries whose keys lie in `keys`, in ascending order.
    pub(crate) fn range(&self, keys: Range<K>) -> impl DoubleEndedIterator<Item = (&K, &V)> {
        let start = self.entries.partition_point(|(k, _)| *k < keys.start);
        let end = self
            .entries
            .partition_point(|(k, _)| *k < keys.end)
            .max(start);
        self.entries.range(start..end).map(|(k, v)| (k, v))
    }
}

/// An ordered set kept as an [`AscendingMap`] of its keys, for keys that
/// nearly always arrive in ascending order (the same costs).
///
/// Serialized as a sequence, exactly as a `BTreeSet` of the same keys.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AscendingSet<K>(AscendingMap<K, ()>);

impl<K> Default for AscendingSet<K> {
    fn default() -> Self {
        AscendingSet(AscendingMap::default())
    }
}

impl<K: Ord> AscendingSet<K> {
    /// The number of keys.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Adds `k`; whether it was new.
    pub(crate) fn insert(&mut self, k: K) -> bool {
        self.0.insert(k, ()).is_none()
    }

    /// Removes `k`; whether it was there.
    pub(crate) fn remove(&mut self, k: &K) -> bool {
        self.0.remove(k).is_some()
    }

    /// Whether `k` is in the set.
    pub(crate) fn contains(&self, k: &K) -> bool {
        self.0.contains_key(k)
    }

    /// The smallest key.
    pub(crate) fn first(&self) -> Option<&K> {
        self.0.first().map(|(k, ())| k)
    }

    /// Removes and returns the smallest key.
    pub(crate) fn pop_first(&mut self) -> Option<K> {
        self.0.pop_first().map(|(k, ())| k)
    }

    /// Keeps only the keys for which `keep` holds.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&K) -> bool) {
        self.0.entries.retain(|(k, ())| keep(k));
    }

    /// Every key, in ascending order.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &K> {
        self.0.iter().map(|(k, ())| k)
    }
}

impl<K: Ord + Serialize> Serialize for AscendingSet<K> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de, K: Ord + Deserialize<'de>> Deserialize<'de> for AscendingSet<K> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let set = BTreeSet::<K>::deserialize(d)?;
        Ok(AscendingSet(set.into_iter().map(|k| (k, ())).collect()))
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for AscendingMap<K, V> {
    /// Collects entries in any order (a later duplicate key wins, as in a
    /// `BTreeMap`).
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let sorted: BTreeMap<K, V> = iter.into_iter().collect();
        AscendingMap {
            entries: sorted.into_iter().collect(),
        }
    }
}

impl<K: Ord + Serialize, V: Serialize> Serialize for AscendingMap<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de, K: Ord + Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for AscendingMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<K, V>::deserialize(d)?;
        Ok(map.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An operation on both maps.
    #[derive(Clone, Debug)]
    enum Op {
        Insert(u8, u8),
        Remove(u8),
        PopFirst,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (any::<u8>(), any::<u8>()).prop_map(|(k, v)| Op::Insert(k, v)),
            any::<u8>().prop_map(Op::Remove),
            Just(Op::PopFirst),
        ]
    }

    proptest! {
        /// Any sequence of operations, in or out of order, leaves the same
        /// entries as a `BTreeMap`, and every query answers the same.
        #[test]
        fn behaves_as_a_btree_map(
            ops in proptest::collection::vec(op(), 0..200),
            probes in proptest::collection::vec(any::<u8>(), 0..20),
            lo in any::<u8>(),
            hi in any::<u8>(),
        ) {
            let mut ours = AscendingMap::default();
            let mut model = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => prop_assert_eq!(ours.insert(k, v), model.insert(k, v)),
                    Op::Remove(k) => prop_assert_eq!(ours.remove(&k), model.remove(&k)),
                    Op::PopFirst => prop_assert_eq!(ours.pop_first(), model.pop_first()),
                }
                prop_assert_eq!(ours.len(), model.len());
            }
            prop_assert!(ours.iter().eq(model.iter()));
            prop_assert_eq!(ours.first(), model.first_key_value());
            prop_assert_eq!(ours.is_empty(), model.is_empty());
            for k in probes {
                prop_assert_eq!(ours.get(&k), model.get(&k));
                prop_assert_eq!(ours.contains_key(&k), model.contains_key(&k));
                prop_assert_eq!(ours.get_mut(&k).copied(), model.get_mut(&k).copied());
            }
            if lo <= hi {
                prop_assert!(ours.range(lo..hi).eq(model.range(lo..hi)));
                prop_assert!(ours.range(lo..hi).rev().eq(model.range(lo..hi).rev()));
            }
        }

        /// Serialized, it is the `BTreeMap` of its entries, and reads back.
        #[test]
        fn serializes_as_a_btree_map(entries in proptest::collection::vec((any::<u16>(), any::<u8>()), 0..50)) {
            let ours: AscendingMap<u16, u8> = entries.iter().copied().collect();
            let model: BTreeMap<u16, u8> = entries.into_iter().collect();
            let json = serde_json::to_string(&ours).expect("serializes");
            prop_assert_eq!(&json, &serde_json::to_string(&model).expect("serializes"));
            let back: AscendingMap<u16, u8> = serde_json::from_str(&json).expect("reads");
            prop_assert_eq!(back, ours);
        }
    }

    /// An operation on both sets.
    #[derive(Clone, Debug)]
    enum SetOp {
        Insert(u8),
        Remove(u8),
        PopFirst,
        RetainAbove(u8),
    }

    fn set_op() -> impl Strategy<Value = SetOp> {
        prop_oneof![
            any::<u8>().prop_map(SetOp::Insert),
            any::<u8>().prop_map(SetOp::Remove),
            Just(SetOp::PopFirst),
            any::<u8>().prop_map(SetOp::RetainAbove),
        ]
    }

    proptest! {
        /// The set answers as a `BTreeSet` after any operations, and
        /// serializes as one.
        #[test]
        fn set_behaves_as_a_btree_set(
            ops in proptest::collection::vec(set_op(), 0..200),
            probes in proptest::collection::vec(any::<u8>(), 0..20),
        ) {
            let mut ours = AscendingSet::default();
            let mut model = BTreeSet::new();
            for op in ops {
                match op {
                    SetOp::Insert(k) => prop_assert_eq!(ours.insert(k), model.insert(k)),
                    SetOp::Remove(k) => prop_assert_eq!(ours.remove(&k), model.remove(&k)),
                    SetOp::PopFirst => prop_assert_eq!(ours.pop_first(), model.pop_first()),
                    SetOp::RetainAbove(m) => {
                        ours.retain(|k| *k > m);
                        model.retain(|k| *k > m);
                    }
                }
                prop_assert_eq!(ours.len(), model.len());
                prop_assert_eq!(ours.first(), model.first());
            }
            prop_assert!(ours.iter().eq(model.iter()));
            for k in probes {
                prop_assert_eq!(ours.contains(&k), model.contains(&k));
            }
            let json = serde_json::to_string(&ours).expect("serializes");
            prop_assert_eq!(&json, &serde_json::to_string(&model).expect("serializes"));
            let back: AscendingSet<u8> = serde_json::from_str(&json).expect("reads");
            prop_assert_eq!(back, ours);
        }
    }

    #[test]
    fn an_inverted_range_is_empty() {
        let map: AscendingMap<u8, ()> = [(1, ()), (5, ()), (9, ())].into_iter().collect();
        assert_eq!(map.range(Range { start: 6, end: 2 }).count(), 0);
        assert_eq!(map.range(1..9).map(|(k, _)| *k).collect::<Vec<_>>(), [1, 5]);
    }
}
