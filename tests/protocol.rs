//! The wire protocol as a raw client sees it: RESP multibulk and inline requests,
//! pipelining, requests split across reads, the exact protocol error replies (each closes
//! only the offending connection), the unknown-command and arity errors, `HELLO` switching
//! to RESP3, and `QUIT`.

use std::io::Write;
use std::time::Duration;

use tandem_suite::{server_test, Frame, TestServer};

/// Sends `request` on a fresh connection and checks that the server replies exactly
/// `-ERR Protocol error: <error>` and closes that connection, while a client connected
/// before and one connected after keep being served.
fn assert_protocol_error(srv: &TestServer, request: &[u8], error: &str) {
    let mut bystander = srv.raw();
    assert_eq!(bystander.cmd(&["PING"]), Frame::simple("PONG"));
    let mut offender = srv.raw();
    // The server may close before it has read everything: a failed write is not the point.
    let _ = offender.stream.write_all(request);
    offender.expect(format!("-ERR Protocol error: {error}\r\n").as_bytes());
    assert!(offender.closed_by_server(), "the connection must be closed after a protocol error");
    assert_eq!(bystander.cmd(&["PING"]), Frame::simple("PONG"));
    assert_eq!(srv.raw().cmd(&["PING"]), Frame::simple("PONG"));
}

/// Resident memory of this process (the server runs in it), in KiB; None off Linux.
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

server_test!(ping_replies_pong, |srv| {
    let mut conn = srv.raw();
    conn.send(b"*1\r\n$4\r\nPING\r\n");
    conn.expect(b"+PONG\r\n");
    conn.send(b"*2\r\n$4\r\nPING\r\n$5\r\nhello\r\n");
    conn.expect(b"$5\r\nhello\r\n");
});

server_test!(thousand_pipelined_commands_in_one_write_are_answered_in_order, |srv| {
    let mut conn = srv.raw();
    let mut request = Vec::new();
    let mut expected = Vec::new();
    for i in 0..1000 {
        let n = i.to_string();
        let (words, reply): (Vec<&str>, Frame) = match i % 3 {
            0 => (vec!["ECHO", &n], Frame::bulk(&n)),
            1 => (vec!["SET", "pipelined", &n], Frame::ok()),
            _ => (vec!["GET", "pipelined"], Frame::bulk((i - 1).to_string())),
        };
        request.extend_from_slice(format!("*{}\r\n", words.len()).as_bytes());
        for w in words {
            request.extend_from_slice(format!("${}\r\n{w}\r\n", w.len()).as_bytes());
        }
        expected.push(reply);
    }
    conn.send(&request);
    for (i, reply) in expected.iter().enumerate() {
        assert_eq!(&conn.read_frame(), reply, "reply to command {i}");
    }
    assert_eq!(conn.cmd(&["PING"]), Frame::simple("PONG"));
});

server_test!(inline_commands_are_split_on_spaces_and_quotes, |srv| {
    let mut conn = srv.raw();
    conn.send(b"PING\r\n");
    conn.expect(b"+PONG\r\n");
    conn.send(b"set a \"b c\"\n");
    conn.expect(b"+OK\r\n");
    conn.send(b"get a\r\n");
    conn.expect(b"$3\r\nb c\r\n");
    conn.send(b"ECHO \"\\x41\\n\"\r\n");
    conn.expect(b"$2\r\nA\n\r\n");
    conn.send(b"ECHO 'it\\'s'\r\n");
    conn.expect(b"$4\r\nit's\r\n");
});

server_test!(inline_and_multibulk_requests_mix_in_one_pipeline, |srv| {
    let mut conn = srv.raw();
    conn.send(b"SET k 1\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nECHO two\n*1\r\n$4\r\nPING\r\n");
    conn.expect(b"+OK\r\n$1\r\n1\r\n$3\r\ntwo\r\n+PONG\r\n");
});

