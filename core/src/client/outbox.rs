//! The outbox: every request waiting for its answer, with its retry and
//! deadline timers.
//!
//! Requests keep their id for life. While connected an unanswered request is
//! retransmitted with exponential backoff; on a new session every request is
//! retransmitted in its original order; at its deadline it fails with 408.
//! Timers live in one ordered set, so finding the next one is cheap however
//! many requests wait.

use crate::frame::ClientFrame;
use crate::ids::RequestId;
use crate::time::Millis;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Where a request is in its life.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    /// A send waiting for its attachment upload; not yet on any deadline.
    Uploading,
    /// A recall waiting for the answer to the send it recalls.
    Held {
        /// The send.
        send: RequestId,
    },
    /// Ready to go out on the next session.
    Queued,
    /// Transmitted on this session, `attempts` times.
    InFlight { attempts: u32, retry_at: Millis },
}

/// One request.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub(crate) frame: ClientFrame,
    pub(crate) stage: Stage,
    pub(crate) deadline: Option<Millis>,
    /// Sent by the client itself (automatic receipts): no outcome event.
    pub(crate) silent: bool,
    order: u64,
    wake: Option<Millis>,
}

impl Pending {
    fn next_wake(&self) -> Option<Millis> {
        let retry = match self.stage {
            Stage::InFlight { retry_at, .. } => Some(retry_at),
            _ => None,
        };
        match (retry, self.deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// The send a held request waits for.
fn held_send(stage: &Stage) -> Option<&RequestId> {
    match stage {
        Stage::Held { send } => Some(send),
        _ => None,
    }
}

/// What a timer asks the client to do.
#[derive(Debug)]
pub(crate) enum Due {
    /// Retransmit this frame.
    Retry(ClientFrame),
    /// The deadline passed; the request is removed.
    Expired(RequestId, Pending),
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Outbox {
    entries: BTreeMap<RequestId, Pending>,
    order: BTreeMap<u64, RequestId>,
    timers: BTreeSet<(Millis, u64)>,
    next_order: u64,
    /// Held recalls by the send they wait for, so that answering a send
    /// does not scan the outbox.
    holds: BTreeMap<RequestId, BTreeSet<RequestId>>,
}

impl Outbox {
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn get(&self, id: &RequestId) -> Option<&Pending> {
        self.entries.get(id)
    }

    pub(crate) fn contains(&self, id: &RequestId) -> bool {
        self.entries.contains_key(id)
    }

    /// Adds a request at the end of the order.
    pub(crate) fn insert(
        &mut self,
        id: RequestId,
        frame: ClientFrame,
        stage: Stage,
        deadline: Option<Millis>,
        silent: bool,
    ) {
        let order = self.next_order;
        self.next_order += 1;
        self.order.insert(order, id.clone());
        let pending = Pending {
            frame,
            stage,
            deadline,
            silent,
            order,
            wake: None,
        };
        self.link(&id, held_send(&pending.stage));
        self.entries.insert(id.clone(), pending);
        self.rearm(&id);
    }

    /// Indexes a held request under the send it waits for.
    fn link(&mut self, id: &RequestId, send: Option<&RequestId>) {
        if let Some(send) = send {
            self.holds
                .entry(send.clone())
                .or_default()
                .insert(id.clone());
        }
    }

    fn unlink(&mut self, id: &RequestId, send: Option<&RequestId>) {
        if let Some(send) = send
            && let Some(held) = self.holds.get_mut(send)
        {
            held.remove(id);
            if held.is_empty() {
                self.holds.remove(send);
            }
        }
    }

    /// Removes a request and its timers.
    pub(crate) fn remove(&mut self, id: &RequestId) -> Option<Pending> {
        let p = self.entries.remove(id)?;
        self.unlink(id, held_send(&p.stage));
        self.order.remove(&p.order);
        if let Some(w) = p.wake {
            self.timers.remove(&(w, p.order));
        }
        Some(p)
    }

    /// Changes a request's stage (and deadline, when given) and re-arms its
    /// timer.
    pub(crate) fn update(&mut self, id: &RequestId, f: impl FnOnce(&mut Pending)) {
        if let Some(p) = self.entries.get_mut(id) {
            let before = held_send(&p.stage).cloned();
            f(p);
            let after = held_send(&p.stage).cloned();
            if before != after {
                self.unlink(id, before.as_ref());
                self.link(id, after.as_ref());
            }
            self.rearm(id);
        }
    }

    fn rearm(&mut self, id: &RequestId) {
        let Some(p) = self.entries.get_mut(id) else {
            return;
        };
        if let Some(w) = p.wake.take() {
            self.timers.remove(&(w, p.order));
        }
        p.wake = p.next_wake();
        if let Some(w) = p.wake {
            self.timers.insert((w, p.order));
        }
    }

    /// Marks a request transmitted now (its first attempt on this session).
    pub(crate) fn transmitted(&mut self, id: &RequestId, now: Millis, backoff: &Backoff) {
        self.update(id, |p| {
            p.stage = Stage::InFlight {
                attempts: 1,
                retry_at: now.saturating_add(backoff.delay(1)),
            }
        });
    }

    /// The requests to transmit on a new session, in their original order,
    /// each marked in flight.
    pub(crate) fn start_session(&mut self, now: Millis, backoff: &Backoff) -> Vec<ClientFrame> {
        let ids: Vec<RequestId> = self
            .order
            .values()
            .filter(|id| {
                self.entries
                    .get(*id)
                    .is_some_and(|p| matches!(p.stage, Stage::Queued | Stage::InFlight { .. }))
            })
            .cloned()
            .collect();
        let mut frames = Vec::with_capacity(ids.len());
        for id in ids {
            self.transmitted(&id, now, backoff);
            if let Some(p) = self.entries.get(&id) {
                frames.push(p.frame.clone());
            }
        }
        frames
    }

    /// The transport is gone: requests in flight wait for the next session.
    pub(crate) fn end_session(&mut self) {
        let ids: Vec<RequestId> = self
            .entries
            .iter()
            .filter(|(_, p)| matches!(p.stage, Stage::InFlight { .. }))
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            self.update(&id, |p| p.stage = Stage::Queued);
        }
    }

    /// Requests held for `send`.
    pub(crate) fn held_for(&self, send: &RequestId) -> Vec<RequestId> {
        self.holds
            .get(send)
            .map(|held| held.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The earliest timer.
    pub(crate) fn next_timeout(&self) -> Option<Millis> {
        self.timers.first().map(|(t, _)| *t)
    }

    /// Takes the next timer due at `now`, if any, and applies it.
    pub(crate) fn pop_due(&mut self, now: Millis, backoff: &Backoff) -> Option<Due> {
        let &(at, order) = self.timers.first()?;
        if at > now {
            return None;
        }
        let id = self.order.get(&order)?.clone();
        let p = self.entries.get(&id)?;
        if p.deadline.is_some_and(|d| d <= now) {
            let p = self.remove(&id)?;
            return Some(Due::Expired(id, p));
        }
        let frame = p.frame.clone();
        let attempts = match p.stage {
            Stage::InFlight { attempts, .. } => attempts.saturating_add(1),
            _ => 1,
        };
        self.update(&id, |p| {
            p.stage = Stage::InFlight {
                attempts,
                retry_at: now.saturating_add(backoff.delay(attempts)),
            }
        });
        Some(Due::Retry(frame))
    }

    /// Every request, in order (for snapshots).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&RequestId, &Pending)> {
        self.order
            .values()
            .filter_map(|id| self.entries.get(id).map(|p| (id, p)))
    }
}

/// Exponential retransmission backoff.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Backoff {
    pub(crate) initial: Duration,
    pub(crate) max: Duration,
}

impl Backoff {
    /// The wait after the `attempts`-th transmission: initial × 2^(attempts−1),
    /// capped.
    pub(crate) fn delay(&self, attempts: u32) -> Duration {
        let shift = attempts.saturating_sub(1).min(20);
        self.initial.saturating_mul(1 << shift).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::client::Heartbeat;

    fn rid(s: &str) -> RequestId {
        RequestId::new(s).expect("valid")
    }

    fn frame() -> ClientFrame {
        ClientFrame::Ping(Heartbeat::default())
    }

    const B: Backoff = Backoff {
        initial: Duration::from_millis(100),
        max: Duration::from_millis(350),
    };

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let d: Vec<u128> = (1..=5).map(|a| B.delay(a).as_millis()).collect();
        assert_eq!(d, vec![100, 200, 350, 350, 350]);
    }

    #[test]
    fn retries_then_expires_at_the_deadline() {
        let mut o = Outbox::default();
        o.insert(rid("a"), frame(), Stage::Queued, Some(Millis(1000)), false);
        assert_eq!(o.next_timeout(), Some(Millis(1000)));
        o.transmitted(&rid("a"), Millis(0), &B);
        assert_eq!(o.next_timeout(), Some(Millis(100)));
        assert!(o.pop_due(Millis(99), &B).is_none());
        assert!(matches!(o.pop_due(Millis(100), &B), Some(Due::Retry(_))));
        assert_eq!(o.next_timeout(), Some(Millis(300)));
        assert!(matches!(o.pop_due(Millis(300), &B), Some(Due::Retry(_))));
        assert_eq!(o.next_timeout(), Some(Millis(650)));
        assert!(matches!(o.pop_due(Millis(650), &B), Some(Due::Retry(_))));
        assert_eq!(o.next_timeout(), Some(Millis(1000)));
        assert!(matches!(o.pop_due(Millis(1000), &B), Some(Due::Expired(id, _)) if id == rid("a")));
        assert_eq!(o.len(), 0);
        assert_eq!(o.next_timeout(), None);
    }

    #[test]
    fn a_new_session_resends_in_order_and_an_ended_one_stops_retries() {
        let mut o = Outbox::default();
        for id in ["c", "a", "b"] {
            o.insert(
                rid(id),
                ClientFrame::Ack(crate::frame::client::Ack {
                    seq: crate::Seq(id.len() as u64),
                }),
                Stage::Queued,
                None,
                false,
            );
        }
        o.insert(rid("u"), frame(), Stage::Uploading, None, false);
        o.transmitted(&rid("a"), Millis(0), &B);
        o.end_session();
        assert_eq!(o.next_timeout(), None);
        let order: Vec<&RequestId> = o.iter().map(|(id, _)| id).collect();
        assert_eq!(order, vec![&rid("c"), &rid("a"), &rid("b"), &rid("u")]);
        assert_eq!(o.start_session(Millis(5), &B).len(), 3);
        assert_eq!(o.next_timeout(), Some(Millis(105)));
        assert_eq!(o.get(&rid("u")).map(|p| &p.stage), Some(&Stage::Uploading));
    }
}
