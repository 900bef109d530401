//! Server commands: DBSIZE FLUSHDB FLUSHALL INFO CONFIG COMMAND TIME SWAPDB ... (see `COMMANDS`).

use crate::command::CommandSpec;

pub static COMMANDS: &[CommandSpec] = &[];
