//! Binding the listening sockets: every address of the `bind` directive, on `port`, with
//! redis.conf's spellings (`*` is every IPv4 address, `::*` every IPv6 one, and a leading
//! `-` marks an address that may be missing on this machine).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, ToSocketAddrs};

use socket2::{Domain, Protocol, Socket, Type};

/// What an empty `bind` means: every interface, IPv6 only where the machine has it.
const BIND_DEFAULT: &[&str] = &["*", "-::*"];

/// Binds every address of `bind` on `port` (0: an ephemeral port, then the same port for
/// the other addresses). Fails if any address that is not optional cannot be bound, or if
/// nothing was bound at all.
pub(crate) fn bind_all(bind: &[String], port: u16, backlog: u32) -> io::Result<Vec<TcpListener>> {
    let mut words: Vec<&str> = bind.iter().flat_map(|b| b.split_whitespace()).collect();
    if words.is_empty() {
        words = BIND_DEFAULT.to_vec();
    }
    let mut port = port;
    let mut listeners = Vec::new();
    for word in words {
        let (optional, host) = match word.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, word),
        };
        let addrs = match resolve(host, port) {
            Ok(addrs) => addrs,
            Err(e) if optional => {
                tracing::warn!("skipping optional bind address {host}: {e}");
                continue;
            }
            Err(e) => return Err(io::Error::new(e.kind(), format!("could not resolve bind address {host}: {e}"))),
        };
        for mut addr in addrs {
            addr.set_port(port);
            match listen(addr, backlog) {
                Ok(listener) => {
                    if port == 0 {
                        port = listener.local_addr()?.port();
                    }
                    tracing::info!("listening on {}", listener.local_addr()?);
                    listeners.push(listener);
                }
                // Like Redis, a missing optional address is skipped but one in use is an error.
                Err(e) if optional && e.kind() != io::ErrorKind::AddrInUse => {
                    tracing::warn!("skipping optional bind address {addr}: {e}");
                }
                Err(e) => return Err(io::Error::new(e.kind(), format!("could not bind {addr}: {e}"))),
            }
        }
    }
    if listeners.is_empty() {
        return Err(io::Error::new(io::ErrorKind::AddrNotAvailable, "no bind address could be bound"));
    }
    Ok(listeners)
}

fn resolve(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    let ip = match host {
        "*" => Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        "::*" => Some(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
        _ => host.parse().ok(),
    };
    match ip {
        Some(ip) => Ok(vec![SocketAddr::new(ip, port)]),
        None => Ok((host, port).to_socket_addrs()?.collect()),
    }
}

/// A non-blocking listening socket on `addr`. IPv6 sockets are IPv6-only so `*` and `::*`
/// can share a port, as in Redis.
fn listen(addr: SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}
