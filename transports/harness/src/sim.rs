//! The in-memory network: one server, many devices, a virtual clock, and
//! links with seeded faults.
//!
//! Every input to a state machine happens at one virtual instant; the loop
//! always jumps to the earliest pending thing (a frame arriving, a timer, a
//! reconnect, a persisted batch, the next workload operation). The server's
//! adapter is modelled faithfully: each batch of records from
//! [`Server::poll_output`] is persisted after a short delay and only then
//! reported with [`Server::persisted`], which is what lets the frames
//! behind it out, so a crash loses exactly the unpersisted records and the
//! answers that depended on them.

use crate::config::{FaultKind, Sabotage, SimConfig};
use crate::invariants::Membership;
use crate::observe::Observed;
use natter_core::client::{Client, Config, ConnectionState, Event};
use natter_core::server::{
    Batch, Checkpoint, ConnectionId, Load, MemoryStore, Output, Record, Server, ServerConfig,
    ServerEvent, StoredMessage, token,
};
use natter_core::{ClientFrame, DeviceId, Millis, RequestId, ServerFrame, UserId};
use natter_core::{Entry, MessageId};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

pub(crate) const SECRET: &[u8] = b"simulation";

/// The users of every run, and how many devices each has.
pub(crate) const USERS: [(&str, usize); 4] = [("alice", 2), ("bob", 2), ("carol", 1), ("dave", 1)];

/// A simulated device: a client, its connection, what its app saw.
pub(crate) struct Device {
    pub(crate) user: UserId,
    pub(crate) client: Client,
    pub(crate) conn: Option<ConnectionId>,
    pub(crate) reconnect_at: Option<Millis>,
    pub(crate) obs: Observed,
    /// Request ids this device already put on the wire (for sabotage).
    wire_ids: BTreeSet<RequestId>,
    /// Every event, kept when the network is used as a test transport.
    pub(crate) log: Option<Vec<Event>>,
}

/// Work for the store, done at `ready`, in order.
struct Job {
    ready: Millis,
    work: Work,
}

enum Work {
    /// A batch being persisted: durable when done.
    Write(Batch),
    /// A checkpoint being written.
    Checkpoint(Arc<Checkpoint>),
    /// A load being read.
    Load(Load),
}

enum Packet {
    ToServer(ConnectionId, ClientFrame),
    ToClient(ConnectionId, Box<ServerFrame>),
}

/// Counters for the summary.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    /// State machine inputs processed.
    pub steps: u64,
    /// Messages stored by the server.
    pub messages: u64,
    /// Faults injected.
    pub faults: u64,
    /// Virtual time the run covered, in ms.
    pub virtual_ms: u64,
}

/// A running simulation.
pub struct Sim {
    pub(crate) cfg: SimConfig,
    pub(crate) rng: fastrand::Rng,
    pub(crate) now: Millis,
    pub(crate) server: Server,
    server_config: Arc<ServerConfig>,
    /// What survives a crash: checkpoint, records and message rows.
    pub(crate) store: MemoryStore,
    /// The store's queue: lost in a crash.
    jobs: VecDeque<Job>,
    owners: BTreeMap<ConnectionId, usize>,
    pub(crate) devices: Vec<Device>,
    queue: BTreeMap<(Millis, u64), Packet>,
    tick: u64,
    link_last: BTreeMap<(ConnectionId, bool), Millis>,
    next_conn: u64,
    /// While true, faults may strike.
    pub(crate) faulty: bool,
    pub(crate) next_op: Option<Millis>,
    pub(crate) ops_left: usize,
    pub(crate) stats: Stats,
    pub(crate) violations: Vec<String>,
    /// The model's membership after each change, with the time it was
    /// learnt, for frames that waited in a delivery window.
    pub(crate) members_log: Vec<(Millis, Membership)>,
    /// The model of membership (the oracle of invariant 7).
    pub(crate) model: crate::model::Membership,
    /// Membership commands the model applied, by user and request id.
    pub(crate) model_done: BTreeSet<(UserId, RequestId)>,
    /// What happened, one line per operation, connection change or crash.
    pub(crate) trace: Vec<String>,
    uploads_due: BTreeMap<(Millis, u64), (usize, RequestId)>,
}

