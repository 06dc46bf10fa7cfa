//! Group, chat room and block frames: the requests that manage membership,
//! and the group tips and system notices they cause.

use crate::ids::{GroupId, RequestId, UserId};
use crate::time::Millis;
use serde::{Deserialize, Serialize};

/// A group or a chat room.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// A group: stored history, offline delivery.
    #[default]
    Group,
    /// A chat room: online members only, no offline inbox.
    Room,
}

/// Creates a group or room; the creator becomes its owner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupCreate {
    /// Request id.
    pub id: RequestId,
    /// Group or room.
    #[serde(default)]
    pub kind: GroupKind,
    /// Display name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Members to add at once (besides the owner).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<UserId>,
    /// Joining needs the approval of the owner or an admin.
    #[serde(default)]
    pub approval: bool,
}

impl GroupCreate {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(id: RequestId, name: String) -> Self {
        GroupCreate {
            id,
            kind: Default::default(),
            name,
            description: Default::default(),
            members: Default::default(),
            approval: Default::default(),
        }
    }
}

/// A request naming a group and some users: `group_invite`, `group_kick`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupUsers {
    /// Request id.
    pub id: RequestId,
    /// The group or room.
    pub group: GroupId,
    /// The users, 1 to 100.
    pub users: Vec<UserId>,
}

impl GroupUsers {
    /// One with every required field given.
    pub fn new(id: RequestId, group: GroupId, users: Vec<UserId>) -> Self {
        GroupUsers { id, group, users }
    }
}

/// A request naming only a group: `group_leave`, `group_dismiss`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupRef {
    /// Request id.
    pub id: RequestId,
    /// The group or room.
    pub group: GroupId,
}

impl GroupRef {
    /// One with every required field given.
    pub fn new(id: RequestId, group: GroupId) -> Self {
        GroupRef { id, group }
    }
}

/// Asks to join a group or room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupJoin {
    /// Request id.
    pub id: RequestId,
    /// The group or room.
    pub group: GroupId,
    /// A note for the approvers of a group that needs approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl GroupJoin {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(id: RequestId, group: GroupId) -> Self {
        GroupJoin {
            id,
            group,
            message: Default::default(),
        }
    }
}

/// Sets or removes a member's admin role (owner only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupAdmin {
    /// Request id.
    pub id: RequestId,
    /// The group or room.
    pub group: GroupId,
    /// The member.
    pub user: UserId,
    /// `true` makes the member an admin, `false` removes the role.
    pub admin: bool,
}

impl GroupAdmin {
    /// One with every required field given.
    pub fn new(id: RequestId, group: GroupId, user: UserId, admin: bool) -> Self {
        GroupAdmin {
            id,
            group,
            user,
            admin,
        }
    }
}

/// Mutes or unmutes members (owner or admin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupMute {
    /// Request id.
    pub id: RequestId,
    /// The group or room.
    pub group: GroupId,
    /// The members, 1 to 100.
    pub users: Vec<UserId>,
    /// `true` mutes, `false` unmutes.
    pub mute: bool,
    /// How long the mute lasts; absent: until unmuted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

impl GroupMute {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(id: RequestId, group: GroupId, users: Vec<UserId>, mute: bool) -> Self {
        GroupMute {
            id,
            group,
            users,
            mute,
            duration_ms: Default::default(),
        }
    }
}

/// Mutes or unmutes the whole group (owner or admin); while muted, only the
/// owner, admins and the allow list may send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupMuteAll {
    /// Request id.
    pub id: RequestId,
    /// The group or room.
    pub group: GroupId,
    /// `true` mutes, `false` unmutes.
    pub mute: bool,
    /// Members who may still send while the group is muted (replaces the
    /// previous list).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<UserId>,
}

impl GroupMuteAll {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(id: RequestId, group: GroupId, mute: bool) -> Self {
        GroupMuteAll {
            id,
            group,
            mute,
            allow: Default::default(),
        }
    }
}

/// Accepts or refuses a join request (owner or admin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupDecide {
    /// Request id.
    pub id: RequestId,
    /// The group.
    pub group: GroupId,
    /// The user who asked to join.
    pub user: UserId,
    /// `true` accepts, `false` refuses.
    pub accept: bool,
    /// A reason shown to the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl GroupDecide {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(id: RequestId, group: GroupId, user: UserId, accept: bool) -> Self {
        GroupDecide {
            id,
            group,
            user,
            accept,
            reason: Default::default(),
        }
    }
}

/// A request naming one user: `block`, `unblock`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserRef {
    /// Request id.
    pub id: RequestId,
    /// The user.
    pub user: UserId,
}

impl UserRef {
    /// One with every required field given.
    pub fn new(id: RequestId, user: UserId) -> Self {
        UserRef { id, user }
    }
}

/// The answer to `group_create`: the new group's id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupCreated {
    /// The request answered.
    pub id: RequestId,
    /// The id the server assigned.
    pub group: GroupId,
}

impl GroupCreated {
    /// One with every required field given.
    pub fn new(id: RequestId, group: GroupId) -> Self {
        GroupCreated { id, group }
    }
}

/// What happened in a group, as told to its members.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TipOp {
    /// `users` joined (or were added).
    Joined,
    /// `users` left.
    Left,
    /// `users` were removed by `by`.
    Kicked,
    /// `users` became admins.
    AdminSet,
    /// `users` are no longer admins.
    AdminRemoved,
    /// `users` were muted.
    Muted,
    /// `users` were unmuted.
    Unmuted,
    /// The whole group was muted; `users` is the allow list.
    AllMuted,
    /// The whole group was unmuted.
    AllUnmuted,
}

/// A group tip: a notice to every member about a change in the group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupTip {
    /// Inbox position; absent for chat rooms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<crate::ids::Seq>,
    /// The group or room.
    pub group: GroupId,
    /// What happened.
    pub op: TipOp,
    /// Who did it.
    pub by: UserId,
    /// Whom it concerns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserId>,
    /// When (server time).
    pub ts: Millis,
}

impl GroupTip {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(group: GroupId, op: TipOp, by: UserId, ts: Millis) -> Self {
        GroupTip {
            seq: Default::default(),
            group,
            op,
            by,
            users: Default::default(),
            ts,
        }
    }
}

/// What a system notice is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SystemOp {
    /// `from` asks to join `group` (to its owner and admins).
    JoinRequest,
    /// Your join request was accepted.
    JoinAccepted,
    /// Your join request was refused.
    JoinRefused,
    /// You were removed from `group`.
    Kicked,
    /// `group` was dismissed by its owner.
    Dismissed,
    /// You created `group` (to your other devices).
    Created,
    /// You were invited into `group` and are now a member.
    Invited,
    /// You left `group` (to your other devices).
    Left,
    /// You became an admin of `group`.
    AdminSet,
    /// You are no longer an admin of `group`.
    AdminRemoved,
    /// An application-defined notice; see `data`.
    Custom,
}

/// A system notice addressed to one user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SystemNotice {
    /// Inbox position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<crate::ids::Seq>,
    /// What it is about.
    pub op: SystemOp,
    /// The group concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<GroupId>,
    /// Who caused it.
    pub from: UserId,
    /// A reason or note (join request message, refusal reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Application data of a `custom` notice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// When (server time).
    pub ts: Millis,
}

impl SystemNotice {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(op: SystemOp, from: UserId, ts: Millis) -> Self {
        SystemNotice {
            seq: Default::default(),
            op,
            group: Default::default(),
            from,
            reason: Default::default(),
            data: Default::default(),
            ts,
        }
    }
}
