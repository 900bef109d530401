//! Tandem's data server core: the keyspace and its values, expiry, the [`Store`] trait
//! with its two implementations, and the command layer that executes every command for
//! both servers.
//!
//! Architecture invariant: nothing here touches a socket. Servers hand requests (already
//! parsed into arguments) to [`Engine::execute`] with the connection's [`ClientState`] and
//! write back the [`resp::Frame`] it returns.

pub mod client;
pub mod clock;
pub mod command;
pub mod commands;
pub mod config;
pub mod engine;
pub mod error;
pub mod glob;
pub mod keyspace;
pub mod num;
pub mod store;
pub mod testing;
pub mod value;

pub use client::{ClientRegistry, ClientState};
pub use config::{Config, ConfigValues, Mode};
pub use engine::Engine;
pub use keyspace::{KeyView, Scope, Store};
pub use store::MutexStore;

/// Builds the store named by `--store` (`mutex`; `lockfree` arrives with its issue).
pub fn open_store(name: &str, databases: usize) -> Result<Box<dyn Store>, String> {
    match name {
        "mutex" => Ok(Box::new(MutexStore::new(databases))),
        other => Err(format!("unknown store '{other}' (expected mutex or lockfree)")),
    }
}
