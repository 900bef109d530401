//! The commands the benchmark measures, in the shapes redis-benchmark sends them (`-d 3`
//! values, `__rand_int__` keys under `-r`), so Tandem's load client and redis-benchmark put
//! the same work on a server. Each knows its redis-benchmark `-t` name, its argument
//! template, and what a correct reply looks like.

use clap::ValueEnum;
use rand::Rng;
use resp::Frame;

/// The placeholder redis-benchmark replaces with a random 12-digit number under `-r`.
pub const RAND_INT: &str = "__rand_int__";

/// A command the benchmark measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
pub enum BenchCommand {
    Ping,
    Set,
    Get,
    Incr,
    Lpush,
    Lpop,
    Sadd,
    Hset,
    Zadd,
    Mset,
}

/// MSET's argument template: ten key/value pairs, as redis-benchmark's `mset` test.
const MSET: [&str; 21] = [
    "MSET",
    "key:__rand_int__",
    "xxx",
    "key:__rand_int__",
    "xxx",
    "key:__rand_int__",
    "xxx",
    "key:__rand_int__",
    "xxx",
    "key:__rand_int__",
    "xxx",
    "key:__rand_int__",
    "xxx",
    "key:__rand_int__",
    "xxx",
    "key:__rand_int__",
    "xxx",
    "key:__rand_int__",
    "xxx",
    "key:__rand_int__",
    "xxx",
];

/// What a correct reply is, per command.
enum Expect {
    Status(&'static str),
    BulkOrNull,
    Integer,
}

impl BenchCommand {
    /// Every command, in the order the benchmark runs them (LPUSH before LPOP, as
    /// redis-benchmark does, so LPOP finds elements).
    pub const ALL: [BenchCommand; 10] = [
        BenchCommand::Ping,
        BenchCommand::Set,
        BenchCommand::Get,
        BenchCommand::Incr,
        BenchCommand::Lpush,
        BenchCommand::Lpop,
        BenchCommand::Sadd,
        BenchCommand::Hset,
        BenchCommand::Zadd,
        BenchCommand::Mset,
    ];

    /// The name in tables and files.
    pub fn name(self) -> &'static str {
        match self {
            BenchCommand::Ping => "PING",
            BenchCommand::Set => "SET",
            BenchCommand::Get => "GET",
            BenchCommand::Incr => "INCR",
            BenchCommand::Lpush => "LPUSH",
            BenchCommand::Lpop => "LPOP",
            BenchCommand::Sadd => "SADD",
            BenchCommand::Hset => "HSET",
            BenchCommand::Zadd => "ZADD",
            BenchCommand::Mset => "MSET",
        }
    }

