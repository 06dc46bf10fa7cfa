//! Comparing the frames an implementation sent with the frames a vector
//! expects.
//!
//! Frames are compared as JSON values, with three allowances written down in
//! the vector files' descriptions:
//!
//! * `reason` fields are human-readable and `agent` fields name a client's
//!   software: neither is ever compared;
//! * a field the vector does not name is allowed (PROTOCOL.md §1: receivers
//!   ignore fields they do not know) but makes the verdict non-strict;
//! * in wire mode, values the implementation assigns (see [`Symbols`]) are
//!   bound on first sight, and clock fields are only checked to be numbers.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Fields whose value is a server clock reading.
pub const CLOCK_FIELDS: &[&str] = &["ts", "time", "created", "recalled_at", "peer_read"];

/// Fields never compared: human-readable reasons, a client's name.
const UNCOMPARED: &[&str] = &["reason", "agent"];

/// Fields whose value is a message id assigned by the server.
const MID_FIELDS: &[&str] = &["mid", "upto", "root", "cursor", "next"];

/// Identifiers an implementation chooses, so a vector cannot know them in
/// advance: bound to what the implementation used the first time a frame
/// shows them, then required to stay the same, both ways.
#[derive(Debug, Default)]
pub struct Symbols {
    /// Vector value to the implementation's, per kind.
    forward: BTreeMap<(Kind, String), String>,
    /// The implementation's value to the vector's, per kind.
    backward: BTreeMap<(Kind, String), String>,
}

/// What a symbol names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A message id (assigned by a server).
    Message,
    /// A group or room id (assigned by a server).
    Group,
    /// A thread id (assigned by a server).
    Thread,
    /// A request id (chosen by a client).
    Request,
}

impl Symbols {
    /// Binds `expected` to `actual`, or checks an earlier binding.
    fn bind(&mut self, kind: Kind, expected: &str, actual: &str) -> Result<(), String> {
        let fwd = self.forward.get(&(kind, expected.to_owned()));
        let back = self.backward.get(&(kind, actual.to_owned()));
        match (fwd, back) {
            (None, None) => {
                self.forward
                    .insert((kind, expected.to_owned()), actual.to_owned());
                self.backward
                    .insert((kind, actual.to_owned()), expected.to_owned());
                Ok(())
            }
            (Some(a), _) if a == actual => Ok(()),
            (Some(a), _) => Err(format!(
                "{kind:?} {expected:?} was {a:?} before, now {actual:?}"
            )),
            (None, Some(e)) => Err(format!(
                "{kind:?} {actual:?} already stood for {e:?}, not {expected:?}"
            )),
        }
    }

    /// Rewrites the symbols of a frame about to be sent to the
    /// implementation, as bound so far. A server id no frame has shown yet
    /// names something that does not exist (a vector's `"mid": "99"` for a
    /// 404): it becomes an id no server assigns (`u64::MAX - 99`, `x-g9`),
    /// bound like any other, so that a live server full of other cases' ids
    /// cannot mistake it for one of its own.
    pub fn substitute(&mut self, kinds: &[Kind], frame: &mut Value) {
        walk_symbols(frame, kinds, &mut |kind, s| {
            if let Some(actual) = self.forward.get(&(kind, s.clone())) {
                *s = actual.clone();
                return;
            }
            let absent = match kind {
                Kind::Request => return,
                Kind::Message => match s.parse::<u64>() {
                    Ok(n) => (u64::MAX - n).to_string(),
                    Err(_) => return,
                },
                Kind::Group | Kind::Thread => format!("x-{s}"),
            };
            // Neither side is bound (checked above; `absent` is never
            // assigned), so this cannot fail.
            let _ = self.bind(kind, s, &absent);
            *s = absent;
        });
    }
}

/// The kind of symbol a string under `key` is, if it is one of `kinds`.
fn symbol_kind(key: &str, parent: &Map<String, Value>, kinds: &[Kind]) -> Option<Kind> {
    let kind = match key {
        k if MID_FIELDS.contains(&k) => Kind::Message,
        "mids" => Kind::Message,
        "group" => Kind::Group,
        "thread" => Kind::Thread,
        "id" | "req" if kinds.contains(&Kind::Request) && !parent.contains_key("chat") => {
            Kind::Request
        }
        "id" => match parent.get("chat").and_then(Value::as_str) {
            Some("group" | "room") => Kind::Group,
            Some("thread") => Kind::Thread,
            _ => return None,
        },
        _ => return None,
    };
    kinds.contains(&kind).then_some(kind)
}

/// Replaces every symbol of `kinds` in `value` that `f` maps.
pub fn rename(value: &mut Value, kinds: &[Kind], f: &dyn Fn(&str) -> Option<String>) {
    walk_symbols(value, kinds, &mut |_, s| {
        if let Some(new) = f(s) {
            *s = new;
        }
    });
}

