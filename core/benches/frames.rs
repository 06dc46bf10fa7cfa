//! Per-frame costs of the hot path: decoding and encoding a small text
//! message, the client handling one delivery (decode + ordering + duplicate
//! check + conversation mirror + ack scheduling), and the server handling
//! one send (decode + rules + storage + fan-out + records + answer).
//!
//! `cargo bench -p natter-core --bench frames`

#![allow(clippy::expect_used)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use natter_core::client::{Client, Config};
use natter_core::{ClientFrame, Codec, DeviceId, Millis, ServerFrame};
use std::hint::black_box;
use std::sync::Arc;

const WELCOME: &[u8] = br#"{"type":"welcome","version":1,"user":"alice","device":"d1","seq":0,"oldest":1,"ping_ms":30000,"max_frame":65536,"time":0,"token_expires":99999999}"#;

fn delivery(seq: u64) -> Vec<u8> {
    format!(
        r#"{{"type":"msg","seq":{seq},"msg":{{"mid":"{}","from":"bob","to":{{"chat":"single","id":"alice"}},"ts":1767139201234,"body":{{"type":"text","text":"hello alice, how are you today?"}}}}}}"#,
        1000 + seq
    )
    .into_bytes()
}

fn codec(c: &mut Criterion) {
    let codec = Codec::default();
    let msg = delivery(1);
    let send = br#"{"type":"send","id":"r-1","to":{"chat":"single","id":"bob"},"body":{"type":"text","text":"hello bob, how are you today?"}}"#;
    c.bench_function("decode msg (server frame)", |b| {
        b.iter(|| codec.decode::<ServerFrame>(black_box(&msg)))
    });
    let frame: ServerFrame = codec.decode(&msg).expect("valid");
    c.bench_function("encode msg (server frame)", |b| {
        b.iter(|| codec.encode(black_box(&frame)))
    });
    c.bench_function("decode send (client frame)", |b| {
        b.iter(|| codec.decode::<ClientFrame>(black_box(send)))
    });
}

fn client(c: &mut Criterion) {
    let config = Arc::new(Config::new(DeviceId::new("d1").expect("valid"), 1));
    let mut client = Client::new(config, "tok");
    client.handle_connect(Millis(0));
    client.handle_bytes(Millis(0), WELCOME).expect("valid");
    while client.poll_transmit().is_some() {}
    while client.poll_event().is_some() {}
    let frames: Vec<Vec<u8>> = (1..=100_000).map(delivery).collect();
    let mut next = frames.iter().cycle();
    let mut seq = 0u64;
    c.bench_function("client handle_bytes msg + drain", |b| {
        b.iter(|| {
            seq += 1;
            // Past the prepared frames the seqs repeat: duplicates, dropped.
            let bytes = next.next().expect("cycle");
            client.handle_bytes(Millis(seq), bytes).expect("valid");
            while let Some(t) = client.poll_transmit() {
                black_box(t);
            }
            while let Some(e) = client.poll_event() {
                black_box(e);
            }
        })
    });
}

/// A server with `users` online, one connection each (numbered from 1);
/// the delivery window is unbounded, so every frame goes out as it would to
/// clients that keep acking.
fn online_server(users: &[String]) -> natter_core::server::Server {
    use natter_core::UserId;
    use natter_core::server::{ConnectionId, Server, ServerConfig, token};
    let config = ServerConfig::new(b"bench".to_vec())
        .with_rates(u32::MAX, u32::MAX)
        .with_delivery_window(u64::MAX);
    let mut server = Server::new(Arc::new(config));
    for (i, name) in users.iter().enumerate() {
        let conn = ConnectionId(i as u64 + 1);
        let tok = token::mint(
            b"bench",
            &UserId::new(name.as_str()).expect("valid"),
            Millis(u64::MAX / 4),
        );
        server.handle_connect(Millis(0), conn);
        let hello = format!(r#"{{"type":"hello","versions":[1,2],"token":"{tok}","device":"d"}}"#);
        server
            .handle_bytes(Millis(0), conn, hello.as_bytes())
            .expect("valid");
    }
    drain(&mut server);
    server
}

/// Drains the server as an in-memory adapter does: batches reported
/// persisted, every frame encoded for its connection.
fn drain(s: &mut natter_core::server::Server) {
    use natter_core::server::Output;
    let codec = natter_core::Codec::default();
    while let Some(output) = s.poll_output() {
        match &output {
            Output::Persist(batch) => s.persisted(batch.id()),
            Output::Transmit { frame, .. } => {
                black_box(codec.encode(frame).expect("encodes"));
            }
            _ => {}
        }
        let _ = black_box(output);
    }
}

/// Benches connection 1 sending text messages to `to` (a conversation as
/// JSON), each handled and drained. The bytes of each send (a new request
/// id every time) are built outside the timed part: they are what arrives
/// from the network, not the core's work.
fn bench_sends(c: &mut Criterion, name: &str, server: &mut natter_core::server::Server, to: &str) {
    use natter_core::server::ConnectionId;
    let mut n = 0u64;
    c.bench_function(name, |b| {
        b.iter_batched(
            || {
                n += 1;
                let send = format!(
                    r#"{{"type":"send","id":"r{n}","to":{to},"body":{{"type":"text","text":"hello, how are you today?"}}}}"#
                );
                (n, send)
            },
            |(n, send)| {
                server.handle_bytes(Millis(n), ConnectionId(1), send.as_bytes()).expect("valid");
                drain(server);
                send
            },
            BatchSize::SmallInput,
        )
    });
}

fn server(c: &mut Criterion) {
    use natter_core::server::ConnectionId;
    let mut server = online_server(&["alice".to_owned(), "bob".to_owned()]);
    bench_sends(
        c,
        "server handle_bytes send (1:1, both online) + drain + encode",
        &mut server,
        r#"{"chat":"single","id":"bob"}"#,
    );

    // Group fan-out: one send to a group of 100 members, all online.
    let members: Vec<String> = (0..100).map(|i| format!("m{i:03}")).collect();
    let mut server = online_server(&members);
    let invite: Vec<String> = members[1..].iter().map(|m| format!("\"{m}\"")).collect();
    let create = format!(
        r#"{{"type":"group_create","id":"g","name":"team","members":[{}]}}"#,
        invite.join(",")
    );
    server
        .handle_bytes(Millis(0), ConnectionId(1), create.as_bytes())
        .expect("valid");
    drain(&mut server);
    bench_sends(
        c,
        "server handle_bytes send (group of 100, all online) + drain + encode",
        &mut server,
        r#"{"chat":"group","id":"g1"}"#,
    );
}

criterion_group!(benches, codec, client, server);
criterion_main!(benches);
