//! Pub/Sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE
//! PUBLISH SPUBLISH PUBSUB. The registry and mailboxes are in `crate::pubsub`.
//!
//! (Un)subscribe acknowledgements go through the client's own mailbox, in order with the
//! messages: a subscription's acknowledgement is queued before the subscription is
//! registered (so no message can overtake it), an unsubscription's after it is removed.

use std::sync::Arc;

use bytes::Bytes;
use resp::Frame;

use crate::command::flags::*;
use crate::command::{Args, CommandResult, CommandSpec, Ctx, Group};
use crate::commands::connection::help_reply;
use crate::pubsub::{Kind, Mailbox};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("subscribe", -2, PUBSUB | NOSCRIPT | LOADING | STALE, (0, 0, 0), Group::Pubsub, subscribe),
    CommandSpec::new("unsubscribe", -1, PUBSUB | NOSCRIPT | LOADING | STALE, (0, 0, 0), Group::Pubsub, unsubscribe),
    CommandSpec::new("psubscribe", -2, PUBSUB | NOSCRIPT | LOADING | STALE, (0, 0, 0), Group::Pubsub, psubscribe),
    CommandSpec::new("punsubscribe", -1, PUBSUB | NOSCRIPT | LOADING | STALE, (0, 0, 0), Group::Pubsub, punsubscribe),
    CommandSpec::new("ssubscribe", -2, PUBSUB | NOSCRIPT | LOADING | STALE, (1, -1, 1), Group::Pubsub, ssubscribe),
    CommandSpec::new("sunsubscribe", -1, PUBSUB | NOSCRIPT | LOADING | STALE, (1, -1, 1), Group::Pubsub, sunsubscribe),
    CommandSpec::new("publish", 3, PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE, (0, 0, 0), Group::Pubsub, publish),
    CommandSpec::new(
        "spublish",
        3,
        PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE,
        (1, 1, 1),
        Group::Pubsub,
        spublish,
    ),
    CommandSpec::new("pubsub", -2, 0, (0, 0, 0), Group::Pubsub, crate::commands::connection::container)
        .with_subcommands(PUBSUB_SUBCOMMANDS),
];

static PUBSUB_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("channels", -2, PUBSUB | LOADING | STALE, (0, 0, 0), Group::Pubsub, pubsub_channels),
    CommandSpec::new("numsub", -2, PUBSUB | LOADING | STALE, (0, 0, 0), Group::Pubsub, pubsub_numsub),
    CommandSpec::new("numpat", 2, PUBSUB | LOADING | STALE, (0, 0, 0), Group::Pubsub, pubsub_numpat),
    CommandSpec::new("shardchannels", -2, PUBSUB | LOADING | STALE, (0, 0, 0), Group::Pubsub, pubsub_shardchannels),
    CommandSpec::new("shardnumsub", -2, PUBSUB | LOADING | STALE, (0, 0, 0), Group::Pubsub, pubsub_shardnumsub),
    CommandSpec::new("help", 2, LOADING | STALE, (0, 0, 0), Group::Pubsub, pubsub_help),
];

/// The names RESP2 subscribers may still send, as Redis's error lists them.
pub fn allowed_while_subscribed(name: &str) -> bool {
    matches!(
        name,
        "subscribe"
            | "unsubscribe"
            | "psubscribe"
            | "punsubscribe"
            | "ssubscribe"
            | "sunsubscribe"
            | "ping"
            | "quit"
            | "reset"
    )
}

/// The client's mailbox, created on its first subscription.
fn mailbox(ctx: &mut Ctx<'_>) -> Arc<Mailbox> {
    let client = &mut *ctx.client;
    client
        .subs
        .mailbox
        .get_or_insert_with(|| Arc::new(Mailbox::new(client.info.clone(), client.protocol, client.notify.clone())))
        .clone()
}

fn ack(kind: &'static str, name: Option<Bytes>, count: usize) -> Frame {
    Frame::Push(vec![Frame::bulk(kind), name.map(Frame::Bulk).unwrap_or(Frame::Null), Frame::Integer(count as i64)])
}

/// The set of `kind` subscriptions in the client's state.
fn set_of<'c>(ctx: &'c mut Ctx<'_>, kind: Kind) -> &'c mut std::collections::HashSet<Bytes> {
    match kind {
        Kind::Channel => &mut ctx.client.subs.channels,
        Kind::Pattern => &mut ctx.client.subs.patterns,
        Kind::Shard => &mut ctx.client.subs.shard_channels,
    }
}

/// Publishes the subscription counts for CLIENT LIST and the idle-timeout exemption.
fn publish_counts(ctx: &mut Ctx<'_>) {
    let subs = &ctx.client.subs;
    let (sub, psub, ssub) = (subs.channels.len(), subs.patterns.len(), subs.shard_channels.len());
    ctx.client.info.update_details(|d| {
        d.sub = sub;
        d.psub = psub;
        d.ssub = ssub;
    });
}

