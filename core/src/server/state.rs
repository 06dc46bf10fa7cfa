//! The server's durable state, changed only by applying [`Record`]s.
//!
//! Applying a record also fans its consequences out into users' inboxes;
//! [`State::apply`] returns the inbox entries it appended so that the live
//! server can send them to connected devices. Nothing here depends on who is
//! online: that is volatile and lives in the server facade.

use super::records::{Answer, Record, ThreadRecord};
use crate::bounded::BoundedMap;
use crate::frame::client::ReceiptKind;
use crate::frame::group::{GroupKind, GroupTip, SystemNotice};
use crate::frame::server::{ConvReadNotice, ConversationInfo, Reader, ThreadInfo, ThreadOp};
use crate::ids::{GroupId, MessageId, RequestId, Seq, ThreadId, UserId};
use crate::message::{Conversation, Entry, Message, Tombstone};
use crate::time::Millis;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

/// Where a conversation's history is kept: one-to-one conversations by the
/// ordered pair of users, the others by their own id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum HistoryKey {
    Pair(UserId, UserId),
    Shared(Conversation),
}

impl HistoryKey {
    pub(crate) fn of(me: &UserId, conv: &Conversation) -> HistoryKey {
        match conv {
            Conversation::Single(peer) if peer < me => HistoryKey::Pair(peer.clone(), me.clone()),
            Conversation::Single(peer) => HistoryKey::Pair(me.clone(), peer.clone()),
            other => HistoryKey::Shared(other.clone()),
        }
    }
}

/// A stored message and its recall, if any.
#[derive(Clone, Debug)]
pub(crate) struct Stored {
    pub(crate) msg: Message,
    pub(crate) recalled: Option<(UserId, Millis)>,
}

impl Stored {
    pub(crate) fn entry(&self) -> Entry {
        match &self.recalled {
            None => Entry::Message(self.msg.clone()),
            Some((by, at)) => Entry::Tombstone(Tombstone {
                mid: self.msg.mid,
                from: self.msg.from.clone(),
                to: self.msg.to.clone(),
                ts: self.msg.ts,
                recalled_by: by.clone(),
                recalled_at: *at,
            }),
        }
    }
}

/// An inbox event, turned into a frame when sent.
#[derive(Clone, Debug)]
pub(crate) enum InboxEvent {
    Msg(MessageId),
    Recalled {
        mid: MessageId,
        by: UserId,
        ts: Millis,
    },
    Receipt {
        kind: ReceiptKind,
        mid: MessageId,
        by: UserId,
        ts: Millis,
    },
    ConvRead(Box<ConvReadNotice>),
    ConvDeleted {
        conv: Conversation,
        history: bool,
    },
    Thread {
        op: ThreadOp,
        by: UserId,
        mid: Option<MessageId>,
        info: Arc<ThreadInfo>,
    },
    Tip(Arc<GroupTip>),
    System(Box<SystemNotice>),
}

/// A user's conversation as the server counts it (PROTOCOL.md §15 R12).
#[derive(Clone, Debug, Default)]
pub(crate) struct UserConv {
    pub(crate) unread: BTreeSet<MessageId>,
    pub(crate) last: Option<MessageId>,
    pub(crate) read_upto: Option<MessageId>,
    pub(crate) peer_read: Option<Millis>,
}

#[derive(Debug)]
pub(crate) struct UserState {
    pub(crate) inbox: VecDeque<(Seq, InboxEvent)>,
    pub(crate) last_seq: Seq,
    pub(crate) convs: BTreeMap<Conversation, UserConv>,
    /// History deleted up to (and including) this message, per conversation.
    pub(crate) cuts: BTreeMap<Conversation, MessageId>,
    pub(crate) answered: BoundedMap<RequestId, Answer>,
    pub(crate) blocked: BTreeSet<UserId>,
    /// `group_ack` messages whose counts changed since the last summary.
    pub(crate) summary: BTreeSet<MessageId>,
}

impl UserState {
    fn new(dedup: usize) -> Self {
        UserState {
            inbox: VecDeque::new(),
            last_seq: Seq::ZERO,
            convs: BTreeMap::new(),
            cuts: BTreeMap::new(),
            answered: BoundedMap::new(dedup),
            blocked: BTreeSet::new(),
            summary: BTreeSet::new(),
        }
    }

    /// The oldest inbox position still held.
    pub(crate) fn oldest(&self) -> Seq {
        self.inbox.front().map_or(self.last_seq.next(), |(s, _)| *s)
    }
}

/// A member's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Role {
    Member,
    Admin,
    Owner,
}

