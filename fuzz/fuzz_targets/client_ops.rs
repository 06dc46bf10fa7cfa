//! Arbitrary operation sequences on the client state machine: frames (raw
//! and well-formed), timeouts, disconnects, reconnects and commands, in any
//! order. The client must never panic and must keep answering polls.
#![no_main]

use libfuzzer_sys::fuzz_target;
use natter_core::client::{Client, Config, Outgoing};
use natter_core::{Body, Conversation, DeviceId, MessageId, Millis, UserId};
use std::sync::Arc;

const WELCOME: &[u8] = br#"{"type":"welcome","version":1,"user":"alice","device":"d","seq":0,"oldest":1,"ping_ms":1000,"max_frame":65536,"time":0,"token_expires":99999999}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(device) = DeviceId::new("d") else { return };
    let Ok(bob) = UserId::new("bob") else { return };
    let mut c = Client::new(Arc::new(Config::new(device, 1)), "t");
    let mut now = 0u64;
    c.handle_connect(Millis(now));
    let _ = c.handle_bytes(Millis(now), WELCOME);
    let mut rest = data;
    while let Some((&op, tail)) = rest.split_first() {
        let len = usize::from(tail.first().copied().unwrap_or(0)).min(tail.len().saturating_sub(1));
        let chunk = tail.get(1..1 + len).unwrap_or(&[]);
        rest = tail.get(1 + len..).unwrap_or(&[]);
        let b = |i: usize| u64::from(chunk.get(i).copied().unwrap_or(0));
        let t = Millis(now);
        match op % 9 {
            0 => {
                let _ = c.handle_bytes(t, chunk);
            }
            1 => {
                now += b(0) * 97;
                c.handle_timeout(Millis(now));
            }
            2 => c.handle_disconnect(t),
            3 => {
                c.handle_connect(t);
                let _ = c.handle_bytes(t, WELCOME);
            }
            4 => {
                let text = String::from_utf8_lossy(chunk).into_owned();
                let _ = c.send(t, Outgoing::new(Conversation::Single(bob.clone()), Body::Text { text }));
            }
            5 => {
                let _ = c.recall(t, MessageId(b(0)));
            }
            6 => {
                let _ = c.mark_conversation_read(t, Conversation::Single(bob.clone()));
            }
            7 => {
                let frame = format!(
                    r#"{{"type":"msg","seq":{},"msg":{{"mid":"{}","from":"bob","to":{{"chat":"single","id":"alice"}},"ts":1,"body":{{"type":"text","text":"x"}}}}}}"#,
                    b(0),
                    b(1)
                );
                let _ = c.handle_bytes(t, frame.as_bytes());
            }
            _ => {
                let frame = format!(r#"{{"type":"pong","seq":{}}}"#, b(0));
                let _ = c.handle_bytes(t, frame.as_bytes());
            }
        }
        while c.poll_transmit().is_some() {}
        while c.poll_event().is_some() {}
        let _ = c.poll_timeout();
        let _ = c.conversations();
    }
});
