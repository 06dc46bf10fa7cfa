//! What log entries leave for the database: message rows and history
//! index entries, in buffers that hold many entries' worth (no allocation
//! per message), upserted in one commit that is not synced.

use super::{HISTORY, MESSAGES};
use natter_core::server::StoredMessage;
use redb::{Database, Durability};

/// What a commit's log entry leaves for the database (indexed by
/// [`StoreDatabase::index`](super::StoreDatabase::index)):
/// message rows as JSON lines (each row's message id and span), and the
/// history entries of the messages it stored.
#[derive(Debug, Default)]
pub(crate) struct Unindexed {
    pub(super) lines: Vec<u8>,
    pub(super) spans: Vec<(u64, std::ops::Range<usize>)>,
    pub(super) history: HistoryEntries,
}

/// History index entries, their keys in one buffer (no allocation per
/// message).
#[derive(Debug, Default)]
pub(super) struct HistoryEntries {
    keys: String,
    entries: Vec<(std::ops::Range<usize>, u64)>,
}

impl HistoryEntries {
    /// Adds the entry of a row, under message id `mid`.
    pub(super) fn push(&mut self, row: &StoredMessage, mid: u64) {
        let start = self.keys.len();
        row.write_history_key(&mut self.keys);
        self.entries.push((start..self.keys.len(), mid));
    }

    /// Whether there is no entry.
    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry: its key and message id.
    fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.entries
            .iter()
            .map(|(span, mid)| (self.keys.get(span.clone()).unwrap_or_default(), *mid))
    }

    /// Adds `other`'s entries after its own.
    fn append(&mut self, other: &HistoryEntries) {
        let offset = self.keys.len();
        self.keys.push_str(&other.keys);
        let shifted = |(span, mid): &(std::ops::Range<usize>, u64)| {
            (span.start + offset..span.end + offset, *mid)
        };
        self.entries.extend(other.entries.iter().map(shifted));
    }
}

impl Unindexed {
    /// Adds `other`'s rows and history entries after its own: upserted in
    /// order, a message's newer row replaces its older one.
    pub(crate) fn append(&mut self, other: &Unindexed) {
        if !self.lines.is_empty() && !other.lines.is_empty() {
            self.lines.push(b'\n');
        }
        let offset = self.lines.len();
        self.lines.extend_from_slice(&other.lines);
        let shifted = |(mid, span): &(u64, std::ops::Range<usize>)| {
            (*mid, span.start + offset..span.end + offset)
        };
        self.spans.extend(other.spans.iter().map(shifted));
        self.history.append(&other.history);
    }

    /// The bytes of its rows.
    pub(crate) fn row_bytes(&self) -> usize {
        self.lines.len()
    }

    /// Whether it holds no row and no history entry.
    pub(crate) fn is_empty(&self) -> bool {
        self.spans.is_empty() && self.history.is_empty()
    }

    /// Appends a row, written by `write`.
    pub(super) fn push_row<E>(
        &mut self,
        mid: u64,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        if !self.lines.is_empty() {
            self.lines.push(b'\n');
        }
        let start = self.lines.len();
        write(&mut self.lines)?;
        self.spans.push((mid, start..self.lines.len()));
        Ok(())
    }

    /// Upserts the rows and history entries in one commit that is not
    /// synced: the log holds them until the next checkpoint makes the
    /// database durable.
    pub(super) fn upsert(&self, db: &Database) -> Result<(), redb::Error> {
        if self.is_empty() {
            return Ok(());
        }
        let mut txn = db.begin_write()?;
        txn.set_durability(Durability::None)?;
        {
            let mut messages = txn.open_table(MESSAGES)?;
            for (mid, span) in &self.spans {
                messages.insert(*mid, &self.lines[span.clone()])?;
            }
            let mut history = txn.open_table(HISTORY)?;
            for entry in self.history.iter() {
                history.insert(entry, ())?;
            }
        }
        txn.commit()?;
        Ok(())
    }
}
