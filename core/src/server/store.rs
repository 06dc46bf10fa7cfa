//! The message store the adapter keeps for a server that holds only recent
//! messages in memory (PROTOCOL.md §16.1, [`ServerConfig::with_resident_messages`]).
//!
//! With a resident window, every [`Batch`] carries the rows of the
//! messages its records stored or changed ([`Batch::messages`]); the
//! adapter upserts them by id, indexed by [`StoredMessage::history_key`].
//! When an input needs a message that is no longer in memory, the server
//! parks the input and emits an [`Output::Load`]; the adapter answers it
//! from its store with [`Server::loaded`], and the input goes on. A store
//! must answer a load after it has written every batch handed out before
//! the load (one first-in, first-out queue for writes and loads does this).
//!
//! [`MemoryStore`] does all of this in memory: it is the reference for a
//! durable store, and what the simulation and the tests run against.
//!
//! [`ServerConfig::with_resident_messages`]: super::ServerConfig::with_resident_messages
//! [`Batch`]: super::Batch
//! [`Batch::messages`]: super::Batch::messages
//! [`Output::Load`]: super::Output::Load
//! [`Server::loaded`]: super::Server::loaded

use super::checkpoint::{Checkpoint, RestoreError};
use super::records::Record;
use super::state::HistoryKey;
use super::{Batch, Server, ServerConfig};
use crate::frame::server::Reader;
use crate::ids::{MessageId, UserId};
use crate::message::{Entry, Message, Tombstone};
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Who recalled a message, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Recall {
    pub(crate) by: UserId,
    pub(crate) at: Millis,
}

/// A stored message as the store keeps it: the message, its recall, and
/// its group readers. Serialize it with serde, or write it with
/// [`StoredMessage::write_json`], which gives the same JSON and reuses the
/// message's encoding; the format is the one PROTOCOL.md §16.1 describes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredMessage {
    pub(crate) msg: Arc<Message>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) recalled: Option<Recall>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) readers: Vec<Reader>,
}

impl StoredMessage {
    pub(crate) fn new(msg: Arc<Message>) -> Self {
        StoredMessage {
            msg,
            recalled: None,
            readers: Vec::new(),
        }
    }

    /// The message's id: the row's primary key.
    pub fn mid(&self) -> MessageId {
        self.msg.mid
    }

    /// The conversation history the message belongs to, as a string key:
    /// both sides of a one-to-one conversation share one key. Loads of
    /// history ask by this key.
    pub fn history_key(&self) -> String {
        HistoryKey::of(&self.msg.from, &self.msg.to).store_key()
    }

    /// Appends [`StoredMessage::history_key`] to `out`, for an adapter
    /// that keeps many keys in one buffer.
    pub fn write_history_key(&self, out: &mut String) {
        HistoryKey::of(&self.msg.from, &self.msg.to).write_store_key(out);
    }

    /// The message as it was stored (with its body, even once recalled;
    /// [`StoredMessage::entry`] tells how it reads now).
    pub fn message(&self) -> &Arc<Message> {
        &self.msg
    }

    /// The message as a history entry: a tombstone once recalled.
    pub fn entry(&self) -> Entry {
        match &self.recalled {
            None => Entry::Message(Arc::clone(&self.msg)),
            Some(r) => Entry::Tombstone(Tombstone {
                mid: self.msg.mid,
                from: self.msg.from.clone(),
                to: self.msg.to.clone(),
                ts: self.msg.ts,
                recalled_by: r.by.clone(),
                recalled_at: r.at,
            }),
        }
    }
}

/// Names a [`Load`]; answer it with the same id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LoadId(pub(crate) u64);

/// Which stored messages a [`Load`] asks for. Deliberately exhaustive: a
/// query kind added later must break every store's `match`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// These messages, by id; ids the store does not hold are left out.
    Messages(Vec<MessageId>),
    /// Messages of one history key with `from <= mid < to`, newest first or
    /// oldest first, at most `limit` of them.
    History {
        /// The key ([`StoredMessage::history_key`]).
        key: String,
        /// The lowest id wanted.
        from: MessageId,
        /// Above the highest id wanted.
        to: MessageId,
        /// Newest first (else oldest first).
        newest_first: bool,
        /// The most rows to return.
        limit: usize,
    },
}

/// A read the store must answer: call [`Server::loaded`](super::Server::loaded)
/// with its id and the rows the query selects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Load {
    pub(crate) id: LoadId,
    pub(crate) query: Query,
}

impl Load {
    /// The id to answer with.
    pub fn id(&self) -> LoadId {
        self.id
    }

    /// What to read.
    pub fn query(&self) -> &Query {
        &self.query
    }
}

/// A message store and record log in memory: what a durable store must do,
/// for tests, simulations and as a reference for adapters.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    checkpoint: Option<Arc<Checkpoint>>,
    records: Vec<Record>,
    rows: BTreeMap<MessageId, StoredMessage>,
    index: BTreeMap<String, BTreeSet<MessageId>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// Writes a batch: its records to the log, its message rows upserted.
    pub fn write(&mut self, batch: &Batch) {
        self.records.extend(batch.records().iter().cloned());
        for row in batch.messages() {
            self.index
                .entry(row.history_key())
                .or_default()
                .insert(row.mid());
            self.rows.insert(row.mid(), row.clone());
        }
    }

    /// Keeps a checkpoint; the records it covers (every one written so far)
    /// are dropped.
    pub fn checkpoint(&mut self, checkpoint: Arc<Checkpoint>) {
        self.checkpoint = Some(checkpoint);
        self.records.clear();
    }

    /// The rows a query selects, in the order it asks for.
    pub fn answer(&self, query: &Query) -> Vec<StoredMessage> {
        match query {
            Query::Messages(mids) => mids
                .iter()
                .filter_map(|m| self.rows.get(m))
                .cloned()
                .collect(),
            Query::History {
                key,
                from,
                to,
                newest_first,
                limit,
            } => {
                let Some(mids) = self.index.get(key).filter(|_| from < to) else {
                    return Vec::new();
                };
                let range = mids.range(*from..*to);
                let picked: Vec<&MessageId> = if *newest_first {
                    range.rev().take(*limit).collect()
                } else {
                    range.take(*limit).collect()
                };
                picked
                    .into_iter()
                    .filter_map(|m| self.rows.get(m))
                    .cloned()
                    .collect()
            }
        }
    }

    /// One stored message, by id.
    pub fn get(&self, mid: MessageId) -> Option<&StoredMessage> {
        self.rows.get(&mid)
    }

    /// The distinct readers who sent a group read ack for the message.
    pub fn readers(&self, mid: MessageId) -> Vec<UserId> {
        self.get(mid)
            .map(|s| s.readers.iter().map(|r| r.user.clone()).collect())
            .unwrap_or_default()
    }

    /// The last checkpoint written, if any.
    pub fn last_checkpoint(&self) -> Option<&Checkpoint> {
        self.checkpoint.as_deref()
    }

    /// The records written since the last checkpoint.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The number of message rows held.
    pub fn messages(&self) -> usize {
        self.rows.len()
    }

    /// A server restored from the last checkpoint and the records after it.
    pub fn restore(&self, config: Arc<ServerConfig>) -> Result<Server, RestoreError> {
        Server::restore_from(
            config,
            self.checkpoint.as_deref(),
            self.records.iter().cloned(),
        )
    }
}
