//! Persistence commands: SAVE, BGSAVE, LASTSAVE, BGREWRITEAOF and SHUTDOWN, over
//! [`crate::persist`].

use resp::Frame;

use crate::command::flags::*;
use crate::command::table::Group;
use crate::command::{Args, CommandResult, CommandSpec, Ctx};
use crate::persist::{rdb_file, ShutdownOptions};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("save", 1, ADMIN | NOSCRIPT | NO_MULTI, (0, 0, 0), Group::Server, save),
    CommandSpec::new("bgsave", -1, ADMIN | NOSCRIPT, (0, 0, 0), Group::Server, bgsave),
    CommandSpec::new("lastsave", 1, LOADING | STALE | FAST, (0, 0, 0), Group::Server, lastsave)
        .with_acl(&["admin", "dangerous"]),
    CommandSpec::new("bgrewriteaof", 1, ADMIN | NOSCRIPT, (0, 0, 0), Group::Server, bgrewriteaof),
    CommandSpec::new(
        "shutdown",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY,
        (0, 0, 0),
        Group::Server,
        shutdown,
    ),
];

/// SAVE: a synchronous save, blocking this client (and, in the event loop, everyone).
fn save(ctx: &mut Ctx<'_>, _: &Args) -> CommandResult {
    match rdb_file::save(ctx.engine) {
        Ok(()) => Ok(Frame::ok()),
        Err(e) if e.starts_with("ERR ") => Err(Frame::error(e)),
        Err(_) => Err(Frame::error("ERR")),
    }
}

/// BGSAVE [SCHEDULE]
fn bgsave(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let schedule = match args.next() {
        None => false,
        Some(a) if a.eq_ignore_ascii_case(b"schedule") && args.is_empty() => true,
        Some(_) => return Err(Frame::error("ERR syntax error")),
    };
    match rdb_file::bgsave(ctx.engine, schedule) {
        Ok(status) => Ok(Frame::Simple(status.into())),
        Err(e) => Err(Frame::error(e)),
    }
}

/// LASTSAVE: unix seconds of the last successful save.
fn lastsave(ctx: &mut Ctx<'_>, _: &Args) -> CommandResult {
    Ok(Frame::Integer(ctx.engine.persist.rdb.last_save_ms.load(std::sync::atomic::Ordering::Relaxed) / 1000))
}

/// BGREWRITEAOF: compacts the AOF in the background.
fn bgrewriteaof(ctx: &mut Ctx<'_>, _: &Args) -> CommandResult {
    match crate::persist::aof_file::bgrewrite(ctx.engine) {
        Ok(status) => Ok(Frame::Simple(status.into())),
        Err(e) => Err(Frame::error(e)),
    }
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: saves as configured, stops the server.
/// On success the client gets no reply: the connection closes, as in Redis.
fn shutdown(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let mut opts = ShutdownOptions::default();
    let mut abort = false;
    while let Some(a) = args.next() {
        match a.to_ascii_lowercase().as_slice() {
            b"nosave" => opts.nosave = true,
            b"save" => opts.save = true,
            b"now" => opts.now = true,
            b"force" => opts.force = true,
            b"abort" => abort = true,
            _ => return Err(Frame::error("ERR syntax error")),
        }
    }
    if (abort && (opts.nosave || opts.save || opts.now || opts.force)) || (opts.nosave && opts.save) {
        return Err(Frame::error("ERR syntax error"));
    }
    if abort {
        // Tandem has no replicas to wait for, so a shutdown never stays pending.
        return Err(Frame::error("ERR No shutdown in progress."));
    }
    if ctx.engine.prepare_shutdown(opts).is_err() {
        return Err(Frame::error("ERR Errors trying to SHUTDOWN. Check logs."));
    }
    ctx.client.reply_sent = true;
    ctx.client.close_after_reply = true;
    Ok(Frame::ok())
}