server_test!(empty_requests_are_ignored, |srv| {
    let mut conn = srv.raw();
    conn.send(b"\r\n\n*0\r\n*-1\r\n   \r\nPING\r\n");
    conn.expect(b"+PONG\r\n");
});

server_test!(request_sent_one_byte_at_a_time_is_assembled, |srv| {
    let mut conn = srv.raw();
    let request: &[u8] = b"*3\r\n$3\r\nSET\r\n$4\r\nslow\r\n$11\r\nhello world\r\nGET slow\r\n";
    for byte in request {
        conn.send(std::slice::from_ref(byte));
        std::thread::sleep(Duration::from_millis(1));
    }
    conn.expect(b"+OK\r\n$11\r\nhello world\r\n");
});

server_test!(non_numeric_multibulk_length_is_a_protocol_error, |srv| {
    assert_protocol_error(srv, b"*abc\r\n", "invalid multibulk length");
});

server_test!(multibulk_element_without_dollar_is_a_protocol_error, |srv| {
    assert_protocol_error(srv, b"*1\r\nfoo\r\n", "expected '$', got 'f'");
});

server_test!(negative_bulk_length_is_a_protocol_error, |srv| {
    assert_protocol_error(srv, b"*1\r\n$-5\r\n", "invalid bulk length");
});

server_test!(bulk_longer_than_512mb_is_a_protocol_error, |srv| {
    assert_protocol_error(srv, b"*1\r\n$536870913\r\n", "invalid bulk length");
});

server_test!(inline_request_with_unbalanced_quotes_is_a_protocol_error, |srv| {
    assert_protocol_error(srv, b"SET k \"unbalanced\r\n", "unbalanced quotes in request");
});

server_test!(inline_request_over_64kb_without_newline_is_a_protocol_error, |srv| {
    // One byte over Redis's PROTO_INLINE_MAX_SIZE (64 KiB): the server has read it all when
    // it refuses, so the reply cannot be lost to a reset.
    assert_protocol_error(srv, &vec![b'a'; 64 * 1024 + 1], "too big inline request");
});

server_test!(inline_request_just_under_64kb_is_served, |srv| {
    let mut conn = srv.raw();
    let word = "x".repeat(60_000);
    conn.send(b"ECHO ");
    conn.send(&word.as_bytes()[..30_000]);
    std::thread::sleep(Duration::from_millis(20));
    conn.send(&word.as_bytes()[30_000..]);
    conn.send(b"\r\n");
    assert_eq!(conn.read_frame(), Frame::bulk(&word));
});

server_test!(declared_huge_bulk_is_not_allocated_up_front, |srv| {
    let before = resident_kib();
    let mut big = srv.raw();
    // Announce a ~512 MB argument, then send only the first 64 KiB of it.
    big.send(b"*2\r\n$4\r\nECHO\r\n$536870000\r\n");
    big.send(&vec![b'z'; 64 * 1024]);
    let mut other = srv.raw();
    assert_eq!(other.cmd(&["PING"]), Frame::simple("PONG"));
    assert_eq!(other.cmd(&["SET", "k", "v"]), Frame::ok());
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(other.cmd(&["GET", "k"]), Frame::bulk("v"));
    if let (Some(before), Some(after)) = (before, resident_kib()) {
        assert!(
            after.saturating_sub(before) < 256 * 1024,
            "resident memory grew from {before} KiB to {after} KiB for a bulk that was only announced"
        );
    }
    drop(big);
    assert_eq!(other.cmd(&["PING"]), Frame::simple("PONG"));
    assert_eq!(srv.raw().cmd(&["PING"]), Frame::simple("PONG"));
});

