//! The durable store of a data directory: one [redb] database file
//! (`natter.redb`) holding the record log since the last checkpoint, the
//! newest checkpoint, and every stored message with its history index
//! (PROTOCOL.md §16.1).
//!
//! Every write is one redb transaction, committed with an fsync: a crash
//! leaves the file at its last commit (redb checks its pages' checksums
//! and rolls a torn commit back), so there is no torn record to cut. A
//! record or checkpoint that no longer decodes is corruption: opening
//! refuses, naming the file and the record's key, and changes nothing.
//!
//! A restart reads the checkpoint and the records after it: its time and
//! memory depend on the users and groups and on the resident window, not on
//! how many messages were ever stored.
//!
//! The log holds one entry per transaction: its records as JSON lines, keyed
//! by the number of its first record (records are numbered from the store's
//! creation on). One insert per transaction, not per record: the log costs
//! a commit almost nothing beyond the bytes.
//!
//! Each message is written once: the log keeps a stored message's record as
//! `{"stored":"MID"}`, and reading the log takes the message from its row,
//! which the same transaction wrote. The history index of the messages
//! stored since the checkpoint is kept in memory and written with the next
//! checkpoint ([`PendingHistory`]).

use super::pending_history::PendingHistory;
use natter_core::MessageId;
use natter_core::server::{
    Batch, Checkpoint, Query, Record, RestoreError, Server, ServerConfig, StoredMessage,
};
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The database file in a data directory.
pub const STORE_FILE: &str = "natter.redb";

/// The record log of an earlier natter, which this one does not read.
const OLD_LOG: &str = "records.jsonl";

/// Stored messages kept in memory by a server with a store, unless its
/// configuration says otherwise.
pub const RESIDENT_MESSAGES: usize = 20_000;

/// Records between checkpoints for a server with a store, unless its
/// configuration says otherwise.
pub const CHECKPOINT_EVERY: u64 = 100_000;

/// The store's page cache, unless set otherwise: it counts in the server's
/// resident memory.
pub const CACHE_BYTES: usize = 32 * 1024 * 1024;

/// A stored message's record as the log keeps it: the message is its row.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredRef {
    stored: MessageId,
}

/// How a [`StoredRef`] starts, as `serde_json` writes it.
const STORED_REF: &[u8] = br#"{"stored":"#;

/// Records since the checkpoint, one entry per transaction (JSON lines),
/// keyed by the number of its first record.
const RECORDS: TableDefinition<u64, &[u8]> = TableDefinition::new("records");
/// Message rows (JSON), by message id.
const MESSAGES: TableDefinition<u64, &[u8]> = TableDefinition::new("messages");
/// The history index: (history key, message id), up to the checkpoint (the
/// entries after it are [`PendingHistory`]).
const HISTORY: TableDefinition<(&str, u64), ()> = TableDefinition::new("history");
/// The newest checkpoint, under [`CHECKPOINT`].
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const CHECKPOINT: &str = "checkpoint";

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database refused an operation (IO error, corruption it found).
    #[error("{path}: {source}")]
    Database {
        /// The database file.
        path: PathBuf,
        /// What redb said.
        source: Box<redb::Error>,
    },
    /// The database could not be opened or read at start (IO error, or
    /// corruption its checksums found).
    #[error("{path}: {source}; refusing to start")]
    Open {
        /// The database file.
        path: PathBuf,
        /// What redb said.
        source: Box<redb::Error>,
    },
    /// A record does not decode: corruption, not a torn write.
    #[error(
        "{path}: a record of the log entry with key {key} is damaged ({why}); refusing to start"
    )]
    DamagedRecord {
        /// The database file.
        path: PathBuf,
        /// The key of its entry in the log (the number of the entry's
        /// first record).
        key: u64,
        /// The decoder's complaint.
        why: String,
    },
    /// The checkpoint does not restore.
    #[error("{path}: {source}; refusing to start")]
    Checkpoint {
        /// The database file.
        path: PathBuf,
        /// Why.
        source: RestoreError,
    },
    /// The directory holds a record log of an earlier natter.
    #[error(
        "{0}: a record log of an earlier natter (records.jsonl); this one keeps its data in natter.redb and does not read it; move it away to start afresh"
    )]
    OldLog(PathBuf),
    /// A value could not be encoded.
    #[error("{path}: cannot encode a value: {why}")]
    Encode {
        /// The database file.
        path: PathBuf,
        /// Why.
        why: String,
    },
}

