use crate::*;
use std::sync::Arc;

/// Runs a scripted day on `t`: every kind of state change.
fn day(t: &mut S) -> Vec<ConnectionId> {
    let a = t.login("alice");
    let b = t.login("bob");
    let g = t.group(a, "group", &["bob", "carol"]);
    t.text_to(a, "r1", "single", "bob", "hello");
    t.text_to(b, "r2", "group", &g, "team");
    t.ask(a, &format!(r#"{{"type":"send","id":"r3","to":{{"chat":"group","id":"{g}"}},"body":{{"type":"text","text":"vote"}},"group_ack":true}}"#));
    t.ask(b, r#"{"type":"group_read","id":"r4","mid":"3"}"#);
    t.ask(
        a,
        &format!(r#"{{"type":"thread_create","id":"r5","group":"{g}","root":"2","name":"t"}}"#),
    );
    t.text_to(a, "r6", "thread", "t1", "threaded");
    t.ask(b, r#"{"type":"receipt","id":"r7","kind":"read","mid":"1"}"#);
    t.ask(
        b,
        r#"{"type":"conv_read","id":"r8","conv":{"chat":"single","id":"alice"}}"#,
    );
    t.ask(a, r#"{"type":"recall","id":"r9","mid":"1"}"#);
    t.ask(b, r#"{"type":"block","id":"r10","user":"mallory"}"#);
    t.ask(
        a,
        &format!(
            r#"{{"type":"group_mute","id":"r11","group":"{g}","users":["carol"],"mute":true}}"#
        ),
    );
    t.ask(
        b,
        r#"{"type":"conv_delete","id":"r12","conv":{"chat":"group","id":"g1"},"history":true}"#,
    );
    t.drain();
    vec![a, b]
}

/// What a later script makes a server say: every frame, event and record.
fn later(t: &mut S) -> (Vec<(u64, Value)>, Vec<ServerEvent>, Vec<Record>) {
    let before = t.records.len();
    let (_, replay_bob) = t.login_from("bob", 0);
    let (c, replay_carol) = t.login_from("carol", 0);
    let mut out: Vec<(u64, Value)> = replay_bob
        .into_iter()
        .chain(replay_carol)
        .map(|f| (0, f))
        .collect();
    t.feed(c, r#"{"type":"send","id":"late","to":{"chat":"group","id":"g1"},"body":{"type":"text","text":"muted?"}}"#);
    let a = t.login("alice");
    t.feed(a, r#"{"type":"send","id":"r1","to":{"chat":"single","id":"bob"},"body":{"type":"text","text":"retry"}}"#);
    t.feed(a, r#"{"type":"send","id":"r13","to":{"chat":"single","id":"bob"},"body":{"type":"text","text":"new"}}"#);
    t.feed(
        a,
        r#"{"type":"history","id":"h","conv":{"chat":"group","id":"g1"}}"#,
    );
    t.feed(a, r#"{"type":"conv_list","id":"l"}"#);
    t.feed(a, r#"{"type":"read_by","id":"q","mid":"3"}"#);
    t.feed(
        c,
        r#"{"type":"thread_create","id":"t9","group":"g1","root":"3","name":"next"}"#,
    );
    out.extend(t.out());
    (out, t.events(), t.records[before..].to_vec())
}

#[test]
fn a_server_restored_from_its_records_answers_like_the_original() {
    let mut original = S::new();
    let conns = day(&mut original);
    for c in conns {
        original.s.handle_disconnect(original.now, c);
    }
    let records = original.records.clone();
    assert!(records.len() > 20, "{} records", records.len());
    // Records survive serialization (an adapter writes them to a file).
    let text: Vec<String> = records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
    let parsed: Vec<Record> = text
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(parsed, records);

    let mut restored = S::with(ServerConfig::new(SECRET));
    restored.s = Server::restore(Arc::new(ServerConfig::new(SECRET)), parsed);
    restored.now = original.now;
    // Connection numbers continue alike on both.
    restored.next = original.next;
    for who in ["alice", "bob", "carol"] {
        assert_eq!(
            restored.s.conversations_of(&user(who)),
            original.s.conversations_of(&user(who)),
            "{who}"
        );
        assert_eq!(
            restored.s.inbox_seq(&user(who)),
            original.s.inbox_seq(&user(who))
        );
    }
    let expected = later(&mut original);
    let got = later(&mut restored);
    assert_eq!(got.0, expected.0);
    assert_eq!(got.1, expected.1);
    assert_eq!(got.2, expected.2);
    // The retry of r1 got the remembered answer, not a new message.
    assert!(
        expected
            .0
            .iter()
            .any(|(_, f)| f == &json(r#"{"type":"sent","id":"r1","mid":"1","ts":1000000}"#))
    );
}
