//! The in-memory network as a test transport: a real server and real
//! clients on a virtual clock, with the same seeded faults as the
//! simulation, for SDK authors' and conformance tests.
//!
//! ```
//! use natter_harness::{FaultLevel, Network};
//! use natter_core::client::{Event, Outgoing};
//! use natter_core::{Body, Conversation, UserId};
//!
//! let mut net = Network::new(7, FaultLevel::Default);
//! let alice = net.add_device("alice").unwrap();
//! let bob = net.add_device("bob").unwrap();
//! net.run_for(1_000); // both connect
//! let to_bob = Conversation::Single(UserId::new("bob").unwrap());
//! net.command(alice, |c, now| c.send(now, Outgoing::new(to_bob, Body::Text { text: "hi".into() })))
//!     .unwrap();
//! assert!(net.settle(), "the network went quiet");
//! let got: Vec<_> = net.take_events(bob).into_iter().filter(|e| matches!(e, Event::Message(_))).collect();
//! assert_eq!(got.len(), 1);
//! ```

use crate::config::{FaultLevel, SimConfig};
use crate::sim::Sim;
use natter_core::client::{Client, Event};
use natter_core::ids::IdError;
use natter_core::server::Server;
use natter_core::{Millis, UserId};

/// How long [`Network::settle`] may take, in virtual time.
const SETTLE_MS: u64 = 20 * 60 * 1000;

/// A server and devices on an in-memory network with a virtual clock.
pub struct Network {
    sim: Sim,
}

impl Network {
    /// An empty network; `faults` strike until [`Network::settle`].
    pub fn new(seed: u64, faults: FaultLevel) -> Network {
        let cfg = SimConfig {
            faults,
            ops: 0,
            ..SimConfig::new(seed)
        };
        Network {
            sim: Sim::bare(cfg),
        }
    }

    /// Adds a device of `user`; it connects and logs in on its own (tokens
    /// are minted for it). Returns its index.
    pub fn add_device(&mut self, user: &str) -> Result<usize, IdError> {
        let d = self.sim.add_device(user)?;
        self.sim.devices[d].log = Some(Vec::new());
        Ok(d)
    }

    /// Runs a command (or anything) on a device's client, then sends what it
    /// wants sent.
    pub fn command<T>(&mut self, device: usize, f: impl FnOnce(&mut Client, Millis) -> T) -> T {
        let now = self.sim.now;
        let out = f(&mut self.sim.devices[device].client, now);
        self.sim.client_outputs(device);
        out
    }

    /// Lets `ms` of virtual time pass.
    pub fn run_for(&mut self, ms: u64) {
        let deadline = Millis(self.sim.now.0 + ms);
        self.sim.run_until(deadline, |_| false);
        self.sim.now = self.sim.now.max(deadline);
    }

    /// Stops the faults and runs until nothing is in flight and every
    /// device is connected and up to date; `false` if that takes more than
    /// 20 virtual minutes.
    pub fn settle(&mut self) -> bool {
        self.sim.faulty = false;
        let deadline = Millis(self.sim.now.0 + SETTLE_MS);
        self.sim.run_until(deadline, Sim::quiescent)
    }

    /// The events a device's application got since the last call.
    pub fn take_events(&mut self, device: usize) -> Vec<Event> {
        self.sim.devices[device]
            .log
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// A device's client, to inspect (its conversation list, ...).
    pub fn client(&self, device: usize) -> &Client {
        &self.sim.devices[device].client
    }

    /// A device's user.
    pub fn user(&self, device: usize) -> &UserId {
        &self.sim.devices[device].user
    }

    /// The server.
    pub fn server(&self) -> &Server {
        &self.sim.server
    }

    /// The virtual time now.
    pub fn now(&self) -> Millis {
        self.sim.now
    }

    /// Cuts a device's connection; it reconnects and resumes on its own.
    pub fn cut(&mut self, device: usize) {
        if let Some(conn) = self.sim.devices[device].conn {
            self.sim.close(conn);
            self.sim.server_outputs();
        }
    }

    /// Crashes the server; it restarts from its persisted records.
    pub fn restart_server(&mut self) {
        self.sim.restart();
    }

    /// The operations, connections and crashes so far.
    pub fn trace(&self) -> &[String] {
        &self.sim.trace
    }
}
