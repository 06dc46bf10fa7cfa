//! What one simulation run does: its seed, its size, its faults.

use std::fmt;
use std::str::FromStr;

/// How hostile the network is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FaultLevel {
    /// A perfect network: latency only.
    None,
    /// Rare faults.
    Low,
    /// The default: every fault kind, often enough to matter.
    #[default]
    Default,
    /// Many faults.
    High,
}

impl FromStr for FaultLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(FaultLevel::None),
            "low" => Ok(FaultLevel::Low),
            "default" => Ok(FaultLevel::Default),
            "high" => Ok(FaultLevel::High),
            other => Err(format!(
                "unknown fault level {other:?}: none, low, default, high"
            )),
        }
    }
}

impl fmt::Display for FaultLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FaultLevel::None => "none",
            FaultLevel::Low => "low",
            FaultLevel::Default => "default",
            FaultLevel::High => "high",
        })
    }
}

/// The kinds of fault, each of which can be switched off (for shrinking).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultKind {
    /// A frame is lost.
    Drop,
    /// A frame arrives twice.
    Duplicate,
    /// Frames overtake each other.
    Reorder,
    /// A connection is cut; the client reconnects and resumes.
    Cut,
    /// The server crashes and restarts from its persisted records.
    Restart,
}

impl FaultKind {
    /// Every kind.
    pub const ALL: [FaultKind; 5] = [
        FaultKind::Drop,
        FaultKind::Duplicate,
        FaultKind::Reorder,
        FaultKind::Cut,
        FaultKind::Restart,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Drop => "drop",
            FaultKind::Duplicate => "duplicate",
            FaultKind::Reorder => "reorder",
            FaultKind::Cut => "cut",
            FaultKind::Restart => "restart",
        }
    }
}

impl FromStr for FaultKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        FaultKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| format!("unknown fault kind {s:?}"))
    }
}

/// A deliberate bug, to prove that the checks catch one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sabotage {
    /// The network gives every retransmitted request a fresh id, so the
    /// server cannot deduplicate it.
    ForgetDedup,
    /// The network tells the server every client is up to date, so nothing
    /// is replayed on reconnect.
    SkipReplay,
}

impl FromStr for Sabotage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "forget-dedup" => Ok(Sabotage::ForgetDedup),
            "skip-replay" => Ok(Sabotage::SkipReplay),
            other => Err(format!(
                "unknown sabotage {other:?}: forget-dedup, skip-replay"
            )),
        }
    }
}

/// One run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimConfig {
    /// Everything random in the run comes from this.
    pub seed: u64,
    /// Workload operations to issue.
    pub ops: usize,
    /// How hostile the network is.
    pub faults: FaultLevel,
    /// Fault kinds switched off.
    pub disabled: Vec<FaultKind>,
    /// A deliberate bug, if any.
    pub sabotage: Option<Sabotage>,
}

impl SimConfig {
    /// A run of `seed` with the default size and faults.
    pub fn new(seed: u64) -> Self {
        SimConfig {
            seed,
            ops: 150,
            faults: FaultLevel::Default,
            disabled: Vec::new(),
            sabotage: None,
        }
    }

    /// The probability (per frame or per operation) of a fault kind.
    pub(crate) fn rate(&self, kind: FaultKind) -> f64 {
        if self.disabled.contains(&kind) {
            return 0.0;
        }
        let scale = match self.faults {
            FaultLevel::None => return 0.0,
            FaultLevel::Low => 0.3,
            FaultLevel::Default => 1.0,
            FaultLevel::High => 3.0,
        };
        scale
            * match kind {
                FaultKind::Drop => 0.02,
                FaultKind::Duplicate => 0.02,
                FaultKind::Reorder => 0.05,
                FaultKind::Cut => 0.02,
                FaultKind::Restart => 0.005,
            }
    }

    /// The command that replays this run.
    pub fn replay_command(&self) -> String {
        let mut cmd = format!(
            "cargo run --release -p natter-harness -- --seeds 1 --start {} --ops {} --faults {}",
            self.seed, self.ops, self.faults
        );
        for k in &self.disabled {
            cmd.push_str(&format!(" --without {}", k.name()));
        }
        if let Some(s) = self.sabotage {
            cmd.push_str(match s {
                Sabotage::ForgetDedup => " --sabotage forget-dedup",
                Sabotage::SkipReplay => " --sabotage skip-replay",
            });
        }
        cmd
    }
}
