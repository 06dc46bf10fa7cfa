//! The durable store of a data directory (PROTOCOL.md §16.1): a [redb]
//! database file (`natter.redb`) holding the newest checkpoint and every
//! stored message with its history index, and a write-ahead log of two
//! segments (`natter.wal`, `natter.wal.1`: [`Segments`]) holding the
//! records since that checkpoint.
//!
//! A group commit is one log entry, synced before it returns: its records
//! as JSON lines and the message rows its batches stored or changed. Once
//! the commit is reported, the same rows and the history index entries of
//! the messages it stored go into the database in a commit that is not
//! synced (redb's `Durability::None`), so that loads find them; the
//! database is made durable with the next checkpoint, in one synced
//! transaction that also writes the checkpoint and where the log's chain
//! after it starts: the log goes on in its other segment. One sequential
//! write and sync per commit, not one scattered page per B-tree level per
//! table, and no index to write at a checkpoint.
//!
//! The store has two halves, [`StoreLog`] and [`StoreDatabase`]; a running
//! server gives each a thread of its own, so that neither indexing nor a
//! checkpoint's commit holds up the next log entry.
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
//!
//! [`Segments`]: crate::server::segments::Segments

mod database;
mod log;
mod recovery;
mod unindexed;

use super::wal::sync_parent;
pub(crate) use database::StoreDatabase;
pub(crate) use log::StoreLog;
use natter_core::MessageId;
use natter_core::server::{
    Batch, Checkpoint, Query, RestoreError, Server, ServerConfig, StoredMessage,
};
use recovery::read_log;
use redb::{Database, TableDefinition};
use std::path::{Path, PathBuf};
use std::sync::Arc;
pub(crate) use unindexed::Unindexed;

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
/// The newest checkpoint, under [`CHECKPOINT`], the number of the first
/// record after it, under [`LOG_START`] (u64, little-endian), and the log
/// segment where that record is, under [`LOG_SEGMENT`].
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const CHECKPOINT: &str = "checkpoint";
const LOG_START: &str = "log_start";
/// The segment of the log where the chain after the checkpoint starts (one
/// byte, 0 or 1; 0 when absent, as a store written before the log had two
/// segments).
const LOG_SEGMENT: &str = "log_segment";

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

/// An open store: its database and its log, which a running server gives
/// threads of their own.
#[derive(Debug)]
pub struct Store {
    db: StoreDatabase,
    log: StoreLog,
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
        let file = std::fs::File::open(&path).map_err(|e| db_err(e.into()))?;
        let (log, segments) = read_log(&db, &path, dir)?;
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
        let log = StoreLog {
            segments,
            next_record: log.next_record,
            since_checkpoint,
            db_path: path.clone(),
        };
        Ok((
            Store {
                db: StoreDatabase {
                    db,
                    file,
                    path,
                    unsynced: 0,
                },
                log,
            },
            server,
        ))
    }

    /// Its database and its log, to run on threads of their own.
    pub(crate) fn into_halves(self) -> (StoreDatabase, StoreLog) {
        (self.db, self.log)
    }

    /// Writes batches as one log entry and returns once it is on disk,
    /// then puts their rows and history entries in the database (synced
    /// with the next checkpoint).
    pub fn write(&mut self, batches: &[Batch]) -> Result<(), StoreError> {
        let unindexed = self.log.write(batches)?;
        self.db.index(&unindexed)
    }

    /// Stores a checkpoint after every record written so far and makes the
    /// database durable in one synced transaction; the log then goes on in
    /// its other segment.
    pub fn checkpoint(&mut self, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        let (start, segment) = self.log.next_chain();
        self.db.checkpoint(checkpoint, start, segment)?;
        self.log.switch()?;
        self.log.committed();
        Ok(())
    }

    /// The rows `query` selects, in its order. A row that does not decode
    /// is corruption and fails the read.
    pub fn load(&self, query: &Query) -> Result<Vec<StoredMessage>, StoreError> {
        self.db.load(query)
    }

    /// The number of records since the checkpoint, and of stored messages.
    pub fn counts(&self) -> Result<(u64, u64), StoreError> {
        Ok((self.log.since_checkpoint, self.db.messages()?))
    }
}

