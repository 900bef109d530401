//! [`Args`]: the cursor every command reads its arguments through, so no command indexes
//! `argv[3]` by hand and every parse error has Redis's text.
//!
//! The cursor lends its arguments (`&Bytes`) rather than handing out clones: an argument
//! shares the query buffer's allocation, and every clone and drop of it is an atomic
//! reference-count update. A command that keeps an argument (a reply that echoes it, a
//! queue entry) clones that one. The position is a `Cell`, so a command can hold several
//! arguments it has read while it reads the next.

use std::cell::Cell;

use bytes::Bytes;
use resp::Frame;

use crate::error;

/// A command's arguments after the name (and after the subcommand, for containers).
pub struct Args {
    argv: Vec<Bytes>,
    pos: Cell<usize>,
}

impl Args {
    /// `argv` is the whole request; `skip` how many leading words are the command name.
    pub fn new(argv: Vec<Bytes>, skip: usize) -> Args {
        Args { argv, pos: Cell::new(skip) }
    }

    /// The whole request, name included.
    pub fn argv(&self) -> &[Bytes] {
        &self.argv
    }

    /// The whole request, taken back.
    pub fn into_argv(self) -> Vec<Bytes> {
        self.argv
    }

    /// Number of arguments not yet consumed.
    pub fn remaining(&self) -> usize {
        self.argv.len() - self.pos.get()
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The next argument, consumed; `None` when there is none.
    pub fn next(&self) -> Option<&Bytes> {
        let pos = self.pos.get();
        let a = self.argv.get(pos)?;
        self.pos.set(pos + 1);
        Some(a)
    }

    /// The next argument; `ERR syntax error` if there is none.
    pub fn bytes(&self) -> Result<&Bytes, Frame> {
        self.next().ok_or_else(error::syntax)
    }

    /// The next argument without consuming it.
    pub fn peek(&self) -> Option<&Bytes> {
        self.argv.get(self.pos.get())
    }

    /// The next argument as an i64; `ERR value is not an integer or out of range` otherwise.
    pub fn i64(&self) -> Result<i64, Frame> {
        let a = self.bytes()?;
        crate::num::parse_i64(a).ok_or_else(error::not_integer)
    }

    /// The next argument as a float; `ERR value is not a valid float` otherwise.
    pub fn f64(&self) -> Result<f64, Frame> {
        let a = self.bytes()?;
        crate::num::parse_f64(a).ok_or_else(error::not_float)
    }

    /// Consumes the next argument if it equals `word` (ASCII case-insensitive).
    pub fn eat(&self, word: &str) -> bool {
        match self.peek() {
            Some(a) if a.eq_ignore_ascii_case(word.as_bytes()) => {
                self.pos.set(self.pos.get() + 1);
                true
            }
            _ => false,
        }
    }

    /// The next `n` arguments (fewer if fewer are left), consuming them.
    pub fn take(&self, n: usize) -> &[Bytes] {
        let pos = self.pos.get();
        let end = pos.saturating_add(n).min(self.argv.len());
        self.pos.set(end);
        &self.argv[pos..end]
    }

    /// All arguments not yet consumed, consuming them.
    pub fn rest(&self) -> &[Bytes] {
        self.take(self.remaining())
    }

    /// The arguments not yet consumed, without consuming them.
    pub fn peek_rest(&self) -> &[Bytes] {
        &self.argv[self.pos.get()..]
    }

    /// `ERR syntax error` if any argument is left over.
    pub fn finish(&self) -> Result<(), Frame> {
        if self.remaining() == 0 {
            Ok(())
        } else {
            Err(error::syntax())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&'static str]) -> Args {
        Args::new(words.iter().map(|w| Bytes::from_static(w.as_bytes())).collect(), 1)
    }

    #[test]
    fn arguments_read_earlier_stay_borrowed_while_later_ones_are_read() {
        let a = args(&["set", "k", "v", "ex", "10"]);
        let key = a.bytes().unwrap();
        let value = a.bytes().unwrap();
        assert!(a.eat("EX"));
        assert_eq!(a.i64(), Ok(10));
        assert_eq!((&key[..], &value[..]), (&b"k"[..], &b"v"[..]));
        assert!(a.finish().is_ok());
        assert_eq!(a.bytes(), Err(error::syntax()));
    }

    #[test]
    fn take_stops_at_the_last_argument() {
        let a = args(&["del", "a", "b", "c"]);
        assert_eq!(a.take(2).len(), 2);
        assert_eq!(a.take(5), &[Bytes::from_static(b"c")][..]);
        assert!(a.is_empty());
        assert!(a.rest().is_empty());
    }
}
