//! Protocol version 2: the sending connection's copy of a stored message is
//! folded into its `sent` answer (PROTOCOL.md §6.3).

use crate::*;
use natter_core::server::ServerConfig;

const MSG: &str = r#"{"mid":"1","from":"alice","to":{"chat":"single","id":"bob"},"ts":1000000,"req":"r1","body":{"type":"text","text":"hi"}}"#;

/// Logs `name` in speaking versions 1 and 2; drains everything.
fn login_v2(t: &mut S, name: &str) -> natter_core::server::ConnectionId {
    let (c, got) = t.login_speaking(name, 0, "[1,2]");
    assert_eq!(got[0]["version"], 2);
    t.drain();
    c
}

#[test]
fn the_sending_connection_gets_sent_with_seq_and_no_copy() {
    let mut t = S::new();
    let a1 = login_v2(&mut t, "alice");
    let a2 = login_v2(&mut t, "alice");
    let b = t.login("bob");
    t.feed(a1, r#"{"type":"send","id":"r1","to":{"chat":"single","id":"bob"},"body":{"type":"text","text":"hi"}}"#);
    let copy = json(&format!(r#"{{"type":"msg","seq":1,"msg":{MSG}}}"#));
    assert_eq!(
        t.out(),
        vec![
            (a2.0, copy.clone()),
            (b.0, copy),
            (
                a1.0,
                json(r#"{"type":"sent","id":"r1","mid":"1","ts":1000000,"seq":1}"#)
            ),
        ]
    );
    // The answer took the copy's place in a1's stream: its ack moves on.
    t.feed(a1, r#"{"type":"ack","seq":1}"#);
    assert_eq!(t.out(), vec![]);
}

#[test]
fn a_version_1_session_still_gets_the_copy_and_a_plain_sent() {
    let mut t = S::new();
    let a = t.login("alice");
    t.login("bob");
    let got = t.text_to(a, "r1", "single", "bob", "hi");
    assert_eq!(
        got,
        vec![
            json(&format!(r#"{{"type":"msg","seq":1,"msg":{MSG}}}"#)),
            json(r#"{"type":"sent","id":"r1","mid":"1","ts":1000000}"#),
        ]
    );
}

#[test]
fn a_copy_the_window_holds_back_is_sent_as_msg_later() {
    let mut t = S::with(ServerConfig::new(SECRET).with_delivery_window(1));
    let a = login_v2(&mut t, "alice");
    t.login("bob");
    let first = t.text_to(a, "r1", "single", "bob", "hi");
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["seq"], 1, "folded: {first:?}");
    // Seq 1 is unacknowledged and the window is one event: the second
    // copy waits, so its answer cannot stand for it.
    let second = t.text_to(a, "r2", "single", "bob", "again");
    assert_eq!(
        second,
        vec![json(r#"{"type":"sent","id":"r2","mid":"2","ts":1000000}"#)]
    );
    let later = t.ask(a, r#"{"type":"ack","seq":1}"#);
    assert_eq!(later.len(), 1);
    assert_eq!(later[0]["type"], "msg");
    assert_eq!(later[0]["seq"], 2);
    assert_eq!(later[0]["msg"]["req"], "r2");
}

#[test]
fn a_repeat_and_a_resume_get_the_copy_from_the_inbox() {
    let mut t = S::new();
    let a = login_v2(&mut t, "alice");
    t.login("bob");
    assert_eq!(t.text_to(a, "r1", "single", "bob", "hi")[0]["seq"], 1);
    // The repeat is answered from memory: no seq, and nothing skipped.
    let again = t.text_to(a, "r1", "single", "bob", "hi");
    assert_eq!(
        again,
        vec![json(r#"{"type":"sent","id":"r1","mid":"1","ts":1000000}"#)]
    );
    // Never acknowledged: a new session replays the copy as a `msg`.
    let (_, got) = t.login_speaking("alice", 0, "[1,2]");
    assert_eq!(
        got[1],
        json(&format!(r#"{{"type":"msg","seq":1,"msg":{MSG}}}"#))
    );
}
