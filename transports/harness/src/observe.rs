//! What each simulated device's application saw.

use natter_core::client::{Event, Outcome};
use natter_core::frame::server::HistoryPage;
use natter_core::{Conversation, GroupId, MessageId, RequestId, ThreadId};
use std::collections::{BTreeMap, BTreeSet};

/// What a command was, as far as the checks care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Issued {
    /// A send; online-only ones are never stored.
    Send { online_only: bool },
    /// A group read ack for a message.
    GroupRead(MessageId),
    /// A command that changes membership.
    Member(crate::model::MemberOp),
    /// Anything else.
    Other,
}

/// The application's view of one device.
#[derive(Debug, Default)]
pub(crate) struct Observed {
    /// `Event::Message`s in the order reported: id, conversation, stored.
    pub(crate) messages: Vec<(MessageId, Conversation, bool)>,
    /// Recall notices reported, per message.
    pub(crate) recalls: BTreeMap<MessageId, u32>,
    /// Commands issued.
    pub(crate) issued: BTreeMap<RequestId, Issued>,
    /// Outcomes reported, per request.
    pub(crate) outcomes: BTreeMap<RequestId, Vec<Outcome>>,
    /// Messages this device sent that the server stored or acknowledged.
    pub(crate) own_sent: BTreeMap<MessageId, RequestId>,
    /// History pages received.
    pub(crate) pages: Vec<HistoryPage>,
    /// When the final history fetch (after quiescence) was issued; pages
    /// answered after it must show every earlier recall.
    pub(crate) final_pages_from: Option<natter_core::Millis>,
    /// Groups and rooms this device learnt of.
    pub(crate) groups: BTreeSet<GroupId>,
    /// Threads this device learnt of, with their parent group.
    pub(crate) threads: BTreeSet<ThreadId>,
    /// Group messages with `group_ack` this device received.
    pub(crate) ackable: Vec<MessageId>,
    /// Group messages this device saw (roots for threads).
    pub(crate) group_messages: Vec<(GroupId, MessageId)>,
    /// Attachments waiting for the simulated upload.
    pub(crate) uploads: Vec<RequestId>,
}

impl Observed {
    /// Records one event.
    pub(crate) fn see(&mut self, event: &Event) {
        match event {
            Event::Message(m) => {
                let stored = !(m.online_only || matches!(m.to, Conversation::Room(_)));
                self.messages.push((m.mid, m.to.clone(), stored));
                self.learn(&m.to, m.mid, m.group_ack);
            }
            Event::Recalled(r) => *self.recalls.entry(r.mid).or_default() += 1,
            Event::Thread(t) => {
                self.threads.insert(t.info.thread.clone());
            }
            Event::System(s) => {
                if let Some(g) = &s.group {
                    self.groups.insert(g.clone());
                }
            }
            Event::UploadRequested { id, .. } => self.uploads.push(id.clone()),
            Event::Outcome(o) => {
                match o {
                    Outcome::Sent { id, mid, .. } => {
                        self.own_sent.insert(*mid, id.clone());
                    }
                    Outcome::History(p) => self.pages.push(p.clone()),
                    Outcome::GroupCreated(g) => {
                        self.groups.insert(g.group.clone());
                    }
                    Outcome::ThreadCreated(t) => {
                        self.threads.insert(t.info.thread.clone());
                    }
                    _ => {}
                }
                self.outcomes
                    .entry(o.id().clone())
                    .or_default()
                    .push(o.clone());
            }
            _ => {}
        }
    }

    fn learn(&mut self, to: &Conversation, mid: MessageId, group_ack: bool) {
        match to {
            Conversation::Group(g) => {
                self.groups.insert(g.clone());
                self.group_messages.push((g.clone(), mid));
                if group_ack {
                    self.ackable.push(mid);
                }
            }
            Conversation::Room(g) => {
                self.groups.insert(g.clone());
            }
            Conversation::Thread(t) => {
                self.threads.insert(t.clone());
            }
            Conversation::Single(_) => {}
        }
    }
}
