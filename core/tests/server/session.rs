use crate::*;
use natter_core::server::CloseReason;

#[test]
fn hello_with_a_good_token_is_welcomed() {
    let mut t = S::new();
    let (c, got) = t.login_from("alice", 0);
    assert_eq!(
        got,
        vec![json(&format!(
            r#"{{"type":"welcome","version":1,"user":"alice","device":"dev{}","seq":0,"oldest":1,"ping_ms":30000,"max_frame":65536,"time":1000000,"token_expires":10000000000}}"#,
            c.0
        ))]
    );
}

#[test]
fn forged_expired_and_versionless_hellos_are_refused_and_closed() {
    let mut t = S::new();
    let cases = [
        (
            token::mint(b"wrong", &user("alice"), Millis(10_000_000_000)),
            "[1]",
            401,
        ),
        (token::mint(SECRET, &user("alice"), Millis(5)), "[1]", 419),
        ("garbage".to_owned(), "[1]", 401),
        (token_for("alice"), "[3,4]", 426),
    ];
    for (tok, versions, code) in cases {
        let c = t.open();
        let got = t.ask(
            c,
            &format!(r#"{{"type":"hello","versions":{versions},"token":"{tok}","device":"d"}}"#),
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0]["type"], "refuse");
        assert_eq!(got[0]["code"], code);
        assert_eq!(got[0]["versions"], json("[1,2]"));
        assert_eq!(
            t.events(),
            vec![ServerEvent::Close {
                conn: c,
                reason: CloseReason::Refused
            }]
        );
    }
}

