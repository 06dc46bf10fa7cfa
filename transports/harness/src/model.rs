//! The simulation's own model of membership and conversation lists: the
//! oracle of invariants 5 and 7, so that the checker never asks the server
//! under test who is a member of what, nor what a list should hold.
//!
//! Membership: the model applies every membership command the workload
//! issued, in the order the server processed them (the order their answers
//! leave the server, which keeps its frames in the order it made them),
//! deciding by itself, from PROTOCOL.md §10 and §13, whether each should
//! succeed, and with which code if not. An answer that disagrees is a
//! violation of 7. Conversation lists: a fold of a user's inbox events
//! (§12, R12), independent of the server's and the client's list code.

use natter_core::frame::server::ConversationInfo;
use natter_core::{Body, Conversation, Entry, ErrorCode, GroupId, MessageId, ServerFrame};
use natter_core::{ThreadId, UserId};
use std::collections::{BTreeMap, BTreeSet};

/// A membership command, as the workload issued it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum MemberOp {
    /// `group_create` with these members (the creator becomes the owner).
    Create(Vec<UserId>),
    /// `group_join`.
    Join(GroupId),
    /// `group_leave`.
    Leave(GroupId),
    /// `group_kick` of one user.
    Kick(GroupId, UserId),
    /// `thread_create` on a message of the group, stored or not (an
    /// online-only message is not).
    Thread(GroupId, MessageId, bool),
    /// `thread_join`.
    JoinThread(ThreadId),
    /// `thread_leave`.
    LeaveThread(ThreadId),
}

/// A group as the model knows it.
#[derive(Clone, Debug)]
struct Group {
    owner: UserId,
    members: BTreeSet<UserId>,
}

/// A thread as the model knows it.
#[derive(Clone, Debug)]
struct Thread {
    group: GroupId,
    members: BTreeSet<UserId>,
}

/// Where a message goes: a group or room, or a thread.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Place {
    /// A group or room.
    Group(GroupId),
    /// A thread.
    Thread(ThreadId),
}

/// The model's membership.
#[derive(Clone, Debug, Default)]
pub(crate) struct Membership {
    groups: BTreeMap<GroupId, Group>,
    threads: BTreeMap<ThreadId, Thread>,
    roots: BTreeSet<MessageId>,
}

/// What the model expects a command to end in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Expect {
    /// Success.
    Ok,
    /// This error code.
    Fail(ErrorCode),
}

impl Membership {
    /// Whether `user` is in `place` now.
    pub(crate) fn has(&self, place: &Place, user: &UserId) -> bool {
        match place {
            Place::Group(g) => self.groups.get(g).is_some_and(|g| g.members.contains(user)),
            Place::Thread(t) => self
                .threads
                .get(t)
                .is_some_and(|t| t.members.contains(user)),
        }
    }

