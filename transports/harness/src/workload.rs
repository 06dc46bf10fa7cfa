//! The seeded workload: a random mix of every operation of the protocol,
//! issued by random devices at random times.

use crate::config::FaultKind;
use crate::model::MemberOp;
use crate::observe::Issued;
use crate::sim::{Sim, USERS};
use natter_core::body::{Attachment, Custom, Location};
use natter_core::client::{
    CommandError, GroupSpec, Mute, MuteAll, Outgoing, RecallTarget, StoredHistory,
};
use natter_core::frame::client::Direction;
use natter_core::frame::group::GroupKind;
use natter_core::{Body, Conversation, GroupId, Millis, Priority, RequestId, ThreadId, UserId};
use std::time::Duration;

fn pick<T: Clone>(rng: &mut fastrand::Rng, items: &[T]) -> Option<T> {
    (!items.is_empty()).then(|| items[rng.usize(..items.len())].clone())
}

fn user(name: &str) -> UserId {
    UserId::new(name).unwrap_or_else(|_| unreachable!())
}

impl Sim {
    /// Issues one operation (and maybe a fault), then schedules the next.
    pub(crate) fn workload_step(&mut self) {
        if self.ops_left == 0 {
            self.faulty = false;
            return;
        }
        self.ops_left -= 1;
        let setup = self.cfg.ops - self.ops_left <= 2;
        self.issue(setup);
        if self.faulty && self.rng.f64() < self.cfg.rate(FaultKind::Cut) {
            self.cut_random();
        }
        if self.faulty && self.rng.f64() < self.cfg.rate(FaultKind::Restart) {
            self.restart();
        }
        self.next_op = Some(Millis(self.now.0 + 20 + self.rng.u64(0..400)));
        if self.ops_left == 0 {
            self.next_op = Some(Millis(self.now.0 + 1));
        }
    }

    fn body(&mut self) -> Body {
        let text = format!("m{}", self.rng.u32(..));
        let file = |url: String| {
            Box::new({
                let mut f = Attachment::default();
                f.url = url;
                f.name = "a.bin".into();
                f.size = 10;
                f
            })
        };
        let url = if self.rng.u8(0..3) == 0 {
            String::new()
        } else {
            "https://files.test/x".to_owned()
        };
        match self.rng.u8(0..20) {
            0 => Body::Emoji {
                text: format!("{text} [smile]"),
            },
            1 => Body::Face {
                index: 3,
                data: "set".into(),
            },
            2 => Body::Image(file(url)),
            3 => Body::File(file(url)),
            4 => Body::Audio(file(url)),
            5 => Body::Video(file(url)),
            6 => Body::Location(Box::new({
                let mut f = Location::default();
                f.lat = 1.0;
                f.lng = 2.0;
                f
            })),
            7 => Body::Command {
                action: "typing".into(),
            },
            8 => Body::Custom(Box::new({
                let mut f = Custom::default();
                f.event = "gift".into();
                f
            })),
            _ => Body::Text { text },
        }
    }

    fn target(&mut self, d: usize) -> Conversation {
        let me = self.devices[d].user.clone();
        let groups: Vec<GroupId> = self.devices[d].obs.groups.iter().cloned().collect();
        let threads: Vec<ThreadId> = self.devices[d].obs.threads.iter().cloned().collect();
        match self.rng.u8(0..10) {
            0..=3 => {
                let others: Vec<&str> = USERS
                    .iter()
                    .map(|(n, _)| *n)
                    .filter(|n| *n != me.as_str())
                    .collect();
                Conversation::Single(user(others[self.rng.usize(..others.len())]))
            }
            4..=7 => match pick(&mut self.rng, &groups) {
                Some(g) if self.rng.u8(0..4) == 0 => Conversation::Room(g),
                Some(g) => Conversation::Group(g),
                None => Conversation::Single(user("alice")),
            },
            _ => match pick(&mut self.rng, &threads) {
                Some(t) => Conversation::Thread(t),
                None => Conversation::Single(user("bob")),
            },
        }
    }

