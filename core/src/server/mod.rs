//! The server state machine.
//!
//! [`Server`] routes, stores and rules; it does no IO. An adapter drives it:
//!
//! * **Inputs**, each with the time as a [`Now`]: a monotonic reading for
//!   timers and a wall-clock reading for timestamps and token expiry, so a
//!   wall-clock step neither closes idle connections nor stalls timers (a
//!   plain [`Millis`] sets both, for tests and simulations).
//!   [`Server::handle_connect`] for a new
//!   transport (the adapter picks a [`ConnectionId`]),
//!   [`Server::handle_bytes`] / [`Server::handle_frame`] for each frame,
//!   [`Server::handle_disconnect`], [`Server::handle_timeout`] at the instant
//!   from [`Server::poll_timeout`], and application inputs such as
//!   [`Server::notify`].
//! * **Outputs**, one queue, drained with [`Server::poll_output`] after
//!   inputs until it returns `None`:
//!   - [`Output::Persist`]: a [`Batch`] of records to write durably, in
//!     order; then call [`Server::persisted`] with its id. Batches come out
//!     as soon as they exist, so an adapter may write several and report
//!     them with one call after one `fsync` (group commit): `persisted(id)`
//!     covers every batch up to `id`.
//!   - [`Output::Transmit`]: a frame for a connection.
//!   - [`Output::Event`]: close a connection, or hand a push notification
//!     to a push service.
//!   - [`Output::Load`]: with a resident window
//!     ([`ServerConfig::with_resident_messages`]), read stored messages that
//!     left memory from the message store and answer with
//!     [`Server::loaded`]; the input that needed them waits meanwhile.
//!   - [`Output::Checkpoint`]: with [`ServerConfig::with_checkpoint_every`],
//!     store this snapshot of the state; the records before it may go.
//!
//!   **Persist before answer is a property of the queue**: the frames and
//!   events of the inputs handled since the previous `poll_output` are held
//!   until the batch of those inputs' records, and every batch before it,
//!   is reported persisted. Frames leave in the order the server made them.
//!   An in-memory server reports each batch persisted as it gets it.
//! * **Timers**: [`Server::poll_timeout`] is the next instant, on the
//!   monotonic clock, at which [`Server::handle_timeout`] must be called;
//!   calling it early is harmless.
//! * **Recovery**: [`Server::restore_from`] reads the newest checkpoint and
//!   applies the records persisted after it ([`Server::restore`]: all the
//!   records, no checkpoint); the result answers every later input as the
//!   original would have (connections are not restored: clients reconnect
//!   and resume).
//!
//! The run loop, with a [`MemoryStore`] standing in for durable storage and
//! a map of outgoing queues for the connections:
//!
//! ```
//! use natter_core::server::{ConnectionId, MemoryStore, Output, Server, ServerConfig, ServerEvent};
//! use natter_core::{Millis, ServerFrame};
//! use std::collections::BTreeMap;
//! use std::sync::Arc;
//!
//! let config = ServerConfig::new(b"secret".to_vec())
//!     .with_resident_messages(Some(10_000))
//!     .with_checkpoint_every(Some(100_000));
//! let mut server = Server::new(Arc::new(config));
//! let mut store = MemoryStore::new();
//! let mut sockets: BTreeMap<ConnectionId, Vec<ServerFrame>> = BTreeMap::new();
//!
//! let conn = ConnectionId(1);
//! let now = Millis(1_700_000_000_000);
//! sockets.insert(conn, Vec::new());
//! server.handle_connect(now, conn);
//! let _ = server.handle_bytes(now, conn, br#"{"type":"ping","nonce":7}"#);
//!
//! // After every input (or every few inputs), drain until `None`.
//! while let Some(output) = server.poll_output() {
//!     match output {
//!         Output::Persist(batch) => {
//!             store.write(&batch); // write and fsync here
//!             server.persisted(batch.id()); // frames behind it may now leave
//!         }
//!         Output::Load(load) => {
//!             let rows = store.answer(load.query()); // after earlier writes
//!             server.loaded(now, load.id(), rows);
//!         }
//!         Output::Checkpoint(checkpoint) => store.checkpoint(checkpoint),
//!         Output::Transmit { conn, frame } => {
//!             sockets.entry(conn).or_default().push(frame);
//!         }
//!         Output::Event(ServerEvent::Close { conn, .. }) => {
//!             sockets.remove(&conn);
//!         }
//!         Output::Event(_push) => {} // hand to a push service
//!     }
//! }
//! // Then sleep until `server.poll_timeout()` or the next input.
//! assert!(matches!(sockets[&conn][..], [ServerFrame::Pong(_)]));
//! ```
//!
//! Memory, measured by counting heap bytes with `cargo run --release -p
//! natter-core --example server_memory` (2026-12-03, x86_64, with ids shared
//! by reference count and users in hash maps):
//!
//! | what | bytes |
//! |---|---|
//! | an idle authenticated connection (with its online entry, timer and delivery window) | 404 |
//! | a user with one conversation and one message (inbox, list, idempotency window) | 2,860 |
//! | a stored one-to-one text message between existing users, both inbox entries and history included | 382 |
//! | a group member, with its notices and the join tips every member keeps | 358 |
//!
//! Users, their online connections and their send counts are found by
//! hashing their ids (under a key derived from the secret): a send with
//! 2,000 users online costs 16,514 instructions against 14,195 with 16
//! (27,659 against 16,421 when they were B-trees; `send_instructions` with
//! P = 1000 and 8).
//!
//! With a resident window, a message beyond it costs only its id in each
//! recipient's inbox (16 bytes of event, 8 of position).
//!
//! Per message the server's work is the rules, one record, and one inbox
//! entry per recipient; a group fan-out costs per member (one shared tip or
//! message id each), and frames go only to members online now.

