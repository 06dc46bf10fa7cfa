//! Arbitrary bytes as a length-prefixed stream, fed in chunks whose sizes the
//! input chooses: the decoder never panics, never buffers an oversize frame,
//! and always makes progress.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use natter_core::{ClientFrame, Codec, StreamDecoder};

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, rest)) = data.split_first() else { return };
    let chunk = usize::from(chunk).max(1);
    let codec = Codec::new(1024);
    let mut decoder = StreamDecoder::new(codec);
    let mut buf = BytesMut::new();
    for piece in rest.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match decoder.decode::<ClientFrame>(&mut buf) {
                Ok(Some(_)) | Err(_) => continue,
                Ok(None) => break,
            }
        }
        assert!(buf.len() < 4 + 1024 + chunk, "buffered more than one frame");
    }
    while let Ok(Some(_)) | Err(_) = decoder.decode_eof::<ClientFrame>(&mut buf) {
        if buf.is_empty() {
            break;
        }
    }
});
