//! Resident memory of `natter serve --data` while messages flow, and its
//! restart: starts the release binary as a child process, sends N one-to-one
//! messages from P senders to P receivers (who acknowledge as they receive),
//! samples the child's resident memory as it goes, then kills it (`kill -9`)
//! and times a restart on the same data directory.
//!
//! ```sh
//! cargo build --release -p natter-tokio
//! cargo run --release -p natter-tokio --example flat_memory -- 2000000 8
//! ```

use futures::StreamExt;
use natter_core::client::{Config, ConnectionState, Event, Outgoing};
use natter_core::server::token;
use natter_core::{Body, Conversation, DeviceId, Millis, UserId};
use natter_tokio::{Client, wall_clock};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const SECRET: &str = "flat-memory";
/// Sends in flight per sender.
const IN_FLIGHT: usize = 16;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// A child's resident memory, from /proc (Linux), in MiB.
fn resident_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// `natter serve` on `data`, listening on `addr`, with unlimited rates.
fn natter_serve(binary: &Path, addr: &str, data: &Path) -> Result<Child, Error> {
    Ok(Command::new(binary)
        .args(["serve", "--listen", addr, "--user-rate", "1000000000"])
        .args(["--group-rate", "1000000000", "--data"])
        .arg(data)
        .env("NATTER_SECRET", SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?)
}

/// Connects `name` and waits until the session is ready; events are
/// drained (and so acknowledged) in the background.
async fn connect(url: &str, name: &str) -> Result<Client, Error> {
    let user = UserId::new(name)?;
    let tok = token::mint(SECRET.as_bytes(), &user, Millis(wall_clock().0 + 3_600_000));
    let config = Config::new(DeviceId::new("d")?, 1).with_max_outbox(IN_FLIGHT * 4);
    let (client, mut events) = Client::connect(url, tok, config);
    let deadline = Instant::now() + Duration::from_secs(30);
    while let Some(e) = tokio::time::timeout_at(deadline.into(), events.next()).await? {
        if matches!(e, Event::State(ConnectionState::Ready { .. })) {
            break;
        }
    }
    tokio::spawn(async move { while events.next().await.is_some() {} });
    Ok(client)
}

/// Waits until something listens on `addr`; returns how long that took.
async fn listening(addr: &str) -> Result<Duration, Error> {
    let start = Instant::now();
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        if start.elapsed() > Duration::from_secs(120) {
            return Err("the server did not start".into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(start.elapsed())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).map_or(Ok(2_000_000), |a| a.parse())?;
    let pairs: u64 = args.get(2).map_or(Ok(8), |a| a.parse())?.max(1);
    let binary: PathBuf = std::env::current_exe()?
        .parent()
        .and_then(Path::parent)
        .ok_or("no target directory")?
        .join("natter");
    let data = std::env::temp_dir().join(format!("natter-flat-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let url = format!("ws://{addr}/ws");
    let mut child = natter_serve(&binary, &addr, &data)?;
    listening(&addr).await?;
    let pid = child.id();
    println!("messages sent | server resident MiB");
    println!("0 | {:.0}", resident_mib(pid));
    let sent = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    let mut receivers = Vec::new();
    for p in 0..pairs {
        receivers.push(connect(&url, &format!("bob{p}")).await?);
        let sender = connect(&url, &format!("alice{p}")).await?;
        let to = Conversation::Single(UserId::new(format!("bob{p}"))?);
        let share = n / pairs + u64::from(p < n % pairs);
        for lane in 0..IN_FLIGHT as u64 {
            let (sender, to, sent) = (sender.clone(), to.clone(), Arc::clone(&sent));
            let count = share / IN_FLIGHT as u64 + u64::from(lane < share % IN_FLIGHT as u64);
            tasks.push(tokio::spawn(async move {
                for i in 0..count {
                    let body = Body::Text {
                        text: format!("message {lane}-{i}"),
                    };
                    sender.send(Outgoing::new(to.clone(), body)).await?;
                    sent.fetch_add(1, Ordering::Relaxed);
                }
                Ok::<(), Error>(())
            }));
        }
    }
    let step = (n / 10).max(1);
    let mut next = step;
    while next <= n {
        if sent.load(Ordering::Relaxed) >= next {
            println!("{next} | {:.0}", resident_mib(pid));
            next += step;
        } else if tasks.iter().all(|t| t.is_finished()) {
            break;
        } else {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    for task in tasks {
        task.await??;
    }
    let took = start.elapsed();
    drop(receivers);
    let done = sent.load(Ordering::Relaxed);
    println!(
        "{done} messages in {took:.1?} ({:.0} msg/s)",
        f64::from(u32::try_from(done).unwrap_or(u32::MAX)) / took.as_secs_f64()
    );
    child.kill()?;
    child.wait()?;
    // Restarted, it answers a hello once it has restored its state.
    let restart = Instant::now();
    let mut again = natter_serve(&binary, &addr, &data)?;
    listening(&addr).await?;
    let probe = connect(&url, "probe").await?;
    let restart = restart.elapsed();
    println!(
        "restart after kill -9: first session ready in {restart:.2?}, resident {:.0} MiB",
        resident_mib(again.id())
    );
    drop(probe);
    again.kill()?;
    again.wait()?;
    std::fs::remove_dir_all(&data)?;
    Ok(())
}