/// Calls `f` on every symbol string in `value`.
fn walk_symbols(value: &mut Value, kinds: &[Kind], f: &mut impl FnMut(Kind, &mut String)) {
    match value {
        Value::Object(map) => {
            let parent = map.clone();
            for (key, v) in map.iter_mut() {
                match (symbol_kind(key, &parent, kinds), v) {
                    (Some(kind), Value::String(s)) => f(kind, s),
                    (Some(kind), Value::Array(items)) => {
                        for item in items {
                            if let Value::String(s) = item {
                                f(kind, s);
                            }
                        }
                    }
                    (_, v) => walk_symbols(v, kinds, f),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| walk_symbols(v, kinds, f)),
        _ => {}
    }
}

/// How frames are matched.
#[derive(Debug, Default)]
pub struct Matcher {
    /// Which symbol kinds are bound rather than compared.
    pub kinds: Vec<Kind>,
    /// Whether clock fields are only checked to be numbers.
    pub loose_clock: bool,
    /// The bindings so far.
    pub symbols: Symbols,
}

/// A match that holds, perhaps with allowed differences.
pub type Notes = Vec<String>;

impl Matcher {
    /// Compares one frame; `Ok` carries the allowed differences (extra
    /// fields), `Err` the first real one.
    pub fn frame(&mut self, expected: &Value, actual: &Value) -> Result<Notes, String> {
        let mut notes = Vec::new();
        self.value("", None, expected, actual, &mut notes)?;
        Ok(notes)
    }

    fn value(
        &mut self,
        path: &str,
        parent: Option<&Map<String, Value>>,
        expected: &Value,
        actual: &Value,
        notes: &mut Notes,
    ) -> Result<(), String> {
        let key = path.rsplit(['.', '[']).next().unwrap_or(path);
        if self.loose_clock && CLOCK_FIELDS.contains(&key) && expected.is_u64() {
            return if actual.is_u64() {
                Ok(())
            } else {
                Err(format!("{path}: expected a time, got {actual}"))
            };
        }
        let kind = parent.and_then(|p| symbol_kind(key, p, &self.kinds));
        match (expected, actual) {
            (Value::String(e), Value::String(a)) if kind.is_some() => {
                let kind = kind.unwrap_or(Kind::Message);
                self.symbols
                    .bind(kind, e, a)
                    .map_err(|why| format!("{path}: {why}"))
            }
            (Value::Array(e), Value::Array(a)) if kind.is_some() && e.len() == a.len() => {
                let kind = kind.unwrap_or(Kind::Message);
                for (i, (e, a)) in e.iter().zip(a).enumerate() {
                    match (e, a) {
                        (Value::String(e), Value::String(a)) => self
                            .symbols
                            .bind(kind, e, a)
                            .map_err(|why| format!("{path}[{i}]: {why}"))?,
                        (e, a) if e == a => {}
                        (e, a) => return Err(format!("{path}[{i}]: expected {e}, got {a}")),
                    }
                }
                Ok(())
            }
            (Value::Object(e), Value::Object(a)) => {
                for (k, ev) in e {
                    if UNCOMPARED.contains(&k.as_str()) {
                        continue;
                    }
                    let p = format!("{path}.{k}");
                    match a.get(k) {
                        Some(av) => self.value(&p, Some(e), ev, av, notes)?,
                        None => return Err(format!("{p}: missing, expected {ev}")),
                    }
                }
                for k in a.keys() {
                    if !UNCOMPARED.contains(&k.as_str()) && !e.contains_key(k) {
                        notes.push(format!("{path}.{k}: a field the vector does not name"));
                    }
                }
                Ok(())
            }
            (Value::Array(e), Value::Array(a)) => {
                if e.len() != a.len() {
                    return Err(format!("{path}: expected {expected}, got {actual}"));
                }
                for (i, (e, a)) in e.iter().zip(a).enumerate() {
                    self.value(&format!("{path}[{i}]"), None, e, a, notes)?;
                }
                Ok(())
            }
            (e, a) if e == a => Ok(()),
            (e, a) => Err(format!("{path}: expected {e}, got {a}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strict_matching_ignores_reason_and_notes_extra_fields() {
        let mut m = Matcher::default();
        let want = json!({"type": "error", "code": 400, "reason": "x"});
        assert_eq!(
            m.frame(&want, &json!({"type": "error", "code": 400, "reason": "y"})),
            Ok(vec![])
        );
        let notes = m
            .frame(
                &want,
                &json!({"type": "error", "code": 400, "reason": "y", "more": 1}),
            )
            .expect("extra fields are allowed");
        assert_eq!(
            notes,
            vec![".more: a field the vector does not name".to_owned()]
        );
        let err = m
            .frame(&want, &json!({"type": "error", "code": 401}))
            .unwrap_err();
        assert_eq!(err, ".code: expected 400, got 401");
        // Without binding, a server id is compared like any string.
        let err = m
            .frame(&json!({"mid": "1"}), &json!({"mid": "7"}))
            .unwrap_err();
        assert_eq!(err, ".mid: expected \"1\", got \"7\"");
    }

    #[test]
    fn symbols_bind_once_both_ways_and_are_substituted() {
        let mut m = Matcher {
            kinds: vec![Kind::Message, Kind::Group],
            loose_clock: true,
            ..Matcher::default()
        };
        let sent =
            json!({"type": "sent", "mid": "1", "ts": 1000, "to": {"chat": "group", "id": "g1"}});
        let got =
            json!({"type": "sent", "mid": "907", "ts": 5, "to": {"chat": "group", "id": "g44"}});
        assert_eq!(m.frame(&sent, &got), Ok(vec![]));
        // The same vector id must stay the same actual id, and no other
        // vector id may take it.
        assert!(
            m.frame(&json!({"mid": "1"}), &json!({"mid": "908"}))
                .is_err()
        );
        assert!(
            m.frame(&json!({"mid": "2"}), &json!({"mid": "907"}))
                .is_err()
        );
        assert!(
            m.frame(
                &json!({"mids": ["1", "3"]}),
                &json!({"mids": ["907", "912"]})
            )
            .is_ok()
        );
        assert!(m.frame(&json!({"ts": 1}), &json!({"ts": "soon"})).is_err());
        let mut recall = json!({"type": "recall", "id": "r1", "mid": "3", "group": "g1"});
        m.symbols.substitute(&m.kinds, &mut recall);
        assert_eq!(
            recall,
            json!({"type": "recall", "id": "r1", "mid": "912", "group": "g44"})
        );
    }
}
