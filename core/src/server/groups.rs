//! Group and room requests (PROTOCOL.md §13) and blocking; the changes are
//! applied by `group_state`.

use super::group_state::tip_of;
use super::records::{Answer, GroupRecord, Record};
use super::state::{Group, Role};
use super::{Fail, Server, fail};
use crate::error::ErrorCode;
use crate::frame::ServerFrame;
use crate::frame::group::GroupKind;
use crate::frame::group::{
    GroupAdmin, GroupCreate, GroupDecide, GroupJoin, GroupMute, GroupMuteAll, GroupRef, GroupUsers,
};
use crate::ids::{GroupId, RequestId, UserId};
use crate::limits::{MAX_GROUP_NAME, MAX_USERS, name_ok};
use crate::time::Millis;

fn users_ok(users: &[UserId]) -> Result<(), Fail> {
    if crate::limits::users_ok(users.len()) {
        Ok(())
    } else {
        fail(ErrorCode::BAD_REQUEST, "1 to 100 users per request")
    }
}

impl Server {
    fn group(&self, group: &GroupId) -> Result<&Group, Fail> {
        self.state
            .groups
            .get(group)
            .ok_or_else(|| (ErrorCode::NO_SUCH_GROUP, format!("no group {group}")))
    }

    fn member(&self, user: &UserId, group: &GroupId) -> Result<&Group, Fail> {
        let g = self.group(group)?;
        if g.role(user).is_none() {
            return fail(
                ErrorCode::NOT_MEMBER,
                format!("you are not a member of {group}"),
            );
        }
        Ok(g)
    }

    fn manager(&self, user: &UserId, group: &GroupId) -> Result<&Group, Fail> {
        let g = self.member(user, group)?;
        if !g.is_manager(user) {
            return fail(
                ErrorCode::FORBIDDEN,
                format!("only the owner or an admin of {group} may do this"),
            );
        }
        Ok(g)
    }

    /// Commits a group change; chat room tips go to online members only.
    fn group_change(&mut self, record: GroupRecord) {
        let room_tip = tip_of(&record).filter(|t| {
            self.state
                .groups
                .get(&t.group)
                .is_some_and(|g| g.kind == GroupKind::Room)
        });
        self.commit(Record::Group(record));
        if let Some(tip) = room_tip {
            let members: Vec<UserId> = self
                .state
                .groups
                .get(&tip.group)
                .map(|g| g.members.keys().cloned().collect())
                .unwrap_or_default();
            let frame = ServerFrame::GroupTip(tip);
            for m in members {
                self.send_to_user(&m, &frame);
            }
        }
    }

    fn ok(
        &mut self,
        user: &UserId,
        id: &RequestId,
        record: GroupRecord,
    ) -> Result<Option<ServerFrame>, Fail> {
        self.group_change(record);
        self.answered(user, id, Answer::Ok { pending: false })
    }

    /// `group_create`: a new group or room, owned by the sender.
    pub(crate) fn on_group_create(
        &mut self,
        ts: Millis,
        user: &UserId,
        id: &RequestId,
        c: GroupCreate,
    ) -> Result<Option<ServerFrame>, Fail> {
        let by = user.clone();
        if !name_ok(&c.name, MAX_GROUP_NAME) || c.members.len() > MAX_USERS {
            return fail(
                ErrorCode::BAD_REQUEST,
                "a name of 1 to 128 characters and at most 100 members",
            );
        }
        let group = GroupId::new(format!("g{}", self.state.next_group))
            .map_err(|e| (ErrorCode::UNKNOWN, e.to_string()))?;
        self.group_change(GroupRecord::Create {
            group: group.clone(),
            kind: c.kind,
            name: c.name,
            description: c.description,
            owner: by,
            members: c.members,
            approval: c.approval,
            ts,
        });
        self.answered(user, id, Answer::GroupCreated { group })
    }

