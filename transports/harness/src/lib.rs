//! natter-harness: an in-memory network with a virtual clock and seeded
//! faults, and the deterministic simulation that checks Natter's delivery
//! guarantees.
//!
//! One run ([`run`]) connects four users on six devices to one server and
//! plays a seeded workload of every operation of the protocol over links
//! that drop, duplicate, reorder and delay frames, cut connections (clients
//! reconnect and resume) and crash the server (it restarts from its
//! persisted records). When the workload is done and the network is quiet,
//! it checks the guarantees:
//!
//! 1. every acknowledged message is delivered to every application that
//!    should get it exactly once (none lost, none twice), across restarts;
//! 2. per conversation, every member's application sees the server's order;
//! 3. every command ends in exactly one outcome;
//! 4. a recalled message is a tombstone in later history pages and every
//!    recipient got the recall notice once;
//! 5. every client's conversation list and unread counts equal the server's;
//! 6. a group read count equals the distinct members who acked;
//! 7. nobody receives a message of a conversation they are not in;
//! 8. online-only messages are never stored, chat room messages never
//!    replayed.
//!
//! The same seed gives the same run, step for step.
//!
//! [`Network`] is the same in-memory network without the workload: a test
//! transport for SDK authors and conformance tests, where the test drives
//! the clients itself.
//!
//! ```
//! let report = natter_harness::run(&natter_harness::SimConfig::new(7));
//! assert!(report.violations.is_empty(), "{:?}", report.violations);
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod config;
mod invariants;
mod model;
mod network;
mod observe;
mod shrink;
mod sim;
mod workload;

pub use config::{FaultKind, FaultLevel, Sabotage, SimConfig};
pub use network::Network;
pub use shrink::shrink;
pub use sim::{Sim, Stats};

use natter_core::Millis;
use natter_core::frame::client::Direction;

/// How long, in virtual time, a run may take to settle after its workload.
const SETTLE_MS: u64 = 20 * 60 * 1000;

/// The result of one run.
#[derive(Clone, Debug)]
pub struct Report {
    /// What ran.
    pub config: SimConfig,
    /// Counters.
    pub stats: Stats,
    /// Broken guarantees, each starting with its invariant's number.
    pub violations: Vec<String>,
    /// The run's operations, connections and crashes, in order.
    pub trace: Vec<String>,
}

/// Runs one simulation and checks every invariant.
pub fn run(config: &SimConfig) -> Report {
    let mut sim = Sim::new(config.clone());
    sim.run_until(Millis(u64::MAX / 2), |s| {
        s.ops_left == 0 && s.next_op.is_none()
    });
    let settled = sim.run_until(Millis(sim.now.0 + SETTLE_MS), Sim::quiescent);
    if settled {
        final_history(&mut sim);
        let settled = sim.run_until(Millis(sim.now.0 + SETTLE_MS), Sim::quiescent);
        if settled {
            invariants::check_final(&mut sim);
        } else {
            sim.violations
                .push("0 the run did not settle after the final history fetch".into());
        }
    } else {
        let why = sim.unsettled();
        sim.violations
            .push(format!("0 the run did not settle: {why}"));
    }
    Report {
        config: config.clone(),
        stats: sim.stats,
        violations: sim.violations,
        trace: sim.trace,
    }
}

/// After quiescence, every device fetches the history of up to three of its
/// conversations, so that invariant 4 can check the pages.
fn final_history(sim: &mut Sim) {
    let now = sim.now;
    for d in 0..sim.devices.len() {
        let dev = &mut sim.devices[d];
        dev.obs.pages.clear();
        dev.obs.final_pages_from = Some(now);
        for conv in dev.client.conversations().into_iter().take(3) {
            if let Ok(id) = dev
                .client
                .fetch_history(now, conv.conv, None, Direction::Before, 100)
            {
                dev.obs.issued.insert(id, observe::Issued::Other);
            }
        }
        sim.client_outputs(d);
    }
}