    /// What `op` by `user` should end in, as things stand.
    pub(crate) fn expect(&self, user: &UserId, op: &MemberOp) -> Expect {
        use Expect::{Fail, Ok};
        let member = |g: &GroupId| match self.groups.get(g) {
            None => Err(Fail(ErrorCode::NO_SUCH_GROUP)),
            Some(group) if !group.members.contains(user) => Err(Fail(ErrorCode::NOT_MEMBER)),
            Some(group) => std::result::Result::Ok(group),
        };
        let in_parent = |t: &ThreadId| match self.threads.get(t) {
            None => Fail(ErrorCode::NOT_FOUND),
            Some(t) if !self.has(&Place::Group(t.group.clone()), user) => {
                Fail(ErrorCode::NOT_MEMBER)
            }
            Some(_) => Ok,
        };
        match op {
            MemberOp::Create(_) => Ok,
            MemberOp::Join(g) => match self.groups.get(g) {
                None => Fail(ErrorCode::NO_SUCH_GROUP),
                Some(group) if group.members.contains(user) => Fail(ErrorCode::CONFLICT),
                Some(_) => Ok,
            },
            MemberOp::Leave(g) => match member(g) {
                Err(e) => e,
                std::result::Result::Ok(group) if group.owner == *user => {
                    Fail(ErrorCode::FORBIDDEN)
                }
                std::result::Result::Ok(_) => Ok,
            },
            MemberOp::Kick(g, whom) => match member(g) {
                Err(e) => e,
                std::result::Result::Ok(group) if group.owner != *user => {
                    Fail(ErrorCode::FORBIDDEN)
                }
                std::result::Result::Ok(group) if !group.members.contains(whom) => {
                    Fail(ErrorCode::NOT_MEMBER)
                }
                std::result::Result::Ok(group) if group.owner == *whom => {
                    Fail(ErrorCode::FORBIDDEN)
                }
                std::result::Result::Ok(_) => Ok,
            },
            MemberOp::Thread(g, root, stored) => match member(g) {
                Err(e) => e,
                std::result::Result::Ok(_) if !stored => Fail(ErrorCode::NOT_FOUND),
                std::result::Result::Ok(_) if self.roots.contains(root) => {
                    Fail(ErrorCode::CONFLICT)
                }
                std::result::Result::Ok(_) => Ok,
            },
            MemberOp::JoinThread(t) | MemberOp::LeaveThread(t) => in_parent(t),
        }
    }

    /// Applies `op` by `user`, which succeeded; `answer` is the server's
    /// answer, for the ids it assigned.
    pub(crate) fn apply(&mut self, user: &UserId, op: &MemberOp, answer: &ServerFrame) {
        match (op, answer) {
            (MemberOp::Create(members), ServerFrame::GroupCreated(c)) => {
                let mut all: BTreeSet<UserId> = members.iter().cloned().collect();
                all.insert(user.clone());
                self.groups.insert(
                    c.group.clone(),
                    Group {
                        owner: user.clone(),
                        members: all,
                    },
                );
            }
            (MemberOp::Join(g), _) => {
                if let Some(group) = self.groups.get_mut(g) {
                    group.members.insert(user.clone());
                }
            }
            (MemberOp::Leave(g), _) => self.remove(g, user),
            (MemberOp::Kick(g, whom), _) => self.remove(g, whom),
            (MemberOp::Thread(g, root, _), ServerFrame::ThreadCreated(c)) => {
                self.roots.insert(*root);
                self.threads.insert(
                    c.info.thread.clone(),
                    Thread {
                        group: g.clone(),
                        members: BTreeSet::from([user.clone()]),
                    },
                );
            }
            (MemberOp::JoinThread(t), _) => {
                if let Some(thread) = self.threads.get_mut(t) {
                    thread.members.insert(user.clone());
                }
            }
            (MemberOp::LeaveThread(t), _) => {
                if let Some(thread) = self.threads.get_mut(t) {
                    thread.members.remove(user);
                }
            }
            _ => {}
        }
    }

    /// A member leaves a group, and so every thread of it (PROTOCOL §10).
    fn remove(&mut self, g: &GroupId, user: &UserId) {
        if let Some(group) = self.groups.get_mut(g) {
            group.members.remove(user);
        }
        for thread in self.threads.values_mut().filter(|t| t.group == *g) {
            thread.members.remove(user);
        }
    }

    /// Every (place, member) pair now.
    pub(crate) fn pairs(&self) -> BTreeSet<(Place, UserId)> {
        let groups = self.groups.iter().flat_map(|(g, group)| {
            group
                .members
                .iter()
                .map(move |u| (Place::Group(g.clone()), u.clone()))
        });
        let threads = self.threads.iter().flat_map(|(t, thread)| {
            thread
                .members
                .iter()
                .map(move |u| (Place::Thread(t.clone()), u.clone()))
        });
        groups.chain(threads).collect()
    }
}