mod checkpoint;
mod config;
mod conversations;
mod group_state;
mod groups;
mod history;
mod inbox;
mod inbox_form;
mod last_entry;
mod load;
mod output;
mod own_copy;
mod recall;
mod receipts;
pub mod records;
mod routing;
mod rules;
mod session;
mod state;
pub mod store;
mod threads;
pub mod token;
mod user_map;
mod window;

pub use checkpoint::{CHECKPOINT_VERSION, Checkpoint, OLDEST_CHECKPOINT_VERSION, RestoreError};
pub use config::{Rule, ServerConfig};
pub use output::{Batch, BatchId, Output};
pub use records::Record;
pub use store::{Load, LoadId, MemoryStore, Query, StoredMessage};

use crate::codec::Codec;
use crate::error::{DecodeError, ErrorCode};
use crate::frame::group::{SystemNotice, SystemOp};
use crate::frame::server::Failure;
use crate::frame::{ClientFrame, ServerFrame};
use crate::ids::{RequestId, Seq, UserId};
use crate::message::Conversation;
use crate::message::Ext;
use crate::time::{Millis, Now};
use output::Outputs;
use records::Answer;
use session::Session;
use state::{Appended, State};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::Arc;
use user_map::UserMap;

/// A connection, numbered by the adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnectionId(pub u64);

/// Why the server wants a connection closed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The hello was refused (a `refuse` frame was sent first).
    Refused,
    /// Nothing arrived for twice the keep-alive interval.
    Idle,
    /// The token expired (an `error` 419 was sent first).
    TokenExpired,
}

/// A message for a recipient with no connected device, for a push service.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PushNotice {
    /// The recipient.
    pub user: UserId,
    /// The sender.
    pub from: UserId,
    /// The conversation, from the recipient's side.
    pub conv: Conversation,
    /// The message.
    pub mid: crate::ids::MessageId,
    /// Title from the message's push info.
    pub title: Option<String>,
    /// Text from the message's push info.
    pub description: Option<String>,
    /// Extension data from the message's push info.
    pub extension: Ext,
    /// Do not raise the badge.
    pub ignore_badge: bool,
}

