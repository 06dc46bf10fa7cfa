//! The durable store of a data directory (PROTOCOL.md §16.1): a [redb]
//! database file (`natter.redb`) holding the newest checkpoint and every
//! stored message with its history index, and a write-ahead log
//! (`natter.wal`, [`Wal`]) holding the records since that checkpoint.
//!
//! A group commit is one log entry, synced before it returns: its records
//! as JSON lines and the message rows its batches stored or changed. Once
//! the commit is reported, the same rows and the history index entries of
//! the messages it stored go into the database in a commit that is not
//! synced (redb's `Durability::None`), so that loads find them; the
//! database is made durable with the next checkpoint, in one synced
//! transaction that also writes the checkpoint, after which the log starts
//! again. One sequential write and sync per commit, not one scattered page
//! per B-tree level per table, and no index to write at a checkpoint.
//!
//! A restart reads the checkpoint and the log after it, writes the log's
//! rows and their history entries into the database again (whatever of
//! them the crash lost) and replays its records: its time and memory
//! depend on the users and groups and on the resident window, not on how
//! many messages were ever stored.
//! The log ends at an entry cut short or failing its checksum: a write never
//! synced, whose answers never left. A record or row that passes its
//! checksum and still does not decode is corruption: opening refuses,
//! naming the file and the entry's key, and changes nothing.
//!
//! Each message is written once per commit: the log keeps a stored
//! message's record as `{"stored":"MID"}`, and reading the log takes the
//! message from its row.
//!
//! A store written before the log existed kept its records in the
//! database's `records` table: they are read first, and the next
//! checkpoint drops them.

mod recovery;

use super::wal::{WAL_FILE, Wal, sync_parent};
use natter_core::MessageId;
use natter_core::server::{
    Batch, Checkpoint, Query, Record, RestoreError, Server, ServerConfig, StoredMessage,
};
use recovery::read_log;
use redb::{Database, Durability, ReadableDatabase, ReadableTableMetadata, TableDefinition};
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

/// Records since the checkpoint as a store written before the log kept
/// them: one entry per transaction (JSON lines), keyed by the number of its
/// first record. Read at start; emptied by the next checkpoint.
const RECORDS: TableDefinition<u64, &[u8]> = TableDefinition::new("records");
/// Message rows (JSON), by message id.
const MESSAGES: TableDefinition<u64, &[u8]> = TableDefinition::new("messages");
/// The history index: (history key, message id).
const HISTORY: TableDefinition<(&str, u64), ()> = TableDefinition::new("history");
/// The newest checkpoint, under [`CHECKPOINT`], and the number of the first
/// record after it, under [`LOG_START`] (u64, little-endian).
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const CHECKPOINT: &str = "checkpoint";
const LOG_START: &str = "log_start";

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
    /// The write-ahead log could not be read, written or synced.
    #[error("{path}: {source}")]
    Log {
        /// The log's file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A record or message row of the log does not decode although its
    /// entry is whole: corruption, not a torn write.
    #[error(
        "{path}: a record of the log entry with key {key} is damaged ({why}); refusing to start"
    )]
    DamagedRecord {
        /// The file holding the entry.
        path: PathBuf,
        /// The key of its entry (the number of the entry's first record).
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
    wal: Wal,
    wal_path: PathBuf,
    next_record: u64,
    /// Records written since the checkpoint.
    since_checkpoint: u64,
}

