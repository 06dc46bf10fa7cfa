use crate::*;
use natter_core::client::CommandError;
use natter_core::frame::client::Direction;
use natter_core::{Conversation, GroupId, MessageId, ThreadId, UserId};

#[test]
fn thread_commands_and_updates() {
    let mut t = T::ready();
    let g = GroupId::new("team").unwrap();
    let th = ThreadId::new("t1").unwrap();
    let c = t.c.create_thread(t.now, g, MessageId(50), "plan").unwrap();
    let j = t.c.join_thread(t.now, th.clone()).unwrap();
    let l = t.c.leave_thread(t.now, th.clone()).unwrap();
    let d = t.c.destroy_thread(t.now, th).unwrap();
    assert_eq!(
        t.sent(),
        vec![
            json(&format!(
                r#"{{"type":"thread_create","id":"{c}","group":"team","root":"50","name":"plan"}}"#
            )),
            json(&format!(
                r#"{{"type":"thread_join","id":"{j}","thread":"t1"}}"#
            )),
            json(&format!(
                r#"{{"type":"thread_leave","id":"{l}","thread":"t1"}}"#
            )),
            json(&format!(
                r#"{{"type":"thread_destroy","id":"{d}","thread":"t1"}}"#
            )),
        ]
    );
    let info = r#"{"thread":"t1","group":"team","root":"50","name":"plan","owner":"alice","created":1,"count":0}"#;
    t.feed(&format!(
        r#"{{"type":"thread_created","id":"{c}","info":{info}}}"#
    ));
    assert!(
        matches!(&outcomes(&t.events())[..], [Outcome::ThreadCreated(tc)] if tc.info.thread.as_str() == "t1")
    );
    t.feed(&format!(
        r#"{{"type":"thread","seq":1,"op":"created","by":"alice","info":{info}}}"#
    ));
    assert!(matches!(&t.events()[..], [Event::Thread(n)] if n.info.name == "plan"));
    assert!(matches!(
        t.c.create_thread(t.now, GroupId::new("team").unwrap(), MessageId(1), ""),
        Err(CommandError::InvalidArgument(_))
    ));
}

#[test]
fn history_pages_are_tied_to_their_request_and_never_change_unread() {
    let mut t = T::ready();
    let bob = Conversation::Single(UserId::new("bob").unwrap());
    t.feed(&msg(Some(1), 10, "bob", TO_ALICE, "a"));
    t.feed(&msg(Some(2), 11, "bob", TO_ALICE, "b"));
    t.sent();
    t.events();
    let h =
        t.c.fetch_history(
            t.now,
            bob.clone(),
            Some(MessageId(12)),
            Direction::Before,
            2,
        )
        .unwrap();
    assert_eq!(
        t.sent(),
        vec![json(&format!(
            r#"{{"type":"history","id":"{h}","conv":{TO_BOB},"cursor":"12","direction":"before","limit":2}}"#
        ))]
    );
    let page = format!(
        r#"{{"type":"history","id":"{h}","conv":{TO_BOB},"entries":[{{"kind":"tombstone","mid":"11","from":"bob","to":{TO_ALICE},"ts":1000011,"recalled_by":"bob","recalled_at":9}},{{"kind":"message","mid":"10","from":"bob","to":{TO_ALICE},"ts":1000010,"body":{{"type":"text","text":"a"}}}}],"next":"10","done":false}}"#
    );
    t.feed(&page);
    let out = outcomes(&t.events());
    assert!(
        matches!(&out[..], [Outcome::History(p)] if p.entries.len() == 2 && p.next == Some(MessageId(10)) && !p.done)
    );
    // The page changes nothing in the conversation list (R12): only inbox
    // events do, on the client as on the server.
    let c = t.c.conversation(&bob).unwrap();
    assert_eq!(c.unread, 2);
    assert!(matches!(c.last, Some(natter_core::Entry::Message(ref m)) if m.mid == MessageId(11)));
    assert!(matches!(
        t.c.fetch_history(t.now, bob, None, Direction::After, 0),
        Err(CommandError::InvalidArgument(_))
    ));
}
