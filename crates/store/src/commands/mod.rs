//! Command implementations, one module per group (like Redis's `t_string.c`, ...). Each
//! module declares its `COMMANDS` table next to the functions.

pub mod config;
pub mod connection;
pub mod docs;
pub mod hash;
pub mod keys;
pub mod list;
#[cfg(test)]
mod notify_tests;
pub mod persistence;
pub mod pubsub;
pub mod scan;
pub mod server;
pub mod set;
pub mod sort;
pub mod stream;
pub mod string;
pub mod transaction;
pub(crate) mod typed;
pub mod zset;
