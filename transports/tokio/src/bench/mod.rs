//! `natter bench`: a load generator for a Natter server. It measures 1:1
//! relay throughput with K sender/receiver pairs and one-way latency
//! percentiles, group fan-out, and a connection storm, and runs the same
//! relay load against a bare WebSocket echo on the server's stack, so that
//! every figure has a ratio to the transport's own ceiling. It starts its
//! own `natter serve` (in memory, and with a data directory) as child
//! processes, whose CPU time per message and memory it reads, or aims at a
//! server at `--url`. With `--xmpp` it runs the relay load against an XMPP
//! server instead (ejabberd, Prosody), with an equally light client. It
//! prints one table and writes JSON with `--json`.

mod fanout;
mod relay;
mod target;
mod wire;
mod xmpp;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use target::Target;
use wire::Error;

/// What `natter bench` runs.
#[derive(Args, Debug)]
pub(crate) struct BenchOptions {
    /// A server to aim at instead of the bench's own (`ws://HOST:PORT/ws`);
    /// then CPU and memory are not measured, and the echo not run.
    #[arg(long)]
    url: Option<String>,
    /// The token secret of the server at --url.
    #[arg(long, env = "NATTER_SECRET", hide_env_values = true, requires = "url")]
    secret: Option<String>,
    /// An XMPP server's client port (`HOST:PORT`, plain TCP) to run the
    /// relay against instead, with accounts bs0.., br0.. (one per pair).
    #[arg(long, conflicts_with = "url")]
    xmpp: Option<String>,
    /// The XMPP server's domain.
    #[arg(long, default_value = "localhost", requires = "xmpp")]
    xmpp_domain: String,
    /// The password of the XMPP bench accounts.
    #[arg(
        long,
        env = "NATTER_XMPP_PASSWORD",
        hide_env_values = true,
        requires = "xmpp"
    )]
    xmpp_password: Option<String>,
    /// The process id of the server at --url or --xmpp, to read its CPU
    /// time and memory as for the bench's own (Linux /proc).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Sender/receiver pairs of the relay.
    #[arg(long, default_value_t = 8)]
    pairs: u64,
    /// Messages relayed in all.
    #[arg(long, default_value_t = 200_000)]
    messages: u64,
    /// Sends in flight per sender.
    #[arg(long, default_value_t = 32)]
    window: u64,
    /// Online members of the fan-out group.
    #[arg(long, default_value_t = 100)]
    members: u64,
    /// Messages sent to the group.
    #[arg(long, default_value_t = 2_000)]
    group_messages: u64,
    /// Sessions opened in the connection storm.
    #[arg(long, default_value_t = 2_000)]
    storm: u64,
    /// Skip the durable (--data) relay of the bench's own server.
    #[arg(long)]
    no_durable: bool,
    /// Runs only these scenarios (comma-separated: echo, relay, fanout,
    /// storm); all when absent.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Writes the results here as JSON.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
}

/// One line of the results.
#[derive(Debug, Serialize)]
struct Row {
    scenario: String,
    /// Messages, deliveries, echoes or sessions counted.
    count: u64,
    seconds: f64,
    /// `count` per second.
    rate: f64,
    p50_us: u32,
    p99_us: u32,
    p999_us: u32,
    /// The server's CPU time per counted item, in microseconds.
    cpu_us: Option<f64>,
    /// The server's resident memory at the end, in MiB.
    rss_mib: Option<f64>,
    /// `rate` over the echo's rate with the same load.
    vs_echo: Option<f64>,
}

/// A scenario's load, given the counter it advances; ends in the
/// latencies it measured.
type Load = std::pin::Pin<Box<dyn Future<Output = Result<Vec<u32>, Error>> + Send>>;