impl Sim {
    /// The simulation's network: four users (alice and bob with two
    /// devices, carol and dave with one), every device connecting at once,
    /// and the workload starting at 300 ms.
    pub fn new(cfg: SimConfig) -> Sim {
        let mut sim = Sim::bare(cfg);
        for (name, count) in USERS {
            for _ in 0..count {
                sim.add_device(name)
                    .unwrap_or_else(|_| unreachable!("valid user names"));
            }
        }
        sim.next_op = Some(Millis(300));
        sim
    }

    /// A network with a server and no device.
    pub(crate) fn bare(cfg: SimConfig) -> Sim {
        let rng = fastrand::Rng::with_seed(cfg.seed);
        // A small delivery window, so that flow control by acknowledgement
        // is at work in every run; a few messages in memory and frequent
        // checkpoints, so that loads from the store and restores from a
        // checkpoint are too.
        let server_config = ServerConfig::new(SECRET)
            .with_recall(Duration::from_secs(30), true)
            .with_delivery_window(4)
            .with_resident_messages(Some(4))
            .with_checkpoint_every(Some(40));
        let server_config = Arc::new(server_config);
        Sim {
            ops_left: cfg.ops,
            cfg,
            rng,
            now: Millis::ZERO,
            server: Server::new(server_config.clone()),
            server_config,
            store: MemoryStore::new(),
            jobs: VecDeque::new(),
            owners: BTreeMap::new(),
            devices: Vec::new(),
            queue: BTreeMap::new(),
            tick: 0,
            link_last: BTreeMap::new(),
            next_conn: 0,
            faulty: true,
            next_op: None,
            stats: Stats::default(),
            violations: Vec::new(),
            members_log: Vec::new(),
            model: crate::model::Membership::default(),
            model_done: BTreeSet::new(),
            trace: Vec::new(),
            uploads_due: BTreeMap::new(),
        }
    }

    /// Adds a device of user `name`; it connects within 100 ms.
    pub(crate) fn add_device(&mut self, name: &str) -> Result<usize, natter_core::ids::IdError> {
        let user = UserId::new(name)?;
        let n = self.devices.iter().filter(|d| d.user == user).count();
        let device = DeviceId::new(format!("{name}-{n}"))?;
        let config =
            Config::new(device, self.rng.u64(..)).with_auto_delivered_receipts(self.rng.bool());
        let tok = token::mint(SECRET, &user, Millis(u64::MAX / 4));
        self.devices.push(Device {
            user,
            client: Client::new(Arc::new(config), tok),
            conn: None,
            reconnect_at: Some(Millis(self.now.0 + self.rng.u64(0..100))),
            obs: Observed::default(),
            wire_ids: BTreeSet::new(),
            log: None,
        });
        Ok(self.devices.len() - 1)
    }

    /// A device's name in traces: user and index.
    pub(crate) fn name(&self, d: usize) -> String {
        format!("{}#{d}", self.devices[d].user)
    }

    /// Adds a line to the trace, stamped with the virtual time.
    pub(crate) fn note(&mut self, line: String) {
        self.trace.push(format!("{:>8} ms  {line}", self.now.0));
    }

    /// The user of a connection.
    pub(crate) fn owner_user(&self, conn: ConnectionId) -> Option<UserId> {
        self.owners
            .get(&conn)
            .map(|d| self.devices[*d].user.clone())
    }

    /// Whether nothing is in flight and every device is up to date.
    pub(crate) fn quiescent(&self) -> bool {
        self.queue.is_empty()
            && self.jobs.is_empty()
            && self.uploads_due.is_empty()
            && self.devices.iter().all(|d| {
                d.client.is_ready()
                    && d.client.pending_requests() == 0
                    && d.client.last_seq() == self.server.inbox_seq(&d.user)
            })
    }

    /// Why the run is not quiet, for the failure message.
    pub(crate) fn unsettled(&self) -> String {
        let behind: Vec<String> = self
            .devices
            .iter()
            .filter(|d| {
                !(d.client.is_ready()
                    && d.client.pending_requests() == 0
                    && d.client.last_seq() == self.server.inbox_seq(&d.user))
            })
            .map(|d| {
                format!(
                    "{} (ready {}, pending {}, seq {} of {})",
                    d.user,
                    d.client.is_ready(),
                    d.client.pending_requests(),
                    d.client.last_seq().0,
                    self.server.inbox_seq(&d.user).0
                )
            })
            .collect();
        format!(
            "at {} ms: {} frames in flight, {} batches unpersisted, {} uploads; devices behind: {behind:?}",
            self.now.0,
            self.queue.len(),
            self.jobs.len(),
            self.uploads_due.len()
        )
    }

