//! Every JSON example in PROTOCOL.md decodes, re-encodes to the same JSON,
//! and together the examples cover every frame type and body type; the
//! error code table matches the code.

#![allow(clippy::expect_used)]

use natter_core::frame::WireFrame;
use natter_core::{Body, ClientFrame, Codec, ErrorCode, ServerFrame};
use std::collections::BTreeSet;

struct Example {
    line: usize,
    side: String,
    json: String,
}

fn protocol_md() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../PROTOCOL.md");
    std::fs::read_to_string(path).expect("PROTOCOL.md is readable")
}

fn examples(doc: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut current: Option<Example> = None;
    for (i, line) in doc.lines().enumerate() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) if info.starts_with("json") => {
                current = Some(Example {
                    line: i + 1,
                    side: info["json".len()..].trim().to_owned(),
                    json: String::new(),
                });
            }
            (Some(_), Some("")) => out.extend(current.take()),
            (Some(ex), _) => ex.json.push_str(line),
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "unterminated code block in PROTOCOL.md");
    out
}

/// Decodes, re-encodes and compares as JSON values: a misspelt or unknown
/// field in the document would be dropped by the decoder and show up here.
fn check<F: WireFrame + std::fmt::Debug>(ex: &Example) -> F {
    let codec = Codec::default();
    let frame: F = codec
        .decode(ex.json.as_bytes())
        .unwrap_or_else(|e| panic!("PROTOCOL.md line {}: {e}", ex.line));
    let encoded = codec.encode(&frame).expect("encodes");
    let original: serde_json::Value = serde_json::from_str(&ex.json).expect("valid JSON");
    let again: serde_json::Value = serde_json::from_slice(&encoded).expect("valid JSON");
    assert_eq!(
        original, again,
        "PROTOCOL.md line {}: the example does not survive a round trip",
        ex.line
    );
    frame
}

#[test]
fn every_example_decodes_and_round_trips() {
    let doc = protocol_md();
    let examples = examples(&doc);
    assert!(
        examples.len() > 50,
        "found only {} examples",
        examples.len()
    );
    let mut client_kinds = BTreeSet::new();
    let mut server_kinds = BTreeSet::new();
    let mut body_kinds = BTreeSet::new();
    for ex in &examples {
        match ex.side.as_str() {
            "client" => {
                let frame: ClientFrame = check(ex);
                if let ClientFrame::Send(send) = &frame {
                    body_kinds.insert(send.body.kind());
                }
                client_kinds.insert(frame.kind());
            }
            "server" => {
                let frame: ServerFrame = check(ex);
                server_kinds.insert(frame.kind());
            }
            other => panic!(
                "PROTOCOL.md line {}: a json block must be `json client` or `json server`, not {other:?}",
                ex.line
            ),
        }
    }
    let missing = |all: &[&str], seen: &BTreeSet<&str>| -> Vec<String> {
        all.iter()
            .filter(|k| !seen.contains(*k))
            .map(|k| k.to_string())
            .collect()
    };
    assert_eq!(
        missing(ClientFrame::TYPES, &client_kinds),
        Vec::<String>::new(),
        "client frames without an example"
    );
    assert_eq!(
        missing(ServerFrame::TYPES, &server_kinds),
        Vec::<String>::new(),
        "server frames without an example"
    );
    assert_eq!(
        missing(Body::KINDS, &body_kinds),
        Vec::<String>::new(),
        "body types without a send example"
    );
}

#[test]
fn error_code_table_matches_the_code() {
    let doc = protocol_md();
    let table: Vec<(u16, String)> = doc
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let code = cells.get(1)?.parse::<u16>().ok()?;
            let name = cells.get(2)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((code, name.to_owned()))
        })
        .collect();
    let expected: Vec<(u16, String)> = ErrorCode::ALL
        .iter()
        .map(|c| (c.0, c.name().expect("defined").to_owned()))
        .collect();
    assert_eq!(table, expected);
}