/// The count an acknowledgement carries: channels + patterns, or shard channels.
fn ack_count(ctx: &Ctx<'_>, kind: Kind) -> usize {
    match kind {
        Kind::Shard => ctx.client.subs.shard_channels.len(),
        _ => ctx.client.subs.count(),
    }
}

fn subscribe_generic(ctx: &mut Ctx<'_>, args: &Args, kind: Kind, word: &'static str) -> CommandResult {
    let mb = mailbox(ctx);
    let limit = ctx.engine.config.read(|c| c.output_limit_pubsub);
    for name in args.rest().to_vec() {
        let new = set_of(ctx, kind).insert(name.clone());
        // Acknowledge first, then register: no message can overtake the acknowledgement.
        mb.deliver(&ack(word, Some(name.clone()), ack_count(ctx, kind)), limit);
        if new {
            ctx.engine.pubsub.subscribe(kind, &name, &mb);
        }
    }
    publish_counts(ctx);
    ctx.client.reply_sent = true;
    Ok(Frame::Null)
}

fn unsubscribe_generic(ctx: &mut Ctx<'_>, args: &Args, kind: Kind, word: &'static str) -> CommandResult {
    let mb = mailbox(ctx);
    let limit = ctx.engine.config.read(|c| c.output_limit_pubsub);
    let mut names: Vec<Bytes> = args.rest().to_vec();
    if names.is_empty() {
        names = set_of(ctx, kind).iter().cloned().collect();
        if names.is_empty() {
            mb.deliver(&ack(word, None, ack_count(ctx, kind)), limit);
        }
    }
    for name in names {
        if set_of(ctx, kind).remove(&name) {
            ctx.engine.pubsub.unsubscribe(kind, &name, ctx.client.id);
        }
        mb.deliver(&ack(word, Some(name), ack_count(ctx, kind)), limit);
    }
    publish_counts(ctx);
    ctx.client.reply_sent = true;
    Ok(Frame::Null)
}

fn subscribe(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    subscribe_generic(ctx, args, Kind::Channel, "subscribe")
}

fn unsubscribe(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    unsubscribe_generic(ctx, args, Kind::Channel, "unsubscribe")
}

fn psubscribe(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    subscribe_generic(ctx, args, Kind::Pattern, "psubscribe")
}

fn punsubscribe(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    unsubscribe_generic(ctx, args, Kind::Pattern, "punsubscribe")
}

fn ssubscribe(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    subscribe_generic(ctx, args, Kind::Shard, "ssubscribe")
}

fn sunsubscribe(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    unsubscribe_generic(ctx, args, Kind::Shard, "sunsubscribe")
}

fn publish_generic(ctx: &mut Ctx<'_>, args: &Args, shard: bool) -> CommandResult {
    let channel = args.bytes()?;
    let message = args.bytes()?;
    let limit = ctx.engine.config.read(|c| c.output_limit_pubsub);
    Ok(Frame::Integer(ctx.engine.pubsub.publish(channel, message, shard, limit) as i64))
}

fn publish(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    publish_generic(ctx, args, false)
}

fn spublish(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    publish_generic(ctx, args, true)
}

fn channels_generic(ctx: &mut Ctx<'_>, args: &Args, shard: bool) -> CommandResult {
    let pattern = args.next();
    args.finish()?;
    let names = ctx.engine.pubsub.channels(shard, pattern.map(|p| &p[..]));
    Ok(Frame::Array(names.into_iter().map(Frame::Bulk).collect()))
}

fn numsub_generic(ctx: &mut Ctx<'_>, args: &Args, shard: bool) -> CommandResult {
    let mut out = Vec::new();
    for ch in args.rest() {
        out.push(Frame::Bulk(ch.clone()));
        out.push(Frame::Integer(ctx.engine.pubsub.numsub(shard, ch) as i64));
    }
    Ok(Frame::Array(out))
}

fn pubsub_channels(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    channels_generic(ctx, args, false)
}

fn pubsub_shardchannels(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    channels_generic(ctx, args, true)
}

fn pubsub_numsub(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    numsub_generic(ctx, args, false)
}

fn pubsub_shardnumsub(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    numsub_generic(ctx, args, true)
}

fn pubsub_numpat(ctx: &mut Ctx<'_>, _: &Args) -> CommandResult {
    Ok(Frame::Integer(ctx.engine.pubsub.numpat() as i64))
}

fn pubsub_help(_: &mut Ctx<'_>, _: &Args) -> CommandResult {
    Ok(help_reply(
        "PUBSUB",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    ))
}

#[cfg(test)]
mod tests {
    use crate::testing::{TestClient, STORES};
    use resp::{Frame, Protocol};

