//! Tandem's data server core: the keyspace and its values, expiry, the [`Store`] trait
//! with its two implementations, and the command layer that executes every command for
//! both servers.
//!
//! Architecture invariant: nothing here touches a socket. Servers hand requests (already
//! parsed into arguments) to [`Engine::execute`] with the connection's [`ClientState`] and
//! write back the [`resp::Frame`] it returns.

pub mod batch;
pub mod blocking;
pub mod client;
pub mod clock;
pub mod command;
pub mod commands;
pub mod compact;
pub mod config;
pub mod engine;
pub mod error;
pub mod glob;
pub mod keyspace;
pub mod notify;
pub mod num;
pub mod persist;
pub mod prefetch;
pub mod pubsub;
pub mod session;
pub mod store;
pub mod testing;
pub mod types;
pub mod value;
pub mod watch;

pub use client::{ClientRegistry, ClientState};
pub use config::{Config, ConfigValues, Mode};
pub use engine::Engine;
pub use keyspace::{KeyView, Scope, Store};
pub use store::{LockFreeStore, MutexStore};

/// The store implementations `--store` accepts.
pub const STORE_NAMES: &[&str] = &["mutex", "lockfree"];

/// Builds the store named by `--store`.
pub fn open_store(name: &str, databases: usize) -> Result<Box<dyn Store>, String> {
    match name {
        "mutex" => Ok(Box::new(MutexStore::new(databases))),
        "lockfree" => Ok(Box::new(LockFreeStore::new(databases))),
        other => Err(format!("unknown store '{other}' (expected mutex or lockfree)")),
    }
}
