//! Memory per key: on a freshly started server, read RSS and `INFO memory` `used_memory`,
//! load `keys` keys with pipelined `SET key:N value:NNNN` (10-byte values; the same loading
//! for every server, Redis included, for fairness), check `DBSIZE`, and read both again.
//! Bytes per key are the growth divided by the keys.

use std::time::{Duration, Instant};

use resp::Frame;

use crate::command::write_command;
use crate::connection::Connection;
use crate::interrupt;
use crate::load::IO_TIMEOUT;
use crate::server::{rss_bytes, ServerProcess};

/// SETs per pipelined batch.
const BATCH: u64 = 1_000;

/// Memory before and after loading.
#[derive(Clone, Debug, Default)]
pub struct MemoryUsage {
    pub rss_before: Option<u64>,
    pub rss_after: Option<u64>,
    pub used_before: Option<u64>,
    pub used_after: Option<u64>,
}

impl MemoryUsage {
    pub fn rss_per_key(&self, keys: u64) -> Option<f64> {
        per_key(self.rss_before, self.rss_after, keys)
    }

    pub fn used_per_key(&self, keys: u64) -> Option<f64> {
        per_key(self.used_before, self.used_after, keys)
    }
}

fn per_key(before: Option<u64>, after: Option<u64>, keys: u64) -> Option<f64> {
    match (before, after) {
        (Some(b), Some(a)) if keys > 0 => Some((a as f64 - b as f64) / keys as f64),
        _ => None,
    }
}

/// Loads `keys` keys into `server` (which must be empty) and measures its memory.
pub fn measure(server: &ServerProcess, keys: u64, deadline: Duration) -> Result<MemoryUsage, String> {
    let mut connection = Connection::connect(server.addr, IO_TIMEOUT)?;
    let mut usage = MemoryUsage { rss_before: rss_bytes(server.pid()), ..MemoryUsage::default() };
    usage.used_before = used_memory(&mut connection)?;
    let started = Instant::now();
    let mut batch = Vec::new();
    let mut next = 0;
    while next < keys {
        interrupt::check()?;
        if started.elapsed() > deadline {
            return Err(format!("loading {keys} keys took over {}s ({next} loaded)", deadline.as_secs()));
        }
        let end = keys.min(next + BATCH);
        batch.clear();
        for n in next..end {
            let key = format!("key:{n}");
            let value = format!("value:{:04}", n % 10_000);
            write_command(&mut batch, &[b"SET", key.as_bytes(), value.as_bytes()]);
        }
        connection.send(&batch)?;
        for n in next..end {
            match connection.read_reply()? {
                Frame::Simple(s) if s.as_ref() == b"OK" => {}
                other => return Err(format!("SET key:{n} was answered with {other:?}")),
            }
        }
        next = end;
    }
    match connection.command(&[b"DBSIZE"])? {
        Frame::Integer(n) if u64::try_from(n).ok() == Some(keys) => {}
        other => return Err(format!("DBSIZE is {other:?} after loading {keys} keys")),
    }
    usage.rss_after = rss_bytes(server.pid());
    usage.used_after = used_memory(&mut connection)?;
    Ok(usage)
}

/// `used_memory` from `INFO memory`; `None` when the server does not report it.
fn used_memory(connection: &mut Connection) -> Result<Option<u64>, String> {
    let text = match connection.command(&[b"INFO", b"memory"])? {
        Frame::Bulk(text) | Frame::Verbatim { text, .. } => text,
        Frame::Error(e) => return Err(format!("INFO memory failed: {}", String::from_utf8_lossy(&e))),
        _ => return Ok(None),
    };
    Ok(info_field(&String::from_utf8_lossy(&text), "used_memory").and_then(|v| v.parse().ok()))
}

/// The value of `field` in INFO's `name:value` lines.
fn info_field<'a>(info: &'a str, field: &str) -> Option<&'a str> {
    info.lines().find_map(|line| line.strip_prefix(field)?.strip_prefix(':')).map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_fields_match_whole_names() {
        let info = "# Memory\r\nused_memory_human:1.00M\r\nused_memory:1048576\r\n";
        assert_eq!(info_field(info, "used_memory"), Some("1048576"));
        assert_eq!(info_field(info, "used_memory_rss"), None);
    }

    #[test]
    fn bytes_per_key_is_growth_over_keys() {
        let u = MemoryUsage { rss_before: Some(1000), rss_after: Some(5000), used_before: None, used_after: Some(9) };
        assert_eq!(u.rss_per_key(100), Some(40.0));
        assert_eq!(u.used_per_key(100), None);
        assert_eq!(u.rss_per_key(0), None);
    }
}
