//! Transactions, as Redis's `multi.c`: MULTI EXEC DISCARD WATCH UNWATCH.
//!
//! **Queuing.** After MULTI, the dispatcher checks each command's name and arity and, unless
//! it is one of EXEC DISCARD MULTI WATCH QUIT RESET (which run at once, as in Redis's
//! `processCommand`), hands it to `queue`, which answers `+QUEUED`. A command refused
//! while queuing (unknown, wrong arity, flagged `no_multi`) gets its error and makes EXEC
//! answer EXECABORT; once that is certain, later commands are answered `+QUEUED` but not kept.
//!
//! **Bound.** The queued commands' size (their arguments plus a small per-command and
//! per-argument overhead, what CLIENT LIST shows as `multi-mem`) may not pass
//! `client-query-buffer-limit`: the command that would pass it is refused
//! (`ERR MULTI queue exceeds client-query-buffer-limit`) and the transaction fails.
//!
//! **EXEC is atomic** against every other client, in both modes and over both stores: all
//! queued commands run inside one `Store::view(Scope::All, ..)` through
//! [`Ctx::within`](crate::command::Ctx::within), so their own views reuse the held one.
//! The mutex store holds every shard's lock for the whole EXEC; the lock-free store holds
//! its gate exclusively with its sequence counter odd, so neither writers nor validated
//! readers see a transaction half-applied. The reply is built inside the view (which may in
//! principle run twice). Blocking commands act as their non-blocking forms (see
//! [`Ctx::block`](crate::command::Ctx::block)). Clients blocked on keys the transaction
//! changed are woken once, after the view is released, so they see its final state.
//! Runtime errors are replies in their place; nothing is rolled back.
//!
//! **WATCH** keys live in [`crate::watch::WatchedKeys`]; see that module for how writes,
//! expiry, FLUSHDB/FLUSHALL and SWAPDB mark watchers. EXEC fails with the null array
//! (RESP2 `*-1`, RESP3 `_`) when a watched key was modified; EXEC, DISCARD, UNWATCH, RESET
//! and disconnecting all forget the client's watched keys.

use bytes::Bytes;
use resp::Frame;

use crate::client::ClientState;
use crate::command::flags::*;
use crate::command::{call, Args, CommandResult, CommandSpec, Ctx, Group, Resolved};
use crate::engine::Engine;
use crate::keyspace::{with_view, Scope};
use crate::watch::{Modifications, Recorder};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("multi", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (0, 0, 0), Group::Transactions, multi),
    CommandSpec::new("exec", 1, NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG, (0, 0, 0), Group::Transactions, exec),
    CommandSpec::new(
        "discard",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        (0, 0, 0),
        Group::Transactions,
        discard,
    ),
    CommandSpec::new(
        "watch",
        -2,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        (1, -1, 1),
        Group::Transactions,
        watch,
    ),
    CommandSpec::new(
        "unwatch",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        (0, 0, 0),
        Group::Transactions,
        unwatch,
    ),
];

/// Commands that run at once inside MULTI instead of being queued (Redis's `processCommand`).
const RUN_AT_ONCE: &[&str] = &["exec", "discard", "multi", "watch", "quit", "reset"];

/// Size counted for each queued command and each of its arguments beyond the argument bytes.
const COMMAND_OVERHEAD: usize = 64;
const ARG_OVERHEAD: usize = 16;

/// A client's open transaction: what MULTI started and EXEC will run.
#[derive(Default)]
pub struct Multi {
    queued: Vec<Queued>,
    /// Size of `queued`, for the bound and CLIENT LIST's `multi-mem`.
    bytes: usize,
    /// A command was refused while queuing: EXEC answers EXECABORT.
    failed: bool,
}

struct Queued {
    cmd: Resolved,
    argv: Vec<Bytes>,
}

/// True if `cmd` is to be queued rather than run: the client is in MULTI and `cmd` is not
/// one of those that run at once.
pub(crate) fn queues(client: &ClientState, cmd: &Resolved) -> bool {
    client.multi.is_some() && !RUN_AT_ONCE.contains(&cmd.container.name)
}

