//! `natter-conformance`: runs the Natter conformance vectors.
//!
//! ```text
//! natter-conformance core                                  # against natter-core, in process
//! natter-conformance server --server ws://HOST:PORT/ws --secret S   # against a live server
//! natter-conformance client --listen 127.0.0.1:7880      # as the server of a client under test
//! natter-conformance agent --runner ws://127.0.0.1:7880  # natter-core's client, under test
//! natter-conformance record conformance/vectors/server/06-sending.json  # maintainers
//! ```
//!
//! Each mode prints failures and a summary, writes every verdict to
//! `--report FILE` as JSON when asked, and exits 1 when a case failed.

use clap::{Parser, Subcommand};
use natter_conformance::report::Report;
use natter_conformance::wire_client::WireClient;
use natter_conformance::{
    VectorError, agent, client_script, codec, core_server, record, vector_path, wire_server,
};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Runs the Natter conformance vectors.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
    /// Writes every case's verdict to this file as JSON.
    #[arg(long, global = true)]
    report: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// Runs the codec, server and client vectors against natter-core in
    /// process.
    Core,
    /// Runs the server scripts over WebSockets against a live server,
    /// started with the settings of the vector files' `server` block.
    Server {
        /// The server's WebSocket URL.
        #[arg(long)]
        server: String,
        /// The server's token secret.
        #[arg(long)]
        secret: String,
        /// Milliseconds to wait for frames nobody expects.
        #[arg(long, default_value_t = 40)]
        settle_ms: u64,
    },
    /// Plays the server for a client under test: listens on `--listen`,
    /// waits for the client's test agent on `/control`, and runs the client
    /// vectors, the client connecting to `/ws` (see the crate docs of
    /// `wire_client`).
    Client {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:7880")]
        listen: std::net::SocketAddr,
        /// Seconds to wait for the agent.
        #[arg(long, default_value_t = 60)]
        wait_secs: u64,
        /// Milliseconds to wait for frames and events nobody expects.
        #[arg(long, default_value_t = 20)]
        settle_ms: u64,
    },
    /// The test agent for natter-core's client: connects to a runner in
    /// client mode and drives natter-core's client as it asks.
    Agent {
        /// The runner, `ws://HOST:PORT`.
        #[arg(long)]
        runner: String,
    },
    /// Fills the expectations of server script or client vector files
    /// (`vectors/client/`) from natter-core and rewrites them (review the
    /// diff before committing).
    Record {
        /// The files.
        files: Vec<PathBuf>,
    },
}

fn run(cli: &Cli) -> Result<Option<Report>, VectorError> {
    let files = natter_conformance::server_files()?;
    let report = match &cli.mode {
        Mode::Core => {
            let mut report = Report::new("core");
            codec::run_file(vector_path("codec.json"), &mut report)?;
            let mut target = core_server::CoreServer::default();
            natter_conformance::run_server_files(&files, &mut target, &mut report)?;
            let clients = natter_conformance::client_files()?;
            natter_conformance::run_client_files(&clients, &mut None, &mut report)?;
            report
        }
        Mode::Server {
            server,
            secret,
            settle_ms,
        } => {
            let mut report = Report::new(format!("server {server}"));
            let settle = Duration::from_millis(*settle_ms);
            let mut target = wire_server::WireServer::new(server, secret, settle);
            natter_conformance::run_server_files(&files, &mut target, &mut report)?;
            report
        }
        Mode::Client {
            listen,
            wait_secs,
            settle_ms,
        } => {
            let settle = Duration::from_millis(*settle_ms);
            let mut target = WireClient::listen(*listen, settle).map_err(VectorError::Run)?;
            println!("waiting for a test agent at {}/control", target.url());
            target
                .wait_for_agent(Duration::from_secs(*wait_secs))
                .map_err(VectorError::Run)?;
            let mut report = Report::new(format!("client {}", target.url()));
            let clients = natter_conformance::client_files()?;
            natter_conformance::run_client_files(&clients, &mut target, &mut report)?;
            report
        }
        Mode::Agent { runner } => {
            agent::run(runner).map_err(VectorError::Run)?;
            return Ok(None);
        }
        Mode::Record { files } => {
            for file in files {
                if file.parent().is_some_and(|d| d.ends_with("client")) {
                    client_script::record_file(file)?;
                } else {
                    record::record_file(file)?;
                }
            }
            return Ok(None);
        }
    };
    Ok(Some(report))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let report = match run(&cli) {
        Ok(Some(report)) => report,
        Ok(None) => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("natter-conformance: {e}");
            return ExitCode::from(2);
        }
    };
    println!("{report}");
    if let Some(path) = &cli.report {
        let json = serde_json::to_string_pretty(&report).unwrap_or_default();
        if let Err(e) = std::fs::write(path, json) {
            eprintln!("natter-conformance: writing {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