#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub(crate) kind: GroupKind,
    pub(crate) name: String,
    pub(crate) approval: bool,
    pub(crate) members: BTreeMap<UserId, Role>,
    /// Muted members, until a time (or for good).
    pub(crate) muted: BTreeMap<UserId, Option<Millis>>,
    pub(crate) mute_all: bool,
    pub(crate) allow: BTreeSet<UserId>,
    pub(crate) requests: BTreeMap<UserId, Option<String>>,
}

impl Group {
    pub(crate) fn role(&self, user: &UserId) -> Option<Role> {
        self.members.get(user).copied()
    }

    pub(crate) fn is_manager(&self, user: &UserId) -> bool {
        self.role(user).is_some_and(|r| r >= Role::Admin)
    }

    pub(crate) fn managers(&self) -> Vec<UserId> {
        self.members
            .iter()
            .filter(|(_, r)| **r >= Role::Admin)
            .map(|(u, _)| u.clone())
            .collect()
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Thread {
    pub(crate) info: ThreadInfo,
    pub(crate) last: Option<MessageId>,
    pub(crate) members: BTreeSet<UserId>,
}

/// Everything that survives a restart.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) next_mid: u64,
    pub(crate) next_group: u64,
    pub(crate) next_thread: u64,
    pub(crate) messages: BTreeMap<MessageId, Stored>,
    pub(crate) history: BTreeMap<HistoryKey, BTreeSet<MessageId>>,
    pub(crate) users: BTreeMap<UserId, UserState>,
    pub(crate) groups: BTreeMap<GroupId, Group>,
    pub(crate) threads: BTreeMap<ThreadId, Thread>,
    pub(crate) thread_roots: BTreeMap<MessageId, ThreadId>,
    pub(crate) reads: BTreeMap<MessageId, Vec<Reader>>,
    /// Everyone who ever received a message of a conversation.
    listers: BTreeMap<HistoryKey, BTreeSet<UserId>>,
    inbox_limit: usize,
    dedup: usize,
}

/// Inbox entries appended by one record: who, and at which position.
pub(crate) type Appended = Vec<(UserId, Seq)>;

impl State {
    pub(crate) fn new(inbox_limit: usize, dedup: usize) -> Self {
        State {
            next_mid: 1,
            next_group: 1,
            next_thread: 1,
            messages: BTreeMap::new(),
            history: BTreeMap::new(),
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            threads: BTreeMap::new(),
            thread_roots: BTreeMap::new(),
            reads: BTreeMap::new(),
            listers: BTreeMap::new(),
            inbox_limit: inbox_limit.max(1),
            dedup,
        }
    }

    pub(crate) fn user_mut(&mut self, user: &UserId) -> &mut UserState {
        let dedup = self.dedup;
        self.users
            .entry(user.clone())
            .or_insert_with(|| UserState::new(dedup))
    }

    /// Appends an event to a user's inbox, dropping the oldest beyond the
    /// limit.
    pub(crate) fn push(&mut self, user: &UserId, event: InboxEvent, out: &mut Appended) {
        let limit = self.inbox_limit;
        let u = self.user_mut(user);
        u.last_seq = u.last_seq.next();
        u.inbox.push_back((u.last_seq, event));
        while u.inbox.len() > limit {
            u.inbox.pop_front();
        }
        out.push((user.clone(), u.last_seq));
    }

    /// The users whose inboxes a message goes to (its sender included).
    pub(crate) fn recipients(&self, msg: &Message) -> Vec<UserId> {
        match &msg.to {
            Conversation::Single(to) if *to == msg.from => vec![msg.from.clone()],
            Conversation::Single(to) => vec![msg.from.clone(), to.clone()],
            Conversation::Group(g) => self
                .groups
                .get(g)
                .map(|g| g.members.keys().cloned().collect())
                .unwrap_or_default(),
            Conversation::Room(_) => Vec::new(),
            Conversation::Thread(t) => self
                .threads
                .get(t)
                .map(|t| t.members.iter().cloned().collect())
                .unwrap_or_default(),
        }
    }

    /// A thread's info with its current last entry.
    pub(crate) fn thread_info(&self, thread: &ThreadId) -> Option<ThreadInfo> {
        let t = self.threads.get(thread)?;
        let mut info = t.info.clone();
        info.last = t
            .last
            .and_then(|mid| self.messages.get(&mid))
            .map(Stored::entry);
        Some(info)
    }

    /// Sends a thread update to every member of the thread's parent group.
    pub(crate) fn thread_update(
        &mut self,
        thread: &ThreadId,
        op: ThreadOp,
        by: &UserId,
        mid: Option<MessageId>,
        out: &mut Appended,
    ) {
        let Some(info) = self.thread_info(thread) else {
            return;
        };
        let members: Vec<UserId> = self
            .groups
            .get(&info.group)
            .map(|g| g.members.keys().cloned().collect())
            .unwrap_or_default();
        let info = Arc::new(info);
        for user in members {
            let event = InboxEvent::Thread {
                op,
                by: by.clone(),
                mid,
                info: Arc::clone(&info),
            };
            self.push(&user, event, out);
        }
    }

