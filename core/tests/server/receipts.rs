use crate::*;

#[test]
fn receipts_are_forwarded_to_the_sender_only_by_recipients() {
    let mut t = S::new();
    let a = t.login("alice");
    let b = t.login("bob");
    t.text_to(a, "r1", "single", "bob", "x");
    t.drain();
    t.feed(
        b,
        r#"{"type":"receipt","id":"d1","kind":"delivered","mid":"1"}"#,
    );
    t.feed(b, r#"{"type":"receipt","id":"d2","kind":"read","mid":"1"}"#);
    let to_alice = t.take(a);
    assert_eq!(
        to_alice,
        vec![
            json(
                r#"{"type":"receipt","seq":2,"kind":"delivered","mid":"1","by":"bob","ts":1000000}"#
            ),
            json(r#"{"type":"receipt","seq":3,"kind":"read","mid":"1","by":"bob","ts":1000000}"#),
        ]
    );
    assert_eq!(
        error_code(&t.ask(a, r#"{"type":"receipt","id":"d3","kind":"read","mid":"1"}"#)),
        404,
        "not to oneself"
    );
    let c = t.login("carol");
    assert_eq!(
        error_code(&t.ask(c, r#"{"type":"receipt","id":"d4","kind":"read","mid":"1"}"#)),
        404
    );
}

#[test]
fn conversation_read_zeroes_unread_and_tells_every_device_and_the_peer() {
    let mut t = S::new();
    let a = t.login("alice");
    let b1 = t.login("bob");
    let b2 = t.login("bob");
    t.text_to(a, "r1", "single", "bob", "1");
    t.text_to(a, "r2", "single", "bob", "2");
    t.drain();
    t.feed(
        b1,
        r#"{"type":"conv_read","id":"c1","conv":{"chat":"single","id":"alice"},"upto":"1"}"#,
    );
    let out = t.out();
    let mine = json(
        r#"{"type":"conv_read","seq":3,"conv":{"chat":"single","id":"alice"},"by":"bob","upto":"1","ts":1000000}"#,
    );
    assert!(out.contains(&(b1.0, mine.clone())) && out.contains(&(b2.0, mine)));
    let peer = json(
        r#"{"type":"conv_read","seq":3,"conv":{"chat":"single","id":"bob"},"by":"bob","upto":"1","ts":1000000}"#,
    );
    assert!(out.contains(&(a.0, peer)), "{out:?}");
    let list = t.ask(b2, r#"{"type":"conv_list","id":"l"}"#);
    assert_eq!(list[0]["items"][0]["unread"], 1, "message 2 stays unread");
    let alice_view = t.ask(a, r#"{"type":"conv_list","id":"l"}"#);
    assert_eq!(alice_view[0]["items"][0]["peer_read"], 1_000_000);
}

#[test]
fn group_read_acks_count_once_with_live_updates_an_offline_summary_and_readers() {
    let mut t = S::new();
    let a = t.login("alice");
    let b = t.login("bob");
    let c = t.login("carol");
    let g = t.group(a, "group", &["bob", "carol"]);
    t.ask(a, &format!(r#"{{"type":"send","id":"s1","to":{{"chat":"group","id":"{g}"}},"body":{{"type":"text","text":"vote"}},"group_ack":true}}"#));
    t.drain();
    t.feed(
        b,
        r#"{"type":"group_read","id":"g1","mid":"1","content":"yes"}"#,
    );
    assert_eq!(
        t.take(a),
        vec![json(
            r#"{"type":"group_read","mid":"1","reader":"bob","content":"yes","count":1}"#
        )]
    );
    t.feed(b, r#"{"type":"group_read","id":"g2","mid":"1"}"#);
    assert!(t.take(a).is_empty(), "counted once per reader");
    // Alice goes offline; carol's ack lands in the summary at her next login.
    t.s.handle_disconnect(t.now, a);
    t.feed(c, r#"{"type":"group_read","id":"g3","mid":"1"}"#);
    t.drain();
    let (a2, got) = t.login_from("alice", 99);
    assert_eq!(
        got.last().unwrap(),
        &json(r#"{"type":"read_summary","items":[{"mid":"1","count":2}]}"#)
    );
    let readers = t.ask(a2, r#"{"type":"read_by","id":"q1","mid":"1"}"#);
    assert_eq!(
        readers,
        vec![json(
            r#"{"type":"read_by","id":"q1","mid":"1","count":2,"readers":[{"user":"bob","ts":1000000,"content":"yes"},{"user":"carol","ts":1000000}]}"#
        )]
    );
    let (_, again) = t.login_from("alice", 99);
    assert!(
        of(&again, "read_summary").is_empty(),
        "a summary is sent once"
    );
    t.text_to(a2, "s2", "group", &g, "plain");
    assert_eq!(
        error_code(&t.ask(b, r#"{"type":"group_read","id":"g4","mid":"2"}"#)),
        400
    );
}

/// Beyond the newest 1,000 unread messages a conversation only counts:
/// the count stays exact through sends, a recall of an old one and a read.
#[test]
fn unread_counts_stay_exact_past_the_tracked_messages() {
    let mut t = S::with(ServerConfig::new(SECRET).with_rates(u32::MAX, u32::MAX));
    let a = t.login("alice");
    let mut first = String::new();
    for i in 0..1005 {
        let got = t.text_to(a, &format!("m{i}"), "single", "bob", "hi");
        if i == 0 {
            first = of(&got, "sent")[0]["mid"].as_str().unwrap().to_owned();
        }
    }
    let b = t.login("bob");
    let unread = |t: &mut S| {
        let list = t.ask(b, r#"{"type":"conv_list","id":"l"}"#);
        of(&list, "conv_list")[0]["items"][0]["unread"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(unread(&mut t), 1005);
    let ok = t.ask(
        a,
        &format!(r#"{{"type":"recall","id":"x","mid":"{first}"}}"#),
    );
    assert_eq!(of(&ok, "ok").len(), 1, "{ok:?}");
    t.drain();
    assert_eq!(unread(&mut t), 1004);
    t.ask(
        b,
        r#"{"type":"conv_read","id":"r","conv":{"chat":"single","id":"alice"}}"#,
    );
    t.drain();
    assert_eq!(unread(&mut t), 0);
}
