use crate::*;
use natter_core::client::StoredHistory;
use natter_core::{Conversation, GroupId, MessageId};

fn team() -> Conversation {
    Conversation::Group(GroupId::new("team").unwrap())
}

#[test]
fn the_mirror_keeps_last_message_and_unread_per_conversation() {
    let mut t = T::ready();
    t.feed(&msg(Some(1), 10, "bob", TO_ALICE, "a"));
    t.feed(&msg(Some(2), 11, "carol", TO_TEAM, "b"));
    t.feed(&msg(Some(3), 12, "bob", TO_ALICE, "c"));
    // A command is never unread.
    t.feed(r#"{"type":"msg","seq":4,"msg":{"mid":"13","from":"dave","to":{"chat":"group","id":"team"},"ts":1,"body":{"type":"command","action":"typing"}}}"#);
    let list = t.c.conversations();
    let view: Vec<(Conversation, u32, Option<MessageId>)> = list
        .iter()
        .map(|c| (c.conv.clone(), c.unread, c.last.as_ref().map(|e| e.mid())))
        .collect();
    assert_eq!(
        view,
        vec![
            (team(), 1, Some(MessageId(13))),
            (bob(), 2, Some(MessageId(12)))
        ]
    );
    assert_eq!(t.c.total_unread(), 3);
}

#[test]
fn a_server_list_is_adopted_only_when_it_reflects_what_was_processed() {
    let mut t = T::ready();
    t.feed(&msg(Some(1), 10, "bob", TO_ALICE, "a"));
    t.sent();
    let stale = t.c.fetch_conversations(t.now, None, 20).unwrap();
    assert_eq!(
        t.sent(),
        vec![json(&format!(
            r#"{{"type":"conv_list","id":"{stale}","limit":20}}"#
        ))]
    );
    // Reflects seq 0, the client processed 1: kept as an answer, not adopted.
    t.feed(&format!(r#"{{"type":"conv_list","id":"{stale}","seq":0,"items":[{{"conv":{TO_BOB},"unread":5}}],"done":true}}"#));
    assert!(matches!(
        &outcomes(&t.events())[..],
        [Outcome::Conversations(_)]
    ));
    assert_eq!(t.c.conversation(&bob()).unwrap().unread, 1);
    // Reflects seq 1 and counts 3 (two the client never got): adopted.
    let fresh = t.c.fetch_conversations(t.now, None, 20).unwrap();
    t.feed(&format!(r#"{{"type":"conv_list","id":"{fresh}","seq":1,"items":[{{"conv":{TO_BOB},"unread":3,"peer_read":4}},{{"conv":{TO_TEAM},"unread":0,"name":"Team"}}],"done":true}}"#));
    assert_eq!(t.c.conversation(&bob()).unwrap().unread, 3);
    assert_eq!(
        t.c.conversation(&team()).unwrap().name.as_deref(),
        Some("Team")
    );
    // A read clears the counted-only messages too.
    t.c.mark_conversation_read(t.now, bob()).unwrap();
    t.feed(&format!(
        r#"{{"type":"conv_read","seq":2,"conv":{TO_BOB},"by":"alice","upto":"10","ts":5}}"#
    ));
    assert_eq!(t.c.conversation(&bob()).unwrap().unread, 0);
    assert!(t.c.fetch_conversations(t.now, None, 101).is_err());
}

#[test]
fn profile_answers_and_deletion() {
    let mut t = T::ready();
    t.feed(&msg(Some(1), 10, "bob", TO_ALICE, "a"));
    t.sent();
    let p = t.c.fetch_profile(t.now, bob()).unwrap();
    assert_eq!(
        t.sent(),
        vec![json(&format!(
            r#"{{"type":"conv_profile","id":"{p}","conv":{TO_BOB}}}"#
        ))]
    );
    t.feed(&format!(r#"{{"type":"conv_profile","id":"{p}","seq":1,"info":{{"conv":{TO_BOB},"unread":1,"peer_read":7}}}}"#));
    assert_eq!(t.c.conversation(&bob()).unwrap().peer_read, Some(Millis(7)));
    let d =
        t.c.delete_conversation(t.now, bob(), StoredHistory::Delete)
            .unwrap();
    assert_eq!(
        t.sent(),
        vec![json(&format!(
            r#"{{"type":"conv_delete","id":"{d}","conv":{TO_BOB},"history":true}}"#
        ))]
    );
    assert!(
        t.c.conversation(&bob()).is_some(),
        "not before the server says so"
    );
    t.feed(&format!(
        r#"{{"type":"conv_deleted","seq":2,"conv":{TO_BOB},"history":true}}"#
    ));
    assert!(t.c.conversation(&bob()).is_none());
    // Deleted on another device.
    t.feed(&msg(Some(3), 11, "carol", TO_TEAM, "x"));
    t.events();
    t.feed(&format!(
        r#"{{"type":"conv_deleted","seq":4,"conv":{TO_TEAM},"history":false}}"#
    ));
    assert!(t.c.conversations().is_empty());
    assert!(matches!(&t.events()[..], [Event::ConversationDeleted(_)]));
    // A new message brings a conversation back.
    t.feed(&msg(Some(5), 12, "bob", TO_ALICE, "again"));
    assert_eq!(t.c.conversation(&bob()).unwrap().unread, 1);
}
