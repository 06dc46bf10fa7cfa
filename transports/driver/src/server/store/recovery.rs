//! Reading a store at start: the checkpoint, then the records after it
//! (those a store written before the write-ahead log kept in the database's
//! `records` table, then the log's), each stored message's from its row,
//! with what the log holds for the database.

use super::unindexed::{HistoryEntries, Unindexed};
use super::{
    CHECKPOINT, LOG_SEGMENT, LOG_START, MESSAGES, META, RECORDS, STORED_REF, StoreError, StoredRef,
    opening,
};
use crate::server::segments::{OpenError, Segments};
use crate::server::wal::WalError;
use natter_core::server::{Checkpoint, Record, StoredMessage};
use redb::{Database, ReadableDatabase, ReadableTable};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// What opening reads: the checkpoint, the records after it, what the log
/// holds for the database, and the next record's number.
pub(super) struct Recovered {
    pub(super) checkpoint: Option<Checkpoint>,
    pub(super) records: Vec<Record>,
    pub(super) unindexed: Unindexed,
    pub(super) next_record: u64,
}

/// Reads what a restart needs: the checkpoint, then the records after it
/// (those a store written before the log kept in its table, then the
/// log's) with the log's rows and history entries, and the open log.
pub(super) fn read_log(
    db: &Database,
    path: &Path,
    dir: &Path,
) -> Result<(Recovered, Segments), StoreError> {
    let db_err = opening(path);
    let txn = db.begin_read().map_err(|e| db_err(e.into()))?;
    let meta = txn.open_table(META).map_err(|e| db_err(e.into()))?;
    let checkpoint = meta
        .get(CHECKPOINT)
        .map_err(|e| db_err(e.into()))?
        .map(|v| Checkpoint::from_bytes(v.value().to_vec()));
    let mut next = match meta.get(LOG_START).map_err(|e| db_err(e.into()))? {
        Some(v) => {
            let bytes = <[u8; 8]>::try_from(v.value()).map_err(|_| StoreError::DamagedRecord {
                path: path.to_owned(),
                key: 0,
                why: "the log's start is not a u64".into(),
            })?;
            u64::from_le_bytes(bytes)
        }
        None => 0,
    };
    let segment = match meta.get(LOG_SEGMENT).map_err(|e| db_err(e.into()))? {
        Some(v) => match v.value() {
            [0] => 0,
            [1] => 1,
            _ => {
                return Err(StoreError::DamagedRecord {
                    path: path.to_owned(),
                    key: 0,
                    why: "the log's segment is not 0 or 1".into(),
                });
            }
        },
        None => 0,
    };
    let mut replay = Replay {
        db_path: path,
        rows: txn.open_table(MESSAGES).map_err(|e| db_err(e.into()))?,
        logged: BTreeMap::new(),
        records: Vec::new(),
        history: HistoryEntries::default(),
    };
    let table = txn.open_table(RECORDS).map_err(|e| db_err(e.into()))?;
    for entry in table.iter().map_err(|e| db_err(e.into()))? {
        let (key, value) = entry.map_err(|e| db_err(e.into()))?;
        let count = replay.records(path, key.value(), value.value())?;
        next = key.value().saturating_add(count);
    }
    let (segments, chain) =
        Segments::open(dir, segment, next).map_err(|OpenError { path, error }| match error {
            WalError::Io(source) => StoreError::Log { path, source },
            damage @ WalError::Damaged { first, .. } => damaged(&path, first, damage.to_string()),
        })?;
    let entries = || {
        chain
            .iter()
            .flat_map(|s| s.entries.iter().map(move |e| (s.path.as_path(), e)))
    };
    for (file, entry) in entries() {
        replay.rows(file, entry.first, &entry.rows)?;
    }
    for (file, entry) in entries() {
        replay.records(file, entry.first, &entry.records)?;
        next = entry.first.saturating_add(u64::from(entry.count));
    }
    let mut unindexed = Unindexed {
        history: replay.history,
        ..Unindexed::default()
    };
    for (mid, (_, bytes)) in replay.logged {
        let Ok(()) = unindexed.push_row(mid, |lines| {
            lines.extend_from_slice(&bytes);
            Ok::<_, std::convert::Infallible>(())
        });
    }
    let log = Recovered {
        checkpoint,
        records: replay.records,
        unindexed,
        next_record: next,
    };
    Ok((log, segments))
}

/// Turns log entries back into records.
struct Replay<'p> {
    /// The database file, which its read errors name.
    db_path: &'p Path,
    /// The database's message rows.
    rows: redb::ReadOnlyTable<u64, &'static [u8]>,
    /// The log's rows, the newest of each message, decoded and as written.
    logged: BTreeMap<u64, (StoredMessage, Vec<u8>)>,
    records: Vec<Record>,
    /// The history entries of the messages the records store.
    history: HistoryEntries,
}

impl Replay<'_> {
    /// Takes the rows of the entry with key `key` in `file`.
    fn rows(&mut self, file: &Path, key: u64, lines: &[u8]) -> Result<(), StoreError> {
        for line in lines.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let row: StoredMessage =
                serde_json::from_slice(line).map_err(|e| damaged(file, key, e.to_string()))?;
            self.logged.insert(row.mid().0, (row, line.to_vec()));
        }
        Ok(())
    }

    /// Replays the records of the entry with key `key` in `file` (a stored
    /// message's from its row: the log's, else the database's), noting its
    /// history entry; returns how many there were.
    fn records(&mut self, file: &Path, key: u64, lines: &[u8]) -> Result<u64, StoreError> {
        let db_err = opening(self.db_path);
        let mut count = 0u64;
        for line in lines.split(|&b| b == b'\n') {
            let record = if line.starts_with(STORED_REF) {
                let r: StoredRef =
                    serde_json::from_slice(line).map_err(|e| damaged(file, key, e.to_string()))?;
                let row = match self.logged.get(&r.stored.0) {
                    Some((row, _)) => row.clone(),
                    None => {
                        let stored = self.rows.get(r.stored.0).map_err(|e| db_err(e.into()))?;
                        let stored = stored.ok_or_else(|| {
                            damaged(file, key, format!("no row of message {}", r.stored))
                        })?;
                        serde_json::from_slice(stored.value())
                            .map_err(|e| damaged(file, key, e.to_string()))?
                    }
                };
                self.history.push(&row, r.stored.0);
                Record::Stored {
                    msg: Arc::clone(row.message()),
                }
            } else {
                serde_json::from_slice(line).map_err(|e| damaged(file, key, e.to_string()))?
            };
            self.records.push(record);
            count += 1;
        }
        Ok(count)
    }
}

/// A record or row of the entry with key `key` in `file` that does not
/// decode.
fn damaged(file: &Path, key: u64, why: String) -> StoreError {
    StoreError::DamagedRecord {
        path: file.to_owned(),
        key,
        why,
    }
}
