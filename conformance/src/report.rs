//! Per-case verdicts, Autobahn style, and the report that gathers them.

use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// What a case concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Exactly as the vector says.
    Pass,
    /// As the vector says, but with differences the protocol allows (fields
    /// the vector does not name).
    NonStrict,
    /// Not as the vector says.
    Fail,
    /// Not run in this mode, with the reason.
    Skipped,
}

/// The result of one case.
#[derive(Clone, Debug, Serialize)]
pub struct CaseResult {
    /// The vector file's section, or its name.
    pub section: String,
    /// The case.
    pub case: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Why it failed or was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The allowed differences behind a non-strict verdict.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// On a failed expectation: what the vector expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Value>,
    /// On a failed expectation: what arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub got: Option<Value>,
}

impl CaseResult {
    /// A result not concluded yet.
    pub fn new(section: &str, case: &str) -> Self {
        CaseResult {
            section: section.to_owned(),
            case: case.to_owned(),
            verdict: Verdict::Fail,
            detail: None,
            notes: Vec::new(),
            expected: None,
            got: None,
        }
    }

    /// Concludes it.
    #[must_use]
    pub fn with(mut self, verdict: Verdict, detail: Option<String>) -> Self {
        self.verdict = verdict;
        self.detail = detail;
        self
    }
}

/// The results of a run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// What ran: `core`, `server` or `client`, and against what.
    pub mode: String,
    /// Every case, in the order run.
    pub results: Vec<CaseResult>,
}

impl Report {
    /// An empty report of `mode`.
    pub fn new(mode: impl Into<String>) -> Self {
        Report {
            mode: mode.into(),
            results: Vec::new(),
        }
    }

    /// How many cases ended with `verdict`.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.results.iter().filter(|r| r.verdict == verdict).count()
    }

    /// The failed cases.
    pub fn failures(&self) -> impl Iterator<Item = &CaseResult> {
        self.results.iter().filter(|r| r.verdict == Verdict::Fail)
    }

    /// Whether nothing failed.
    pub fn ok(&self) -> bool {
        self.count(Verdict::Fail) == 0
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in self.failures() {
            writeln!(f, "FAIL [{}] {}", r.section, r.case)?;
            if let Some(detail) = &r.detail {
                writeln!(f, "     {detail}")?;
            }
            if let (Some(e), Some(g)) = (&r.expected, &r.got) {
                writeln!(f, "     expected {e}\n     got      {g}")?;
            } else if let Some(g) = &r.got {
                writeln!(f, "     got {g}")?;
            }
        }
        write!(
            f,
            "{}: {} passed, {} non-strict, {} failed, {} skipped",
            self.mode,
            self.count(Verdict::Pass),
            self.count(Verdict::NonStrict),
            self.count(Verdict::Fail),
            self.count(Verdict::Skipped)
        )
    }
}