/// An open store.
pub struct Store {
    db: Database,
    path: PathBuf,
    next_record: u64,
    pending: PendingHistory,
}

/// What opening reads of the log: the checkpoint, the records after it, the
/// next record's number, and the history entries not yet in the table.
struct Log {
    checkpoint: Option<Checkpoint>,
    records: Vec<Record>,
    next_record: u64,
    pending: PendingHistory,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("next_record", &self.next_record)
            .finish_non_exhaustive()
    }
}

/// `config` as a server with a store runs it: a resident window and
/// checkpoints, [`RESIDENT_MESSAGES`] and [`CHECKPOINT_EVERY`] unless set.
pub fn with_store(config: ServerConfig) -> ServerConfig {
    let resident = config.resident_messages().unwrap_or(RESIDENT_MESSAGES);
    let every = config.checkpoint_every().unwrap_or(CHECKPOINT_EVERY);
    config
        .with_resident_messages(Some(resident))
        .with_checkpoint_every(Some(every))
}

impl Store {
    /// Opens (or creates) the store in `dir` with a page cache of
    /// `cache_bytes`, and restores the server it holds, configured by
    /// [`with_store`]`(config)`.
    pub fn open(
        dir: &Path,
        config: ServerConfig,
        cache_bytes: usize,
    ) -> Result<(Store, Server), StoreError> {
        let path = dir.join(STORE_FILE);
        let db_err = |e: redb::Error| StoreError::Open {
            path: path.clone(),
            source: Box::new(e),
        };
        let old = dir.join(OLD_LOG);
        if old.exists() {
            return Err(StoreError::OldLog(old));
        }
        std::fs::create_dir_all(dir).map_err(|e| db_err(e.into()))?;
        let fresh = !path.exists();
        let db = Database::builder()
            .set_cache_size(cache_bytes)
            .create(&path)
            .map_err(|e| db_err(e.into()))?;
        // A new store gets its tables; an existing one is read before
        // anything is written to it (a damaged one is refused unchanged).
        if fresh {
            let txn = db.begin_write().map_err(|e| db_err(e.into()))?;
            for table in [RECORDS, MESSAGES] {
                txn.open_table(table).map_err(|e| db_err(e.into()))?;
            }
            txn.open_table(HISTORY).map_err(|e| db_err(e.into()))?;
            txn.open_table(META).map_err(|e| db_err(e.into()))?;
            txn.commit().map_err(|e| db_err(e.into()))?;
        }
        let Log {
            checkpoint,
            records,
            next_record,
            pending,
        } = Self::read_log(&db, &path)?;
        tracing::info!(
            records = records.len(),
            checkpoint = checkpoint.as_ref().map_or(0, |c| c.as_bytes().len()),
            path = %path.display(),
            "recovering"
        );
        let server =
            Server::restore_from(Arc::new(with_store(config)), checkpoint.as_ref(), records)
                .map_err(|source| StoreError::Checkpoint {
                    path: path.clone(),
                    source,
                })?;
        Ok((
            Store {
                db,
                path,
                next_record,
                pending,
            },
            server,
        ))
    }

    /// Reads the log: the checkpoint, the records after it (a stored
    /// message's from its row) and the history entries of those messages
    /// that the table does not hold yet.
    fn read_log(db: &Database, path: &Path) -> Result<Log, StoreError> {
        let db_err = |e: redb::Error| StoreError::Open {
            path: path.to_owned(),
            source: Box::new(e),
        };
        let txn = db.begin_read().map_err(|e| db_err(e.into()))?;
        let meta = txn.open_table(META).map_err(|e| db_err(e.into()))?;
        let checkpoint = meta
            .get(CHECKPOINT)
            .map_err(|e| db_err(e.into()))?
            .map(|v| Checkpoint::from_bytes(v.value().to_vec()));
        let table = txn.open_table(RECORDS).map_err(|e| db_err(e.into()))?;
        let rows = txn.open_table(MESSAGES).map_err(|e| db_err(e.into()))?;
        let history = txn.open_table(HISTORY).map_err(|e| db_err(e.into()))?;
        let mut pending = PendingHistory::default();
        let mut records = Vec::new();
        let mut next = 0;
        for entry in table.iter().map_err(|e| db_err(e.into()))? {
            let (key, value) = entry.map_err(|e| db_err(e.into()))?;
            let key = key.value();
            let damaged = |why: String| StoreError::DamagedRecord {
                path: path.to_owned(),
                key,
                why,
            };
            let mut count = 0u64;
            for line in value.value().split(|&b| b == b'\n') {
                let record = if line.starts_with(STORED_REF) {
                    let r: StoredRef =
                        serde_json::from_slice(line).map_err(|e| damaged(e.to_string()))?;
                    let row = rows
                        .get(r.stored.0)
                        .map_err(|e| db_err(e.into()))?
                        .ok_or_else(|| damaged(format!("no row of message {}", r.stored)))?;
                    let row: StoredMessage =
                        serde_json::from_slice(row.value()).map_err(|e| damaged(e.to_string()))?;
                    let key = row.history_key();
                    let indexed = history
                        .get((key.as_str(), r.stored.0))
                        .map_err(|e| db_err(e.into()))?
                        .is_some();
                    if !indexed {
                        pending.insert(key, r.stored.0);
                    }
                    Record::Stored {
                        msg: Arc::clone(row.message()),
                    }
                } else {
                    serde_json::from_slice(line).map_err(|e| damaged(e.to_string()))?
                };
                records.push(record);
                count += 1;
            }
            next = key.saturating_add(count);
        }
        Ok(Log {
            checkpoint,
            records,
            next_record: next,
            pending,
        })
    }