    /// The earliest pending instant.
    fn next_instant(&self) -> Option<Millis> {
        let mut t: Vec<Millis> = Vec::new();
        t.extend(self.jobs.front().map(|b| b.ready));
        t.extend(self.queue.keys().next().map(|(at, _)| *at));
        t.extend(self.server.poll_timeout());
        t.extend(self.uploads_due.keys().next().map(|(at, _)| *at));
        for d in &self.devices {
            t.extend(d.client.poll_timeout());
            t.extend(d.reconnect_at);
        }
        t.extend(self.next_op);
        t.into_iter().min()
    }

    /// Runs until `until` holds, or nothing is pending, or `deadline`.
    pub(crate) fn run_until(&mut self, deadline: Millis, until: impl Fn(&Sim) -> bool) -> bool {
        const MAX_STEPS: u64 = 3_000_000;
        while self.stats.steps < MAX_STEPS {
            if until(self) {
                return true;
            }
            let Some(at) = self.next_instant() else {
                return until(self);
            };
            if at > deadline {
                return false;
            }
            self.now = self.now.max(at);
            self.stats.virtual_ms = self.now.0;
            self.step();
            self.stats.steps += 1;
        }
        false
    }

    /// Processes the one earliest pending thing.
    fn step(&mut self) {
        let now = self.now;
        if self.jobs.front().is_some_and(|b| b.ready <= now) {
            if let Some(Job { work, .. }) = self.jobs.pop_front() {
                match work {
                    Work::Write(batch) => {
                        self.stats.messages += batch
                            .records()
                            .iter()
                            .filter(|r| matches!(r, Record::Stored { .. }))
                            .count() as u64;
                        self.store.write(&batch);
                        self.server.persisted(batch.id());
                    }
                    Work::Checkpoint(c) => self.store.checkpoint(c),
                    Work::Load(load) => {
                        let rows = self.store.answer(load.query());
                        self.server.loaded(now, load.id(), rows);
                    }
                }
                self.server_outputs();
            }
            return;
        }
        if let Some((&key, _)) = self.queue.iter().next().filter(|((at, _), _)| *at <= now) {
            if let Some(packet) = self.queue.remove(&key) {
                self.deliver(packet);
            }
            return;
        }
        if self.server.poll_timeout().is_some_and(|t| t <= now) {
            self.server.handle_timeout(now);
            self.server_outputs();
            return;
        }
        if let Some((&key, _)) = self
            .uploads_due
            .iter()
            .next()
            .filter(|((at, _), _)| *at <= now)
        {
            if let Some((d, id)) = self.uploads_due.remove(&key) {
                self.finish_upload(d, &id);
            }
            return;
        }
        for d in 0..self.devices.len() {
            if self.devices[d].reconnect_at.is_some_and(|t| t <= now) {
                self.devices[d].reconnect_at = None;
                self.connect(d);
                return;
            }
            if self.devices[d]
                .client
                .poll_timeout()
                .is_some_and(|t| t <= now)
            {
                self.devices[d].client.handle_timeout(now);
                self.client_outputs(d);
                return;
            }
        }
        if self.next_op.is_some_and(|t| t <= now) {
            self.next_op = None;
            self.workload_step();
        }
    }

    fn deliver(&mut self, packet: Packet) {
        let now = self.now;
        match packet {
            Packet::ToServer(conn, mut frame) => {
                let Some(&d) = self.owners.get(&conn) else {
                    return;
                };
                if self.cfg.sabotage == Some(Sabotage::SkipReplay)
                    && let ClientFrame::Hello(h) = &mut frame
                {
                    h.last_seq = self.server.inbox_seq(&self.devices[d].user);
                }
                self.server.handle_frame(now, conn, frame);
                self.server_outputs();
            }
            Packet::ToClient(conn, frame) => {
                let Some(&d) = self.owners.get(&conn) else {
                    return;
                };
                if self.devices[d].conn != Some(conn) {
                    return;
                }
                self.devices[d].client.handle_frame(now, *frame);
                self.client_outputs(d);
            }
        }
    }

