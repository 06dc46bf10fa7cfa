//! The conversation list mirror: last message and unread count of every
//! conversation, kept exactly as PROTOCOL.md §15 R12 defines, and the
//! conversation commands.
//!
//! A conversation's unread count is the number of messages from others
//! (commands and recalled messages excepted) above its last `conv_read`. The
//! mirror keeps the ids of those messages, so recalls and reads adjust the
//! count exactly. A server list or profile answer is taken as authoritative
//! when it reflects exactly the inbox position this client has processed;
//! if the server then counts messages the client never received (an inbox
//! that overflowed), they are kept as a number (`extra`) until the next read.
//! History pages never change the list: like the server's, it follows the
//! inbox alone, so the two cannot disagree.

use super::choices::StoredHistory;
use super::{Client, CommandError};
use crate::frame::client::{ConvDelete, ConvListQuery, ConvRef};
use crate::frame::requests;
use crate::frame::server::{ConvList, ConvProfile, ConversationInfo, Recalled};
use crate::ids::{MessageId, RequestId, Seq, UserId};
use crate::message::{Conversation, Entry, Message, Tombstone};
use crate::time::Millis;
use std::collections::{BTreeMap, BTreeSet};

/// One conversation of the mirror.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ConvState {
    pub(crate) last: Option<Entry>,
    pub(crate) unread: BTreeSet<MessageId>,
    pub(crate) extra: u32,
    pub(crate) read_upto: Option<MessageId>,
    pub(crate) name: Option<String>,
    pub(crate) peer_read: Option<Millis>,
}

impl ConvState {
    fn unread_count(&self) -> u32 {
        u32::try_from(self.unread.len())
            .unwrap_or(u32::MAX)
            .saturating_add(self.extra)
    }

    fn offer_last(&mut self, entry: Entry) {
        let newer = self.last.as_ref().is_none_or(|l| entry.mid() > l.mid());
        let replaces = self.last.as_ref().is_some_and(|l| l.mid() == entry.mid());
        if newer || (replaces && matches!(entry, Entry::Tombstone(_))) {
            self.last = Some(entry);
        }
    }

    fn info(&self, conv: &Conversation) -> ConversationInfo {
        ConversationInfo {
            conv: conv.clone(),
            unread: self.unread_count(),
            last: self.last.clone(),
            name: self.name.clone(),
            peer_read: self.peer_read,
        }
    }

    /// Takes the server's count as the truth: keeps the newest known unread
    /// ids, counts the rest as `extra`.
    fn adopt(&mut self, info: &ConversationInfo) {
        let known = u32::try_from(self.unread.len()).unwrap_or(u32::MAX);
        while u32::try_from(self.unread.len()).unwrap_or(u32::MAX) > info.unread {
            self.unread.pop_first();
        }
        self.extra = info.unread.saturating_sub(known);
        if let Some(last) = &info.last {
            self.offer_last(last.clone());
        }
        if info.name.is_some() {
            self.name.clone_from(&info.name);
        }
        if info.peer_read.is_some() {
            self.peer_read = info.peer_read;
        }
    }
}

/// Every durable conversation of the user.
#[derive(Clone, Debug, Default)]
pub(crate) struct Mirror {
    pub(crate) convs: BTreeMap<Conversation, ConvState>,
}

impl Mirror {
    /// A stored message arrived (or this user's own send was stored).
    pub(crate) fn on_message(&mut self, me: &UserId, msg: &Message) {
        if msg.online_only || matches!(msg.to, Conversation::Room(_)) {
            return;
        }
        let conv = Conversation::seen_by(me, &msg.from, &msg.to);
        let state = self.convs.entry(conv).or_default();
        let counts = &msg.from != me
            && msg.body.counts_unread()
            && state.read_upto.is_none_or(|r| msg.mid > r);
        if counts {
            state.unread.insert(msg.mid);
        }
        state.offer_last(Entry::Message(std::sync::Arc::new(msg.clone())));
    }

    /// A message was recalled: it leaves unread, and a last message becomes
    /// its tombstone.
    pub(crate) fn on_recalled(&mut self, me: &UserId, r: &Recalled) {
        let conv = Conversation::seen_by(me, &r.from, &r.to);
        let Some(state) = self.convs.get_mut(&conv) else {
            return;
        };
        state.unread.remove(&r.mid);
        if let Some(Entry::Message(m)) = &state.last
            && m.mid == r.mid
        {
            state.last = Some(Entry::Tombstone(Tombstone {
                mid: r.mid,
                from: r.from.clone(),
                to: r.to.clone(),
                ts: m.ts,
                recalled_by: r.by.clone(),
                recalled_at: r.ts,
            }));
        }
    }

