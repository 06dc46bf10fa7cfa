//! Per-frame costs of the hot path: decoding and encoding a small text
//! message, and the client handling one delivery (decode + ordering +
//! duplicate check + conversation mirror + ack scheduling).
//!
//! `cargo bench -p natter-core --bench frames`

use criterion::{Criterion, criterion_group, criterion_main};
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

criterion_group!(benches, codec, client);
criterion_main!(benches);
