//! The append-only file in Redis 7's multi-part layout: manifest, base and incremental files.
//!
//! An AOF is a directory (`appenddirname`) holding:
//!
//! ```text
//! appendonly.aof.manifest       which files make up the AOF, in order   (manifest.rs)
//! appendonly.aof.3.base.rdb     snapshot at the last rewrite: an RDB with aof-base=1,
//!                               or RESP commands (.base.aof) without aof-use-rdb-preamble
//! appendonly.aof.5.incr.aof     RESP commands written since, oldest file first;
//! appendonly.aof.6.incr.aof     the last one is the file being appended to
//! ```
//!
//! The pieces, each in its own file:
//! - [`Manifest`] (`manifest.rs`): the manifest's text format, Redis's file names and
//!   sequence numbers, [`write_manifest`] (temp file, fsync, rename, fsync the directory).
//! - [`AppendLog`] (`log.rs`): the incremental file being appended to, shared by every
//!   thread: [`encode_command`], SELECT tracking, group commit, the everysec fsync thread,
//!   switching files when a rewrite starts, and the write-error state the engine turns into
//!   `-MISCONF`.
//! - [`load`] (`load.rs`): reads the manifest and replays the base and the incremental files
//!   into an [`AofSink`], with Redis's rules for a truncated tail (`aof-load-truncated`) and
//!   an unfinished MULTI.
//! - [`AofDir`] (`dir.rs`): the file dance around a rewrite (new incremental file, install
//!   the new base, history files) and opening the AOF on start.
//!
//! The engine decides *when* to append and fsync, orders appends with execution, and runs
//! rewrites; nothing here knows about commands beyond their bytes, or about the keyspace.

mod dir;
mod load;
mod log;
mod manifest;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::PathBuf;

pub use dir::AofDir;
pub use load::{load, load_file, AofLoadSummary, AofSink, LoadStatus};
pub use log::{encode_command, encode_select, strerror, AppendLog, LogStats, BUFFER_LIMIT};
pub use manifest::{
    fsync_dir, manifest_name, temp_manifest_name, write_manifest, AofFile, FileKind, Manifest, ManifestError,
};

/// What kind of problem an [`AofError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AofErrorKind {
    /// A file could not be opened, read, truncated or written.
    Io,
    /// The manifest is malformed.
    Manifest,
    /// A byte that cannot be there in RESP (a bad file, not a short one).
    Format,
    /// The file ends in the middle of a command (or of a MULTI) and that could not be
    /// repaired: `aof-load-truncated no`, or the file is not the last one.
    Truncated,
    /// The RDB part (base file or preamble) could not be read.
    Rdb,
    /// The sink refused a key or a command.
    Sink,
}

/// Why an AOF could not be loaded: the file, the byte offset in it, and Redis's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AofError {
    pub file: PathBuf,
    pub offset: u64,
    pub kind: AofErrorKind,
    pub message: String,
}

impl AofError {
    pub fn new(file: impl Into<PathBuf>, offset: u64, kind: AofErrorKind, message: impl Into<String>) -> AofError {
        AofError { file: file.into(), offset, kind, message: message.into() }
    }
}

impl fmt::Display for AofError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.offset, self.message)
    }
}

impl std::error::Error for AofError {}

/// A fresh, empty directory for one test, under the system temp directory.
#[cfg(test)]
pub(crate) fn test_dir(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "tandem-aof-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create test dir");
    dir
}
