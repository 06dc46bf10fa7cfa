//! Random interleavings of commands, server frames, timeouts, disconnects
//! and reconnects: the client never panics, never reports a message twice,
//! reports stored messages in server order, and ends every command in
//! exactly one outcome.

use crate::*;
use natter_core::client::{Outgoing, RecallTarget};
use natter_core::frame::client::Direction;
use natter_core::{Body, GroupId, MessageId};
use proptest::prelude::*;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
enum Op {
    Command(u8),
    Answer { pick: usize, ok: bool },
    RepeatAnswer(usize),
    NewEvent { deliver: bool },
    Redeliver(usize),
    Ephemeral,
    Garbage(Vec<u8>),
    Wait(u64),
    Disconnect,
    Reconnect,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<u8>().prop_map(Op::Command),
        4 => (any::<usize>(), prop::bool::weighted(0.7)).prop_map(|(pick, ok)| Op::Answer { pick, ok }),
        1 => any::<usize>().prop_map(Op::RepeatAnswer),
        4 => prop::bool::weighted(0.8).prop_map(|deliver| Op::NewEvent { deliver }),
        2 => any::<usize>().prop_map(Op::Redeliver),
        1 => Just(Op::Ephemeral),
        1 => prop::collection::vec(any::<u8>(), 0..40).prop_map(Op::Garbage),
        2 => (0u64..40_000).prop_map(Op::Wait),
        1 => Just(Op::Disconnect),
        1 => Just(Op::Reconnect),
    ]
}

/// A scripted server that answers what the client sends.
#[derive(Default)]
struct Fake {
    inbox: Vec<String>,
    requests: Vec<(String, String)>,
    answers: Vec<String>,
    next_mid: u64,
    last_hello_seq: u64,
    up: bool,
}

impl Fake {
    fn observe(&mut self, frames: Vec<Value>) {
        for f in frames {
            let kind = f["type"].as_str().unwrap_or_default().to_owned();
            if kind == "hello" {
                self.last_hello_seq = f["last_seq"].as_u64().unwrap_or(0);
            }
            if let Some(id) = f["id"].as_str()
                && !self.requests.iter().any(|(i, _)| i == id)
            {
                self.requests.push((id.to_owned(), kind));
            }
        }
    }