/// Queues a checked command for EXEC and answers `+QUEUED` (or refuses it; see the module docs).
pub(crate) fn queue(engine: &Engine, client: &mut ClientState, cmd: Resolved, argv: Vec<Bytes>) -> Frame {
    if cmd.spec.has(NO_MULTI) || cmd.container.has(NO_MULTI) {
        flag_error(client);
        return Frame::error("ERR Command not allowed inside a transaction");
    }
    let limit = engine.config.read(|c| c.client_query_buffer_limit);
    let Some(multi) = client.multi.as_mut() else {
        return Frame::error("ERR EXEC without MULTI");
    };
    if multi.failed {
        // EXEC will fail anyway: no sense keeping the command (Redis 7 does the same).
        return Frame::simple("QUEUED");
    }
    let size = COMMAND_OVERHEAD + argv.iter().map(|a| a.len() + ARG_OVERHEAD).sum::<usize>();
    if (multi.bytes + size) as u64 > limit {
        multi.failed = true;
        return Frame::error("ERR MULTI queue exceeds client-query-buffer-limit");
    }
    multi.bytes += size;
    multi.queued.push(Queued { cmd, argv });
    client.info.set_multi(Some(multi.queued.len()), multi.bytes);
    Frame::simple("QUEUED")
}

/// The dispatcher refused `argv` with `error`: the client's transaction, if any, will fail
/// at EXEC (Redis's `flagTransaction`); a refused EXEC itself ends it at once, as Redis's
/// `execCommandAbort` does.
pub(crate) fn refused(engine: &Engine, client: &mut ClientState, argv: &[Bytes], error: Frame) -> Frame {
    if !argv[0].eq_ignore_ascii_case(b"exec") {
        flag_error(client);
        return error;
    }
    reset(engine, client);
    let Frame::Error(text) = &error else { return error };
    let reason = text.strip_prefix(b"ERR ").unwrap_or(text);
    Frame::error(format!("EXECABORT Transaction discarded because of: {}", String::from_utf8_lossy(reason)))
}

/// Marks the client's transaction, if any, to fail at EXEC (Redis's `flagTransaction`).
fn flag_error(client: &mut ClientState) {
    if let Some(multi) = client.multi.as_mut() {
        multi.failed = true;
    }
}

/// Ends the client's transaction, if any, and forgets its watched keys (DISCARD, EXEC, RESET).
pub(crate) fn reset(engine: &Engine, client: &mut ClientState) {
    client.multi = None;
    client.info.set_multi(None, 0);
    engine.watches.unwatch(client.id);
}

fn multi(ctx: &mut Ctx<'_>, _: &Args) -> CommandResult {
    if ctx.client.multi.is_some() {
        return Err(Frame::error("ERR MULTI calls can not be nested"));
    }
    ctx.client.multi = Some(Multi::default());
    ctx.client.info.set_multi(Some(0), 0);
    Ok(Frame::ok())
}

fn discard(ctx: &mut Ctx<'_>, _: &Args) -> CommandResult {
    if ctx.client.multi.is_none() {
        return Err(Frame::error("ERR DISCARD without MULTI"));
    }
    reset(ctx.engine, ctx.client);
    Ok(Frame::ok())
}

