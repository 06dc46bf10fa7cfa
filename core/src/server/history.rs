//! History pages: a conversation's stored messages before or after a cursor,
//! recalled ones as tombstones, fitted into one frame.

use super::state::HistoryKey;
use super::{Fail, Server, fail};
use crate::error::ErrorCode;
use crate::frame::ServerFrame;
use crate::frame::client::{Direction, HistoryQuery};
use crate::frame::server::HistoryPage;
use crate::ids::{MessageId, UserId};
use crate::message::Conversation;

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
        let empty = Default::default();
        let all = self
            .state
            .history
            .get(&HistoryKey::of(user, &q.conv))
            .unwrap_or(&empty);
        let range: Box<dyn Iterator<Item = &MessageId>> = match (q.direction, q.cursor) {
            (Direction::Before, Some(c)) => Box::new(all.range(floor..c).rev()),
            (Direction::Before, None) => Box::new(all.range(floor..).rev()),
            (Direction::After, Some(c)) => {
                Box::new(all.range(MessageId(c.0.saturating_add(1)).max(floor)..))
            }
            (Direction::After, None) => Box::new(all.range(floor..)),
        };
        let budget = self.config.max_frame.saturating_sub(PAGE_OVERHEAD);
        let mut used = 0;
        let mut entries = Vec::new();
        let mut more = false;
        for mid in range {
            let Some(stored) = self.state.messages.get(mid) else {
                continue;
            };
            let entry = stored.entry();
            let size = serde_json::to_vec(&entry).map_or(usize::MAX, |v| v.len() + 1);
            if entries.len() == usize::from(q.limit) || used + size > budget {
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