    /// The redis-benchmark `-t` test that sends this command.
    pub fn benchmark_test(self) -> &'static str {
        match self {
            BenchCommand::Ping => "ping_mbulk",
            BenchCommand::Set => "set",
            BenchCommand::Get => "get",
            BenchCommand::Incr => "incr",
            BenchCommand::Lpush => "lpush",
            BenchCommand::Lpop => "lpop",
            BenchCommand::Sadd => "sadd",
            BenchCommand::Hset => "hset",
            BenchCommand::Zadd => "zadd",
            BenchCommand::Mset => "mset",
        }
    }

    /// The arguments, with [`RAND_INT`] where a random number goes. Also the custom command
    /// line given to a redis-benchmark whose `-t` lacks the test.
    pub fn template(self) -> &'static [&'static str] {
        match self {
            BenchCommand::Ping => &["PING"],
            BenchCommand::Set => &["SET", "key:__rand_int__", "xxx"],
            BenchCommand::Get => &["GET", "key:__rand_int__"],
            BenchCommand::Incr => &["INCR", "counter:__rand_int__"],
            BenchCommand::Lpush => &["LPUSH", "mylist", "xxx"],
            BenchCommand::Lpop => &["LPOP", "mylist"],
            BenchCommand::Sadd => &["SADD", "myset", "element:__rand_int__"],
            BenchCommand::Hset => &["HSET", "myhash", "element:__rand_int__", "xxx"],
            BenchCommand::Zadd => &["ZADD", "myzset", "__rand_int__", "element:__rand_int__"],
            BenchCommand::Mset => &MSET,
        }
    }

    fn expect(self) -> Expect {
        match self {
            BenchCommand::Ping => Expect::Status("PONG"),
            BenchCommand::Set | BenchCommand::Mset => Expect::Status("OK"),
            BenchCommand::Get | BenchCommand::Lpop => Expect::BulkOrNull,
            BenchCommand::Incr | BenchCommand::Lpush | BenchCommand::Sadd | BenchCommand::Hset | BenchCommand::Zadd => {
                Expect::Integer
            }
        }
    }

    /// `Err` with a description when `reply` is an error or not what this command returns.
    pub fn check_reply(self, reply: &Frame) -> Result<(), String> {
        let ok = match (self.expect(), reply) {
            (_, Frame::Error(text)) => return Err(String::from_utf8_lossy(text).into_owned()),
            (Expect::Status(want), Frame::Simple(got)) => got.as_ref() == want.as_bytes(),
            (Expect::BulkOrNull, Frame::Bulk(_) | Frame::Null) => true,
            (Expect::Integer, Frame::Integer(_)) => true,
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(format!("unexpected reply to {}: {reply:?}", self.name()))
        }
    }

    /// Appends one request as a RESP multibulk to `out`, each [`RAND_INT`] replaced by an
    /// independent random number below `keyspace`, zero-padded to 12 digits as
    /// redis-benchmark does.
    pub fn write_request(self, out: &mut Vec<u8>, rng: &mut impl Rng, keyspace: u64) {
        let args = self.template();
        write_header(out, b'*', args.len());
        for arg in args {
            // The replacement has the placeholder's length, so the bulk length is the template's.
            write_header(out, b'$', arg.len());
            let mut rest = *arg;
            while let Some(at) = rest.find(RAND_INT) {
                out.extend_from_slice(&rest.as_bytes()[..at]);
                let n = rng.gen_range(0..keyspace.max(1));
                out.extend_from_slice(format!("{n:012}").as_bytes());
                rest = &rest[at + RAND_INT.len()..];
            }
            out.extend_from_slice(rest.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// Appends a RESP multibulk of `args` to `out`.
pub fn write_command(out: &mut Vec<u8>, args: &[&[u8]]) {
    write_header(out, b'*', args.len());
    for arg in args {
        write_header(out, b'$', arg.len());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

fn write_header(out: &mut Vec<u8>, kind: u8, len: usize) {
    out.push(kind);
    out.extend_from_slice(len.to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn frame(raw: &[u8]) -> Frame {
        match resp::parse_frame(raw) {
            Ok(Some((frame, used))) if used == raw.len() => frame,
            other => panic!("bad test frame {raw:?}: {other:?}"),
        }
    }

    #[test]
    fn requests_are_valid_resp_with_random_keys_in_range() {
        let mut rng = StdRng::seed_from_u64(7);
        for command in BenchCommand::ALL {
            let mut out = Vec::new();
            command.write_request(&mut out, &mut rng, 1000);
            let Ok(Some((Frame::Array(args), used))) = resp::parse_frame(&out) else {
                panic!("{command:?} wrote {out:?}");
            };
            assert_eq!(used, out.len());
            assert_eq!(args.len(), command.template().len());
            for arg in args {
                let Frame::Bulk(arg) = arg else { panic!("{command:?}: not a bulk") };
                assert!(!arg.windows(RAND_INT.len()).any(|w| w == RAND_INT.as_bytes()));
            }
        }
        let mut out = Vec::new();
        BenchCommand::Get.write_request(&mut out, &mut rng, 1000);
        let text = String::from_utf8(out).unwrap();
        let n: u64 = text.trim_end().rsplit(':').next().unwrap().parse().unwrap();
        assert!(n < 1000, "{text}");
        assert!(text.contains("key:000000000"), "{text}");
    }

    #[test]
    fn replies_are_checked_per_command() {
        assert!(BenchCommand::Ping.check_reply(&frame(b"+PONG\r\n")).is_ok());
        assert!(BenchCommand::Set.check_reply(&frame(b"+OK\r\n")).is_ok());
        assert!(BenchCommand::Get.check_reply(&frame(b"$-1\r\n")).is_ok());
        assert!(BenchCommand::Lpop.check_reply(&frame(b"$3\r\nxxx\r\n")).is_ok());
        assert!(BenchCommand::Zadd.check_reply(&frame(b":1\r\n")).is_ok());
        assert_eq!(
            BenchCommand::Incr.check_reply(&frame(b"-ERR value is not an integer or out of range\r\n")),
            Err("ERR value is not an integer or out of range".to_string())
        );
        assert!(BenchCommand::Mset.check_reply(&frame(b":1\r\n")).is_err());
        assert!(BenchCommand::Ping.check_reply(&frame(b"+OK\r\n")).is_err());
    }
}
