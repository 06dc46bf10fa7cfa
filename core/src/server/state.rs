//! The server's durable state, changed only by applying [`Record`]s.
//!
//! Applying a record also fans its consequences out into users' inboxes;
//! [`State::apply`] returns the inbox entries it appended so that the live
//! server can send them to connected devices. Nothing here depends on who is
//! online: that is volatile and lives in the server facade.

use super::inbox::Inbox;
use super::last_entry::LastEntry;
use super::records::{Answer, RecallRecord, Record, ThreadRecord};
use super::store::{Recall, StoredMessage};
use super::user_map::{self, UserHash, UserMap};
use crate::ascending::{AscendingMap, AscendingSet};
use crate::bounded::BoundedMap;
use crate::frame::group::{GroupKind, GroupTip, SystemNotice};
use crate::frame::server::{
    ConvDeleted, ConvReadNotice, ConversationInfo, Reader, ReceiptNotice, ThreadInfo, ThreadOp,
};
use crate::ids::{GroupId, MessageId, RequestId, Seq, ThreadId, UserId};
use crate::message::{Conversation, Message};
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Where a conversation's history is kept: one-to-one conversations by the
/// ordered pair of users, the others by their own id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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

    /// The key as a message store indexes it: `u/A/B` for a one-to-one
    /// pair, `g/`, `r/` or `t/` and the id for the others (ids never hold
    /// a `/`).
    pub(crate) fn store_key(&self) -> String {
        let mut key = String::new();
        self.write_store_key(&mut key);
        key
    }

    /// Appends [`HistoryKey::store_key`] to `out`.
    pub(crate) fn write_store_key(&self, out: &mut String) {
        let (prefix, first, second) = match self {
            HistoryKey::Pair(a, b) => ("u/", a.as_str(), Some(b.as_str())),
            HistoryKey::Shared(Conversation::Single(u)) => ("u/", u.as_str(), Some(u.as_str())),
            HistoryKey::Shared(Conversation::Group(g)) => ("g/", g.as_str(), None),
            HistoryKey::Shared(Conversation::Room(g)) => ("r/", g.as_str(), None),
            HistoryKey::Shared(Conversation::Thread(t)) => ("t/", t.as_str(), None),
        };
        out.push_str(prefix);
        out.push_str(first);
        if let Some(second) = second {
            out.push('/');
            out.push_str(second);
        }
    }
}

/// An inbox event, turned into a frame when sent.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) enum InboxEvent {
    Msg(MessageId),
    Recalled(Box<RecallRecord>),
    Receipt(Box<ReceiptNotice>),
    ConvRead(Box<ConvReadNotice>),
    ConvDeleted(Box<ConvDeleted>),
    Thread(Box<ThreadEvent>),
    Tip(Arc<GroupTip>),
    System(Box<SystemNotice>),
}

/// A thread update for one user; the info is shared by every member's.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ThreadEvent {
    pub(crate) op: ThreadOp,
    pub(crate) by: UserId,
    pub(crate) mid: Option<MessageId>,
    pub(crate) info: Arc<ThreadInfo>,
}

/// A user's conversation as the server counts it (PROTOCOL.md §15 R12).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct UserConv {
    /// The newest unread messages, at most [`UNREAD_TRACKED`].
    pub(crate) unread: AscendingSet<MessageId>,
    /// Unread messages older than every one in `unread`.
    #[serde(default)]
    pub(crate) unread_older: u32,
    /// The newest message, as it is now (a tombstone once recalled).
    pub(crate) last: Option<LastEntry>,
    pub(crate) read_upto: Option<MessageId>,
    pub(crate) peer_read: Option<Millis>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct UserState {
    #[serde(with = "super::inbox_form")]
    pub(crate) inbox: Inbox,
    pub(crate) last_seq: Seq,
    #[serde(with = "pairs")]
    pub(crate) convs: BTreeMap<Conversation, UserConv>,
    /// History deleted up to (and including) this message, per conversation.
    #[serde(with = "pairs")]
    pub(crate) cuts: BTreeMap<Conversation, MessageId>,
    pub(crate) answered: BoundedMap<RequestId, Answer>,
    pub(crate) blocked: BTreeSet<UserId>,
    /// `group_ack` messages whose counts changed since the last summary,
    /// with their counts now.
    pub(crate) summary: BTreeMap<MessageId, u32>,
}