    /// Runs a command and returns what it sent: its reply, or the mail it queued.
    fn sent(c: &mut TestClient, words: &[&str]) -> Vec<u8> {
        let reply = c.run(words);
        let mut out = Vec::new();
        if let Some(mb) = &c.client.subs.mailbox {
            mb.drain_into(&mut out);
        }
        if !std::mem::take(&mut c.client.reply_sent) {
            resp::encode(&reply, c.client.protocol, &mut out);
        }
        out
    }

    #[test]
    fn subscribe_acknowledges_each_channel_with_the_count() {
        for store in STORES {
            let mut c = TestClient::new(store);
            assert_eq!(
                sent(&mut c, &["SUBSCRIBE", "a", "b"]),
                b"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
            );
        }
    }

    #[test]
    fn publish_counts_channel_and_pattern_receivers() {
        let mut sub = TestClient::new("mutex");
        let mut psub = TestClient::on(sub.engine.clone());
        let mut publisher = TestClient::on(sub.engine.clone());
        sent(&mut sub, &["SUBSCRIBE", "news.tech"]);
        sent(&mut psub, &["PSUBSCRIBE", "news.*", "*tech"]);
        assert_eq!(publisher.run(&["PUBLISH", "news.tech", "hi"]), Frame::Integer(3));
        assert_eq!(publisher.run(&["PUBLISH", "other", "x"]), Frame::Integer(0));
        let mut mail = Vec::new();
        sub.client.subs.mailbox.as_ref().unwrap().drain_into(&mut mail);
        assert_eq!(mail, b"*3\r\n$7\r\nmessage\r\n$9\r\nnews.tech\r\n$2\r\nhi\r\n");
        mail.clear();
        psub.client.subs.mailbox.as_ref().unwrap().drain_into(&mut mail);
        let text = String::from_utf8_lossy(&mail);
        assert_eq!(text.matches("pmessage").count(), 2, "{text}");
    }

    #[test]
    fn unsubscribe_without_subscriptions_acknowledges_with_nil() {
        let mut c = TestClient::new("mutex");
        assert_eq!(sent(&mut c, &["UNSUBSCRIBE"]), b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
        sent(&mut c, &["SUBSCRIBE", "a", "b"]);
        let all = sent(&mut c, &["UNSUBSCRIBE"]);
        assert_eq!(String::from_utf8_lossy(&all).matches("unsubscribe").count(), 2);
        assert!(all.ends_with(b":0\r\n"));
    }

    #[test]
    fn resp3_messages_are_push_frames() {
        let mut sub = TestClient::new("mutex");
        sub.client.set_protocol(Protocol::Resp3);
        assert_eq!(sent(&mut sub, &["SUBSCRIBE", "c"]), b">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n");
    }

    #[test]
    fn pubsub_introspection() {
        let mut sub = TestClient::new("mutex");
        let mut other = TestClient::on(sub.engine.clone());
        sent(&mut sub, &["SUBSCRIBE", "a", "b"]);
        sent(&mut sub, &["PSUBSCRIBE", "p*"]);
        sent(&mut sub, &["SSUBSCRIBE", "s"]);
        let Frame::Array(mut chans) = other.run(&["PUBSUB", "CHANNELS"]) else { panic!() };
        chans.sort_by_key(|f| format!("{f:?}"));
        assert_eq!(chans, vec![Frame::bulk("a"), Frame::bulk("b")]);
        assert_eq!(
            other.run(&["PUBSUB", "NUMSUB", "a", "z"]),
            Frame::Array(vec![Frame::bulk("a"), Frame::Integer(1), Frame::bulk("z"), Frame::Integer(0)])
        );
        assert_eq!(other.run(&["PUBSUB", "NUMPAT"]), Frame::Integer(1));
        assert_eq!(other.run(&["PUBSUB", "SHARDCHANNELS"]), Frame::Array(vec![Frame::bulk("s")]));
        assert_eq!(other.run(&["SPUBLISH", "s", "m"]), Frame::Integer(1));
        sub.engine.forget_client(&mut sub.client);
        assert_eq!(other.run(&["PUBSUB", "NUMPAT"]), Frame::Integer(0));
        assert_eq!(other.run(&["PUBLISH", "a", "m"]), Frame::Integer(0));
    }

    #[test]
    fn resp2_subscribers_may_only_send_subscription_commands() {
        let mut c = TestClient::new("mutex");
        sent(&mut c, &["SUBSCRIBE", "a"]);
        assert_eq!(
            c.run(&["GET", "k"]),
            Frame::error(
                "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed \
                 in this context"
            )
        );
        assert_eq!(c.run(&["PING"]), Frame::Array(vec![Frame::bulk("pong"), Frame::bulk("")]));
        c.client.set_protocol(Protocol::Resp3);
        assert_eq!(c.run(&["GET", "k"]), Frame::Null);
    }
}
