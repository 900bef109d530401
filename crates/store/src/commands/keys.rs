//! Generic key commands: DEL EXISTS TYPE ... (see `COMMANDS`).

use crate::command::CommandSpec;

pub static COMMANDS: &[CommandSpec] = &[];
