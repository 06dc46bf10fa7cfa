//! The client state machine.
//!
//! [`Client`] is what an SDK embeds: a pure state machine with no IO, no
//! clock and no randomness. An adapter drives it:
//!
//! * **Inputs** carry the time: [`Client::handle_connect`] when a transport
//!   is up, [`Client::handle_bytes`] or [`Client::handle_frame`] for each
//!   frame from the server, [`Client::handle_timeout`] when the instant from
//!   [`Client::poll_timeout`] arrives, [`Client::handle_disconnect`] when the
//!   transport is gone. Application commands ([`Client::send`],
//!   [`Client::recall`], [`Client::mark_conversation_read`],
//!   [`Client::fetch_history`], ...) return a [`RequestId`] or a
//!   [`CommandError`] at once.
//! * **Outputs** are drained after every input, in this order:
//!   [`Client::poll_transmit`] until `None` (frames to send, in order), then
//!   [`Client::poll_event`] until `None`, then [`Client::poll_timeout`] (the
//!   next instant to call `handle_timeout`; calling it early or twice is
//!   harmless). When an event reports [`ConnectionState::Disconnected`] the
//!   adapter closes the transport (if it is still open) and reconnects with
//!   backoff.
//!
//! Every command that returned a request id ends in exactly one
//! [`Event::Outcome`]; every message reaches the application once, in the
//! server's order.
//!
//! ```
//! use natter_core::client::{Client, Config, Event};
//! use natter_core::{Codec, DeviceId, Millis};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = std::sync::Arc::new(Config::new(DeviceId::new("phone-1")?, 7));
//! let mut client = Client::new(config, "alice.1767225600000.5f0c");
//! let codec = Codec::default();
//! let mut now = Millis(1_000);
//! let mut wire: Vec<Vec<u8>> = Vec::new(); // stands in for a WebSocket
//!
//! client.handle_connect(now);
//! // The run loop: after every input, drain transmits, events, the timer.
//! let incoming: Vec<&[u8]> = vec![br#"{"type":"welcome","version":1,"user":"alice","device":"phone-1","seq":0,"oldest":1,"ping_ms":30000,"max_frame":65536,"time":1000,"token_expires":9999999}"#];
//! for bytes in incoming {
//!     client.handle_bytes(now, bytes)?;
//!     while let Some(frame) = client.poll_transmit() {
//!         wire.push(codec.encode(&frame)?.to_vec());
//!     }
//!     while let Some(event) = client.poll_event() {
//!         if let Event::Message(msg) = event {
//!             println!("{}: {:?}", msg.from, msg.body);
//!         }
//!     }
//!     if let Some(at) = client.poll_timeout() {
//!         now = at; // a real adapter sleeps until `at` or the next frame
//!         client.handle_timeout(now);
//!     }
//! }
//! assert!(client.is_ready());
//! assert_eq!(wire.len(), 1); // the hello
//! # Ok(())
//! # }
//! ```

mod choices;
mod config;
mod conversations;
mod event;
mod groups;
mod history;
mod inbox;
mod outbox;
mod recall;
mod receipts;
mod request;
mod request_ids;
mod send;
mod session;
mod snapshot;
mod threads;

pub use choices::{Admin, Decision, Mute, MuteAll, StoredHistory};
pub use config::Config;
pub use event::{ConnectionState, DisconnectReason, Event, Outcome};
pub use groups::GroupSpec;
pub use recall::RecallTarget;
pub use request::{Answer, Request};
pub use send::Outgoing;
pub use snapshot::{RestoreError, SNAPSHOT_VERSION, Snapshot};

use crate::bounded::BoundedMap;
use crate::codec::Codec;
use crate::error::{DecodeError, ErrorCode};
use crate::frame::server::Failure;
use crate::frame::{ClientFrame, ServerFrame};
use crate::ids::{RequestId, UserId};
use crate::time::Millis;
use inbox::Inbox;
use outbox::{Backoff, Outbox, Stage};
use request_ids::RequestIds;
use session::Conn;
use std::collections::VecDeque;
use std::sync::Arc;

/// A command the client refused at once, without sending anything.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// No session yet: the client has never been welcomed (nor restored).
    #[error("not connected: no session has been opened yet")]
    NotConnected,
    /// An argument is invalid.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The body or the frame is over its limit.
    #[error("too large: {len} bytes, the limit is {max}")]
    TooLarge {
        /// The size found.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Too many requests are waiting for answers.
    #[error("the outbox is full ({max} requests wait for answers)")]
    OutboxFull {
        /// The limit.
        max: usize,
    },
    /// No request with this id is in the state the command needs.
    #[error("no request {0} in a state that allows this")]
    UnknownRequest(RequestId),
    /// Refused locally for the reason a server would give, e.g. 504 for a
    /// recall plainly past its window.
    #[error("refused with {code}: {reason}")]
    Refused {
        /// The code the server would have answered.
        code: ErrorCode,
        /// Why.
        reason: String,
    },
}

