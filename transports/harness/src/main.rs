//! The simulation runner:
//! `cargo run --release -p natter-harness -- --seeds N [--start S] [--faults LEVEL]`.

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use natter_harness::{FaultKind, FaultLevel, Sabotage, SimConfig, run, shrink};
use std::process::ExitCode;
use std::time::Instant;

/// Runs seeded simulations of Natter clients and a server over a faulty
/// in-memory network and checks the delivery guarantees after each.
#[derive(Parser, Debug)]
#[command(name = "natter-harness", version)]
struct Args {
    /// How many seeds to run.
    #[arg(long, default_value_t = 100)]
    seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 0)]
    start: u64,
    /// Fault level: none, low, default, high.
    #[arg(long, default_value = "default")]
    faults: FaultLevel,
    /// Workload operations per run.
    #[arg(long, default_value_t = 150)]
    ops: usize,
    /// Switch a fault kind off (drop, duplicate, reorder, cut, restart);
    /// repeatable.
    #[arg(long = "without")]
    without: Vec<FaultKind>,
    /// Run against a deliberately broken system: forget-dedup, skip-replay.
    #[arg(long)]
    sabotage: Option<Sabotage>,
    /// No progress bar (for logs).
    #[arg(long)]
    quiet: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(args.seeds)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} seeds {per_sec} eta {eta} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let (mut steps, mut messages, mut faults) = (0u64, 0u64, 0u64);
    let mut failed = None;
    for seed in args.start..args.start + args.seeds {
        let config = SimConfig {
            seed,
            ops: args.ops,
            faults: args.faults,
            disabled: args.without.clone(),
            sabotage: args.sabotage,
        };
        let report = run(&config);
        steps += report.stats.steps;
        messages += report.stats.messages;
        faults += report.stats.faults;
        bar.inc(1);
        if !report.violations.is_empty() {
            failed = Some(config);
            break;
        }
    }
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let ran = failed
        .as_ref()
        .map_or(args.seeds, |c| c.seed - args.start + 1);
    println!(
        "{ran} seeds, {steps} steps, {messages} messages, {faults} faults injected, {} violations; {:.1} s, {:.1} seeds/s",
        u8::from(failed.is_some()),
        seconds,
        rate(ran, seconds)
    );
    let Some(config) = failed else {
        return ExitCode::SUCCESS;
    };
    println!("seed {} failed; shrinking...", config.seed);
    let (small, violations) = shrink(&config, 40);
    let distinct: std::collections::BTreeSet<&String> = violations.iter().collect();
    for v in distinct.iter().take(20) {
        println!("  violation {v}");
    }
    if distinct.len() > 20 {
        println!("  ... and {} more", distinct.len() - 20);
    }
    let trace = run(&small).trace;
    println!(
        "trace of the shrunk run ({} operations; the last 200 lines):",
        small.ops
    );
    for line in trace.iter().rev().take(200).rev() {
        println!("  {line}");
    }
    println!("replay with: {}", small.replay_command());
    ExitCode::FAILURE
}

/// Seeds per second, for display.
#[allow(clippy::cast_precision_loss, reason = "seed counts far below 2^52")]
fn rate(seeds: u64, seconds: f64) -> f64 {
    seeds as f64 / seconds.max(1e-9)
}
