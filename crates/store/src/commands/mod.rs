//! Command implementations, one module per group (like Redis's `t_string.c`, ...). Each
//! module declares its `COMMANDS` table next to the functions.

pub mod connection;
pub mod docs;
pub mod keys;
pub mod server;
pub mod string;