/// What a commit's log entry leaves for the database ([`Store::index`]):
/// message rows as JSON lines (each row's message id and span), and the
/// history entries of the messages it stored.
#[derive(Debug, Default)]
pub(super) struct Unindexed {
    lines: Vec<u8>,
    spans: Vec<(u64, std::ops::Range<usize>)>,
    history: HistoryEntries,
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
    fn push(&mut self, row: &StoredMessage, mid: u64) {
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
}

impl Unindexed {
    /// Appends a row, written by `write`.
    fn push_row<E>(
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
    fn upsert(&self, db: &Database) -> Result<(), redb::Error> {
        if self.spans.is_empty() && self.history.is_empty() {
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

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("next_record", &self.next_record)
            .finish_non_exhaustive()
    }
}

/// The error of a database operation while opening.
fn opening(path: &Path) -> impl Fn(redb::Error) -> StoreError + '_ {
    |e| StoreError::Open {
        path: path.to_owned(),
        source: Box::new(e),
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
        let wal_path = dir.join(WAL_FILE);
        let db_err = opening(&path);
        let old = dir.join(OLD_LOG);
        if old.exists() {
            return Err(StoreError::OldLog(old));
        }
        if !dir.exists() {
            std::fs::create_dir_all(dir).map_err(|e| db_err(e.into()))?;
            sync_parent(dir).map_err(|e| db_err(e.into()))?;
        }
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
        let (log, wal) = read_log(&db, &path, &wal_path)?;
        // The log's rows and history entries go into the database again: a
        // crash loses the commits made since the checkpoint.
        log.unindexed.upsert(&db).map_err(db_err)?;
        tracing::info!(
            records = log.records.len(),
            checkpoint = log.checkpoint.as_ref().map_or(0, |c| c.as_bytes().len()),
            path = %path.display(),
            "recovering"
        );
        let since_checkpoint = log.records.len() as u64;
        let server = Server::restore_from(
            Arc::new(with_store(config)),
            log.checkpoint.as_ref(),
            log.records,
        )
        .map_err(|source| StoreError::Checkpoint {
            path: path.clone(),
            source,
        })?;
        Ok((
            Store {
                db,
                path,
                wal,
                wal_path,
                next_record: log.next_record,
                since_checkpoint,
            },
            server,
        ))
    }

    fn fail(&self, e: impl Into<redb::Error>) -> StoreError {
        StoreError::Database {
            path: self.path.clone(),
            source: Box::new(e.into()),
        }
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

    /// Writes batches as one log entry and returns once it is on disk,
    /// then puts their rows and history entries in the database (synced
    /// with the next checkpoint).
    pub fn write(&mut self, batches: &[Batch]) -> Result<(), StoreError> {
        let unindexed = self.log(batches)?;
        self.index(&unindexed)
    }

    /// Writes batches as one log entry and returns once it is on disk (so
    /// their frames may leave), with what it leaves for [`Store::index`]:
    /// loads find their rows once that is done.
    pub(super) fn log(&mut self, batches: &[Batch]) -> Result<Unindexed, StoreError> {
        let (entry, count) = self.log_entry(batches)?;
        let mut unindexed = Unindexed::default();
        for row in batches.iter().flat_map(Batch::messages) {
            unindexed
                .push_row(row.mid().0, |lines| row.write_json(lines))
                .map_err(|e| self.encode_failed(&e))?;
        }
        if count > 0 || !unindexed.lines.is_empty() {
            let count = u32::try_from(count).map_err(|_| StoreError::Encode {
                path: self.wal_path.clone(),
                why: format!("{count} records in one commit"),
            })?;
            self.wal
                .append(self.next_record, count, &entry, &unindexed.lines)
                .map_err(|source| StoreError::Log {
                    path: self.wal_path.clone(),
                    source,
                })?;
        }
        self.next_record += count;
        self.since_checkpoint += count;
        // The rows of the messages these batches stored (not the changed
        // rows of older ones) join the history index.
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
                unindexed.history.push(row, row.mid().0);
            }
        }
        Ok(unindexed)
    }

    /// Puts what a log entry left into the database, in a commit the next
    /// checkpoint syncs.
    pub(super) fn index(&self, unindexed: &Unindexed) -> Result<(), StoreError> {
        unindexed.upsert(&self.db).map_err(|e| self.fail(e))
    }

