//! CONFIG GET/SET/RESETSTAT/REWRITE/HELP over the parameters in [`crate::config`].

use bytes::Bytes;
use resp::Frame;

use crate::command::flags::*;
use crate::command::{Args, CommandResult, CommandSpec, Ctx, Group};
use crate::commands::connection::{container, help_reply};
use crate::error;

pub static COMMANDS: &[CommandSpec] =
    &[CommandSpec::new("config", -2, 0, (0, 0, 0), Group::Server, container).with_subcommands(CONFIG)];

static CONFIG: &[CommandSpec] = &[
    CommandSpec::new("get", -3, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), Group::Server, config_get),
    CommandSpec::new("set", -4, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), Group::Server, config_set),
    CommandSpec::new("resetstat", 2, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), Group::Server, config_resetstat),
    CommandSpec::new("rewrite", 2, ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0), Group::Server, config_rewrite),
    CommandSpec::new("help", 2, LOADING | STALE, (0, 0, 0), Group::Server, config_help),
];

fn text(b: &Bytes) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// CONFIG GET pattern [pattern ...]: a map of name to value, each parameter once.
fn config_get(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let patterns: Vec<String> = args.rest().iter().map(text).collect();
    let patterns: Vec<&str> = patterns.iter().map(String::as_str).collect();
    let found = ctx.engine.config.get_matching_any(&patterns);
    Ok(Frame::Map(found.into_iter().map(|(name, value)| (Frame::bulk(name), Frame::bulk(value))).collect()))
}

/// CONFIG SET name value [name value ...]: all or nothing.
fn config_set(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let words: Vec<String> = args.rest().iter().map(text).collect();
    let pairs = words.chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return Err(error::syntax());
    }
    let pairs: Vec<(&str, &str)> = pairs.map(|p| (p[0].as_str(), p[1].as_str())).collect();
    let local = ctx.client.info.addr.ip().is_loopback();
    ctx.engine.config.set_from(&pairs, local).map_err(Frame::error)?;
    // Parameters whose change starts or stops something, as Redis's apply functions do.
    let appendonly = ctx.engine.config.read(|c| c.appendonly);
    if appendonly != ctx.engine.persist.aof_on() && !ctx.engine.persist.aof_rewrite_running() {
        if appendonly {
            if let Err(e) = crate::persist::aof_file::turn_on(ctx.engine) {
                ctx.engine.config.set_from(&[("appendonly", "no")], true).map_err(Frame::error)?;
                return Err(Frame::error(format!(
                    "ERR CONFIG SET failed (possibly related to argument 'appendonly') - {e}"
                )));
            }
        } else {
            crate::persist::aof_file::turn_off(ctx.engine);
        }
    }
    Ok(Frame::ok())
}

fn config_resetstat(ctx: &mut Ctx<'_>, _: &Args) -> CommandResult {
    ctx.engine.stats.reset();
    Ok(Frame::ok())
}

/// CONFIG REWRITE: Tandem does not rewrite config files yet; it says so instead of
/// pretending to.
fn config_rewrite(ctx: &mut Ctx<'_>, _: &Args) -> CommandResult {
    match ctx.engine.config.read(|c| c.config_file.clone()) {
        None => Err(Frame::error("ERR The server is running without a config file")),
        Some(_) => Err(Frame::error("ERR Rewriting config file: CONFIG REWRITE is not supported by Tandem")),
    }
}

fn config_help(_: &mut Ctx<'_>, _: &Args) -> CommandResult {
    Ok(help_reply(
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use crate::testing::*;

    fn pair(name: &str, value: &str) -> Frame {
        Frame::Map(vec![(bulk(name), bulk(value))])
    }

    use resp::Frame;

    #[test]
    fn get_maxclients() {
        for store in STORES {
            let mut c = TestClient::new(store);
            assert_eq!(c.run(&["CONFIG", "GET", "maxclients"]), pair("maxclients", "10000"));
        }
    }

    #[test]
    fn get_unknown_is_empty() {
        let mut c = TestClient::new("mutex");
        assert_eq!(c.run(&["config", "get", "nosuch"]), Frame::Map(vec![]));
    }

    #[test]
    fn get_several_lists_each_once() {
        let mut c = TestClient::new("mutex");
        assert_eq!(
            c.run(&["config", "get", "maxclients", "timeout", "MAXCLIENTS"]),
            Frame::Map(vec![(bulk("maxclients"), bulk("10000")), (bulk("timeout"), bulk("0"))])
        );
    }

    #[test]
    fn get_by_pattern() {
        let mut c = TestClient::new("mutex");
        assert_eq!(
            c.run(&["config", "get", "maxmemory*"]),
            Frame::Map(vec![(bulk("maxmemory"), bulk("0")), (bulk("maxmemory-policy"), bulk("noeviction"))])
        );
    }

    #[test]
    fn set_then_get() {
        for store in STORES {
            let mut c = TestClient::new(store);
            assert_eq!(c.run(&["config", "set", "maxmemory", "10mb", "timeout", "30"]), ok());
            assert_eq!(c.run(&["config", "get", "maxmemory"]), pair("maxmemory", "10485760"));
            assert_eq!(c.run(&["config", "get", "timeout"]), pair("timeout", "30"));
            assert_eq!(c.engine.config.read(|v| v.timeout), 30);
        }
    }

    #[test]
    fn set_multi_argument_value() {
        let mut c = TestClient::new("mutex");
        assert_eq!(c.run(&["config", "set", "save", "100 1 50 2"]), ok());
        assert_eq!(c.run(&["config", "get", "save"]), pair("save", "100 1 50 2"));
    }

    #[test]
    fn set_errors() {
        let mut c = TestClient::new("mutex");
        assert_eq!(
            c.run(&["config", "set", "foo", "bar"]),
            err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'")
        );
        assert_eq!(
            c.run(&["config", "set", "maxclients", "0"]),
            err("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive")
        );
        assert_eq!(
            c.run(&["config", "set", "port", "7000"]),
            err("ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config")
        );
        assert_eq!(c.run(&["config", "set", "hz", "1", "extra"]), err("ERR syntax error"));
        assert_eq!(c.run(&["config", "set", "hz"]), err("ERR wrong number of arguments for 'config|set' command"));
    }

    #[test]
    fn get_needs_a_pattern() {
        let mut c = TestClient::new("mutex");
        assert_eq!(c.run(&["config", "get"]), err("ERR wrong number of arguments for 'config|get' command"));
        assert_eq!(c.run(&["config"]), err("ERR wrong number of arguments for 'config' command"));
        assert_eq!(c.run(&["config", "nope"]), err("ERR unknown subcommand 'nope'. Try CONFIG HELP."));
    }

    #[test]
    fn resetstat_clears_counters() {
        let mut c = TestClient::new("mutex");
        c.engine.stats.keyspace_hits.store(5, Ordering::Relaxed);
        assert_eq!(c.run(&["config", "resetstat"]), ok());
        assert_eq!(c.engine.stats.keyspace_hits.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn rewrite_without_config_file() {
        let mut c = TestClient::new("mutex");
        assert_eq!(c.run(&["config", "rewrite"]), err("ERR The server is running without a config file"));
    }

    #[test]
    fn help_lists_subcommands() {
        let mut c = TestClient::new("mutex");
        let Frame::Array(lines) = c.run(&["config", "help"]) else { panic!("not an array") };
        assert_eq!(lines[0], Frame::simple("CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
        assert!(lines.contains(&Frame::simple("RESETSTAT")));
    }
}
