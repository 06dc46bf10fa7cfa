use crate::*;
use natter_core::client::{Outgoing, Snapshot};
use natter_core::{Body, Conversation, Seq, UserId};
use std::sync::Arc;

#[test]
fn a_restored_client_resumes_with_its_outbox_and_mirror() {
    let mut t = T::ready();
    t.feed(&msg(Some(1), 10, "bob", TO_ALICE, "a"));
    let bob = Conversation::Single(UserId::new("bob").unwrap());
    let id =
        t.c.send(
            t.now,
            Outgoing::new(bob.clone(), Body::Text { text: "x".into() }),
        )
        .unwrap();
    t.sent();
    let snap = t.c.snapshot(t.now).unwrap();
    let text = serde_json::to_string(&snap).unwrap();
    let snap: Snapshot = serde_json::from_str(&text).unwrap();
    assert_eq!(snap.last_seq(), Seq(1));

    let later = Millis(t.now.0 + 5_000);
    let mut c = Client::restore(Arc::new(config()), "tok", later, snap).unwrap();
    assert_eq!(c.conversations(), t.c.conversations());
    assert_eq!(c.pending_requests(), 1);
    c.handle_connect(later);
    let hello = c.poll_transmit().unwrap();
    assert!(matches!(hello, natter_core::ClientFrame::Hello(h) if h.last_seq == Seq(1)));
    c.handle_frame(
        later,
        natter_core::Codec::default()
            .decode(WELCOME.as_bytes())
            .unwrap(),
    );
    match c.poll_transmit() {
        Some(natter_core::ClientFrame::Send(s)) => assert_eq!(s.id, id),
        other => panic!("expected the saved send, got {other:?}"),
    }
    // New ids continue from the saved counter, never repeating.
    let next = c.mark_read(later, natter_core::MessageId(10)).unwrap();
    assert_ne!(next, id);
}

#[test]
fn a_snapshot_of_another_device_is_refused() {
    let t = T::ready();
    let snap = t.c.snapshot(t.now).unwrap();
    let other = Config::new(DeviceId::new("d2").unwrap(), 1);
    assert!(Client::restore(Arc::new(other), "tok", t.now, snap).is_err());
    assert!(T::with(config()).c.snapshot(Millis(0)).is_none());
}
