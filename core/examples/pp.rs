use natter_core::*;
use std::time::Instant;
fn t<T: serde::de::DeserializeOwned>(name: &str, json: &str) {
    let n = 500_000;
    let s = Instant::now();
    for _ in 0..n {
        let v: T = serde_json::from_str(std::hint::black_box(json)).unwrap();
        std::hint::black_box(v);
    }
    println!("{name}: {:.0} ns", s.elapsed().as_nanos() as f64 / n as f64);
}
fn main() {
    t::<Conversation>("conv", r#"{"chat":"single","id":"alice"}"#);
    t::<Body>(
        "body",
        r#"{"type":"text","text":"hello alice, how are you today?"}"#,
    );
    t::<UserId>("user", r#""bob""#);
    t::<MessageId>("mid", r#""1001""#);
    t::<Message>(
        "message",
        r#"{"mid":"1001","from":"bob","to":{"chat":"single","id":"alice"},"ts":1767139201234,"body":{"type":"text","text":"hello alice, how are you today?"}}"#,
    );
    t::<serde_json::Value>(
        "value",
        r#"{"type":"msg","seq":1,"msg":{"mid":"1001","from":"bob","to":{"chat":"single","id":"alice"},"ts":1767139201234,"body":{"type":"text","text":"hello alice, how are you today?"}}}"#,
    );
    t::<natter_core::frame::server::Delivery>(
        "delivery",
        r#"{"type":"msg","seq":1,"msg":{"mid":"1001","from":"bob","to":{"chat":"single","id":"alice"},"ts":1767139201234,"body":{"type":"text","text":"hello alice, how are you today?"}}}"#,
    );
    t::<natter_core::frame::server::Delivery>(
        "delivery-notype",
        r#"{"seq":1,"msg":{"mid":"1001","from":"bob","to":{"chat":"single","id":"alice"},"ts":1767139201234,"body":{"type":"text","text":"hello alice, how are you today?"}}}"#,
    );
    let codec = Codec::default();
    let f = br#"{"type":"msg","seq":1,"msg":{"mid":"1001","from":"bob","to":{"chat":"single","id":"alice"},"ts":1767139201234,"body":{"type":"text","text":"hello alice, how are you today?"}}}"#;
    let n = 500_000;
    let s = Instant::now();
    for _ in 0..n {
        let v: ServerFrame = codec.decode(std::hint::black_box(f)).unwrap();
        std::hint::black_box(v);
    }
    println!("frame: {:.0} ns", s.elapsed().as_nanos() as f64 / n as f64);
}