/// The Natter client state machine. See the [module docs](self) for the
/// drive contract.
#[derive(Debug)]
pub struct Client {
    config: Arc<Config>,
    token: String,
    ids: RequestIds,
    conn: Conn,
    user: Option<UserId>,
    outbox: Outbox,
    inbox: Inbox,
    mirror: conversations::Mirror,
    own: BoundedMap<crate::ids::MessageId, send::OwnMessage>,
    sent: BoundedMap<RequestId, crate::ids::MessageId>,
    failed: BoundedMap<RequestId, ClientFrame>,
    transmits: VecDeque<ClientFrame>,
    events: VecDeque<Event>,
    max_frame: usize,
    /// Server clock minus the local clock, learnt from `welcome`.
    clock_offset: i64,
}

impl Client {
    /// A client for the user `token` names, not yet connected.
    pub fn new(config: Arc<Config>, token: impl Into<String>) -> Self {
        let memory = config.memory;
        Client {
            ids: RequestIds::new(config.seed),
            inbox: Inbox::new(crate::ids::Seq::ZERO, config.max_held, memory),
            max_frame: config.max_frame,
            config,
            token: token.into(),
            conn: Conn::default(),
            user: None,
            outbox: Outbox::default(),
            mirror: conversations::Mirror::default(),
            own: BoundedMap::new(memory),
            sent: BoundedMap::new(memory),
            failed: BoundedMap::new(memory),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            clock_offset: 0,
        }
    }

    /// The user of the session, once welcomed (or restored).
    pub fn user(&self) -> Option<&UserId> {
        self.user.as_ref()
    }

    /// The highest inbox position processed.
    pub fn last_seq(&self) -> crate::ids::Seq {
        self.inbox.processed
    }

    /// How many requests wait for an answer.
    pub fn pending_requests(&self) -> usize {
        self.outbox.len()
    }

