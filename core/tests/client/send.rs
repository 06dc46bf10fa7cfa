use crate::*;
use natter_core::body::{Attachment, Custom, Location};
use natter_core::client::{CommandError, Outgoing};
use natter_core::{
    Body, Conversation, ErrorCode, Ext, GroupId, MessageId, Priority, PushInfo, ThreadId,
};

fn text(s: &str) -> Body {
    Body::Text { text: s.into() }
}

/// The one outcome a send answered as message `mid` at `ts` ends in.
fn sent_outcome(id: &RequestId, mid: u64, ts: u64) -> Vec<Outcome> {
    vec![Outcome::Sent {
        id: id.clone(),
        mid: MessageId(mid),
        ts: Millis(ts),
    }]
}

fn attachment(url: &str) -> Box<Attachment> {
    Box::new({
        let mut f = Attachment::default();
        f.url = url.into();
        f.name = "a.png".into();
        f.size = 10;
        f.mime = Some("image/png".into());
        f
    })
}

#[test]
fn every_body_type_goes_to_every_chat_type() {
    let mut t = T::ready();
    let bodies = vec![
        text("hi"),
        Body::Emoji {
            text: "ok [smile]".into(),
        },
        Body::Face {
            index: 3,
            data: "set".into(),
        },
        Body::Image(attachment("u1")),
        Body::File(attachment("u2")),
        Body::Audio(attachment("u3")),
        Body::Video(attachment("u4")),
        Body::Location(Box::new({
            let mut f = Location::new(1.5, 2.5);
            f.address = "x".into();
            f.name = String::new();
            f
        })),
        Body::Command {
            action: "typing".into(),
        },
        Body::Custom(Box::new({
            let mut f = Custom::default();
            f.event = "gift".into();
            f
        })),
    ];
    let convs = [
        bob(),
        Conversation::Group(GroupId::new("team").unwrap()),
        Conversation::Room(GroupId::new("lobby").unwrap()),
        Conversation::Thread(ThreadId::new("t1").unwrap()),
    ];
    for conv in &convs {
        for body in &bodies {
            let id =
                t.c.send(t.now, Outgoing::new(conv.clone(), body.clone()))
                    .unwrap();
            let sent = t.sent();
            assert_eq!(sent.len(), 1);
            assert_eq!(sent[0]["type"], "send");
            assert_eq!(sent[0]["id"], id.as_str());
            assert_eq!(sent[0]["to"], serde_json::to_value(conv).unwrap());
            assert_eq!(sent[0]["body"], serde_json::to_value(body).unwrap());
        }
    }
    assert_eq!(t.c.pending_requests(), 40);
}

#[test]
fn options_travel_with_the_message_and_the_answer_ends_the_send() {
    let mut t = T::ready();
    let mut ext = Ext::default();
    ext.0
        .insert("k".into(), serde_json::json!([1, {"a": null}]));
    let out = Outgoing::new(
        Conversation::Group(GroupId::new("team").unwrap()),
        text("hi"),
    )
    .with_ext(ext)
    .with_priority(Priority::High)
    .with_online_only()
    .with_group_ack()
    .with_push({
        let mut f = PushInfo::default();
        f.title = Some("T".into());
        f
    });
    let id = t.c.send(t.now, out).unwrap();
    assert_eq!(
        t.sent(),
        vec![json(&format!(
            r#"{{"type":"send","id":"{id}","to":{TO_TEAM},"body":{{"type":"text","text":"hi"}},"ext":{{"k":[1,{{"a":null}}]}},"priority":"high","online_only":true,"group_ack":true,"push":{{"title":"T"}}}}"#
        ))]
    );
    t.feed(&format!(
        r#"{{"type":"sent","id":"{id}","mid":"77","ts":1000500}}"#
    ));
    assert_eq!(outcomes(&t.events()), sent_outcome(&id, 77, 1_000_500));
    // A repeated answer is a stale duplicate.
    t.feed(&format!(
        r#"{{"type":"sent","id":"{id}","mid":"77","ts":1000500}}"#
    ));
    assert!(t.events().is_empty());
    assert_eq!(t.c.pending_requests(), 0);
}

