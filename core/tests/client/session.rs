use crate::*;
use natter_core::client::{CommandError, ConnectionState, DisconnectReason};
use natter_core::{Seq, UserId};

#[test]
fn connect_sends_hello_and_welcome_makes_the_session_ready() {
    let mut t = T::with(config());
    t.c.handle_connect(t.now);
    assert_eq!(
        t.sent(),
        vec![json(&format!(
            r#"{{"type":"hello","versions":[1,2],"token":"tok","device":"d1","last_seq":0,"agent":"natter-core/{}"}}"#,
            env!("CARGO_PKG_VERSION")
        ))]
    );
    assert_eq!(t.events(), vec![Event::State(ConnectionState::Connecting)]);
    assert!(!t.c.is_ready());
    t.feed(WELCOME);
    assert!(t.c.is_ready());
    assert_eq!(
        t.events(),
        vec![Event::State(ConnectionState::Ready {
            user: UserId::new("alice").unwrap()
        })]
    );
    assert_eq!(t.c.user().map(|u| u.as_str()), Some("alice"));
}

#[test]
fn commands_before_the_first_session_are_refused() {
    let mut t = T::with(config());
    let err = t.c.mark_read(t.now, natter_core::MessageId(1)).unwrap_err();
    assert_eq!(err, CommandError::NotConnected);
}

#[test]
fn keep_alive_pings_when_idle_and_a_silent_server_is_dropped() {
    let mut t = T::ready();
    assert_eq!(t.c.poll_timeout(), Some(Millis(t.now.0 + 30_000)));
    t.advance(30_000);
    assert_eq!(t.sent(), vec![json(r#"{"type":"ping"}"#)]);
    t.advance(29_999);
    assert!(t.events().is_empty());
    t.feed(r#"{"type":"pong"}"#);
    // The pong re-arms the idle timer from the last send.
    assert_eq!(t.c.poll_timeout(), Some(Millis(t.now.0 + 1)));
    t.advance(1);
    assert_eq!(t.sent(), vec![json(r#"{"type":"ping"}"#)]);
    t.advance(30_000);
    assert_eq!(
        t.events(),
        vec![Event::State(ConnectionState::Disconnected(
            DisconnectReason::PingTimeout
        ))]
    );
    assert!(!t.c.is_ready());
    assert_eq!(t.c.poll_timeout(), None);
}

#[test]
fn a_missing_welcome_times_the_handshake_out() {
    let mut t = T::with(config());
    t.c.handle_connect(t.now);
    t.sent();
    t.events();
    assert_eq!(t.next_timer(), Millis(1_010_000));
    assert_eq!(
        t.events(),
        vec![Event::State(ConnectionState::Disconnected(
            DisconnectReason::HandshakeTimeout
        ))]
    );
}

#[test]
fn a_refusal_is_reported_and_ends_the_connection() {
    let mut t = T::with(config());
    t.c.handle_connect(t.now);
    t.events();
    t.feed(r#"{"type":"refuse","code":419,"reason":"token expired","versions":[1]}"#);
    let events = t.events();
    assert!(
        matches!(&events[0], Event::Refused(r) if r.code == natter_core::ErrorCode::TOKEN_EXPIRED)
    );
    assert_eq!(
        events[1],
        Event::State(ConnectionState::Disconnected(DisconnectReason::Refused))
    );
    // A new token is used by the next hello.
    t.c.set_token("tok2");
    t.c.handle_connect(t.now);
    assert_eq!(t.sent()[0]["token"], "tok2");
}

#[test]
fn token_expiry_is_an_event_answered_with_a_new_token() {
    let mut t = T::ready();
    t.feed(r#"{"type":"token_expiring","expires":99999999}"#);
    assert_eq!(t.events(), vec![Event::TokenExpiring(Millis(99_999_999))]);
    let id = t.c.refresh_token(t.now, "tok3").unwrap();
    assert_eq!(
        t.sent(),
        vec![json(&format!(
            r#"{{"type":"token","id":"{id}","token":"tok3"}}"#
        ))]
    );
    t.feed(&format!(r#"{{"type":"ok","id":"{id}"}}"#));
    assert_eq!(
        outcomes(&t.events()),
        vec![Outcome::Done { id, pending: false }]
    );
    t.c.handle_disconnect(t.now);
    t.c.handle_connect(t.now);
    assert_eq!(t.sent()[0]["token"], "tok3");
}

#[test]
fn reconnect_resumes_from_the_last_processed_seq() {
    let mut t = T::ready();
    for (seq, mid) in [(1, 10), (2, 11), (3, 12)] {
        t.feed(&msg(Some(seq), mid, "bob", TO_ALICE, "hi"));
    }
    assert_eq!(t.c.last_seq(), Seq(3));
    t.c.handle_disconnect(t.now);
    let events = t.events();
    assert_eq!(
        events.last(),
        Some(&Event::State(ConnectionState::Disconnected(
            DisconnectReason::Transport
        )))
    );
    t.sent();
    t.c.handle_connect(t.now);
    assert_eq!(
        t.events(),
        vec![Event::State(ConnectionState::Reconnecting)]
    );
    assert_eq!(t.sent()[0]["last_seq"], 3);
    // Frames arriving while down are ignored.
    t.c.handle_disconnect(t.now);
    t.feed(&msg(Some(4), 13, "bob", TO_ALICE, "late"));
    assert_eq!(t.c.last_seq(), Seq(3));
}

#[test]
fn an_overflowed_inbox_is_reported_and_processing_continues_after_it() {
    let mut t = T::ready();
    t.feed(&msg(Some(1), 10, "bob", TO_ALICE, "a"));
    t.c.handle_disconnect(t.now);
    t.c.handle_connect(t.now);
    t.events();
    t.feed(&WELCOME.replace(r#""seq":0,"oldest":1"#, r#""seq":9,"oldest":6"#));
    let events = t.events();
    assert_eq!(
        events[1],
        Event::InboxTruncated {
            from: Seq(2),
            to: Seq(5)
        }
    );
    t.feed(&msg(Some(6), 20, "bob", TO_ALICE, "b"));
    assert_eq!(t.c.last_seq(), Seq(6));
    assert!(matches!(&t.events()[0], Event::Message(m) if m.mid.0 == 20));
}