#[cfg(test)]
pub(super) mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::server::WAL_FILE;
    use crate::server::wal::Wal;

    pub(in crate::server) fn scratch(name: &str) -> PathBuf {
        crate::server::scratch(&format!("store-{name}"))
    }

    pub(in crate::server) fn config() -> ServerConfig {
        ServerConfig::new(b"s".to_vec())
    }

    /// Creates a store in `dir` and then changes its database with `change`,
    /// in one transaction.
    fn in_a_new_store(dir: &Path, change: impl FnOnce(&redb::WriteTransaction)) {
        drop(Store::open(dir, config(), CACHE_BYTES).unwrap());
        let db = Database::open(dir.join(STORE_FILE)).unwrap();
        let txn = db.begin_write().unwrap();
        change(&txn);
        txn.commit().unwrap();
    }

    #[test]
    fn a_record_that_does_not_decode_refuses_to_open_and_names_its_key() {
        let dir = scratch("damaged");
        in_a_new_store(&dir, |txn| {
            txn.open_table(RECORDS)
                .unwrap()
                .insert(5, b"{\"record\":".as_slice())
                .unwrap();
        });
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
    /// handing every output to `take`.
    pub(in crate::server) fn run_with(
        server: &mut Server,
        user: &str,
        frames: &[impl AsRef<str>],
        mut take: impl FnMut(&mut Server, natter_core::server::Output),
    ) {
        use natter_core::server::{ConnectionId, token};
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
                take(server, output);
            }
        }
    }

    /// Runs `frames` from a fresh connection of `user` through `server`,
    /// writing every batch to `store`.
    fn run(store: &mut Store, server: &mut Server, user: &str, frames: &[impl AsRef<str>]) {
        use natter_core::server::Output;
        run_with(server, user, frames, |server, output| match output {
            Output::Persist(batch) => {
                store.write(std::slice::from_ref(&batch)).unwrap();
                server.persisted(batch.id());
            }
            Output::Checkpoint(c) => store.checkpoint(&c).unwrap(),
            _ => {}
        });
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
        assert_eq!(store.counts().unwrap(), (store.log.next_record, 1));
        match restored.stored(MessageId(1)) {
            Some(natter_core::Entry::Tombstone(t)) => assert_eq!(t.recalled_by.as_str(), "alice"),
            other => panic!("{other:?}"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The mids of the history of alice and bob, newest first and oldest
    /// first, as `store` reads them.
    pub(in crate::server) fn history(store: &Store) -> (Vec<u64>, Vec<u64>) {
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
        assert!(store.log.since_checkpoint > 0);
        assert!(store.log.since_checkpoint < store.log.next_record);
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
    pub(in crate::server) fn sends(from: u32, to: u32) -> Vec<String> {
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
        let next = store.log.next_record;
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

    /// A store whose log switched to segment 1 for a checkpoint that was
    /// never committed (a crash while the database thread committed it),
    /// with alice's sends 1 to 3 before the switch and 4 to 6 after it.
    pub(in crate::server) fn crashed_mid_switch(dir: &Path) {
        let (mut store, mut server) = Store::open(dir, config(), CACHE_BYTES).unwrap();
        run(&mut store, &mut server, "alice", &sends(1, 3));
        assert_eq!(store.log.next_chain().1, 1);
        store.log.switch().unwrap();
        run(&mut store, &mut server, "alice", &sends(4, 6));
    }

    #[test]
    fn a_crash_between_a_switch_and_its_commit_reads_both_segments() {
        let dir = scratch("switch");
        crashed_mid_switch(&dir);
        let (store, server) = Store::open(&dir, config(), CACHE_BYTES).unwrap();
        assert_eq!(history(&store).1, (1..=6).collect::<Vec<_>>());
        assert!(server.stored(MessageId(6)).is_some());
        // Segment 0 still holds the committed checkpoint's chain: the next
        // checkpoint is committed before the log switches back to it.
        assert!(store.log.other_needed());
        drop((store, server));
        let config = || config().with_checkpoint_every(Some(3));
        let (mut store, mut server) = Store::open(&dir, config(), CACHE_BYTES).unwrap();
        run(&mut store, &mut server, "alice", &sends(7, 9));
        assert!(
            !store.log.other_needed(),
            "a checkpoint came and was committed"
        );
        drop((store, server));
        let (store, _) = Store::open(&dir, config(), CACHE_BYTES).unwrap();
        assert_eq!(history(&store).1, (1..=9).collect::<Vec<_>>());
        assert!(!store.log.other_needed());
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
    fn the_database_file_is_synced_every_writeback_bytes_of_rows() {
        let dir = scratch("writeback");
        let (mut store, _) = Store::open(&dir, config(), CACHE_BYTES).unwrap();
        let rows = |mid: u64, len: usize| {
            let mut rows = Unindexed::default();
            let Ok(()) = rows.push_row(mid, |line| {
                line.resize(len, b' ');
                Ok::<_, std::convert::Infallible>(())
            });
            rows
        };
        store.db.index(&rows(1, 100)).unwrap();
        assert_eq!(store.db.unsynced, 100);
        store.db.index(&rows(2, database::WRITEBACK_BYTES)).unwrap();
        assert_eq!(store.db.unsynced, 0, "synced once past the bound");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_log_segment_other_than_0_or_1_refuses_to_open() {
        let dir = scratch("segment");
        in_a_new_store(&dir, |txn| {
            txn.open_table(META)
                .unwrap()
                .insert(LOG_SEGMENT, [2u8].as_slice())
                .unwrap();
        });
        let err = Store::open(&dir, config(), CACHE_BYTES).unwrap_err();
        assert!(err.to_string().contains("segment is not 0 or 1"), "{err}");
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