    /// One user's view of a conversation, for lists and profiles.
    pub(crate) fn conversation_info(
        &self,
        user: &UserId,
        conv: &Conversation,
    ) -> Option<ConversationInfo> {
        let c = self.users.get(user)?.convs.get(conv)?;
        let name = match conv {
            Conversation::Group(g) | Conversation::Room(g) => {
                self.groups.get(g).map(|g| g.name.clone())
            }
            Conversation::Thread(t) => self.threads.get(t).map(|t| t.info.name.clone()),
            Conversation::Single(_) => None,
        };
        Some(ConversationInfo {
            conv: conv.clone(),
            unread: u32::try_from(c.unread.len()).unwrap_or(u32::MAX),
            last: c
                .last
                .and_then(|mid| self.messages.get(&mid))
                .map(Stored::entry),
            name,
            peer_read: c.peer_read,
        })
    }

    /// Applies one record; returns the inbox entries it appended.
    pub(crate) fn apply(&mut self, record: &Record) -> Appended {
        let mut out = Appended::new();
        match record {
            Record::Answered { user, req, answer } => {
                if let Answer::Sent { mid, .. } = answer {
                    self.next_mid = self.next_mid.max(mid.0.saturating_add(1));
                }
                self.user_mut(user)
                    .answered
                    .insert(req.clone(), answer.clone());
            }
            Record::Stored { msg } => self.apply_stored(msg, &mut out),
            Record::Recalled { mid, by, ts } => self.apply_recalled(*mid, by, *ts, &mut out),
            Record::Receipt { kind, mid, by, ts } => {
                if let Some(from) = self.messages.get(mid).map(|s| s.msg.from.clone()) {
                    let event = InboxEvent::Receipt {
                        kind: *kind,
                        mid: *mid,
                        by: by.clone(),
                        ts: *ts,
                    };
                    self.push(&from, event, &mut out);
                }
            }
            Record::ConvRead {
                user,
                conv,
                upto,
                ts,
            } => self.apply_conv_read(user, conv, *upto, *ts, &mut out),
            Record::ConvDeleted {
                user,
                conv,
                history,
            } => {
                let u = self.user_mut(user);
                if let Some(c) = u.convs.remove(conv)
                    && let (true, Some(last)) = (*history, c.last)
                {
                    u.cuts.insert(conv.clone(), last);
                }
                let event = InboxEvent::ConvDeleted {
                    conv: conv.clone(),
                    history: *history,
                };
                self.push(user, event, &mut out);
            }
            Record::GroupRead {
                mid,
                reader,
                content,
                ts,
            } => {
                let readers = self.reads.entry(*mid).or_default();
                if !readers.iter().any(|r| &r.user == reader) {
                    readers.push(Reader {
                        user: reader.clone(),
                        ts: *ts,
                        content: content.clone(),
                    });
                }
                if let Some(from) = self.messages.get(mid).map(|s| s.msg.from.clone()) {
                    self.user_mut(&from).summary.insert(*mid);
                }
            }
            Record::SummarySent { user } => self.user_mut(user).summary.clear(),
            Record::Group(g) => self.apply_group(g, &mut out),
            Record::Thread(t) => self.apply_thread(t, &mut out),
            Record::Block { user, target, on } => {
                let blocked = &mut self.user_mut(user).blocked;
                if *on {
                    blocked.insert(target.clone());
                } else {
                    blocked.remove(target);
                }
            }
            Record::Notice { user, notice } => {
                self.push(user, InboxEvent::System(Box::new(notice.clone())), &mut out)
            }
        }
        out
    }

    fn apply_stored(&mut self, msg: &Message, out: &mut Appended) {
        self.next_mid = self.next_mid.max(msg.mid.0.saturating_add(1));
        self.messages.insert(
            msg.mid,
            Stored {
                msg: msg.clone(),
                recalled: None,
            },
        );
        self.history
            .entry(HistoryKey::of(&msg.from, &msg.to))
            .or_default()
            .insert(msg.mid);
        let recipients = self.recipients(msg);
        self.listers
            .entry(HistoryKey::of(&msg.from, &msg.to))
            .or_default()
            .extend(recipients.iter().cloned());
        for user in recipients {
            let conv = Conversation::seen_by(&user, &msg.from, &msg.to);
            let c = self.user_mut(&user).convs.entry(conv).or_default();
            c.last = c.last.max(Some(msg.mid));
            if user != msg.from
                && msg.body.counts_unread()
                && c.read_upto.is_none_or(|r| msg.mid > r)
            {
                c.unread.insert(msg.mid);
            }
            self.push(&user, InboxEvent::Msg(msg.mid), out);
        }
        if let Conversation::Thread(t) = &msg.to {
            if let Some(thread) = self.threads.get_mut(t) {
                thread.info.count = thread.info.count.saturating_add(1);
                thread.last = Some(msg.mid);
            }
            self.thread_update(t, ThreadOp::Message, &msg.from, None, out);
        }
    }

