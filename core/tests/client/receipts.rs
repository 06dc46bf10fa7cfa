use crate::*;
use natter_core::client::Outgoing;
use natter_core::frame::client::ReceiptKind;
use natter_core::{Body, Conversation, GroupId, MessageId};

/// Alice sends `mid` to bob and the server stores it.
fn sent_message(t: &mut T, mid: u64) {
    let id =
        t.c.send(t.now, Outgoing::new(bob(), Body::Text { text: "x".into() }))
            .unwrap();
    t.feed(&format!(
        r#"{{"type":"sent","id":"{id}","mid":"{mid}","ts":1000000}}"#
    ));
    t.sent();
    t.events();
}

#[test]
fn read_and_delivered_receipts_for_one_message() {
    let mut t = T::ready();
    let d = t.c.mark_delivered(t.now, MessageId(10)).unwrap();
    let r = t.c.mark_read(t.now, MessageId(10)).unwrap();
    assert_eq!(
        t.sent(),
        vec![
            json(&format!(
                r#"{{"type":"receipt","id":"{d}","kind":"delivered","mid":"10"}}"#
            )),
            json(&format!(
                r#"{{"type":"receipt","id":"{r}","kind":"read","mid":"10"}}"#
            )),
        ]
    );
}

#[test]
fn receipt_status_never_goes_backwards() {
    let mut t = T::ready();
    sent_message(&mut t, 60);
    t.feed(r#"{"type":"receipt","seq":1,"kind":"read","mid":"60","by":"bob","ts":5}"#);
    t.feed(r#"{"type":"receipt","seq":2,"kind":"delivered","mid":"60","by":"bob","ts":4}"#);
    let events = t.events();
    assert_eq!(events.len(), 1);
    assert!(matches!(&events[0], Event::Receipt(r) if r.kind == ReceiptKind::Read));
    assert_eq!(t.c.receipt_status(MessageId(60)), Some(ReceiptKind::Read));
}

#[test]
fn conversation_read_zeroes_unread_locally_and_on_every_device() {
    let mut t = T::ready();
    t.feed(&msg(Some(1), 10, "bob", TO_ALICE, "a"));
    t.feed(&msg(Some(2), 11, "bob", TO_ALICE, "b"));
    assert_eq!(t.c.total_unread(), 2);
    t.sent();
    let id = t.c.mark_conversation_read(t.now, bob()).unwrap();
    assert_eq!(
        t.sent(),
        vec![json(&format!(
            r#"{{"type":"conv_read","id":"{id}","conv":{TO_BOB},"upto":"11"}}"#
        ))]
    );
    assert_eq!(
        t.c.conversation(&bob()).unwrap().unread,
        2,
        "not before the server says so"
    );
    t.feed(&format!(
        r#"{{"type":"conv_read","seq":3,"conv":{TO_BOB},"by":"alice","upto":"11","ts":7}}"#
    ));
    assert_eq!(t.c.conversation(&bob()).unwrap().unread, 0);
    // A message accepted after the read stays unread.
    t.feed(&msg(Some(4), 12, "bob", TO_ALICE, "c"));
    assert_eq!(t.c.conversation(&bob()).unwrap().unread, 1);
    // Another device of alice read everything up to 12.
    t.events();
    t.feed(&format!(
        r#"{{"type":"conv_read","seq":5,"conv":{TO_BOB},"by":"alice","upto":"12","ts":7}}"#
    ));
    assert_eq!(t.c.conversation(&bob()).unwrap().unread, 0);
    assert!(matches!(&t.events()[..], [Event::ConversationRead(_)]));
    // Bob read the conversation: peer_read, unread untouched.
    t.feed(&msg(Some(6), 13, "bob", TO_ALICE, "d"));
    t.feed(&format!(
        r#"{{"type":"conv_read","seq":7,"conv":{TO_BOB},"by":"bob","upto":"13","ts":9}}"#
    ));
    let c = t.c.conversation(&bob()).unwrap();
    assert_eq!((c.unread, c.peer_read), (1, Some(Millis(9))));
}

#[test]
fn group_read_acks_counts_summary_and_readers() {
    let mut t = T::ready();
    let team = Conversation::Group(GroupId::new("team").unwrap());
    let id =
        t.c.send(
            t.now,
            Outgoing::new(team, Body::Text { text: "x".into() }).with_group_ack(),
        )
        .unwrap();
    t.feed(&format!(
        r#"{{"type":"sent","id":"{id}","mid":"70","ts":1000000}}"#
    ));
    t.events();
    t.sent();
    t.feed(r#"{"type":"group_read","mid":"70","reader":"bob","count":1}"#);
    t.feed(r#"{"type":"group_read","mid":"70","reader":"carol","content":"ok","count":2}"#);
    t.feed(r#"{"type":"group_read","mid":"70","reader":"bob","count":1}"#);
    let counts: Vec<u32> = t
        .events()
        .iter()
        .filter_map(|e| match e {
            Event::GroupReadCount(n) => Some(n.count),
            _ => None,
        })
        .collect();
    assert_eq!(counts, vec![1, 2]);
    t.feed(r#"{"type":"read_summary","items":[{"mid":"70","count":4}]}"#);
    assert!(matches!(&t.events()[..], [Event::ReadSummary(_)]));
    assert_eq!(t.c.group_read_count(MessageId(70)), Some(4));

    let ack =
        t.c.send_group_read(t.now, MessageId(80), Some("seen".into()))
            .unwrap();
    let q = t.c.read_by(t.now, MessageId(70)).unwrap();
    assert_eq!(
        t.sent(),
        vec![
            json(&format!(
                r#"{{"type":"group_read","id":"{ack}","mid":"80","content":"seen"}}"#
            )),
            json(&format!(r#"{{"type":"read_by","id":"{q}","mid":"70"}}"#)),
        ]
    );
    t.feed(&format!(r#"{{"type":"read_by","id":"{q}","mid":"70","count":1,"readers":[{{"user":"bob","ts":3}}]}}"#));
    assert!(matches!(&outcomes(&t.events())[..], [Outcome::ReadBy(r)] if r.count == 1));
}
