//! Groups, chat rooms and blocking: the commands of PROTOCOL.md §13. Each
//! ends in [`super::Outcome::Done`] (or `GroupCreated`), or `Failed`; the
//! group tips and system notices they cause arrive as events.

use super::choices::{Admin, Decision, Mute, MuteAll};
use super::{Client, CommandError, Request, check_users};
use crate::frame::group::{
    GroupAdmin, GroupCreate, GroupDecide, GroupJoin, GroupKind, GroupMute, GroupMuteAll, GroupRef,
    GroupUsers, UserRef,
};
use crate::frame::requests;
use crate::ids::{GroupId, RequestId, UserId};
use crate::limits::{MAX_GROUP_NAME, MAX_USERS, name_ok};
use crate::time::Millis;

/// A group or room to create.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupSpec {
    /// Group or room.
    pub kind: GroupKind,
    /// Display name, 1 to 128 characters.
    pub name: String,
    /// Description.
    pub description: String,
    /// Members to add at once, besides the creator (at most 100).
    pub members: Vec<UserId>,
    /// Joining needs approval.
    pub approval: bool,
}

impl Client {
    /// Creates a group or room; ends in [`super::Outcome::GroupCreated`].
    pub fn create_group(
        &mut self,
        now: Millis,
        spec: GroupSpec,
    ) -> Result<RequestId, CommandError> {
        let chars = spec.name.chars().count();
        if !name_ok(&spec.name, MAX_GROUP_NAME) {
            return Err(CommandError::InvalidArgument(format!(
                "group name of {chars} characters; 1 to {MAX_GROUP_NAME} are allowed"
            )));
        }
        if spec.members.len() > MAX_USERS {
            return Err(CommandError::InvalidArgument(
                "more than 100 initial members".into(),
            ));
        }
        self.request::<requests::GroupCreate>(now, |id| GroupCreate {
            id,
            kind: spec.kind,
            name: spec.name,
            description: spec.description,
            members: spec.members,
            approval: spec.approval,
        })
    }

    /// Adds users to a group or room.
    pub fn invite(
        &mut self,
        now: Millis,
        group: GroupId,
        users: Vec<UserId>,
    ) -> Result<RequestId, CommandError> {
        self.users_request::<requests::GroupInvite>(now, group, users)
    }

    /// Removes users from a group or room.
    pub fn kick(
        &mut self,
        now: Millis,
        group: GroupId,
        users: Vec<UserId>,
    ) -> Result<RequestId, CommandError> {
        self.users_request::<requests::GroupKick>(now, group, users)
    }

    fn users_request<R: Request<Payload = GroupUsers>>(
        &mut self,
        now: Millis,
        group: GroupId,
        users: Vec<UserId>,
    ) -> Result<RequestId, CommandError> {
        check_users(&users)?;
        self.request::<R>(now, |id| GroupUsers { id, group, users })
    }

    /// Joins a group or room; for a group that needs approval the outcome is
    /// `Done { pending: true }` and the decision arrives as a system notice.
    pub fn join_group(
        &mut self,
        now: Millis,
        group: GroupId,
        message: Option<String>,
    ) -> Result<RequestId, CommandError> {
        self.request::<requests::GroupJoin>(now, |id| GroupJoin { id, group, message })
    }

    /// Leaves a group or room.
    pub fn leave_group(&mut self, now: Millis, group: GroupId) -> Result<RequestId, CommandError> {
        self.request::<requests::GroupLeave>(now, |id| GroupRef { id, group })
    }

    /// Dismisses a group or room (owner only).
    pub fn dismiss_group(
        &mut self,
        now: Millis,
        group: GroupId,
    ) -> Result<RequestId, CommandError> {
        self.request::<requests::GroupDismiss>(now, |id| GroupRef { id, group })
    }

    /// Makes a member an admin, or an admin a plain member.
    pub fn set_admin(
        &mut self,
        now: Millis,
        group: GroupId,
        user: UserId,
        admin: Admin,
    ) -> Result<RequestId, CommandError> {
        let admin = admin == Admin::Grant;
        self.request::<requests::GroupAdmin>(now, |id| GroupAdmin {
            id,
            group,
            user,
            admin,
        })
    }

    /// Mutes members (for a while, or until lifted), or lifts their mute.
    pub fn mute(
        &mut self,
        now: Millis,
        group: GroupId,
        users: Vec<UserId>,
        mute: Mute,
    ) -> Result<RequestId, CommandError> {
        check_users(&users)?;
        let (mute, duration_ms) = mute.wire();
        self.request::<requests::GroupMute>(now, |id| GroupMute {
            id,
            group,
            users,
            mute,
            duration_ms,
        })
    }

    /// Mutes the whole group except its owner, admins and allow list, or
    /// unmutes it.
    pub fn mute_all(
        &mut self,
        now: Millis,
        group: GroupId,
        mute: MuteAll,
    ) -> Result<RequestId, CommandError> {
        let (mute, allow) = match mute {
            MuteAll::On { allow } => (true, allow),
            MuteAll::Off => (false, Vec::new()),
        };
        if allow.len() > MAX_USERS {
            return Err(CommandError::InvalidArgument(
                "allow list of more than 100 users".into(),
            ));
        }
        self.request::<requests::GroupMuteAll>(now, |id| GroupMuteAll {
            id,
            group,
            mute,
            allow,
        })
    }

    /// Accepts or refuses a join request.
    pub fn decide_join(
        &mut self,
        now: Millis,
        group: GroupId,
        user: UserId,
        decision: Decision,
    ) -> Result<RequestId, CommandError> {
        let (accept, reason) = match decision {
            Decision::Accept => (true, None),
            Decision::Refuse { reason } => (false, reason),
        };
        self.request::<requests::GroupDecide>(now, |id| GroupDecide {
            id,
            group,
            user,
            accept,
            reason,
        })
    }

    /// Blocks a user: their one-to-one messages to this user fail with 603.
    pub fn block(&mut self, now: Millis, user: UserId) -> Result<RequestId, CommandError> {
        self.request::<requests::Block>(now, |id| UserRef { id, user })
    }

    /// Unblocks a user.
    pub fn unblock(&mut self, now: Millis, user: UserId) -> Result<RequestId, CommandError> {
        self.request::<requests::Unblock>(now, |id| UserRef { id, user })
    }
}
