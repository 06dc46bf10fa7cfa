//! The server's one output queue, with persist-before-answer built in.
//!
//! Records, frames and events of the inputs handled since the last
//! [`Server::poll_output`](super::Server::poll_output) form one *epoch*.
//! The first poll of an epoch seals it: its records leave as one
//! [`Output::Persist`] batch, and its frames and events are held behind that
//! batch (and behind every earlier one) until the adapter reports the batch
//! durable with [`Server::persisted`](super::Server::persisted). An epoch
//! without records waits only for the batches before it, so frames never
//! overtake each other. No frame can be reached through the API before the
//! records of its input are durable.

use super::checkpoint::Checkpoint;
use super::store::{Load, StoredMessage};
use super::{ConnectionId, Record, ServerEvent};
use crate::frame::ServerFrame;
use std::collections::VecDeque;
use std::sync::Arc;

/// Names a [`Batch`]; batches are numbered from 1 in the order they are
/// handed out. Only the server mints them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BatchId(u64);

impl BatchId {
    /// The batch's number (1 for the first batch a server hands out).
    pub fn get(self) -> u64 {
        self.0
    }
}

/// Records to persist, in order, before the frames behind them may leave,
/// and with a resident window the message rows they stored or changed.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    id: BatchId,
    records: Vec<Record>,
    messages: Vec<StoredMessage>,
}

impl Batch {
    /// The id to hand to [`Server::persisted`](super::Server::persisted)
    /// once every record of this batch (and of every earlier one) is durable.
    pub fn id(&self) -> BatchId {
        self.id
    }

    /// The records, in the order [`Server::restore`](super::Server::restore)
    /// must apply them. Never empty.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The records, taken out of the batch.
    pub fn into_records(self) -> Vec<Record> {
        self.records
    }

    /// The message rows to upsert into the message store, by id, in order
    /// (a row may come twice: the later one wins). Empty unless the server
    /// runs with a resident window
    /// ([`ServerConfig::with_resident_messages`](super::ServerConfig::with_resident_messages)).
    pub fn messages(&self) -> &[StoredMessage] {
        &self.messages
    }
}

/// What the adapter must do next. See the [module docs](super) for the loop.
///
/// Deliberately exhaustive: an output kind added later must break every
/// adapter's `match` rather than be ignored by a wildcard arm.
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub enum Output {
    /// Write these records durably, in order, then call
    /// [`Server::persisted`](super::Server::persisted) with the batch's id.
    Persist(Batch),
    /// Send this frame on this connection (its records are durable).
    Transmit {
        /// The connection.
        conn: ConnectionId,
        /// The frame.
        frame: ServerFrame,
    },
    /// Act on this event (its records are durable).
    Event(ServerEvent),
    /// Read these stored messages and answer with
    /// [`Server::loaded`](super::Server::loaded), after writing every batch
    /// handed out before this load.
    Load(Load),
    /// Write this checkpoint durably, after every batch handed out before
    /// it: it covers all their records, which the store may then drop.
    /// A restart restores from the newest checkpoint and the records
    /// written after it ([`Server::restore_from`](super::Server::restore_from)).
    /// It holds a copy of the state and is encoded when its bytes are first
    /// asked for, so a store's own thread can pay for the encoding.
    Checkpoint(Arc<Checkpoint>),
}

/// The queue behind [`Output`]: records of the open epoch, its staged frames
/// and events, and the frames and events of sealed epochs waiting for their
/// batch.
#[derive(Debug, Default)]
pub(crate) struct Outputs {
    /// Records of the open epoch.
    records: Vec<Record>,
    /// Message rows of the open epoch.
    messages: Vec<StoredMessage>,
    /// Loads and checkpoints, which wait for nothing but the batches
    /// before them.
    ready: VecDeque<Output>,
    /// Frames and events of sealed epochs, oldest first, then those of
    /// the open epoch (its last `staged`). Each stays where it was queued:
    /// sealing an epoch only counts its outputs into `waits`.
    held: VecDeque<Output>,
    /// The number of outputs at the back of `held` that the open epoch
    /// staged.
    staged: usize,
    /// The sealed epochs' outputs in `held`, in order, as runs: how many,
    /// and the batch they wait for.
    waits: VecDeque<(usize, u64)>,
    /// The newest batch handed out.
    sealed: u64,
    /// Epochs sealed so far, with or without records (every poll seals).
    epochs: u64,
    /// Every batch up to this one is durable.
    durable: u64,
}

impl Outputs {
    /// Adds a record to the open epoch.
    pub(crate) fn record(&mut self, record: Record) {
        self.records.push(record);
    }

    /// The open epoch's number. A load asked for in an epoch leaves after
    /// that epoch's batch, so its answer holds every change of that epoch
    /// and the ones before, and none after.
    pub(crate) fn epoch(&self) -> u64 {
        self.epochs + 1
    }

    /// Adds a message row to the open epoch.
    pub(crate) fn message(&mut self, row: StoredMessage) {
        self.messages.push(row);
    }

    /// Queues a load or a checkpoint behind the batches sealed so far (and
    /// the open epoch's, sealed before it leaves).
    pub(crate) fn ready(&mut self, output: Output) {
        self.ready.push_back(output);
    }

    /// Adds a frame to the open epoch.
    pub(crate) fn transmit(&mut self, conn: ConnectionId, frame: ServerFrame) {
        self.stage(Output::Transmit { conn, frame });
    }

    /// Adds an event to the open epoch.
    pub(crate) fn event(&mut self, event: ServerEvent) {
        self.stage(Output::Event(event));
    }

    fn stage(&mut self, output: Output) {
        self.held.push_back(output);
        self.staged += 1;
    }

    /// The next output after the open epoch is sealed: loads and
    /// checkpoints first, then whatever held output the durable batches
    /// allow.
    pub(crate) fn next(&mut self) -> Option<Output> {
        if let Some(out) = self.ready.pop_front() {
            return Some(out);
        }
        let (count, need) = self.waits.front_mut()?;
        if *need > self.durable {
            return None;
        }
        *count -= 1;
        if *count == 0 {
            self.waits.pop_front();
        }
        self.held.pop_front()
    }

    /// Every batch up to `id` is durable.
    pub(crate) fn persisted(&mut self, id: BatchId) {
        self.durable = self.durable.max(id.0.min(self.sealed));
    }

    /// Closes the open epoch: its frames wait for its batch (or, without
    /// records, for the newest batch before it), which it returns.
    pub(crate) fn seal(&mut self) -> Option<Batch> {
        self.epochs += 1;
        let batch = if self.records.is_empty() {
            None
        } else {
            self.sealed += 1;
            Some(Batch {
                id: BatchId(self.sealed),
                records: std::mem::take(&mut self.records),
                messages: std::mem::take(&mut self.messages),
            })
        };
        if self.staged > 0 {
            self.waits.push_back((self.staged, self.sealed));
            self.staged = 0;
        }
        batch
    }
}