    /// `group_invite`: adds users (owner or admin only when joining needs approval).
    pub(crate) fn on_group_invite(
        &mut self,
        ts: Millis,
        user: &UserId,
        id: &RequestId,
        r: GroupUsers,
    ) -> Result<Option<ServerFrame>, Fail> {
        let by = user.clone();
        users_ok(&r.users)?;
        let g = self.member(user, &r.group)?;
        if g.approval && !g.is_manager(user) {
            return fail(
                ErrorCode::FORBIDDEN,
                "only the owner or an admin may invite into this group",
            );
        }
        let users: Vec<UserId> = r
            .users
            .into_iter()
            .filter(|u| g.role(u).is_none())
            .collect();
        if users.is_empty() {
            return fail(ErrorCode::CONFLICT, "everyone is already a member");
        }
        self.ok(
            user,
            id,
            GroupRecord::Join {
                group: r.group,
                users,
                by,
                invited: true,
                ts,
            },
        )
    }

    /// `group_join`: joins, or asks to when joining needs approval.
    pub(crate) fn on_group_join(
        &mut self,
        ts: Millis,
        user: &UserId,
        id: &RequestId,
        r: GroupJoin,
    ) -> Result<Option<ServerFrame>, Fail> {
        let by = user.clone();
        let g = self.group(&r.group)?;
        if g.role(user).is_some() {
            return fail(ErrorCode::CONFLICT, "already a member");
        }
        if g.approval {
            self.group_change(GroupRecord::Request {
                group: r.group,
                user: by,
                message: r.message,
                ts,
            });
            return self.answered(user, id, Answer::Ok { pending: true });
        }
        self.ok(
            user,
            id,
            GroupRecord::Join {
                group: r.group,
                users: vec![by.clone()],
                by,
                invited: false,
                ts,
            },
        )
    }

    /// `group_decide`: accepts or refuses a join request.
    pub(crate) fn on_group_decide(
        &mut self,
        ts: Millis,
        user: &UserId,
        id: &RequestId,
        r: GroupDecide,
    ) -> Result<Option<ServerFrame>, Fail> {
        let by = user.clone();
        let g = self.manager(user, &r.group)?;
        if !g.requests.contains_key(&r.user) {
            return fail(
                ErrorCode::NOT_FOUND,
                format!("no join request from {}", r.user),
            );
        }
        let record = if r.accept {
            GroupRecord::Join {
                group: r.group,
                users: vec![r.user],
                by,
                invited: false,
                ts,
            }
        } else {
            GroupRecord::Refuse {
                group: r.group,
                user: r.user,
                by,
                reason: r.reason,
                ts,
            }
        };
        self.ok(user, id, record)
    }

    /// `group_leave`: leaves (not the owner).
    pub(crate) fn on_group_leave(
        &mut self,
        ts: Millis,
        user: &UserId,
        id: &RequestId,
        r: GroupRef,
    ) -> Result<Option<ServerFrame>, Fail> {
        let by = user.clone();
        let g = self.member(user, &r.group)?;
        if g.role(user) == Some(Role::Owner) {
            return fail(
                ErrorCode::FORBIDDEN,
                "the owner cannot leave; dismiss the group instead",
            );
        }
        self.ok(
            user,
            id,
            GroupRecord::Leave {
                group: r.group,
                user: by,
                ts,
            },
        )
    }

    /// `group_kick`: removes members of a lower role.
    pub(crate) fn on_group_kick(
        &mut self,
        ts: Millis,
        user: &UserId,
        id: &RequestId,
        r: GroupUsers,
    ) -> Result<Option<ServerFrame>, Fail> {
        let by = user.clone();
        users_ok(&r.users)?;
        let g = self.manager(user, &r.group)?;
        let mine = g.role(user);
        for u in &r.users {
            match g.role(u) {
                None => return fail(ErrorCode::NOT_MEMBER, format!("{u} is not a member")),
                Some(theirs) if theirs >= mine.unwrap_or(Role::Member) => {
                    return fail(ErrorCode::FORBIDDEN, format!("you may not remove {u}"));
                }
                Some(_) => {}
            }
        }
        self.ok(
            user,
            id,
            GroupRecord::Kick {
                group: r.group,
                users: r.users,
                by,
                ts,
            },
        )
    }

