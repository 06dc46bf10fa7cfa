use crate::*;

/// `(op, users)` of the group tips in `frames`.
fn tips(frames: &[Value]) -> Vec<(String, Value)> {
    of(frames, "group_tip")
        .iter()
        .map(|f| (f["op"].as_str().unwrap().to_owned(), f["users"].clone()))
        .collect()
}

/// The `op` of the system notices in `frames`.
fn notices(frames: &[Value]) -> Vec<String> {
    of(frames, "system")
        .iter()
        .map(|f| f["op"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn creating_inviting_and_the_tips_and_notices_they_cause() {
    let mut t = S::new();
    let a = t.login("alice");
    let b = t.login("bob");
    let made = t.ask(
        a,
        r#"{"type":"group_create","id":"g1","name":"Team","members":["bob"]}"#,
    );
    assert_eq!(
        of(&made, "group_created")[0],
        json(r#"{"type":"group_created","id":"g1","group":"g1"}"#)
    );
    assert_eq!(notices(&made), ["created"]);
    assert_eq!(notices(&t.take(b)), ["invited"]);
    let c = t.login("carol");
    t.feed(
        b,
        r#"{"type":"group_invite","id":"i1","group":"g1","users":["carol"]}"#,
    );
    let out = t.out();
    let to = |conn: ConnectionId| -> Vec<Value> {
        out.iter()
            .filter(|(c, _)| *c == conn.0)
            .map(|(_, f)| f.clone())
            .collect()
    };
    assert_eq!(notices(&to(c)), ["invited"]);
    for conn in [a, b, c] {
        assert_eq!(
            tips(&to(conn)),
            [("joined".to_owned(), json(r#"["carol"]"#))]
        );
    }
    assert_eq!(
        error_code(&t.ask(
            a,
            r#"{"type":"group_invite","id":"i2","group":"g1","users":["carol"]}"#
        )),
        409
    );
}

#[test]
fn join_requests_need_a_decision_when_the_group_needs_approval() {
    let mut t = S::new();
    let a = t.login("alice");
    t.ask(
        a,
        r#"{"type":"group_create","id":"g1","name":"Closed","approval":true}"#,
    );
    let e = t.login("erin");
    let asked = t.ask(
        e,
        r#"{"type":"group_join","id":"j1","group":"g1","message":"please"}"#,
    );
    assert_eq!(
        asked,
        vec![json(r#"{"type":"ok","id":"j1","pending":true}"#)]
    );
    let req = t.take(a);
    assert_eq!(of(&req, "system")[0]["reason"], "please");
    assert_eq!(notices(&req), ["join_request"]);
    t.feed(a, r#"{"type":"group_decide","id":"d1","group":"g1","user":"erin","accept":false,"reason":"no"}"#);
    assert_eq!(notices(&t.take(e)), ["join_refused"]);
    assert_eq!(
        error_code(&t.ask(
            a,
            r#"{"type":"group_decide","id":"d2","group":"g1","user":"erin","accept":true}"#
        )),
        404
    );
    t.ask(e, r#"{"type":"group_join","id":"j2","group":"g1"}"#);
    t.feed(
        a,
        r#"{"type":"group_decide","id":"d3","group":"g1","user":"erin","accept":true}"#,
    );
    let got = t.take(e);
    assert_eq!(notices(&got), ["join_accepted"]);
    assert_eq!(tips(&got), [("joined".to_owned(), json(r#"["erin"]"#))]);
    let f = t.login("frank");
    assert_eq!(
        error_code(&t.ask(
            f,
            r#"{"type":"group_invite","id":"x","group":"g1","users":["gina"]}"#
        )),
        602
    );
}

#[test]
fn roles_kicks_leaving_and_dismissing() {
    let mut t = S::new();
    let a = t.login("alice");
    let b = t.login("bob");
    let c = t.login("carol");
    let g = t.group(a, "group", &["bob", "carol"]);
    assert_eq!(
        error_code(&t.ask(
            b,
            &format!(r#"{{"type":"group_kick","id":"k0","group":"{g}","users":["carol"]}}"#)
        )),
        403
    );
    t.feed(
        a,
        &format!(r#"{{"type":"group_admin","id":"a1","group":"{g}","user":"bob","admin":true}}"#),
    );
    assert_eq!(notices(&t.take(b)), ["admin_set"]);
    assert_eq!(
        error_code(&t.ask(
            b,
            &format!(r#"{{"type":"group_kick","id":"k1","group":"{g}","users":["alice"]}}"#)
        )),
        403
    );
    t.drain();
    t.feed(
        b,
        &format!(r#"{{"type":"group_kick","id":"k2","group":"{g}","users":["carol"]}}"#),
    );
    let out = t.out();
    assert!(
        out.iter()
            .any(|(to, f)| *to == c.0 && f["type"] == "system" && f["op"] == "kicked")
    );
    assert!(
        out.iter()
            .any(|(to, f)| *to == a.0 && f["type"] == "group_tip" && f["op"] == "kicked")
    );
    assert!(
        !out.iter()
            .any(|(to, f)| *to == c.0 && f["type"] == "group_tip"),
        "tips go to members only"
    );
    assert_eq!(
        error_code(&t.ask(
            a,
            &format!(r#"{{"type":"group_leave","id":"l0","group":"{g}"}}"#)
        )),
        403
    );
    t.feed(
        b,
        &format!(r#"{{"type":"group_leave","id":"l1","group":"{g}"}}"#),
    );
    assert_eq!(tips(&t.take(a)), [("left".to_owned(), json(r#"["bob"]"#))]);
    t.feed(
        a,
        &format!(r#"{{"type":"group_dismiss","id":"x1","group":"{g}"}}"#),
    );
    assert_eq!(notices(&t.take(a)), ["dismissed"]);
    assert_eq!(error_code(&t.text_to(a, "r1", "group", &g, "x")), 605);
}

#[test]
fn room_tips_are_ephemeral() {
    let mut t = S::new();
    let a = t.login("alice");
    let room = t.group(a, "room", &[]);
    let b = t.login("bob");
    t.feed(
        b,
        &format!(r#"{{"type":"group_join","id":"j1","group":"{room}"}}"#),
    );
    let out = t.out();
    let tip = out
        .iter()
        .find(|(to, f)| *to == a.0 && f["type"] == "group_tip")
        .unwrap();
    assert!(tip.1.get("seq").is_none());
}

#[test]
fn application_notices_reach_the_user() {
    let mut t = S::new();
    let a = t.login("alice");
    let now = t.now;
    t.s.notify(now, &user("alice"), &user("admin"), "maintenance");
    assert_eq!(
        t.take(a),
        vec![json(
            r#"{"type":"system","seq":1,"op":"custom","from":"admin","data":"maintenance","ts":1000000}"#
        )]
    );
}