/// Something the adapter must act on.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// Close this connection (its last frames are already queued).
    Close {
        /// The connection.
        conn: ConnectionId,
        /// Why.
        reason: CloseReason,
    },
    /// Hand this to the push service.
    Push(PushNotice),
}

/// The volatile state of one connection.
#[derive(Clone, Debug)]
struct Conn {
    session: Option<Session>,
    last_heard: Millis,
    wake: Option<Millis>,
}

/// The Natter server state machine. See the [module docs](self).
#[derive(Debug)]
pub struct Server {
    config: Arc<ServerConfig>,
    state: State,
    conns: BTreeMap<ConnectionId, Conn>,
    online: UserMap<BTreeSet<ConnectionId>>,
    timers: BTreeSet<(Millis, ConnectionId)>,
    rates: rules::Rates,
    outputs: Outputs,
    /// Inputs waiting for a load, by its id.
    parked: BTreeMap<LoadId, load::Parked>,
    next_load: u64,
    /// Records handed out since the last checkpoint.
    since_checkpoint: u64,
    /// A parked input is being handled again after its load.
    reloaded: bool,
    /// Rows changed while older loads wait.
    overlay: load::Overlay,
    /// The inbox entries the record being committed appended (a buffer
    /// kept between commits, empty there; not state).
    appended: Appended,
    /// The send being handled, whose copy its own connection may skip
    /// (`own_copy.rs`; `None` between sends).
    own_copy: Option<own_copy::OwnCopy>,
}

/// A request's failure: code and reason.
type Fail = (ErrorCode, String);

fn fail<T>(code: ErrorCode, reason: impl Into<String>) -> Result<T, Fail> {
    Err((code, reason.into()))
}

impl Server {
    /// An empty server.
    pub fn new(config: Arc<ServerConfig>) -> Self {
        let hash = config.user_hash();
        Server {
            state: State::new(config.inbox_limit, config.dedup_window, hash.clone()),
            config,
            conns: BTreeMap::new(),
            online: user_map::new(hash.clone()),
            timers: BTreeSet::new(),
            rates: rules::Rates::new(hash),
            outputs: Outputs::default(),
            parked: BTreeMap::new(),
            next_load: 0,
            since_checkpoint: 0,
            reloaded: false,
            overlay: BTreeMap::new(),
            appended: Appended::new(),
            own_copy: None,
        }
    }

    /// A server rebuilt from the records an earlier one emitted, in order.
    pub fn restore(config: Arc<ServerConfig>, records: impl IntoIterator<Item = Record>) -> Self {
        let mut server = Server::new(config);
        server.replay(records);
        server
    }

    /// Applies records an earlier server emitted, in order, then evicts
    /// beyond the resident window.
    fn replay(&mut self, records: impl IntoIterator<Item = Record>) {
        let mut appended = Appended::new();
        for record in records {
            appended.clear();
            self.state.apply(&record, &mut appended);
        }
        self.evict();
    }

    /// The next thing to do: a batch of records to persist, or a frame or
    /// event whose records are durable. `None` when nothing is left or
    /// everything left waits for [`Server::persisted`].
    pub fn poll_output(&mut self) -> Option<Output> {
        if let Some(batch) = self.outputs.seal() {
            if let Some(checkpoint) = self.checkpoint_due(batch.records().len()) {
                self.outputs.ready(Output::Checkpoint(Arc::new(checkpoint)));
            }
            return Some(Output::Persist(batch));
        }
        self.outputs.next()
    }

    /// Every record of batch `id` and of every batch before it is durable:
    /// the frames and events waiting for them may leave. An id already
    /// reported is harmless.
    pub fn persisted(&mut self, id: BatchId) {
        self.outputs.persisted(id);
    }

