//! How long a server takes to start from a data directory, and how much
//! memory it then holds, as history grows: writes N one-to-one messages
//! through the core into a record log (as `natter serve --data` does), then
//! times opening the log and restoring the server from it.
//!
//! ```sh
//! cargo run --release -p natter-driver --example restart -- 200000
//! ```

use natter_core::server::{ConnectionId, Output, Record, Server, ServerConfig, token};
use natter_core::{Millis, UserId};
use natter_driver::server::{RECORDS_FILE, RecordLog};
use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

/// This process's resident memory, from /proc (Linux), in MiB.
fn resident_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

fn main() -> Result<(), Box<dyn Error>> {
    let n: u64 = std::env::args().nth(1).map_or(Ok(100_000), |a| a.parse())?;
    let dir = std::env::temp_dir().join(format!("natter-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = Arc::new(ServerConfig::new(b"restart".to_vec()).with_rates(u32::MAX, u32::MAX));
    {
        let (mut log, _) = RecordLog::open(&dir)?;
        let mut server = Server::new(config.clone());
        let conn = ConnectionId(1);
        let alice = UserId::new("alice")?;
        let tok = token::mint(b"restart", &alice, Millis(u64::MAX / 4));
        server.handle_connect(Millis(0), conn);
        let hello = format!(r#"{{"type":"hello","versions":[1],"token":"{tok}","device":"d"}}"#);
        server.handle_bytes(Millis(0), conn, hello.as_bytes())?;
        let mut pending: Vec<Record> = Vec::new();
        for i in 1..=n {
            let send = format!(
                r#"{{"type":"send","id":"r{i}","to":{{"chat":"single","id":"u{}"}},"body":{{"type":"text","text":"message number {i}"}}}}"#,
                i % 1000
            );
            server.handle_bytes(Millis(i), conn, send.as_bytes())?;
            // Keep alice's delivery window open, as a client's acks do.
            let ack = format!(r#"{{"type":"ack","seq":{}}}"#, server.inbox_seq(&alice).0);
            server.handle_bytes(Millis(i), conn, ack.as_bytes())?;
            while let Some(output) = server.poll_output() {
                if let Output::Persist(batch) = output {
                    server.persisted(batch.id());
                    pending.extend(batch.into_records());
                }
            }
            if pending.len() >= 10_000 || i == n {
                log.append(&pending)?;
                pending.clear();
            }
        }
    }
    let bytes = std::fs::metadata(dir.join(RECORDS_FILE))?.len();
    let before = resident_mib();
    let start = Instant::now();
    let (_log, records) = RecordLog::open(&dir)?;
    let read = start.elapsed();
    let count = records.len();
    let server = Server::restore(config, records);
    let total = start.elapsed();
    let after = resident_mib();
    println!(
        "{n} messages: {count} records, {} MiB of log; read in {read:?}, restored in {total:?}; resident {:.0} -> {:.0} MiB",
        bytes / 1_048_576,
        before.unwrap_or(0.0),
        after.unwrap_or(0.0)
    );
    drop(server);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