    /// Who is told of a recall: the conversation's recipients now, and
    /// anyone else (a former member) whose list still counts the message as
    /// unread or shows it as last, so that every list stays right.
    fn recall_recipients(&self, msg: &Message) -> BTreeSet<UserId> {
        let mut users: BTreeSet<UserId> = self.recipients(msg).into_iter().collect();
        for user in self
            .listers
            .get(&HistoryKey::of(&msg.from, &msg.to))
            .into_iter()
            .flatten()
        {
            let conv = Conversation::seen_by(user, &msg.from, &msg.to);
            let holds = self
                .users
                .get(user)
                .and_then(|u| u.convs.get(&conv))
                .is_some_and(|c| c.last == Some(msg.mid) || c.unread.contains(&msg.mid));
            if holds {
                users.insert(user.clone());
            }
        }
        users
    }

    fn apply_recalled(&mut self, mid: MessageId, by: &UserId, ts: Millis, out: &mut Appended) {
        let Some(stored) = self.messages.get_mut(&mid) else {
            return;
        };
        if stored.recalled.is_some() {
            return;
        }
        stored.recalled = Some((by.clone(), ts));
        let msg = stored.msg.clone();
        for user in self.recall_recipients(&msg) {
            let conv = Conversation::seen_by(&user, &msg.from, &msg.to);
            if let Some(c) = self.user_mut(&user).convs.get_mut(&conv) {
                c.unread.remove(&mid);
            }
            self.push(
                &user,
                InboxEvent::Recalled {
                    mid,
                    by: by.clone(),
                    ts,
                },
                out,
            );
        }
        if let Conversation::Thread(t) = &msg.to {
            self.thread_update(t, ThreadOp::Recalled, by, Some(mid), out);
        }
    }

    fn apply_conv_read(
        &mut self,
        user: &UserId,
        conv: &Conversation,
        upto: Option<MessageId>,
        ts: Millis,
        out: &mut Appended,
    ) {
        let c = self.user_mut(user).convs.entry(conv.clone()).or_default();
        let upto = upto.or(c.last);
        if let Some(upto) = upto {
            c.read_upto = c.read_upto.max(Some(upto));
            c.unread.retain(|m| *m > upto);
        }
        let event = InboxEvent::ConvRead(Box::new(ConvReadNotice {
            seq: None,
            conv: conv.clone(),
            by: user.clone(),
            upto,
            ts,
        }));
        self.push(user, event, out);
        if let Conversation::Single(peer) = conv
            && peer != user
        {
            let theirs = Conversation::Single(user.clone());
            let c = self.user_mut(peer).convs.entry(theirs.clone()).or_default();
            c.peer_read = c.peer_read.max(Some(ts));
            let event = InboxEvent::ConvRead(Box::new(ConvReadNotice {
                seq: None,
                conv: theirs,
                by: user.clone(),
                upto,
                ts,
            }));
            self.push(peer, event, out);
        }
    }

    fn apply_thread(&mut self, t: &ThreadRecord, out: &mut Appended) {
        match t {
            ThreadRecord::Create { info } => {
                let n = info
                    .thread
                    .as_str()
                    .trim_start_matches('t')
                    .parse::<u64>()
                    .unwrap_or(0);
                self.next_thread = self.next_thread.max(n.saturating_add(1));
                let members = BTreeSet::from([info.owner.clone()]);
                self.thread_roots.insert(info.root, info.thread.clone());
                self.threads.insert(
                    info.thread.clone(),
                    Thread {
                        info: (**info).clone(),
                        last: None,
                        members,
                    },
                );
                self.thread_update(&info.thread, ThreadOp::Created, &info.owner, None, out);
            }
            ThreadRecord::Join { thread, user } => {
                if let Some(t) = self.threads.get_mut(thread) {
                    t.members.insert(user.clone());
                }
            }
            ThreadRecord::Leave { thread, user } => {
                if let Some(t) = self.threads.get_mut(thread) {
                    t.members.remove(user);
                }
            }
            ThreadRecord::Destroy { thread, by, .. } => {
                self.thread_update(thread, ThreadOp::Destroyed, by, None, out);
                if let Some(t) = self.threads.remove(thread) {
                    self.thread_roots.remove(&t.info.root);
                }
            }
        }
    }
}