/// Unread messages tracked one by one per conversation; older ones are
/// only counted (PROTOCOL.md §16), so a conversation nobody reads costs
/// the same however long it grows.
pub(crate) const UNREAD_TRACKED: usize = 1000;

impl UserConv {
    /// The unread count.
    pub(crate) fn unread_count(&self) -> u32 {
        u32::try_from(self.unread.len())
            .unwrap_or(u32::MAX)
            .saturating_add(self.unread_older)
    }

    /// A new unread message.
    fn add_unread(&mut self, mid: MessageId) {
        self.unread.insert(mid);
        if self.unread.len() > UNREAD_TRACKED {
            self.unread.pop_first();
            self.unread_older = self.unread_older.saturating_add(1);
        }
    }

    /// A recalled message leaves the count if it was in it: tracked, or
    /// older than every tracked one, unread and `counted` for this user.
    fn recall_unread(&mut self, mid: MessageId, counted: bool) {
        if self.unread.remove(&mid) {
            return;
        }
        let older = self.unread.first().is_some_and(|first| mid < *first);
        if counted && older && self.read_upto.is_none_or(|r| mid > r) {
            self.unread_older = self.unread_older.saturating_sub(1);
        }
    }

    /// Read up to `upto`: every message up to it leaves the count (untracked
    /// ones only when `upto` reaches the tracked ones).
    fn read_to(&mut self, upto: MessageId) {
        if self.unread.first().is_none_or(|first| upto >= *first) {
            self.unread_older = 0;
        }
        self.unread.retain(|m| *m > upto);
    }

    /// The id of the newest message.
    pub(crate) fn last_mid(&self) -> Option<MessageId> {
        self.last.as_ref().map(LastEntry::mid)
    }
}

impl UserState {
    fn new(dedup: usize) -> Self {
        UserState {
            inbox: Inbox::default(),
            last_seq: Seq::ZERO,
            convs: BTreeMap::new(),
            cuts: BTreeMap::new(),
            answered: BoundedMap::new(dedup),
            blocked: BTreeSet::new(),
            summary: BTreeMap::new(),
        }
    }

    /// The oldest inbox position still held.
    pub(crate) fn oldest(&self) -> Seq {
        self.inbox.first().unwrap_or(self.last_seq.next())
    }
}

/// A member's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) enum Role {
    Member,
    Admin,
    Owner,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
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

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Thread {
    pub(crate) info: ThreadInfo,
    /// The newest message, as it is now (a tombstone once recalled).
    pub(crate) last: Option<LastEntry>,
    pub(crate) members: BTreeSet<UserId>,
}

/// Everything that survives a restart (what a checkpoint holds, a copy).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct State {
    pub(crate) next_mid: u64,
    pub(crate) next_group: u64,
    pub(crate) next_thread: u64,
    /// The stored messages held in memory: all of them, or with a resident
    /// window the newest ones.
    pub(crate) messages: AscendingMap<MessageId, StoredMessage>,
    /// Every stored message up to this id may have left memory; the ones
    /// after it are all in `messages`.
    pub(crate) evicted_upto: MessageId,
    /// The history index of `messages` (rebuilt on restore).
    #[serde(skip)]
    pub(crate) history: BTreeMap<HistoryKey, AscendingMap<MessageId, ()>>,
    /// Messages brought back from the store for the input being handled.
    #[serde(skip)]
    pub(crate) faulted: BTreeMap<MessageId, StoredMessage>,
    /// Messages the store was asked for, for this input, and does not hold.
    #[serde(skip)]
    pub(crate) absent: BTreeSet<MessageId>,
    #[serde(
        serialize_with = "user_map::serialize_sorted",
        deserialize_with = "user_map::deserialize"
    )]
    pub(crate) users: UserMap<UserState>,
    pub(crate) groups: BTreeMap<GroupId, Group>,
    pub(crate) threads: BTreeMap<ThreadId, Thread>,
    pub(crate) thread_roots: BTreeMap<MessageId, ThreadId>,
    /// Everyone who ever received a message of a conversation.
    #[serde(with = "pairs")]
    listers: BTreeMap<HistoryKey, BTreeSet<UserId>>,
    #[serde(skip)]
    inbox_limit: usize,
    #[serde(skip)]
    dedup: usize,
}