    fn issue(&mut self, setup: bool) {
        let now = self.now;
        let d = if setup {
            0
        } else {
            self.rng.usize(..self.devices.len())
        };
        let kind = if setup { 63 } else { self.rng.u8(0..100) };
        let mut issued = Issued::Other;
        let others: Vec<UserId> = USERS
            .iter()
            .map(|(n, _)| user(n))
            .filter(|u| *u != self.devices[d].user)
            .collect();
        let group = pick(
            &mut self.rng,
            &self.devices[d]
                .obs
                .groups
                .iter()
                .cloned()
                .collect::<Vec<_>>(),
        );
        let someone = pick(&mut self.rng, &others).unwrap_or_else(|| user("bob"));
        let result: Result<RequestId, CommandError> = match kind {
            0..=39 => {
                let to = self.target(d);
                let body = self.body();
                let mut out = Outgoing::new(to.clone(), body);
                if matches!(to, Conversation::Group(_)) && self.rng.u8(0..4) == 0 {
                    out = out.with_group_ack();
                }
                if self.rng.u8(0..5) == 0 {
                    out = out.with_priority(Priority::Low);
                }
                let online_only = self.rng.u8(0..10) == 0;
                if online_only {
                    out = out.with_online_only();
                }
                issued = Issued::Send { online_only };
                self.devices[d].client.send(now, out)
            }
            40..=46 => {
                let own: Vec<_> = self.devices[d].obs.own_sent.keys().copied().collect();
                let pending: Vec<RequestId> = self.devices[d]
                    .obs
                    .issued
                    .iter()
                    .filter(|(_, i)| matches!(i, Issued::Send { .. }))
                    .map(|(id, _)| id.clone())
                    .collect();
                match (
                    self.rng.bool(),
                    pick(&mut self.rng, &own),
                    pick(&mut self.rng, &pending),
                ) {
                    (true, Some(mid), _) => self.devices[d].client.recall(now, mid),
                    (_, _, Some(id)) => self.devices[d].client.recall(now, RecallTarget::Send(id)),
                    _ => Err(CommandError::InvalidArgument("nothing to recall".into())),
                }
            }
            47..=52 => match pick(&mut self.rng, &self.devices[d].obs.messages.clone()) {
                Some((mid, _, _)) => self.devices[d].client.mark_read(now, mid),
                None => Err(CommandError::InvalidArgument("nothing read".into())),
            },
            53..=58 => match pick(&mut self.rng, &self.devices[d].client.conversations()) {
                Some(c) => self.devices[d].client.mark_conversation_read(now, c.conv),
                None => Err(CommandError::InvalidArgument("no conversation".into())),
            },
            59..=62 => match pick(&mut self.rng, &self.devices[d].obs.ackable.clone()) {
                Some(mid) => {
                    issued = Issued::GroupRead(mid);
                    self.devices[d]
                        .client
                        .send_group_read(now, mid, Some("ok".into()))
                }
                None => Err(CommandError::InvalidArgument("nothing to ack".into())),
            },
            63..=66 => {
                let kind = if !setup && self.rng.u8(0..3) == 0 {
                    GroupKind::Room
                } else {
                    GroupKind::Group
                };
                let members = if setup {
                    others.clone()
                } else {
                    others.iter().filter(|_| self.rng.bool()).cloned().collect()
                };
                issued = Issued::Member(MemberOp::Create(members.clone()));
                let spec = GroupSpec {
                    kind,
                    name: "g".into(),
                    members,
                    ..GroupSpec::default()
                };
                self.devices[d].client.create_group(now, spec)
            }
            67..=70 => match group {
                Some(g) => {
                    issued = Issued::Member(MemberOp::Join(g.clone()));
                    self.devices[d].client.join_group(now, g, None)
                }
                None => Err(CommandError::InvalidArgument("no group".into())),
            },
            71..=72 => match group {
                Some(g) => {
                    issued = Issued::Member(MemberOp::Leave(g.clone()));
                    self.devices[d].client.leave_group(now, g)
                }
                None => Err(CommandError::InvalidArgument("no group".into())),
            },
            73..=74 => match group {
                Some(g) => {
                    issued = Issued::Member(MemberOp::Kick(g.clone(), someone.clone()));
                    self.devices[d].client.kick(now, g, vec![someone])
                }
                None => Err(CommandError::InvalidArgument("no group".into())),
            },
            75..=76 => match group {
                Some(g) if self.rng.bool() => self.devices[d].client.mute(
                    now,
                    g,
                    vec![someone],
                    Mute::For(Duration::from_secs(2)),
                ),
                Some(g) => {
                    let mute = if self.rng.bool() {
                        MuteAll::On { allow: vec![] }
                    } else {
                        MuteAll::Off
                    };
                    self.devices[d].client.mute_all(now, g, mute)
                }
                None => Err(CommandError::InvalidArgument("no group".into())),
            },
            77..=80 => match pick(&mut self.rng, &self.devices[d].obs.group_messages.clone()) {
                Some((g, mid)) => {
                    // An online-only message is never stored: no thread on it.
                    let stored = self.devices[d]
                        .obs
                        .messages
                        .iter()
                        .any(|(m, _, stored)| *m == mid && *stored);
                    issued = Issued::Member(MemberOp::Thread(g.clone(), mid, stored));
                    self.devices[d].client.create_thread(now, g, mid, "t")
                }
                None => Err(CommandError::InvalidArgument("no root".into())),
            },
            81..=84 => match pick(
                &mut self.rng,
                &self.devices[d]
                    .obs
                    .threads
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>(),
            ) {
                Some(t) if kind < 84 => {
                    issued = Issued::Member(MemberOp::JoinThread(t.clone()));
                    self.devices[d].client.join_thread(now, t)
                }
                Some(t) => {
                    issued = Issued::Member(MemberOp::LeaveThread(t.clone()));
                    self.devices[d].client.leave_thread(now, t)
                }
                None => Err(CommandError::InvalidArgument("no thread".into())),
            },
            85..=88 => {
                let to = self.target(d);
                self.devices[d]
                    .client
                    .fetch_history(now, to, None, Direction::Before, 20)
            }
            89..=91 => self.devices[d].client.fetch_conversations(now, None, 50),
            92 => match pick(&mut self.rng, &self.devices[d].client.conversations()) {
                Some(c) => {
                    let history = if self.rng.bool() {
                        StoredHistory::Delete
                    } else {
                        StoredHistory::Keep
                    };
                    self.devices[d]
                        .client
                        .delete_conversation(now, c.conv, history)
                }
                None => Err(CommandError::InvalidArgument("no conversation".into())),
            },
            93..=94 => {
                if self.rng.bool() {
                    self.devices[d].client.block(now, someone)
                } else {
                    self.devices[d].client.unblock(now, someone)
                }
            }
            _ => match pick(&mut self.rng, &self.devices[d].obs.ackable.clone()) {
                Some(mid) => self.devices[d].client.read_by(now, mid),
                None => self.devices[d]
                    .client
                    .fetch_profile(now, Conversation::Single(someone)),
            },
        };
        let op = match kind {
            0..=39 => "send",
            40..=46 => "recall",
            47..=52 => "read receipt",
            53..=58 => "conversation read",
            59..=62 => "group read ack",
            63..=66 => "create group",
            67..=70 => "join group",
            71..=72 => "leave group",
            73..=74 => "kick",
            75..=76 => "mute",
            77..=80 => "create thread",
            81..=84 => "join or leave thread",
            85..=88 => "fetch history",
            89..=91 => "fetch conversations",
            92 => "delete conversation",
            93..=94 => "block or unblock",
            _ => "read_by or profile",
        };
        let line = match &result {
            Ok(id) => format!("{}: {op} -> request {id} ({issued:?})", self.name(d)),
            Err(e) => format!("{}: {op} refused at once: {e}", self.name(d)),
        };
        self.note(line);
        if let Ok(id) = result {
            self.devices[d].obs.issued.insert(id, issued);
        }
        self.client_outputs(d);
    }
}