fn exec(ctx: &mut Ctx<'_>, _: &Args) -> CommandResult {
    let Some(multi) = ctx.client.multi.take() else {
        return Err(Frame::error("ERR EXEC without MULTI"));
    };
    let (engine, client) = (ctx.engine, &mut *ctx.client);
    if multi.failed {
        reset(engine, client);
        return Err(Frame::error("EXECABORT Transaction discarded because of previous errors."));
    }
    let db = client.db;
    let mut changed = Modifications::default();
    let reply = with_view(engine.store(), Scope::All, |kv| {
        // The view may run more than once: each run starts from the same state.
        client.select(db);
        client.exec_effects.clear();
        changed = Modifications::default();
        if engine.watches.exec_fails(client.id, kv) {
            return Frame::NullArray;
        }
        let mut recorder = Recorder::new(kv, &engine.watches);
        let mut replies = Vec::with_capacity(multi.queued.len());
        for q in &multi.queued {
            let (reply, own) = call(engine, client, Some(&mut recorder), q.cmd, q.argv.clone());
            // A (P|S)SUBSCRIBE answers through the mailbox; EXEC's own reply must still go out.
            client.reply_sent = false;
            let succeeded = !reply.is_error();
            let mut m = recorder.take();
            // What the command itself said (`Ctx::key_ready`); its views were the recorder's.
            m.merge(own);
            engine.watches.mark_settled(&m, succeeded);
            changed.merge_settled(m, succeeded);
            replies.push(reply);
        }
        Frame::Array(replies)
    });
    reset(engine, client);
    changed.wake_blocked(&engine.blocked, true);
    Ok(reply)
}

fn watch(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    if ctx.client.multi.is_some() {
        return Err(Frame::error("ERR WATCH inside MULTI is not allowed"));
    }
    let keys = args.rest();
    let (engine, info, db) = (ctx.engine, ctx.client.info.clone(), ctx.db());
    let limit = usize::try_from(engine.config.read(|c| c.client_query_buffer_limit)).unwrap_or(usize::MAX);
    // Under `Scope::All`, so that every write is wholly before or after the registration
    // (see `crate::watch`).
    ctx.view(Scope::All, |kv| engine.watches.watch(&info, db, keys, limit, kv))
        .map_err(|_| Frame::error("ERR WATCH keys exceed client-query-buffer-limit"))?;
    Ok(Frame::ok())
}

