//! Connection commands: PING ECHO QUIT HELLO SELECT RESET CLIENT.

use bytes::Bytes;
use resp::{Frame, Protocol};

use crate::blocking::UnblockReason;
use crate::client::{ClientInfo, ClientState, ReplyMode};
use crate::command::flags::*;
use crate::command::{Args, CommandResult, CommandSpec, Ctx, Group};
use crate::error;

/// The Redis version Tandem is compatible with, as HELLO and INFO report it.
pub const REDIS_VERSION: &str = "7.2.0";

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("ping", -1, FAST, (0, 0, 0), Group::Connection, ping),
    CommandSpec::new("echo", 2, LOADING | STALE | FAST, (0, 0, 0), Group::Connection, echo),
    CommandSpec::new(
        "quit",
        -1,
        ALLOW_BUSY | NOSCRIPT | LOADING | STALE | FAST | NO_AUTH,
        (0, 0, 0),
        Group::Connection,
        quit,
    ),
    CommandSpec::new(
        "hello",
        -1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
        (0, 0, 0),
        Group::Connection,
        hello,
    ),
    CommandSpec::new("select", 2, LOADING | STALE | FAST, (0, 0, 0), Group::Connection, select),
    CommandSpec::new(
        "reset",
        1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
        (0, 0, 0),
        Group::Connection,
        reset,
    ),
    CommandSpec::new("client", -2, 0, (0, 0, 0), Group::Connection, container).with_subcommands(CLIENT),
];

static CLIENT: &[CommandSpec] = &[
    CommandSpec::new("id", 2, NOSCRIPT | LOADING | STALE, (0, 0, 0), Group::Connection, client_id),
    CommandSpec::new("setname", 3, NOSCRIPT | LOADING | STALE, (0, 0, 0), Group::Connection, client_setname),
    CommandSpec::new("getname", 2, NOSCRIPT | LOADING | STALE, (0, 0, 0), Group::Connection, client_getname),
    CommandSpec::new("list", -2, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), Group::Connection, client_list),
    CommandSpec::new("info", 2, NOSCRIPT | LOADING | STALE, (0, 0, 0), Group::Connection, client_info),
    CommandSpec::new("kill", -3, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), Group::Connection, client_kill),
    CommandSpec::new("reply", 3, NOSCRIPT | LOADING | STALE, (0, 0, 0), Group::Connection, client_reply),
    CommandSpec::new("setinfo", 4, NOSCRIPT | LOADING | STALE, (0, 0, 0), Group::Connection, client_setinfo),
    CommandSpec::new("unblock", -3, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), Group::Connection, client_unblock),
    CommandSpec::new("help", 2, LOADING | STALE, (0, 0, 0), Group::Connection, client_help),
];

/// Handler of container commands (CLIENT, CONFIG, ...): dispatch always picks a subcommand.
pub fn container(_: &mut Ctx<'_>, _: &Args) -> CommandResult {
    Err(error::syntax())
}

fn ping(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    if args.remaining() > 1 {
        return Err(error::wrong_arity("ping"));
    }
    if ctx.client.protocol == Protocol::Resp2 && ctx.client.subs.total() > 0 {
        // A RESP2 subscriber gets PING's answer in the shape of a message.
        let payload = args.next().cloned().unwrap_or_default();
        return Ok(Frame::Array(vec![Frame::bulk("pong"), Frame::Bulk(payload)]));
    }
    match args.remaining() {
        0 => Ok(Frame::simple("PONG")),
        1 => Ok(Frame::Bulk(args.bytes()?.clone())),
        _ => Err(error::wrong_arity("ping")),
    }
}

fn echo(_: &mut Ctx<'_>, args: &Args) -> CommandResult {
    Ok(Frame::Bulk(args.bytes()?.clone()))
}

fn quit(ctx: &mut Ctx<'_>, _: &Args) -> CommandResult {
    ctx.client.close_after_reply = true;
    Ok(Frame::ok())
}

fn select(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let db = args.i64().map_err(|_| error::not_integer())?;
    if db < 0 || db as usize >= ctx.engine.store().databases() {
        return Err(error::db_index_out_of_range());
    }
    ctx.client.select(db as usize);
    Ok(Frame::ok())
}

