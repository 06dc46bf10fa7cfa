//! History ("roaming"): pages of a conversation's stored messages.

use super::{Client, CommandError, check_page};
use crate::frame::client::{Direction, HistoryQuery};
use crate::frame::requests;
use crate::ids::{MessageId, RequestId};
use crate::message::Conversation;
use crate::time::Millis;

impl Client {
    /// Asks for one page of `conv`'s history after `cursor` (exclusive) in
    /// `direction`, 1 to 100 entries; ends in [`super::Outcome::History`]
    /// with the entries (recalled messages as tombstones), the next cursor
    /// and a completed flag. Never changes unread counts.
    pub fn fetch_history(
        &mut self,
        now: Millis,
        conv: Conversation,
        cursor: Option<MessageId>,
        direction: Direction,
        limit: u16,
    ) -> Result<RequestId, CommandError> {
        check_page(limit)?;
        self.request::<requests::History>(now, |id| HistoryQuery {
            id,
            conv,
            cursor,
            direction,
            limit,
        })
    }
}
