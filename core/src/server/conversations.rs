//! Conversation lists, profiles and deletion.

use super::records::{Answer, Record};
use super::{Fail, Server, fail};
use crate::error::ErrorCode;
use crate::frame::ServerFrame;
use crate::frame::client::{ConvDelete, ConvListQuery, ConvRef};
use crate::frame::server::{ConvList, ConvProfile, ConversationInfo};
use crate::ids::{MessageId, RequestId, UserId};

impl Server {
    /// One user's conversation list as the server counts it, most recent
    /// first (the same answer `conv_list` gives, without paging).
    pub fn conversations_of(&self, user: &UserId) -> Vec<ConversationInfo> {
        let Some(u) = self.state.users.get(user) else {
            return Vec::new();
        };
        let mut convs: Vec<(Option<MessageId>, ConversationInfo)> = u
            .convs
            .iter()
            .filter(|(_, c)| c.last.is_some())
            .filter_map(|(conv, c)| Some((c.last_mid(), self.state.conversation_info(user, conv)?)))
            .collect();
        convs.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.conv.cmp(&b.1.conv)));
        convs.into_iter().map(|(_, info)| info).collect()
    }

    pub(crate) fn on_conv_list(
        &mut self,
        user: &UserId,
        q: ConvListQuery,
    ) -> Result<Option<ServerFrame>, Fail> {
        if !crate::limits::page_ok(q.limit) {
            return fail(ErrorCode::BAD_REQUEST, "limit must be 1 to 100");
        }
        let below = match &q.cursor {
            None => None,
            Some(c) => Some(
                c.parse::<MessageId>()
                    .map_err(|_| (ErrorCode::BAD_REQUEST, "bad cursor".to_owned()))?,
            ),
        };
        let all = self.conversations_of(user);
        let mut items: Vec<ConversationInfo> = all
            .into_iter()
            .filter(|c| below.is_none_or(|b| c.last.as_ref().is_some_and(|l| l.mid() < b)))
            .collect();
        let more = items.len() > usize::from(q.limit);
        items.truncate(usize::from(q.limit));
        let next = if more {
            items
                .last()
                .and_then(|c| c.last.as_ref())
                .map(|l| l.mid().to_string())
        } else {
            None
        };
        let seq = self.inbox_seq(user);
        Ok(Some(ServerFrame::ConvList(ConvList {
            id: q.id,
            seq,
            items,
            next,
            done: !more,
        })))
    }

    pub(crate) fn on_conv_profile(
        &mut self,
        user: &UserId,
        q: ConvRef,
    ) -> Result<Option<ServerFrame>, Fail> {
        let Some(info) = self
            .state
            .conversation_info(user, &q.conv)
            .filter(|i| i.last.is_some())
        else {
            return fail(ErrorCode::NOT_FOUND, "no such conversation in your list");
        };
        let seq = self.inbox_seq(user);
        Ok(Some(ServerFrame::ConvProfile(Box::new(ConvProfile {
            id: q.id,
            seq,
            info,
        }))))
    }

    pub(crate) fn on_conv_delete(
        &mut self,
        user: &UserId,
        id: &RequestId,
        d: ConvDelete,
    ) -> Result<Option<ServerFrame>, Fail> {
        self.commit(Record::ConvDeleted {
            user: user.clone(),
            conv: d.conv,
            history: d.history,
        });
        self.answered(user, id, Answer::Ok { pending: false })
    }
}
