//! Fuzz target: arbitrary bytes, cut into chunks, through `RequestParser` and
//! `parse_frame`. Neither may panic, and fragmenting the input must not change
//! what the request parser makes of it.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use resp::{parse_frame, ProtocolError, RequestParser, PROTO_INLINE_MAX_SIZE, PROTO_MAX_BULK_LEN_DEFAULT};

/// Requests (or the first error) from feeding `input` in `chunk`-byte reads.
fn feed(input: &[u8], chunk: usize, max_bulk_len: usize) -> (Vec<Vec<bytes::Bytes>>, Option<ProtocolError>) {
    let mut parser = RequestParser::new(max_bulk_len);
    let mut buf = BytesMut::new();
    let mut requests = Vec::new();
    for piece in input.chunks(chunk.max(1)) {
        buf.extend_from_slice(piece);
        loop {
            match parser.parse(&mut buf) {
                Ok(Some(args)) => {
                    assert!(!args.is_empty(), "empty requests must be skipped");
                    requests.push(args);
                }
                Ok(None) => break,
                Err(e) => return (requests, Some(e)),
            }
        }
    }
    (requests, None)
}

fuzz_target!(|data: &[u8]| {
    // The first byte steers the run: read size and bulk length limit, so the
    // fuzzer explores fragmentation and the limit check as well as content.
    let Some((&seed, input)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(seed & 0x3f) + 1;
    let max_bulk_len = if seed & 0x40 != 0 { 16 } else { PROTO_MAX_BULK_LEN_DEFAULT };

    let whole = feed(input, input.len(), max_bulk_len);
    let pieces = feed(input, chunk, max_bulk_len);
    // Past the line-length limit, how much had arrived when a line was judged
    // legitimately matters (Redis too rejects a line it has not yet seen end).
    if input.len() <= PROTO_INLINE_MAX_SIZE {
        assert_eq!(whole, pieces, "fragmentation changed the parse");
    }

    if let Ok(Some((_, used))) = parse_frame(input) {
        assert!(used <= input.len());
    }
});
