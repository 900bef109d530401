//! Collection value types: their data structures and invariants, independent of commands.

pub mod hash;
pub mod list;
pub mod set;
pub mod stream;
pub mod zset;
