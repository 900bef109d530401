//! Property tests for the RESP crate: what the encoder writes the frame parser
//! reads back, the request parser gives the same requests however the bytes
//! are fragmented, and no input whatsoever makes either parser panic.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use proptest::sample::Index;
use resp::{encode, format_double, parse_frame, Frame, Protocol, RequestParser, PROTO_MAX_BULK_LEN_DEFAULT};

/// Few enough cases that `cargo test -p resp` stays quick in debug builds;
/// `PROPTEST_CASES=100000` still overrides it for a soak run.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------- strategies

fn bytes(max: usize) -> impl Strategy<Value = Bytes> {
    prop::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

/// Status and error lines: anything but CR and LF.
fn line_text() -> impl Strategy<Value = Bytes> {
    prop::collection::vec(any::<u8>().prop_filter("no CR/LF", |b| *b != b'\r' && *b != b'\n'), 0..20)
        .prop_map(Bytes::from)
}

fn leaf() -> impl Strategy<Value = Frame> {
    prop_oneof![
        line_text().prop_map(Frame::Simple),
        line_text().prop_map(Frame::Error),
        any::<i64>().prop_map(Frame::Integer),
        bytes(40).prop_map(Frame::Bulk),
        Just(Frame::Null),
        Just(Frame::NullArray),
        any::<f64>().prop_filter("NaN never compares equal", |d| !d.is_nan()).prop_map(Frame::Double),
        any::<bool>().prop_map(Frame::Boolean),
        "-?[0-9]{1,60}".prop_map(|s| Frame::BigNumber(Bytes::from(s))),
        (any::<[u8; 3]>(), bytes(40)).prop_map(|(format, text)| Frame::Verbatim { format, text }),
    ]
}

fn frame() -> impl Strategy<Value = Frame> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        let pairs = prop::collection::vec((inner.clone(), inner.clone()), 0..4);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Frame::Array),
            prop::collection::vec(inner.clone(), 0..6).prop_map(Frame::Set),
            prop::collection::vec(inner.clone(), 0..6).prop_map(Frame::Push),
            pairs.clone().prop_map(Frame::Map),
            (pairs, inner).prop_map(|(attrs, value)| Frame::Attribute { attrs, value: Box::new(value) }),
        ]
    })
}

/// What a RESP3 reader sees: both nulls are `_`.
fn resp3_view(f: &Frame) -> Frame {
    let pairs = |ps: &[(Frame, Frame)]| ps.iter().map(|(k, v)| (resp3_view(k), resp3_view(v))).collect();
    match f {
        Frame::NullArray => Frame::Null,
        Frame::Array(items) => Frame::Array(items.iter().map(resp3_view).collect()),
        Frame::Set(items) => Frame::Set(items.iter().map(resp3_view).collect()),
        Frame::Push(items) => Frame::Push(items.iter().map(resp3_view).collect()),
        Frame::Map(ps) => Frame::Map(pairs(ps)),
        Frame::Attribute { attrs, value } => {
            Frame::Attribute { attrs: pairs(attrs), value: Box::new(resp3_view(value)) }
        }
        other => other.clone(),
    }
}

/// What a RESP2 reader sees once RESP3 types are downgraded.
fn resp2_view(f: &Frame) -> Frame {
    let list = |items: &[Frame]| Frame::Array(items.iter().map(resp2_view).collect());
    match f {
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => list(items),
        Frame::Map(ps) => Frame::Array(ps.iter().flat_map(|(k, v)| [resp2_view(k), resp2_view(v)]).collect()),
        Frame::Attribute { value, .. } => resp2_view(value),
        Frame::Double(d) => {
            let mut text = Vec::new();
            format_double(*d, &mut text);
            Frame::Bulk(Bytes::from(text))
        }
        Frame::Boolean(b) => Frame::Integer(i64::from(*b)),
        Frame::Verbatim { text, .. } => Frame::Bulk(text.clone()),
        Frame::BigNumber(n) => Frame::Bulk(n.clone()),
        other => other.clone(),
    }
}

fn encoded(f: &Frame, proto: Protocol) -> Vec<u8> {
    let mut out = Vec::new();
    encode(f, proto, &mut out);
    out
}

/// One request in a pipeline, and how it is written on the wire.
#[derive(Clone, Debug)]
enum Request {
    Multibulk(Vec<Vec<u8>>),
    /// Plain words, so the inline line means exactly these arguments.
    Inline {
        words: Vec<String>,
        crlf: bool,
    },
    /// `*0`, `*-1` or a blank line: consumed, never returned.
    Empty(&'static [u8]),
}

impl Request {
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Request::Multibulk(args) => {
                out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
                for a in args {
                    out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
                    out.extend_from_slice(a);
                    out.extend_from_slice(b"\r\n");
                }
            }
            Request::Inline { words, crlf } => {
                out.extend_from_slice(words.join(" ").as_bytes());
                out.extend_from_slice(if *crlf { b"\r\n" } else { b"\n" });
            }
            Request::Empty(raw) => out.extend_from_slice(raw),
        }
    }

    fn args(&self) -> Option<Vec<Vec<u8>>> {
        match self {
            Request::Multibulk(args) => Some(args.clone()),
            Request::Inline { words, .. } => Some(words.iter().map(|w| w.as_bytes().to_vec()).collect()),
            Request::Empty(_) => None,
        }
    }
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        6 => prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 1..6).prop_map(Request::Multibulk),
        3 => (prop::collection::vec("[A-Za-z0-9_:.-]{1,10}", 1..5), any::<bool>())
            .prop_map(|(words, crlf)| Request::Inline { words, crlf }),
        1 => prop::sample::select(vec![&b"*0\r\n"[..], b"*-1\r\n", b"\r\n", b"  \t\n"]).prop_map(Request::Empty),
    ]
}

