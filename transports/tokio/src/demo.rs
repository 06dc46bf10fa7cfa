//! `natter demo`: a server on a free loopback port and three users walked
//! through every feature of the protocol, with a readable transcript. Every
//! step checks what it expects; the first surprise ends the demo with an
//! error.

use futures::StreamExt;
use natter_core::body::{Custom, Location};
use natter_core::client::{
    Config, ConnectionState, Event, GroupSpec, Outcome, Outgoing, StoredHistory,
};
use natter_core::frame::client::{Direction, ReceiptKind};
use natter_core::frame::group::{GroupKind, SystemOp, TipOp};
use natter_core::frame::server::ThreadOp;
use natter_core::server::{ServerConfig, token};
use natter_core::{Body, Conversation, DeviceId, Entry, ErrorCode, Millis, UserId};
use natter_driver::{DriverError, EventStream};
use natter_tokio::{Client, FileKind, FileSource, ServeConfig, serve, upload, wall_clock};
use std::time::Duration;

/// How long any expected event may take.
const WAIT: Duration = Duration::from_secs(5);

/// One demo user: a handle and the events not yet looked at.
struct Person {
    name: &'static str,
    user: UserId,
    token: String,
    handle: Client,
    events: EventStream,
    buffered: Vec<Event>,
}

fn fail(step: &str, why: impl std::fmt::Display) -> String {
    format!("step \"{step}\" failed: {why}")
}

impl Person {
    /// Waits for the first event (buffered or new) that `pick` accepts.
    async fn expect<T>(
        &mut self,
        step: &str,
        mut pick: impl FnMut(&Event) -> Option<T>,
    ) -> Result<T, String> {
        if let Some(i) = self.buffered.iter().position(|e| pick(e).is_some()) {
            let e = self.buffered.remove(i);
            return pick(&e).ok_or_else(|| fail(step, "lost event"));
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let next = tokio::time::timeout_at(deadline, self.events.next()).await;
            match next {
                Ok(Some(e)) => match pick(&e) {
                    Some(t) => return Ok(t),
                    None => self.buffered.push(e),
                },
                Ok(None) => return Err(fail(step, format!("{}'s client stopped", self.name))),
                Err(_) => return Err(fail(step, format!("{} waited {WAIT:?} in vain", self.name))),
            }
        }
    }

    /// Waits for a message from `from` and returns it.
    async fn receive(&mut self, step: &str, from: &UserId) -> Result<natter_core::Message, String> {
        self.expect(step, |e| match e {
            Event::Message(m) if &m.from == from => Some(m.clone()),
            _ => None,
        })
        .await
    }
}

fn say(line: impl std::fmt::Display) {
    println!("{line}");
}

fn ok<T>(step: &str, r: Result<T, DriverError>) -> Result<T, String> {
    r.map_err(|e| fail(step, e))
}

fn describe(body: &Body) -> String {
    match body {
        Body::Text { text } | Body::Emoji { text } => format!("{}: {text}", body.kind()),
        Body::Face { index, .. } => format!("face #{index}"),
        Body::Location(l) => format!("location {} ({}, {})", l.name, l.lat, l.lng),
        Body::Command { action } => format!("command {action}"),
        Body::Custom(c) => format!("custom event {}", c.event),
        other => match other.attachment() {
            Some(a) => format!(
                "{} {} ({} bytes at {})",
                other.kind(),
                a.name,
                a.size,
                a.url
            ),
            None => other.kind().to_owned(),
        },
    }
}

async fn person(
    url: &str,
    secret: &[u8],
    name: &'static str,
    config: impl FnOnce(Config) -> Config,
) -> Result<Person, String> {
    let user = UserId::new(name).map_err(|e| e.to_string())?;
    let token = token::mint(secret, &user, Millis(wall_clock().0 + 3_600_000));
    let cfg = config(Config::new(
        DeviceId::new(format!("{name}-laptop")).map_err(|e| e.to_string())?,
        wall_clock().0,
    ));
    let (handle, events) = Client::connect(url, token.clone(), cfg);
    let mut p = Person {
        name,
        user,
        token,
        handle,
        events,
        buffered: Vec::new(),
    };
    p.expect("connect", |e| {
        matches!(e, Event::State(ConnectionState::Ready { .. })).then_some(())
    })
    .await?;
    say(format!("{name} is connected"));
    Ok(p)
}

/// Runs the whole demo against a fresh in-process server.
pub(crate) async fn run() -> Result<(), String> {
    let secret = b"demo-secret".to_vec();
    let server_config = ServerConfig::new(secret.clone()).with_recall(Duration::from_secs(3), true);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let server = serve(listener, ServeConfig::new(server_config))
        .await
        .map_err(|e| e.to_string())?;
    let base = format!("http://{}", server.addr);
    let url = format!("ws://{}/ws", server.addr);
    say(format!("== server listening on {url}"));
    let result = walk(&url, &base, &secret).await;
    server.shutdown().await;
    result
}

