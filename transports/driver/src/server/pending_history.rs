//! The history index entries of the messages stored since the last
//! checkpoint, kept in memory and written to the store's history table with
//! the next checkpoint, in one sorted pass. A commit then writes a message's
//! row and the log, not a leaf of every conversation it touched: the
//! history table's scattered page writes were a third of each commit's cost.
//!
//! Bounded by the records between checkpoints (`--checkpoint-every`). A
//! restart rebuilds it from the log after the checkpoint. Message ids only
//! grow, so every entry here is newer than every entry of the table: a
//! history read is the table's range followed by this one's.

use std::collections::{BTreeMap, BTreeSet};

/// History entries not yet in the table, by history key.
#[derive(Debug, Default)]
pub(crate) struct PendingHistory {
    by_key: BTreeMap<String, BTreeSet<u64>>,
}

impl PendingHistory {
    /// Adds message `mid` to the history `key`.
    pub(crate) fn insert(&mut self, key: String, mid: u64) {
        self.by_key.entry(key).or_default().insert(mid);
    }

    /// The message ids of `key` with `from <= mid < to`, oldest first.
    pub(crate) fn range(
        &self,
        key: &str,
        from: u64,
        to: u64,
    ) -> impl DoubleEndedIterator<Item = u64> + '_ {
        self.by_key
            .get(key)
            .filter(|_| from < to)
            .into_iter()
            .flat_map(move |mids| mids.range(from..to).copied())
    }

    /// Every entry, by key, oldest first.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&str, u64)> {
        self.by_key
            .iter()
            .flat_map(|(key, mids)| mids.iter().map(move |&mid| (key.as_str(), mid)))
    }

    /// Forgets every entry (once the table holds them).
    pub(crate) fn clear(&mut self) {
        self.by_key.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_by_key_and_half_open() {
        let mut p = PendingHistory::default();
        for (key, mid) in [("u/a/b", 3), ("g/1", 4), ("u/a/b", 5), ("u/a/b", 9)] {
            p.insert(key.into(), mid);
        }
        assert_eq!(p.range("u/a/b", 3, 9).collect::<Vec<_>>(), vec![3, 5]);
        assert_eq!(
            p.range("u/a/b", 0, 100).rev().collect::<Vec<_>>(),
            vec![9, 5, 3]
        );
        assert_eq!(p.range("u/a/b", 9, 3).count(), 0);
        assert_eq!(p.range("g/2", 0, 100).count(), 0);
        assert_eq!(p.entries().count(), 4);
        p.clear();
        assert_eq!(p.entries().count(), 0);
    }
}