#[test]
fn local_misuse_is_refused_at_once() {
    let cfg = config().with_max_body_bytes(8).with_max_outbox(2);
    let mut t = T::ready_with(cfg);
    assert_eq!(
        t.c.send(t.now, Outgoing::new(bob(), text("123456789"))),
        Err(CommandError::TooLarge { len: 9, max: 8 })
    );
    assert!(matches!(
        t.c.send(t.now, Outgoing::new(bob(), text(""))),
        Err(CommandError::InvalidArgument(_))
    ));
    assert!(matches!(
        t.c.send(t.now, Outgoing::new(bob(), text("x")).with_group_ack()),
        Err(CommandError::InvalidArgument(_))
    ));
    let far = Body::Location(Box::new({
        let mut f = Location::default();
        f.lat = 91.0;
        f.lng = 0.0;
        f
    }));
    assert!(matches!(
        t.c.send(t.now, Outgoing::new(bob(), far)),
        Err(CommandError::InvalidArgument(_))
    ));
    t.c.send(t.now, Outgoing::new(bob(), text("a"))).unwrap();
    t.c.send(t.now, Outgoing::new(bob(), text("b"))).unwrap();
    assert_eq!(
        t.c.send(t.now, Outgoing::new(bob(), text("c"))),
        Err(CommandError::OutboxFull { max: 2 })
    );
    assert_eq!(t.sent().len(), 2, "refused commands send nothing");
}