/// One conversation of the model's list.
#[derive(Debug, Default)]
struct Conv {
    last: Option<(MessageId, bool)>,
    unread: BTreeSet<MessageId>,
}

/// A user's conversation list, folded from the user's inbox events in
/// order: each list item as `(conversation, unread, last message id,
/// whether the last is a tombstone)`, newest first.
pub(crate) fn conversation_list(
    user: &UserId,
    inbox: &[ServerFrame],
) -> Vec<(Conversation, u32, Option<MessageId>, bool)> {
    let mut convs: BTreeMap<Conversation, Conv> = BTreeMap::new();
    for event in inbox {
        match event {
            ServerFrame::Msg(d) => {
                let m = &d.msg;
                let c = convs.entry(key(user, &m.from, &m.to)).or_default();
                c.last = Some((m.mid, false));
                if m.from != *user && !matches!(m.body, Body::Command { .. }) {
                    c.unread.insert(m.mid);
                }
            }
            ServerFrame::Recalled(r) => {
                if let Some(c) = convs.get_mut(&key(user, &r.from, &r.to)) {
                    if c.last.is_some_and(|(mid, _)| mid == r.mid) {
                        c.last = Some((r.mid, true));
                    }
                    c.unread.remove(&r.mid);
                }
            }
            ServerFrame::ConvRead(n) if n.by == *user => {
                if let Some(c) = convs.get_mut(&n.conv) {
                    match n.upto {
                        Some(upto) => c.unread.retain(|mid| *mid > upto),
                        None => c.unread.clear(),
                    }
                }
            }
            ServerFrame::ConvDeleted(d) => {
                convs.remove(&d.conv);
            }
            _ => {}
        }
    }
    let mut list: Vec<_> = convs
        .into_iter()
        .filter_map(|(conv, c)| {
            let (mid, tomb) = c.last?;
            let unread = u32::try_from(c.unread.len()).unwrap_or(u32::MAX);
            Some((conv, unread, Some(mid), tomb))
        })
        .collect();
    list.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    list
}

/// The conversation a message is in, from `user`'s side.
fn key(user: &UserId, from: &UserId, to: &Conversation) -> Conversation {
    match to {
        Conversation::Single(peer) if from == user => Conversation::Single(peer.clone()),
        Conversation::Single(_) => Conversation::Single(from.clone()),
        other => other.clone(),
    }
}

