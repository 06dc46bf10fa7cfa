//! A table of malformed inputs, each with the exact error it must give.

#![allow(clippy::expect_used)]

use bytes::BytesMut;
use natter_core::codec::{Codec, StreamDecoder};
use natter_core::{ClientFrame, DecodeError, ErrorCode, RequestId, ServerFrame};

fn rid(s: &str) -> Option<RequestId> {
    Some(RequestId::new(s).expect("valid"))
}

fn invalid(kind: &'static str, id: Option<RequestId>, reason: &str) -> DecodeError {
    DecodeError::Invalid {
        kind,
        id,
        reason: reason.to_owned(),
    }
}

fn syntax(line: usize, column: usize, reason: &str) -> DecodeError {
    DecodeError::Syntax {
        line,
        column,
        reason: reason.to_owned(),
    }
}

#[test]
fn malformed_client_frames_give_exact_errors() {
    let codec = Codec::new(256);
    let big = format!(r#"{{"type":"send","pad":"{}"}}"#, "x".repeat(300));
    let cases: Vec<(&[u8], DecodeError)> = vec![
        (b"", DecodeError::Empty),
        (big.as_bytes(), DecodeError::TooLarge { len: 324, max: 256 }),
        (b"{\"type\":\"ack\",\"seq\":\xff}", DecodeError::NotUtf8 { valid_up_to: 20 }),
        (b"{\"type\":\"ping\"", syntax(1, 14, "EOF while parsing an object at line 1 column 14")),
        (b"{\"type\":\"ping\"} x", syntax(1, 17, "trailing characters at line 1 column 17")),
        (b"[1,2]", DecodeError::NoType),
        (b"\"hello\"", DecodeError::NoType),
        (b"{\"seq\":1}", DecodeError::NoType),
        (b"{\"type\":7}", DecodeError::NoType),
        (
            br#"{"type":"poke","id":"r-1"}"#,
            DecodeError::UnknownType { kind: "poke".into(), id: rid("r-1") },
        ),
        (
            br#"{"type":"welcome","id":["x"]}"#,
            DecodeError::UnknownType { kind: "welcome".into(), id: None },
        ),
        (
            br#"{"type":"send","id":"r-2","to":{"chat":"single","id":"bob"}}"#,
            invalid("send", rid("r-2"), "missing field `body` at line 1 column 60"),
        ),
        (
            br#"{"type":"send","id":"r-3","to":{"chat":"single","id":"bob"},"body":{"type":"text","text":"hi"},"ext":null}"#,
            invalid("send", rid("r-3"), "invalid type: null, expected a JSON object (null is not allowed) at line 1 column 105"),
        ),
        (
            br#"{"type":"send","id":"r-4","to":{"chat":"single","id":"bob"},"body":{"type":"text","text":"hi"},"ext":[1]}"#,
            invalid("send", rid("r-4"), "invalid type: sequence, expected a JSON object (null is not allowed) at line 1 column 101"),
        ),
        (
            br#"{"type":"send","id":"r-5","to":{"chat":"single","id":"b b"},"body":{"type":"text","text":"hi"}}"#,
            invalid("send", rid("r-5"), "user id contains the character ' ', allowed are A-Z a-z 0-9 _ - . @ : at line 1 column 58"),
        ),
        (
            br#"{"type":"send","id":"r-6","to":{"chat":"galaxy","id":"x"},"body":{"type":"text","text":"hi"}}"#,
            invalid("send", rid("r-6"), "unknown variant `galaxy`, expected one of `single`, `group`, `room`, `thread` at line 1 column 47"),
        ),
        (
            br#"{"type":"send","id":"r-7","to":{"chat":"single","id":"bob"},"body":{"type":"hologram"}}"#,
            invalid("send", rid("r-7"), "unknown variant `hologram`, expected one of `text`, `emoji`, `face`, `image`, `file`, `audio`, `video`, `location`, `command`, `custom` at line 1 column 85"),
        ),
        (
            br#"{"type":"send","id":"","to":{"chat":"single","id":"bob"},"body":{"type":"text","text":"hi"}}"#,
            invalid("send", None, "request id is empty at line 1 column 22"),
        ),
        (
            br#"{"type":"recall","id":"r-8","mid":1042}"#,
            invalid("recall", rid("r-8"), "invalid type: integer `1042`, expected a message id as a decimal string at line 1 column 38"),
        ),
        (
            br#"{"type":"recall","id":"r-9","mid":"-5"}"#,
            invalid("recall", rid("r-9"), "message id \"-5\" is not a decimal number below 2^64 at line 1 column 38"),
        ),
        (
            br#"{"type":"ack","seq":-1}"#,
            invalid("ack", None, "invalid value: integer `-1`, expected u64 at line 1 column 22"),
        ),
        (
            br#"{"type":"ack","seq":18446744073709551616}"#,
            invalid("ack", None, "invalid type: floating point `1.8446744073709552e+19`, expected u64 at line 1 column 40"),
        ),
        (
            br#"{"type":"hello","versions":[1],"device":"d1"}"#,
            invalid("hello", None, "missing field `token` at line 1 column 45"),
        ),
        (
            br#"{"type":"history","id":"r-10","conv":{"chat":"group","id":"g"},"limit":70000}"#,
            invalid("history", rid("r-10"), "invalid value: integer `70000`, expected u16 at line 1 column 76"),
        ),
    ];
    let mismatches: Vec<String> = cases
        .into_iter()
        .filter_map(|(input, expected)| {
            let got = codec.decode::<ClientFrame>(input);
            // Text is refused alike by the decoder of checked text.
            let as_text = std::str::from_utf8(input).map(|t| codec.decode_str::<ClientFrame>(t));
            let text_differs = as_text.as_ref().is_ok_and(|text| *text != got);
            (got != Err(expected.clone()) || text_differs).then(|| {
                format!(
                    "input {:?}\n  expected {expected:?}\n  got      {got:?}\n  as text  {as_text:?}",
                    String::from_utf8_lossy(input)
                )
            })
        })
        .collect();
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn server_frames_are_unknown_to_a_server_and_vice_versa() {
    let codec = Codec::default();
    assert_eq!(
        codec.decode::<ClientFrame>(br#"{"type":"sent","id":"r-1","mid":"1","ts":1}"#),
        Err(DecodeError::UnknownType {
            kind: "sent".into(),
            id: rid("r-1")
        })
    );
    assert_eq!(
        codec.decode::<ServerFrame>(br#"{"type":"send","id":"r-1"}"#),
        Err(DecodeError::UnknownType {
            kind: "send".into(),
            id: rid("r-1")
        })
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!(
        r#"{{"type":"send","ext":{{"a":{}{}}}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let err = Codec::new(1 << 20)
        .decode::<ClientFrame>(deep.as_bytes())
        .unwrap_err();
    assert_eq!(
        err,
        syntax(1, 152, "recursion limit exceeded at line 1 column 152")
    );
}

#[test]
fn unknown_type_names_are_capped() {
    let long = format!(r#"{{"type":"{}"}}"#, "k".repeat(1000));
    match Codec::default().decode::<ClientFrame>(long.as_bytes()) {
        Err(DecodeError::UnknownType { kind, id: None }) => assert_eq!(kind.len(), 64),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn errors_map_to_wire_codes() {
    assert_eq!(
        DecodeError::TooLarge { len: 2, max: 1 }.code(),
        ErrorCode::TOO_LARGE
    );
    assert_eq!(
        DecodeError::UnknownType {
            kind: "x".into(),
            id: None
        }
        .code(),
        ErrorCode::UNKNOWN_TYPE
    );
    assert_eq!(DecodeError::NoType.code(), ErrorCode::BAD_REQUEST);
    assert_eq!(
        invalid("send", rid("r-1"), "x").request_id(),
        rid("r-1").as_ref()
    );
    assert!(DecodeError::Truncated { have: 1, need: 4 }.is_fatal());
    assert!(!DecodeError::Empty.is_fatal());
}

#[test]
fn stream_errors_skip_the_bad_frame_and_go_on() {
    let codec = Codec::new(64);
    let mut dec = StreamDecoder::new(codec);
    let mut buf = BytesMut::new();
    // An oversize frame: 100 bytes announced, arriving in two parts.
    buf.extend_from_slice(&100u32.to_be_bytes());
    buf.extend_from_slice(&[b'x'; 60]);
    assert_eq!(
        dec.decode::<ClientFrame>(&mut buf),
        Err(DecodeError::TooLarge { len: 100, max: 64 })
    );
    assert!(buf.is_empty(), "the oversize frame is not buffered");
    buf.extend_from_slice(&[b'x'; 40]);
    // An empty frame, a malformed one, then a good one.
    buf.extend_from_slice(&0u32.to_be_bytes());
    buf.extend_from_slice(&3u32.to_be_bytes());
    buf.extend_from_slice(b"{x}");
    let ack = br#"{"type":"ack","seq":9}"#;
    buf.extend_from_slice(&u32::try_from(ack.len()).unwrap().to_be_bytes());
    buf.extend_from_slice(ack);
    assert_eq!(dec.decode::<ClientFrame>(&mut buf), Err(DecodeError::Empty));
    assert_eq!(
        dec.decode::<ClientFrame>(&mut buf),
        Err(syntax(1, 2, "key must be a string at line 1 column 2"))
    );
    let frame = dec
        .decode::<ClientFrame>(&mut buf)
        .expect("decodes")
        .expect("whole");
    assert_eq!(
        Codec::default().encode(&frame).expect("encodes").as_ref(),
        ack
    );
    assert_eq!(dec.decode::<ClientFrame>(&mut buf), Ok(None));
}

#[test]
fn truncated_streams_are_reported_at_eof() {
    let mut dec = StreamDecoder::default();
    let mut buf = BytesMut::from(&[0u8, 0][..]);
    assert_eq!(dec.decode::<ClientFrame>(&mut buf), Ok(None));
    assert_eq!(
        dec.decode_eof::<ClientFrame>(&mut buf),
        Err(DecodeError::Truncated { have: 2, need: 4 })
    );
    let mut buf = BytesMut::new();
    buf.extend_from_slice(&10u32.to_be_bytes());
    buf.extend_from_slice(b"{\"ty");
    assert_eq!(
        dec.decode_eof::<ClientFrame>(&mut buf),
        Err(DecodeError::Truncated { have: 8, need: 14 })
    );
    assert!(buf.is_empty());
    assert_eq!(dec.decode_eof::<ClientFrame>(&mut buf), Ok(None));
}

#[test]
fn encoding_refuses_frames_over_the_limit() {
    let codec = Codec::new(16);
    let frame: ClientFrame = Codec::default()
        .decode(br#"{"type":"token","id":"r-1","token":"a-very-long-token"}"#)
        .expect("decodes");
    assert!(matches!(
        codec.encode(&frame),
        Err(natter_core::EncodeError::TooLarge { len: 55, max: 16 })
    ));
    let mut buf = BytesMut::from(&b"keep"[..]);
    assert!(codec.encode_prefixed(&frame, &mut buf).is_err());
    assert_eq!(
        &buf[..],
        b"keep",
        "a failed encode leaves the buffer as it was"
    );
}
