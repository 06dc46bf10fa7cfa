//! Shrinking a failing run to a shorter one that still fails: fewer
//! operations first, then fault kinds switched off one by one.

use crate::config::{FaultKind, SimConfig};
use crate::run;

/// The smallest configuration found that still violates an invariant, with
/// its violations. `failing` must fail; at most `budget` runs are tried.
pub fn shrink(failing: &SimConfig, budget: usize) -> (SimConfig, Vec<String>) {
    let mut best = failing.clone();
    let mut violations = run(&best).violations;
    let mut tries = 0;
    // Halve the operations while it still fails, then step down.
    let mut step = best.ops / 2;
    while step > 0 && tries < budget {
        let mut candidate = best.clone();
        candidate.ops = best.ops.saturating_sub(step).max(1);
        tries += 1;
        let report = run(&candidate);
        if report.violations.is_empty() {
            step /= 2;
        } else {
            best = candidate;
            violations = report.violations;
        }
    }
    for kind in FaultKind::ALL {
        if tries >= budget || best.disabled.contains(&kind) {
            continue;
        }
        let mut candidate = best.clone();
        candidate.disabled.push(kind);
        tries += 1;
        let report = run(&candidate);
        if !report.violations.is_empty() {
            best = candidate;
            violations = report.violations;
        }
    }
    (best, violations)
}