fn hello(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let mut proto = None;
    if let Some(v) = args.next() {
        let v = crate::num::parse_i64(v)
            .ok_or_else(|| Frame::error("ERR Protocol version is not an integer or out of range"))?;
        if !(2..=3).contains(&v) {
            return Err(Frame::error("NOPROTO unsupported protocol version"));
        }
        proto = Some(if v == 3 { Protocol::Resp3 } else { Protocol::Resp2 });
    }
    let mut name = None;
    while let Some(opt) = args.next() {
        let more = args.remaining();
        if opt.eq_ignore_ascii_case(b"AUTH") && more >= 2 {
            let user = args.bytes()?;
            let _password = args.bytes()?;
            // Tandem has only the passwordless `default` user, as Redis without requirepass.
            if &user[..] != b"default" {
                return Err(Frame::error("WRONGPASS invalid username-password pair or user is disabled."));
            }
        } else if opt.eq_ignore_ascii_case(b"SETNAME") && more >= 1 {
            let n = args.bytes()?;
            validate_client_name(n)?;
            name = Some(n);
        } else {
            return Err(Frame::error(format!("ERR Syntax error in HELLO option '{}'", error::sanitize(opt, 128))));
        }
    }
    if let Some(p) = proto {
        ctx.client.set_protocol(p);
    }
    if let Some(n) = name {
        ctx.client.set_name(if n.is_empty() { None } else { Some(n.clone()) });
    }
    let proto_num = if ctx.client.protocol == Protocol::Resp3 { 3 } else { 2 };
    Ok(Frame::Map(vec![
        (Frame::bulk("server"), Frame::bulk("redis")),
        (Frame::bulk("version"), Frame::bulk(REDIS_VERSION)),
        (Frame::bulk("proto"), Frame::Integer(proto_num)),
        (Frame::bulk("id"), Frame::Integer(ctx.client.id as i64)),
        (Frame::bulk("mode"), Frame::bulk("standalone")),
        (Frame::bulk("role"), Frame::bulk("master")),
        (Frame::bulk("modules"), Frame::Array(vec![])),
    ]))
}

fn reset(ctx: &mut Ctx<'_>, _: &Args) -> CommandResult {
    ctx.engine.forget_client(ctx.client);
    crate::commands::transaction::reset(ctx.engine, ctx.client);
    ctx.client.select(0);
    ctx.client.set_protocol(Protocol::Resp2);
    ctx.client.set_name(None);
    ctx.client.reply_mode = ReplyMode::On;
    Ok(Frame::simple("RESET"))
}

fn client_id(ctx: &mut Ctx<'_>, _: &Args) -> CommandResult {
    Ok(Frame::Integer(ctx.client.id as i64))
}

/// Redis refuses names with spaces, newlines or other characters outside `!`..`~`.
fn validate_client_name(name: &[u8]) -> Result<(), Frame> {
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(Frame::error("ERR Client names cannot contain spaces, newlines or special characters."));
    }
    Ok(())
}

fn client_setname(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let name = args.bytes()?;
    validate_client_name(name)?;
    ctx.client.set_name(if name.is_empty() { None } else { Some(name.clone()) });
    Ok(Frame::ok())
}

fn client_getname(ctx: &mut Ctx<'_>, _: &Args) -> CommandResult {
    Ok(ctx.client.name().map(Frame::Bulk).unwrap_or(Frame::Null))
}

fn client_setinfo(_: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let attr = args.bytes()?;
    let value = args.bytes()?;
    if !attr.eq_ignore_ascii_case(b"lib-name") && !attr.eq_ignore_ascii_case(b"lib-ver") {
        return Err(Frame::error(format!("ERR Unrecognized option '{}'", error::sanitize(attr, 128))));
    }
    if value.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(Frame::error(format!(
            "ERR {} cannot contain spaces, newlines or special characters.",
            String::from_utf8_lossy(attr).to_ascii_lowercase()
        )));
    }
    Ok(Frame::ok())
}

fn client_reply(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let mode = args.bytes()?;
    ctx.client.reply_mode = if mode.eq_ignore_ascii_case(b"on") {
        ReplyMode::On
    } else if mode.eq_ignore_ascii_case(b"off") {
        ReplyMode::Off
    } else if mode.eq_ignore_ascii_case(b"skip") {
        ReplyMode::Skip
    } else {
        return Err(error::syntax());
    };
    Ok(Frame::ok())
}

