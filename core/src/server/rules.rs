//! The rules a send must pass, with their PROTOCOL.md error codes: size
//! (413), content filter (501), custom rule (502), membership (602, 605),
//! mutes (506, 507), blocking (603), `group_ack` (403), rate limits (429).

use super::user_map::{self, UserHash, UserMap};
use super::{Fail, Server, fail};
use crate::body::{Body, BodyError};
use crate::error::ErrorCode;
use crate::frame::client::Send;
use crate::ids::{GroupId, UserId};
use crate::message::{Conversation, Priority};
use crate::time::Millis;
use std::collections::BTreeMap;

/// Send counts per one-second window (volatile: they restart empty after a
/// server restart).
#[derive(Debug)]
pub(crate) struct Rates {
    window: u64,
    users: UserMap<u32>,
    groups: BTreeMap<GroupId, u32>,
}

impl Rates {
    /// No sends counted yet; users hashed by `hash`.
    pub(crate) fn new(hash: UserHash) -> Self {
        Rates {
            window: 0,
            users: user_map::new(hash),
            groups: BTreeMap::new(),
        }
    }

    fn roll(&mut self, now: Millis) {
        let window = now.0 / 1000;
        if window != self.window {
            self.window = window;
            self.users.clear();
            self.groups.clear();
        }
    }
}

/// The share of the group rate a priority may use, in percent: when a group
/// is busy, lower priorities are refused first.
fn share(p: Priority) -> u64 {
    match p {
        Priority::High => 150,
        Priority::Normal => 100,
        Priority::Low => 75,
        Priority::Lowest => 50,
    }
}

fn texts(body: &Body) -> Vec<&str> {
    match body {
        Body::Text { text } | Body::Emoji { text } => vec![text],
        Body::Custom(c) => vec![&c.event, &c.data, &c.description, &c.extension],
        _ => Vec::new(),
    }
}

impl Server {
    /// Checks every rule for `user` sending `s`, and counts it against the
    /// rate limits when it passes.
    pub(crate) fn check_send(&mut self, now: Millis, user: &UserId, s: &Send) -> Result<(), Fail> {
        if let Err(e) = s.body.validate(self.config.max_body_bytes) {
            let code = match e {
                BodyError::TooLarge { .. } => ErrorCode::TOO_LARGE,
                _ => ErrorCode::BAD_REQUEST,
            };
            return fail(code, e.to_string());
        }
        let filtering = !self.config.banned_words.is_empty();
        let banned = filtering
            && texts(&s.body).into_iter().any(|t| {
                let t = t.to_lowercase();
                self.config
                    .banned_words
                    .iter()
                    .any(|w| t.contains(w.as_str()))
            });
        if banned {
            return fail(ErrorCode::CONTENT_NOT_ALLOWED, "the content is not allowed");
        }
        if self.config.rule.as_ref().is_some_and(|rule| rule(user, s)) {
            return fail(ErrorCode::BLOCKED_BY_RULE, "blocked by a custom rule");
        }
        let group = self.check_target(now, user, s)?;
        let rates = &mut self.rates;
        rates.roll(now);
        // One lookup: a refused send leaves at most a zero count behind.
        let mine = rates.users.entry(user.clone()).or_default();
        if *mine >= self.config.user_rate {
            return fail(ErrorCode::RATE_LIMITED, "too many messages; retry later");
        }
        if let Some(g) = &group {
            let count = u64::from(rates.groups.get(g).copied().unwrap_or(0));
            if count * 100 >= u64::from(self.config.group_rate) * share(s.priority) {
                return fail(
                    ErrorCode::RATE_LIMITED,
                    format!("group {g} is busy; retry later"),
                );
            }
            *rates.groups.entry(g.clone()).or_default() += 1;
        }
        *mine += 1;
        Ok(())
    }

    /// Membership, mutes and blocking; returns the group whose rate applies.
    fn check_target(&self, now: Millis, user: &UserId, s: &Send) -> Result<Option<GroupId>, Fail> {
        let group_id = match &s.to {
            Conversation::Single(to) => {
                if s.group_ack {
                    return fail(ErrorCode::BAD_REQUEST, "group_ack is for group messages");
                }
                if self
                    .state
                    .users
                    .get(to)
                    .is_some_and(|u| u.blocked.contains(user))
                {
                    return fail(
                        ErrorCode::BLOCKED_BY_RECIPIENT,
                        format!("{to} has blocked you"),
                    );
                }
                return Ok(None);
            }
            Conversation::Group(g) | Conversation::Room(g) => g.clone(),
            Conversation::Thread(t) => {
                let Some(thread) = self.state.threads.get(t) else {
                    return fail(ErrorCode::NOT_FOUND, format!("no thread {t}"));
                };
                if !thread.members.contains(user) {
                    return fail(
                        ErrorCode::NOT_MEMBER,
                        format!("you have not joined thread {t}"),
                    );
                }
                thread.info.group.clone()
            }
        };
        let Some(group) = self.state.groups.get(&group_id) else {
            return fail(ErrorCode::NO_SUCH_GROUP, format!("no group {group_id}"));
        };
        let kind_matches = match &s.to {
            Conversation::Group(_) | Conversation::Thread(_) => {
                group.kind == crate::frame::group::GroupKind::Group
            }
            _ => group.kind == crate::frame::group::GroupKind::Room,
        };
        if !kind_matches {
            return fail(
                ErrorCode::NO_SUCH_GROUP,
                format!("{group_id} is not a {}", s.to.chat()),
            );
        }
        if group.role(user).is_none() {
            return fail(
                ErrorCode::NOT_MEMBER,
                format!("you are not a member of {group_id}"),
            );
        }
        if group
            .muted
            .get(user)
            .is_some_and(|until| until.is_none_or(|t| t > now))
        {
            return fail(ErrorCode::MUTED, format!("you are muted in {group_id}"));
        }
        if group.mute_all && !group.is_manager(user) && !group.allow.contains(user) {
            return fail(
                ErrorCode::NOT_ON_ALLOW_LIST,
                format!("{group_id} is muted and you are not on its allow list"),
            );
        }
        if s.group_ack && (!matches!(s.to, Conversation::Group(_)) || !group.is_manager(user)) {
            return fail(
                ErrorCode::FORBIDDEN,
                "only the owner or an admin may ask for group read acks",
            );
        }
        Ok(Some(group_id))
    }
}