/// The list items a client or server shows, in the same shape.
pub(crate) fn view(
    list: Vec<ConversationInfo>,
) -> Vec<(Conversation, u32, Option<MessageId>, bool)> {
    list.into_iter()
        .map(|c| {
            let tomb = matches!(c.last, Some(Entry::Tombstone(_)));
            (c.conv, c.unread, c.last.as_ref().map(Entry::mid), tomb)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use natter_core::Codec;

    fn frame(json: &str) -> ServerFrame {
        Codec::default().decode(json.as_bytes()).unwrap()
    }

    fn u(name: &str) -> UserId {
        UserId::new(name).unwrap()
    }

    fn g(name: &str) -> GroupId {
        GroupId::new(name).unwrap()
    }

    #[test]
    fn membership_decides_by_the_protocol_and_threads_follow_their_group() {
        let mut m = Membership::default();
        let (alice, bob, carol) = (u("alice"), u("bob"), u("carol"));
        let created = frame(r#"{"type":"group_created","id":"r1","group":"g1"}"#);
        m.apply(&alice, &MemberOp::Create(vec![bob.clone()]), &created);
        assert_eq!(
            m.expect(&alice, &MemberOp::Leave(g("g1"))),
            Expect::Fail(ErrorCode::FORBIDDEN)
        );
        assert_eq!(
            m.expect(&carol, &MemberOp::Leave(g("g1"))),
            Expect::Fail(ErrorCode::NOT_MEMBER)
        );
        assert_eq!(
            m.expect(&carol, &MemberOp::Join(g("g9"))),
            Expect::Fail(ErrorCode::NO_SUCH_GROUP)
        );
        assert_eq!(
            m.expect(&bob, &MemberOp::Join(g("g1"))),
            Expect::Fail(ErrorCode::CONFLICT)
        );
        assert_eq!(
            m.expect(&bob, &MemberOp::Kick(g("g1"), alice.clone())),
            Expect::Fail(ErrorCode::FORBIDDEN)
        );
        assert_eq!(
            m.expect(&alice, &MemberOp::Kick(g("g1"), carol.clone())),
            Expect::Fail(ErrorCode::NOT_MEMBER)
        );
        let root = MessageId(7);
        let op = MemberOp::Thread(g("g1"), root, true);
        assert_eq!(m.expect(&bob, &op), Expect::Ok);
        let thread = frame(
            r#"{"type":"thread_created","id":"r2","info":{"thread":"t1","group":"g1","root":"7","name":"t","owner":"bob","created":1,"count":0}}"#,
        );
        m.apply(&bob, &op, &thread);
        assert_eq!(m.expect(&alice, &op), Expect::Fail(ErrorCode::CONFLICT));
        assert_eq!(
            m.expect(&alice, &MemberOp::Thread(g("g1"), MessageId(8), false)),
            Expect::Fail(ErrorCode::NOT_FOUND)
        );
        let t1 = Place::Thread(ThreadId::new("t1").unwrap());
        assert!(m.has(&t1, &bob));
        m.apply(
            &bob,
            &MemberOp::Leave(g("g1")),
            &frame(r#"{"type":"ok","id":"r3"}"#),
        );
        assert!(!m.has(&t1, &bob), "leaving the group leaves its threads");
        assert_eq!(
            m.expect(&bob, &MemberOp::JoinThread(ThreadId::new("t1").unwrap())),
            Expect::Fail(ErrorCode::NOT_MEMBER)
        );
    }

    #[test]
    fn the_list_is_a_fold_of_the_inbox() {
        let bob = u("bob");
        let msg = |seq: u64, mid: u64, from: &str, body: &str| {
            frame(&format!(
                r#"{{"type":"msg","seq":{seq},"msg":{{"mid":"{mid}","from":"{from}","to":{{"chat":"single","id":"{}"}},"ts":1,"body":{body}}}}}"#,
                if from == "bob" { "alice" } else { "bob" }
            ))
        };
        let text = r#"{"type":"text","text":"x"}"#;
        let inbox = vec![
            msg(1, 1, "alice", text),
            msg(2, 2, "alice", r#"{"type":"command","action":"a"}"#),
            msg(3, 3, "alice", text),
            msg(4, 4, "carol", text),
            frame(
                r#"{"type":"recalled","seq":5,"mid":"3","from":"alice","to":{"chat":"single","id":"bob"},"by":"alice","ts":2}"#,
            ),
            frame(
                r#"{"type":"conv_read","seq":6,"conv":{"chat":"single","id":"carol"},"by":"bob","upto":"4","ts":3}"#,
            ),
            msg(7, 5, "bob", text),
        ];
        let alice = Conversation::Single(u("alice"));
        let carol = Conversation::Single(u("carol"));
        assert_eq!(
            conversation_list(&bob, &inbox),
            vec![
                (alice, 1, Some(MessageId(5)), false),
                (carol, 0, Some(MessageId(4)), false)
            ]
        );
        let deleted = frame(
            r#"{"type":"conv_deleted","seq":8,"conv":{"chat":"single","id":"alice"},"history":false}"#,
        );
        let mut more = inbox.clone();
        more.push(deleted);
        assert_eq!(conversation_list(&bob, &more).len(), 1);
        more.truncate(5);
        assert_eq!(
            conversation_list(&bob, &more)[0],
            (
                Conversation::Single(u("carol")),
                1,
                Some(MessageId(4)),
                false
            )
        );
    }
}
