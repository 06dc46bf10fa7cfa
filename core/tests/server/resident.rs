//! A server that keeps only its newest messages in memory: every request
//! about an older message, every history page past the window and every
//! inbox replay goes through the store and answers as if nothing had left
//! memory; a checkpoint and the records after it restore it.

use crate::*;
use std::sync::Arc;

/// Keeps three messages in memory, checkpoints every ten records.
fn config() -> ServerConfig {
    ServerConfig::new(SECRET)
        .with_resident_messages(Some(3))
        .with_checkpoint_every(Some(10))
}

/// alice sends `n` texts to bob (offline); returns alice's connection and
/// the message ids, oldest first.
fn ten_texts(t: &mut S, n: usize) -> (ConnectionId, Vec<String>) {
    let a = t.login("alice");
    let mids = (0..n)
        .map(|i| {
            let got = t.text_to(a, &format!("m{i}"), "single", "bob", &format!("hi {i}"));
            of(&got, "sent")[0]["mid"].as_str().unwrap().to_owned()
        })
        .collect();
    (a, mids)
}

/// The texts of history entries or of `msg` frames, in order.
fn texts(frames: &[Value]) -> Vec<String> {
    frames
        .iter()
        .map(|f| if f["type"] == "msg" { &f["msg"] } else { f })
        .filter_map(|m| m["body"]["text"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn memory_holds_the_window_and_the_store_holds_everything() {
    let mut t = S::with(config());
    ten_texts(&mut t, 10);
    assert_eq!(t.s.resident_messages(), 3);
    assert_eq!(t.store.messages(), 10);
    let all = S::new();
    assert_eq!(all.s.config().resident_messages(), None);
}

#[test]
fn history_past_the_window_is_read_from_the_store() {
    let mut t = S::with(config());
    let (_, mids) = ten_texts(&mut t, 10);
    let b = t.login("bob");
    t.loads = 0;
    let page = t.ask(
        b,
        r#"{"type":"history","id":"h1","conv":{"chat":"single","id":"alice"},"limit":5}"#,
    );
    let page = &of(&page, "history")[0];
    let got: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["mid"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = mids[5..].iter().rev().map(String::as_str).collect();
    assert_eq!(got, want);
    assert_eq!(page["next"], mids[5].as_str());
    assert_eq!(t.loads, 1, "one load for the part beyond memory");
    let older = t.ask(b, &format!(r#"{{"type":"history","id":"h2","conv":{{"chat":"single","id":"alice"}},"limit":5,"cursor":"{}"}}"#, mids[5]));
    let older = &of(&older, "history")[0];
    assert_eq!(
        texts(older["entries"].as_array().unwrap()),
        ["hi 4", "hi 3", "hi 2", "hi 1", "hi 0"]
    );
    assert_eq!(older["done"], true);
    let after = t.ask(b, &format!(r#"{{"type":"history","id":"h3","conv":{{"chat":"single","id":"alice"}},"limit":4,"cursor":"{}","direction":"after"}}"#, mids[1]));
    let after = &of(&after, "history")[0];
    assert_eq!(
        texts(after["entries"].as_array().unwrap()),
        ["hi 2", "hi 3", "hi 4", "hi 5"]
    );
    assert_eq!(after["next"], mids[5].as_str());
}

#[test]
fn a_page_within_the_window_needs_no_load() {
    let mut t = S::with(config());
    ten_texts(&mut t, 10);
    let b = t.login("bob");
    t.loads = 0;
    let page = t.ask(
        b,
        r#"{"type":"history","id":"h1","conv":{"chat":"single","id":"alice"},"limit":2}"#,
    );
    assert_eq!(
        texts(of(&page, "history")[0]["entries"].as_array().unwrap()),
        ["hi 9", "hi 8"]
    );
    assert_eq!(t.loads, 0);
}

#[test]
fn a_replay_from_the_start_loads_what_left_memory_and_keeps_its_order() {
    let mut t = S::with(config());
    ten_texts(&mut t, 10);
    let (_, got) = t.login_from("bob", 0);
    let want: Vec<String> = (0..10).map(|i| format!("hi {i}")).collect();
    assert_eq!(texts(&of(&got, "msg")), want);
    let seqs: Vec<u64> = of(&got, "msg")
        .iter()
        .map(|f| f["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=10).collect::<Vec<_>>());
}

#[test]
fn recall_and_receipts_on_messages_that_left_memory() {
    let mut t = S::with(config());
    let (a, mids) = ten_texts(&mut t, 10);
    let b = t.login("bob");
    t.drain();
    // A receipt for the oldest message reaches alice.
    let ok = t.ask(
        b,
        &format!(
            r#"{{"type":"receipt","id":"r1","kind":"read","mid":"{}"}}"#,
            mids[0]
        ),
    );
    assert_eq!(of(&ok, "ok").len(), 1, "{ok:?}");
    let to_alice = t.take(a);
    assert_eq!(of(&to_alice, "receipt")[0]["mid"], mids[0].as_str());
    // alice recalls it: bob is told, and history shows a tombstone.
    let ok = t.ask(
        a,
        &format!(r#"{{"type":"recall","id":"x1","mid":"{}"}}"#, mids[0]),
    );
    assert_eq!(of(&ok, "ok").len(), 1, "{ok:?}");
    let to_bob = t.take(b);
    assert_eq!(of(&to_bob, "recalled")[0]["mid"], mids[0].as_str());
    let page = t.ask(b, &format!(r#"{{"type":"history","id":"h","conv":{{"chat":"single","id":"alice"}},"limit":1,"cursor":"{}"}}"#, mids[1]));
    let entry = &of(&page, "history")[0]["entries"][0];
    assert_eq!(entry["recalled_by"], "alice", "{entry}");
    // A second recall is still `ok`.
    let again = t.ask(
        a,
        &format!(r#"{{"type":"recall","id":"x2","mid":"{}"}}"#, mids[0]),
    );
    assert_eq!(of(&again, "ok").len(), 1);
    // An online-only message has an id but no row: 404 after the load.
    let sent = t.ask(a, r#"{"type":"send","id":"o1","to":{"chat":"single","id":"bob"},"body":{"type":"text","text":"now"},"online_only":true}"#);
    let online = of(&sent, "sent")[0]["mid"].as_str().unwrap().to_owned();
    t.drain();
    ten_more(&mut t, a);
    t.loads = 0;
    let gone = t.ask(
        b,
        &format!(r#"{{"type":"receipt","id":"r2","kind":"read","mid":"{online}"}}"#),
    );
    assert_eq!(error_code(&gone), 404);
    assert_eq!(t.loads, 1);
}

/// Pushes every earlier message out of memory.
fn ten_more(t: &mut S, a: ConnectionId) {
    for i in 0..10 {
        t.text_to(a, &format!("more{i}"), "single", "bob", "more");
    }
    t.drain();
}

/// Ten texts from alice to bob, the ninth recalled, alice gone: the
/// texts' ids.
fn ten_texts_and_a_recall(t: &mut S) -> Vec<String> {
    let (a, mids) = ten_texts(t, 10);
    t.ask(
        a,
        &format!(r#"{{"type":"recall","id":"x1","mid":"{}"}}"#, mids[8]),
    );
    t.s.handle_disconnect(t.now, a);
    t.drain();
    mids
}

#[test]
fn a_checkpoint_and_the_records_after_it_restore_the_server() {
    let mut t = S::with(config());
    let mids = ten_texts_and_a_recall(&mut t);
    assert!(
        t.store.records().len() < 10,
        "{} records after the checkpoint",
        t.store.records().len()
    );
    let mut restored = S::with(config());
    restored.s = t.store.restore(Arc::new(config())).unwrap();
    restored.store = t.store.clone();
    restored.now = t.now;
    let (_, got) = restored.login_from("bob", 0);
    let want: Vec<String> = (0..10).map(|i| format!("hi {i}")).collect();
    assert_eq!(texts(&of(&got, "msg")), want);
    assert_eq!(of(&got, "recalled")[0]["mid"], mids[8].as_str());
    let b = restored.login("bob");
    let list = restored.ask(b, r#"{"type":"conv_list","id":"l"}"#);
    let item = &of(&list, "conv_list")[0]["items"][0];
    assert_eq!(item["unread"], 9, "{item}");
    assert_eq!(item["last"]["mid"], mids[9].as_str());
}

/// `checkpoint` (version 2) as version 1 wrote it: each inbox as
/// `[seq, event]` pairs, a message event as `{"Msg":"id"}`.
fn as_version_1(checkpoint: &natter_core::server::Checkpoint) -> natter_core::server::Checkpoint {
    let mut json: Value = serde_json::from_slice(checkpoint.as_bytes()).unwrap();
    assert_eq!(json["version"], 2);
    json["version"] = 1.into();
    for user in json["state"]["users"].as_object_mut().unwrap().values_mut() {
        let inbox = &user["inbox"];
        let first = inbox["first"].as_u64().unwrap();
        let pairs: Vec<Value> = inbox["events"]
            .as_array()
            .unwrap()
            .iter()
            .zip(first..)
            .map(|(event, seq)| match event.as_u64() {
                Some(mid) => serde_json::json!([seq, {"Msg": mid.to_string()}]),
                None => serde_json::json!([seq, event]),
            })
            .collect();
        user["inbox"] = Value::Array(pairs);
    }
    natter_core::server::Checkpoint::from_bytes(serde_json::to_vec(&json).unwrap())
}

#[test]
fn a_checkpoint_of_version_1_restores_the_same_server() {
    let mut t = S::with(config());
    let mids = ten_texts_and_a_recall(&mut t);
    let checkpoint = t.store.last_checkpoint().unwrap();
    let v1 = as_version_1(checkpoint);
    let replay_of = |checkpoint: &natter_core::server::Checkpoint| {
        let mut restored = S::with(config());
        restored.s = Server::restore_from(
            Arc::new(config()),
            Some(checkpoint),
            t.store.records().iter().cloned(),
        )
        .unwrap();
        restored.store = t.store.clone();
        restored.now = t.now;
        restored.login_from("bob", 0).1
    };
    let from_v2 = replay_of(checkpoint);
    assert_eq!(texts(&of(&from_v2, "msg")).len(), 10);
    assert_eq!(of(&from_v2, "recalled")[0]["mid"], mids[8].as_str());
    assert_eq!(replay_of(&v1), from_v2);
}

#[test]
fn a_damaged_checkpoint_is_refused() {
    use natter_core::server::{Checkpoint, RestoreError};
    let config = Arc::new(config());
    let bad = Checkpoint::from_bytes(b"{\"version\":1,\"state\":{".to_vec());
    let err = Server::restore_from(config.clone(), Some(&bad), []).unwrap_err();
    assert!(matches!(err, RestoreError::Damaged(_)), "{err}");
    let newer = Checkpoint::from_bytes(b"{\"version\":99,\"state\":{}}".to_vec());
    let err = Server::restore_from(config, Some(&newer), []).unwrap_err();
    assert_eq!(err, RestoreError::Version(99));
}

/// Drains the server by hand up to its next load, writing batches to the
/// store; the load is left for the test to answer.
fn next_load(t: &mut S) -> natter_core::server::Load {
    use natter_core::server::Output;
    while let Some(output) = t.s.poll_output() {
        match output {
            Output::Persist(batch) => {
                t.store.write(&batch);
                t.records.extend(batch.records().iter().cloned());
                t.s.persisted(batch.id());
            }
            Output::Load(load) => return load,
            Output::Checkpoint(c) => t.store.checkpoint(c),
            Output::Transmit { .. } | Output::Event(_) => {}
        }
    }
    panic!("no load");
}

#[test]
fn a_load_answered_with_a_row_older_than_a_change_since_does_not_undo_it() {
    use natter_core::server::Record;
    let mut t = S::with(config());
    let (a, mids) = ten_texts(&mut t, 10);
    let recall = |id: &str| format!(r#"{{"type":"recall","id":"{id}","mid":"{}"}}"#, mids[0]);
    // Two recalls of one old message, each waiting for its load.
    t.s.handle_bytes(t.now, a, recall("x1").as_bytes()).unwrap();
    let first = next_load(&mut t);
    t.s.handle_bytes(t.now, a, recall("x2").as_bytes()).unwrap();
    let second = next_load(&mut t);
    // The second load was read before the first recall was written.
    let stale = t.store.answer(second.query());
    let rows = t.store.answer(first.query());
    t.s.loaded(t.now, first.id(), rows);
    t.s.loaded(t.now, second.id(), stale);
    t.drain();
    let recalls = t
        .records
        .iter()
        .filter(|r| matches!(r, Record::Recalled(_)))
        .count();
    assert_eq!(recalls, 1, "one recall, not two");
}