    /// The next frame to send to the server.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<ClientFrame> {
        self.transmits.pop_front()
    }

    /// The next event for the application.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The instant at which [`Client::handle_timeout`] must next be called.
    /// Independent of the number of conversations; logarithmic in the number
    /// of waiting requests.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Millis> {
        [
            self.conn.next_timeout(),
            self.inbox.ack_due(),
            self.inbox.gap_due(),
            self.outbox.next_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Decodes one frame of JSON from the server and handles it. A malformed
    /// frame (or one over the frame limit: the config's until `welcome`
    /// announces the server's) is returned as an error and changes nothing;
    /// the connection may go on.
    pub fn handle_bytes(&mut self, now: Millis, json: &[u8]) -> Result<(), DecodeError> {
        let frame: ServerFrame = Codec::new(self.max_frame).decode(json)?;
        self.handle_frame(now, frame);
        Ok(())
    }

    /// Handles one frame from the server.
    pub fn handle_frame(&mut self, now: Millis, frame: ServerFrame) {
        if !self.conn.is_up() {
            return;
        }
        self.conn.heard(now);
        if !self.conn.is_ready()
            && !matches!(frame, ServerFrame::Welcome(_) | ServerFrame::Refuse(_))
        {
            // Before welcome nothing else is valid: a frame here means the
            // welcome was lost, and the handshake timeout will reconnect.
            return;
        }
        if let Some(seq) = frame.seq() {
            self.arrive(now, seq, frame);
            return;
        }
        match frame {
            ServerFrame::Welcome(w) => self.on_welcome(now, w),
            ServerFrame::Pong(p) => {
                if let Some(seq) = p.seq {
                    self.inbox.note_newest(now, seq, self.config.gap_timeout);
                }
            }
            ServerFrame::Refuse(r) => self.on_refuse(r),
            ServerFrame::TokenExpiring(t) => self.events.push_back(Event::TokenExpiring(t.expires)),
            ServerFrame::Sent(s) => self.on_sent(now, s),
            ServerFrame::Ok(d) => self.finish(
                &d.id.clone(),
                Outcome::Done {
                    id: d.id,
                    pending: d.pending,
                },
            ),
            ServerFrame::Error(e) => self.on_error(e),
            ServerFrame::ReadBy(f) => self.finish(&f.id.clone(), Outcome::ReadBy(f)),
            ServerFrame::History(f) => self.finish(&f.id.clone(), Outcome::History(f)),
            ServerFrame::ConvList(f) => {
                if self.outbox.contains(&f.id) {
                    self.on_conv_list(&f);
                }
                self.finish(&f.id.clone(), Outcome::Conversations(f));
            }
            ServerFrame::ConvProfile(f) => {
                if self.outbox.contains(&f.id) {
                    self.on_profile(&f);
                }
                self.finish(&f.id.clone(), Outcome::Profile(*f));
            }
            ServerFrame::ThreadCreated(f) => self.finish(&f.id.clone(), Outcome::ThreadCreated(*f)),
            ServerFrame::GroupCreated(f) => self.finish(&f.id.clone(), Outcome::GroupCreated(f)),
            ServerFrame::ReadSummary(f) => self.on_read_summary(f),
            other => self.notice(now, other),
        }
        self.flush_ack_if_due(now, false);
    }

    /// Handles the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Millis) {
        self.session_timeouts(now);
        if self.inbox.gap_due().is_some_and(|t| t <= now) {
            self.go_down(DisconnectReason::InboxGap);
        }
        if self.inbox.ack_due().is_some_and(|t| t <= now) {
            self.flush_ack_if_due(now, true);
        }
        let backoff = self.backoff();
        while let Some(due) = self.outbox.pop_due(now, &backoff) {
            match due {
                outbox::Due::Retry(frame) => {
                    if self.conn.is_ready() {
                        self.transmit(now, frame);
                    }
                }
                outbox::Due::Expired(id, p) => self.expire(id, p),
            }
        }
    }

    fn expire(&mut self, id: RequestId, p: outbox::Pending) {
        let failure = Failure {
            id: Some(id),
            code: ErrorCode::TIMED_OUT,
            reason: "no answer before the request's deadline".into(),
        };
        self.fail(failure, p);
    }

    fn backoff(&self) -> Backoff {
        Backoff {
            initial: self.config.retry_initial,
            max: self.config.retry_max,
        }
    }

    fn transmit(&mut self, now: Millis, frame: ClientFrame) {
        self.conn.sent(now);
        self.transmits.push_back(frame);
    }

    /// Mints a request id, builds the frame, checks its size, and queues it.
    fn request_frame(
        &mut self,
        now: Millis,
        make: impl FnOnce(RequestId) -> ClientFrame,
    ) -> Result<RequestId, CommandError> {
        self.request_staged(now, Stage::Queued, make)
    }

    fn request_staged(
        &mut self,
        now: Millis,
        stage: Stage,
        make: impl FnOnce(RequestId) -> ClientFrame,
    ) -> Result<RequestId, CommandError> {
        if self.user.is_none() {
            return Err(CommandError::NotConnected);
        }
        if self.outbox.len() >= self.config.max_outbox {
            return Err(CommandError::OutboxFull {
                max: self.config.max_outbox,
            });
        }
        let id = self.ids.next_id();
        let frame = make(id.clone());
        self.check_size(&frame)?;
        let deadline = match stage {
            Stage::Uploading => None,
            _ => Some(now.saturating_add(self.config.request_deadline)),
        };
        self.enqueue(now, id.clone(), frame, stage, deadline, false);
        Ok(id)
    }

    fn check_size(&self, frame: &ClientFrame) -> Result<(), CommandError> {
        match Codec::new(self.max_frame).encode(frame) {
            Ok(_) => Ok(()),
            Err(crate::error::EncodeError::TooLarge { len, max }) => {
                Err(CommandError::TooLarge { len, max })
            }
            Err(e) => Err(CommandError::InvalidArgument(e.to_string())),
        }
    }

    /// Puts a request in the outbox and transmits it if the session is open.
    fn enqueue(
        &mut self,
        now: Millis,
        id: RequestId,
        frame: ClientFrame,
        stage: Stage,
        deadline: Option<Millis>,
        silent: bool,
    ) {
        let go = stage == Stage::Queued && self.conn.is_ready();
        self.outbox
            .insert(id.clone(), frame.clone(), stage, deadline, silent);
        if go {
            self.outbox.transmitted(&id, now, &self.backoff());
            self.transmit(now, frame);
        }
    }

    /// Ends a request with `outcome` (an answer for an unknown or not yet
    /// transmitted request is a stale duplicate and is dropped).
    fn finish(&mut self, id: &RequestId, outcome: Outcome) {
        let Some(p) = self.outbox.get(id) else { return };
        if matches!(p.stage, Stage::Uploading | Stage::Held { .. }) {
            return;
        }
        if let Some(p) = self.outbox.remove(id)
            && !p.silent
        {
            self.events.push_back(Event::Outcome(outcome));
        }
    }

    fn on_error(&mut self, e: Failure) {
        let Some(id) = e.id.clone() else { return };
        let Some(p) = self.outbox.get(&id) else {
            return;
        };
        if matches!(p.stage, Stage::Uploading | Stage::Held { .. }) {
            return;
        }
        if let Some(p) = self.outbox.remove(&id) {
            self.fail(e, p);
        }
    }

    /// Reports a failed request and releases what waited for it.
    fn fail(&mut self, e: Failure, p: outbox::Pending) {
        let Some(id) = e.id else { return };
        if !p.silent {
            self.events.push_back(Event::Outcome(Outcome::Failed {
                id: id.clone(),
                code: e.code,
                reason: e.reason,
            }));
        }
        if let ClientFrame::Send(_) = &p.frame {
            self.failed.insert(id.clone(), p.frame);
            self.fail_recalls(&id);
        }
    }
}

/// Checks a page size against PROTOCOL.md §16.
fn check_page(limit: u16) -> Result<(), CommandError> {
    if crate::limits::page_ok(limit) {
        Ok(())
    } else {
        Err(CommandError::InvalidArgument(format!(
            "page size {limit} is not within 1..=100"
        )))
    }
}

/// Checks a user list against PROTOCOL.md §16.
fn check_users(users: &[UserId]) -> Result<(), CommandError> {
    if crate::limits::users_ok(users.len()) {
        Ok(())
    } else {
        Err(CommandError::InvalidArgument(format!(
            "{} users; 1 to 100 are allowed",
            users.len()
        )))
    }
}
