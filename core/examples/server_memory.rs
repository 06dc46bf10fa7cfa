//! Measures the server's memory per user, per group member, per stored
//! message and per connection, by counting heap bytes around each workload.
//!
//! `cargo run --release -p natter-core --example server_memory`

#![allow(clippy::expect_used)]

use natter_core::server::{ConnectionId, Output, Server, ServerConfig, token};
use natter_core::{Millis, UserId};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::sync::Arc;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const SECRET: &[u8] = b"memory";

fn user(i: usize) -> UserId {
    UserId::new(format!("user{i:06}")).expect("valid")
}

/// Heap bytes still held after `work`, divided by `n`.
#[allow(clippy::cast_precision_loss, reason = "byte counts far below 2^52")]
fn per<T>(n: usize, work: impl FnOnce() -> T) -> (T, f64) {
    let region = Region::new(GLOBAL);
    let kept = work();
    let stats = region.change();
    let net = stats.bytes_allocated as f64 - stats.bytes_deallocated as f64;
    (kept, net / n as f64)
}

fn drain(s: &mut Server) {
    while let Some(output) = s.poll_output() {
        if let Output::Persist(batch) = output {
            s.persisted(batch.id());
        }
    }
}

fn login(s: &mut Server, conn: u64, u: &UserId) {
    let c = ConnectionId(conn);
    s.handle_connect(Millis(0), c);
    let hello = format!(
        r#"{{"type":"hello","versions":[1],"token":"{}","device":"d","last_seq":0}}"#,
        token::mint(SECRET, u, Millis(u64::MAX / 2))
    );
    s.handle_bytes(Millis(0), c, hello.as_bytes())
        .expect("valid");
    drain(s);
}

fn main() {
    const N: usize = 10_000;
    let config = Arc::new(ServerConfig::new(SECRET));

    let (mut server, per_conn) = per(N, || {
        let mut s = Server::new(config.clone());
        for i in 0..N {
            login(&mut s, i as u64, &user(i));
        }
        s
    });
    println!("idle connection with its user: {per_conn:.0} bytes");

    // One-to-one messages between users who are all offline: each is stored
    // once, indexed in history, and put in two inboxes and two lists.
    for i in 0..N {
        server.handle_disconnect(Millis(0), ConnectionId(i as u64));
    }
    login(&mut server, 1_000_000, &user(0));
    let mut sent = 0u64;
    let mut send = |server: &mut Server, to: usize| {
        sent += 1;
        let send = format!(
            r#"{{"type":"send","id":"m{sent}","to":{{"chat":"single","id":"{}"}},"body":{{"type":"text","text":"hello there, a short message"}}}}"#,
            user(to)
        );
        // 40 messages a second keeps under the sender's rate limit.
        let now = Millis(sent / 40 * 1000);
        server
            .handle_bytes(now, ConnectionId(1_000_000), send.as_bytes())
            .expect("valid");
        drain(server);
    };
    let ((), per_user) = per(N - 1, || {
        for i in 1..N {
            send(&mut server, i);
        }
    });
    println!(
        "user with one conversation and one message (first message to a new user): {per_user:.0} bytes"
    );
    let ((), per_msg) = per(N, || {
        for i in 0..N {
            send(&mut server, 1 + i % 100);
        }
    });
    println!(
        "stored one-to-one text message (30 chars) between existing users, both inboxes included: {per_msg:.0} bytes"
    );

    let ((), per_member) = per(1000, || {
        let now = Millis(1_000_000);
        let owner = ConnectionId(1_000_000);
        server
            .handle_bytes(
                now,
                owner,
                br#"{"type":"group_create","id":"g","name":"big"}"#,
            )
            .expect("valid");
        for batch in 0..10 {
            let users: Vec<String> = (1..=100)
                .map(|i| format!("\"{}\"", user(batch * 100 + i)))
                .collect();
            let invite = format!(
                r#"{{"type":"group_invite","id":"i{batch}","group":"g1","users":[{}]}}"#,
                users.join(",")
            );
            server
                .handle_bytes(now, owner, invite.as_bytes())
                .expect("valid");
        }
        drain(&mut server);
    });
    println!(
        "group member (with its invited notice and the 10 joined tips in every member's inbox): {per_member:.0} bytes"
    );
    println!("connections: {}", server.connections());
}
