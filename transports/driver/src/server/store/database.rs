//! The database half of a store: the redb file with the checkpoint, the
//! message rows and the history index. It indexes what log entries leave,
//! serves loads and commits checkpoints; it can run on a thread of its own,
//! beside the log's.

use super::unindexed::Unindexed;
use super::{CHECKPOINT, HISTORY, LOG_SEGMENT, LOG_START, MESSAGES, META, RECORDS, StoreError};
use crate::server::segments::Segment;
use natter_core::server::{Checkpoint, Query, StoredMessage};
use redb::{Database, ReadableDatabase, ReadableTableMetadata};
use std::fs::File;
use std::path::PathBuf;

/// Bytes of rows indexed between two syncs of the database file
/// ([`StoreDatabase::index`]).
pub(crate) const WRITEBACK_BYTES: usize = 4 * 1024 * 1024;

/// The open database of a store.
pub(crate) struct StoreDatabase {
    pub(super) db: Database,
    pub(super) path: PathBuf,
    /// The database file, to sync it as indexing goes.
    pub(super) file: File,
    /// Bytes of rows indexed since the file was last synced.
    pub(super) unsynced: usize,
}

impl std::fmt::Debug for StoreDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreDatabase")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl StoreDatabase {
    fn fail(&self, e: impl Into<redb::Error>) -> StoreError {
        StoreError::Database {
            path: self.path.clone(),
            source: Box::new(e.into()),
        }
    }

    /// Puts what log entries left into the database, in one commit that the
    /// next checkpoint makes durable (the log holds them until then).
    ///
    /// Every [`WRITEBACK_BYTES`] of rows the file is synced, so that its
    /// pages reach the disk as indexing goes and a checkpoint's synced
    /// commit has little left to write: the log's syncs then do not queue
    /// behind one large write. Syncing them early changes nothing a crash
    /// leaves: redb writes its file header, which names the last durable
    /// commit, only in a durable commit, and an unsynced commit never
    /// overwrites that commit's pages.
    pub(crate) fn index(&mut self, unindexed: &Unindexed) -> Result<(), StoreError> {
        unindexed.upsert(&self.db).map_err(|e| self.fail(e))?;
        self.unsynced += unindexed.row_bytes();
        if self.unsynced >= WRITEBACK_BYTES {
            self.file
                .sync_data()
                .map_err(|e| self.fail(redb::Error::Io(e)))?;
            self.unsynced = 0;
        }
        Ok(())
    }

    /// Stores a checkpoint, with the log's chain after it (starting at
    /// record `log_start` in `segment`), and makes the database durable, in
    /// one synced transaction.
    pub(crate) fn checkpoint(
        &self,
        checkpoint: &Checkpoint,
        log_start: u64,
        segment: Segment,
    ) -> Result<(), StoreError> {
        // Encoded here, on the database's thread, if not before.
        let bytes = checkpoint.as_bytes();
        if bytes.is_empty() {
            return Err(StoreError::Encode {
                path: self.path.clone(),
                why: "the checkpoint did not encode".into(),
            });
        }
        let txn = self.db.begin_write().map_err(|e| self.fail(e))?;
        {
            let mut meta = txn.open_table(META).map_err(|e| self.fail(e))?;
            meta.insert(CHECKPOINT, bytes).map_err(|e| self.fail(e))?;
            meta.insert(LOG_START, log_start.to_le_bytes().as_slice())
                .map_err(|e| self.fail(e))?;
            let segment = u8::try_from(segment).unwrap_or_default();
            meta.insert(LOG_SEGMENT, [segment].as_slice())
                .map_err(|e| self.fail(e))?;
            let mut records = txn.open_table(RECORDS).map_err(|e| self.fail(e))?;
            records.retain(|_, _| false).map_err(|e| self.fail(e))?;
        }
        txn.commit().map_err(|e| self.fail(e))
    }

    /// The rows `query` selects, in its order. A row that does not decode
    /// is corruption and fails the read.
    pub(crate) fn load(&self, query: &Query) -> Result<Vec<StoredMessage>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.fail(e))?;
        let messages = txn.open_table(MESSAGES).map_err(|e| self.fail(e))?;
        let mids: Vec<u64> = match query {
            Query::Messages(mids) => mids.iter().map(|m| m.0).collect(),
            Query::History {
                key,
                from,
                to,
                newest_first,
                limit,
            } => {
                let history = txn.open_table(HISTORY).map_err(|e| self.fail(e))?;
                let range = history
                    .range((key.as_str(), from.0)..(key.as_str(), to.0))
                    .map_err(|e| self.fail(e))?;
                let mids = range.map(|entry| entry.map(|(k, _)| k.value().1));
                if *newest_first {
                    mids.rev().take(*limit).collect::<Result<_, _>>()
                } else {
                    mids.take(*limit).collect()
                }
                .map_err(|e| self.fail(e))?
            }
        };
        let mut rows = Vec::with_capacity(mids.len());
        for mid in mids {
            let Some(value) = messages.get(mid).map_err(|e| self.fail(e))? else {
                continue;
            };
            let row = serde_json::from_slice(value.value()).map_err(|e| StoreError::Encode {
                path: self.path.clone(),
                why: format!("message {mid} does not decode: {e}"),
            })?;
            rows.push(row);
        }
        Ok(rows)
    }

    /// The number of stored messages.
    pub(super) fn messages(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.fail(e))?;
        let messages = txn.open_table(MESSAGES).map_err(|e| self.fail(e))?;
        messages.len().map_err(|e| self.fail(e))
    }
}
