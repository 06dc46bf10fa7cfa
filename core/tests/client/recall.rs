use crate::*;
use natter_core::client::{CommandError, Outgoing, RecallTarget};
use natter_core::{Body, Entry, ErrorCode, MessageId};

/// The server stores alice's send `id` as message 50 at time 1_000_000.
fn stored_as_50(t: &mut T, id: &RequestId) {
    t.feed(&format!(
        r#"{{"type":"sent","id":"{id}","mid":"50","ts":1000000}}"#
    ));
}

fn send(t: &mut T) -> RequestId {
    let id =
        t.c.send(t.now, Outgoing::new(bob(), Body::Text { text: "x".into() }))
            .unwrap();
    t.sent();
    id
}

#[test]
fn recall_within_the_window_goes_to_the_server() {
    let mut t = T::ready();
    let id = send(&mut t);
    // Server clock = local clock here (welcome time 1_000_000 at now 1_000_000).
    stored_as_50(&mut t, &id);
    t.events();
    t.now = Millis(t.now.0 + 60_000);
    let r = t.c.recall(t.now, MessageId(50)).unwrap();
    assert_eq!(
        t.sent(),
        vec![json(&format!(
            r#"{{"type":"recall","id":"{r}","mid":"50"}}"#
        ))]
    );
    t.feed(&format!(r#"{{"type":"ok","id":"{r}"}}"#));
    assert_eq!(
        outcomes(&t.events()),
        vec![Outcome::Done {
            id: r,
            pending: false
        }]
    );
    // By request id after the answer, too.
    assert!(t.c.recall(t.now, RecallTarget::Send(id)).is_ok());
}

#[test]
fn a_plainly_late_recall_is_refused_without_a_round_trip() {
    let mut t = T::ready();
    let id = send(&mut t);
    stored_as_50(&mut t, &id);
    t.now = Millis(t.now.0 + 126_000);
    assert_eq!(
        t.c.recall(t.now, MessageId(50)),
        Err(CommandError::Refused {
            code: ErrorCode::RECALL_TIME_LIMIT,
            reason: "message 50 is older than the recall window".into()
        })
    );
    assert!(t.sent().is_empty());
    // Someone else's message (a group admin's recall) is left to the server.
    assert!(t.c.recall(t.now, MessageId(49)).is_ok());
}

#[test]
fn a_recall_racing_its_own_send_waits_for_the_answer() {
    let mut t = T::ready();
    let id = send(&mut t);
    let r = t.c.recall(t.now, id.clone()).unwrap();
    assert!(t.sent().is_empty(), "held until the send is answered");
    t.feed(&format!(
        r#"{{"type":"sent","id":"{id}","mid":"51","ts":1000000}}"#
    ));
    assert_eq!(
        t.sent(),
        vec![json(&format!(
            r#"{{"type":"recall","id":"{r}","mid":"51"}}"#
        ))]
    );
    assert_eq!(outcomes(&t.events()).len(), 1, "the send's outcome only");
}

#[test]
fn a_recall_of_a_failed_send_fails_with_404() {
    let mut t = T::ready();
    let id = send(&mut t);
    let r = t.c.recall(t.now, id.clone()).unwrap();
    t.feed(&format!(
        r#"{{"type":"error","id":"{id}","code":501,"reason":"filtered"}}"#
    ));
    let out = outcomes(&t.events());
    assert_eq!(out.len(), 2);
    assert_eq!(
        out[1],
        Outcome::Failed {
            id: r,
            code: ErrorCode::NOT_FOUND,
            reason: format!("the message of send {id} was not sent")
        }
    );
    assert!(t.sent().is_empty());
    assert_eq!(
        t.c.recall(t.now, rid("nope")),
        Err(CommandError::UnknownRequest(rid("nope")))
    );
}

#[test]
fn a_recall_notice_tombstones_the_message_and_removes_it_from_unread() {
    let mut t = T::ready();
    t.feed(&msg(Some(1), 10, "bob", TO_ALICE, "a"));
    t.feed(&msg(Some(2), 11, "bob", TO_ALICE, "b"));
    assert_eq!(t.c.conversation(&bob()).unwrap().unread, 2);
    t.events();
    t.feed(&format!(r#"{{"type":"recalled","seq":3,"mid":"11","from":"bob","to":{TO_ALICE},"by":"bob","ts":1000500}}"#));
    assert!(matches!(&t.events()[..], [Event::Recalled(r)] if r.mid == MessageId(11)));
    let conv = t.c.conversation(&bob()).unwrap();
    assert_eq!(conv.unread, 1);
    assert!(
        matches!(conv.last, Some(Entry::Tombstone(ref ts)) if ts.mid == MessageId(11) && ts.ts == Millis(1_000_011))
    );
}
