use crate::*;
use std::sync::Arc;
use std::time::Duration;

#[test]
fn content_filter_custom_rule_and_size_limit() {
    let cfg = ServerConfig::new(SECRET)
        .with_banned_words(["Spam"])
        .with_rule(Arc::new(
            |_, s| matches!(&s.body, natter_core::Body::Text { text } if text == "rule"),
        ))
        .with_max_body_bytes(12);
    let mut t = S::with(cfg);
    let a = t.login("alice");
    assert_eq!(
        error_code(&t.text_to(a, "r1", "single", "bob", "buy SPAM now")),
        501
    );
    assert_eq!(
        error_code(&t.text_to(a, "r2", "single", "bob", "rule")),
        502
    );
    assert_eq!(
        error_code(&t.text_to(a, "r3", "single", "bob", "1234567890123")),
        413
    );
    assert_eq!(
        of(&t.text_to(a, "r4", "single", "bob", "fine"), "sent").len(),
        1
    );
}

#[test]
fn mutes_allow_lists_and_group_ack_rights() {
    let mut t = S::new();
    let a = t.login("alice");
    let b = t.login("bob");
    let c = t.login("carol");
    let g = t.group(a, "group", &["bob", "carol"]);
    t.ask(a, &format!(r#"{{"type":"group_mute","id":"m1","group":"{g}","users":["bob"],"mute":true,"duration_ms":1000}}"#));
    assert_eq!(error_code(&t.text_to(b, "r1", "group", &g, "x")), 507);
    t.now = Millis(t.now.0 + 1000);
    assert_eq!(
        of(&t.text_to(b, "r2", "group", &g, "x"), "sent").len(),
        1,
        "the mute expired"
    );
    t.ask(
        a,
        &format!(
            r#"{{"type":"group_mute_all","id":"m2","group":"{g}","mute":true,"allow":["carol"]}}"#
        ),
    );
    assert_eq!(error_code(&t.text_to(b, "r3", "group", &g, "x")), 506);
    assert_eq!(of(&t.text_to(c, "r4", "group", &g, "x"), "sent").len(), 1);
    assert_eq!(
        of(&t.text_to(a, "r5", "group", &g, "x"), "sent").len(),
        1,
        "the owner may always send"
    );
    let ack = format!(
        r#"{{"type":"send","id":"r6","to":{{"chat":"group","id":"{g}"}},"body":{{"type":"text","text":"x"}},"group_ack":true}}"#
    );
    assert_eq!(error_code(&t.ask(c, &ack)), 403);
    assert_eq!(
        error_code(&t.text_to(a, "r7", "room", &g, "x")),
        605,
        "a group is not a room"
    );
}

#[test]
fn rate_limits_per_user_and_per_group_shed_low_priority_first() {
    let cfg = ServerConfig::new(SECRET).with_rates(3, 4);
    let mut t = S::with(cfg);
    let a = t.login("alice");
    for i in 0..3 {
        assert_eq!(
            of(
                &t.text_to(a, &format!("u{i}"), "single", "bob", "x"),
                "sent"
            )
            .len(),
            1
        );
    }
    assert_eq!(error_code(&t.text_to(a, "u3", "single", "bob", "x")), 429);
    t.now = Millis(t.now.0 + 1000);
    assert_eq!(
        of(&t.text_to(a, "u4", "single", "bob", "x"), "sent").len(),
        1,
        "a new second"
    );

    let cfg = ServerConfig::new(SECRET).with_rates(100, 4);
    let mut t = S::with(cfg);
    let a = t.login("alice");
    let b = t.login("bob");
    let g = t.group(a, "group", &["bob"]);
    t.now = Millis(t.now.0 + 1000);
    let send = |p: &str, id: &str| {
        format!(
            r#"{{"type":"send","id":"{id}","to":{{"chat":"group","id":"{g}"}},"body":{{"type":"text","text":"x"}},"priority":"{p}"}}"#
        )
    };
    assert_eq!(of(&t.ask(a, &send("lowest", "p1")), "sent").len(), 1);
    assert_eq!(of(&t.ask(b, &send("lowest", "p2")), "sent").len(), 1);
    assert_eq!(
        error_code(&t.ask(a, &send("lowest", "p3"))),
        429,
        "lowest gets half of 4"
    );
    assert_eq!(of(&t.ask(a, &send("low", "p4")), "sent").len(), 1);
    assert_eq!(error_code(&t.ask(a, &send("low", "p5"))), 429, "low gets 3");
    assert_eq!(of(&t.ask(b, &send("normal", "p6")), "sent").len(), 1);
    assert_eq!(error_code(&t.ask(b, &send("normal", "p7"))), 429);
    assert_eq!(of(&t.ask(b, &send("high", "p8")), "sent").len(), 1);
    assert_eq!(of(&t.ask(a, &send("high", "p9")), "sent").len(), 1);
    assert_eq!(
        error_code(&t.ask(a, &send("high", "p10"))),
        429,
        "high gets 6"
    );
}

#[test]
fn recall_by_the_sender_within_the_window_with_notices_and_a_tombstone() {
    let mut t = S::new();
    let a = t.login("alice");
    let b = t.login("bob");
    t.text_to(a, "r1", "single", "bob", "oops");
    t.drain();
    t.now = Millis(t.now.0 + 60_000);
    assert_eq!(
        error_code(&t.ask(b, r#"{"type":"recall","id":"x","mid":"1"}"#)),
        403
    );
    t.feed(a, r#"{"type":"recall","id":"c1","mid":"1"}"#);
    let out = t.out();
    let notice = json(
        r#"{"type":"recalled","seq":2,"mid":"1","from":"alice","to":{"chat":"single","id":"bob"},"by":"alice","ts":1060000}"#,
    );
    assert!(out.contains(&(b.0, notice.clone())), "{out:?}");
    assert!(out.contains(&(a.0, notice)));
    assert!(out.contains(&(a.0, json(r#"{"type":"ok","id":"c1"}"#))));
    let h = t.ask(
        b,
        r#"{"type":"history","id":"h","conv":{"chat":"single","id":"alice"}}"#,
    );
    assert_eq!(h[0]["entries"][0]["kind"], "tombstone");
    assert_eq!(h[0]["entries"][0]["recalled_by"], "alice");
    let list = t.ask(b, r#"{"type":"conv_list","id":"l"}"#);
    assert_eq!(
        list[0]["items"][0]["unread"], 0,
        "a recalled message is not unread"
    );
    assert_eq!(
        error_code(&t.ask(a, r#"{"type":"recall","id":"c2","mid":"99"}"#)),
        404
    );
}

#[test]
fn recall_window_admins_and_disabled_recall() {
    let mut t = S::new();
    let a = t.login("alice");
    let b = t.login("bob");
    let g = t.group(a, "group", &["bob"]);
    t.text_to(b, "r1", "group", &g, "x");
    let mid = t.s.inbox_seq(&user("bob"));
    assert_eq!(mid.0, 2, "created notice, then the message");
    t.now = Millis(t.now.0 + 121_000);
    assert_eq!(
        error_code(&t.ask(b, r#"{"type":"recall","id":"c1","mid":"1"}"#)),
        504
    );
    assert_eq!(
        t.ask(a, r#"{"type":"recall","id":"c2","mid":"1"}"#)
            .last()
            .unwrap()["type"],
        "ok",
        "the owner may recall any time"
    );

    let cfg = ServerConfig::new(SECRET).with_recall(Duration::from_secs(120), false);
    let mut t = S::with(cfg);
    let a = t.login("alice");
    t.text_to(a, "r1", "single", "bob", "x");
    assert_eq!(
        error_code(&t.ask(a, r#"{"type":"recall","id":"c1","mid":"1"}"#)),
        505
    );
}

#[test]
fn blocking_stops_one_to_one_messages() {
    let mut t = S::new();
    let a = t.login("alice");
    let b = t.login("bob");
    assert_eq!(
        t.ask(b, r#"{"type":"block","id":"b1","user":"alice"}"#),
        vec![json(r#"{"type":"ok","id":"b1"}"#)]
    );
    assert_eq!(error_code(&t.text_to(a, "r1", "single", "bob", "x")), 603);
    assert_eq!(
        of(&t.text_to(b, "r2", "single", "alice", "x"), "sent").len(),
        1,
        "the blocker may still write"
    );
    assert_eq!(
        error_code(&t.ask(b, r#"{"type":"block","id":"b2","user":"bob"}"#)),
        400
    );
}

#[test]
fn a_recall_reaches_a_former_member_whose_list_still_shows_the_message() {
    let mut t = S::new();
    let a = t.login("alice");
    let b = t.login("bob");
    let g = t.group(a, "group", &["bob"]);
    t.text_to(a, "r1", "group", &g, "oops");
    t.ask(
        b,
        &format!(r#"{{"type":"group_leave","id":"l1","group":"{g}"}}"#),
    );
    t.drain();
    assert_eq!(t.s.conversations_of(&user("bob"))[0].unread, 1);
    t.ask(a, r#"{"type":"recall","id":"c1","mid":"1"}"#);
    let got = t.take(b);
    assert_eq!(of(&got, "recalled").len(), 1, "{got:?}");
    let list = t.s.conversations_of(&user("bob"));
    assert_eq!(list[0].unread, 0);
    assert!(matches!(
        list[0].last,
        Some(natter_core::Entry::Tombstone(_))
    ));
}

#[test]
fn bodies_that_break_the_content_rules_get_400_from_any_client() {
    let mut t = S::new();
    let a = t.login("alice");
    for (id, body) in [
        ("e1", r#"{"type":"text","text":""}"#),
        ("e2", r#"{"type":"emoji","text":""}"#),
        ("e3", r#"{"type":"location","lat":1000,"lng":2}"#),
        ("e4", r#"{"type":"location","lat":10,"lng":-180.5}"#),
        ("e5", r#"{"type":"command","action":""}"#),
        ("e6", r#"{"type":"custom","event":""}"#),
    ] {
        let got = t.ask(
            a,
            &format!(
                r#"{{"type":"send","id":"{id}","to":{{"chat":"single","id":"bob"}},"body":{body}}}"#
            ),
        );
        assert_eq!(error_code(&got), 400, "{body}: {got:?}");
    }
    assert_eq!(t.s.inbox_seq(&user("bob")).0, 0, "nothing was stored");
    let ok = t.ask(
        a,
        r#"{"type":"send","id":"e7","to":{"chat":"single","id":"bob"},"body":{"type":"location","lat":-90,"lng":180}}"#,
    );
    assert_eq!(of(&ok, "sent").len(), 1);
}