#[test]
fn requests_before_hello_are_unauthorized_and_a_second_hello_conflicts() {
    let mut t = S::new();
    let c = t.open();
    let got = t.ask(c, r#"{"type":"block","id":"r1","user":"bob"}"#);
    assert_eq!(
        got,
        vec![json(
            r#"{"type":"error","id":"r1","code":401,"reason":"send hello first"}"#
        )]
    );
    assert_eq!(
        t.ask(c, r#"{"type":"ping","nonce":3}"#),
        vec![json(r#"{"type":"pong","nonce":3}"#)]
    );
    let c = t.login("alice");
    let hello = format!(
        r#"{{"type":"hello","versions":[1],"token":"{}","device":"d"}}"#,
        token_for("alice")
    );
    assert_eq!(error_code(&t.ask(c, &hello)), 409);
}

#[test]
fn malformed_unknown_and_oversize_frames_get_errors_and_the_connection_stays() {
    let cfg = ServerConfig::new(SECRET).with_max_frame(1024);
    let mut t = S::with(cfg);
    let c = t.login("alice");
    assert_eq!(error_code(&t.ask(c, "{nope")), 400);
    let got = t.ask(c, r#"{"type":"poke","id":"r9"}"#);
    assert_eq!(
        got,
        vec![json(
            r#"{"type":"error","id":"r9","code":415,"reason":"unknown frame type \"poke\""}"#
        )]
    );
    assert_eq!(
        error_code(&t.ask(
            c,
            &format!(r#"{{"type":"ping","pad":"{}"}}"#, "x".repeat(2000))
        )),
        413
    );
    assert_eq!(
        t.ask(c, r#"{"type":"ping"}"#),
        vec![json(r#"{"type":"pong","seq":0}"#)]
    );
}

#[test]
fn silent_connections_are_closed_after_twice_the_ping_interval() {
    let mut t = S::new();
    let c = t.login("alice");
    assert_eq!(t.s.poll_timeout(), Some(Millis(1_060_000)));
    t.now = Millis(1_030_000);
    t.feed(c, r#"{"type":"ping"}"#);
    t.drain();
    t.now = Millis(1_089_999);
    t.s.handle_timeout(t.now);
    assert!(t.events().is_empty());
    t.now = Millis(1_090_000);
    t.s.handle_timeout(t.now);
    assert_eq!(
        t.events(),
        vec![ServerEvent::Close {
            conn: c,
            reason: CloseReason::Idle
        }]
    );
    assert_eq!(t.s.connections(), 0);
}

#[test]
fn tokens_are_warned_before_expiry_refreshed_or_enforced() {
    let cfg = ServerConfig::new(SECRET).with_ping_ms(10_000_000);
    let mut t = S::with(cfg);
    let c = t.open();
    let tok = token::mint(SECRET, &user("alice"), Millis(2_000_000));
    t.feed(
        c,
        &format!(r#"{{"type":"hello","versions":[1],"token":"{tok}","device":"d"}}"#),
    );
    t.drain();
    assert_eq!(t.s.poll_timeout(), Some(Millis(1_700_000)));
    t.now = Millis(1_700_000);
    t.s.handle_timeout(t.now);
    assert_eq!(
        t.take(c),
        vec![json(r#"{"type":"token_expiring","expires":2000000}"#)]
    );
    // A token for someone else is refused; a good one extends the session.
    let bob = token::mint(SECRET, &user("bob"), Millis(9_000_000));
    assert_eq!(
        error_code(&t.ask(
            c,
            &format!(r#"{{"type":"token","id":"t1","token":"{bob}"}}"#)
        )),
        401
    );
    let fresh = token::mint(SECRET, &user("alice"), Millis(3_000_000));
    assert_eq!(
        t.ask(
            c,
            &format!(r#"{{"type":"token","id":"t2","token":"{fresh}"}}"#)
        ),
        vec![json(r#"{"type":"ok","id":"t2"}"#)]
    );
    t.now = Millis(3_000_000);
    t.s.handle_timeout(t.now);
    let got = t.take(c);
    assert_eq!(got.last().unwrap()["code"], 419);
    assert_eq!(
        t.events(),
        vec![ServerEvent::Close {
            conn: c,
            reason: CloseReason::TokenExpired
        }]
    );
}

#[test]
fn resume_replays_exactly_what_came_after_last_seq() {
    let mut t = S::new();
    let a = t.login("alice");
    for i in 1..=3 {
        t.text_to(a, &format!("r{i}"), "single", "bob", &format!("m{i}"));
    }
    let (_, got) = t.login_from("bob", 1);
    assert_eq!(got[0]["seq"], 3);
    let texts: Vec<&str> = got[1..]
        .iter()
        .map(|f| f["msg"]["body"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["m2", "m3"]);
    assert_eq!(got[1]["seq"], 2);
}

#[test]
fn a_full_inbox_drops_its_oldest_events_and_says_so() {
    let cfg = ServerConfig::new(SECRET).with_inbox_limits(2, 16);
    let mut t = S::with(cfg);
    let a = t.login("alice");
    for i in 1..=5 {
        t.text_to(a, &format!("r{i}"), "single", "bob", "x");
    }
    let (_, got) = t.login_from("bob", 0);
    assert_eq!(
        (got[0]["seq"].as_u64(), got[0]["oldest"].as_u64()),
        (Some(5), Some(4))
    );
    assert_eq!(got.len(), 3);
    assert_eq!(
        t.ask(a, r#"{"type":"ack","seq":99}"#).len(),
        1,
        "an ack beyond the inbox is an error"
    );
}

/// Idleness runs on the monotonic clock and token expiry on the wall clock:
/// a wall-clock step closes nothing early and stalls nothing.
#[test]
fn a_wall_clock_step_neither_closes_idle_connections_nor_stalls_timers() {
    let mut t = S::new();
    let (mono, wall) = (Millis(5_000), Millis(1_000_000));
    let c = t.open_at(Now::new(mono, wall));
    let tok = token::mint(SECRET, &user("alice"), Millis(2_000_000));
    let hello = format!(r#"{{"type":"hello","versions":[1],"token":"{tok}","device":"d"}}"#);
    t.s.handle_bytes(Now::new(mono, wall), c, hello.as_bytes())
        .unwrap();
    t.drain();
    // The idle deadline is 60 s of monotonic time away.
    assert_eq!(t.s.poll_timeout(), Some(Millis(65_000)));
    // The wall clock jumps an hour ahead while the line is quiet for 30 s:
    // the connection is not idle, and the session stays.
    t.s.handle_bytes(
        Now::new(Millis(35_000), Millis(4_600_000)),
        c,
        br#"{"type":"ping"}"#,
    )
    .unwrap();
    // ... but the token's wall-clock expiry has passed: that is enforced.
    t.s.handle_timeout(Now::new(Millis(35_000), Millis(4_600_000)));
    assert_eq!(
        t.events(),
        vec![ServerEvent::Close {
            conn: c,
            reason: CloseReason::TokenExpired
        }]
    );

    // A step back: the idle timer still fires on monotonic time.
    let d = t.open_at(Now::new(Millis(100_000), Millis(1_000_000)));
    assert_eq!(t.s.poll_timeout(), Some(Millis(160_000)));
    t.s.handle_timeout(Now::new(Millis(160_000), Millis(10)));
    assert_eq!(
        t.events(),
        vec![ServerEvent::Close {
            conn: d,
            reason: CloseReason::Idle
        }]
    );
}

/// A token's expiry converts to a monotonic deadline; a wall clock set back
/// after that only re-arms the timer, it never expires the token early.
#[test]
fn token_expiry_follows_the_wall_clock_through_a_step_back() {
    let cfg = ServerConfig::new(SECRET).with_ping_ms(10_000_000);
    let mut t = S::with(cfg);
    let at = Now::new(Millis(0), Millis(1_000_000));
    let c = t.open_at(at);
    let tok = token::mint(SECRET, &user("alice"), Millis(2_000_000));
    let hello = format!(r#"{{"type":"hello","versions":[1],"token":"{tok}","device":"d"}}"#);
    t.s.handle_bytes(at, c, hello.as_bytes()).unwrap();
    t.drain();
    // The warning is due 300 s before expiry: wall 1,700,000 is mono 700,000.
    assert_eq!(t.s.poll_timeout(), Some(Millis(700_000)));
    // The wall clock went back 100 s meanwhile: no warning yet, re-armed.
    t.s.handle_timeout(Now::new(Millis(700_000), Millis(1_600_000)));
    assert!(t.take(c).is_empty());
    assert_eq!(t.s.poll_timeout(), Some(Millis(800_000)));
    t.s.handle_timeout(Now::new(Millis(800_000), Millis(1_700_000)));
    assert_eq!(
        t.take(c),
        vec![json(r#"{"type":"token_expiring","expires":2000000}"#)]
    );
}

/// At most the delivery window of inbox events is in flight per connection
/// beyond its last ack; the rest follow as acks arrive, live or replayed.
#[test]
fn inbox_events_flow_as_far_as_the_window_past_the_last_ack() {
    let mut t = S::with(ServerConfig::new(SECRET).with_delivery_window(2));
    let a = t.login("alice");
    for i in 0..5 {
        t.text_to(a, &format!("r{i}"), "single", "bob", "x");
    }
    t.drain();
    let seqs = |frames: &[Value]| -> Vec<u64> {
        frames
            .iter()
            .filter(|f| f["type"] == "msg")
            .filter_map(|f| f.get("seq").and_then(Value::as_u64))
            .collect()
    };
    // bob resumes from nothing: two events, not five.
    let (b, got) = t.login_from("bob", 0);
    assert_eq!(seqs(&got), vec![1, 2]);
    // A live message while the window is full waits too.
    t.text_to(a, "r5", "single", "bob", "x");
    assert_eq!(seqs(&t.take(b)), Vec::<u64>::new());
    t.feed(b, r#"{"type":"ack","seq":1}"#);
    assert_eq!(seqs(&t.take(b)), vec![3]);
    t.feed(b, r#"{"type":"ack","seq":3}"#);
    assert_eq!(seqs(&t.take(b)), vec![4, 5]);
    t.feed(b, r#"{"type":"ack","seq":6}"#);
    assert_eq!(seqs(&t.take(b)), vec![6]);
    // Caught up: the next one goes at once.
    t.text_to(a, "r6", "single", "bob", "x");
    assert_eq!(seqs(&t.take(b)), vec![7]);
}
