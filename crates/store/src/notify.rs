//! Keyspace notifications (`notify-keyspace-events`): the event classes, the flag string
//! Redis uses for them, and [`KeyEvent`] — what a command records when it changes a key.
//! Events travel on the ordinary Pub/Sub path (`__keyspace@<db>__:<key>` with the event as
//! message, `__keyevent@<db>__:<event>` with the key as message).

use bytes::Bytes;

/// Event classes and the K/E switches, as bits.
pub mod class {
    pub const KEYSPACE: u16 = 1 << 0; // K
    pub const KEYEVENT: u16 = 1 << 1; // E
    pub const GENERIC: u16 = 1 << 2; // g
    pub const STRING: u16 = 1 << 3; // $
    pub const LIST: u16 = 1 << 4; // l
    pub const SET: u16 = 1 << 5; // s
    pub const HASH: u16 = 1 << 6; // h
    pub const ZSET: u16 = 1 << 7; // z
    pub const EXPIRED: u16 = 1 << 8; // x
    pub const EVICTED: u16 = 1 << 9; // e
    pub const STREAM: u16 = 1 << 10; // t
    pub const KEY_MISS: u16 = 1 << 11; // m
    pub const MODULE: u16 = 1 << 12; // d
    pub const NEW: u16 = 1 << 13; // n
    /// `A`: every class except key-miss and new.
    pub const ALL: u16 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;
}

/// One change a command made, to be published after it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyEvent {
    pub class: u16,
    pub event: &'static str,
    pub db: usize,
    pub key: Bytes,
}

/// Parses a `notify-keyspace-events` value into bits (Redis's `keyspaceEventsStringToFlags`);
/// `None` on an unknown character.
pub fn parse_flags(s: &str) -> Option<u16> {
    let mut flags = 0;
    for c in s.chars() {
        flags |= match c {
            'A' => class::ALL,
            'g' => class::GENERIC,
            '$' => class::STRING,
            'l' => class::LIST,
            's' => class::SET,
            'h' => class::HASH,
            'z' => class::ZSET,
            'x' => class::EXPIRED,
            'e' => class::EVICTED,
            'K' => class::KEYSPACE,
            'E' => class::KEYEVENT,
            't' => class::STREAM,
            'm' => class::KEY_MISS,
            'd' => class::MODULE,
            'n' => class::NEW,
            _ => return None,
        };
    }
    Some(flags)
}

/// Formats bits back the way CONFIG GET shows them (Redis's `keyspaceEventsFlagsToString`).
pub fn format_flags(flags: u16) -> String {
    let mut s = String::new();
    if flags & class::ALL == class::ALL {
        s.push('A');
    } else {
        for (bit, c) in [
            (class::GENERIC, 'g'),
            (class::STRING, '$'),
            (class::LIST, 'l'),
            (class::SET, 's'),
            (class::HASH, 'h'),
            (class::ZSET, 'z'),
            (class::EXPIRED, 'x'),
            (class::EVICTED, 'e'),
            (class::STREAM, 't'),
            (class::MODULE, 'd'),
        ] {
            if flags & bit != 0 {
                s.push(c);
            }
        }
    }
    for (bit, c) in [(class::KEYSPACE, 'K'), (class::KEYEVENT, 'E'), (class::KEY_MISS, 'm'), (class::NEW, 'n')] {
        if flags & bit != 0 {
            s.push(c);
        }
    }
    s
}

/// The CONFIG SET / config file check: canonical form of a valid flag string.
pub fn check_flags(s: &str) -> Result<String, String> {
    parse_flags(s).map(format_flags).ok_or_else(|| "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip_in_redis_order() {
        assert_eq!(check_flags("KEA").unwrap(), "AKE");
        assert_eq!(check_flags("Elg").unwrap(), "glE");
        assert_eq!(check_flags("").unwrap(), "");
        assert!(check_flags("Q").is_err());
        assert_eq!(parse_flags("Kx"), Some(class::KEYSPACE | class::EXPIRED));
    }
}
