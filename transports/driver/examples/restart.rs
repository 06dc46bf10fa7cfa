//! How long a server takes to start from a data directory, and how much
//! memory it then holds, as history grows: writes N one-to-one messages
//! through the core into a store (as `natter serve --data` does: resident
//! window, checkpoints), then starts a fresh process that opens the store
//! and restores the server, and reports its time and resident memory.
//!
//! ```sh
//! cargo run --release -p natter-driver --example restart -- 2000000
//! ```

use natter_core::server::{Batch, ConnectionId, Output, ServerConfig, token};
use natter_core::{Millis, UserId};
use natter_driver::server::{CACHE_BYTES, STORE_FILE, Store, WAL_FILES};
use std::error::Error;
use std::path::Path;
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

fn config() -> ServerConfig {
    ServerConfig::new(b"restart".to_vec()).with_rates(u32::MAX, u32::MAX)
}

/// Writes `n` messages from alice to 1,000 users through a server on the
/// store in `dir`, alice acknowledging as she goes.
fn write(dir: &Path, n: u64) -> Result<(), Box<dyn Error>> {
    let (mut store, mut server) = Store::open(dir, config(), CACHE_BYTES)?;
    let conn = ConnectionId(1);
    let alice = UserId::new("alice")?;
    let tok = token::mint(b"restart", &alice, Millis(u64::MAX / 4));
    server.handle_connect(Millis(0), conn);
    let hello = format!(r#"{{"type":"hello","versions":[1],"token":"{tok}","device":"d"}}"#);
    server.handle_bytes(Millis(0), conn, hello.as_bytes())?;
    let mut pending: Vec<Batch> = Vec::new();
    for i in 1..=n {
        let send = format!(
            r#"{{"type":"send","id":"r{i}","to":{{"chat":"single","id":"u{}"}},"body":{{"type":"text","text":"message number {i}"}}}}"#,
            i % 1000
        );
        server.handle_bytes(Millis(i), conn, send.as_bytes())?;
        let ack = format!(r#"{{"type":"ack","seq":{}}}"#, server.inbox_seq(&alice).0);
        server.handle_bytes(Millis(i), conn, ack.as_bytes())?;
        while let Some(output) = server.poll_output() {
            match output {
                Output::Persist(batch) => {
                    server.persisted(batch.id());
                    pending.push(batch);
                }
                Output::Checkpoint(c) => {
                    store.write(&std::mem::take(&mut pending))?;
                    store.checkpoint(&c)?;
                }
                Output::Load(load) => {
                    store.write(&std::mem::take(&mut pending))?;
                    let rows = store.load(load.query())?;
                    server.loaded(Millis(i), load.id(), rows);
                }
                Output::Transmit { .. } | Output::Event(_) => {}
            }
        }
        if pending.len() >= 5_000 || i == n {
            store.write(&std::mem::take(&mut pending))?;
        }
    }
    Ok(())
}

/// Opens the store in `dir` and reports.
fn open(dir: &Path) -> Result<(), Box<dyn Error>> {
    let before = resident_mib();
    let start = Instant::now();
    let (store, server) = Store::open(dir, config(), CACHE_BYTES)?;
    let took = start.elapsed();
    let after = resident_mib();
    let (records, messages) = store.counts()?;
    let bytes = std::fs::metadata(dir.join(STORE_FILE))?.len();
    let log: u64 = WAL_FILES
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "{messages} messages ({} MiB database, {} MiB log, {records} records after the checkpoint): opened and restored in {took:?}; {} resident; process resident {:.0} -> {:.0} MiB",
        bytes / 1_048_576,
        log / 1_048_576,
        server.resident_messages(),
        before.unwrap_or(0.0),
        after.unwrap_or(0.0)
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, dir] = &args[..]
        && flag == "--open"
    {
        return open(Path::new(dir));
    }
    let n: u64 = args.get(1).map_or(Ok(100_000), |a| a.parse())?;
    let dir = std::env::temp_dir().join(format!("natter-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let start = Instant::now();
    write(&dir, n)?;
    println!("wrote {n} messages in {:?}", start.elapsed());
    // A fresh process, so that its memory is the restored server's alone.
    let status = std::process::Command::new(std::env::current_exe()?)
        .arg("--open")
        .arg(&dir)
        .status()?;
    std::fs::remove_dir_all(&dir)?;
    if !status.success() {
        return Err("the restart failed".into());
    }
    Ok(())
}
