use crate::*;
use natter_core::client::{Admin, CommandError, Decision, GroupSpec, Mute, MuteAll};
use natter_core::frame::group::GroupKind;
use natter_core::{GroupId, UserId};
use std::time::Duration;

fn u(s: &str) -> UserId {
    UserId::new(s).unwrap()
}

#[test]
fn every_group_command_sends_its_frame_and_ends_in_one_outcome() {
    let mut t = T::ready();
    let g = || GroupId::new("team").unwrap();
    let spec = GroupSpec {
        kind: GroupKind::Room,
        name: "Lobby".into(),
        members: vec![u("bob")],
        ..GroupSpec::default()
    };
    let ids = vec![
        t.c.create_group(t.now, spec).unwrap(),
        t.c.invite(t.now, g(), vec![u("bob")]).unwrap(),
        t.c.kick(t.now, g(), vec![u("bob")]).unwrap(),
        t.c.join_group(t.now, g(), Some("hi".into())).unwrap(),
        t.c.leave_group(t.now, g()).unwrap(),
        t.c.dismiss_group(t.now, g()).unwrap(),
        t.c.set_admin(t.now, g(), u("bob"), Admin::Grant).unwrap(),
        t.c.mute(
            t.now,
            g(),
            vec![u("bob")],
            Mute::For(Duration::from_secs(1)),
        )
        .unwrap(),
        t.c.mute_all(
            t.now,
            g(),
            MuteAll::On {
                allow: vec![u("carol")],
            },
        )
        .unwrap(),
        t.c.decide_join(
            t.now,
            g(),
            u("erin"),
            Decision::Refuse {
                reason: Some("no".into()),
            },
        )
        .unwrap(),
        t.c.block(t.now, u("mallory")).unwrap(),
        t.c.unblock(t.now, u("mallory")).unwrap(),
    ];
    let types: Vec<String> = t
        .sent()
        .iter()
        .map(|f| f["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "group_create",
            "group_invite",
            "group_kick",
            "group_join",
            "group_leave",
            "group_dismiss",
            "group_admin",
            "group_mute",
            "group_mute_all",
            "group_decide",
            "block",
            "unblock"
        ]
    );
    t.feed(&format!(
        r#"{{"type":"group_created","id":"{}","group":"g9"}}"#,
        ids[0]
    ));
    t.feed(&format!(
        r#"{{"type":"ok","id":"{}","pending":true}}"#,
        ids[3]
    ));
    for id in ids.iter().skip(1).filter(|id| **id != ids[3]) {
        t.feed(&format!(
            r#"{{"type":"error","id":"{id}","code":403,"reason":"no"}}"#
        ));
    }
    let out = outcomes(&t.events());
    assert_eq!(out.len(), ids.len());
    assert!(matches!(&out[0], Outcome::GroupCreated(g) if g.group.as_str() == "g9"));
    assert_eq!(
        out[1],
        Outcome::Done {
            id: ids[3].clone(),
            pending: true
        }
    );
}

#[test]
fn group_arguments_are_checked() {
    let mut t = T::ready();
    let g = GroupId::new("team").unwrap();
    assert!(matches!(
        t.c.invite(t.now, g.clone(), vec![]),
        Err(CommandError::InvalidArgument(_))
    ));
    let many: Vec<UserId> = (0..101).map(|i| u(&format!("u{i}"))).collect();
    assert!(matches!(
        t.c.kick(t.now, g, many),
        Err(CommandError::InvalidArgument(_))
    ));
    assert!(matches!(
        t.c.create_group(t.now, GroupSpec::default()),
        Err(CommandError::InvalidArgument(_))
    ));
}

#[test]
fn group_tips_and_system_notices_are_events() {
    let mut t = T::ready();
    t.feed(r#"{"type":"group_tip","seq":1,"group":"team","op":"kicked","by":"alice","users":["dave"],"ts":1}"#);
    t.feed(r#"{"type":"system","seq":2,"op":"join_request","group":"team","from":"erin","reason":"let me in","ts":2}"#);
    let events = t.events();
    assert!(matches!(&events[0], Event::GroupTip(g) if g.users == vec![u("dave")]));
    assert!(matches!(&events[1], Event::System(s) if s.from == u("erin")));
}

/// The choice enums map to exactly the wire fields PROTOCOL.md §13 gives.
#[test]
fn choices_put_the_right_fields_on_the_wire() {
    let mut t = T::ready();
    let g = || GroupId::new("team").unwrap();
    t.c.set_admin(t.now, g(), u("bob"), Admin::Revoke).unwrap();
    t.c.mute(t.now, g(), vec![u("bob")], Mute::Indefinitely)
        .unwrap();
    t.c.mute(
        t.now,
        g(),
        vec![u("bob")],
        Mute::For(Duration::from_secs(90)),
    )
    .unwrap();
    t.c.mute(t.now, g(), vec![u("bob")], Mute::Lift).unwrap();
    t.c.mute_all(t.now, g(), MuteAll::Off).unwrap();
    t.c.decide_join(t.now, g(), u("erin"), Decision::Accept)
        .unwrap();
    let fields: Vec<(Value, Value, Value)> = t
        .sent()
        .into_iter()
        .map(|f| {
            let flag = ["admin", "mute", "accept"]
                .iter()
                .find_map(|k| f.get(*k).cloned())
                .unwrap_or(Value::Null);
            let extra = f
                .get("duration_ms")
                .or_else(|| f.get("allow"))
                .cloned()
                .unwrap_or(Value::Null);
            (f["type"].clone(), flag, extra)
        })
        .collect();
    let v = |s: &str| serde_json::from_str::<Value>(s).unwrap();
    assert_eq!(
        fields,
        vec![
            (v(r#""group_admin""#), v("false"), Value::Null),
            (v(r#""group_mute""#), v("true"), Value::Null),
            (v(r#""group_mute""#), v("true"), v("90000")),
            (v(r#""group_mute""#), v("false"), Value::Null),
            (v(r#""group_mute_all""#), v("false"), Value::Null),
            (v(r#""group_decide""#), v("true"), Value::Null),
        ]
    );
}
