//! For maintainers: fills a server script file's `expect` steps with what
//! natter-core sends, and writes the file in the vectors' layout (one step
//! per line, one expected frame per line). Every recorded frame is then
//! reviewed against PROTOCOL.md before it is committed; the diff is the
//! review.

use crate::core_server::CoreServer;
use crate::script::{Step, Target, VectorFile};
use crate::{VectorError, read};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

/// Records every expectation of the file at `path`, rewriting it.
pub fn record_file(path: &Path) -> Result<(), VectorError> {
    let file: VectorFile = read(path)?;
    let mut raw: Value = read(path)?;
    let mut target = CoreServer::default();
    for (c, case) in file.cases.iter().enumerate() {
        let settings = file.settings(case);
        // A fresh natter-core server accepts any settings.
        let _ = target.begin(&file, &settings);
        for (s, step) in case.steps.iter().enumerate() {
            // The in-process server fails none of these once begun.
            let _ = match step {
                Step::At { at } => {
                    target.at(*at);
                    Ok(())
                }
                Step::Connect { connect } => target.connect(*connect),
                Step::Disconnect { disconnect } => target.disconnect(*disconnect),
                Step::Restart { .. } => target.restart(),
                Step::Frame { conn, frame } => target.send(*conn, &frame.to_string()),
                Step::Raw { conn, raw } => target.send(*conn, raw),
                Step::Expect { .. } => {
                    let got = target.received(&[]).unwrap_or_default();
                    raw["cases"][c]["steps"][s] = serde_json::json!({ "expect": got });
                    Ok(())
                }
            };
        }
        target.end();
    }
    write(path, &raw)
}

/// Writes a vector file in the vectors' layout.
pub(crate) fn write(path: &Path, file: &Value) -> Result<(), VectorError> {
    std::fs::write(path, layout(file)).map_err(|source| VectorError::Io {
        path: path.into(),
        source,
    })
}

/// One JSON value per line, comma-separated.
fn lines(out: &mut String, values: &[Value], indent: &str) {
    for (n, v) in values.iter().enumerate() {
        let sep = if n + 1 < values.len() { "," } else { "" };
        let _ = writeln!(out, "{indent}{v}{sep}");
    }
}

/// The vectors' layout: the header fields one per line, one case per
/// block, one step per line, one expected frame per line.
fn layout(file: &Value) -> String {
    let mut out = String::from("{\n");
    let Some(fields) = file.as_object() else {
        return file.to_string();
    };
    for (k, v) in fields.iter().filter(|(k, _)| *k != "cases") {
        let _ = writeln!(out, "  {}: {},", Value::from(k.as_str()), v);
    }
    out.push_str("  \"cases\": [\n");
    let cases = fields
        .get("cases")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, case) in cases.iter().enumerate() {
        let mut head = case.clone();
        let steps = head
            .as_object_mut()
            .and_then(|c| c.remove("steps"))
            .and_then(|s| s.as_array().cloned())
            .unwrap_or_default();
        let head = head.to_string();
        let _ = writeln!(
            out,
            "    {}, \"steps\": [",
            head.strip_suffix('}').unwrap_or(&head)
        );
        for (j, step) in steps.iter().enumerate() {
            let sep = if j + 1 < steps.len() { "," } else { "" };
            match step.get("expect") {
                Some(Value::Array(frames)) if !frames.is_empty() => {
                    out.push_str("      {\"expect\": [\n");
                    lines(&mut out, frames, "        ");
                    let _ = writeln!(out, "      ]}}{sep}");
                }
                Some(Value::Object(parts)) => {
                    out.push_str("      {\"expect\": {\n");
                    for (n, (name, list)) in parts.iter().enumerate() {
                        let list = list.as_array().cloned().unwrap_or_default();
                        let psep = if n + 1 < parts.len() { "," } else { "" };
                        if list.is_empty() {
                            let _ = writeln!(out, "        \"{name}\": []{psep}");
                        } else {
                            let _ = writeln!(out, "        \"{name}\": [");
                            lines(&mut out, &list, "          ");
                            let _ = writeln!(out, "        ]{psep}");
                        }
                    }
                    let _ = writeln!(out, "      }}}}{sep}");
                }
                _ => {
                    let _ = writeln!(out, "      {step}{sep}");
                }
            }
        }
        let sep = if i + 1 < cases.len() { "," } else { "" };
        let _ = writeln!(out, "    ]}}{sep}");
    }
    out.push_str("  ]\n}\n");
    out
}
