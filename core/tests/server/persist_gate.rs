//! Persist before answer, enforced by the output queue: no frame or event
//! of an input leaves before the batch holding that input's records (and
//! every batch before it) is reported persisted.

use crate::*;
use natter_core::server::{Batch, Output};

/// Drains everything the server hands out now, without persisting.
fn drain(t: &mut S) -> (Vec<Batch>, Vec<Output>) {
    let mut batches = Vec::new();
    let mut rest = Vec::new();
    while let Some(output) = t.s.poll_output() {
        match output {
            Output::Persist(b) => batches.push(b),
            other => rest.push(other),
        }
    }
    (batches, rest)
}

fn send(to: &str, id: &str) -> String {
    format!(
        r#"{{"type":"send","id":"{id}","to":{{"chat":"single","id":"{to}"}},"body":{{"type":"text","text":"x"}}}}"#
    )
}

#[test]
fn a_frame_cannot_leave_before_its_batch_is_persisted() {
    let mut t = S::new();
    let a = t.login("alice");
    let b = t.login("bob");
    let _ = t.s.handle_bytes(t.now, a, send("bob", "r1").as_bytes());
    let (batches, frames) = drain(&mut t);
    assert_eq!(batches.len(), 1, "one batch for the input's records");
    assert!(
        frames.is_empty(),
        "nothing leaves before the batch: {frames:?}"
    );
    // Polling again hands out nothing new while the batch is not durable.
    assert!(t.s.poll_output().is_none());
    assert!(
        batches[0]
            .records()
            .iter()
            .any(|r| matches!(r, Record::Stored { .. }))
    );

    t.s.persisted(batches[0].id());
    let (more, frames) = drain(&mut t);
    assert!(more.is_empty());
    let to: Vec<u64> = frames
        .iter()
        .map(|o| match o {
            Output::Transmit { conn, .. } => conn.0,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        to,
        vec![a.0, b.0, a.0],
        "the message to both users' devices, then the answer to alice"
    );
}

#[test]
fn frames_without_records_wait_behind_an_earlier_batch_and_keep_their_order() {
    let mut t = S::new();
    let a = t.login("alice");
    let b = t.login("bob");
    let _ = t.s.handle_bytes(t.now, a, send("bob", "r1").as_bytes());
    let (first, _) = drain(&mut t);
    // A ping makes no record, but its pong must not overtake the answer.
    let _ = t.s.handle_bytes(t.now, a, br#"{"type":"ping","nonce":1}"#);
    let _ = t.s.handle_bytes(t.now, a, send("bob", "r2").as_bytes());
    let (second, frames) = drain(&mut t);
    assert!(frames.is_empty());
    assert_eq!(second.len(), 1);
    assert!(second[0].id() > first[0].id());

    // The second batch durable first is not enough on its own: persisted(id)
    // covers every batch up to id, so reporting the newest releases all.
    t.s.persisted(first[0].id());
    let (_, released) = drain(&mut t);
    assert_eq!(released.len(), 3, "only the first epoch: {released:?}");
    t.s.persisted(second[0].id());
    let (_, released) = drain(&mut t);
    let types: Vec<(u64, String)> = released
        .into_iter()
        .map(|o| match o {
            Output::Transmit { conn, frame } => (
                conn.0,
                serde_json::to_value(&frame).unwrap()["type"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            ),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        types,
        vec![
            (a.0, "pong".to_owned()),
            (a.0, "msg".to_owned()),
            (b.0, "msg".to_owned()),
            (a.0, "sent".to_owned())
        ]
    );
}

#[test]
fn several_batches_are_reported_with_one_call() {
    let mut t = S::new();
    let a = t.login("alice");
    t.login("bob");
    let mut last = None;
    for i in 0..3 {
        let _ =
            t.s.handle_bytes(t.now, a, send("bob", &format!("r{i}")).as_bytes());
        let (batches, frames) = drain(&mut t);
        assert!(frames.is_empty());
        last = batches.last().map(Batch::id);
    }
    t.s.persisted(last.unwrap());
    let (_, released) = drain(&mut t);
    assert_eq!(
        released.len(),
        9,
        "three messages to both users and three answers"
    );
}

#[test]
fn a_close_waits_like_a_frame() {
    let mut t = S::new();
    let a = t.login("alice");
    let _ = t.s.handle_bytes(t.now, a, send("bob", "r1").as_bytes());
    let (batches, _) = drain(&mut t);
    let bad = t.open();
    let _ = t.s.handle_bytes(
        t.now,
        bad,
        br#"{"type":"hello","versions":[1],"token":"nope","device":"d"}"#,
    );
    let (_, held) = drain(&mut t);
    assert!(held.is_empty(), "the refusal and its close wait: {held:?}");
    t.s.persisted(batches[0].id());
    let (_, released) = drain(&mut t);
    assert!(matches!(
        released.last(),
        Some(Output::Event(ServerEvent::Close { conn, .. })) if *conn == bad
    ));
}