async fn walk(url: &str, base: &str, secret: &[u8]) -> Result<(), String> {
    let mut alice = person(url, secret, "alice", |c| c).await?;
    let mut bob = person(url, secret, "bob", |c| c.with_auto_delivered_receipts(true)).await?;
    let mut carol = person(url, secret, "carol", |c| c).await?;
    let to_bob = Conversation::Single(bob.user.clone());
    let to_alice = Conversation::Single(alice.user.clone());

    say("\n== one-to-one, every body type");
    let text = Outgoing::new(
        to_bob.clone(),
        Body::Text {
            text: "hello bob".into(),
        },
    );
    let (first, _) = ok("text", alice.handle.send(text).await)?;
    let got = bob.receive("text", &alice.user).await?;
    say(format!(
        "alice -> bob  [{}] {}",
        got.mid,
        describe(&got.body)
    ));
    let payload = vec![7u8; 150_000];
    let mut reports = 0;
    let uploaded = upload(
        base,
        &alice.token,
        "cat.png",
        "image/png",
        &payload,
        |_, _| reports += 1,
    )
    .await
    .map_err(|e| fail("upload", e))?;
    say(format!(
        "alice uploaded cat.png over HTTP ({reports} progress reports): {}",
        uploaded.url
    ));
    let file = |name: &str, dur: Option<u64>| {
        let mut a = uploaded.clone();
        a.name = name.into();
        a.duration_ms = dur;
        a
    };
    let bodies = vec![
        Body::Emoji {
            text: "great [thumbsup]".into(),
        },
        Body::Face {
            index: 12,
            data: "classic".into(),
        },
        Body::Image(Box::new({
            let mut a = uploaded.clone();
            a.width = Some(640);
            a.height = Some(480);
            a
        })),
        Body::File(Box::new(file("plan.pdf", None))),
        Body::Audio(Box::new(file("voice.ogg", Some(3_400)))),
        Body::Video(Box::new(file("demo.mp4", Some(15_000)))),
        Body::Location(Box::new({
            let mut f = Location::new(48.8584, 2.2945);
            f.address = "Champ de Mars".into();
            f.name = "Eiffel Tower".into();
            f
        })),
        Body::Command {
            action: "typing".into(),
        },
        Body::Custom(Box::new({
            let mut f = Custom::default();
            f.event = "gift".into();
            f.description = "a rose".into();
            f
        })),
    ];
    for body in bodies {
        ok(
            "body",
            alice.handle.send(Outgoing::new(to_bob.clone(), body)).await,
        )?;
        let got = bob.receive("body", &alice.user).await?;
        say(format!(
            "alice -> bob  [{}] {}",
            got.mid,
            describe(&got.body)
        ));
    }
    let photo = FileSource::Bytes(vec![42u8; 300_000]);
    ok(
        "send_file",
        alice
            .handle
            .send_file(
                to_bob.clone(),
                FileKind::Image,
                photo,
                "beach.jpg",
                "image/jpeg",
            )
            .await,
    )?;
    alice
        .expect("upload", |e| {
            matches!(e, Event::UploadRequested { .. }).then_some(())
        })
        .await?;
    let (sent, total) = alice
        .expect("upload", |e| match e {
            Event::UploadProgress { sent, total, .. } if sent == total => Some((*sent, *total)),
            _ => None,
        })
        .await?;
    let got = bob.receive("send_file", &alice.user).await?;
    say(format!(
        "alice -> bob  [{}] {} (upload requested, progress to {sent}/{total}, then sent)",
        got.mid,
        describe(&got.body)
    ));
    let delivered = alice
        .expect("delivered receipt", |e| match e {
            Event::Receipt(r) if r.kind == ReceiptKind::Delivered => Some(r.mid),
            _ => None,
        })
        .await?;
    say(format!(
        "alice sees bob's automatic delivered receipt for {delivered}"
    ));
    ok("read receipt", bob.handle.mark_read(first).await)?;
    alice
        .expect("read receipt", |e| {
            matches!(e, Event::Receipt(r) if r.kind == ReceiptKind::Read && r.mid == first)
                .then_some(())
        })
        .await?;
    say(format!("alice sees bob's read receipt for {first}"));

    say("\n== recall in time, and too late");
    let (oops, _) = ok(
        "recall",
        alice
            .handle
            .send(Outgoing::new(
                to_bob.clone(),
                Body::Text {
                    text: "oops, wrong chat".into(),
                },
            ))
            .await,
    )?;
    bob.receive("recall", &alice.user).await?;
    ok("recall", alice.handle.recall(oops).await)?;
    bob.expect("recall notice", |e| {
        matches!(e, Event::Recalled(r) if r.mid == oops).then_some(())
    })
    .await?;
    say(format!("alice recalled {oops}; bob got the recall notice"));
    tokio::time::sleep(Duration::from_millis(3_200)).await;
    match alice.handle.recall(first).await {
        Err(DriverError::Failed { code, .. }) if code == ErrorCode::RECALL_TIME_LIMIT => {
            say(format!(
                "recalling {first} after the 3 s window fails with {code}"
            ));
        }
        other => return Err(fail("late recall", format!("expected 504, got {other:?}"))),
    }

    say("\n== a failed send with its code, then a resend with the same id");
    ok("block", carol.handle.block(alice.user.clone()).await)?;
    let to_carol = Conversation::Single(carol.user.clone());
    let id = ok(
        "blocked send",
        alice
            .handle
            .with(move |c, now| {
                c.send(
                    now,
                    Outgoing::new(
                        to_carol,
                        Body::Text {
                            text: "hi carol".into(),
                        },
                    ),
                )
            })
            .await,
    )?
    .map_err(|e| fail("blocked send", e))?;
    let code = alice
        .expect("blocked send", |e| match e {
            Event::Outcome(Outcome::Failed {
                id: failed, code, ..
            }) if *failed == id => Some(*code),
            _ => None,
        })
        .await?;
    if code != ErrorCode::BLOCKED_BY_RECIPIENT {
        return Err(fail("blocked send", format!("expected 603, got {code}")));
    }
    say(format!("alice -> carol fails with {code}"));
    let alice_id = alice.user.clone();
    ok(
        "unblock",
        carol
            .handle
            .done(move |c, now| c.unblock(now, alice_id))
            .await,
    )?;
    let (mid, _) = ok("resend", alice.handle.resend(id.clone()).await)?;
    carol.receive("resend", &alice.user).await?;
    say(format!(
        "carol unblocked alice; the resend of {id} arrives as {mid}"
    ));

    say("\n== groups, group read acks, threads");
    let spec = GroupSpec {
        name: "Team".into(),
        members: vec![bob.user.clone(), carol.user.clone()],
        ..GroupSpec::default()
    };
    let team = ok("group", alice.handle.create_group(spec).await)?;
    carol
        .expect("invited", |e| {
            matches!(e, Event::System(s) if s.op == SystemOp::Invited).then_some(())
        })
        .await?;
    say(format!(
        "alice created group {team}; carol got the invited notice"
    ));
    let to_team = Conversation::Group(team.clone());
    let (vote, _) = ok(
        "group ack",
        alice
            .handle
            .send(
                Outgoing::new(
                    to_team.clone(),
                    Body::Text {
                        text: "ship on friday?".into(),
                    },
                )
                .with_group_ack(),
            )
            .await,
    )?;
    for p in [&mut bob, &mut carol] {
        p.receive("group message", &alice.user).await?;
        ok(
            "group read",
            p.handle.send_group_read(vote, Some("yes".into())).await,
        )?;
    }
    let count = alice
        .expect("read counts", |e| match e {
            Event::GroupReadCount(n) if n.mid == vote && n.count == 2 => Some(n.count),
            _ => None,
        })
        .await?;
    let readers = ok("read_by", alice.handle.read_by(vote).await)?;
    say(format!(
        "bob and carol acked {vote}: live count {count}, read_by lists {} readers",
        readers.count
    ));
    let thread = ok(
        "thread",
        bob.handle
            .create_thread(team.clone(), vote, "friday release".into())
            .await,
    )?;
    ok(
        "join thread",
        carol.handle.join_thread(thread.thread.clone()).await,
    )?;
    ok(
        "thread message",
        carol
            .handle
            .send(Outgoing::new(
                Conversation::Thread(thread.thread.clone()),
                Body::Text {
                    text: "I'll write the notes".into(),
                },
            ))
            .await,
    )?;
    let update = alice
        .expect("thread update", |e| match e {
            Event::Thread(t) if t.op == ThreadOp::Message => Some(t.info.count),
            _ => None,
        })
        .await?;
    say(format!(
        "bob opened thread {}; carol posted in it; alice sees the update (count {update})",
        thread.thread
    ));

    say("\n== a chat room");
    let room_spec = GroupSpec {
        kind: GroupKind::Room,
        name: "Lobby".into(),
        members: vec![bob.user.clone()],
        ..GroupSpec::default()
    };
    let lobby = ok("room", alice.handle.create_group(room_spec).await)?;
    ok(
        "room message",
        alice
            .handle
            .send(Outgoing::new(
                Conversation::Room(lobby.clone()),
                Body::Text {
                    text: "welcome to the lobby".into(),
                },
            ))
            .await,
    )?;
    let got = bob.receive("room message", &alice.user).await?;
    say(format!(
        "alice -> room {lobby}: bob (online) got {}",
        describe(&got.body)
    ));

    say("\n== conversation list, reading, history with a tombstone, deletion");
    let before = ok(
        "list",
        bob.handle
            .with(|c, _| {
                c.conversation(&Conversation::Single(
                    UserId::new("alice").unwrap_or_else(|_| unreachable!()),
                ))
            })
            .await,
    )?;
    let unread = before.map_or(0, |c| c.unread);
    ok(
        "conv read",
        bob.handle.mark_conversation_read(to_alice.clone()).await,
    )?;
    bob.expect("conv read", |e| {
        matches!(e, Event::ConversationRead(n) if n.by.as_str() == "bob").then_some(())
    })
    .await?;
    let after = ok("list", bob.handle.with(|c, _| c.total_unread()).await)?;
    say(format!(
        "bob had {unread} unread from alice; after reading, {after} unread in all conversations"
    ));
    alice
        .expect("peer read", |e| {
            matches!(e, Event::ConversationRead(n) if n.by.as_str() == "bob").then_some(())
        })
        .await?;
    say("alice is told bob read their conversation");
    let page = ok(
        "history",
        bob.handle
            .fetch_history(to_alice.clone(), None, Direction::Before, 4)
            .await,
    )?;
    let tombstones = page
        .entries
        .iter()
        .filter(|e| matches!(e, Entry::Tombstone(_)))
        .count();
    let next = page.next.ok_or_else(|| fail("history", "no next cursor"))?;
    let page2 = ok(
        "history",
        bob.handle
            .fetch_history(to_alice.clone(), Some(next), Direction::Before, 4)
            .await,
    )?;
    say(format!(
        "bob's history with alice: page 1 has {} entries ({tombstones} tombstone), page 2 has {} more, done: {}",
        page.entries.len(),
        page2.entries.len(),
        page2.done
    ));
    if tombstones != 1 {
        return Err(fail(
            "history",
            format!("expected the recalled message as a tombstone, found {tombstones}"),
        ));
    }
    ok(
        "delete",
        carol
            .handle
            .delete_conversation(to_alice.clone(), StoredHistory::Delete)
            .await,
    )?;
    carol
        .expect("deleted", |e| {
            matches!(e, Event::ConversationDeleted(_)).then_some(())
        })
        .await?;
    let left = ok(
        "list",
        carol.handle.with(|c, _| c.conversations().len()).await,
    )?;
    say(format!(
        "carol deleted her conversation with alice; {left} conversations left in her list"
    ));

    say("\n== group tips and system notices");
    let carol_id = carol.user.clone();
    let team2 = team.clone();
    ok(
        "kick",
        alice
            .handle
            .done(move |c, now| c.kick(now, team2, vec![carol_id]))
            .await,
    )?;
    carol
        .expect("kicked", |e| {
            matches!(e, Event::System(s) if s.op == SystemOp::Kicked).then_some(())
        })
        .await?;
    bob.expect("kick tip", |e| {
        matches!(e, Event::GroupTip(t) if t.op == TipOp::Kicked).then_some(())
    })
    .await?;
    say("alice removed carol from the team: carol got a kicked notice, bob a group tip");

    say("\n== a connection cut and resumed with nothing lost");
    ok(
        "cut",
        bob.handle.with(|c, now| c.handle_disconnect(now)).await,
    )?;
    bob.expect("cut", |e| {
        matches!(e, Event::State(ConnectionState::Disconnected(_))).then_some(())
    })
    .await?;
    let mut sent = Vec::new();
    for i in 1..=3 {
        let (mid, _) = ok(
            "while away",
            alice
                .handle
                .send(Outgoing::new(
                    to_bob.clone(),
                    Body::Text {
                        text: format!("while you were away #{i}"),
                    },
                ))
                .await,
        )?;
        sent.push(mid);
    }
    bob.expect("resume", |e| {
        matches!(e, Event::State(ConnectionState::Ready { .. })).then_some(())
    })
    .await?;
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(bob.receive("resume", &alice.user).await?.mid);
    }
    if got != sent {
        return Err(fail("resume", format!("sent {sent:?}, bob got {got:?}")));
    }
    say(format!(
        "bob's connection was cut; alice sent {sent:?}; bob resumed and got each once, in order"
    ));
    for p in [&alice, &bob, &carol] {
        p.handle.close();
    }
    say("\n== demo complete: every step behaved as expected");
    Ok(())
}
