//! The server scripts run against natter-core's server, in process: a fresh
//! server per case, the clock set by the script (timers due by then fire),
//! every output drained after every step, and frames compared in their exact global order.

use crate::compare::{Kind, Matcher};
use crate::script::{Case, Settings, Target, VectorFile};
use natter_core::Millis;
use natter_core::server::{ConnectionId, MemoryStore, Output, Server};
use serde_json::Value;
use std::sync::Arc;

/// natter-core's server as a [`Target`].
#[derive(Debug, Default)]
pub struct CoreServer {
    /// Keeps one message resident and checkpoints every three records, so
    /// that the scripts also run through loads and restores.
    tight: bool,
    /// Binds server ids on first sight, as over a wire.
    bind_ids: bool,
    loads: usize,
    server: Option<Server>,
    config: Option<Arc<natter_core::server::ServerConfig>>,
    store: MemoryStore,
    now: Millis,
    sent: Vec<(u64, Value)>,
}

impl CoreServer {
    /// A server that keeps one message in memory and checkpoints every
    /// three records: every script must pass unchanged, through
    /// [`Output::Load`] and checkpoint restores.
    pub fn tight() -> Self {
        CoreServer {
            tight: true,
            ..CoreServer::default()
        }
    }

    /// Applies every output, as an adapter with an instant store would.
    fn drain(&mut self) {
        let Some(server) = self.server.as_mut() else {
            return;
        };
        while let Some(output) = server.poll_output() {
            match output {
                Output::Persist(batch) => {
                    self.store.write(&batch);
                    server.persisted(batch.id());
                }
                Output::Transmit { conn, frame } => {
                    let mut value = serde_json::to_value(&frame).unwrap_or(Value::Null);
                    if let Some(fields) = value.as_object_mut() {
                        fields.remove("reason");
                    }
                    self.sent.push((conn.0, value));
                }
                Output::Load(load) => {
                    self.loads += 1;
                    let rows = self.store.answer(load.query());
                    server.loaded(self.now, load.id(), rows);
                }
                Output::Checkpoint(c) => self.store.checkpoint(c),
                Output::Event(_) => {}
            }
        }
    }

    /// A server whose ids are bound on first sight, as
    /// [`crate::wire_server::WireServer`] binds them: a script that names an
    /// id before a frame showed it fails here as it would on a live server.
    pub fn binding_ids() -> Self {
        CoreServer {
            bind_ids: true,
            ..CoreServer::default()
        }
    }

    /// How many loads the server asked for so far.
    pub fn loads(&self) -> usize {
        self.loads
    }

    fn server(&mut self) -> Result<&mut Server, String> {
        self.server
            .as_mut()
            .ok_or_else(|| "no case begun".to_owned())
    }
}

impl Target for CoreServer {
    fn skip(&self, _: &VectorFile, _: &Case) -> Option<String> {
        None
    }

    fn begin(&mut self, _: &VectorFile, settings: &Settings) -> Result<(), String> {
        let mut config = settings.config();
        if self.tight {
            config = config
                .with_resident_messages(Some(1))
                .with_checkpoint_every(Some(3));
        }
        let config = Arc::new(config);
        self.server = Some(Server::new(Arc::clone(&config)));
        self.config = Some(config);
        self.store = MemoryStore::default();
        self.now = Millis(0);
        self.sent.clear();
        Ok(())
    }

    fn matcher(&self) -> Matcher {
        Matcher {
            kinds: if self.bind_ids {
                vec![Kind::Message, Kind::Group, Kind::Thread]
            } else {
                Vec::new()
            },
            ..Matcher::default()
        }
    }

    fn ordered_across_connections(&self) -> bool {
        true
    }

    fn at(&mut self, ms: u64) {
        self.now = Millis(ms);
        let now = self.now;
        if let Some(server) = self.server.as_mut() {
            server.handle_timeout(now);
        }
        self.drain();
    }

    fn connect(&mut self, conn: u64) -> Result<(), String> {
        let now = self.now;
        self.server()?.handle_connect(now, ConnectionId(conn));
        self.drain();
        Ok(())
    }

    fn disconnect(&mut self, conn: u64) -> Result<(), String> {
        let now = self.now;
        self.server()?.handle_disconnect(now, ConnectionId(conn));
        self.drain();
        Ok(())
    }

    fn restart(&mut self) -> Result<(), String> {
        let config = self.config.clone().ok_or("no case begun")?;
        let server = self.store.restore(config).map_err(|e| e.to_string())?;
        self.server = Some(server);
        self.drain();
        Ok(())
    }

    fn send(&mut self, conn: u64, text: &str) -> Result<(), String> {
        let now = self.now;
        // A frame the server refuses is answered on the connection; the
        // returned error says nothing the frames do not.
        let _ = self
            .server()?
            .handle_bytes(now, ConnectionId(conn), text.as_bytes());
        self.drain();
        Ok(())
    }

    fn received(&mut self, _: &[(u64, Value)]) -> Result<Vec<(u64, Value)>, String> {
        Ok(std::mem::take(&mut self.sent))
    }

    fn end(&mut self) {
        self.server = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Report, Verdict};

    fn run(target: &mut CoreServer) -> Report {
        let mut report = Report::new("core");
        let files = crate::server_files().expect("vectors/server");
        crate::run_server_files(&files, target, &mut report).expect("readable");
        report
    }

    #[test]
    fn shipped_server_scripts_pass() {
        let report = run(&mut CoreServer::default());
        assert!(report.ok(), "{report}");
        assert!(report.count(Verdict::Pass) >= 190, "{report}");
    }

    #[test]
    fn shipped_server_scripts_pass_with_ids_bound_as_over_a_wire() {
        let report = run(&mut CoreServer::binding_ids());
        assert!(report.ok(), "{report}");
    }

    #[test]
    fn shipped_server_scripts_pass_with_one_resident_message() {
        let mut target = CoreServer::tight();
        let report = run(&mut target);
        assert!(report.ok(), "{report}");
        assert!(target.loads() >= 20, "{} loads", target.loads());
    }
}