/// One CLIENT LIST line (without the trailing newline), in Redis 7.2's field order.
pub fn client_line(c: &ClientInfo, me: Option<&ClientState>) -> String {
    let d = c.details();
    let now = crate::clock::now_ms();
    let cmd = match (d.last_cmd, d.last_sub) {
        ("", _) => "NULL".to_string(),
        (c, Some(s)) => format!("{c}|{s}"),
        (c, None) => c.to_string(),
    };
    let name = d.name.as_deref().map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_default();
    let resp = me.map(|m| if m.protocol == Protocol::Resp3 { 3 } else { 2 }).unwrap_or_else(|| c.protocol());
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} \
         qbuf={} qbuf-free={} argv-mem=0 multi-mem={} rbs=0 rbp=0 obl={} oll=0 omem={} tot-mem={} events=r \
         cmd={} user=default redir=-1 resp={} lib-name= lib-ver=",
        c.id,
        c.addr,
        c.laddr,
        c.fd,
        name,
        (now - c.created_ms) / 1000,
        c.idle_ms() / 1000,
        client_flags(c, d.subscribed()),
        c.db(),
        d.sub,
        d.psub,
        d.ssub,
        c.multi().map_or(-1, |n| n as i64),
        d.qbuf,
        d.qbuf_free,
        c.multi_mem(),
        d.obl,
        d.omem,
        d.qbuf + d.qbuf_free + d.omem,
        cmd,
        resp,
    )
}

