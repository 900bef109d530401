//! RESP throughput: how fast requests are parsed and replies serialized, in bytes per second.
//!
//! Three shapes of traffic, each parsed with the server's [`RequestParser`] and written with
//! [`resp::encode`]:
//! - `small`: one `SET key value`, the per-request overhead;
//! - `pipeline`: 100 SET/GET requests in one buffer, as a pipelining client sends them;
//! - `bulk`: `SET key <payload>` with 1 KB to 16 MB payloads.
//!
//! Large bulks are parsed two ways. `whole` hands the parser the complete request at once:
//! arguments are split off the buffer without copying, so this measures only the header
//! work and is not a throughput limit. `streamed` is what a server does: the request arrives
//! in reads of `store::session::read_size` bytes (16 KB, or up to 1 MB while a big bulk is
//! pending), each appended to the query buffer (the copy a socket read makes) before the
//! parser looks at it; this is the figure the "≥ 1 GB/s for large bulks" target is about.
//!
//! `parse_frame` is the client-side parser (tests, the harness); it copies payloads.

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use resp::{Frame, Protocol, RequestParser, PROTO_MAX_BULK_LEN_DEFAULT};
use std::hint::black_box;
use std::time::Duration;
use store::session::{BIG_READ_CHUNK, READ_CHUNK};

/// Payload sizes of the `bulk` benchmarks, with their labels.
const BULK_SIZES: &[(usize, &str)] =
    &[(1024, "1KB"), (64 * 1024, "64KB"), (1024 * 1024, "1MB"), (16 * 1024 * 1024, "16MB")];
/// Requests in one `pipeline` buffer.
const PIPELINE_DEPTH: usize = 100;

/// `words` as one RESP multibulk request.
fn request(words: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", words.len()).into_bytes();
    for w in words {
        out.extend_from_slice(format!("${}\r\n", w.len()).as_bytes());
        out.extend_from_slice(w);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// `PIPELINE_DEPTH` requests alternating `SET key:<i> value:<i>` and `GET key:<i>`.
fn pipeline() -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..PIPELINE_DEPTH {
        let key = format!("key:{i:06}");
        if i % 2 == 0 {
            out.extend_from_slice(&request(&[b"SET", key.as_bytes(), format!("value:{i:06}").as_bytes()]));
        } else {
            out.extend_from_slice(&request(&[b"GET", key.as_bytes()]));
        }
    }
    out
}

fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| b'a' + (i % 26) as u8).collect()
}

/// Parses every request in `buf`; returns how many there were.
fn parse_all(parser: &mut RequestParser, buf: &mut BytesMut) -> usize {
    let mut n = 0;
    while let Some(args) = parser.parse(buf).expect("valid request") {
        black_box(args);
        n += 1;
    }
    n
}

/// Feeds `input` to a fresh query buffer the way a server reads a socket: each read asks
/// for `READ_CHUNK` bytes, or up to `BIG_READ_CHUNK` while a big bulk is pending (the
/// sizing of `Session::read_size`), and the parser runs after every read.
fn parse_streamed(parser: &mut RequestParser, input: &[u8]) -> usize {
    let mut buf = BytesMut::new();
    let mut pos = 0;
    let mut requests = 0;
    while pos < input.len() {
        let want = match parser.pending_bulk_len() {
            Some(pending) if pending > READ_CHUNK => pending.min(BIG_READ_CHUNK),
            _ => READ_CHUNK,
        };
        let end = (pos + want).min(input.len());
        buf.reserve(want);
        buf.extend_from_slice(&input[pos..end]);
        pos = end;
        requests += parse_all(parser, &mut buf);
    }
    requests
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("resp/parse");
    group.measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    let mut parser = RequestParser::new(PROTO_MAX_BULK_LEN_DEFAULT);

    let small = request(&[b"SET", b"key", b"value"]);
    group.throughput(Throughput::Bytes(small.len() as u64));
    group.bench_function("small/SET", |b| {
        b.iter_batched_ref(|| BytesMut::from(&small[..]), |buf| parse_all(&mut parser, buf), BatchSize::SmallInput)
    });

    let batch = pipeline();
    group.throughput(Throughput::Bytes(batch.len() as u64));
    group.bench_function(BenchmarkId::new("pipeline", PIPELINE_DEPTH), |b| {
        b.iter_batched_ref(
            || BytesMut::from(&batch[..]),
            |buf| assert_eq!(parse_all(&mut parser, buf), PIPELINE_DEPTH),
            BatchSize::SmallInput,
        )
    });
    group.finish();

    let mut group = c.benchmark_group("resp/parse/bulk");
    group.measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500)).sample_size(20);
    for &(len, label) in BULK_SIZES {
        let input = request(&[b"SET", b"key", &payload(len)]);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(BenchmarkId::new("whole", label), |b| {
            b.iter_batched_ref(
                || BytesMut::from(&input[..]),
                |buf| assert_eq!(parse_all(&mut parser, buf), 1),
                BatchSize::LargeInput,
            )
        });
        group.bench_function(BenchmarkId::new("streamed", label), |b| {
            b.iter(|| assert_eq!(parse_streamed(&mut parser, &input), 1))
        });
    }
    group.finish();
}

fn serialize(c: &mut Criterion) {
    let mut group = c.benchmark_group("resp/serialize");
    group.measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    let mut out = Vec::new();

    let small = Frame::Array(["SET", "key", "value"].iter().map(Frame::bulk).collect());
    encode_bench(&mut group, "small/SET", &[small], &mut out);

    let replies: Vec<Frame> = (0..PIPELINE_DEPTH)
        .map(|i| if i % 2 == 0 { Frame::ok() } else { Frame::bulk(format!("value:{i:06}")) })
        .collect();
    encode_bench(&mut group, &format!("pipeline/{PIPELINE_DEPTH}"), &replies, &mut out);
    group.finish();

    let mut group = c.benchmark_group("resp/serialize/bulk");
    group.measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500)).sample_size(20);
    for &(len, label) in BULK_SIZES {
        let frame = Frame::Bulk(Bytes::from(payload(len)));
        encode_bench(&mut group, label, &[frame], &mut out);
    }
    group.finish();
}

/// Encodes `frames` (as RESP2) into `out`, reused across iterations like a reply buffer.
fn encode_bench(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: &str,
    frames: &[Frame],
    out: &mut Vec<u8>,
) {
    out.clear();
    for f in frames {
        resp::encode(f, Protocol::Resp2, out);
    }
    group.throughput(Throughput::Bytes(out.len() as u64));
    group.bench_function(id, |b| {
        b.iter(|| {
            out.clear();
            for f in frames {
                resp::encode(f, Protocol::Resp2, out);
            }
            black_box(out.len())
        })
    });
}

fn parse_reply(c: &mut Criterion) {
    let mut group = c.benchmark_group("resp/parse_frame/bulk");
    group.measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500)).sample_size(20);
    for &(len, label) in BULK_SIZES {
        let mut input = Vec::new();
        resp::encode(&Frame::Bulk(Bytes::from(payload(len))), Protocol::Resp2, &mut input);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(label, |b| {
            b.iter(|| {
                let (frame, used) = resp::parse_frame(&input).expect("valid").expect("complete");
                assert_eq!(used, input.len());
                frame
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parse, serialize, parse_reply);
criterion_main!(benches);