    /// `group_admin`: sets or removes an admin (owner only).
    pub(crate) fn on_group_admin(
        &mut self,
        ts: Millis,
        user: &UserId,
        id: &RequestId,
        r: GroupAdmin,
    ) -> Result<Option<ServerFrame>, Fail> {
        let by = user.clone();
        let g = self.member(user, &r.group)?;
        if g.role(user) != Some(Role::Owner) {
            return fail(ErrorCode::FORBIDDEN, "only the owner may set admins");
        }
        match g.role(&r.user) {
            None => {
                return fail(ErrorCode::NOT_MEMBER, format!("{} is not a member", r.user));
            }
            Some(Role::Owner) => {
                return fail(ErrorCode::FORBIDDEN, "the owner's role cannot change");
            }
            Some(_) => {}
        }
        self.ok(
            user,
            id,
            GroupRecord::Admin {
                group: r.group,
                user: r.user,
                admin: r.admin,
                by,
                ts,
            },
        )
    }

    /// `group_mute`: mutes or unmutes members, optionally for a while.
    pub(crate) fn on_group_mute(
        &mut self,
        ts: Millis,
        user: &UserId,
        id: &RequestId,
        r: GroupMute,
    ) -> Result<Option<ServerFrame>, Fail> {
        let by = user.clone();
        users_ok(&r.users)?;
        let g = self.manager(user, &r.group)?;
        if r.users.iter().any(|u| g.role(u) == Some(Role::Owner)) {
            return fail(ErrorCode::FORBIDDEN, "the owner cannot be muted");
        }
        let until = r.duration_ms.map(|d| Millis(ts.0.saturating_add(d)));
        self.ok(
            user,
            id,
            GroupRecord::Mute {
                group: r.group,
                users: r.users,
                mute: r.mute,
                until,
                by,
                ts,
            },
        )
    }

    /// `group_mute_all`: mutes or unmutes the whole group, with an allow list.
    pub(crate) fn on_group_mute_all(
        &mut self,
        ts: Millis,
        user: &UserId,
        id: &RequestId,
        r: GroupMuteAll,
    ) -> Result<Option<ServerFrame>, Fail> {
        let by = user.clone();
        self.manager(user, &r.group)?;
        if r.allow.len() > MAX_USERS {
            return fail(
                ErrorCode::BAD_REQUEST,
                "at most 100 users on the allow list",
            );
        }
        self.ok(
            user,
            id,
            GroupRecord::MuteAll {
                group: r.group,
                mute: r.mute,
                allow: r.allow,
                by,
                ts,
            },
        )
    }

    /// `group_dismiss`: dismisses the group (owner only).
    pub(crate) fn on_group_dismiss(
        &mut self,
        ts: Millis,
        user: &UserId,
        id: &RequestId,
        r: GroupRef,
    ) -> Result<Option<ServerFrame>, Fail> {
        let by = user.clone();
        let g = self.member(user, &r.group)?;
        if g.role(user) != Some(Role::Owner) {
            return fail(ErrorCode::FORBIDDEN, "only the owner may dismiss");
        }
        self.ok(
            user,
            id,
            GroupRecord::Dismiss {
                group: r.group,
                by,
                ts,
            },
        )
    }

    pub(crate) fn on_block(
        &mut self,
        user: &UserId,
        id: &RequestId,
        target: UserId,
        on: bool,
    ) -> Result<Option<ServerFrame>, Fail> {
        if target == *user {
            return fail(ErrorCode::BAD_REQUEST, "you cannot block yourself");
        }
        self.commit(Record::Block {
            user: user.clone(),
            target,
            on,
        });
        self.answered(user, id, Answer::Ok { pending: false })
    }
}