    fn fail(&self, e: impl Into<redb::Error>) -> StoreError {
        StoreError::Database {
            path: self.path.clone(),
            source: Box::new(e.into()),
        }
    }

    fn encode(&self, value: &impl serde::Serialize) -> Result<Vec<u8>, StoreError> {
        serde_json::to_vec(value).map_err(|e| self.encode_failed(&e))
    }

    fn encode_failed(&self, e: &serde_json::Error) -> StoreError {
        StoreError::Encode {
            path: self.path.clone(),
            why: e.to_string(),
        }
    }

    /// The records of `batches` as one log entry: JSON lines (a compact
    /// JSON value holds no raw newline), a stored message's as a
    /// reference to its row.
    fn log_entry(&self, batches: &[Batch]) -> Result<(Vec<u8>, u64), StoreError> {
        let mut entry = Vec::new();
        let mut count = 0u64;
        for record in batches.iter().flat_map(Batch::records) {
            if count > 0 {
                entry.push(b'\n');
            }
            match record {
                // Its message is the row written beside it.
                Record::Stored { msg } => {
                    serde_json::to_writer(&mut entry, &StoredRef { stored: msg.mid })
                }
                other => serde_json::to_writer(&mut entry, other),
            }
            .map_err(|e| self.encode_failed(&e))?;
            count += 1;
        }
        Ok((entry, count))
    }

    /// Writes batches in one transaction and waits until it is on disk:
    /// their records as one log entry, their message rows upserted; the
    /// messages they stored join the pending history index.
    pub fn write(&mut self, batches: &[Batch]) -> Result<(), StoreError> {
        let (entry, count) = self.log_entry(batches)?;
        // A transaction's durability is `Immediate` unless set otherwise:
        // its commit returns once it is on disk.
        let txn = self.db.begin_write().map_err(|e| self.fail(e))?;
        {
            if count > 0 {
                let mut records = txn.open_table(RECORDS).map_err(|e| self.fail(e))?;
                records
                    .insert(self.next_record, entry.as_slice())
                    .map_err(|e| self.fail(e))?;
            }
            let mut messages = txn.open_table(MESSAGES).map_err(|e| self.fail(e))?;
            for row in batches.iter().flat_map(Batch::messages) {
                let bytes = self.encode(row)?;
                messages
                    .insert(row.mid().0, bytes.as_slice())
                    .map_err(|e| self.fail(e))?;
            }
        }
        txn.commit().map_err(|e| self.fail(e))?;
        self.next_record += count;
        // The rows of the messages these batches stored (not the changed
        // rows of older ones) join the pending index.
        let stored: std::collections::BTreeSet<MessageId> = batches
            .iter()
            .flat_map(Batch::records)
            .filter_map(|r| match r {
                Record::Stored { msg } => Some(msg.mid),
                _ => None,
            })
            .collect();
        for row in batches.iter().flat_map(Batch::messages) {
            if stored.contains(&row.mid()) {
                self.pending.insert(row.history_key(), row.mid().0);
            }
        }
        Ok(())
    }