/// Feeds `input` to a fresh parser in chunks of the given sizes (cycled) and
/// collects every request, stopping at the first error.
fn feed(input: &[u8], chunk_sizes: &[usize]) -> (Vec<Vec<Vec<u8>>>, Option<resp::ProtocolError>, BytesMut) {
    let mut parser = RequestParser::new(PROTO_MAX_BULK_LEN_DEFAULT);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut rest = input;
    let mut sizes = chunk_sizes.iter().copied().cycle();
    while !rest.is_empty() {
        let n = sizes.next().unwrap_or(rest.len()).clamp(1, rest.len());
        buf.extend_from_slice(&rest[..n]);
        rest = &rest[n..];
        loop {
            match parser.parse(&mut buf) {
                Ok(Some(args)) => {
                    assert!(!args.is_empty(), "an empty request must never be returned");
                    out.push(args.iter().map(|a| a.to_vec()).collect());
                }
                Ok(None) => break,
                Err(e) => return (out, Some(e), buf),
            }
        }
    }
    (out, None, buf)
}

/// Redis's `sdscatrepr`: the quoting `sdssplitargs` undoes.
fn quote(arg: &[u8]) -> String {
    let mut s = String::from("\"");
    for &b in arg {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x07 => s.push_str("\\a"),
            0x08 => s.push_str("\\b"),
            0x20..=0x7e => s.push(char::from(b)),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    s
}

/// Bytes that look like RESP often enough to get past the first check.
fn protocolish_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => prop::sample::select(b"*$:+-_,#%~>=(|!\r\n\r\n0123456789-\"' \\xtf".to_vec()),
        1 => any::<u8>(),
    ];
    prop::collection::vec(byte, 0..300)
}

// ---------------------------------------------------------------- properties

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn resp3_encoding_parses_back_to_the_same_frame(f in frame(), cut in any::<Index>()) {
        let wire = encoded(&f, Protocol::Resp3);
        prop_assert_eq!(parse_frame(&wire), Ok(Some((resp3_view(&f), wire.len()))));
        // Any strict prefix is just incomplete.
        let cut = cut.index(wire.len());
        prop_assert_eq!(parse_frame(&wire[..cut]), Ok(None));
    }

    #[test]
    fn resp2_encoding_parses_back_to_the_downgraded_frame(f in frame()) {
        let wire = encoded(&f, Protocol::Resp2);
        prop_assert_eq!(parse_frame(&wire), Ok(Some((resp2_view(&f), wire.len()))));
    }

    #[test]
    fn format_double_round_trips(d in any::<f64>().prop_filter("not NaN", |d| !d.is_nan())) {
        let mut text = Vec::new();
        format_double(d, &mut text);
        let text = String::from_utf8(text).expect("ASCII");
        prop_assert_eq!(text.parse::<f64>().ok(), Some(d), "{}", text);
    }

    #[test]
    fn pipeline_parses_the_same_however_it_is_fragmented(
        reqs in prop::collection::vec(request(), 1..12),
        chunks in prop::collection::vec(1usize..64, 1..16),
    ) {
        let mut wire = Vec::new();
        for r in &reqs {
            r.write(&mut wire);
        }
        let expected: Vec<Vec<Vec<u8>>> = reqs.iter().filter_map(Request::args).collect();

        let (whole, err, rest) = feed(&wire, &[wire.len()]);
        prop_assert_eq!(err, None);
        prop_assert_eq!(&whole, &expected);
        prop_assert!(rest.is_empty());

        let (pieces, err, rest) = feed(&wire, &chunks);
        prop_assert_eq!(err, None);
        prop_assert_eq!(&pieces, &expected);
        prop_assert!(rest.is_empty());
    }

    #[test]
    fn quoted_inline_arguments_round_trip(
        args in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..20), 1..5),
        chunks in prop::collection::vec(1usize..16, 1..8),
    ) {
        let line = args.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ") + "\r\n";
        let (got, err, _) = feed(line.as_bytes(), &chunks);
        prop_assert_eq!(err, None);
        prop_assert_eq!(got, vec![args]);
    }

    #[test]
    fn request_parser_never_panics(
        input in protocolish_bytes(),
        chunks in prop::collection::vec(1usize..32, 1..8),
    ) {
        // Fragmentation must not change the outcome either.
        let whole = feed(&input, &[input.len()]);
        let pieces = feed(&input, &chunks);
        prop_assert_eq!(whole.0, pieces.0);
        prop_assert_eq!(whole.1, pieces.1);
    }

    #[test]
    fn parse_frame_never_panics(input in protocolish_bytes()) {
        if let Ok(Some((_, used))) = parse_frame(&input) {
            prop_assert!(used <= input.len());
        }
    }

    #[test]
    fn mutated_encodings_never_panic(
        f in frame(),
        flips in prop::collection::vec((any::<Index>(), any::<u8>()), 1..4),
        chunks in prop::collection::vec(1usize..32, 1..8),
    ) {
        let mut wire = encoded(&f, Protocol::Resp3);
        if !wire.is_empty() {
            for (at, b) in flips {
                let i = at.index(wire.len());
                wire[i] = b;
            }
        }
        let _ = parse_frame(&wire);
        let _ = feed(&wire, &chunks);
    }
}
