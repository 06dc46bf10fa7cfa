use crate::*;

#[test]
fn threads_from_a_group_message_with_updates_to_the_whole_group() {
    let mut t = S::new();
    let a = t.login("alice");
    let b = t.login("bob");
    let c = t.login("carol");
    let g = t.group(a, "group", &["bob", "carol"]);
    t.text_to(a, "r1", "group", &g, "root");
    t.drain();
    let made = t.ask(
        b,
        &format!(r#"{{"type":"thread_create","id":"t1","group":"{g}","root":"1","name":"plan"}}"#),
    );
    let created = of(&made, "thread_created");
    assert_eq!(created[0]["info"]["thread"], "t1");
    assert_eq!(created[0]["info"]["owner"], "bob");
    assert_eq!(of(&t.take(c), "thread")[0]["op"], "created");
    assert_eq!(
        error_code(&t.ask(
            b,
            &format!(
                r#"{{"type":"thread_create","id":"t2","group":"{g}","root":"1","name":"again"}}"#
            )
        )),
        409
    );
    // Carol must join before sending.
    assert_eq!(error_code(&t.text_to(c, "r2", "thread", "t1", "hi")), 602);
    t.ask(c, r#"{"type":"thread_join","id":"j1","thread":"t1"}"#);
    t.drain();
    t.feed(c, r#"{"type":"send","id":"r3","to":{"chat":"thread","id":"t1"},"body":{"type":"text","text":"in thread"}}"#);
    let out = t.out();
    let update = out
        .iter()
        .find(|(to, f)| *to == a.0 && f["type"] == "thread")
        .unwrap();
    assert_eq!(
        (update.1["op"].as_str(), update.1["info"]["count"].as_u64()),
        (Some("message"), Some(1))
    );
    assert!(
        !out.iter().any(|(to, f)| *to == a.0 && f["type"] == "msg"),
        "alice is not in the thread"
    );
    assert!(
        out.iter().any(|(to, f)| *to == b.0 && f["type"] == "msg"),
        "bob created it, so he is in it"
    );
    let h = t.ask(
        c,
        r#"{"type":"history","id":"h","conv":{"chat":"thread","id":"t1"}}"#,
    );
    assert_eq!(h[0]["entries"][0]["body"]["text"], "in thread");
    t.feed(c, r#"{"type":"recall","id":"x","mid":"2"}"#);
    let out = t.out();
    assert!(out.iter().any(|(to, f)| *to == a.0
        && f["type"] == "thread"
        && f["op"] == "recalled"
        && f["mid"] == "2"));
    assert_eq!(
        error_code(&t.ask(c, r#"{"type":"thread_destroy","id":"d1","thread":"t1"}"#)),
        403
    );
    t.ask(c, r#"{"type":"thread_leave","id":"l1","thread":"t1"}"#);
    t.feed(a, r#"{"type":"thread_destroy","id":"d2","thread":"t1"}"#);
    assert!(
        t.out()
            .iter()
            .any(|(to, f)| *to == c.0 && f["op"] == "destroyed")
    );
}

#[test]
fn history_pages_both_ways_with_cursors() {
    let mut t = S::new();
    let a = t.login("alice");
    for i in 1..=5 {
        t.text_to(a, &format!("r{i}"), "single", "bob", &format!("m{i}"));
    }
    let page = |t: &mut S, q: &str| -> (Vec<String>, Value, bool) {
        let got = t.ask(
            a,
            &format!(r#"{{"type":"history","id":"h",{q}"conv":{{"chat":"single","id":"bob"}}}}"#),
        );
        let texts = got[0]["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["body"]["text"].as_str().unwrap().to_owned())
            .collect();
        (
            texts,
            got[0]["next"].clone(),
            got[0]["done"].as_bool().unwrap(),
        )
    };
    assert_eq!(
        page(&mut t, r#""limit":2,"#),
        (vec!["m5".into(), "m4".into()], json("\"4\""), false)
    );
    assert_eq!(
        page(&mut t, r#""limit":2,"cursor":"4","#),
        (vec!["m3".into(), "m2".into()], json("\"2\""), false)
    );
    assert_eq!(
        page(&mut t, r#""limit":2,"cursor":"2","#),
        (vec!["m1".into()], Value::Null, true)
    );
    assert_eq!(
        page(&mut t, r#""limit":3,"direction":"after","cursor":"2","#),
        (
            vec!["m3".into(), "m4".into(), "m5".into()],
            Value::Null,
            true
        )
    );
    assert_eq!(
        error_code(&t.ask(
            a,
            r#"{"type":"history","id":"h","conv":{"chat":"single","id":"bob"},"limit":0}"#
        )),
        400
    );
    assert_eq!(
        error_code(&t.ask(
            a,
            r#"{"type":"history","id":"h","conv":{"chat":"group","id":"g9"}}"#
        )),
        605
    );
}

#[test]
fn history_pages_fit_into_one_frame() {
    let cfg = ServerConfig::new(SECRET).with_max_frame(2048);
    let mut t = S::with(cfg);
    let a = t.login("alice");
    for i in 1..=10 {
        t.text_to(a, &format!("r{i}"), "single", "bob", &"x".repeat(300));
    }
    let got = t.ask(
        a,
        r#"{"type":"history","id":"h","conv":{"chat":"single","id":"bob"},"limit":10}"#,
    );
    let n = got[0]["entries"].as_array().unwrap().len();
    assert!(n > 0 && n < 10, "{n}");
    assert_eq!(got[0]["done"], false);
    assert!(serde_json::to_vec(&got[0]).unwrap().len() <= 2048);
}

#[test]
fn deleting_a_conversation_with_its_history_is_per_user() {
    let mut t = S::new();
    let a = t.login("alice");
    let b = t.login("bob");
    t.text_to(a, "r1", "single", "bob", "old");
    t.drain();
    t.feed(
        b,
        r#"{"type":"conv_delete","id":"d1","conv":{"chat":"single","id":"alice"},"history":true}"#,
    );
    let got = t.take(b);
    assert_eq!(
        got[0],
        json(
            r#"{"type":"conv_deleted","seq":2,"conv":{"chat":"single","id":"alice"},"history":true}"#
        )
    );
    assert!(t.s.conversations_of(&user("bob")).is_empty());
    let hb = t.ask(
        b,
        r#"{"type":"history","id":"h","conv":{"chat":"single","id":"alice"}}"#,
    );
    assert_eq!(hb[0]["entries"], json("[]"));
    let ha = t.ask(
        a,
        r#"{"type":"history","id":"h","conv":{"chat":"single","id":"bob"}}"#,
    );
    assert_eq!(
        ha[0]["entries"].as_array().unwrap().len(),
        1,
        "alice keeps hers"
    );
    t.text_to(a, "r2", "single", "bob", "new");
    t.drain();
    assert_eq!(
        t.s.conversations_of(&user("bob"))[0].unread,
        1,
        "a new message brings it back"
    );
    let hb = t.ask(
        b,
        r#"{"type":"history","id":"h","conv":{"chat":"single","id":"alice"}}"#,
    );
    assert_eq!(hb[0]["entries"][0]["body"]["text"], "new");
    assert_eq!(hb[0]["entries"].as_array().unwrap().len(), 1);
}
