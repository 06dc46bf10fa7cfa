//! The spread of one criterion benchmark's samples, per iteration: its
//! fastest sample, the tenth percentile and the median.
//!
//! Criterion's headline figure is fitted over all of a run's samples, so on
//! a shared machine a stretch of a few hundred milliseconds in which the
//! host takes the core moves it (BENCHMARKS.md: the same binary's 1:1 send
//! at 1.7 µs in one stretch of a run and 2.7 µs in the next, at the same
//! state). The fast samples say what the code costs when it has the core;
//! the median, what a typical moment of this machine gives. Each sample is
//! thousands of iterations, so one is never a lucky single call.
//!
//! ```sh
//! cargo bench -p natter-core --bench frames -- --measurement-time 3 "server handle_bytes send \(1:1"
//! cargo run --release -p natter-core --example criterion_samples -- \
//!     "target/criterion/server handle_bytes send (1_1, both online) + drain + encode/new/sample.json"
//! ```

use serde::Deserialize;
use std::error::Error;

/// The part of criterion's `sample.json` read here: each sample's
/// iteration count and its total time in nanoseconds.
#[derive(Deserialize)]
struct Samples {
    iters: Vec<f64>,
    times: Vec<f64>,
}

/// The per-iteration times of `samples`, fastest first.
fn per_iteration(samples: &Samples) -> Vec<f64> {
    let mut per: Vec<f64> = (samples.times.iter().zip(&samples.iters))
        .filter(|&(_, &iters)| iters > 0.0)
        .map(|(time, iters)| time / iters)
        .collect();
    per.sort_by(f64::total_cmp);
    per
}

/// The value `percent` % of the way up the sorted `per` (nearest rank).
fn percentile(per: &[f64], percent: usize) -> f64 {
    let last = per.len().saturating_sub(1);
    let rank = (last * percent + 50) / 100;
    per.get(rank.min(last)).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<(), Box<dyn Error>> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        return Err("usage: criterion_samples PATH/sample.json...".into());
    }
    for path in paths {
        let samples: Samples = serde_json::from_slice(&std::fs::read(&path)?)?;
        let per = per_iteration(&samples);
        if per.is_empty() {
            return Err(format!("{path}: no samples").into());
        }
        let us = |ns: f64| ns / 1000.0;
        println!(
            "fastest {:.3} µs, p10 {:.3} µs, median {:.3} µs ({} samples): {path}",
            us(percentile(&per, 0)),
            us(percentile(&per, 10)),
            us(percentile(&per, 50)),
            per.len(),
        );
    }
    Ok(())
}
