//! Test support: run commands against an [`Engine`] without a server, for unit tests of
//! the command layer (integration tests through real sockets live in the workspace `tests/`).

mod model;

/// Comparing a keyspace with what real Redis answered (needs `serde_json`, a dev-dependency).
#[cfg(test)]
pub mod fixture;

use std::net::SocketAddr;

use bytes::Bytes;
use resp::Frame;

use crate::client::ClientState;
use crate::config::{Config, ConfigValues};
use crate::engine::Engine;
use std::sync::Arc;

/// An engine over the named store with one connected client.
pub struct TestClient {
    pub engine: Arc<Engine>,
    pub client: ClientState,
}

pub use model::ModelStore;

impl TestClient {
    /// A client of a new engine over the store named `store` (or `model`, the reference).
    pub fn new(store: &str) -> TestClient {
        let store: Box<dyn crate::Store> = match store {
            "model" => Box::new(ModelStore::new(16)),
            name => crate::open_store(name, 16).expect("store"),
        };
        TestClient::on(Engine::new(Config::new(ConfigValues::default()), store))
    }

    /// Another client on the same engine.
    pub fn on(engine: Arc<Engine>) -> TestClient {
        let addr: SocketAddr = "127.0.0.1:50000".parse().expect("addr");
        let laddr: SocketAddr = "127.0.0.1:6379".parse().expect("addr");
        let client = engine.clients.register(addr, laddr, -1, usize::MAX).expect("register");
        TestClient { engine, client }
    }

    /// Runs one command given as words.
    pub fn run(&mut self, words: &[&str]) -> Frame {
        let argv = words.iter().map(|w| Bytes::copy_from_slice(w.as_bytes())).collect();
        self.engine.execute(&mut self.client, argv)
    }

    /// Runs one command and returns what it logged to the AOF, one string per logged
    /// command (`"SET k v"`; `"@2 SET k v"` when it runs in database 2), MULTI/EXEC included.
    pub fn logged(&mut self, words: &[&str]) -> Vec<String> {
        self.engine.persist.capture();
        self.engine.persist.take_captured();
        self.run(words);
        self.engine
            .persist
            .take_captured()
            .into_iter()
            .map(|e| {
                let words: Vec<String> = e.argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect();
                match e.db {
                    0 => words.join(" "),
                    db => format!("@{db} {}", words.join(" ")),
                }
            })
            .collect()
    }

    /// Runs one command given as binary words.
    pub fn run_bytes(&mut self, words: &[&[u8]]) -> Frame {
        let argv = words.iter().map(|w| Bytes::copy_from_slice(w)).collect();
        self.engine.execute(&mut self.client, argv)
    }
}

/// Redis's WRONGTYPE error text.
pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

/// Runs `test` against a fresh client of every store.
pub fn each_store(test: impl Fn(&mut TestClient)) {
    for store in STORES {
        test(&mut TestClient::new(store));
    }
}

/// An array of bulk strings.
pub fn bulks(items: &[&str]) -> Frame {
    arr(items.iter().map(|s| bulk(s)).collect())
}

/// The bulk strings of an array reply, sorted.
pub fn sorted(reply: Frame) -> Vec<String> {
    let Frame::Array(items) = reply else { panic!("not an array: {reply:?}") };
    let mut out: Vec<String> = items
        .into_iter()
        .map(|f| match f {
            Frame::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
            other => panic!("not a bulk string: {other:?}"),
        })
        .collect();
    out.sort();
    out
}

/// The stores every command test runs against.
pub const STORES: &[&str] = crate::STORE_NAMES;

/// Shorthands for expected replies.
pub fn ok() -> Frame {
    Frame::ok()
}
pub fn bulk(s: &str) -> Frame {
    Frame::bulk(s)
}
pub fn int(n: i64) -> Frame {
    Frame::Integer(n)
}
pub fn err(s: &str) -> Frame {
    Frame::error(s)
}
pub fn arr(items: Vec<Frame>) -> Frame {
    Frame::Array(items)
}
