//! Arbitrary bytes as a client frame and as a server frame: a frame or a
//! typed error, the same from `decode_str` when the bytes are text, and a
//! decoded frame re-encodes and decodes to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use natter_core::frame::WireFrame;
use natter_core::{ClientFrame, Codec, ServerFrame};
use std::fmt::Debug;

fn round_trip<F: WireFrame + PartialEq + Debug>(codec: &Codec, data: &[u8]) {
    let decoded = codec.decode::<F>(data);
    if let Ok(text) = std::str::from_utf8(data) {
        assert_eq!(codec.decode_str::<F>(text), decoded, "text decodes alike unchecked");
    }
    if let Ok(frame) = decoded {
        let bytes = codec.encode(&frame).expect("a decoded frame encodes");
        let again: F = codec.decode(&bytes).expect("an encoded frame decodes");
        assert_eq!(again, frame);
    }
}

fuzz_target!(|data: &[u8]| {
    let codec = Codec::default();
    round_trip::<ClientFrame>(&codec, data);
    round_trip::<ServerFrame>(&codec, data);
});
