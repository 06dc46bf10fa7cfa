//! Applying group and room records: membership, roles, mutes, and the group
//! tips and system notices each change causes.

use super::records::GroupRecord;
use super::state::{Appended, Group, InboxEvent, Role, State};
use crate::frame::group::{GroupKind, GroupTip, SystemNotice, SystemOp, TipOp};
use crate::ids::{GroupId, UserId};
use crate::time::Millis;
use std::collections::{BTreeMap, BTreeSet};

fn system(
    op: SystemOp,
    group: &GroupId,
    from: &UserId,
    reason: Option<String>,
    ts: Millis,
) -> InboxEvent {
    InboxEvent::System(Box::new(SystemNotice {
        seq: None,
        op,
        group: Some(group.clone()),
        from: from.clone(),
        reason,
        data: None,
        ts,
    }))
}

/// The group tip a record causes, if any.
pub(crate) fn tip_of(record: &GroupRecord) -> Option<GroupTip> {
    let tip = |group: &GroupId, op, by: &UserId, users: Vec<UserId>, ts: Millis| GroupTip {
        seq: None,
        group: group.clone(),
        op,
        by: by.clone(),
        users,
        ts,
    };
    Some(match record {
        GroupRecord::Join {
            group,
            users,
            by,
            ts,
            ..
        } => tip(group, TipOp::Joined, by, users.clone(), *ts),
        GroupRecord::Leave { group, user, ts } => {
            tip(group, TipOp::Left, user, vec![user.clone()], *ts)
        }
        GroupRecord::Kick {
            group,
            users,
            by,
            ts,
        } => tip(group, TipOp::Kicked, by, users.clone(), *ts),
        GroupRecord::Admin {
            group,
            user,
            admin,
            by,
            ts,
        } => {
            let op = if *admin {
                TipOp::AdminSet
            } else {
                TipOp::AdminRemoved
            };
            tip(group, op, by, vec![user.clone()], *ts)
        }
        GroupRecord::Mute {
            group,
            users,
            mute,
            by,
            ts,
            ..
        } => {
            let op = if *mute { TipOp::Muted } else { TipOp::Unmuted };
            tip(group, op, by, users.clone(), *ts)
        }
        GroupRecord::MuteAll {
            group,
            mute,
            allow,
            by,
            ts,
        } => {
            let op = if *mute {
                TipOp::AllMuted
            } else {
                TipOp::AllUnmuted
            };
            tip(group, op, by, allow.clone(), *ts)
        }
        _ => return None,
    })
}

fn group_of(record: &GroupRecord) -> &GroupId {
    match record {
        GroupRecord::Create { group, .. }
        | GroupRecord::Join { group, .. }
        | GroupRecord::Request { group, .. }
        | GroupRecord::Refuse { group, .. }
        | GroupRecord::Leave { group, .. }
        | GroupRecord::Kick { group, .. }
        | GroupRecord::Admin { group, .. }
        | GroupRecord::Mute { group, .. }
        | GroupRecord::MuteAll { group, .. }
        | GroupRecord::Dismiss { group, .. } => group,
    }
}

impl State {
    /// A user who leaves a group, or is removed from it, leaves its threads
    /// too (PROTOCOL.md §10): a thread is part of its group.
    fn leave_threads(&mut self, group: &GroupId, user: &UserId) {
        for thread in self.threads.values_mut() {
            if thread.info.group == *group {
                thread.members.remove(user);
            }
        }
    }

    pub(crate) fn apply_group(&mut self, record: &GroupRecord, out: &mut Appended) {
        let gid = group_of(record).clone();
        if !matches!(record, GroupRecord::Create { .. }) && !self.groups.contains_key(&gid) {
            return;
        }
        self.change_group(record, out);
        // Tips go to the members after the change (and to those who left or
        // were removed, through their system notice); chat room tips are
        // ephemeral and sent by the live server only.
        let Some(tip) = tip_of(record) else { return };
        let Some(group) = self.groups.get(&gid) else {
            return;
        };
        if group.kind == GroupKind::Group {
            let members: Vec<UserId> = group.members.keys().cloned().collect();
            let tip = std::sync::Arc::new(tip);
            for user in members {
                self.push(&user, InboxEvent::Tip(std::sync::Arc::clone(&tip)), out);
            }
        }
    }

