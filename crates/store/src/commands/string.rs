//! String commands: GET SET ... (see `COMMANDS`).

use bytes::Bytes;
use resp::Frame;

use crate::command::flags::*;
use crate::command::{Args, CommandResult, CommandSpec, Ctx, Group};
use crate::error;
use crate::value::{Entry, Value};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("get", 2, READONLY | FAST, (1, 1, 1), Group::String, get),
    CommandSpec::new("set", -3, WRITE | DENYOOM, (1, 1, 1), Group::String, set),
];

fn get(ctx: &mut Ctx<'_>, args: &mut Args) -> CommandResult {
    let key = args.bytes()?;
    let found = ctx.read_key(&key, |kv, db| match kv.get(db, &key).map(|e| &e.value) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.to_bytes())),
        #[allow(unreachable_patterns)]
        Some(_) => Err(error::wrong_type()),
    })?;
    ctx.engine.stats.lookup(found.is_some());
    Ok(found.map(Frame::Bulk).unwrap_or(Frame::Null))
}

fn set(ctx: &mut Ctx<'_>, args: &mut Args) -> CommandResult {
    let key = args.bytes()?;
    let value: Bytes = args.bytes()?;
    args.finish()?;
    ctx.write_key(&key, |kv, db| {
        kv.insert(db, key.clone(), Entry::new(Value::string(value.clone())));
    });
    Ok(Frame::ok())
}
