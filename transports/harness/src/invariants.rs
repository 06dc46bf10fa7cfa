//! The guarantees, checked: while frames leave the server, and after every
//! run once the network is quiet. Each failure message starts with the
//! number of the invariant it breaks (README: "The simulation").

use crate::model::{self, Expect, Place};
use crate::observe::Issued;
use crate::sim::Sim;
use natter_core::client::Outcome;
use natter_core::server::ConnectionId;
use natter_core::{Conversation, Entry, MessageId, Millis, RequestId, ServerFrame, UserId};
use std::collections::{BTreeMap, BTreeSet};

/// Checked for every frame the server emits: nobody gets a message of a
/// conversation they are not in (7); room and online-only messages are never
/// inbox events (8).
pub(crate) fn check_emission(sim: &mut Sim, conn: ConnectionId, frame: &ServerFrame) {
    let ServerFrame::Msg(d) = frame else { return };
    let Some(user) = sim.owner_user(conn) else {
        return;
    };
    let m = &d.msg;
    if d.seq.is_some() {
        if m.online_only || matches!(m.to, Conversation::Room(_)) {
            sim.violations.push(format!(
                "8 ephemeral message {} sent as inbox event {:?} to {user}",
                m.mid, d.seq
            ));
        }
        return;
    }
    let place = match &m.to {
        Conversation::Single(to) => {
            if !(*to == user || m.from == user) {
                sim.violations.push(format!(
                    "7 {user} got message {} of {:?}, not being in it",
                    m.mid, m.to
                ));
            }
            return;
        }
        Conversation::Group(g) | Conversation::Room(g) => Place::Group(g.clone()),
        Conversation::Thread(t) => Place::Thread(t.clone()),
    };
    // The frame may have waited in the delivery window, and membership may
    // have changed since it was made (at the message's time): check it
    // against the model's membership as it stood then.
    let key = (place.clone(), user.clone());
    let allowed = sim.model.has(&place, &user) || member_at(&sim.members_log, m.ts, &key);
    if !allowed {
        sim.violations.push(format!(
            "7 {user} got message {} of {:?}, not being in it",
            m.mid, m.to
        ));
    }
}

/// Who was a member of what, as of an instant.
pub(crate) type Membership = BTreeSet<(Place, UserId)>;

/// Checks a server's answer to a membership command against the model, and
/// applies the command to the model when it succeeded (7).
pub(crate) fn check_answer(sim: &mut Sim, conn: ConnectionId, frame: &ServerFrame) {
    let (id, actual) = match frame {
        ServerFrame::Ok(d) => (&d.id, Expect::Ok),
        ServerFrame::GroupCreated(c) => (&c.id, Expect::Ok),
        ServerFrame::ThreadCreated(c) => (&c.id, Expect::Ok),
        ServerFrame::Error(e) => match &e.id {
            Some(id) => (id, Expect::Fail(e.code)),
            None => return,
        },
        _ => return,
    };
    let Some(user) = sim.owner_user(conn) else {
        return;
    };
    let key = (user.clone(), id.clone());
    if sim.model_done.contains(&key) {
        // The first answer again (R2): applied already.
        return;
    }
    let op =
        sim.devices
            .iter()
            .filter(|d| d.user == user)
            .find_map(|d| match d.obs.issued.get(id) {
                Some(Issued::Member(op)) => Some(op.clone()),
                _ => None,
            });
    let Some(op) = op else { return };
    let expected = sim.model.expect(&user, &op);
    if expected != actual {
        sim.violations.push(format!(
            "7 {user}'s {op:?} ({id}) was answered {actual:?}; the model expects {expected:?}"
        ));
    }
    if actual == Expect::Ok {
        sim.model.apply(&user, &op, frame);
        sim.model_done.insert(key);
        let now = sim.now;
        let pairs = sim.model.pairs();
        sim.members_log.push((now, pairs));
    }
}

/// Whether `key` was a member at `at`: in the last note before `at`, or in
/// any note made at `at` (inputs of one instant may both use and change it).
fn member_at(log: &[(Millis, Membership)], at: Millis, key: &(Place, UserId)) -> bool {
    let before = log.iter().rev().find(|(t, _)| *t < at);
    before.is_some_and(|(_, m)| m.contains(key))
        || log.iter().any(|(t, m)| *t == at && m.contains(key))
}

/// A user's server inbox: its message ids, its recall notices, and each
/// message's sender and request id.
type Inbox = (
    BTreeSet<MessageId>,
    BTreeSet<MessageId>,
    Vec<(MessageId, UserId, Option<RequestId>)>,
);

/// The message ids and recall notices in a user's server inbox.
fn inbox_of(sim: &Sim, user: &UserId) -> Inbox {
    let mut msgs = BTreeSet::new();
    let mut recalls = BTreeSet::new();
    let mut origins = Vec::new();
    for frame in sim.server.inbox_with(user, &sim.store) {
        match frame {
            ServerFrame::Msg(d) => {
                msgs.insert(d.msg.mid);
                origins.push((d.msg.mid, d.msg.from.clone(), d.msg.req.clone()));
            }
            ServerFrame::Recalled(r) => {
                recalls.insert(r.mid);
            }
            _ => {}
        }
    }
    (msgs, recalls, origins)
}