/// `k` as `map` holds it (a clone of its key), if it does.
pub(crate) fn key_of<K: Ord + Clone, V>(map: &BTreeMap<K, V>, k: K) -> K {
    map.get_key_value(&k).map_or(k, |(held, _)| held.clone())
}

/// Inbox entries appended by one record: whose inbox, once per entry.
pub(crate) type Appended = Vec<UserId>;

/// [`State::each_recipient`] over the membership alone, so that a caller
/// may change the users' states while it walks the recipients.
fn each_recipient_in(
    groups: &BTreeMap<GroupId, Group>,
    threads: &BTreeMap<ThreadId, Thread>,
    from: &UserId,
    to: &Conversation,
    mut f: impl FnMut(&UserId),
) {
    match to {
        Conversation::Single(to) => {
            f(from);
            if to != from {
                f(to);
            }
        }
        Conversation::Group(g) => {
            if let Some(g) = groups.get(g) {
                g.members.keys().for_each(f);
            }
        }
        Conversation::Room(_) => {}
        Conversation::Thread(t) => {
            if let Some(t) = threads.get(t) {
                t.members.iter().for_each(f);
            }
        }
    }
}

/// [`State::user_mut`] over the users alone.
fn user_in<'a>(
    users: &'a mut UserMap<UserState>,
    dedup: usize,
    user: &UserId,
) -> &'a mut UserState {
    users
        .entry(user.clone())
        .or_insert_with(|| UserState::new(dedup))
}

impl State {
    pub(crate) fn new(inbox_limit: usize, dedup: usize, hash: UserHash) -> Self {
        State {
            next_mid: 1,
            next_group: 1,
            next_thread: 1,
            messages: AscendingMap::default(),
            evicted_upto: MessageId(0),
            history: BTreeMap::new(),
            faulted: BTreeMap::new(),
            absent: BTreeSet::new(),
            users: user_map::new(hash),
            groups: BTreeMap::new(),
            threads: BTreeMap::new(),
            thread_roots: BTreeMap::new(),
            listers: BTreeMap::new(),
            inbox_limit: inbox_limit.max(1),
            dedup,
        }
    }

    /// Restores the settings a checkpoint does not hold (the user map's
    /// key among them), and the history index of the resident messages.
    pub(crate) fn reopen(&mut self, inbox_limit: usize, dedup: usize, hash: UserHash) {
        self.inbox_limit = inbox_limit.max(1);
        self.dedup = dedup;
        user_map::rekey(&mut self.users, hash);
        for u in self.users.values_mut() {
            u.answered.set_cap(dedup);
        }
        for (mid, stored) in self.messages.iter() {
            self.history
                .entry(HistoryKey::of(&stored.msg.from, &stored.msg.to))
                .or_default()
                .insert(*mid, ());
        }
    }

    /// Whether every inbox ends at its user's newest position, as the
    /// server keeps them (an inbox numbers its events back from there): a
    /// checkpoint that says otherwise is damaged.
    pub(crate) fn check_inboxes(&self) -> Result<(), String> {
        for (user, u) in &self.users {
            if let Some(last) = u.inbox.last()
                && last != u.last_seq
            {
                return Err(format!(
                    "the inbox of {user} ends at position {} but the user's newest is {}",
                    last.0, u.last_seq.0
                ));
            }
        }
        Ok(())
    }

    /// A stored message, in memory or brought back for this input.
    pub(crate) fn message(&self, mid: MessageId) -> Option<&StoredMessage> {
        self.messages.get(&mid).or_else(|| self.faulted.get(&mid))
    }

    pub(crate) fn message_mut(&mut self, mid: MessageId) -> Option<&mut StoredMessage> {
        match self.messages.get_mut(&mid) {
            Some(m) => Some(m),
            None => self.faulted.get_mut(&mid),
        }
    }

