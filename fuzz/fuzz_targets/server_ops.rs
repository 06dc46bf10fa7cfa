//! Arbitrary operation sequences on the server state machine: connections
//! opened and closed, arbitrary and well-formed frames from several users,
//! timeouts. The server must never panic, and a server restored from the
//! records must agree on every user's inbox and conversation list.
#![no_main]

use libfuzzer_sys::fuzz_target;
use natter_core::server::{ConnectionId, Output, Server, ServerConfig, token};
use natter_core::{Millis, UserId};
use std::sync::Arc;

const USERS: [&str; 3] = ["alice", "bob", "carol"];

fuzz_target!(|data: &[u8]| {
    let config = Arc::new(ServerConfig::new(b"fuzz".to_vec()));
    let mut s = Server::new(config.clone());
    let mut records = Vec::new();
    let mut now = 1u64;
    let mut rest = data;
    let mut req = 0u64;
    while let Some((&op, tail)) = rest.split_first() {
        let len = usize::from(tail.first().copied().unwrap_or(0)).min(tail.len().saturating_sub(1));
        let chunk = tail.get(1..1 + len).unwrap_or(&[]);
        rest = tail.get(1 + len..).unwrap_or(&[]);
        let b = |i: usize| usize::from(chunk.get(i).copied().unwrap_or(0));
        let conn = ConnectionId((b(0) % 4) as u64);
        let user = USERS[b(1) % 3];
        let other = USERS[b(2) % 3];
        let t = Millis(now);
        req += 1;
        let frame = match op % 8 {
            0 => Some(String::from_utf8_lossy(chunk).into_owned()),
            1 => {
                s.handle_connect(t, conn);
                let Ok(u) = UserId::new(user) else { return };
                let tok = token::mint(b"fuzz", &u, Millis(u64::MAX / 4));
                Some(format!(r#"{{"type":"hello","versions":[1],"token":"{tok}","device":"d"}}"#))
            }
            2 => {
                s.handle_disconnect(t, conn);
                None
            }
            3 => Some(format!(r#"{{"type":"send","id":"q{req}","to":{{"chat":"single","id":"{other}"}},"body":{{"type":"text","text":"x"}}}}"#)),
            4 => Some(format!(r#"{{"type":"group_create","id":"q{req}","name":"g","members":["{other}"]}}"#)),
            5 => Some(format!(r#"{{"type":"send","id":"q{req}","to":{{"chat":"group","id":"g{}"}},"body":{{"type":"text","text":"x"}},"group_ack":true}}"#, b(3) % 3 + 1)),
            6 => Some(format!(r#"{{"type":"recall","id":"q{req}","mid":"{}"}}"#, b(3) % 8)),
            _ => {
                now += (b(3) as u64) * 1000;
                s.handle_timeout(Millis(now));
                None
            }
        };
        if let Some(f) = frame {
            let _ = s.handle_bytes(t, conn, f.as_bytes());
        }
        while let Some(output) = s.poll_output() {
            if let Output::Persist(batch) = output {
                s.persisted(batch.id());
                records.extend(batch.into_records());
            }
        }
    }
    let restored = Server::restore(config, records);
    for u in USERS {
        let Ok(u) = UserId::new(u) else { return };
        assert_eq!(restored.inbox_seq(&u), s.inbox_seq(&u));
        assert_eq!(restored.conversations_of(&u), s.conversations_of(&u));
    }
});