    fn answer(&mut self, pick: usize, ok: bool, last_seq: u64) -> Option<String> {
        if self.requests.is_empty() {
            return None;
        }
        let (id, kind) = self.requests.remove(pick % self.requests.len());
        self.next_mid += 1;
        let mid = 500_000 + self.next_mid;
        let frame = if !ok {
            format!(r#"{{"type":"error","id":"{id}","code":400,"reason":"no"}}"#)
        } else {
            match kind.as_str() {
                "send" => format!(r#"{{"type":"sent","id":"{id}","mid":"{mid}","ts":{mid}}}"#),
                "history" => format!(
                    r#"{{"type":"history","id":"{id}","conv":{TO_BOB},"entries":[],"done":true}}"#
                ),
                "conv_list" => format!(
                    r#"{{"type":"conv_list","id":"{id}","seq":{last_seq},"items":[],"done":true}}"#
                ),
                "read_by" => {
                    format!(r#"{{"type":"read_by","id":"{id}","mid":"1","count":0,"readers":[]}}"#)
                }
                "group_create" => format!(r#"{{"type":"group_created","id":"{id}","group":"g1"}}"#),
                _ => format!(r#"{{"type":"ok","id":"{id}"}}"#),
            }
        };
        self.answers.push(frame.clone());
        Some(frame)
    }

    fn new_event(&mut self) -> String {
        let seq = self.inbox.len() as u64 + 1;
        let frame = if seq.is_multiple_of(5) {
            format!(
                r#"{{"type":"recalled","seq":{seq},"mid":"{}","from":"bob","to":{TO_ALICE},"by":"bob","ts":1}}"#,
                1000 + seq - 1
            )
        } else {
            msg(Some(seq), 1000 + seq, "bob", TO_ALICE, "m")
        };
        self.inbox.push(frame.clone());
        frame
    }
}

fn command(t: &mut T, pick: u8, issued: &mut Vec<RequestId>) {
    let now = t.now;
    let last_send = issued.last().cloned();
    let r = match pick % 9 {
        0 | 1 => {
            t.c.send(now, Outgoing::new(bob(), Body::Text { text: "x".into() }))
        }
        2 => match last_send {
            Some(id) if pick.is_multiple_of(2) => t.c.recall(now, RecallTarget::Send(id)),
            _ => t.c.recall(now, MessageId(1001)),
        },
        3 => t.c.mark_read(now, MessageId(1001)),
        4 => t.c.mark_conversation_read(now, bob()),
        5 => t.c.fetch_history(now, bob(), None, Direction::Before, 20),
        6 => t.c.fetch_conversations(now, None, 20),
        7 => t.c.join_group(now, GroupId::new("g1").unwrap(), None),
        _ => t.c.read_by(now, MessageId(1001)),
    };
    if let Ok(id) = r {
        issued.push(id);
    }
}

fn run(ops: &[Op]) -> (Vec<Value>, Vec<Event>, Vec<RequestId>) {
    let cfg = config().with_auto_delivered_receipts(true);
    let mut t = T::ready_with(cfg);
    let mut fake = Fake {
        up: true,
        ..Fake::default()
    };
    let mut issued = Vec::new();
    let mut wire = Vec::new();
    let mut events = Vec::new();
    for op in ops {
        match op {
            Op::Command(p) => command(&mut t, *p, &mut issued),
            Op::Answer { pick, ok } => {
                let last = t.c.last_seq().0;
                if let Some(frame) = fake.answer(*pick, *ok, last).filter(|_| fake.up) {
                    t.feed(&frame);
                }
            }
            Op::RepeatAnswer(k) if fake.up && !fake.answers.is_empty() => {
                let frame = fake.answers[k % fake.answers.len()].clone();
                t.feed(&frame);
            }
            Op::NewEvent { deliver } => {
                let frame = fake.new_event();
                if *deliver && fake.up {
                    t.feed(&frame);
                }
            }
            Op::Redeliver(k) if fake.up && !fake.inbox.is_empty() => {
                let frame = fake.inbox[k % fake.inbox.len()].clone();
                t.feed(&frame);
            }
            Op::Ephemeral if fake.up => {
                fake.next_mid += 1;
                t.feed(&msg(
                    None,
                    900_000 + fake.next_mid,
                    "carol",
                    r#"{"chat":"room","id":"lobby"}"#,
                    "e",
                ));
            }
            Op::Garbage(bytes) => {
                let _ = t.c.handle_bytes(t.now, bytes);
            }
            Op::Wait(ms) => t.advance(*ms),
            Op::Disconnect => {
                t.c.handle_disconnect(t.now);
                fake.up = false;
                fake.requests.clear();
            }
            Op::Reconnect => {
                t.c.handle_connect(t.now);
                fake.requests.clear();
                fake.observe(t.sent());
                let seq = fake.inbox.len();
                t.feed(&WELCOME.replace(r#""seq":0"#, &format!(r#""seq":{seq}"#)));
                fake.up = true;
                for frame in fake
                    .inbox
                    .clone()
                    .iter()
                    .skip(usize::try_from(fake.last_hello_seq).unwrap())
                {
                    t.feed(frame);
                }
            }
            _ => {}
        }
        let sent = t.sent();
        if t.c.is_ready() {
            fake.observe(sent.clone());
        }
        wire.extend(sent);
        events.extend(t.events());
        if !t.c.is_ready() {
            fake.up = false;
        }
    }
    // Drain: no more answers; every deadline passes.
    t.c.handle_disconnect(t.now);
    t.advance(120_000);
    wire.extend(t.sent());
    events.extend(t.events());
    (wire, events, issued)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_interleavings_keep_the_client_promises(ops in prop::collection::vec(op(), 1..80)) {
        let (wire, events, issued) = run(&ops);
        // Exactly one outcome per command.
        let mut outcomes: BTreeMap<RequestId, usize> = BTreeMap::new();
        for e in &events {
            if let Event::Outcome(o) = e {
                *outcomes.entry(o.id().clone()).or_default() += 1;
            }
        }
        for id in &issued {
            prop_assert_eq!(outcomes.get(id).copied(), Some(1), "command {} outcomes", id);
        }
        prop_assert_eq!(outcomes.len(), issued.len(), "outcomes for requests never issued");
        // Each message once; stored messages in server order.
        let mids: Vec<u64> = events.iter().filter_map(|e| match e { Event::Message(m) => Some(m.mid.0), _ => None }).collect();
        let unique: std::collections::BTreeSet<u64> = mids.iter().copied().collect();
        prop_assert_eq!(unique.len(), mids.len(), "a message reported twice: {:?}", mids);
        let stored: Vec<u64> = mids.iter().copied().filter(|m| *m < 900_000).collect();
        prop_assert!(stored.windows(2).all(|w| w[0] < w[1]), "out of order: {:?}", stored);
        // The same inputs give the same outputs.
        let (wire2, events2, issued2) = run(&ops);
        prop_assert_eq!(wire, wire2);
        prop_assert_eq!(events, events2);
        prop_assert_eq!(issued, issued2);
    }
}
