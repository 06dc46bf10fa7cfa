//! The log half of a store: the write-ahead log's segments and the
//! numbering of records. It writes each group commit as one entry and
//! returns what the entry leaves for the database; it can run on a thread
//! of its own, beside the database's.

use super::unindexed::Unindexed;
use super::{StoreError, StoredRef};
use crate::server::segments::{Segment, Segments};
use natter_core::MessageId;
use natter_core::server::{Batch, Record};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The open log of a store.
#[derive(Debug)]
pub(crate) struct StoreLog {
    pub(super) segments: Segments,
    /// The number of the next record.
    pub(super) next_record: u64,
    /// Records written since the checkpoint.
    pub(super) since_checkpoint: u64,
    /// The database file, which encoding errors name.
    pub(super) db_path: PathBuf,
}

impl StoreLog {
    fn encode_failed(&self, e: &serde_json::Error) -> StoreError {
        StoreError::Encode {
            path: self.db_path.clone(),
            why: e.to_string(),
        }
    }

    /// The records of `batches` as one log entry: JSON lines (a compact
    /// JSON value holds no raw newline), a stored message's as a
    /// reference to its row; with their count and the messages they store.
    fn entry(&self, batches: &[Batch]) -> Result<(Vec<u8>, u64, BTreeSet<MessageId>), StoreError> {
        let mut entry = Vec::new();
        let mut count = 0u64;
        let mut stored = BTreeSet::new();
        for record in batches.iter().flat_map(Batch::records) {
            if count > 0 {
                entry.push(b'\n');
            }
            match record {
                // Its message is the row written beside it.
                Record::Stored { msg } => {
                    stored.insert(msg.mid);
                    serde_json::to_writer(&mut entry, &StoredRef { stored: msg.mid })
                }
                other => serde_json::to_writer(&mut entry, other),
            }
            .map_err(|e| self.encode_failed(&e))?;
            count += 1;
        }
        Ok((entry, count, stored))
    }

    /// Writes batches as one log entry and returns once it is on disk (so
    /// their frames may leave), with what it leaves for the database: loads
    /// find their rows once that is indexed.
    pub(crate) fn write(&mut self, batches: &[Batch]) -> Result<Unindexed, StoreError> {
        let (entry, count, stored) = self.entry(batches)?;
        let mut unindexed = Unindexed::default();
        for row in batches.iter().flat_map(Batch::messages) {
            unindexed
                .push_row(row.mid().0, |lines| row.write_json(lines))
                .map_err(|e| self.encode_failed(&e))?;
            // The rows of the messages these batches stored (not the
            // changed rows of older ones) join the history index.
            if stored.contains(&row.mid()) {
                unindexed.history.push(row, row.mid().0);
            }
        }
        if count > 0 || !unindexed.lines.is_empty() {
            let count = u32::try_from(count).map_err(|_| StoreError::Encode {
                path: self.segments.path(),
                why: format!("{count} records in one commit"),
            })?;
            self.segments
                .append(self.next_record, count, &entry, &unindexed.lines)
                .map_err(|source| StoreError::Log {
                    path: self.segments.path(),
                    source,
                })?;
        }
        self.next_record += count;
        self.since_checkpoint += count;
        Ok(unindexed)
    }

    /// Where the chain of a checkpoint after every record written so far
    /// starts: the next record, at the start of the segment the next switch
    /// goes to.
    pub(crate) fn next_chain(&self) -> (u64, Segment) {
        (self.next_record, self.segments.next())
    }

    /// Goes on in the other segment, from its start: the chain of a
    /// checkpoint after every record written so far
    /// ([`StoreLog::next_chain`]). The caller makes sure no committed
    /// checkpoint's chain reads that segment
    /// ([`StoreLog::other_needed`]).
    pub(crate) fn switch(&mut self) -> Result<(), StoreError> {
        self.segments.switch().map_err(|source| StoreError::Log {
            path: self.segments.path(),
            source,
        })?;
        self.since_checkpoint = 0;
        Ok(())
    }

    /// Whether the segment a switch would go to still holds entries of the
    /// committed checkpoint's chain.
    pub(crate) fn other_needed(&self) -> bool {
        self.segments.other_needed()
    }

    /// A checkpoint naming the current segment was committed.
    pub(crate) fn committed(&mut self) {
        self.segments.committed();
    }
}