/// Runs one scenario against `target` with a progress bar; measures it.
async fn measure<F>(name: &str, total: u64, target: &Target, load: F) -> Result<Row, Error>
where
    F: FnOnce(Arc<AtomicU64>) -> Load,
{
    let counted = Arc::new(AtomicU64::new(0));
    let bar = ProgressBar::new(total).with_message(name.to_owned());
    bar.set_style(
        ProgressStyle::with_template("{msg:>24} {bar:40} {pos}/{len} {per_sec} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let ticker = {
        let (bar, counted) = (bar.clone(), counted.clone());
        tokio::spawn(async move {
            loop {
                bar.set_position(counted.load(Ordering::Relaxed));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let cpu_before = target.cpu_seconds();
    let started = Instant::now();
    let mut latencies = load(counted).await?;
    let seconds = started.elapsed().as_secs_f64();
    ticker.abort();
    bar.finish_and_clear();
    latencies.sort_unstable();
    let pick = |q: f64| -> u32 {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies.get(i).copied().unwrap_or(0)
    };
    #[allow(clippy::cast_precision_loss)]
    let count = latencies.len() as u64;
    #[allow(clippy::cast_precision_loss)]
    let per = |x: f64| x / count.max(1) as f64;
    Ok(Row {
        scenario: name.to_owned(),
        count,
        seconds,
        #[allow(clippy::cast_precision_loss)]
        rate: count as f64 / seconds,
        p50_us: pick(0.50),
        p99_us: pick(0.99),
        p999_us: pick(0.999),
        cpu_us: cpu_before
            .zip(target.cpu_seconds())
            .map(|(a, b)| per((b - a) * 1e6)),
        rss_mib: target.resident_mib(),
        vs_echo: None,
    })
}

/// Runs every scenario; prints the table; writes JSON if asked.
pub(crate) async fn run(o: BenchOptions) -> ExitCode {
    match scenarios(&o).await {
        Ok(rows) => {
            print_table(&rows);
            if let Some(path) = &o.json {
                let json = serde_json::to_string_pretty(&rows).unwrap_or_default();
                if let Err(e) = std::fs::write(path, json) {
                    eprintln!("natter bench: writing {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("natter bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn scenarios(o: &BenchOptions) -> Result<Vec<Row>, Error> {
    let (pairs, total, window) = (o.pairs.max(1), o.messages.max(1), o.window.max(1));
    if let Some(addr) = &o.xmpp {
        let server = xmpp::Xmpp {
            addr: addr.clone(),
            domain: o.xmpp_domain.clone(),
            password: o
                .xmpp_password
                .clone()
                .ok_or("--xmpp needs --xmpp-password")?,
        };
        let target = Target::remote(addr, "", o.server_pid);
        let load = |n| -> Load { Box::pin(xmpp::relay(server, pairs, total, window, n)) };
        return Ok(vec![measure("relay (xmpp)", total, &target, load).await?]);
    }
    let wanted = |name: &str| o.only.is_empty() || o.only.iter().any(|n| n == name);
    let mut rows = Vec::new();
    let echo_rate = if o.url.is_none() && wanted("echo") {
        let echo = Target::echo()?;
        let url = echo.url.clone();
        let row = measure("echo", total, &echo, |n| {
            Box::pin(async move { relay::echo(&url, pairs * 2, total, window, n).await })
        })
        .await?;
        let rate = row.rate;
        rows.push(row);
        Some(rate)
    } else {
        None
    };
    let mut targets = Vec::new();
    match (&o.url, &o.secret) {
        (Some(url), Some(secret)) => {
            targets.push(("", Target::remote(url, secret, o.server_pid)));
        }
        _ => {
            targets.push((" (memory)", Target::serve(false)?));
            if !o.no_durable {
                targets.push((" (durable)", Target::serve(true)?));
            }
        }
    }
    for (label, target) in targets.iter().filter(|_| wanted("relay")) {
        let (url, secret) = (target.url.clone(), target.secret.clone());
        let mut row = measure(&format!("relay{label}"), total, target, |n| {
            Box::pin(async move { relay::relay(&url, &secret, pairs, total, window, n).await })
        })
        .await?;
        row.vs_echo = echo_rate.map(|e| row.rate / e);
        rows.push(row);
    }
    let Some((_, target)) = targets.first() else {
        return Ok(rows);
    };
    let (url, secret) = (target.url.clone(), target.secret.clone());
    let (members, messages) = (o.members.max(1), o.group_messages.max(1));
    let deliveries = members * messages;
    if wanted("fanout") {
        let (url, secret) = (url.clone(), secret.clone());
        let load = |n| -> Load {
            Box::pin(
                async move { fanout::fanout(&url, &secret, members, messages, window, n).await },
            )
        };
        rows.push(measure(&format!("fan-out to {members}"), deliveries, target, load).await?);
    }
    if wanted("storm") {
        let storm = o.storm.max(1);
        let load =
            |n| -> Load { Box::pin(async move { fanout::storm(&url, &secret, storm, n).await }) };
        rows.push(measure("connection storm", storm, target, load).await?);
    }
    Ok(rows)
}

fn print_table(rows: &[Row]) {
    println!(
        "{:<22} {:>9} {:>7} {:>10} {:>8} {:>8} {:>8} {:>9} {:>8} {:>7}",
        "scenario",
        "count",
        "secs",
        "per sec",
        "p50 µs",
        "p99 µs",
        "p999 µs",
        "CPU µs",
        "RSS MiB",
        "/echo"
    );
    let opt = |v: Option<f64>, digits: usize| v.map_or("-".into(), |v| format!("{v:.digits$}"));
    for r in rows {
        println!(
            "{:<22} {:>9} {:>7.2} {:>10.0} {:>8} {:>8} {:>8} {:>9} {:>8} {:>7}",
            r.scenario,
            r.count,
            r.seconds,
            r.rate,
            r.p50_us,
            r.p99_us,
            r.p999_us,
            opt(r.cpu_us, 2),
            opt(r.rss_mib, 0),
            opt(r.vs_echo, 2)
        );
    }
}