/// Everything checked once the run is quiet.
pub(crate) fn check_final(sim: &mut Sim) {
    let mut v = Vec::new();
    let issued_by_user: BTreeMap<UserId, BTreeSet<RequestId>> =
        sim.devices.iter().fold(BTreeMap::new(), |mut acc, d| {
            acc.entry(d.user.clone())
                .or_default()
                .extend(d.obs.issued.keys().cloned());
            acc
        });
    for (i, d) in sim.devices.iter().enumerate() {
        let name = format!("{}#{i}", d.user);
        let (inbox, recalls, origins) = inbox_of(sim, &d.user);
        // 1: every stored message comes from a command; none lost, none twice.
        for (mid, from, req) in &origins {
            let known = req
                .as_ref()
                .is_some_and(|r| issued_by_user.get(from).is_some_and(|s| s.contains(r)));
            if !known {
                v.push(format!(
                    "1 message {mid} from {from} was stored for no command of theirs ({req:?})"
                ));
            }
        }
        let mut reported: BTreeMap<MessageId, u32> = BTreeMap::new();
        for (mid, _, stored) in &d.obs.messages {
            if *stored {
                *reported.entry(*mid).or_default() += 1;
            }
        }
        for (mid, n) in &reported {
            if *n > 1 {
                v.push(format!("1 {name} was shown message {mid} {n} times"));
            }
            if !inbox.contains(mid) {
                v.push(format!(
                    "7 {name} was shown message {mid}, which is not in its user's inbox"
                ));
            }
        }
        for mid in &inbox {
            let own = d.obs.own_sent.contains_key(mid);
            let shown = reported.contains_key(mid);
            if own == shown {
                let what = if own {
                    "both as its own send and as a message"
                } else {
                    "never"
                };
                v.push(format!(
                    "1 {name}: message {mid} of its inbox was reported {what}"
                ));
            }
        }
        for (mid, req) in &d.obs.own_sent {
            match (d.obs.issued.get(req), sim.stored(*mid)) {
                (Some(Issued::Send { online_only: true }), Some(_)) => {
                    v.push(format!("8 online-only message {mid} was stored"))
                }
                (Some(Issued::Send { online_only: false }), None) => {
                    v.push(format!("1 acknowledged message {mid} ({name}) is lost"))
                }
                _ => {}
            }
        }
        // 2: per conversation, the server's order.
        let mut last: BTreeMap<Conversation, MessageId> = BTreeMap::new();
        for (mid, to, stored) in &d.obs.messages {
            if !stored {
                continue;
            }
            if let Some(prev) = last.insert(to.clone(), *mid)
                && prev > *mid
            {
                v.push(format!("2 {name} saw {mid} after {prev} in {to:?}"));
            }
        }
        // 3: one outcome per command.
        for id in d.obs.issued.keys() {
            let n = d.obs.outcomes.get(id).map_or(0, Vec::len);
            if n != 1 {
                v.push(format!("3 {name}: command {id} ended in {n} outcomes"));
            }
        }
        for id in d.obs.outcomes.keys() {
            if !d.obs.issued.contains_key(id) {
                v.push(format!(
                    "3 {name}: an outcome for {id}, which it never issued"
                ));
            }
        }
        // 4: every recipient got each recall notice once; pages show tombstones.
        for mid in &recalls {
            let n = d.obs.recalls.get(mid).copied().unwrap_or(0);
            if n != 1 {
                v.push(format!("4 {name} got the recall notice of {mid} {n} times"));
            }
        }
        for page in &d.obs.pages {
            for entry in &page.entries {
                let recalled_at = match sim.stored(entry.mid()) {
                    Some(Entry::Tombstone(t)) => Some(t.recalled_at),
                    _ => None,
                };
                if let (Entry::Message(m), Some(at)) = (entry, recalled_at)
                    && d.obs.final_pages_from.is_some_and(|from| at <= from)
                {
                    v.push(format!("4 {name}: message {} recalled at {at:?} is not a tombstone in a later history page", m.mid));
                }
            }
        }
        // 5: the client's list and the server's are the model's: a fold
        // of the user's inbox.
        let model = model::conversation_list(&d.user, &sim.server.inbox_with(&d.user, &sim.store));
        let mine = model::view(d.client.conversations());
        if mine != model {
            v.push(format!(
                "5 {name}: conversation list {mine:?} but the model has {model:?}"
            ));
        }
        let server = model::view(sim.server.conversations_of(&d.user));
        if server != model {
            v.push(format!(
                "5 {name}: the server lists {server:?} but the model has {model:?}"
            ));
        }
    }
    // 6: group read counts equal the distinct readers who acked.
    let mut acked: BTreeMap<MessageId, BTreeSet<UserId>> = BTreeMap::new();
    let mut done: BTreeMap<MessageId, BTreeSet<UserId>> = BTreeMap::new();
    for d in &sim.devices {
        for (id, issued) in &d.obs.issued {
            if let Issued::GroupRead(mid) = issued {
                acked.entry(*mid).or_default().insert(d.user.clone());
                if matches!(
                    d.obs.outcomes.get(id).and_then(|o| o.first()),
                    Some(Outcome::Done { .. })
                ) {
                    done.entry(*mid).or_default().insert(d.user.clone());
                }
            }
        }
    }
    for (mid, users) in &acked {
        let readers: BTreeSet<UserId> = sim.group_readers(*mid).into_iter().collect();
        let sender = match sim.stored(*mid) {
            Some(Entry::Message(m)) => Some(m.from.clone()),
            Some(Entry::Tombstone(t)) => Some(t.from),
            None => None,
        };
        let confirmed: BTreeSet<UserId> = done
            .get(mid)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|u| Some(u) != sender.as_ref())
            .collect();
        if !readers.is_subset(users) || !confirmed.is_subset(&readers) {
            v.push(format!("6 message {mid}: {} readers counted, acks confirmed from {confirmed:?}, sent by {users:?}", readers.len()));
        }
    }
    sim.violations.extend(v);
}
