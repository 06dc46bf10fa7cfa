use crate::*;
use natter_core::{Conversation, Ext, MessageId};

#[test]
fn a_message_reaches_the_peer_and_the_senders_other_devices() {
    let mut t = S::new();
    let a1 = t.login("alice");
    let a2 = t.login("alice");
    let b = t.login("bob");
    t.feed(a1, r#"{"type":"send","id":"r1","to":{"chat":"single","id":"bob"},"body":{"type":"text","text":"hi"}}"#);
    let out = t.out();
    let msg = r#"{"mid":"1","from":"alice","to":{"chat":"single","id":"bob"},"ts":1000000,"req":"r1","body":{"type":"text","text":"hi"}}"#;
    assert_eq!(
        out,
        vec![
            (
                a1.0,
                json(&format!(r#"{{"type":"msg","seq":1,"msg":{msg}}}"#))
            ),
            (
                a2.0,
                json(&format!(r#"{{"type":"msg","seq":1,"msg":{msg}}}"#))
            ),
            (
                b.0,
                json(&format!(r#"{{"type":"msg","seq":1,"msg":{msg}}}"#))
            ),
            (
                a1.0,
                json(r#"{"type":"sent","id":"r1","mid":"1","ts":1000000}"#)
            ),
        ]
    );
}

#[test]
fn a_repeated_request_is_answered_from_memory_and_processed_once() {
    let mut t = S::new();
    let a = t.login("alice");
    let first = t.text_to(a, "r1", "single", "bob", "hi");
    t.now = Millis(t.now.0 + 5);
    let again = t.text_to(a, "r1", "single", "bob", "hi");
    assert_eq!(of(&again, "sent"), of(&first, "sent"));
    assert_eq!(of(&again, "msg").len(), 0, "no second copy");
    assert_eq!(t.s.inbox_seq(&user("bob")).0, 1);
    // A failed request is not remembered: once unblocked, the resend works.
    let b = t.login("bob");
    t.ask(b, r#"{"type":"block","id":"b1","user":"alice"}"#);
    assert_eq!(error_code(&t.text_to(a, "r2", "single", "bob", "x")), 603);
    t.ask(b, r#"{"type":"unblock","id":"b2","user":"alice"}"#);
    assert_eq!(
        of(&t.text_to(a, "r2", "single", "bob", "x"), "sent").len(),
        1
    );
}

#[test]
fn a_repeated_room_send_is_answered_from_memory_and_relayed_once() {
    // A room's sender has no inbox entry for its message: the answer is
    // remembered all the same.
    let mut t = S::new();
    let a = t.login("alice");
    let room = t.group(a, "room", &[]);
    let b = t.login("bob");
    t.ask(
        b,
        &format!(r#"{{"type":"group_join","id":"j1","group":"{room}"}}"#),
    );
    let first = t.text_to(a, "r1", "room", &room, "hi");
    assert_eq!(of(&first, "sent").len(), 1);
    assert_eq!(of(&t.take(b), "msg").len(), 1);
    t.now = Millis(t.now.0 + 5);
    let again = t.text_to(a, "r1", "room", &room, "hi");
    assert_eq!(of(&again, "sent"), of(&first, "sent"));
    assert_eq!(of(&t.take(b), "msg").len(), 0, "no second copy");
}

#[test]
fn group_messages_go_to_every_member_in_one_order() {
    let mut t = S::new();
    let a = t.login("alice");
    let b = t.login("bob");
    let c = t.login("carol");
    let g = t.group(a, "group", &["bob", "carol"]);
    t.feed(a, &format!(r#"{{"type":"send","id":"r1","to":{{"chat":"group","id":"{g}"}},"body":{{"type":"text","text":"one"}}}}"#));
    t.feed(b, &format!(r#"{{"type":"send","id":"r2","to":{{"chat":"group","id":"{g}"}},"body":{{"type":"text","text":"two"}}}}"#));
    let out = t.out();
    for conn in [a, b, c] {
        let texts: Vec<String> = out
            .iter()
            .filter(|(to, f)| *to == conn.0 && f["type"] == "msg")
            .map(|(_, f)| f["msg"]["body"]["text"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(texts, ["one", "two"], "connection {conn:?}");
    }
    let dave = t.login("dave");
    assert_eq!(
        error_code(&t.text_to(dave, "r3", "group", &g, "let me")),
        602
    );
    assert_eq!(
        error_code(&t.text_to(dave, "r4", "group", "g404", "?")),
        605
    );
}

#[test]
fn chat_rooms_deliver_only_to_members_online_now() {
    let mut t = S::new();
    let a = t.login("alice");
    let room = t.group(a, "room", &["bob", "carol"]);
    let b = t.login("bob");
    t.drain();
    let got = t.text_to(a, "r1", "room", &room, "hi");
    assert!(
        got.iter()
            .any(|f| f["type"] == "msg" && f.get("seq").is_none())
    );
    let bob_got = t.take(b);
    assert_eq!(bob_got.len(), 1);
    assert!(
        bob_got[0]["type"] == "msg" && bob_got[0].get("seq").is_none(),
        "{bob_got:?}"
    );
    t.text_to(a, "r2", "room", &room, "again");
    let _ = t.out();
    let (_, replay) = t.login_from("carol", 0);
    assert!(
        of(&replay, "msg").is_empty(),
        "no offline inbox for rooms: {replay:?}"
    );
    assert!(t.s.conversations_of(&user("bob")).is_empty());
}

#[test]
fn online_only_messages_are_neither_stored_nor_counted() {
    let mut t = S::new();
    let a = t.login("alice");
    let b = t.login("bob");
    t.feed(a, r#"{"type":"send","id":"r1","to":{"chat":"single","id":"bob"},"body":{"type":"command","action":"typing"},"online_only":true}"#);
    let out = t.out();
    assert!(
        out.iter()
            .any(|(to, f)| *to == b.0 && f["type"] == "msg" && f.get("seq").is_none())
    );
    assert_eq!(t.s.inbox_seq(&user("bob")).0, 0);
    assert!(t.s.conversations_of(&user("bob")).is_empty());
    assert!(
        t.records
            .iter()
            .all(|r| !matches!(r, Record::Stored { .. }))
    );
    let h = t.ask(
        b,
        r#"{"type":"history","id":"h","conv":{"chat":"single","id":"alice"}}"#,
    );
    assert_eq!(h[0]["entries"], json("[]"));
}

#[test]
fn offline_recipients_get_a_push_unless_disabled() {
    let mut t = S::new();
    let a = t.login("alice");
    t.feed(a, r#"{"type":"send","id":"r1","to":{"chat":"single","id":"bob"},"body":{"type":"text","text":"hi"},"push":{"title":"Alice","ignore_badge":true}}"#);
    let events = t.events();
    let [ServerEvent::Push(p)] = &events[..] else {
        panic!("one push: {events:?}");
    };
    assert_eq!(
        (&p.user, &p.from, &p.conv, p.mid),
        (
            &user("bob"),
            &user("alice"),
            &Conversation::Single(user("alice")),
            MessageId(1)
        )
    );
    assert_eq!(
        (p.title.as_deref(), p.description.as_deref(), p.ignore_badge),
        (Some("Alice"), None, true)
    );
    assert_eq!(p.extension, Ext::default());
    t.feed(a, r#"{"type":"send","id":"r2","to":{"chat":"single","id":"bob"},"body":{"type":"text","text":"hi"},"push":{"disable":true}}"#);
    assert!(t.events().is_empty());
    t.login("bob");
    t.feed(a, r#"{"type":"send","id":"r3","to":{"chat":"single","id":"bob"},"body":{"type":"text","text":"hi"}}"#);
    assert!(t.events().is_empty(), "bob is online");
}

#[test]
fn conversation_lists_count_unread_per_user() {
    let mut t = S::new();
    let a = t.login("alice");
    let b = t.login("bob");
    t.text_to(a, "r1", "single", "bob", "a");
    t.text_to(a, "r2", "single", "bob", "b");
    t.drain();
    let list = t.ask(b, r#"{"type":"conv_list","id":"l1"}"#);
    assert_eq!(list[0]["seq"], 2);
    assert_eq!(list[0]["items"][0]["unread"], 2);
    assert_eq!(list[0]["items"][0]["last"]["mid"], "2");
    let mine = t.ask(a, r#"{"type":"conv_list","id":"l2"}"#);
    assert_eq!(mine[0]["items"][0]["unread"], 0);
    let profile = t.ask(
        b,
        r#"{"type":"conv_profile","id":"p1","conv":{"chat":"single","id":"alice"}}"#,
    );
    assert_eq!(profile[0]["info"]["unread"], 2);
    assert_eq!(
        error_code(&t.ask(
            b,
            r#"{"type":"conv_profile","id":"p2","conv":{"chat":"single","id":"zed"}}"#
        )),
        404
    );
}

/// A user's id is held once, however many frames name it: the peer named
/// by each send, and the peer's own session, share one copy (so the
/// server's lookups compare pointers, not bytes). Equal as strings either
/// way; this checks the sharing.
#[test]
fn every_mention_of_a_user_shares_one_copy_of_its_id() {
    let mut t = S::new();
    let a = t.login("alice");
    let b = t.login("bob");
    t.feed(a, r#"{"type":"send","id":"r1","to":{"chat":"single","id":"bob"},"body":{"type":"text","text":"hi"}}"#);
    t.feed(a, r#"{"type":"send","id":"r2","to":{"chat":"single","id":"bob"},"body":{"type":"text","text":"hi"}}"#);
    t.feed(b, r#"{"type":"send","id":"r3","to":{"chat":"single","id":"alice"},"body":{"type":"text","text":"hi"}}"#);
    let message = |mid| match t.s.stored(MessageId(mid)) {
        Some(natter_core::Entry::Message(m)) => m,
        other => panic!("message {mid} is {other:?}"),
    };
    let peer = |mid| match &message(mid).to {
        Conversation::Single(u) => u.as_str().as_ptr(),
        other => panic!("message {mid} went to {other:?}"),
    };
    assert_eq!(peer(1), peer(2), "two sends to bob");
    assert_eq!(
        peer(1),
        message(3).from.as_str().as_ptr(),
        "bob's own session"
    );
    assert_eq!(peer(3), message(1).from.as_str().as_ptr(), "alice's");
}
