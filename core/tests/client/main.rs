//! The client state machine, driven by scripted server frames: each test
//! feeds frames and asserts the exact frames transmitted and events emitted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod conversations;
mod groups;
mod props;
mod recall;
mod receipts;
mod receive;
mod send;
mod session;
mod snapshot;
mod threads_history;
mod typed;

use natter_core::client::{Client, Config, Event, Outcome};
use natter_core::{Codec, DeviceId, Millis, RequestId};
use serde_json::Value;
use std::sync::Arc;

/// A client on a scripted connection.
pub(crate) struct T {
    pub(crate) c: Client,
    pub(crate) now: Millis,
}

pub(crate) fn config() -> Config {
    Config::new(DeviceId::new("d1").unwrap(), 1)
}

pub(crate) const WELCOME: &str = r#"{"type":"welcome","version":1,"user":"alice","device":"d1","seq":0,"oldest":1,"ping_ms":30000,"max_frame":65536,"time":1000000,"token_expires":99999999}"#;

impl T {
    pub(crate) fn with(config: Config) -> T {
        T {
            c: Client::new(Arc::new(config), "tok"),
            now: Millis(1_000_000),
        }
    }

    /// Connected, welcomed as alice, everything drained.
    pub(crate) fn ready() -> T {
        Self::ready_with(config())
    }

    pub(crate) fn ready_with(config: Config) -> T {
        let mut t = T::with(config);
        t.c.handle_connect(t.now);
        t.feed(WELCOME);
        t.sent();
        t.events();
        t
    }

    pub(crate) fn feed(&mut self, json: &str) {
        self.c
            .handle_bytes(self.now, json.as_bytes())
            .unwrap_or_else(|e| panic!("{e}: {json}"));
    }

    /// Frames transmitted since the last call, as JSON values.
    pub(crate) fn sent(&mut self) -> Vec<Value> {
        let codec = Codec::default();
        std::iter::from_fn(|| self.c.poll_transmit())
            .map(|f| serde_json::from_slice(&codec.encode(&f).unwrap()).unwrap())
            .collect()
    }

    pub(crate) fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.c.poll_event()).collect()
    }

    /// Moves the clock by `ms` and fires the timers due.
    pub(crate) fn advance(&mut self, ms: u64) {
        self.now = Millis(self.now.0 + ms);
        self.c.handle_timeout(self.now);
    }

    /// Jumps to the client's next timer and fires it.
    pub(crate) fn next_timer(&mut self) -> Millis {
        let at = self.c.poll_timeout().expect("a timer is armed");
        self.now = self.now.max(at);
        self.c.handle_timeout(self.now);
        at
    }
}

/// The one-to-one conversation with bob, from alice's side.
pub(crate) fn bob() -> natter_core::Conversation {
    natter_core::Conversation::Single(natter_core::UserId::new("bob").unwrap())
}

pub(crate) fn rid(s: &str) -> RequestId {
    RequestId::new(s).unwrap()
}

pub(crate) fn outcomes(events: &[Event]) -> Vec<Outcome> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Outcome(o) => Some(o.clone()),
            _ => None,
        })
        .collect()
}

pub(crate) fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap()
}

/// A `msg` frame: `mid` from `from` to `to` (a conversation object), text.
pub(crate) fn msg(seq: Option<u64>, mid: u64, from: &str, to: &str, text: &str) -> String {
    let seq = seq.map(|s| format!(r#""seq":{s},"#)).unwrap_or_default();
    format!(
        r#"{{"type":"msg",{seq}"msg":{{"mid":"{mid}","from":"{from}","to":{to},"ts":{},"body":{{"type":"text","text":"{text}"}}}}}}"#,
        1_000_000 + mid
    )
}

pub(crate) const TO_ALICE: &str = r#"{"chat":"single","id":"alice"}"#;
pub(crate) const TO_BOB: &str = r#"{"chat":"single","id":"bob"}"#;
pub(crate) const TO_TEAM: &str = r#"{"chat":"group","id":"team"}"#;