    /// A link's delivery time for a new frame, with latency and (as a
    /// fault) reordering; links are otherwise FIFO.
    fn schedule(&mut self, conn: ConnectionId, to_server: bool) -> Millis {
        let mut at = Millis(self.now.0 + 1 + self.rng.u64(0..20));
        let reorder = self.faulty && self.rng.f64() < self.cfg.rate(FaultKind::Reorder);
        if reorder {
            self.stats.faults += 1;
        } else {
            let last = self.link_last.entry((conn, to_server)).or_default();
            at = at.max(*last);
            *last = at;
        }
        at
    }

    fn enqueue(&mut self, at: Millis, packet: Packet) {
        self.tick += 1;
        self.queue.insert((at, self.tick), packet);
    }

    fn send(&mut self, conn: ConnectionId, to_server: bool, make: impl Fn() -> Packet) {
        if self.faulty && self.rng.f64() < self.cfg.rate(FaultKind::Drop) {
            self.stats.faults += 1;
            return;
        }
        let at = self.schedule(conn, to_server);
        self.enqueue(at, make());
        if self.faulty && self.rng.f64() < self.cfg.rate(FaultKind::Duplicate) {
            self.stats.faults += 1;
            let later = Millis(at.0 + self.rng.u64(0..30));
            self.enqueue(later, make());
        }
    }

    fn send_to_client(&mut self, conn: ConnectionId, frame: ServerFrame) {
        if !self.owners.contains_key(&conn) {
            return;
        }
        self.send(conn, false, || {
            Packet::ToClient(conn, Box::new(frame.clone()))
        });
    }

    /// Drains the server: each batch of records is persisted shortly (the
    /// server holds the frames behind it until then); frames go on their
    /// links; close requests cut connections.
    pub(crate) fn server_outputs(&mut self) {
        while let Some(output) = self.server.poll_output() {
            match output {
                Output::Persist(batch) => self.queue_job(Work::Write(batch)),
                Output::Checkpoint(c) => self.queue_job(Work::Checkpoint(c)),
                Output::Load(load) => self.queue_job(Work::Load(load)),
                Output::Transmit { conn, frame } => {
                    crate::invariants::check_answer(self, conn, &frame);
                    crate::invariants::check_emission(self, conn, &frame);
                    self.send_to_client(conn, frame);
                }
                Output::Event(ServerEvent::Close { conn, .. }) => self.close(conn),
                Output::Event(_) => {}
            }
        }
    }

    /// A stored message as it is now: in the server's memory, else in the
    /// store (every batch is written once the run is quiet).
    pub(crate) fn stored(&self, mid: MessageId) -> Option<Entry> {
        self.server
            .stored(mid)
            .or_else(|| self.store.get(mid).map(StoredMessage::entry))
    }

    /// The readers of a group message, in memory or in the store.
    pub(crate) fn group_readers(&self, mid: MessageId) -> Vec<UserId> {
        match self.server.stored(mid) {
            Some(_) => self.server.group_readers(mid),
            None => self.store.readers(mid),
        }
    }

    /// Queues work for the store, done shortly, after the work before it.
    fn queue_job(&mut self, work: Work) {
        let after = self.jobs.back().map_or(self.now, |j| j.ready);
        let ready = Millis(after.0.max(self.now.0) + 1 + self.rng.u64(0..3));
        self.jobs.push_back(Job { ready, work });
    }

    /// Drains a client: frames go on its link; events are observed; a
    /// disconnect closes the transport and schedules a reconnect.
    pub(crate) fn client_outputs(&mut self, d: usize) {
        let frames: Vec<ClientFrame> =
            std::iter::from_fn(|| self.devices[d].client.poll_transmit()).collect();
        if let Some(conn) = self.devices[d].conn {
            for mut frame in frames {
                self.sabotage_ids(d, &mut frame);
                self.send(conn, true, || Packet::ToServer(conn, frame.clone()));
            }
        }
        let events: Vec<Event> =
            std::iter::from_fn(|| self.devices[d].client.poll_event()).collect();
        if let Some(log) = &mut self.devices[d].log {
            log.extend(events.iter().cloned());
        }
        for event in &events {
            self.devices[d].obs.see(event);
            if let Event::UploadRequested { id, .. } = event {
                self.tick += 1;
                let at = Millis(self.now.0 + 10 + self.rng.u64(0..100));
                self.uploads_due.insert((at, self.tick), (d, id.clone()));
            }
            if let Event::State(ConnectionState::Disconnected(_)) = event {
                if let Some(conn) = self.devices[d].conn.take() {
                    self.server.handle_disconnect(self.now, conn);
                    self.server_outputs();
                }
                self.devices[d].reconnect_at =
                    Some(Millis(self.now.0 + 50 + self.rng.u64(0..1000)));
            }
        }
    }

