//! The server state machine, scripted: connections in, frames out, exact
//! assertions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod durability;
mod groups;
mod own_copy;
mod persist_gate;
mod props;
mod receipts;
mod resident;
mod routing;
mod rules;
mod session;
mod threads_history;

use natter_core::server::{
    ConnectionId, MemoryStore, Output, Record, Server, ServerConfig, ServerEvent, token,
};
use natter_core::{Millis, Now, UserId};
use serde_json::Value;
use std::sync::Arc;

pub(crate) const SECRET: &[u8] = b"test-secret";

/// A server with scripted connections.
pub(crate) struct S {
    pub(crate) s: Server,
    pub(crate) now: Millis,
    next: u64,
    pub(crate) records: Vec<Record>,
    /// Every batch, load and checkpoint goes through this store.
    pub(crate) store: MemoryStore,
    /// Loads answered.
    pub(crate) loads: usize,
    /// Frames drained but not yet taken.
    pending: Vec<(u64, Value)>,
    /// Events drained but not yet taken.
    events: Vec<ServerEvent>,
}

pub(crate) fn user(s: &str) -> UserId {
    UserId::new(s).unwrap()
}

pub(crate) fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap()
}

pub(crate) fn token_for(name: &str) -> String {
    token::mint(SECRET, &user(name), Millis(10_000_000_000))
}

impl S {
    pub(crate) fn new() -> S {
        Self::with(ServerConfig::new(SECRET))
    }

    pub(crate) fn with(config: ServerConfig) -> S {
        S {
            s: Server::new(Arc::new(config)),
            now: Millis(1_000_000),
            next: 0,
            records: Vec::new(),
            store: MemoryStore::new(),
            loads: 0,
            pending: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Opens a connection without saying hello.
    pub(crate) fn open(&mut self) -> ConnectionId {
        self.open_at(self.now.into())
    }

    /// Opens a connection at `now` (the two clocks apart).
    pub(crate) fn open_at(&mut self, now: Now) -> ConnectionId {
        self.next += 1;
        let c = ConnectionId(self.next);
        self.s.handle_connect(now, c);
        c
    }

    /// Opens a connection and logs `name` in, resuming after `last_seq`;
    /// returns it with the frames it got (welcome, replay, ...).
    pub(crate) fn login_from(&mut self, name: &str, last_seq: u64) -> (ConnectionId, Vec<Value>) {
        self.login_speaking(name, last_seq, "[1]")
    }

    /// [`S::login_from`] with the hello's `versions` (a JSON array).
    pub(crate) fn login_speaking(
        &mut self,
        name: &str,
        last_seq: u64,
        versions: &str,
    ) -> (ConnectionId, Vec<Value>) {
        let c = self.open();
        let hello = format!(
            r#"{{"type":"hello","versions":{versions},"token":"{}","device":"dev{}","last_seq":{last_seq}}}"#,
            token_for(name),
            c.0
        );
        self.feed(c, &hello);
        let got = self.take(c);
        assert_eq!(got[0]["type"], "welcome", "{got:?}");
        (c, got)
    }

    /// Logs `name` in on a new connection; drains everything.
    pub(crate) fn login(&mut self, name: &str) -> ConnectionId {
        let (c, _) = self.login_from(name, 0);
        self.drain();
        c
    }

    pub(crate) fn feed(&mut self, c: ConnectionId, json: &str) {
        let _ = self.s.handle_bytes(self.now, c, json.as_bytes());
        self.pump();
    }

    /// Drains the server, persisting every batch at once.
    pub(crate) fn pump(&mut self) {
        while let Some(output) = self.s.poll_output() {
            match output {
                Output::Persist(batch) => {
                    self.store.write(&batch);
                    let id = batch.id();
                    self.records.extend(batch.into_records());
                    self.s.persisted(id);
                }
                Output::Load(load) => {
                    let rows = self.store.answer(load.query());
                    self.loads += 1;
                    self.s.loaded(self.now, load.id(), rows);
                }
                Output::Checkpoint(checkpoint) => self.store.checkpoint(checkpoint),
                Output::Transmit { conn, frame } => self
                    .pending
                    .push((conn.0, serde_json::to_value(&frame).unwrap())),
                Output::Event(event) => self.events.push(event),
            }
        }
    }

    /// Every frame sent and not yet taken, with its connection.
    pub(crate) fn out(&mut self) -> Vec<(u64, Value)> {
        self.pump();
        std::mem::take(&mut self.pending)
    }

    /// Frames for `c` not yet taken; frames for others stay for later.
    pub(crate) fn take(&mut self, c: ConnectionId) -> Vec<Value> {
        let (mine, others): (Vec<_>, Vec<_>) =
            self.out().into_iter().partition(|(to, _)| *to == c.0);
        self.pending = others;
        mine.into_iter().map(|(_, f)| f).collect()
    }

    pub(crate) fn drain(&mut self) {
        self.out();
        self.events();
    }

    pub(crate) fn events(&mut self) -> Vec<ServerEvent> {
        self.pump();
        std::mem::take(&mut self.events)
    }

    /// Sends a request on `c` and returns what `c` got.
    pub(crate) fn ask(&mut self, c: ConnectionId, json: &str) -> Vec<Value> {
        self.feed(c, json);
        self.take(c)
    }

    /// A one-to-one text message request.
    pub(crate) fn text_to(
        &mut self,
        c: ConnectionId,
        id: &str,
        chat: &str,
        to: &str,
        text: &str,
    ) -> Vec<Value> {
        self.ask(
            c,
            &format!(r#"{{"type":"send","id":"{id}","to":{{"chat":"{chat}","id":"{to}"}},"body":{{"type":"text","text":"{text}"}}}}"#),
        )
    }

    /// A group with `owner` and `members` (all connected or not), created by
    /// the owner on `c`; returns its id.
    pub(crate) fn group(&mut self, c: ConnectionId, kind: &str, members: &[&str]) -> String {
        let members: Vec<String> = members.iter().map(|m| format!("\"{m}\"")).collect();
        let got = self.ask(
            c,
            &format!(r#"{{"type":"group_create","id":"mk-{kind}-{}","kind":"{kind}","name":"G","members":[{}]}}"#, self.next, members.join(",")),
        );
        let created = got.iter().find(|f| f["type"] == "group_created").unwrap();
        let g = created["group"].as_str().unwrap().to_owned();
        self.drain();
        g
    }
}

/// The frames of type `kind` in `frames`.
pub(crate) fn of(frames: &[Value], kind: &str) -> Vec<Value> {
    frames
        .iter()
        .filter(|f| f["type"] == kind)
        .cloned()
        .collect()
}

/// The error code of the one `error` frame in `frames`.
pub(crate) fn error_code(frames: &[Value]) -> u64 {
    let errors = of(frames, "error");
    assert_eq!(errors.len(), 1, "{frames:?}");
    errors[0]["code"].as_u64().unwrap()
}