    /// This user read `conv` up to `upto` (everything when `None`).
    pub(crate) fn on_read(&mut self, conv: &Conversation, upto: Option<MessageId>) {
        let Some(state) = self.convs.get_mut(conv) else {
            return;
        };
        match upto {
            Some(upto) => {
                state.read_upto = state.read_upto.max(Some(upto));
                state.unread = state.unread.split_off(&MessageId(upto.0.saturating_add(1)));
                if upto.0 == u64::MAX {
                    state.unread.clear();
                }
            }
            None => {
                state.read_upto = state.read_upto.max(state.last.as_ref().map(Entry::mid));
                state.unread.clear();
            }
        }
        state.extra = 0;
    }

    /// The peer of a one-to-one conversation read it.
    pub(crate) fn on_peer_read(&mut self, conv: &Conversation, ts: Millis) {
        if let Some(state) = self.convs.get_mut(conv) {
            state.peer_read = state.peer_read.max(Some(ts));
        }
    }

    pub(crate) fn on_deleted(&mut self, conv: &Conversation) {
        self.convs.remove(conv);
    }

    /// A list or profile answer reflecting inbox position `seq`.
    pub(crate) fn on_snapshot(&mut self, processed: Seq, seq: Seq, items: &[ConversationInfo]) {
        if processed != seq {
            return;
        }
        for info in items {
            self.convs.entry(info.conv.clone()).or_default().adopt(info);
        }
    }

    /// The public view, most recent first.
    pub(crate) fn list(&self) -> Vec<ConversationInfo> {
        let mut out: Vec<ConversationInfo> = self.convs.iter().map(|(c, s)| s.info(c)).collect();
        out.sort_by(|a, b| {
            let key = |i: &ConversationInfo| i.last.as_ref().map(Entry::mid);
            key(b).cmp(&key(a)).then_with(|| a.conv.cmp(&b.conv))
        });
        out
    }

    pub(crate) fn get(&self, conv: &Conversation) -> Option<ConversationInfo> {
        self.convs.get(conv).map(|s| s.info(conv))
    }

    /// The newest message id known in `conv`.
    pub(crate) fn newest(&self, conv: &Conversation) -> Option<MessageId> {
        self.convs.get(conv)?.last.as_ref().map(Entry::mid)
    }
}

impl Client {
    /// The local conversation list, most recent first. It equals the server's
    /// list once the client has processed the inbox (PROTOCOL.md §15 R12).
    pub fn conversations(&self) -> Vec<ConversationInfo> {
        self.mirror.list()
    }

    /// One conversation of the local list.
    pub fn conversation(&self, conv: &Conversation) -> Option<ConversationInfo> {
        self.mirror.get(conv)
    }

    /// The unread count of every conversation, summed.
    pub fn total_unread(&self) -> u64 {
        self.mirror.list().iter().map(|c| u64::from(c.unread)).sum()
    }

    /// Asks the server for a page of the conversation list; ends in
    /// [`super::Outcome::Conversations`], which also refreshes the local list
    /// when it reflects exactly what this client has processed.
    pub fn fetch_conversations(
        &mut self,
        now: Millis,
        cursor: Option<String>,
        limit: u16,
    ) -> Result<RequestId, CommandError> {
        super::check_page(limit)?;
        self.request::<requests::ConvList>(now, |id| ConvListQuery { id, cursor, limit })
    }

    /// Asks the server for one conversation's profile; ends in
    /// [`super::Outcome::Profile`].
    pub fn fetch_profile(
        &mut self,
        now: Millis,
        conv: Conversation,
    ) -> Result<RequestId, CommandError> {
        self.request::<requests::ConvProfile>(now, |id| ConvRef { id, conv })
    }

    /// Deletes a conversation from this user's list, and with `history` the
    /// user's view of its stored history. The local list follows when the
    /// server's `conv_deleted` notice arrives (on every device alike), so it
    /// never shows a deletion the server did not make.
    pub fn delete_conversation(
        &mut self,
        now: Millis,
        conv: Conversation,
        history: StoredHistory,
    ) -> Result<RequestId, CommandError> {
        let history = history == StoredHistory::Delete;
        self.request::<requests::ConvDelete>(now, |id| ConvDelete { id, conv, history })
    }

    pub(crate) fn on_conv_list(&mut self, list: &ConvList) {
        self.mirror
            .on_snapshot(self.inbox.processed, list.seq, &list.items);
    }

    pub(crate) fn on_profile(&mut self, profile: &ConvProfile) {
        self.mirror.on_snapshot(
            self.inbox.processed,
            profile.seq,
            std::slice::from_ref(&profile.info),
        );
    }
}