    /// Stores a checkpoint and makes the database durable in one synced
    /// transaction; the log then starts again, after every record written
    /// so far.
    pub fn checkpoint(&mut self, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(|e| self.fail(e))?;
        {
            let mut meta = txn.open_table(META).map_err(|e| self.fail(e))?;
            meta.insert(CHECKPOINT, checkpoint.as_bytes())
                .map_err(|e| self.fail(e))?;
            meta.insert(LOG_START, self.next_record.to_le_bytes().as_slice())
                .map_err(|e| self.fail(e))?;
            let mut records = txn.open_table(RECORDS).map_err(|e| self.fail(e))?;
            records.retain(|_, _| false).map_err(|e| self.fail(e))?;
        }
        txn.commit().map_err(|e| self.fail(e))?;
        self.wal.restart();
        self.since_checkpoint = 0;
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

    /// The number of records since the checkpoint, and of stored messages.
    pub fn counts(&self) -> Result<(u64, u64), StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.fail(e))?;
        let messages = txn.open_table(MESSAGES).map_err(|e| self.fail(e))?;
        Ok((
            self.since_checkpoint,
            messages.len().map_err(|e| self.fail(e))?,
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn scratch(name: &str) -> PathBuf {
        crate::server::scratch(&format!("store-{name}"))
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
    fn run(store: &mut Store, server: &mut Server, user: &str, frames: &[impl AsRef<str>]) {
        use natter_core::server::{ConnectionId, Output, token};
        use natter_core::{Millis, UserId};
        let conn = ConnectionId(1);
        let tok = token::mint(b"s", &UserId::new(user).unwrap(), Millis(u64::MAX / 4));
        let hello = format!(r#"{{"type":"hello","versions":[1],"token":"{tok}","device":"d"}}"#);
        server.handle_connect(Millis(1), conn);
        for frame in std::iter::once(hello.as_str()).chain(frames.iter().map(AsRef::as_ref)) {
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
            let (_, entries) = Wal::open(&dir.join(WAL_FILE), 0).unwrap();
            let lines = |e: &[u8]| e.split(|&b| b == b'\n').count() as u64;
            // One entry per commit, numbered by its first record.
            let mut next = 0;
            for entry in &entries {
                assert_eq!(entry.first, next);
                assert_eq!(u64::from(entry.count), lines(&entry.records));
                next += u64::from(entry.count);
            }
            assert!(
                entries.iter().any(|e| e.count > 1),
                "the recall's answer and its record share an entry"
            );
            let log: Vec<&[u8]> = entries
                .iter()
                .flat_map(|e| e.records.split(|&b| b == b'\n'))
                .collect();
            assert_eq!(log.len() as u64, next);
            assert!(!log.iter().any(|r| r.windows(9).any(|w| w == b"kept once")));
            // The send's entry refers to the row it holds: the body, once.
            let send = entries
                .iter()
                .find(|e| {
                    e.records
                        .split(|&b| b == b'\n')
                        .any(|r| r == br#"{"stored":"1"}"#)
                })
                .unwrap();
            let bodies = send.rows.windows(9).filter(|w| w == b"kept once").count();
            assert_eq!(bodies, 1);
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
    fn history_reads_pages_across_checkpoints_and_restarts() {
        let dir = scratch("history");
        let config = || config().with_checkpoint_every(Some(5));
        let (mut store, mut server) = Store::open(&dir, config(), CACHE_BYTES).unwrap();
        let sends = sends(1, 7);
        run(&mut store, &mut server, "alice", &sends);
        let all: Vec<u64> = (1..=7).collect();
        let newest: Vec<u64> = all.iter().rev().copied().collect();
        assert_eq!(history(&store), (newest.clone(), all.clone()));
        // A checkpoint came and the log holds what came after it.
        assert!(store.since_checkpoint > 0);
        assert!(store.since_checkpoint < store.next_record);
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
        assert_eq!(history(&store), (newest, all));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Sends from alice to bob with request ids `r{from}`..`r{to}`.
    fn sends(from: u32, to: u32) -> Vec<String> {
        (from..=to)
            .map(|i| format!(r#"{{"type":"send","id":"r{i}","to":{{"chat":"single","id":"bob"}},"body":{{"type":"text","text":"m{i}"}}}}"#))
            .collect()
    }

    #[test]
    fn a_store_of_the_version_before_the_log_is_read_and_carried_on() {
        let dir = scratch("legacy");
        let (mut store, mut server) = Store::open(&dir, config(), CACHE_BYTES).unwrap();
        let first = sends(1, 3);
        run(&mut store, &mut server, "alice", &first);
        drop((store, server));
        // Turn it into what the version before the log left: each entry's
        // records in the `records` table under its first record's number,
        // the rows in the messages table, the history index not yet
        // written (that version kept it in memory until a checkpoint), and
        // no log.
        let (_, entries) = Wal::open(&dir.join(WAL_FILE), 0).unwrap();
        std::fs::remove_file(dir.join(WAL_FILE)).unwrap();
        {
            let db = Database::open(dir.join(STORE_FILE)).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let mut records = txn.open_table(RECORDS).unwrap();
                let mut messages = txn.open_table(MESSAGES).unwrap();
                for entry in &entries {
                    records
                        .insert(entry.first, entry.records.as_slice())
                        .unwrap();
                    for row in entry.rows.split(|&b| b == b'\n').filter(|r| !r.is_empty()) {
                        let mid = serde_json::from_slice::<StoredMessage>(row)
                            .unwrap()
                            .mid()
                            .0;
                        messages.insert(mid, row).unwrap();
                    }
                }
                txn.open_table(HISTORY)
                    .unwrap()
                    .retain(|_, _| false)
                    .unwrap();
            }
            txn.commit().unwrap();
        }
        // Read as it was, then carried on in the log.
        let (mut store, mut server) = Store::open(&dir, config(), CACHE_BYTES).unwrap();
        let three: Vec<u64> = (1..=3).collect();
        assert_eq!(
            history(&store),
            (three.iter().rev().copied().collect(), three)
        );
        let next = store.next_record;
        let more = sends(4, 5);
        run(&mut store, &mut server, "alice", &more);
        drop((store, server));
        let (_, logged) = Wal::open(&dir.join(WAL_FILE), next).unwrap();
        assert!(
            !logged.is_empty(),
            "the new records continue the old numbering"
        );
        let (store, restored) = Store::open(&dir, config(), CACHE_BYTES).unwrap();
        let five: Vec<u64> = (1..=5).collect();
        assert_eq!(
            history(&store),
            (five.iter().rev().copied().collect(), five)
        );
        assert!(restored.stored(MessageId(5)).is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn rows_the_database_lost_in_a_crash_come_back_from_the_log() {
        let dir = scratch("crash");
        let (mut store, mut server) = Store::open(&dir, config(), CACHE_BYTES).unwrap();
        // The database as a crash leaves it: its last synced commit.
        let synced = std::fs::read(dir.join(STORE_FILE)).unwrap();
        let sends = sends(1, 3);
        run(&mut store, &mut server, "alice", &sends);
        drop((store, server));
        std::fs::write(dir.join(STORE_FILE), synced).unwrap();
        let (store, restored) = Store::open(&dir, config(), CACHE_BYTES).unwrap();
        let all: Vec<u64> = (1..=3).collect();
        assert_eq!(history(&store), (all.iter().rev().copied().collect(), all));
        let rows = store
            .load(&Query::Messages((1..=3).map(MessageId).collect()))
            .unwrap();
        assert_eq!(rows.len(), 3);
        assert!(restored.stored(MessageId(3)).is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_whole_log_entry_that_does_not_decode_refuses_to_open_and_names_its_key() {
        let dir = scratch("damaged-log");
        drop(Store::open(&dir, config(), CACHE_BYTES).unwrap());
        let (mut wal, _) = Wal::open(&dir.join(WAL_FILE), 0).unwrap();
        wal.append(0, 1, b"{\"record\":", b"").unwrap();
        drop(wal);
        let err = Store::open(&dir, config(), CACHE_BYTES).unwrap_err();
        assert!(
            matches!(err, StoreError::DamagedRecord { key: 0, .. }),
            "{err}"
        );
        assert!(err.to_string().contains(WAL_FILE), "{err}");
        // Refused again: nothing was cut.
        assert!(Store::open(&dir, config(), CACHE_BYTES).is_err());
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
