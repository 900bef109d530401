//! List commands (see `COMMANDS`).

use crate::command::CommandSpec;

pub static COMMANDS: &[CommandSpec] = &[];
