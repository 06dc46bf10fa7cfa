//! Encode-then-decode gives back the same frame, for every frame type, over
//! both framings, and for byte streams split at arbitrary boundaries.

#![allow(clippy::expect_used)]

mod support;

use bytes::BytesMut;
use natter_core::codec::{Codec, StreamDecoder};
use natter_core::frame::WireFrame;
use natter_core::{ClientFrame, ServerFrame};
use proptest::collection::vec;
use proptest::prelude::*;
use std::fmt::Debug;

#[test]
fn strategies_cover_every_frame_type() {
    let names = |v: Vec<&'static str>| v;
    assert_eq!(
        names(
            support::client_frames()
                .into_iter()
                .map(|(k, _)| k)
                .collect()
        ),
        ClientFrame::TYPES
    );
    assert_eq!(
        names(
            support::server_frames()
                .into_iter()
                .map(|(k, _)| k)
                .collect()
        ),
        ServerFrame::TYPES
    );
}

/// Each strategy produces frames of the type it is named after.
#[test]
fn strategies_produce_their_own_type() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    for (kind, s) in support::client_frames() {
        assert_eq!(
            s.new_tree(&mut runner).expect("tree").current().kind(),
            kind
        );
    }
    for (kind, s) in support::server_frames() {
        assert_eq!(
            s.new_tree(&mut runner).expect("tree").current().kind(),
            kind
        );
    }
}

fn text_round_trip<F: WireFrame + PartialEq + Debug>(frame: &F) -> Result<(), TestCaseError> {
    let codec = Codec::new(natter_core::codec::MAX_FRAME_LIMIT);
    let bytes = codec
        .encode(frame)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: F = codec
        .decode(&bytes)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, frame);
    let text = std::str::from_utf8(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let from_text = codec.decode_str::<F>(text);
    prop_assert_eq!(from_text.as_ref(), Ok(frame));
    Ok(())
}

fn stream_round_trip<F: WireFrame + PartialEq + Debug>(
    frames: &[F],
    cuts: &[usize],
) -> Result<(), TestCaseError> {
    let codec = Codec::new(natter_core::codec::MAX_FRAME_LIMIT);
    let mut wire = BytesMut::new();
    for f in frames {
        codec
            .encode_prefixed(f, &mut wire)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
    let wire = wire.freeze();
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    points.push(wire.len());
    points.sort_unstable();
    let mut decoder = StreamDecoder::new(codec);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut at = 0;
    for p in points {
        buf.extend_from_slice(&wire[at..p]);
        at = p;
        while let Some(f) = decoder
            .decode::<F>(&mut buf)
            .map_err(|e| TestCaseError::fail(e.to_string()))?
        {
            out.push(f);
        }
    }
    prop_assert_eq!(decoder.decode_eof::<F>(&mut buf), Ok(None));
    prop_assert_eq!(out.as_slice(), frames);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn client_frames_round_trip_as_text(frame in support::client_frame()) {
        text_round_trip(&frame)?;
    }

    #[test]
    fn server_frames_round_trip_as_text(frame in support::server_frame()) {
        text_round_trip(&frame)?;
    }

    #[test]
    fn client_frames_round_trip_on_a_split_stream(
        frames in vec(support::client_frame(), 1..6),
        cuts in vec(any::<usize>(), 0..12),
    ) {
        stream_round_trip(&frames, &cuts)?;
    }

    #[test]
    fn server_frames_round_trip_on_a_split_stream(
        frames in vec(support::server_frame(), 1..6),
        cuts in vec(any::<usize>(), 0..12),
    ) {
        stream_round_trip(&frames, &cuts)?;
    }

    /// Arbitrary bytes never panic the decoder, on either side.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..512)) {
        let codec = Codec::default();
        let _ = codec.decode::<ClientFrame>(&bytes);
        let _ = codec.decode::<ServerFrame>(&bytes);
        let mut buf = BytesMut::from(&bytes[..]);
        let mut decoder = StreamDecoder::new(codec);
        for _ in 0..bytes.len() + 1 {
            match decoder.decode_eof::<ClientFrame>(&mut buf) {
                Ok(None) => break,
                Ok(Some(_)) => {}
                Err(e) if e.is_fatal() => { prop_assert!(buf.is_empty()); break }
                Err(_) => {}
            }
        }
    }

    /// Mutated valid frames (a byte flipped) give a frame or a typed error.
    #[test]
    fn mutated_frames_never_panic(frame in support::client_frame(), at in any::<usize>(), byte in any::<u8>()) {
        let codec = Codec::new(natter_core::codec::MAX_FRAME_LIMIT);
        let mut bytes = codec.encode(&frame).map_err(|e| TestCaseError::fail(e.to_string()))?.to_vec();
        let i = at % bytes.len();
        bytes[i] = byte;
        let got = codec.decode::<ClientFrame>(&bytes);
        // Text decodes alike whether or not its UTF-8 is checked again.
        if let Ok(text) = std::str::from_utf8(&bytes) {
            prop_assert_eq!(codec.decode_str::<ClientFrame>(text), got);
        }
    }
}
