//! The codec vectors: bytes in, a frame or a typed error out.

use crate::VectorError;
use crate::report::{CaseResult, Report, Verdict};

/// The section codec results are reported under.
const SECTION: &str = "1-3, 14 Codec";
use natter_core::frame::WireFrame;
use natter_core::{ClientFrame, Codec, DecodeError, ServerFrame};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

/// A file of codec vectors.
#[derive(Debug, Deserialize)]
pub struct VectorFile {
    /// The maximum frame size the cases assume.
    pub max_frame: usize,
    /// The cases.
    pub cases: Vec<Case>,
}

/// The receiving side of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// A server decoding a client frame.
    Server,
    /// A client decoding a server frame.
    Client,
}

/// Input built by repeating a fill string, for inputs too long to write out.
#[derive(Debug, Deserialize)]
pub struct Repeat {
    /// Text before the fill.
    pub prefix: String,
    /// The text repeated.
    pub fill: String,
    /// How many times.
    pub count: usize,
    /// Text after the fill.
    pub suffix: String,
}

/// The error a case expects.
#[derive(Debug, PartialEq, Eq, Deserialize)]
pub struct ExpectedError {
    /// [`DecodeError::class`].
    pub class: String,
    /// The wire code to answer with.
    pub code: u16,
    /// The request id the answer must name.
    pub id: Option<String>,
}

/// One vector.
#[derive(Debug, Deserialize)]
pub struct Case {
    /// What it checks.
    pub name: String,
    /// Who decodes it.
    pub side: Side,
    /// The frame as text.
    #[serde(default)]
    pub input: Option<String>,
    /// The frame as hex bytes.
    #[serde(default)]
    pub input_hex: Option<String>,
    /// The frame as a repeated pattern.
    #[serde(default)]
    pub input_repeat: Option<Repeat>,
    /// The expected frame, as canonical JSON.
    #[serde(default)]
    pub frame: Option<Value>,
    /// The expected error.
    #[serde(default)]
    pub error: Option<ExpectedError>,
}

impl Case {
    fn bytes(&self) -> Result<Vec<u8>, String> {
        match (&self.input, &self.input_hex, &self.input_repeat) {
            (Some(s), None, None) => Ok(s.clone().into_bytes()),
            (None, Some(hex), None) => decode_hex(hex),
            (None, None, Some(r)) => {
                Ok(format!("{}{}{}", r.prefix, r.fill.repeat(r.count), r.suffix).into_bytes())
            }
            _ => Err("exactly one of input, input_hex, input_repeat is required".into()),
        }
    }
}

fn decode_hex(hex: &str) -> Result<Vec<u8>, String> {
    if !hex.len().is_multiple_of(2) {
        return Err("odd number of hex digits".into());
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("bad hex at {i}"))
        })
        .collect()
}

fn outcome<F: WireFrame>(codec: &Codec, bytes: &[u8]) -> Result<Value, DecodeError> {
    let frame: F = codec.decode(bytes)?;
    Ok(serde_json::to_value(&frame).unwrap_or(Value::Null))
}

fn check(codec: &Codec, case: &Case) -> Result<(), String> {
    let bytes = case.bytes()?;
    let got = match case.side {
        Side::Server => outcome::<ClientFrame>(codec, &bytes),
        Side::Client => outcome::<ServerFrame>(codec, &bytes),
    };
    match (&case.frame, &case.error, got) {
        (Some(want), None, Ok(frame)) if *want == frame => Ok(()),
        (None, Some(want), Err(e)) => {
            let got = ExpectedError {
                class: e.class().to_owned(),
                code: e.code().0,
                id: e.request_id().map(|id| id.to_string()),
            };
            if *want == got {
                Ok(())
            } else {
                Err(format!("expected {want:?}, got {got:?} ({e})"))
            }
        }
        (Some(_), Some(_), _) | (None, None, _) => {
            Err("exactly one of frame, error is required".into())
        }
        (_, _, got) => Err(format!("got {got:?}")),
    }
}

/// Runs every case of a parsed vector file into `report`.
pub fn run(file: &VectorFile, report: &mut Report) {
    let codec = Codec::new(file.max_frame);
    for case in &file.cases {
        let result = CaseResult::new(SECTION, &case.name);
        report.results.push(match check(&codec, case) {
            Ok(()) => result.with(Verdict::Pass, None),
            Err(why) => result.with(Verdict::Fail, Some(why)),
        });
    }
}

/// Reads and runs a vector file into `report`.
pub fn run_file(path: impl AsRef<Path>, report: &mut Report) -> Result<(), VectorError> {
    run(&crate::read(path.as_ref())?, report);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_codec_vectors_pass() {
        let mut report = Report::new("core");
        run_file(crate::vector_path("codec.json"), &mut report).expect("readable");
        assert!(report.ok(), "{report}");
        assert!(report.count(Verdict::Pass) >= 30, "{report}");
    }

    #[test]
    fn a_wrong_expectation_is_reported() {
        let file: VectorFile = serde_json::from_str(
            r#"{"max_frame":64,"cases":[
                {"name":"a","side":"server","input":"{\"type\":\"ack\",\"seq\":1}","frame":{"type":"ack","seq":2}},
                {"name":"b","side":"server","input":"{}","error":{"class":"syntax","code":400,"id":null}},
                {"name":"c","side":"server","input_hex":"zz","error":{"class":"empty","code":400,"id":null}}
            ]}"#,
        )
        .expect("valid");
        let mut report = Report::new("core");
        run(&file, &mut report);
        assert_eq!(report.count(Verdict::Fail), 3, "{report}");
        let detail = report.results[1].detail.as_deref().unwrap_or_default();
        assert!(detail.starts_with("expected"), "{report}");
    }
}
