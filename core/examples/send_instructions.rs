//! The core's one-to-one send, N times, as the `frames` bench runs it
//! (decode, handle, drain, encode every frame; sessions of protocol version
//! 2, as the natter client opens them), for counting instructions
//! under callgrind: a count does not move with the machine's noise, where
//! a time does. Two runs give the cost of one send:
//!
//! ```sh
//! cargo build --release -p natter-core --example send_instructions
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/send_instructions 10000
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/send_instructions 20000
//! ```
//!
//! (the difference of the two "I refs" over 10,000).
//!
//! A second argument, P, spreads the sends over P online sender/recipient
//! pairs (`alice`/`bob`, then `alice1`/`bob1`, ...), round robin: how the
//! cost of a send grows with the users the server holds.

use natter_core::server::{ConnectionId, Output, Server, ServerConfig, token};
use natter_core::{Codec, Millis, UserId};
use std::error::Error;
use std::sync::Arc;

/// Drains the server as an in-memory adapter does: batches reported
/// persisted, every frame encoded.
fn drain(server: &mut Server, codec: &Codec) -> Result<(), Box<dyn Error>> {
    while let Some(output) = server.poll_output() {
        match &output {
            Output::Persist(batch) => server.persisted(batch.id()),
            Output::Transmit { frame, .. } => {
                std::hint::black_box(codec.encode(frame)?);
            }
            _ => {}
        }
    }
    Ok(())
}

/// The names of pair `i`.
fn pair(i: u64) -> (String, String) {
    match i {
        0 => ("alice".into(), "bob".into()),
        i => (format!("alice{i}"), format!("bob{i}")),
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let sends: u64 = args.next().map_or(Ok(10_000), |a| a.parse())?;
    let pairs: u64 = args.next().map_or(Ok(1), |a| a.parse())?.max(1);
    let config = ServerConfig::new(b"bench".to_vec())
        .with_rates(u32::MAX, u32::MAX)
        .with_delivery_window(u64::MAX);
    let mut server = Server::new(Arc::new(config));
    let codec = Codec::default();
    let names: Vec<(String, String)> = (0..pairs).map(pair).collect();
    for (i, (from, to)) in (0..).zip(&names) {
        for (conn, name) in [(2 * i + 1, from), (2 * i + 2, to)] {
            let tok = token::mint(b"bench", &UserId::new(name.as_str())?, Millis(u64::MAX / 4));
            let hello =
                format!(r#"{{"type":"hello","versions":[1,2],"token":"{tok}","device":"d"}}"#);
            server.handle_connect(Millis(0), ConnectionId(conn));
            server.handle_bytes(Millis(0), ConnectionId(conn), hello.as_bytes())?;
        }
    }
    drain(&mut server, &codec)?;
    // Each send's bytes, built in one buffer without `format!`: what
    // arrives from the network costs the core nothing to make.
    let mut send = Vec::new();
    for n in 1..=sends {
        let i = n % pairs;
        let to = names.get(usize::try_from(i)?).map_or("", |(_, to)| to);
        send.clear();
        send.extend_from_slice(br#"{"type":"send","id":"r"#);
        send.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        send.extend_from_slice(br#"","to":{"chat":"single","id":""#);
        send.extend_from_slice(to.as_bytes());
        send.extend_from_slice(br#""},"body":{"type":"text","text":"hello, how are you today?"}}"#);
        server.handle_bytes(Millis(n), ConnectionId(2 * i + 1), &send)?;
        drain(&mut server, &codec)?;
    }
    Ok(())
}
