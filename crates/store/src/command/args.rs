//! [`Args`]: the cursor every command reads its arguments through, so no command indexes
//! `argv[3]` by hand and every parse error has Redis's text.

use bytes::Bytes;
use resp::Frame;

use crate::error;

/// A command's arguments after the name (and after the subcommand, for containers).
pub struct Args {
    argv: Vec<Bytes>,
    pos: usize,
}

impl Args {
    /// `argv` is the whole request; `skip` how many leading words are the command name.
    pub fn new(argv: Vec<Bytes>, skip: usize) -> Args {
        Args { argv, pos: skip }
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
        self.argv.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The next argument; `ERR syntax error` if there is none.
    pub fn bytes(&mut self) -> Result<Bytes, Frame> {
        self.next().ok_or_else(error::syntax)
    }

    /// The next argument without consuming it.
    pub fn peek(&self) -> Option<&Bytes> {
        self.argv.get(self.pos)
    }

    /// The next argument as an i64; `ERR value is not an integer or out of range` otherwise.
    pub fn i64(&mut self) -> Result<i64, Frame> {
        let a = self.bytes()?;
        crate::num::parse_i64(&a).ok_or_else(error::not_integer)
    }

    /// The next argument as a float; `ERR value is not a valid float` otherwise.
    pub fn f64(&mut self) -> Result<f64, Frame> {
        let a = self.bytes()?;
        crate::num::parse_f64(&a).ok_or_else(error::not_float)
    }

    /// Consumes the next argument if it equals `word` (ASCII case-insensitive).
    pub fn eat(&mut self, word: &str) -> bool {
        match self.peek() {
            Some(a) if a.eq_ignore_ascii_case(word.as_bytes()) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    /// All arguments not yet consumed, consuming them.
    pub fn rest(&mut self) -> &[Bytes] {
        let r = &self.argv[self.pos..];
        self.pos = self.argv.len();
        r
    }

    /// The arguments not yet consumed, without consuming them.
    pub fn peek_rest(&self) -> &[Bytes] {
        &self.argv[self.pos..]
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

/// Arguments not yet consumed, one at a time (`args.next()`).
impl Iterator for Args {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        let a = self.argv.get(self.pos)?.clone();
        self.pos += 1;
        Some(a)
    }
}