    /// When [`Server::handle_timeout`] must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.timers.first().map(|(t, _)| *t)
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// The number of open connections.
    pub fn connections(&self) -> usize {
        self.conns.len()
    }

    /// A user's newest inbox position (0 for a user never seen).
    pub fn inbox_seq(&self, user: &UserId) -> Seq {
        self.state.users.get(user).map_or(Seq::ZERO, |u| u.last_seq)
    }

    /// A stored message held in memory (a tombstone once recalled); `None`
    /// for unknown and online-only messages, which are never stored, and
    /// for messages beyond the resident window.
    pub fn stored(&self, mid: crate::ids::MessageId) -> Option<crate::message::Entry> {
        self.state.message(mid).map(StoredMessage::entry)
    }

    /// The number of stored messages held in memory.
    pub fn resident_messages(&self) -> usize {
        self.state.messages.len()
    }

    /// Every event still in a user's inbox, oldest first, as the frames a
    /// replay would send; messages beyond the resident window are left out
    /// (see [`Server::inbox_with`]).
    pub fn inbox(&self, user: &UserId) -> Vec<ServerFrame> {
        self.inbox_with(user, &MemoryStore::new())
    }

    /// Every event still in a user's inbox, as [`Server::inbox`], with the
    /// messages beyond the resident window read from `store` (for tests and
    /// simulations).
    pub fn inbox_with(&self, user: &UserId, store: &MemoryStore) -> Vec<ServerFrame> {
        let Some(u) = self.state.users.get(user) else {
            return Vec::new();
        };
        let lookup = |mid| self.state.message(mid).or_else(|| store.get(mid));
        u.inbox
            .iter()
            .filter_map(|(seq, event)| session::event_frame(event, seq, lookup))
            .collect()
    }

    /// Whether `user` is a member of the group or room now.
    pub fn is_member(&self, group: &crate::ids::GroupId, user: &UserId) -> bool {
        self.state
            .groups
            .get(group)
            .is_some_and(|g| g.role(user).is_some())
    }

    /// Every group and room that exists now.
    pub fn groups(&self) -> impl Iterator<Item = &crate::ids::GroupId> {
        self.state.groups.keys()
    }

    /// Every thread that exists now.
    pub fn threads(&self) -> impl Iterator<Item = &crate::ids::ThreadId> {
        self.state.threads.keys()
    }