#[test]
fn a_frame_over_the_servers_limit_is_refused() {
    let mut t = T::with(config());
    t.c.handle_connect(t.now);
    t.feed(&WELCOME.replace(r#""max_frame":65536"#, r#""max_frame":100"#));
    let err =
        t.c.send(t.now, Outgoing::new(bob(), text(&"x".repeat(90))))
            .unwrap_err();
    assert!(
        matches!(err, CommandError::TooLarge { max: 100, .. }),
        "{err:?}"
    );
}

#[test]
fn retries_back_off_and_stop_at_the_deadline_with_408() {
    let cfg = config()
        .with_retry_backoff(Duration::from_secs(1), Duration::from_secs(4))
        .with_request_deadline(Duration::from_secs(10));
    let mut t = T::ready_with(cfg);
    let start = t.now.0;
    let id = t.c.send(t.now, Outgoing::new(bob(), text("x"))).unwrap();
    assert_eq!(t.sent().len(), 1);
    let mut retries = Vec::new();
    loop {
        let at = t.next_timer();
        let sent = t.sent();
        if sent.iter().any(|f| f["type"] == "send") {
            assert!(
                sent.iter()
                    .all(|f| f["id"] == id.as_str() || f["type"] == "ping")
            );
            retries.push(at.0 - start);
        }
        let events = t.events();
        if !events.is_empty() {
            assert_eq!(at.0 - start, 10_000);
            assert_eq!(
                outcomes(&events),
                vec![Outcome::Failed {
                    id: id.clone(),
                    code: ErrorCode::TIMED_OUT,
                    reason: "no answer before the request's deadline".into()
                }]
            );
            break;
        }
    }
    assert_eq!(retries, vec![1_000, 3_000, 7_000]);
    assert_eq!(t.c.pending_requests(), 0);
}

use std::time::Duration;

#[test]
fn unanswered_requests_go_out_again_in_order_on_the_next_session() {
    let mut t = T::ready();
    let a = t.c.send(t.now, Outgoing::new(bob(), text("a"))).unwrap();
    let b = t.c.send(t.now, Outgoing::new(bob(), text("b"))).unwrap();
    t.sent();
    t.c.handle_disconnect(t.now);
    // Commands while disconnected wait in the outbox.
    let c = t.c.send(t.now, Outgoing::new(bob(), text("c"))).unwrap();
    assert!(t.sent().is_empty());
    t.c.handle_connect(t.now);
    assert_eq!(t.sent().len(), 1, "only the hello before welcome");
    t.feed(WELCOME);
    let ids: Vec<Value> = t.sent().iter().map(|f| f["id"].clone()).collect();
    assert_eq!(
        ids,
        vec![
            json(&format!("\"{a}\"")),
            json(&format!("\"{b}\"")),
            json(&format!("\"{c}\""))
        ]
    );
}

#[test]
fn resend_of_a_failed_message_keeps_its_id() {
    let mut t = T::ready();
    let id = t.c.send(t.now, Outgoing::new(bob(), text("x"))).unwrap();
    let first = t.sent();
    t.feed(&format!(
        r#"{{"type":"error","id":"{id}","code":603,"reason":"blocked"}}"#
    ));
    assert_eq!(
        outcomes(&t.events()),
        vec![Outcome::Failed {
            id: id.clone(),
            code: ErrorCode::BLOCKED_BY_RECIPIENT,
            reason: "blocked".into()
        }]
    );
    assert_eq!(t.c.resend(t.now, &id), Ok(id.clone()));
    assert_eq!(t.sent(), first);
    assert_eq!(
        t.c.resend(t.now, &id),
        Err(CommandError::UnknownRequest(id.clone()))
    );
    t.feed(&format!(
        r#"{{"type":"sent","id":"{id}","mid":"5","ts":1}}"#
    ));
    assert_eq!(outcomes(&t.events()), sent_outcome(&id, 5, 1));
}

#[test]
fn attachments_upload_first_then_send() {
    let mut t = T::ready();
    let local = Body::Image(attachment(""));
    let id = t.c.send(t.now, Outgoing::new(bob(), local)).unwrap();
    assert!(t.sent().is_empty(), "nothing is sent before the upload");
    assert_eq!(
        t.events(),
        vec![Event::UploadRequested {
            id: id.clone(),
            attachment: *attachment("")
        }]
    );
    t.c.upload_progress(&id, 5, 10).unwrap();
    assert_eq!(
        t.events(),
        vec![Event::UploadProgress {
            id: id.clone(),
            sent: 5,
            total: 10
        }]
    );
    // No deadline runs during the upload.
    t.advance(600_000);
    assert!(outcomes(&t.events()).is_empty());
    t.sent();
    t.c.upload_complete(t.now, &id, *attachment("https://f/1"))
        .unwrap();
    let sent = t.sent();
    assert_eq!(sent[0]["body"]["url"], "https://f/1");
    assert_eq!(sent[0]["id"], id.as_str());
    assert_eq!(
        t.c.upload_progress(&id, 1, 1),
        Err(CommandError::UnknownRequest(id.clone()))
    );
}

#[test]
fn a_failed_upload_fails_the_send_and_resend_asks_again() {
    let mut t = T::ready();
    let id =
        t.c.send(t.now, Outgoing::new(bob(), Body::File(attachment(""))))
            .unwrap();
    t.events();
    t.c.upload_failed(&id, "disk error").unwrap();
    assert_eq!(
        outcomes(&t.events()),
        vec![Outcome::Failed {
            id: id.clone(),
            code: ErrorCode::UPLOAD_FAILED,
            reason: "disk error".into()
        }]
    );
    t.c.resend(t.now, &id).unwrap();
    assert!(matches!(&t.events()[..], [Event::UploadRequested { .. }]));
    assert!(t.sent().is_empty());
}

/// Sends "x" to bob and takes the frame it went out in; returns its id.
fn send_x(t: &mut T) -> RequestId {
    let id = t.c.send(t.now, Outgoing::new(bob(), text("x"))).unwrap();
    t.sent();
    id
}

/// A client whose send of "x" was answered `sent` 9 at ts 5, standing for
/// its copy at `seq`.
fn answered_with_seq(seq: u64) -> (T, RequestId) {
    let mut t = T::ready();
    let id = send_x(&mut t);
    t.feed(&format!(
        r#"{{"type":"sent","id":"{id}","mid":"9","ts":5,"seq":{seq}}}"#
    ));
    (t, id)
}

/// Bob's message `mid`, "y", at inbox position `seq`.
fn from_bob(seq: u64, mid: u64) -> String {
    format!(
        r#"{{"type":"msg","seq":{seq},"msg":{{"mid":"{mid}","from":"bob","to":{{"chat":"single","id":"alice"}},"ts":6,"body":{{"type":"text","text":"y"}}}}}}"#
    )
}

#[test]
fn the_senders_copy_completes_a_send_whose_answer_was_lost() {
    let mut t = T::ready();
    let id = send_x(&mut t);
    t.c.handle_disconnect(t.now);
    t.c.handle_connect(t.now);
    t.feed(WELCOME);
    t.events();
    let copy = format!(
        r#"{{"type":"msg","seq":1,"msg":{{"mid":"9","from":"alice","to":{TO_BOB},"ts":5,"req":"{id}","body":{{"type":"text","text":"x"}}}}}}"#
    );
    t.feed(&copy);
    assert_eq!(outcomes(&t.events()), sent_outcome(&id, 9, 5));
    // The late answer and a duplicate copy change nothing.
    t.feed(&format!(
        r#"{{"type":"sent","id":"{id}","mid":"9","ts":5}}"#
    ));
    t.feed(&copy.replace(r#""seq":1"#, r#""seq":2"#));
    assert!(t.events().is_empty());
    assert_eq!(
        t.c.conversations()[0].last.as_ref().map(|e| e.mid()),
        Some(MessageId(9))
    );
    assert_eq!(t.c.conversations()[0].unread, 0);
}

#[test]
fn a_sent_with_seq_stands_for_the_copy_in_inbox_order() {
    let (mut t, id) = answered_with_seq(1);
    assert_eq!(outcomes(&t.events()), sent_outcome(&id, 9, 5));
    let conv = t.c.conversation(&bob()).unwrap();
    assert_eq!(conv.last.as_ref().map(|e| e.mid()), Some(MessageId(9)));
    assert_eq!(conv.unread, 0);
    // Seq 1 is processed: bob's reply at seq 2 is next, not held.
    t.feed(&from_bob(2, 10));
    let events = t.events();
    assert!(
        matches!(&events[..], [Event::Message(m)] if m.mid == MessageId(10)),
        "{events:?}"
    );
    // The copy replayed after all (a resume) is a duplicate.
    t.feed(&format!(
        r#"{{"type":"msg","seq":1,"msg":{{"mid":"9","from":"alice","to":{TO_BOB},"ts":5,"req":"{id}","body":{{"type":"text","text":"x"}}}}}}"#
    ));
    assert!(t.events().is_empty());
}

#[test]
fn a_sent_with_seq_beyond_a_gap_ends_the_send_and_waits_for_the_gap() {
    let (mut t, _) = answered_with_seq(2);
    assert_eq!(outcomes(&t.events()).len(), 1);
    assert_eq!(t.c.conversation(&bob()).map(|c| c.last.is_some()), None);
    t.feed(&from_bob(1, 8));
    let events = t.events();
    assert!(
        matches!(&events[..], [Event::Message(m)] if m.mid == MessageId(8)),
        "{events:?}"
    );
    assert_eq!(
        t.c.conversation(&bob())
            .and_then(|c| c.last.as_ref().map(|e| e.mid())),
        Some(MessageId(9))
    );
}

#[test]
fn a_message_from_another_device_of_the_user_is_shown_once() {
    let mut t = T::ready();
    let copy = format!(
        r#"{{"type":"msg","seq":1,"msg":{{"mid":"9","from":"alice","to":{TO_BOB},"ts":5,"req":"other-device-1","body":{{"type":"text","text":"x"}}}}}}"#
    );
    t.feed(&copy);
    let events = t.events();
    assert!(matches!(&events[..], [Event::Message(m)] if m.mid == MessageId(9)));
    assert_eq!(t.c.conversation(&bob()).map(|c| c.unread), Some(0));
}

#[test]
fn outgoing_options_read_back_through_their_getters() {
    let plain = Outgoing::new(bob(), text("x"));
    assert_eq!(
        (plain.priority(), plain.online_only(), plain.group_ack()),
        (Priority::Normal, false, false)
    );
    assert!(plain.push().is_none() && plain.ext().is_empty());
    let o = plain
        .with_priority(Priority::Low)
        .with_online_only()
        .with_group_ack()
        .with_push(PushInfo::default());
    assert_eq!((o.to(), o.body()), (&bob(), &text("x")));
    assert_eq!(
        (o.priority(), o.online_only(), o.group_ack()),
        (Priority::Low, true, true)
    );
    assert_eq!(o.push(), Some(&PushInfo::default()));
}
