//! Several users on several connections doing random operations: nobody
//! receives a message of a conversation they are not in, nobody acts as
//! another user, every request gets exactly one answer, and a server
//! restored from the records answers a probe exactly like the original.

use crate::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

const USERS: [&str; 3] = ["alice", "bob", "carol"];

#[derive(Clone, Debug)]
enum Op {
    /// A user logs in, speaking protocol version 2 (else only 1).
    Login(usize, bool),
    Drop(usize),
    Direct {
        conn: usize,
        to: usize,
    },
    ToGroup {
        conn: usize,
        group: usize,
    },
    CreateGroup {
        conn: usize,
        with: usize,
    },
    Join {
        conn: usize,
        group: usize,
    },
    Leave {
        conn: usize,
        group: usize,
    },
    Kick {
        conn: usize,
        group: usize,
        who: usize,
    },
    Recall {
        conn: usize,
        mid: u64,
    },
    Read {
        conn: usize,
        mid: u64,
    },
    ConvRead {
        conn: usize,
        to: usize,
    },
    History {
        conn: usize,
        to: usize,
    },
    Garbage {
        conn: usize,
        bytes: Vec<u8>,
    },
    Wait(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let c = 0usize..6;
    prop_oneof![
        2 => (0usize..3, any::<bool>()).prop_map(|(u, v2)| Op::Login(u, v2)),
        1 => c.clone().prop_map(Op::Drop),
        4 => (c.clone(), 0usize..3).prop_map(|(conn, to)| Op::Direct { conn, to }),
        3 => (c.clone(), 0usize..3).prop_map(|(conn, group)| Op::ToGroup { conn, group }),
        1 => (c.clone(), 0usize..3).prop_map(|(conn, with)| Op::CreateGroup { conn, with }),
        1 => (c.clone(), 0usize..3).prop_map(|(conn, group)| Op::Join { conn, group }),
        1 => (c.clone(), 0usize..3).prop_map(|(conn, group)| Op::Leave { conn, group }),
        1 => (c.clone(), 0usize..3, 0usize..3).prop_map(|(conn, group, who)| Op::Kick { conn, group, who }),
        1 => (c.clone(), 1u64..12).prop_map(|(conn, mid)| Op::Recall { conn, mid }),
        1 => (c.clone(), 1u64..12).prop_map(|(conn, mid)| Op::Read { conn, mid }),
        1 => (c.clone(), 0usize..3).prop_map(|(conn, to)| Op::ConvRead { conn, to }),
        1 => (c.clone(), 0usize..3).prop_map(|(conn, to)| Op::History { conn, to }),
        1 => (c.clone(), prop::collection::vec(any::<u8>(), 0..30)).prop_map(|(conn, bytes)| Op::Garbage { conn, bytes }),
        1 => (0u64..200_000).prop_map(Op::Wait),
    ]
}

/// A membership change a request makes if it succeeds: group, user, joins.
type Change = (String, &'static str, bool);

#[derive(Default)]
struct World {
    /// Open connections: id and user.
    conns: Vec<(ConnectionId, &'static str)>,
    /// Group members as the answers tell them.
    groups: BTreeMap<String, BTreeSet<&'static str>>,
    /// Request id → (connection, user, what it does to membership).
    requests: BTreeMap<String, (u64, &'static str, Option<Change>)>,
    answers: BTreeMap<String, usize>,
    next_req: u64,
    violations: Vec<String>,
    /// Every frame sent, with its connection.
    frames: Vec<(u64, Value)>,
}

impl World {
    fn conn(&self, k: usize) -> Option<(ConnectionId, &'static str)> {
        (!self.conns.is_empty()).then(|| self.conns[k % self.conns.len()])
    }

    fn group_name(&self, k: usize) -> String {
        format!("g{}", k + 1)
    }

    /// Sends a request; `change` is the membership change it makes if it
    /// succeeds.
    fn request(
        &mut self,
        t: &mut S,
        k: usize,
        body: &str,
        change: impl FnOnce(&'static str) -> Option<Change>,
    ) {
        let Some((conn, who)) = self.conn(k) else {
            return;
        };
        self.next_req += 1;
        let id = format!("q{}", self.next_req);
        self.requests.insert(id.clone(), (conn.0, who, change(who)));
        t.feed(conn, &format!(r#"{{"id":"{id}",{body}}}"#));
    }

    fn check(&mut self, out: &[(u64, Value)]) {
        for (conn, f) in out {
            let user = self
                .conns
                .iter()
                .find(|(c, _)| c.0 == *conn)
                .map(|(_, u)| *u);
            if let Some(id) = f.get("id").and_then(Value::as_str)
                && f["type"] != "msg"
            {
                *self.answers.entry(id.to_owned()).or_default() += 1;
                let ok = matches!(f["type"].as_str(), Some("ok" | "group_created"));
                if let (true, Some((_, _, Some((g, u, join))))) = (ok, self.requests.get(id)) {
                    let (g, u, join) = (g.clone(), *u, *join);
                    let members = self.groups.entry(g).or_default();
                    if join {
                        members.insert(u)
                    } else {
                        members.remove(u)
                    };
                }
                if f["type"] == "group_created" {
                    let (_, creator, _) = self.requests[id].clone();
                    let g = f["group"].as_str().unwrap().to_owned();
                    self.groups.entry(g).or_default().insert(creator);
                }
            }
            if f["type"] != "msg" {
                continue;
            }
            let (Some(user), msg) = (user, &f["msg"]) else {
                continue;
            };
            let from = msg["from"].as_str().unwrap();
            if let Some((_, sender, _)) = msg["req"].as_str().and_then(|r| self.requests.get(r))
                && *sender != from
            {
                self.violations
                    .push(format!("{from} sent as {sender}'s request"));
            }
            let to = &msg["to"];
            let allowed = match to["chat"].as_str() {
                Some("single") => user == from || to["id"] == user,
                _ => self
                    .groups
                    .get(to["id"].as_str().unwrap())
                    .is_some_and(|m| m.contains(user)),
            };
            if !allowed {
                self.violations
                    .push(format!("{user} got a message of {to}"));
            }
        }
    }
}

fn run(ops: &[Op]) -> (S, World) {
    run_with(ServerConfig::new(SECRET), ops)
}

/// A server that keeps two messages in memory and checkpoints every five
/// records: everything else goes through its store.
fn small_window() -> ServerConfig {
    ServerConfig::new(SECRET)
        .with_resident_messages(Some(2))
        .with_checkpoint_every(Some(5))
}

/// Each connection's frames: its inbox stream (frames with a `seq`) in
/// order, then its other frames in order. A load may delay inbox frames
/// behind other frames of the same input, never reorder either kind.
fn per_connection(frames: &[(u64, Value)]) -> BTreeMap<u64, (Vec<Value>, Vec<Value>)> {
    let mut by: BTreeMap<u64, (Vec<Value>, Vec<Value>)> = BTreeMap::new();
    for (c, f) in frames {
        let slot = by.entry(*c).or_default();
        if f.get("seq").is_some_and(|s| !s.is_null()) {
            slot.0.push(f.clone());
        } else {
            slot.1.push(f.clone());
        }
    }
    by
}

/// Each connection's inbox positions in the order they came, `msg` or
/// (version 2) `sent` alike: every connection here logs in from 0 and
/// never acknowledges, so they must run 1, 2, 3, ... without a gap or a
/// repeat.
fn gapless_streams(frames: &[(u64, Value)]) -> Result<(), String> {
    let mut next: BTreeMap<u64, u64> = BTreeMap::new();
    for (c, f) in frames {
        let Some(seq) = f.get("seq").and_then(Value::as_u64) else {
            continue;
        };
        if f["type"] == "pong" || f["type"] == "welcome" {
            continue;
        }
        let want = next.entry(*c).or_insert(1);
        if seq != *want {
            return Err(format!("connection {c}: position {seq}, not {want}: {f}"));
        }
        *want += 1;
    }
    Ok(())
}

fn run_with(config: ServerConfig, ops: &[Op]) -> (S, World) {
    let mut t = S::with(config);
    let mut w = World::default();
    for op in ops {
        match op {
            Op::Login(u, v2) => {
                let versions = if *v2 { "[1,2]" } else { "[1]" };
                let (c, got) = t.login_speaking(USERS[*u], 0, versions);
                w.frames.extend(got.into_iter().map(|f| (c.0, f)));
                w.conns.push((c, USERS[*u]));
            }
            Op::Drop(k) => {
                if let Some((c, _)) = w.conn(*k) {
                    t.s.handle_disconnect(t.now, c);
                    w.conns.retain(|(x, _)| *x != c);
                }
            }
            Op::Direct { conn, to } => {
                let body = format!(
                    r#""type":"send","to":{{"chat":"single","id":"{}"}},"body":{{"type":"text","text":"x"}}"#,
                    USERS[*to]
                );
                w.request(&mut t, *conn, &body, |_| None);
            }
            Op::ToGroup { conn, group } => {
                let body = format!(
                    r#""type":"send","to":{{"chat":"group","id":"{}"}},"body":{{"type":"text","text":"x"}}"#,
                    w.group_name(*group)
                );
                w.request(&mut t, *conn, &body, |_| None);
            }
            Op::CreateGroup { conn, with } => {
                let body = format!(
                    r#""type":"group_create","name":"G","members":["{}"]"#,
                    USERS[*with]
                );
                let g = format!("g{}", w.groups.len() + 1);
                w.request(&mut t, *conn, &body, |_| Some((g, USERS[*with], true)));
            }
            Op::Join { conn, group } => {
                let g = w.group_name(*group);
                w.request(
                    &mut t,
                    *conn,
                    &format!(r#""type":"group_join","group":"{g}""#),
                    |me| Some((g, me, true)),
                );
            }
            Op::Leave { conn, group } => {
                let g = w.group_name(*group);
                w.request(
                    &mut t,
                    *conn,
                    &format!(r#""type":"group_leave","group":"{g}""#),
                    |me| Some((g, me, false)),
                );
            }
            Op::Kick { conn, group, who } => {
                let g = w.group_name(*group);
                let body = format!(
                    r#""type":"group_kick","group":"{g}","users":["{}"]"#,
                    USERS[*who]
                );
                w.request(&mut t, *conn, &body, |_| Some((g, USERS[*who], false)));
            }
            Op::Recall { conn, mid } => w.request(
                &mut t,
                *conn,
                &format!(r#""type":"recall","mid":"{mid}""#),
                |_| None,
            ),
            Op::Read { conn, mid } => w.request(
                &mut t,
                *conn,
                &format!(r#""type":"receipt","kind":"read","mid":"{mid}""#),
                |_| None,
            ),
            Op::ConvRead { conn, to } => {
                let body = format!(
                    r#""type":"conv_read","conv":{{"chat":"single","id":"{}"}}"#,
                    USERS[*to]
                );
                w.request(&mut t, *conn, &body, |_| None);
            }
            Op::History { conn, to } => {
                let body = format!(
                    r#""type":"history","conv":{{"chat":"single","id":"{}"}}"#,
                    USERS[*to]
                );
                w.request(&mut t, *conn, &body, |_| None);
            }
            Op::Garbage { conn, bytes } => {
                if let Some((c, _)) = w.conn(*conn) {
                    let _ = t.s.handle_bytes(t.now, c, bytes);
                }
            }
            Op::Wait(ms) => {
                t.now = Millis(t.now.0 + ms);
                t.s.handle_timeout(t.now);
                for e in t.events() {
                    if let ServerEvent::Close { conn, .. } = e {
                        w.conns.retain(|(x, _)| *x != conn);
                    }
                }
            }
        }
        let out = t.out();
        w.check(&out);
        w.frames.extend(out);
        t.events();
    }
    (t, w)
}

/// A fixed probe after the random run: logins replay every inbox, then
/// every user lists conversations.
fn probe(t: &mut S) -> Vec<(u64, Value)> {
    let mut all = Vec::new();
    for u in USERS {
        let (c, got) = t.login_from(u, 0);
        all.extend(got.into_iter().map(|f| (c.0, f)));
        t.feed(c, r#"{"type":"conv_list","id":"probe"}"#);
        t.feed(c, r#"{"type":"send","id":"probe2","to":{"chat":"group","id":"g1"},"body":{"type":"text","text":"p"}}"#);
        t.feed(c, r#"{"type":"send","id":"probe3","to":{"chat":"single","id":"bob"},"body":{"type":"text","text":"p"}}"#);
        all.extend(t.out());
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_operations_keep_the_server_promises(ops in prop::collection::vec(op(), 1..60)) {
        let (mut t, w) = run(&ops);
        prop_assert!(w.violations.is_empty(), "{:?}", w.violations);
        prop_assert_eq!(gapless_streams(&w.frames), Ok(()));
        for id in w.requests.keys() {
            prop_assert_eq!(w.answers.get(id).copied(), Some(1), "request {} answers", id);
        }
        // Restore from the records and compare a probe.
        for (c, _) in &w.conns {
            t.s.handle_disconnect(t.now, *c);
        }
        t.drain();
        let mut restored = S::new();
        restored.s = Server::restore(Arc::new(ServerConfig::new(SECRET)), t.records.clone());
        restored.now = t.now;
        restored.next = t.next;
        let expected = probe(&mut t);
        let got = probe(&mut restored);
        prop_assert_eq!(got, expected);
        prop_assert_eq!(&restored.records, &t.records[t.records.len() - restored.records.len()..]);
    }

    #[test]
    fn a_small_resident_window_answers_like_keeping_everything(ops in prop::collection::vec(op(), 1..60)) {
        let (mut all, w_all) = run(&ops);
        let (mut small, w_small) = run_with(small_window(), &ops);
        prop_assert!(w_small.violations.is_empty(), "{:?}", w_small.violations);
        prop_assert_eq!(gapless_streams(&w_small.frames), Ok(()));
        prop_assert_eq!(&w_small.answers, &w_all.answers);
        prop_assert_eq!(per_connection(&w_small.frames), per_connection(&w_all.frames));
        prop_assert_eq!(&small.records, &all.records);
        prop_assert!(small.s.resident_messages() <= 2);
        prop_assert_eq!(small.s.pending_loads(), 0);
        for (c, _) in &w_all.conns {
            all.s.handle_disconnect(all.now, *c);
            small.s.handle_disconnect(small.now, *c);
        }
        all.drain();
        small.drain();
        // Restored from its checkpoint and the records after it, the small
        // server still answers like the one that kept everything.
        let mut restored = S::with(small_window());
        restored.s = small.store.restore(Arc::new(small_window())).unwrap();
        restored.store = small.store.clone();
        restored.now = small.now;
        restored.next = small.next;
        let expected = probe(&mut all);
        let got = probe(&mut restored);
        prop_assert_eq!(per_connection(&got), per_connection(&expected));
    }
}
