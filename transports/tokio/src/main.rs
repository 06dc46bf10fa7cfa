//! `natter`: run a server, mint tokens, chat from a terminal, or watch the
//! demo.

use clap::{Parser, Subcommand};
use natter_core::server::token;
use natter_core::{Millis, UserId};
use natter_tokio::{serve, wall_clock};
use std::path::PathBuf;
use std::process::ExitCode;

mod bench;
mod chat;
mod demo;
mod echo;
mod load;
mod serve_options;

use serve_options::ServeOptions;

/// The `natter` binary's allocator: jemalloc, whose thread caches serve
/// the server's pattern (a message allocated on one worker and freed on
/// another) with less work than the system allocator. The library crates
/// leave the choice to the program that embeds them. BENCHMARKS.md has the
/// figures.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Natter over WebSockets.
#[derive(Parser, Debug)]
#[command(name = "natter", version)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a server. Settings come from flags, then the environment
    /// (NATTER_*), then the TOML file given by --config, then the defaults.
    Serve {
        /// A TOML file with any of the settings below, by their names in
        /// snake case (e.g. `user_rate = 500`)
        #[arg(long, env = "NATTER_CONFIG")]
        config: Option<PathBuf>,
        #[command(flatten)]
        options: Box<ServeOptions>,
    },
    /// Mint a token for a user.
    Token {
        /// The user.
        #[arg(long)]
        user: String,
        /// The secret the server uses.
        #[arg(long)]
        secret: String,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 86_400)]
        ttl: u64,
    },
    /// A line-based chat client.
    Chat {
        /// The server's WebSocket URL.
        #[arg(long, default_value = "ws://127.0.0.1:7878/ws")]
        url: String,
        /// A token from `natter token`.
        #[arg(long)]
        token: String,
    },
    /// Start a server in-process and walk three users through every feature.
    Demo,
    /// Measure a server: relay throughput and latency, group fan-out, a
    /// connection storm, beside a bare WebSocket echo on the same stack.
    Bench(Box<bench::BenchOptions>),
    /// A bare WebSocket echo on the server's stack (for `natter bench`).
    #[command(hide = true)]
    Echo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
    },
    /// Open many idle sessions against a server on this machine and hold them.
    Load {
        /// The server's WebSocket URL (loopback only).
        #[arg(long, default_value = "ws://127.0.0.1:7878/ws")]
        url: String,
        /// The server's secret, to mint the sessions' tokens.
        #[arg(long)]
        secret: String,
        /// How many sessions.
        #[arg(long, default_value_t = 1000)]
        connections: usize,
        /// How long to hold them, in seconds.
        #[arg(long, default_value_t = 10)]
        hold: u64,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr: stdout is the command's own output.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    match Args::parse().command {
        Command::Serve { config, options } => {
            let (listen, config) = match options
                .with_file(config.as_deref())
                .and_then(ServeOptions::build)
            {
                Ok(built) => built,
                Err(e) => {
                    eprintln!("natter serve: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let listener = match tokio::net::TcpListener::bind(&listen).await {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("cannot listen on {listen}: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let handle = match serve(listener, config).await {
                Ok(h) => h,
                Err(e) => {
                    eprintln!("cannot start: {e}");
                    return ExitCode::FAILURE;
                }
            };
            tracing::warn!("natter serving on ws://{}/ws", handle.addr);
            println!("natter serving on ws://{}/ws (Ctrl-C stops)", handle.addr);
            let _ = tokio::signal::ctrl_c().await;
            handle.shutdown().await;
            ExitCode::SUCCESS
        }
        Command::Token { user, secret, ttl } => match UserId::new(user) {
            Ok(user) => {
                println!(
                    "{}",
                    token::mint(
                        secret.as_bytes(),
                        &user,
                        Millis(wall_clock().0 + ttl * 1000)
                    )
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        Command::Chat { url, token } => chat::run(&url, &token).await,
        Command::Load {
            url,
            secret,
            connections,
            hold,
        } => {
            if !(url.starts_with("ws://127.")
                || url.starts_with("ws://localhost")
                || url.starts_with("ws://[::1]"))
            {
                eprintln!(
                    "natter load only targets servers on this machine (ws://127.x.x.x, localhost, [::1])"
                );
                return ExitCode::FAILURE;
            }
            load::run(
                &url,
                &secret,
                connections,
                std::time::Duration::from_secs(hold),
            )
            .await
        }
        Command::Bench(options) => bench::run(*options).await,
        Command::Echo { listen } => echo::run(&listen).await,
        Command::Demo => match demo::run().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("demo failed: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