    fn change_group(&mut self, record: &GroupRecord, out: &mut Appended) {
        match record {
            GroupRecord::Create {
                group,
                kind,
                name,
                owner,
                members,
                approval,
                ts,
                ..
            } => {
                let n = group
                    .as_str()
                    .trim_start_matches('g')
                    .parse::<u64>()
                    .unwrap_or(0);
                self.next_group = self.next_group.max(n.saturating_add(1));
                let mut all: BTreeMap<UserId, Role> =
                    members.iter().map(|m| (m.clone(), Role::Member)).collect();
                all.insert(owner.clone(), Role::Owner);
                self.groups.insert(
                    group.clone(),
                    Group {
                        kind: *kind,
                        name: name.clone(),
                        approval: *approval,
                        members: all,
                        muted: BTreeMap::new(),
                        mute_all: false,
                        allow: BTreeSet::new(),
                        requests: BTreeMap::new(),
                    },
                );
                self.push(
                    owner,
                    system(SystemOp::Created, group, owner, None, *ts),
                    out,
                );
                for m in members.iter().filter(|m| *m != owner) {
                    self.push(m, system(SystemOp::Invited, group, owner, None, *ts), out);
                }
            }
            GroupRecord::Join {
                group,
                users,
                by,
                invited,
                ts,
            } => {
                if let Some(g) = self.groups.get_mut(group) {
                    for u in users {
                        g.members.entry(u.clone()).or_insert(Role::Member);
                        g.requests.remove(u);
                    }
                }
                let op = if *invited {
                    Some(SystemOp::Invited)
                } else {
                    None
                };
                for u in users {
                    let op = op.or((u != by).then_some(SystemOp::JoinAccepted));
                    if let Some(op) = op {
                        self.push(u, system(op, group, by, None, *ts), out);
                    }
                }
            }
            GroupRecord::Request {
                group,
                user,
                message,
                ts,
            } => {
                let managers = match self.groups.get_mut(group) {
                    Some(g) => {
                        g.requests.insert(user.clone(), message.clone());
                        g.managers()
                    }
                    None => Vec::new(),
                };
                for m in managers {
                    self.push(
                        &m,
                        system(SystemOp::JoinRequest, group, user, message.clone(), *ts),
                        out,
                    );
                }
            }
            GroupRecord::Refuse {
                group,
                user,
                by,
                reason,
                ts,
            } => {
                if let Some(g) = self.groups.get_mut(group) {
                    g.requests.remove(user);
                }
                self.push(
                    user,
                    system(SystemOp::JoinRefused, group, by, reason.clone(), *ts),
                    out,
                );
            }
            GroupRecord::Leave { group, user, ts } => {
                if let Some(g) = self.groups.get_mut(group) {
                    g.members.remove(user);
                }
                self.leave_threads(group, user);
                self.push(user, system(SystemOp::Left, group, user, None, *ts), out);
            }
            GroupRecord::Kick {
                group,
                users,
                by,
                ts,
            } => {
                if let Some(g) = self.groups.get_mut(group) {
                    for u in users {
                        g.members.remove(u);
                    }
                }
                for u in users {
                    self.leave_threads(group, u);
                }
                for u in users {
                    self.push(u, system(SystemOp::Kicked, group, by, None, *ts), out);
                }
            }
            GroupRecord::Admin {
                group,
                user,
                admin,
                by,
                ts,
            } => {
                if let Some(role) = self
                    .groups
                    .get_mut(group)
                    .and_then(|g| g.members.get_mut(user))
                {
                    *role = if *admin { Role::Admin } else { Role::Member };
                }
                let op = if *admin {
                    SystemOp::AdminSet
                } else {
                    SystemOp::AdminRemoved
                };
                self.push(user, system(op, group, by, None, *ts), out);
            }
            GroupRecord::Mute {
                group,
                users,
                mute,
                until,
                ..
            } => {
                if let Some(g) = self.groups.get_mut(group) {
                    for u in users {
                        if *mute {
                            g.muted.insert(u.clone(), *until);
                        } else {
                            g.muted.remove(u);
                        }
                    }
                }
            }
            GroupRecord::MuteAll {
                group, mute, allow, ..
            } => {
                if let Some(g) = self.groups.get_mut(group) {
                    g.mute_all = *mute;
                    g.allow = if *mute {
                        allow.iter().cloned().collect()
                    } else {
                        BTreeSet::new()
                    };
                }
            }
            GroupRecord::Dismiss { group, by, ts } => {
                let members: Vec<UserId> = self
                    .groups
                    .remove(group)
                    .map(|g| g.members.into_keys().collect())
                    .unwrap_or_default();
                for m in members {
                    self.push(&m, system(SystemOp::Dismissed, group, by, None, *ts), out);
                }
            }
        }
    }
}
