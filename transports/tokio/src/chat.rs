//! `natter chat`: a line-based terminal client.
//!
//! Lines starting with `/` are commands; any other line is sent to the
//! current conversation:
//! `/to user:bob` (or `group:g1`, `room:g2`, `thread:t1`), `/recall MID`,
//! `/read`, `/history`, `/list`, `/quit`.

use futures::StreamExt;
use natter_core::client::{Config, Event, Outgoing};
use natter_core::frame::client::Direction;
use natter_core::{Body, Conversation, DeviceId, GroupId, MessageId, ThreadId, UserId};
use natter_tokio::{Client, wall_clock};
use std::process::ExitCode;
use tokio::io::{AsyncBufReadExt, BufReader};

fn parse_target(s: &str) -> Result<Conversation, String> {
    let (kind, id) = s
        .split_once(':')
        .ok_or("use user:ID, group:ID, room:ID or thread:ID")?;
    let err = |e: natter_core::ids::IdError| e.to_string();
    Ok(match kind {
        "user" => Conversation::Single(UserId::new(id).map_err(err)?),
        "group" => Conversation::Group(GroupId::new(id).map_err(err)?),
        "room" => Conversation::Room(GroupId::new(id).map_err(err)?),
        "thread" => Conversation::Thread(ThreadId::new(id).map_err(err)?),
        other => return Err(format!("unknown conversation kind {other}")),
    })
}

fn show(event: &Event) -> Option<String> {
    Some(match event {
        Event::Message(m) => format!("[{}] {} -> {:?}: {:?}", m.mid, m.from, m.to, m.body),
        Event::Recalled(r) => format!("message {} was recalled by {}", r.mid, r.by),
        Event::State(s) => format!("connection: {s:?}"),
        Event::Receipt(r) => format!("{} {:?} {}", r.by, r.kind, r.mid),
        Event::ConversationRead(r) => format!("{} read {:?}", r.by, r.conv),
        Event::GroupTip(t) => format!("group {}: {:?} {:?} by {}", t.group, t.op, t.users, t.by),
        Event::System(s) => format!("notice: {:?} {:?} from {}", s.op, s.group, s.from),
        Event::Thread(t) => format!("thread {}: {:?}", t.info.thread, t.op),
        _ => return None,
    })
}

/// Runs the chat until `/quit` or end of input.
pub(crate) async fn run(url: &str, token: &str) -> ExitCode {
    let device = DeviceId::new(format!("cli-{}", wall_clock().0 % 100_000))
        .unwrap_or_else(|_| unreachable!());
    let (handle, mut events) = Client::connect(url, token, Config::new(device, wall_clock().0));
    tokio::spawn(async move {
        while let Some(e) = events.next().await {
            if let Some(line) = show(&e) {
                println!("* {line}");
            }
        }
    });
    let mut target: Option<Conversation> = None;
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let line = line.trim();
        let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
        let result: Result<String, String> = match cmd {
            "" => continue,
            "/quit" => break,
            "/to" => parse_target(rest).map(|t| {
                target = Some(t);
                format!("now talking to {rest}")
            }),
            "/recall" => match rest.parse::<MessageId>() {
                Ok(mid) => handle
                    .recall(mid)
                    .await
                    .map(|()| format!("recalled {mid}"))
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            },
            "/read" => match target.clone() {
                Some(t) => handle
                    .mark_conversation_read(t)
                    .await
                    .map(|()| "marked read".into())
                    .map_err(|e| e.to_string()),
                None => Err("no conversation: /to first".into()),
            },
            "/history" => match target.clone() {
                Some(t) => handle
                    .fetch_history(t, None, Direction::Before, 20)
                    .await
                    .map(|p| {
                        p.entries
                            .iter()
                            .rev()
                            .map(|e| format!("{e:?}"))
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .map_err(|e| e.to_string()),
                None => Err("no conversation: /to first".into()),
            },
            "/list" => handle
                .with(|c, _| c.conversations())
                .await
                .map(|l| {
                    l.iter()
                        .map(|c| format!("{:?}: {} unread", c.conv, c.unread))
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .map_err(|e| e.to_string()),
            _ if cmd.starts_with('/') => Err(format!("unknown command {cmd}")),
            _ => match target.clone() {
                Some(t) => handle
                    .send(Outgoing::new(
                        t,
                        Body::Text {
                            text: line.to_owned(),
                        },
                    ))
                    .await
                    .map(|(mid, _)| format!("sent as {mid}"))
                    .map_err(|e| e.to_string()),
                None => Err("no conversation: /to user:NAME first".into()),
            },
        };
        match result {
            Ok(s) => println!("{s}"),
            Err(e) => println!("! {e}"),
        }
    }
    handle.close();
    ExitCode::SUCCESS
}