/// CLIENT LIST's `flags=`, in Redis's order: `P` subscribed, `x` in MULTI, `d` a watched
/// key was modified; `N` when none applies.
fn client_flags(c: &ClientInfo, subscribed: bool) -> String {
    let mut flags = String::new();
    if subscribed {
        flags.push('P');
    }
    if c.multi().is_some() {
        flags.push('x');
    }
    if c.watch_dirty() {
        flags.push('d');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    flags
}

/// A text reply: bulk in RESP2, verbatim `txt` in RESP3 (as Redis sends CLIENT LIST, INFO).
pub fn text_reply(text: String) -> Frame {
    Frame::Verbatim { format: *b"txt", text: Bytes::from(text) }
}

fn client_list(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let mut ids: Option<Vec<u64>> = None;
    while let Some(opt) = args.next() {
        if opt.eq_ignore_ascii_case(b"TYPE") {
            let t = args.bytes()?;
            let t = t.to_ascii_lowercase();
            if !matches!(&t[..], b"normal" | b"master" | b"replica" | b"slave" | b"pubsub") {
                return Err(Frame::error(format!("ERR Unknown client type '{}'", error::sanitize(&t, 128))));
            }
            if &t[..] != b"normal" {
                ids = Some(vec![]);
            }
        } else if opt.eq_ignore_ascii_case(b"ID") {
            let mut list = Vec::new();
            for a in args.rest() {
                match crate::num::parse_i64(a) {
                    Some(n) if n > 0 => list.push(n as u64),
                    _ => return Err(Frame::error("ERR Invalid client ID")),
                }
            }
            ids = Some(list);
        } else {
            return Err(error::syntax());
        }
    }
    let mut out = String::new();
    for c in ctx.engine.clients.all() {
        if ids.as_ref().is_some_and(|l| !l.contains(&c.id)) {
            continue;
        }
        let me = (c.id == ctx.client.id).then_some(&*ctx.client);
        out.push_str(&client_line(&c, me));
        out.push('\n');
    }
    Ok(text_reply(out))
}

fn client_info(ctx: &mut Ctx<'_>, _: &Args) -> CommandResult {
    let mut line = client_line(&ctx.client.info.clone(), Some(ctx.client));
    line.push('\n');
    Ok(text_reply(line))
}

fn client_kill(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    // Old form: CLIENT KILL addr:port.
    if args.remaining() == 1 {
        let addr = args.bytes()?;
        let target = ctx.engine.clients.all().into_iter().find(|c| c.addr.to_string().as_bytes() == &addr[..]);
        return match target {
            Some(c) => {
                kill(ctx, &c);
                Ok(Frame::ok())
            }
            None => Err(Frame::error("ERR No such client")),
        };
    }
    let mut id = None;
    let mut addr = None;
    let mut laddr = None;
    let mut skipme = true;
    let mut maxage = None;
    let mut type_normal = true;
    while args.remaining() > 0 {
        let opt = args.bytes()?;
        let Some(val) = args.next() else { return Err(error::syntax()) };
        if opt.eq_ignore_ascii_case(b"ID") {
            match crate::num::parse_i64(val) {
                Some(n) if n > 0 => id = Some(n as u64),
                _ => return Err(Frame::error("ERR client-id should be greater than 0")),
            }
        } else if opt.eq_ignore_ascii_case(b"ADDR") {
            addr = Some(val);
        } else if opt.eq_ignore_ascii_case(b"LADDR") {
            laddr = Some(val);
        } else if opt.eq_ignore_ascii_case(b"TYPE") {
            let t = val.to_ascii_lowercase();
            if !matches!(&t[..], b"normal" | b"master" | b"replica" | b"slave" | b"pubsub") {
                return Err(Frame::error(format!("ERR Unknown client type '{}'", error::sanitize(val, 128))));
            }
            type_normal = &t[..] == b"normal";
        } else if opt.eq_ignore_ascii_case(b"USER") {
            if &val[..] != b"default" {
                return Err(Frame::error(format!("ERR No such user '{}'", error::sanitize(val, 128))));
            }
        } else if opt.eq_ignore_ascii_case(b"SKIPME") {
            if val.eq_ignore_ascii_case(b"yes") {
                skipme = true;
            } else if val.eq_ignore_ascii_case(b"no") {
                skipme = false;
            } else {
                return Err(error::syntax());
            }
        } else if opt.eq_ignore_ascii_case(b"MAXAGE") {
            maxage = Some(crate::num::parse_i64(val).ok_or_else(error::not_integer)?);
        } else {
            return Err(error::syntax());
        }
    }
    let now = crate::clock::now_ms();
    let mut killed = 0;
    for c in ctx.engine.clients.all() {
        let matches = type_normal
            && id.is_none_or(|i| i == c.id)
            && addr.as_ref().is_none_or(|a| c.addr.to_string().as_bytes() == &a[..])
            && laddr.as_ref().is_none_or(|a| c.laddr.to_string().as_bytes() == &a[..])
            && maxage.is_none_or(|m| (now - c.created_ms) / 1000 >= m)
            && !(skipme && c.id == ctx.client.id);
        if matches {
            kill(ctx, &c);
            killed += 1;
        }
    }
    Ok(Frame::Integer(killed))
}

fn kill(ctx: &mut Ctx<'_>, c: &ClientInfo) {
    if c.id == ctx.client.id {
        ctx.client.close_after_reply = true;
    } else {
        ctx.engine.clients.kill(c.id);
    }
}

fn client_unblock(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let id = args.i64()?;
    let reason = match args.next() {
        None => UnblockReason::Timeout,
        Some(r) if r.eq_ignore_ascii_case(b"TIMEOUT") => UnblockReason::Timeout,
        Some(r) if r.eq_ignore_ascii_case(b"ERROR") => UnblockReason::Error,
        Some(_) => return Err(Frame::error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")),
    };
    args.finish()?;
    let unblocked = id > 0 && ctx.engine.blocked.unblock(id as u64, reason);
    Ok(Frame::Integer(unblocked as i64))
}

fn client_help(_: &mut Ctx<'_>, _: &Args) -> CommandResult {
    Ok(help_reply(
        "CLIENT",
        &[
            "ID",
            "    Return the ID of the current connection.",
            "GETNAME",
            "    Return the name of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "    * ID <client-id>",
            "      Kill connections by client id.",
            "    * MAXAGE <maxage>",
            "      Kill connections older than the specified age.",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "SETINFO <option> <value>",
            "    Set client meta attr. Options are:",
            "    * LIB-NAME: the client lib name.",
            "    * LIB-VER: the client lib version.",
        ],
    ))
}

/// The reply of `X HELP`: a header line, the given lines, and HELP's own entry, as Redis's
/// `addReplyHelp` builds it.
pub fn help_reply(container: &str, lines: &[&str]) -> Frame {
    let mut out = vec![Frame::Simple(Bytes::from(format!(
        "{container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    )))];
    out.extend(lines.iter().map(|l| Frame::Simple(Bytes::copy_from_slice(l.as_bytes()))));
    out.push(Frame::simple("HELP"));
    out.push(Frame::simple("    Prints this help."));
    Frame::Array(out)
}