    fn sabotage_ids(&mut self, d: usize, frame: &mut ClientFrame) {
        if self.cfg.sabotage != Some(Sabotage::ForgetDedup) {
            return;
        }
        if let ClientFrame::Send(s) = frame
            && !self.devices[d].wire_ids.insert(s.id.clone())
        {
            let fresh = format!("{}x{}", s.id, self.rng.u32(..));
            s.id = RequestId::new(fresh.chars().take(64).collect::<String>())
                .unwrap_or_else(|_| s.id.clone());
        }
    }

    fn finish_upload(&mut self, d: usize, id: &RequestId) {
        let now = self.now;
        let dev = &mut self.devices[d];
        // The upload may have been dropped (the send timed out meanwhile):
        // the client then refuses the report, which is fine here.
        let _ = if self.rng.u8(0..10) == 0 {
            dev.client.upload_failed(id, "simulated upload failure")
        } else {
            let attachment = natter_core::body::Attachment::new(
                format!("https://files.test/{id}"),
                "file.bin".into(),
                1234,
            );
            dev.client.upload_complete(now, id, attachment)
        };
        self.client_outputs(d);
    }

    /// A device opens a new connection.
    fn connect(&mut self, d: usize) {
        self.note(format!("{} connects", self.name(d)));
        self.next_conn += 1;
        let conn = ConnectionId(self.next_conn);
        self.owners.insert(conn, d);
        self.server.handle_connect(self.now, conn);
        self.server_outputs();
        self.devices[d].conn = Some(conn);
        self.devices[d].client.handle_connect(self.now);
        self.client_outputs(d);
    }

    /// Closes a connection on both sides (its queued frames are dropped).
    pub(crate) fn close(&mut self, conn: ConnectionId) {
        self.server.handle_disconnect(self.now, conn);
        let Some(&d) = self.owners.get(&conn) else {
            return;
        };
        if self.devices[d].conn == Some(conn) {
            self.devices[d].client.handle_disconnect(self.now);
            self.client_outputs(d);
        }
    }

    /// Cuts a random device's connection.
    pub(crate) fn cut_random(&mut self) {
        let up: Vec<ConnectionId> = self.devices.iter().filter_map(|d| d.conn).collect();
        if up.is_empty() {
            return;
        }
        let conn = up[self.rng.usize(..up.len())];
        if let Some(d) = self.owners.get(&conn).copied() {
            self.note(format!("fault: {}'s connection is cut", self.name(d)));
        }
        self.stats.faults += 1;
        self.close(conn);
        self.server_outputs();
    }

    /// Crashes the server: unpersisted records and the frames waiting for
    /// them are lost; it restarts from the durable log; every connection is
    /// cut.
    pub(crate) fn restart(&mut self) {
        self.stats.faults += 1;
        self.note(format!(
            "fault: the server crashes ({} store jobs lost) and restarts from a checkpoint and {} records",
            self.jobs.len(),
            self.store.records().len()
        ));
        self.jobs.clear();
        self.server = match self.store.restore(self.server_config.clone()) {
            Ok(server) => server,
            Err(e) => {
                self.violations
                    .push(format!("the server does not restore: {e}"));
                Server::new(self.server_config.clone())
            }
        };
        let conns: Vec<(usize, ConnectionId)> = self
            .devices
            .iter()
            .enumerate()
            .filter_map(|(d, dev)| dev.conn.map(|c| (d, c)))
            .collect();
        for (d, _) in conns {
            self.devices[d].client.handle_disconnect(self.now);
            self.client_outputs(d);
        }
    }
}