    /// Whether `mid` may name a stored message that is not in memory: the
    /// store must be asked.
    pub(crate) fn must_load(&self, mid: MessageId) -> bool {
        mid.0 > 0
            && mid <= self.evicted_upto
            && self.message(mid).is_none()
            && !self.absent.contains(&mid)
    }

    /// Drops the oldest messages beyond `resident` from memory.
    pub(crate) fn evict(&mut self, resident: usize) {
        while self.messages.len() > resident {
            let Some((mid, stored)) = self.messages.pop_first() else {
                return;
            };
            self.evicted_upto = self.evicted_upto.max(mid);
            let key = HistoryKey::of(&stored.msg.from, &stored.msg.to);
            if let Some(set) = self.history.get_mut(&key) {
                set.remove(&mid);
                if set.is_empty() {
                    self.history.remove(&key);
                }
            }
        }
    }

    pub(crate) fn user_mut(&mut self, user: &UserId) -> &mut UserState {
        user_in(&mut self.users, self.dedup, user)
    }

    /// Appends an event to a user's inbox, dropping the oldest beyond the
    /// limit.
    pub(crate) fn push(&mut self, user: &UserId, event: InboxEvent, out: &mut Appended) {
        let limit = self.inbox_limit;
        Self::push_into(self.user_mut(user), limit, user, event, out);
    }

    /// [`State::push`] to a user already looked up.
    fn push_into(
        u: &mut UserState,
        limit: usize,
        user: &UserId,
        event: InboxEvent,
        out: &mut Appended,
    ) {
        u.last_seq = u.last_seq.next();
        u.inbox.push(u.last_seq, event, limit);
        out.push(user.clone());
    }

    /// The users whose inboxes a message goes to (its sender included).
    pub(crate) fn recipients(&self, msg: &Message) -> Vec<UserId> {
        self.recipients_of(&msg.from, &msg.to)
    }

    /// The users whose inboxes a message from `from` to `to` goes to.
    pub(crate) fn recipients_of(&self, from: &UserId, to: &Conversation) -> Vec<UserId> {
        // Two: a one-to-one message's (a group's grows as it must).
        let mut all = Vec::with_capacity(2);
        self.each_recipient(from, to, |u| all.push(u.clone()));
        all
    }

    /// Calls `f` with each user whose inbox a message from `from` to `to`
    /// goes to, in the order of [`State::recipients_of`], collecting
    /// nothing.
    pub(crate) fn each_recipient(&self, from: &UserId, to: &Conversation, f: impl FnMut(&UserId)) {
        each_recipient_in(&self.groups, &self.threads, from, to, f);
    }