    /// Stores a checkpoint, writes the pending history index to its table
    /// and drops every record written before it, in one transaction.
    pub fn checkpoint(&mut self, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(|e| self.fail(e))?;
        {
            let mut history = txn.open_table(HISTORY).map_err(|e| self.fail(e))?;
            for entry in self.pending.entries() {
                history.insert(entry, ()).map_err(|e| self.fail(e))?;
            }
            let mut meta = txn.open_table(META).map_err(|e| self.fail(e))?;
            meta.insert(CHECKPOINT, checkpoint.as_bytes())
                .map_err(|e| self.fail(e))?;
            let mut records = txn.open_table(RECORDS).map_err(|e| self.fail(e))?;
            records.retain(|_, _| false).map_err(|e| self.fail(e))?;
        }
        txn.commit().map_err(|e| self.fail(e))?;
        self.pending.clear();
        Ok(())
    }

    /// The rows `query` selects, in its order. A row that does not decode
    /// is corruption and fails the read.
    pub fn load(&self, query: &Query) -> Result<Vec<StoredMessage>, StoreError> {
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
                let indexed = range.map(|entry| entry.map(|(k, _)| k.value().1));
                // Every pending entry is newer than every indexed one.
                let pending = self.pending.range(key, from.0, to.0).map(Ok);
                if *newest_first {
                    pending.rev().chain(indexed.rev()).take(*limit).collect()
                } else {
                    indexed
                        .chain(pending)
                        .take(*limit)
                        .collect::<Result<_, _>>()
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

    /// The number of records since the checkpoint, and of stored messages.
    pub fn counts(&self) -> Result<(u64, u64), StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.fail(e))?;
        let records = txn.open_table(RECORDS).map_err(|e| self.fail(e))?;
        let messages = txn.open_table(MESSAGES).map_err(|e| self.fail(e))?;
        let first = records.first().map_err(|e| self.fail(e))?;
        Ok((
            first.map_or(0, |(key, _)| self.next_record.saturating_sub(key.value())),
            messages.len().map_err(|e| self.fail(e))?,
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("natter-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn config() -> ServerConfig {
        ServerConfig::new(b"s".to_vec())
    }

    #[test]
    fn a_record_that_does_not_decode_refuses_to_open_and_names_its_key() {
        let dir = scratch("damaged");
        drop(Store::open(&dir, config(), CACHE_BYTES).unwrap());
        {
            let db = Database::open(dir.join(STORE_FILE)).unwrap();
            let txn = db.begin_write().unwrap();
            txn.open_table(RECORDS)
                .unwrap()
                .insert(5, b"{\"record\":".as_slice())
                .unwrap();
            txn.commit().unwrap();
        }
        let err = Store::open(&dir, config(), CACHE_BYTES).unwrap_err();
        assert!(
            matches!(err, StoreError::DamagedRecord { key: 5, .. }),
            "{err}"
        );
        let text = err.to_string();
        assert!(
            text.contains(STORE_FILE) && text.contains("key 5"),
            "{text}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Runs `frames` from a fresh connection of `user` through `server`,
    /// writing every batch to `store`.
    fn run(store: &mut Store, server: &mut Server, user: &str, frames: &[&str]) {
        use natter_core::server::{ConnectionId, Output, token};
        use natter_core::{Millis, UserId};
        let conn = ConnectionId(1);
        let tok = token::mint(b"s", &UserId::new(user).unwrap(), Millis(u64::MAX / 4));
        let hello = format!(r#"{{"type":"hello","versions":[1],"token":"{tok}","device":"d"}}"#);
        server.handle_connect(Millis(1), conn);
        for frame in std::iter::once(hello.as_str()).chain(frames.iter().copied()) {
            server
                .handle_bytes(Millis(2), conn, frame.as_bytes())
                .unwrap();
            while let Some(output) = server.poll_output() {
                match output {
                    Output::Persist(batch) => {
                        store.write(std::slice::from_ref(&batch)).unwrap();
                        server.persisted(batch.id());
                    }
                    Output::Checkpoint(c) => store.checkpoint(&c).unwrap(),
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn a_message_is_written_once_and_restored_from_its_row() {
        let dir = scratch("once");
        let (mut store, mut server) = Store::open(&dir, config(), CACHE_BYTES).unwrap();
        let send = r#"{"type":"send","id":"r1","to":{"chat":"single","id":"bob"},"body":{"type":"text","text":"kept once"}}"#;
        let recall = r#"{"type":"recall","id":"r2","mid":"1"}"#;
        run(&mut store, &mut server, "alice", &[send, recall]);
        drop((store, server));
        {
            let db = Database::open(dir.join(STORE_FILE)).unwrap();
            let txn = db.begin_read().unwrap();
            let entries: Vec<(u64, Vec<u8>)> = txn
                .open_table(RECORDS)
                .unwrap()
                .iter()
                .unwrap()
                .map(|e| {
                    let (k, v) = e.unwrap();
                    (k.value(), v.value().to_vec())
                })
                .collect();
            let lines = |e: &[u8]| e.split(|&b| b == b'\n').count() as u64;
            // One entry per transaction, keyed by its first record's number.
            let mut next = 0;
            for (key, entry) in &entries {
                assert_eq!(*key, next);
                next += lines(entry);
            }
            assert!(
                entries.iter().any(|(_, e)| lines(e) > 1),
                "the recall's answer and its record share an entry"
            );
            let log: Vec<&[u8]> = entries
                .iter()
                .flat_map(|(_, e)| e.split(|&b| b == b'\n'))
                .collect();
            assert_eq!(log.len() as u64, next);
            assert!(
                log.contains(&br#"{"stored":"1"}"#.as_slice()),
                "the record refers to the row"
            );
            assert!(!log.iter().any(|r| r.windows(9).any(|w| w == b"kept once")));
        }
        let (store, restored) = Store::open(&dir, config(), CACHE_BYTES).unwrap();
        assert_eq!(store.counts().unwrap(), (store.next_record, 1));
        match restored.stored(MessageId(1)) {
            Some(natter_core::Entry::Tombstone(t)) => assert_eq!(t.recalled_by.as_str(), "alice"),
            other => panic!("{other:?}"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The mids of the history of alice and bob, newest first and oldest
    /// first, as `store` reads them.
    fn history(store: &Store) -> (Vec<u64>, Vec<u64>) {
        let read = |newest_first| {
            let query = Query::History {
                key: "u/alice/bob".into(),
                from: MessageId(0),
                to: MessageId(u64::MAX),
                newest_first,
                limit: 100,
            };
            let rows = store.load(&query).unwrap();
            rows.iter().map(|r| r.mid().0).collect::<Vec<_>>()
        };
        (read(true), read(false))
    }

    #[test]
    fn history_reads_the_table_and_the_pending_index_as_one_across_restarts() {
        let dir = scratch("pending");
        let config = || config().with_checkpoint_every(Some(5));
        let (mut store, mut server) = Store::open(&dir, config(), CACHE_BYTES).unwrap();
        let sends: Vec<String> = (1..=7)
            .map(|i| format!(r#"{{"type":"send","id":"r{i}","to":{{"chat":"single","id":"bob"}},"body":{{"type":"text","text":"m{i}"}}}}"#))
            .collect();
        let sends: Vec<&str> = sends.iter().map(String::as_str).collect();
        run(&mut store, &mut server, "alice", &sends);
        let all: Vec<u64> = (1..=7).collect();
        let newest: Vec<u64> = all.iter().rev().copied().collect();
        assert_eq!(history(&store), (newest.clone(), all.clone()));
        // Some entries went to the table with a checkpoint, the rest wait.
        let indexed = {
            let txn = store.db.begin_read().unwrap();
            txn.open_table(HISTORY).unwrap().len().unwrap()
        };
        let pending = store.pending.entries().count() as u64;
        assert!(
            indexed > 0 && pending > 0,
            "{indexed} indexed, {pending} pending"
        );
        assert_eq!(indexed + pending, 7);
        // A page within the range and the limit: the newest two, the oldest two.
        let page = |newest_first| {
            let query = Query::History {
                key: "u/alice/bob".into(),
                from: MessageId(2),
                to: MessageId(7),
                newest_first,
                limit: 2,
            };
            let rows = store.load(&query).unwrap();
            rows.iter().map(|r| r.mid().0).collect::<Vec<_>>()
        };
        assert_eq!((page(true), page(false)), (vec![6, 5], vec![2, 3]));
        drop((store, server));
        let (store, _) = Store::open(&dir, config(), CACHE_BYTES).unwrap();
        assert_eq!(store.pending.entries().count() as u64, pending);
        assert_eq!(history(&store), (newest, all));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_record_log_of_an_earlier_natter_is_not_ignored() {
        let dir = scratch("old");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(OLD_LOG), b"").unwrap();
        let err = Store::open(&dir, config(), CACHE_BYTES).unwrap_err();
        assert!(matches!(err, StoreError::OldLog(_)), "{err}");
        assert!(!dir.join(STORE_FILE).exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
