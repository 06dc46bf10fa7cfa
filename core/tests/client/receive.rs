use crate::*;
use natter_core::client::{ConnectionState, DisconnectReason};
use natter_core::{MessageId, Seq};
use std::time::Duration;

fn mids(events: &[Event]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some(m.mid.0),
            _ => None,
        })
        .collect()
}

#[test]
fn duplicates_are_dropped_by_seq_and_by_message_id() {
    let mut t = T::ready();
    t.feed(&msg(Some(1), 10, "bob", TO_ALICE, "a"));
    t.feed(&msg(Some(1), 10, "bob", TO_ALICE, "a"));
    t.feed(&msg(None, 10, "bob", TO_ALICE, "a"));
    t.feed(&msg(Some(2), 10, "bob", TO_ALICE, "a"));
    assert_eq!(mids(&t.events()), vec![10]);
    assert_eq!(t.c.last_seq(), Seq(2));
}

#[test]
fn a_gap_holds_later_events_until_it_fills_then_releases_them_in_order() {
    let mut t = T::ready();
    t.feed(&msg(Some(1), 10, "bob", TO_ALICE, "a"));
    t.feed(&msg(Some(3), 12, "bob", TO_ALICE, "c"));
    t.feed(&msg(Some(4), 13, "bob", TO_ALICE, "d"));
    assert_eq!(mids(&t.events()), vec![10]);
    t.feed(&msg(Some(2), 11, "bob", TO_ALICE, "b"));
    assert_eq!(mids(&t.events()), vec![11, 12, 13]);
    assert_eq!(t.c.last_seq(), Seq(4));
}

#[test]
fn a_gap_that_stays_open_drops_the_connection_and_the_replay_repairs_it() {
    let mut t = T::ready();
    t.feed(&msg(Some(1), 10, "bob", TO_ALICE, "a"));
    t.feed(&msg(Some(3), 12, "bob", TO_ALICE, "c"));
    t.events();
    t.advance(3_000);
    assert_eq!(
        t.events(),
        vec![Event::State(ConnectionState::Disconnected(
            DisconnectReason::InboxGap
        ))]
    );
    t.c.handle_connect(t.now);
    assert_eq!(t.sent().last().unwrap()["last_seq"], 1);
    t.feed(&WELCOME.replace(r#""seq":0"#, r#""seq":3"#));
    for (seq, mid) in [(2, 11), (3, 12)] {
        t.feed(&msg(Some(seq), mid, "bob", TO_ALICE, "x"));
    }
    assert_eq!(mids(&t.events()), vec![11, 12]);
}

#[test]
fn acks_are_cumulative_after_a_delay_or_every_n_events() {
    let cfg = config().with_ack_policy(Duration::from_millis(100), 3);
    let mut t = T::ready_with(cfg);
    t.feed(&msg(Some(1), 10, "bob", TO_ALICE, "a"));
    t.feed(&msg(Some(2), 11, "bob", TO_ALICE, "b"));
    assert!(t.sent().is_empty());
    t.advance(100);
    assert_eq!(t.sent(), vec![json(r#"{"type":"ack","seq":2}"#)]);
    for (seq, mid) in [(3, 12), (4, 13), (5, 14)] {
        t.feed(&msg(Some(seq), mid, "bob", TO_ALICE, "x"));
    }
    assert_eq!(t.sent(), vec![json(r#"{"type":"ack","seq":5}"#)]);
    t.advance(100);
    assert!(t.sent().is_empty(), "nothing left to ack");
}

#[test]
fn ephemeral_messages_are_shown_but_neither_acked_nor_listed() {
    let mut t = T::ready();
    t.feed(&msg(
        None,
        10,
        "carol",
        r#"{"chat":"room","id":"lobby"}"#,
        "hi",
    ));
    assert_eq!(mids(&t.events()), vec![10]);
    t.advance(1_000);
    assert!(t.sent().is_empty());
    assert!(t.c.conversations().is_empty());
}

#[test]
fn automatic_delivered_receipts_are_sent_and_answered_silently() {
    let cfg = config().with_auto_delivered_receipts(true);
    let mut t = T::ready_with(cfg);
    t.feed(&msg(Some(1), 10, "bob", TO_ALICE, "a"));
    let sent = t.sent();
    assert_eq!(sent[0]["type"], "receipt");
    assert_eq!(sent[0]["kind"], "delivered");
    assert_eq!(sent[0]["mid"], "10");
    let id = sent[0]["id"].as_str().unwrap().to_owned();
    t.events();
    t.feed(&format!(r#"{{"type":"ok","id":"{id}"}}"#));
    assert!(t.events().is_empty());
    assert_eq!(t.c.pending_requests(), 0);
    assert_eq!(
        t.c.conversation(&natter_core::Conversation::Single(
            natter_core::UserId::new("bob").unwrap()
        ))
        .unwrap()
        .last
        .unwrap()
        .mid(),
        MessageId(10)
    );
}

#[test]
fn frames_before_welcome_are_ignored_and_arm_no_timer() {
    let mut t = T::with(config());
    t.c.handle_connect(t.now);
    t.events();
    // The welcome was lost; the replay arrives on its own.
    t.feed(&msg(Some(1), 10, "bob", TO_ALICE, "a"));
    assert!(t.events().is_empty());
    assert_eq!(t.c.last_seq(), Seq(0));
    // Only the handshake timer is armed, and it fires.
    assert_eq!(t.next_timer(), Millis(1_010_000));
    assert_eq!(
        t.events(),
        vec![Event::State(ConnectionState::Disconnected(
            DisconnectReason::HandshakeTimeout
        ))]
    );
    assert_eq!(t.c.poll_timeout(), None);
}

#[test]
fn events_lost_at_the_tail_are_noticed_through_the_pong() {
    let mut t = T::ready();
    t.feed(&msg(Some(1), 10, "bob", TO_ALICE, "a"));
    // Event 2 was lost; nothing later reveals it but the keep-alive.
    t.feed(r#"{"type":"pong","seq":2}"#);
    t.events();
    t.advance(2_999);
    assert!(t.events().is_empty());
    t.advance(1);
    assert_eq!(
        t.events(),
        vec![Event::State(ConnectionState::Disconnected(
            DisconnectReason::InboxGap
        ))]
    );
}

#[test]
fn a_long_replay_is_not_mistaken_for_a_gap() {
    let mut t = T::with(config());
    t.c.handle_connect(t.now);
    t.feed(&WELCOME.replace(r#""seq":0"#, r#""seq":3"#));
    t.events();
    for (seq, mid) in [(1, 10), (2, 11), (3, 12)] {
        t.advance(2_000);
        t.feed(&msg(Some(seq), mid, "bob", TO_ALICE, "x"));
    }
    let events = t.events();
    assert!(
        events
            .iter()
            .all(|e| !matches!(e, Event::State(ConnectionState::Disconnected(_)))),
        "{events:?}"
    );
    assert_eq!(mids(&events), vec![10, 11, 12]);
}