    /// A thread's info with its current last entry.
    pub(crate) fn thread_info(&self, thread: &ThreadId) -> Option<ThreadInfo> {
        let t = self.threads.get(thread)?;
        let mut info = t.info.clone();
        info.last = t.last.as_ref().map(LastEntry::entry);
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
            let event = InboxEvent::Thread(Box::new(ThreadEvent {
                op,
                by: by.clone(),
                mid,
                info: Arc::clone(&info),
            }));
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
            unread: c.unread_count(),
            last: c.last.as_ref().map(LastEntry::entry),
            name,
            peer_read: c.peer_read,
        })
    }

    /// Applies one record, adding the inbox entries it appended to `out`.
    pub(crate) fn apply(&mut self, record: &Record, out: &mut Appended) {
        match record {
            Record::Answered { user, req, answer } => {
                if let Answer::Sent { mid, .. } = answer {
                    self.next_mid = self.next_mid.max(mid.0.saturating_add(1));
                }
                self.user_mut(user)
                    .answered
                    .insert(req.clone(), answer.clone());
            }
            Record::Stored { msg } => self.apply_stored(msg, out),
            Record::Recalled(r) => self.apply_recalled(r, out),
            Record::Receipt {
                kind,
                mid,
                by,
                ts,
                sender,
            } => {
                let event = InboxEvent::Receipt(Box::new(ReceiptNotice {
                    seq: None,
                    kind: *kind,
                    mid: *mid,
                    by: by.clone(),
                    ts: *ts,
                }));
                self.push(sender, event, out);
            }
            Record::ConvRead {
                user,
                conv,
                upto,
                ts,
            } => self.apply_conv_read(user, conv, *upto, *ts, out),
            Record::ConvDeleted {
                user,
                conv,
                history,
            } => {
                let u = self.user_mut(user);
                if let Some(c) = u.convs.remove(conv)
                    && let (true, Some(last)) = (*history, c.last_mid())
                {
                    u.cuts.insert(conv.clone(), last);
                }
                let event = InboxEvent::ConvDeleted(Box::new(ConvDeleted {
                    seq: None,
                    conv: conv.clone(),
                    history: *history,
                }));
                self.push(user, event, out);
            }
            Record::GroupRead {
                mid,
                reader,
                content,
                ts,
                sender,
                count,
            } => {
                if let Some(stored) = self.message_mut(*mid)
                    && !stored.readers.iter().any(|r| &r.user == reader)
                {
                    stored.readers.push(Reader {
                        user: reader.clone(),
                        ts: *ts,
                        content: content.clone(),
                    });
                }
                self.user_mut(sender).summary.insert(*mid, *count);
            }
            Record::SummarySent { user } => self.user_mut(user).summary.clear(),
            Record::Group(g) => self.apply_group(g, out),
            Record::Thread(t) => self.apply_thread(t, out),
            Record::Block { user, target, on } => {
                let blocked = &mut self.user_mut(user).blocked;
                if *on {
                    blocked.insert(target.clone());
                } else {
                    blocked.remove(target);
                }
            }
            Record::Notice { user, notice } => {
                self.push(user, InboxEvent::System(Box::new(notice.clone())), out)
            }
        }
    }

    fn apply_stored(&mut self, msg: &Arc<Message>, out: &mut Appended) {
        self.next_mid = self.next_mid.max(msg.mid.0.saturating_add(1));
        // A stored message is its send's answer too: a repeat of the
        // request is answered from here. Recorded where the walk below
        // meets the sender, else (a chat room's sender is no recipient)
        // after it.
        let mut answer = msg.req.as_ref().map(|req| {
            let sent = Answer::Sent {
                mid: msg.mid,
                ts: msg.ts,
            };
            (req, sent)
        });
        self.messages
            .insert(msg.mid, StoredMessage::new(Arc::clone(msg)));
        let key = HistoryKey::of(&msg.from, &msg.to);
        self.history
            .entry(key.clone())
            .or_default()
            .insert(msg.mid, ());
        let listers = self.listers.entry(key).or_default();
        let (groups, threads) = (&self.groups, &self.threads);
        let (users, dedup, limit) = (&mut self.users, self.dedup, self.inbox_limit);
        each_recipient_in(groups, threads, &msg.from, &msg.to, |user| {
            // Nearly always already there: looked up before a clone is made.
            if !listers.contains(user) {
                listers.insert(user.clone());
            }
            let conv = Conversation::seen_by(user, &msg.from, &msg.to);
            let u = user_in(users, dedup, user);
            if *user == msg.from
                && let Some((req, sent)) = answer.take()
            {
                u.answered.insert(req.clone(), sent);
            }
            let c = u.convs.entry(conv).or_default();
            if c.last_mid() < Some(msg.mid) {
                c.last = Some(LastEntry::Message(Arc::clone(msg)));
            }
            if *user != msg.from
                && msg.body.counts_unread()
                && c.read_upto.is_none_or(|r| msg.mid > r)
            {
                c.add_unread(msg.mid);
            }
            Self::push_into(u, limit, user, InboxEvent::Msg(msg.mid), out);
        });
        if let Some((req, sent)) = answer {
            self.user_mut(&msg.from).answered.insert(req.clone(), sent);
        }
        if let Conversation::Thread(t) = &msg.to {
            if let Some(thread) = self.threads.get_mut(t) {
                thread.info.count = thread.info.count.saturating_add(1);
                thread.last = Some(LastEntry::Message(Arc::clone(msg)));
            }
            self.thread_update(t, ThreadOp::Message, &msg.from, None, out);
        }
    }

    /// Who is told of a recall: the conversation's recipients now, and
    /// anyone else (a former member) whose list still counts the message as
    /// unread or shows it as last, so that every list stays right.
    fn recall_recipients(
        &self,
        mid: MessageId,
        from: &UserId,
        to: &Conversation,
    ) -> BTreeSet<UserId> {
        let mut users: BTreeSet<UserId> = self.recipients_of(from, to).into_iter().collect();
        for user in self
            .listers
            .get(&HistoryKey::of(from, to))
            .into_iter()
            .flatten()
        {
            let conv = Conversation::seen_by(user, from, to);
            let holds = self
                .users
                .get(user)
                .and_then(|u| u.convs.get(&conv))
                .is_some_and(|c| c.last_mid() == Some(mid) || c.unread.contains(&mid));
            if holds {
                users.insert(user.clone());
            }
        }
        users
    }

    fn apply_recalled(&mut self, r: &RecallRecord, out: &mut Appended) {
        let RecallRecord {
            mid,
            from,
            to,
            by,
            ts,
            ..
        } = r;
        if let Some(stored) = self.message_mut(*mid) {
            if stored.recalled.is_some() {
                return;
            }
            stored.recalled = Some(Recall {
                by: by.clone(),
                at: *ts,
            });
        }
        for user in self.recall_recipients(*mid, from, to) {
            let conv = Conversation::seen_by(&user, from, to);
            if let Some(c) = self.user_mut(&user).convs.get_mut(&conv) {
                let counted = r.counted && user != *from;
                c.recall_unread(*mid, counted);
                LastEntry::recall(&mut c.last, *mid, by, *ts);
            }
            self.push(&user, InboxEvent::Recalled(Box::new(r.clone())), out);
        }
        if let Conversation::Thread(t) = to {
            if let Some(thread) = self.threads.get_mut(t) {
                LastEntry::recall(&mut thread.last, *mid, by, *ts);
            }
            self.thread_update(t, ThreadOp::Recalled, by, Some(*mid), out);
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
        let upto = upto.or(c.last_mid());
        if let Some(upto) = upto {
            c.read_upto = c.read_upto.max(Some(upto));
            c.read_to(upto);
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

/// Maps whose keys are not strings, serialized as lists of pairs (a JSON
/// object's keys must be strings).
mod pairs {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub(super) fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub(super) fn deserialize<'de, K, V, D>(d: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message store's history keys: both sides of a pair share one,
    /// written in one buffer as they are one by one.
    #[test]
    fn store_keys_name_the_history() {
        let user = |s: &str| UserId::new(s).expect("valid");
        let keys = [
            (
                HistoryKey::of(&user("bob"), &Conversation::Single(user("alice"))),
                "u/alice/bob",
            ),
            (
                HistoryKey::of(&user("alice"), &Conversation::Single(user("bob"))),
                "u/alice/bob",
            ),
            (
                HistoryKey::Shared(Conversation::Single(user("al"))),
                "u/al/al",
            ),
            (
                HistoryKey::of(
                    &user("al"),
                    &Conversation::Group(GroupId::new("g1").expect("valid")),
                ),
                "g/g1",
            ),
            (
                HistoryKey::of(
                    &user("al"),
                    &Conversation::Room(GroupId::new("r1").expect("valid")),
                ),
                "r/r1",
            ),
            (
                HistoryKey::of(
                    &user("al"),
                    &Conversation::Thread(ThreadId::new("t1").expect("valid")),
                ),
                "t/t1",
            ),
        ];
        let mut all = String::new();
        for (key, expected) in &keys {
            assert_eq!(key.store_key(), *expected);
            key.write_store_key(&mut all);
        }
        assert_eq!(all, keys.map(|(_, k)| k).concat());
    }

    /// Every user keeps up to an inbox limit of these, and nothing more
    /// per event (its position is counted, not kept): one is two words.
    #[test]
    fn an_inbox_event_is_two_words() {
        assert_eq!(std::mem::size_of::<InboxEvent>(), 16);
    }
}