server_test!(unknown_command_error_quotes_name_and_first_arguments, |srv| {
    let mut conn = srv.raw();
    conn.send(b"*3\r\n$3\r\nfoo\r\n$1\r\na\r\n$1\r\nb\r\n");
    conn.expect(b"-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
    conn.send(b"foo\r\n");
    conn.expect(b"-ERR unknown command 'foo', with args beginning with: \r\n");
    // The connection stays usable.
    assert_eq!(conn.cmd(&["PING"]), Frame::simple("PONG"));
});

server_test!(wrong_arity_error_names_the_command, |srv| {
    let mut conn = srv.raw();
    conn.send(b"*1\r\n$3\r\nGET\r\n");
    conn.expect(b"-ERR wrong number of arguments for 'get' command\r\n");
    conn.send(b"SET onlykey\r\n");
    conn.expect(b"-ERR wrong number of arguments for 'set' command\r\n");
    conn.send(b"ECHO a b\r\n");
    conn.expect(b"-ERR wrong number of arguments for 'echo' command\r\n");
    assert_eq!(conn.cmd(&["PING"]), Frame::simple("PONG"));
});

server_test!(command_names_are_case_insensitive, |srv| {
    let mut conn = srv.raw();
    assert_eq!(conn.cmd(&["pInG"]), Frame::simple("PONG"));
    assert_eq!(conn.cmd(&["set", "k", "v"]), Frame::ok());
    assert_eq!(conn.cmd(&["GeT", "k"]), Frame::bulk("v"));
});

server_test!(hello_3_switches_the_connection_to_resp3, |srv| {
    let mut conn = srv.raw();
    conn.send(b"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n");
    conn.expect(b"%7\r\n");
    let mut fields = Vec::new();
    for _ in 0..7 {
        fields.push((conn.read_frame(), conn.read_frame()));
    }
    let keys: Vec<&Frame> = fields.iter().map(|(k, _)| k).collect();
    let expected_keys: Vec<Frame> =
        ["server", "version", "proto", "id", "mode", "role", "modules"].iter().map(Frame::bulk).collect();
    assert_eq!(keys, expected_keys.iter().collect::<Vec<_>>());
    assert_eq!(fields[0].1, Frame::bulk("redis"));
    assert_eq!(fields[2].1, Frame::Integer(3));
    assert!(matches!(fields[3].1, Frame::Integer(id) if id > 0), "id: {:?}", fields[3].1);
    assert_eq!(fields[4].1, Frame::bulk("standalone"));
    assert_eq!(fields[5].1, Frame::bulk("master"));
    assert_eq!(fields[6].1, Frame::Array(vec![]));
    // RESP3 null.
    conn.send(b"GET missing\r\n");
    conn.expect(b"_\r\n");
    // And back to RESP2.
    conn.send(b"HELLO 2\r\n");
    conn.expect(b"*14\r\n");
    for _ in 0..14 {
        conn.read_frame();
    }
    conn.send(b"GET missing\r\n");
    conn.expect(b"$-1\r\n");
});

server_test!(hello_with_unsupported_version_is_noproto, |srv| {
    let mut conn = srv.raw();
    conn.send(b"HELLO 4\r\n");
    conn.expect(b"-NOPROTO unsupported protocol version\r\n");
    conn.send(b"HELLO abc\r\n");
    conn.expect(b"-ERR Protocol version is not an integer or out of range\r\n");
    // Still RESP2.
    conn.send(b"GET missing\r\n");
    conn.expect(b"$-1\r\n");
});

server_test!(quit_replies_ok_then_closes_the_connection, |srv| {
    let mut conn = srv.raw();
    conn.send(b"QUIT\r\n");
    conn.expect(b"+OK\r\n");
    assert!(conn.closed_by_server());
    assert_eq!(srv.raw().cmd(&["PING"]), Frame::simple("PONG"));
});

server_test!(commands_pipelined_after_quit_are_not_executed, |srv| {
    let mut conn = srv.raw();
    conn.send(b"SET before 1\r\nQUIT\r\nSET after 1\r\n");
    conn.expect(b"+OK\r\n+OK\r\n");
    assert!(conn.closed_by_server());
    let mut other = srv.raw();
    assert_eq!(other.cmd(&["GET", "before"]), Frame::bulk("1"));
    assert_eq!(other.cmd(&["GET", "after"]), Frame::Null);
});
