//! `Connection`: a blocking RESP client connection with a timeout on every read and write,
//! parsing replies with `resp::parse_frame`. Used by the load client, the readiness probe
//! and the memory measurement.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use resp::Frame;

use crate::command::write_command;

/// The most reply bytes buffered at once; far above anything the xtask asks for.
const MAX_BUFFERED: usize = 64 << 20;

/// How much is read from the socket at a time.
const READ_CHUNK: usize = 16 << 10;

/// A connection to one server.
pub struct Connection {
    stream: TcpStream,
    addr: SocketAddr,
    timeout: Duration,
    /// Bytes read and not yet parsed start at `buf[start]`.
    buf: Vec<u8>,
    start: usize,
}

impl Connection {
    /// Connects with `timeout` on the connect and on every later read and write.
    pub fn connect(addr: SocketAddr, timeout: Duration) -> Result<Connection, String> {
        let stream =
            TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        let setup = |s: &TcpStream| -> std::io::Result<()> {
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(timeout))?;
            s.set_write_timeout(Some(timeout))
        };
        setup(&stream).map_err(|e| format!("cannot set up the connection to {addr}: {e}"))?;
        Ok(Connection { stream, addr, timeout, buf: Vec::with_capacity(READ_CHUNK), start: 0 })
    }

    /// A handle that can shut the socket down from another thread, unblocking a read or
    /// write in progress (how a stopped run ends at once instead of after the timeout).
    pub fn shutdown_handle(&self) -> Result<TcpStream, String> {
        self.stream.try_clone().map_err(|e| format!("cannot clone the socket to {}: {e}", self.addr))
    }

    /// Writes all of `bytes` (one or more requests).
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.stream.write_all(bytes).map_err(|e| match e.kind() {
            ErrorKind::WouldBlock | ErrorKind::TimedOut => {
                format!("{} did not read our requests within {:?}", self.addr, self.timeout)
            }
            _ => format!("cannot write to {}: {e}", self.addr),
        })
    }

    /// Reads the next reply.
    pub fn read_reply(&mut self) -> Result<Frame, String> {
        loop {
            match resp::parse_frame(&self.buf[self.start..]) {
                Ok(Some((frame, used))) => {
                    self.start += used;
                    if self.start == self.buf.len() {
                        self.buf.clear();
                        self.start = 0;
                    }
                    return Ok(frame);
                }
                Ok(None) => self.fill()?,
                Err(e) => return Err(format!("{} sent an invalid reply: {e:?}", self.addr)),
            }
        }
    }

    /// Sends one command and reads its reply.
    pub fn command(&mut self, args: &[&[u8]]) -> Result<Frame, String> {
        let mut out = Vec::new();
        write_command(&mut out, args);
        self.send(&out)?;
        self.read_reply()
    }

    /// Reads more bytes after the unparsed ones.
    fn fill(&mut self) -> Result<(), String> {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        if self.buf.len() >= MAX_BUFFERED {
            return Err(format!("{} sent a reply over {MAX_BUFFERED} bytes", self.addr));
        }
        let filled = self.buf.len();
        self.buf.resize(filled + READ_CHUNK, 0);
        let read = self.stream.read(&mut self.buf[filled..]);
        self.buf.truncate(filled + *read.as_ref().unwrap_or(&0));
        match read {
            Ok(0) => Err(format!("{} closed the connection", self.addr)),
            Ok(_) => Ok(()),
            Err(e) if e.kind() == ErrorKind::Interrupted => Ok(()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                Err(format!("no reply from {} within {:?}", self.addr, self.timeout))
            }
            Err(e) => Err(format!("cannot read from {}: {e}", self.addr)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn replies_split_across_reads_are_reassembled() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut request = [0u8; 64];
            let _ = s.read(&mut request).unwrap();
            s.write_all(b"+PO").unwrap();
            std::thread::sleep(Duration::from_millis(20));
            s.write_all(b"NG\r\n:7\r\n").unwrap();
        });
        let mut c = Connection::connect(addr, Duration::from_secs(5)).unwrap();
        assert_eq!(c.command(&[b"PING"]).unwrap(), Frame::simple("PONG"));
        assert_eq!(c.read_reply().unwrap(), Frame::Integer(7));
        server.join().unwrap();
    }

    #[test]
    fn a_silent_server_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut c = Connection::connect(listener.local_addr().unwrap(), Duration::from_millis(100)).unwrap();
        let e = c.command(&[b"PING"]).unwrap_err();
        assert!(e.starts_with("no reply from"), "{e}");
    }
}