    /// The members of a group or room now.
    pub fn members(&self, group: &crate::ids::GroupId) -> Vec<UserId> {
        self.state
            .groups
            .get(group)
            .map(|g| g.members.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The members of a thread now.
    pub fn thread_members(&self, thread: &crate::ids::ThreadId) -> Vec<UserId> {
        self.state
            .threads
            .get(thread)
            .map(|t| t.members.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The distinct readers who sent a group read ack for `mid`, if the
    /// message is held in memory.
    pub fn group_readers(&self, mid: crate::ids::MessageId) -> Vec<UserId> {
        self.state
            .message(mid)
            .map(|s| s.readers.iter().map(|r| r.user.clone()).collect())
            .unwrap_or_default()
    }

    /// A new transport is up.
    pub fn handle_connect(&mut self, now: impl Into<Now>, conn: ConnectionId) {
        let now = now.into();
        self.conns.insert(
            conn,
            Conn {
                session: None,
                last_heard: now.mono,
                wake: None,
            },
        );
        self.rearm(now, conn);
    }

    /// A transport is gone.
    pub fn handle_disconnect(&mut self, _now: impl Into<Now>, conn: ConnectionId) {
        if let Some(c) = self.conns.remove(&conn) {
            if let Some(w) = c.wake {
                self.timers.remove(&(w, conn));
            }
            if let Some(s) = c.session
                && let Some(set) = self.online.get_mut(&s.user)
            {
                set.remove(&conn);
                if set.is_empty() {
                    self.online.remove(&s.user);
                }
            }
        }
    }

    /// Decodes one frame of JSON from a connection and handles it. A
    /// malformed frame is answered with an `error` frame (and returned); the
    /// connection stays up.
    pub fn handle_bytes(
        &mut self,
        now: impl Into<Now>,
        conn: ConnectionId,
        json: &[u8],
    ) -> Result<(), DecodeError> {
        let now = now.into();
        match Codec::new(self.config.max_frame).decode::<ClientFrame>(json) {
            Ok(frame) => {
                self.handle_frame(now, conn, frame);
                Ok(())
            }
            Err(e) => {
                if self.conns.contains_key(&conn) {
                    self.heard(now, conn);
                    self.send_error(conn, e.request_id().cloned(), e.code(), e.to_string());
                }
                Err(e)
            }
        }
    }

    /// Handles one frame from a connection.
    pub fn handle_frame(&mut self, now: impl Into<Now>, conn: ConnectionId, frame: ClientFrame) {
        let now = now.into();
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        let session = c.session.clone();
        self.heard(now, conn);
        match (session, frame) {
            (s, ClientFrame::Ping(p)) => {
                let seq = s.map(|s| self.inbox_seq(&s.user));
                self.transmit(
                    conn,
                    ServerFrame::Pong(crate::frame::server::Pong {
                        nonce: p.nonce,
                        seq,
                    }),
                );
            }
            (None, ClientFrame::Hello(h)) => self.on_hello(now, conn, h),
            (None, other) => {
                let id = other.request_id().cloned();
                self.send_error(conn, id, ErrorCode::UNAUTHORIZED, "send hello first".into());
            }
            (Some(_), ClientFrame::Hello(_)) => {
                self.send_error(
                    conn,
                    None,
                    ErrorCode::CONFLICT,
                    "the session is already open".into(),
                );
            }
            (Some(s), ClientFrame::Ack(a)) => {
                if a.seq > self.inbox_seq(&s.user) {
                    self.send_error(
                        conn,
                        None,
                        ErrorCode::BAD_REQUEST,
                        format!("ack {} is beyond the newest event", a.seq.0),
                    );
                } else {
                    self.acked(conn, a.seq);
                }
            }
            (Some(s), request) => self.on_request(now, conn, &s, request),
        }
    }

    /// Handles the timers due at `now.mono`.
    pub fn handle_timeout(&mut self, now: impl Into<Now>) {
        let now = now.into();
        while let Some(&(at, conn)) = self.timers.first() {
            if at > now.mono {
                break;
            }
            self.timers.remove(&(at, conn));
            if let Some(c) = self.conns.get_mut(&conn) {
                c.wake = None;
            }
            self.session_timer(now, conn);
        }
    }

    /// Sends a custom system notice from the application to a user.
    pub fn notify(
        &mut self,
        now: impl Into<Now>,
        user: &UserId,
        from: &UserId,
        data: impl Into<String>,
    ) {
        let now = now.into();
        let notice = SystemNotice {
            seq: None,
            op: SystemOp::Custom,
            group: None,
            from: from.clone(),
            reason: None,
            data: Some(data.into()),
            ts: now.wall,
        };
        self.commit(Record::Notice {
            user: user.clone(),
            notice,
        });
    }

    /// Notes that `conn` was heard from (see [`Server::rearm_if_sooner`]).
    fn heard(&mut self, now: Now, conn: ConnectionId) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.last_heard = now.mono;
        }
        self.rearm_if_sooner(now, conn);
    }

    fn transmit(&mut self, conn: ConnectionId, frame: ServerFrame) {
        self.outputs.transmit(conn, frame);
    }

    fn send_error(
        &mut self,
        conn: ConnectionId,
        id: Option<RequestId>,
        code: ErrorCode,
        reason: String,
    ) {
        self.transmit(conn, ServerFrame::Error(Failure { id, code, reason }));
    }

    /// Persists (queues) a record, applies it, and sends the inbox events it
    /// appended to the connected devices of their users.
    fn commit(&mut self, record: Record) {
        // The buffer is the server's, reused, and empty between commits:
        // taken for the loop below, which needs `self`.
        let mut appended = std::mem::take(&mut self.appended);
        self.state.apply(&record, &mut appended);
        if self.config.resident_messages.is_some()
            && let Some(row) = record.message().and_then(|mid| self.state.message(mid))
        {
            let row = row.clone();
            self.overlay(&row);
            self.outputs.message(row);
        }
        self.outputs.record(record);
        for user in &appended {
            self.deliver(user);
        }
        appended.clear();
        self.appended = appended;
        self.evict();
    }

    /// Drops the messages beyond the resident window from memory.
    fn evict(&mut self) {
        if let Some(resident) = self.config.resident_messages {
            self.state.evict(resident);
        }
    }

    /// New inbox events of `user` go to the user's ready connections, each
    /// as far as its delivery window allows (the rest when acknowledgements
    /// arrive).
    fn deliver(&mut self, user: &UserId) {
        self.each_connection(user, Self::pump);
    }

    /// Sends a frame to every ready connection of `user`.
    fn send_to_user(&mut self, user: &UserId, frame: &ServerFrame) {
        self.each_connection(user, |s, c| s.transmit(c, frame.clone()));
    }

    /// Calls `f` with each ready connection of `user`, in order: a walk
    /// that leaves `self` free to change between steps (`f` must not
    /// connect the user), with no list collected.
    fn each_connection(&mut self, user: &UserId, mut f: impl FnMut(&mut Self, ConnectionId)) {
        let Some(conns) = self.online.get(user) else {
            return;
        };
        let only = conns.len() == 1;
        let mut conn = conns.first().copied();
        while let Some(c) = conn {
            f(self, c);
            // Most users have one device: for them, no second lookup.
            conn = if only {
                None
            } else {
                let after = (Bound::Excluded(c), Bound::Unbounded);
                (self.online.get(user)).and_then(|conns| conns.range(after).next().copied())
            };
        }
    }

    /// `user` as the server already holds it (the state's key, else an
    /// online session's), else `user` itself: the same string, but later
    /// lookups of it compare pointers, not bytes (see the ids' `Ord`).
    fn shared_user(&self, user: UserId) -> UserId {
        let held = (self.state.users.get_key_value(&user).map(|(k, _)| k))
            .or_else(|| self.online.get_key_value(&user).map(|(k, _)| k));
        held.cloned().unwrap_or(user)
    }

    /// `to` with its id as the server already holds it ([`Server::shared_user`]).
    fn shared(&self, to: Conversation) -> Conversation {
        match to {
            Conversation::Single(u) => Conversation::Single(self.shared_user(u)),
            Conversation::Group(g) => Conversation::Group(state::key_of(&self.state.groups, g)),
            Conversation::Room(g) => Conversation::Room(state::key_of(&self.state.groups, g)),
            Conversation::Thread(t) => Conversation::Thread(state::key_of(&self.state.threads, t)),
        }
    }

    fn is_online(&self, user: &UserId) -> bool {
        self.online.get(user).is_some_and(|s| !s.is_empty())
    }

    /// A request from a ready connection: answered from the idempotency
    /// window when repeated, else handled once.
    fn on_request(&mut self, now: Now, conn: ConnectionId, session: &Session, frame: ClientFrame) {
        let user = &session.user;
        let Some(id) = frame.request_id().cloned() else {
            return;
        };
        if let Some(answer) = self
            .state
            .users
            .get(user)
            .and_then(|u| u.answered.get(&id))
            .cloned()
        {
            self.transmit(conn, answer_frame(id, answer));
            return;
        }
        if self.park_request(conn, &frame) {
            return;
        }
        let result = self.dispatch(now, conn, session, &id, frame);
        match result {
            Ok(Some(frame)) => self.transmit(conn, frame),
            Ok(None) => {}
            Err((code, reason)) => self.send_error(conn, Some(id), code, reason),
        }
    }

    /// Records a success and returns its answer frame.
    fn answered(
        &mut self,
        user: &UserId,
        id: &RequestId,
        answer: Answer,
    ) -> Result<Option<ServerFrame>, Fail> {
        self.commit(Record::Answered {
            user: user.clone(),
            req: id.clone(),
            answer: answer.clone(),
        });
        Ok(Some(answer_frame(id.clone(), answer)))
    }

    fn dispatch(
        &mut self,
        at: Now,
        conn: ConnectionId,
        session: &Session,
        id: &RequestId,
        frame: ClientFrame,
    ) -> Result<Option<ServerFrame>, Fail> {
        use ClientFrame as C;
        let now = at.wall;
        let user = &session.user;
        match frame {
            C::Send(s) => self.on_send(now, session.folds_own_copy().then_some(conn), user, s),
            C::Recall(r) => self.on_recall(now, user, id, r.mid),
            C::Receipt(r) => self.on_receipt(now, user, id, r.kind, r.mid),
            C::ConvRead(r) => self.on_conv_read(now, user, id, r.conv, r.upto),
            C::GroupRead(r) => self.on_group_read(now, user, id, r.mid, r.content),
            C::ReadBy(r) => self.on_read_by(user, id, r.mid),
            C::ThreadCreate(t) => self.on_thread_create(now, user, id, t),
            C::ThreadJoin(t) => self.on_thread_membership(user, id, t.thread, true),
            C::ThreadLeave(t) => self.on_thread_membership(user, id, t.thread, false),
            C::ThreadDestroy(t) => self.on_thread_destroy(now, user, id, t.thread),
            C::History(q) => self.on_history(conn, user, q),
            C::ConvList(q) => self.on_conv_list(user, q),
            C::ConvProfile(q) => self.on_conv_profile(user, q),
            C::ConvDelete(d) => self.on_conv_delete(user, id, d),
            C::Token(t) => self.on_token(at, conn, user, id, &t.token),
            C::Block(u) => self.on_block(user, id, u.user, true),
            C::Unblock(u) => self.on_block(user, id, u.user, false),
            C::GroupCreate(r) => self.on_group_create(now, user, id, r),
            C::GroupInvite(r) => self.on_group_invite(now, user, id, r),
            C::GroupJoin(r) => self.on_group_join(now, user, id, r),
            C::GroupLeave(r) => self.on_group_leave(now, user, id, r),
            C::GroupKick(r) => self.on_group_kick(now, user, id, r),
            C::GroupAdmin(r) => self.on_group_admin(now, user, id, r),
            C::GroupMute(r) => self.on_group_mute(now, user, id, r),
            C::GroupMuteAll(r) => self.on_group_mute_all(now, user, id, r),
            C::GroupDecide(r) => self.on_group_decide(now, user, id, r),
            C::GroupDismiss(r) => self.on_group_dismiss(now, user, id, r),
            // Handled before a request is dispatched; listed so that a new
            // frame type cannot be forgotten here.
            C::Hello(_) | C::Ping(_) | C::Ack(_) => Ok(None),
        }
    }
}

/// The frame of a remembered answer.
fn answer_frame(id: RequestId, answer: Answer) -> ServerFrame {
    use crate::frame::group::GroupCreated;
    use crate::frame::server::{Done, Sent, ThreadCreated};
    match answer {
        Answer::Sent { mid, ts } => ServerFrame::Sent(Sent::new(id, mid, ts)),
        Answer::Ok { pending } => ServerFrame::Ok(Done { id, pending }),
        Answer::GroupCreated { group } => ServerFrame::GroupCreated(GroupCreated { id, group }),
        Answer::ThreadCreated { info } => {
            ServerFrame::ThreadCreated(Box::new(ThreadCreated { id, info: *info }))
        }
    }
}
