//! History pages: a conversation's stored messages before or after a cursor,
//! recalled ones as tombstones, fitted into one frame. A page that reaches
//! past the resident window waits for the older rows from the store.

use super::state::HistoryKey;
use super::store::Query;
use super::{ConnectionId, Fail, Server, fail};
use crate::error::ErrorCode;
use crate::frame::client::{Direction, HistoryQuery};
use crate::frame::server::HistoryPage;
use crate::frame::{ClientFrame, ServerFrame};
use crate::ids::{MessageId, UserId};
use crate::message::Conversation;
use std::collections::BTreeSet;

/// Room for the page's own fields around its entries, in bytes.
const PAGE_OVERHEAD: usize = 512;

impl Server {
    /// Whether `user` may read `conv`'s history.
    fn may_read(&self, user: &UserId, conv: &Conversation) -> Result<(), Fail> {
        let Some(group) = self.moderating_group(conv) else {
            return Ok(());
        };
        match self.state.groups.get(&group) {
            None => fail(ErrorCode::NO_SUCH_GROUP, format!("no group {group}")),
            Some(g) if g.role(user).is_none() => fail(
                ErrorCode::NOT_MEMBER,
                format!("you are not a member of {group}"),
            ),
            Some(_) => Ok(()),
        }
    }

    pub(crate) fn on_history(
        &mut self,
        conn: ConnectionId,
        user: &UserId,
        q: HistoryQuery,
    ) -> Result<Option<ServerFrame>, Fail> {
        if !crate::limits::page_ok(q.limit) {
            return fail(ErrorCode::BAD_REQUEST, "limit must be 1 to 100");
        }
        self.may_read(user, &q.conv)?;
        let cut = self
            .state
            .users
            .get(user)
            .and_then(|u| u.cuts.get(&q.conv))
            .copied();
        let floor = MessageId(cut.map_or(0, |c| c.0.saturating_add(1)));
        // The page's ids lie in `lo..hi`.
        let (lo, hi) = match (q.direction, q.cursor) {
            (Direction::Before, Some(c)) => (floor, c),
            (Direction::After, Some(c)) => (
                MessageId(c.0.saturating_add(1)).max(floor),
                MessageId(u64::MAX),
            ),
            (_, None) => (floor, MessageId(u64::MAX)),
        };
        let newest_first = q.direction == Direction::Before;
        let limit = usize::from(q.limit);
        let key = HistoryKey::of(user, &q.conv);
        let mut ids: BTreeSet<MessageId> = match self.state.history.get(&key) {
            Some(all) if lo < hi && newest_first => all
                .range(lo..hi)
                .rev()
                .take(limit + 1)
                .map(|(m, ())| *m)
                .collect(),
            Some(all) if lo < hi => all
                .range(lo..hi)
                .take(limit + 1)
                .map(|(m, ())| *m)
                .collect(),
            _ => BTreeSet::new(),
        };
        let evicted = self.state.evicted_upto;
        let reaches_store = evicted.0 > 0 && lo <= evicted && lo < hi;
        let filled = newest_first && ids.len() > limit;
        if reaches_store && !filled && !self.reloaded {
            let query = Query::History {
                key: key.store_key(),
                from: lo,
                to: hi.min(MessageId(evicted.0.saturating_add(1))),
                newest_first,
                limit: limit + 1,
            };
            self.park(conn, ClientFrame::History(q), query);
            return Ok(None);
        }
        ids.extend(
            self.state
                .faulted
                .iter()
                .filter(|(mid, s)| {
                    (lo..hi).contains(*mid) && HistoryKey::of(&s.msg.from, &s.msg.to) == key
                })
                .map(|(mid, _)| *mid),
        );
        let ordered: Box<dyn Iterator<Item = &MessageId>> = if newest_first {
            Box::new(ids.iter().rev())
        } else {
            Box::new(ids.iter())
        };
        let budget = self.config.max_frame.saturating_sub(PAGE_OVERHEAD);
        let mut used = 0;
        let mut entries = Vec::new();
        let mut more = false;
        for mid in ordered {
            let Some(stored) = self.state.message(*mid) else {
                continue;
            };
            let entry = stored.entry();
            let size = serde_json::to_vec(&entry).map_or(usize::MAX, |v| v.len() + 1);
            if entries.len() == limit || used + size > budget {
                more = true;
                break;
            }
            used += size;
            entries.push(entry);
        }
        let next = if more {
            entries.last().map(|e| e.mid())
        } else {
            None
        };
        Ok(Some(ServerFrame::History(HistoryPage {
            id: q.id,
            conv: q.conv,
            entries,
            next,
            done: !more,
        })))
    }
}