fn unwatch(ctx: &mut Ctx<'_>, _: &Args) -> CommandResult {
    ctx.engine.watches.unwatch(ctx.client.id);
    Ok(Frame::ok())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use resp::Frame;

    use crate::testing::{arr, bulk, err, int, ok, TestClient, STORES};

    const EXECABORT: &str = "EXECABORT Transaction discarded because of previous errors.";

    fn queued() -> Frame {
        Frame::simple("QUEUED")
    }

    /// Runs `test` with two clients of one engine, for every store.
    fn each_store(test: impl Fn(&mut TestClient, &mut TestClient)) {
        for store in STORES {
            let mut a = TestClient::new(store);
            let mut b = TestClient::on(a.engine.clone());
            test(&mut a, &mut b);
        }
    }

    /// MULTI, `commands` (each answered `+QUEUED`), EXEC: returns EXEC's reply.
    fn transaction(c: &mut TestClient, commands: &[&[&str]]) -> Frame {
        assert_eq!(c.run(&["MULTI"]), ok());
        for words in commands {
            assert_eq!(c.run(words), queued(), "{words:?}");
        }
        c.run(&["EXEC"])
    }

    /// A transaction that only PINGs: `PONG` in an array if it ran, the null array if not.
    fn ping_transaction(c: &mut TestClient) -> Frame {
        transaction(c, &[&["PING"]])
    }

    fn ran() -> Frame {
        arr(vec![Frame::simple("PONG")])
    }

    fn sleep_ms(ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
    }

    #[test]
    fn exec_runs_the_queued_commands_in_order_and_replies_with_each_reply() {
        each_store(|a, _| {
            let reply = transaction(a, &[&["SET", "k", "1"], &["INCR", "k"], &["GET", "k"]]);
            assert_eq!(reply, arr(vec![ok(), int(2), bulk("2")]));
            assert_eq!(a.run(&["GET", "k"]), bulk("2"));
        });
    }

    #[test]
    fn an_empty_transaction_replies_an_empty_array() {
        each_store(|a, _| assert_eq!(transaction(a, &[]), arr(vec![])));
    }

    #[test]
    fn queued_commands_do_not_run_before_exec() {
        each_store(|a, b| {
            assert_eq!(a.run(&["MULTI"]), ok());
            assert_eq!(a.run(&["SET", "k", "v"]), queued());
            assert_eq!(b.run(&["EXISTS", "k"]), int(0));
            assert_eq!(a.run(&["EXEC"]), arr(vec![ok()]));
            assert_eq!(b.run(&["EXISTS", "k"]), int(1));
        });
    }

    #[test]
    fn misplaced_transaction_commands_have_redis_errors() {
        each_store(|a, _| {
            assert_eq!(a.run(&["EXEC"]), err("ERR EXEC without MULTI"));
            assert_eq!(a.run(&["DISCARD"]), err("ERR DISCARD without MULTI"));
            assert_eq!(a.run(&["MULTI"]), ok());
            assert_eq!(a.run(&["MULTI"]), err("ERR MULTI calls can not be nested"));
            assert_eq!(a.run(&["WATCH", "k"]), err("ERR WATCH inside MULTI is not allowed"));
            // Neither error aborts the transaction, as in Redis.
            assert_eq!(a.run(&["SET", "k", "v"]), queued());
            assert_eq!(a.run(&["EXEC"]), arr(vec![ok()]));
        });
    }

    #[test]
    fn a_command_refused_while_queuing_makes_exec_abort() {
        each_store(|a, _| {
            assert_eq!(a.run(&["MULTI"]), ok());
            assert_eq!(a.run(&["SET", "k", "v"]), queued());
            assert_eq!(a.run(&["GET"]), err("ERR wrong number of arguments for 'get' command"));
            assert_eq!(a.run(&["EXEC"]), err(EXECABORT));
            assert_eq!(a.run(&["EXISTS", "k"]), int(0));

            assert_eq!(a.run(&["MULTI"]), ok());
            assert_eq!(a.run(&["NOSUCH", "x"]), err("ERR unknown command 'NOSUCH', with args beginning with: 'x' "));
            assert_eq!(a.run(&["SET", "k", "v"]), queued());
            assert_eq!(a.run(&["EXEC"]), err(EXECABORT));

            assert_eq!(a.run(&["MULTI"]), ok());
            assert_eq!(a.run(&["CONFIG", "GET"]), err("ERR wrong number of arguments for 'config|get' command"));
            assert_eq!(a.run(&["EXEC"]), err(EXECABORT));
            // The client is out of MULTI afterwards.
            assert_eq!(a.run(&["EXEC"]), err("ERR EXEC without MULTI"));
            assert_eq!(a.run(&["EXISTS", "k"]), int(0));
        });
    }

    #[test]
    fn exec_with_arguments_ends_the_transaction_at_once() {
        each_store(|a, b| {
            let abort = "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command";
            assert_eq!(a.run(&["EXEC", "now"]), err(abort));
            assert_eq!(a.run(&["WATCH", "w"]), ok());
            assert_eq!(b.run(&["SET", "w", "v"]), ok());
            assert_eq!(a.run(&["MULTI"]), ok());
            assert_eq!(a.run(&["SET", "k", "v"]), queued());
            assert_eq!(a.run(&["EXEC", "now"]), err(abort));
            assert_eq!(a.run(&["EXISTS", "k"]), int(0));
            assert_eq!(a.run(&["EXEC"]), err("ERR EXEC without MULTI"));
            // The watched keys went with it.
            assert_eq!(ping_transaction(a), ran());
        });
    }

    #[test]
    fn runtime_errors_are_replied_in_place_without_rollback() {
        each_store(|a, _| {
            let reply = transaction(a, &[&["SET", "k", "1"], &["LPUSH", "k", "x"], &["INCR", "k"]]);
            assert_eq!(
                reply,
                arr(vec![ok(), err("WRONGTYPE Operation against a key holding the wrong kind of value"), int(2)])
            );
            assert_eq!(a.run(&["GET", "k"]), bulk("2"));
        });
    }

    #[test]
    fn discard_drops_the_queue() {
        each_store(|a, _| {
            assert_eq!(a.run(&["MULTI"]), ok());
            assert_eq!(a.run(&["SET", "k", "v"]), queued());
            assert_eq!(a.run(&["DISCARD"]), ok());
            assert_eq!(a.run(&["EXISTS", "k"]), int(0));
            assert_eq!(a.run(&["EXEC"]), err("ERR EXEC without MULTI"));
        });
    }

    #[test]
    fn unwatch_and_select_are_queued_like_redis() {
        each_store(|a, _| {
            let reply = transaction(a, &[&["UNWATCH"], &["SELECT", "3"], &["SET", "k", "v"]]);
            assert_eq!(reply, arr(vec![ok(), ok(), ok()]));
            // SELECT inside the transaction stays in effect.
            assert_eq!(a.run(&["GET", "k"]), bulk("v"));
            assert_eq!(a.run(&["SELECT", "0"]), ok());
            assert_eq!(a.run(&["EXISTS", "k"]), int(0));
        });
    }

    #[test]
    fn blocking_commands_inside_exec_answer_at_once() {
        each_store(|a, _| {
            let reply = transaction(
                a,
                &[
                    &["BLPOP", "nothing", "0"],
                    &["BLMOVE", "nothing", "x", "LEFT", "LEFT", "0"],
                    &["BZPOPMIN", "nothing", "0"],
                    &["BLPOP", "nothing", "-1"],
                    &["RPUSH", "l", "v"],
                    &["BRPOP", "l", "0"],
                ],
            );
            assert_eq!(
                reply,
                arr(vec![
                    Frame::NullArray,
                    Frame::Null,
                    Frame::NullArray,
                    err("ERR timeout is negative"),
                    int(1),
                    arr(vec![bulk("l"), bulk("v")]),
                ])
            );
            assert!(a.client.block.is_none());
        });
    }

    #[test]
    fn the_queue_is_bounded_by_the_query_buffer_limit() {
        each_store(|a, _| {
            a.engine.config.update(|c| c.client_query_buffer_limit = 1000);
            assert_eq!(a.run(&["MULTI"]), ok());
            let value = "x".repeat(400);
            assert_eq!(a.run(&["SET", "k", &value]), queued());
            assert_eq!(a.run(&["SET", "k", &value]), err("ERR MULTI queue exceeds client-query-buffer-limit"));
            assert_eq!(a.run(&["PING"]), queued());
            assert_eq!(a.run(&["EXEC"]), err(EXECABORT));
        });
    }

    #[test]
    fn exec_counts_each_queued_command_in_stats() {
        each_store(|a, _| {
            let before = a.engine.stats.commands.load(std::sync::atomic::Ordering::Relaxed);
            transaction(a, &[&["PING"], &["PING"]]);
            let after = a.engine.stats.commands.load(std::sync::atomic::Ordering::Relaxed);
            // MULTI, EXEC and the two queued commands (queuing itself is not a call).
            assert_eq!(after - before, 4);
        });
    }

    #[test]
    fn client_list_shows_the_transaction() {
        each_store(|a, b| {
            let line = |c: &mut TestClient| match c.run(&["CLIENT", "INFO"]) {
                Frame::Verbatim { text, .. } => String::from_utf8_lossy(&text).into_owned(),
                other => panic!("CLIENT INFO replied {other:?}"),
            };
            assert!(line(a).contains(" flags=N "), "{}", line(a));
            assert!(line(a).contains(" multi=-1 "));
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(b.run(&["SET", "k", "v"]), ok());
            assert!(line(a).contains(" flags=d "), "{}", line(a));
            assert_eq!(a.run(&["MULTI"]), ok());
            assert_eq!(a.run(&["PING"]), queued());
            let Frame::Verbatim { text, .. } = b.run(&["CLIENT", "LIST"]) else { panic!("CLIENT LIST") };
            let list = String::from_utf8_lossy(&text).into_owned();
            let mine = list.lines().find(|l| l.starts_with(&format!("id={} ", a.client.id))).expect("listed");
            assert!(mine.contains(" flags=xd ") && mine.contains(" multi=1 "), "{mine}");
            assert_eq!(a.run(&["EXEC"]), Frame::NullArray);
            assert!(line(a).contains(" flags=N ") && line(a).contains(" multi=-1 "), "{}", line(a));
        });
    }

    #[test]
    fn a_blocked_client_is_woken_once_after_exec() {
        struct Wakes(parking_lot::Mutex<Vec<u64>>);
        impl crate::blocking::BlockWaker for Wakes {
            fn wake(&self, id: u64) {
                self.0.lock().push(id);
            }
        }
        each_store(|a, b| {
            let wakes = std::sync::Arc::new(Wakes(parking_lot::Mutex::new(Vec::new())));
            a.engine.blocked.block(b.client.id, 0, &[bytes::Bytes::from_static(b"q")], wakes.clone());
            assert_eq!(a.run(&["MULTI"]), ok());
            assert_eq!(a.run(&["RPUSH", "q", "1"]), queued());
            assert_eq!(a.run(&["RPUSH", "q", "2"]), queued());
            assert!(wakes.0.lock().is_empty());
            assert_eq!(a.run(&["EXEC"]), arr(vec![int(1), int(2)]));
            assert_eq!(*wakes.0.lock(), vec![b.client.id]);
            a.engine.blocked.remove(b.client.id);
        });
    }

    // ---- WATCH ------------------------------------------------------------------------------

    #[test]
    fn exec_runs_when_no_watched_key_changed() {
        each_store(|a, b| {
            assert_eq!(a.run(&["SET", "k", "1"]), ok());
            assert_eq!(a.run(&["WATCH", "k", "other"]), ok());
            assert_eq!(b.run(&["GET", "k"]), bulk("1"));
            assert_eq!(b.run(&["SET", "unwatched", "1"]), ok());
            assert_eq!(ping_transaction(a), ran());
        });
    }

    #[test]
    fn a_write_by_another_client_fails_exec() {
        each_store(|a, b| {
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(b.run(&["SET", "k", "v"]), ok());
            assert_eq!(transaction(a, &[&["SET", "k", "mine"]]), Frame::NullArray);
            assert_eq!(a.run(&["GET", "k"]), bulk("v"));
        });
    }

    #[test]
    fn an_in_place_write_by_another_client_fails_exec() {
        each_store(|a, b| {
            assert_eq!(a.run(&["RPUSH", "l", "1"]), int(1));
            assert_eq!(a.run(&["WATCH", "l"]), ok());
            assert_eq!(b.run(&["RPUSH", "l", "2"]), int(2));
            assert_eq!(ping_transaction(a), Frame::NullArray);
        });
    }

    #[test]
    fn the_clients_own_write_after_watch_fails_exec() {
        each_store(|a, _| {
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(a.run(&["SET", "k", "v"]), ok());
            assert_eq!(ping_transaction(a), Frame::NullArray);
        });
    }

    #[test]
    fn writes_that_change_nothing_do_not_fail_exec() {
        each_store(|a, b| {
            assert_eq!(a.run(&["SET", "s", "text"]), ok());
            assert_eq!(a.run(&["WATCH", "s", "missing"]), ok());
            assert_eq!(b.run(&["DEL", "missing"]), int(0));
            assert_eq!(b.run(&["EXPIRE", "missing", "100"]), int(0));
            assert_eq!(b.run(&["LPUSHX", "missing", "x"]), int(0));
            assert_eq!(b.run(&["SETNX", "s", "other"]), int(0));
            assert_eq!(b.run(&["PERSIST", "s"]), int(0));
            assert_eq!(
                b.run(&["LPUSH", "s", "x"]),
                err("WRONGTYPE Operation against a key holding the wrong kind of value")
            );
            assert_eq!(b.run(&["INCR", "s"]), err("ERR value is not an integer or out of range"));
            assert_eq!(ping_transaction(a), ran());
        });
    }

    #[test]
    fn watch_remembers_the_database_of_a_key() {
        each_store(|a, b| {
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(b.run(&["SELECT", "1"]), ok());
            assert_eq!(b.run(&["SET", "k", "v"]), ok());
            assert_eq!(ping_transaction(a), ran());
            assert_eq!(a.run(&["SELECT", "1"]), ok());
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(a.run(&["SELECT", "0"]), ok());
            assert_eq!(b.run(&["SET", "k", "w"]), ok());
            assert_eq!(ping_transaction(a), Frame::NullArray);
        });
    }

    #[test]
    fn expiry_of_a_watched_key_fails_exec() {
        each_store(|a, b| {
            assert_eq!(a.run(&["SET", "k", "v", "PX", "30"]), ok());
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            sleep_ms(60);
            // Logically expired, not yet deleted: Redis 7's isWatchedKeyExpired.
            assert_eq!(ping_transaction(a), Frame::NullArray);

            assert_eq!(a.run(&["SET", "k", "v", "PX", "30"]), ok());
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            sleep_ms(60);
            // Deleted lazily by another client's read.
            assert_eq!(b.run(&["GET", "k"]), Frame::Null);
            assert_eq!(ping_transaction(a), Frame::NullArray);

            assert_eq!(a.run(&["SET", "k", "v", "PX", "30"]), ok());
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            sleep_ms(60);
            // Deleted by the active expire cycle.
            a.engine.active_expire_cycle(Duration::from_secs(1));
            assert_eq!(a.run(&["DBSIZE"]), int(0));
            assert_eq!(ping_transaction(a), Frame::NullArray);
        });
    }

    #[test]
    fn a_key_already_expired_at_watch_fails_exec_only_when_written() {
        each_store(|a, b| {
            assert_eq!(a.run(&["SET", "k", "v", "PX", "1"]), ok());
            sleep_ms(20);
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(b.run(&["EXISTS", "k"]), int(0));
            a.engine.active_expire_cycle(Duration::from_secs(1));
            assert_eq!(ping_transaction(a), ran());

            assert_eq!(a.run(&["SET", "k", "v", "PX", "1"]), ok());
            sleep_ms(20);
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(b.run(&["SET", "k", "new"]), ok());
            assert_eq!(ping_transaction(a), Frame::NullArray);
        });
    }

    #[test]
    fn flushall_and_flushdb_fail_exec_only_for_watched_keys_that_exist() {
        each_store(|a, b| {
            assert_eq!(a.run(&["WATCH", "missing"]), ok());
            assert_eq!(b.run(&["FLUSHALL"]), ok());
            assert_eq!(ping_transaction(a), ran());

            assert_eq!(a.run(&["SET", "k", "v"]), ok());
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(b.run(&["FLUSHALL"]), ok());
            assert_eq!(ping_transaction(a), Frame::NullArray);

            assert_eq!(a.run(&["SET", "k", "v"]), ok());
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(b.run(&["SELECT", "1"]), ok());
            assert_eq!(b.run(&["FLUSHDB"]), ok());
            assert_eq!(ping_transaction(a), ran());
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(b.run(&["SELECT", "0"]), ok());
            assert_eq!(b.run(&["FLUSHDB"]), ok());
            assert_eq!(ping_transaction(a), Frame::NullArray);
        });
    }

    #[test]
    fn swapdb_fails_exec_for_watched_keys_present_in_either_database() {
        each_store(|a, b| {
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(b.run(&["SWAPDB", "0", "1"]), ok());
            assert_eq!(ping_transaction(a), ran());

            assert_eq!(a.run(&["SET", "k", "v"]), ok());
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(b.run(&["SWAPDB", "0", "1"]), ok());
            assert_eq!(ping_transaction(a), Frame::NullArray);

            // Now `k` is in database 1 only: watching it in 0 (absent) still fails.
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(b.run(&["SWAPDB", "1", "0"]), ok());
            assert_eq!(ping_transaction(a), Frame::NullArray);
        });
    }

    #[test]
    fn rename_move_and_copy_onto_a_watched_key_fail_exec() {
        each_store(|a, b| {
            assert_eq!(b.run(&["SET", "src", "v"]), ok());
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(b.run(&["RENAME", "src", "k"]), ok());
            assert_eq!(ping_transaction(a), Frame::NullArray);

            // The source of a RENAME is modified too.
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(b.run(&["RENAME", "k", "src"]), ok());
            assert_eq!(ping_transaction(a), Frame::NullArray);

            assert_eq!(a.run(&["SELECT", "2"]), ok());
            assert_eq!(a.run(&["WATCH", "src"]), ok());
            assert_eq!(b.run(&["MOVE", "src", "2"]), int(1));
            assert_eq!(ping_transaction(a), Frame::NullArray);

            assert_eq!(a.run(&["WATCH", "copy"]), ok());
            assert_eq!(b.run(&["SET", "x", "v"]), ok());
            assert_eq!(b.run(&["COPY", "x", "copy", "DB", "2"]), int(1));
            assert_eq!(ping_transaction(a), Frame::NullArray);
        });
    }

    #[test]
    fn unwatch_forgets_the_watched_keys() {
        each_store(|a, b| {
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(b.run(&["SET", "k", "v"]), ok());
            assert_eq!(a.run(&["UNWATCH"]), ok());
            assert_eq!(ping_transaction(a), ran());
            assert!(a.engine.watches.is_empty());
        });
    }

    #[test]
    fn exec_and_discard_forget_the_watched_keys() {
        each_store(|a, b| {
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(ping_transaction(a), ran());
            assert_eq!(b.run(&["SET", "k", "v"]), ok());
            assert_eq!(ping_transaction(a), ran());

            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(b.run(&["SET", "k", "w"]), ok());
            assert_eq!(a.run(&["MULTI"]), ok());
            assert_eq!(a.run(&["DISCARD"]), ok());
            assert_eq!(ping_transaction(a), ran());
            assert!(a.engine.watches.is_empty());
        });
    }

    #[test]
    fn reset_ends_the_transaction_and_forgets_the_watched_keys() {
        each_store(|a, b| {
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(b.run(&["SET", "k", "v"]), ok());
            assert_eq!(a.run(&["MULTI"]), ok());
            assert_eq!(a.run(&["RESET"]), Frame::simple("RESET"));
            assert_eq!(a.run(&["EXEC"]), err("ERR EXEC without MULTI"));
            assert_eq!(ping_transaction(a), ran());
        });
    }

    #[test]
    fn a_closing_client_leaves_the_registry() {
        each_store(|a, b| {
            assert_eq!(b.run(&["WATCH", "k", "j"]), ok());
            assert_eq!(a.engine.watches.watched_by(b.client.id), 2);
            a.engine.forget_client(&mut b.client);
            assert!(a.engine.watches.is_empty());
        });
    }

    #[test]
    fn watching_a_key_twice_keeps_one_entry() {
        each_store(|a, _| {
            assert_eq!(a.run(&["WATCH", "k", "k"]), ok());
            assert_eq!(a.run(&["WATCH", "k"]), ok());
            assert_eq!(a.engine.watches.watched_by(a.client.id), 1);
        });
    }

    #[test]
    fn a_transactions_own_writes_fail_other_watchers() {
        each_store(|a, b| {
            assert_eq!(b.run(&["WATCH", "k"]), ok());
            assert_eq!(transaction(a, &[&["INCR", "k"]]), arr(vec![int(1)]));
            assert_eq!(ping_transaction(b), Frame::NullArray);

            // A queued command that fails changes nothing.
            assert_eq!(a.run(&["SET", "s", "text"]), ok());
            assert_eq!(b.run(&["WATCH", "s"]), ok());
            assert_eq!(
                transaction(a, &[&["INCR", "s"]]),
                arr(vec![err("ERR value is not an integer or out of range")])
            );
            assert_eq!(ping_transaction(b), ran());
        });
    }
}
