//! [`AppendLog`]: the incremental AOF file being appended to, shared by every thread.
//!
//! Appending and writing are separate steps, as in Redis (`feedAppendOnlyFile` fills
//! `aof_buf`, `flushAppendOnlyFile` writes it before replies go out):
//!
//! - [`AppendLog::append`] encodes a command into the in-memory buffer (with a `SELECT`
//!   first when the database changes) and returns the command's end position in the log — a
//!   byte count over every file since the log was opened. The caller orders appends with
//!   execution (the engine holds its ordering lock around both); the buffer keeps that order.
//! - [`AppendLog::flush_to`] makes sure everything up to a position is written (and, if
//!   asked, fsynced). This is a group commit: one thread takes the file lock, writes *all*
//!   buffered bytes — other threads' too — in one `write`, and fsyncs once; a thread whose
//!   bytes are already written (or synced) returns without a system call. Threads keep
//!   appending into the buffer while the writer holds the file lock, so the next writer
//!   takes them all at once.
//! - `appendfsync everysec`: [`AppendLog::spawn_everysec`] runs a thread that writes and
//!   fsyncs once a second.
//!
//! Locks: `io` (the file) is always taken before `pending` (the buffer), and `pending` is
//! only held to copy bytes in or out, so appenders never wait for a disk.
//!
//! Errors are values: a failed write keeps the unwritten bytes buffered (after cutting any
//! partial write off the file, as Redis does) to be retried by the next flush, and records
//! the error in [`AppendLog::last_error`], which the engine turns into `-MISCONF` until a
//! write (or, for an fsync error, an fsync) succeeds.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::Mutex;

/// When the buffer holds more than this, [`AppendLog::append`] writes it out itself, so
/// memory stays bounded between flushes (a write error can still let it grow: the bytes of
/// executed commands must not be dropped).
pub const BUFFER_LIMIT: usize = 4 << 20;

/// Appends a command as Redis writes it to the AOF (`catAppendOnlyGenericCommand`): a RESP
/// array of bulk strings.
pub fn encode_command(out: &mut Vec<u8>, argv: &[Bytes]) {
    encode_header(out, b'*', argv.len());
    for arg in argv {
        encode_header(out, b'$', arg.len());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// Appends `SELECT <db>` exactly as Redis writes it.
pub fn encode_select(out: &mut Vec<u8>, db: usize) {
    let mut digits = itoa::Buffer::new();
    let db = digits.format(db).as_bytes();
    encode_header(out, b'*', 2);
    out.extend_from_slice(b"$6\r\nSELECT\r\n");
    encode_header(out, b'$', db.len());
    out.extend_from_slice(db);
    out.extend_from_slice(b"\r\n");
}

fn encode_header(out: &mut Vec<u8>, prefix: u8, n: usize) {
    out.push(prefix);
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// An I/O error as C's `strerror` would word it (Redis's `-MISCONF` and log texts): Rust's
/// message without the " (os error N)" suffix.
pub fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match (e.raw_os_error(), text.rfind(" (os error ")) {
        (Some(_), Some(i)) => text[..i].to_string(),
        _ => text,
    }
}

/// Counters for INFO and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogStats {
    /// Bytes appended since open (buffered or not).
    pub appended: u64,
    /// Bytes written to files since open.
    pub written: u64,
    /// Bytes known to be on disk (fsynced) since open.
    pub synced: u64,
    /// `write` calls that wrote a batch.
    pub writes: u64,
    /// fsyncs done.
    pub fsyncs: u64,
}

/// Commands appended but not yet written.
struct Pending {
    buf: Vec<u8>,
    /// The database the last appended command ran in; `None` at the start of a file, so the
    /// first command of every file is preceded by a SELECT (Redis's `aof_selected_db = -1`).
    selected_db: Option<usize>,
    /// Log position after the last appended byte.
    appended: u64,
}

/// The file being written.
struct Io {
    file: File,
    path: PathBuf,
    /// A buffer to swap with `Pending::buf`, so a flush does not allocate.
    spare: Vec<u8>,
}

/// The open incremental file. See the module documentation.
pub struct AppendLog {
    pending: Mutex<Pending>,
    io: Mutex<Io>,
    /// Log position up to which bytes are written / fsynced. Only grow; read without locks
    /// for the group-commit fast path.
    written: AtomicU64,
    synced: AtomicU64,
    /// Size of the current file (what was there when it was opened plus what we wrote).
    file_size: AtomicU64,
    writes: AtomicU64,
    fsyncs: AtomicU64,
    buffer_limit: usize,
    /// The last write / fsync failure, cleared by the next success of the same kind.
    write_error: Mutex<Option<String>>,
    fsync_error: Mutex<Option<String>>,
    failing: AtomicBool,
}

fn open_for_append(path: &Path) -> io::Result<(File, u64)> {
    // O_APPEND as Redis opens it: after cutting a partial write off, the next write lands at
    // the new end.
    let file = OpenOptions::new().append(true).create(true).open(path)?;
    let len = file.metadata()?.len();
    Ok((file, len))
}

impl AppendLog {
    /// Opens (creating if needed) `path` for appending.
    pub fn open(path: &Path) -> io::Result<AppendLog> {
        AppendLog::open_with_limit(path, BUFFER_LIMIT)
    }

    /// Like [`AppendLog::open`] with another buffer bound (tests use small ones).
    pub fn open_with_limit(path: &Path, buffer_limit: usize) -> io::Result<AppendLog> {
        let (file, len) = open_for_append(path)?;
        Ok(AppendLog {
            pending: Mutex::new(Pending { buf: Vec::new(), selected_db: None, appended: 0 }),
            io: Mutex::new(Io { file, path: path.to_path_buf(), spare: Vec::new() }),
            written: AtomicU64::new(0),
            synced: AtomicU64::new(0),
            file_size: AtomicU64::new(len),
            writes: AtomicU64::new(0),
            fsyncs: AtomicU64::new(0),
            buffer_limit,
            write_error: Mutex::new(None),
            fsync_error: Mutex::new(None),
            failing: AtomicBool::new(false),
        })
    }

    /// Buffers `argv` as executed in database `db` (a `SELECT` first if `db` differs from the
    /// previous command's), and returns the log position after it, for [`AppendLog::flush_to`].
    ///
    /// The command is always buffered. The error is that of writing the buffer out when it
    /// went over its bound; the bytes stay buffered for the next flush.
    pub fn append(&self, db: usize, argv: &[Bytes]) -> io::Result<u64> {
        debug_assert!(!argv.is_empty(), "an AOF command has a name");
        let (position, over) = {
            let mut p = self.pending.lock();
            let before = p.buf.len();
            if p.selected_db != Some(db) {
                encode_select(&mut p.buf, db);
                p.selected_db = Some(db);
            }
            encode_command(&mut p.buf, argv);
            p.appended += (p.buf.len() - before) as u64;
            (p.appended, p.buf.len() > self.buffer_limit)
        };
        if over {
            self.flush_to(position, false)?;
        }
        Ok(position)
    }

    /// Writes everything appended so far and, with `fsync`, fsyncs it.
    pub fn flush(&self, fsync: bool) -> io::Result<()> {
        let target = self.pending.lock().appended;
        self.flush_to(target, fsync)
    }

    /// Makes sure everything up to log position `target` is written (and fsynced with
    /// `fsync`). Returns at once, without a system call, when another thread already did it.
    pub fn flush_to(&self, target: u64, fsync: bool) -> io::Result<()> {
        if self.done(target, fsync) {
            return Ok(());
        }
        let mut io = self.io.lock();
        // Whoever held the lock before us may have written (and synced) our bytes.
        if self.done(target, fsync) {
            return Ok(());
        }
        self.write_pending(&mut io)?;
        if fsync {
            self.sync(&io)?;
        }
        Ok(())
    }

    /// appendfsync everysec's once-a-second step: write what is buffered, fsync.
    pub fn fsync_now(&self) -> io::Result<()> {
        self.flush(true)
    }

    /// Starts the `appendfsync everysec` thread: [`AppendLog::fsync_now`] once a second
    /// until `stop` is set (checked every 100 ms). Failures are logged and recorded in
    /// [`AppendLog::last_error`]; the next second retries.
    pub fn spawn_everysec(self: &Arc<Self>, stop: Arc<AtomicBool>) -> io::Result<JoinHandle<()>> {
        let log = Arc::clone(self);
        std::thread::Builder::new().name("aof-fsync".into()).spawn(move || {
            let second = Duration::from_secs(1);
            let mut next = Instant::now() + second;
            while !stop.load(Ordering::Acquire) {
                let now = Instant::now();
                if now >= next {
                    if let Err(e) = log.fsync_now() {
                        tracing::warn!(file = %log.path().display(), "AOF fsync failed: {}", strerror(&e));
                    }
                    next = now + second;
                } else {
                    std::thread::sleep((next - now).min(Duration::from_millis(100)));
                }
            }
        })
    }

    /// Writes and fsyncs what is buffered to the current file, then appends to `path`
    /// (opened for appending, created if needed) from now on; the next command starts with a
    /// SELECT. Used when a rewrite starts: every command appended before this call is in
    /// the old file, on disk, and every later one in the new file — so the caller must call
    /// it at the same point in the command order as it takes the rewrite's snapshot.
    ///
    /// If the old file cannot take its bytes, nothing switches and the error is returned
    /// (they must not land in the new file: the new base will already contain them).
    pub fn switch_to(&self, path: &Path) -> io::Result<()> {
        let (file, len) = open_for_append(path)?;
        let mut io = self.io.lock();
        // The bulk of the old file's bytes, written while appenders may still run.
        self.write_pending(&mut io)?;
        // Then, with appends held, whatever arrived meanwhile, so that the switch point is
        // exactly between two appends.
        let mut p = self.pending.lock();
        if !p.buf.is_empty() {
            let chunk = std::mem::take(&mut p.buf);
            self.write_chunk(&mut io, chunk, Some(&mut p))?;
        }
        self.sync(&io)?;
        let old = std::mem::replace(&mut io.file, file);
        io.path = path.to_path_buf();
        self.file_size.store(len, Ordering::Release);
        p.selected_db = None;
        drop(p);
        drop(io);
        drop(old);
        Ok(())
    }

    /// The file being appended to.
    pub fn path(&self) -> PathBuf {
        self.io.lock().path.clone()
    }

    /// Size in bytes of the file being appended to, as written so far (buffered bytes not
    /// included): what it held when opened plus what this log wrote to it.
    pub fn current_size(&self) -> u64 {
        self.file_size.load(Ordering::Acquire)
    }

    /// Bytes written since the log was opened, over every file it switched through.
    pub fn written_since_open(&self) -> u64 {
        self.written.load(Ordering::Acquire)
    }

    /// Bytes appended but not written yet (INFO `aof_buffer_length`).
    pub fn buffered(&self) -> usize {
        self.pending.lock().buf.len()
    }

    pub fn stats(&self) -> LogStats {
        LogStats {
            appended: self.pending.lock().appended,
            written: self.written.load(Ordering::Acquire),
            synced: self.synced.load(Ordering::Acquire),
            writes: self.writes.load(Ordering::Relaxed),
            fsyncs: self.fsyncs.load(Ordering::Relaxed),
        }
    }

    /// The last write or fsync error not yet cured by a successful retry, as `strerror`
    /// words it. While this is `Some`, the engine refuses writes (`-MISCONF Errors writing
    /// to the AOF file: <this>`).
    pub fn last_error(&self) -> Option<String> {
        if !self.failing.load(Ordering::Acquire) {
            return None;
        }
        self.write_error.lock().clone().or_else(|| self.fsync_error.lock().clone())
    }

    /// True while a write error is pending (INFO `aof_last_write_status:err`).
    pub fn write_failed(&self) -> bool {
        self.write_error.lock().is_some()
    }

    fn done(&self, target: u64, fsync: bool) -> bool {
        // While failing, always go to the file: the flush is also the retry.
        if self.failing.load(Ordering::Acquire) {
            return false;
        }
        let reached = if fsync { &self.synced } else { &self.written };
        reached.load(Ordering::Acquire) >= target
    }

    /// Writes the whole buffer (everybody's bytes) to the file. Holds `io`.
    fn write_pending(&self, io: &mut Io) -> io::Result<()> {
        let chunk = {
            let mut p = self.pending.lock();
            if p.buf.is_empty() {
                // Nothing to write: a pending write error can only be cured by writing.
                return match self.write_error.lock().as_ref() {
                    Some(e) => Err(io::Error::other(e.clone())),
                    None => Ok(()),
                };
            }
            let mut spare = std::mem::take(&mut io.spare);
            spare.clear();
            std::mem::replace(&mut p.buf, spare)
        };
        self.write_chunk(io, chunk, None)
    }

    /// Writes `chunk`, just taken from the buffer. On failure the unwritten bytes go back in
    /// front of whatever was appended meanwhile (only the `io` holder takes bytes out, so
    /// the order is kept). `held` is the buffer when the caller already holds its lock.
    fn write_chunk(&self, io: &mut Io, chunk: Vec<u8>, held: Option<&mut Pending>) -> io::Result<()> {
        match self.write_raw(io, &chunk) {
            Ok(()) => {
                self.wrote(io, chunk);
                Ok(())
            }
            Err((e, kept)) => {
                let unwritten = &chunk[kept..];
                let requeue = |buf: &mut Vec<u8>| {
                    buf.splice(0..0, unwritten.iter().copied());
                };
                match held {
                    Some(p) => requeue(&mut p.buf),
                    None => requeue(&mut self.pending.lock().buf),
                }
                Err(self.write_failed_with(e))
            }
        }
    }

    /// Writes all of `chunk`; on failure returns the error and how many bytes of it stay in
    /// the file (0 if a partial write could be cut off again).
    fn write_raw(&self, io: &mut Io, chunk: &[u8]) -> Result<(), (io::Error, usize)> {
        let mut done = 0;
        while done < chunk.len() {
            match io.file.write(&chunk[done..]) {
                Ok(0) => {
                    let e = io::Error::new(io::ErrorKind::WriteZero, "short write");
                    return Err(self.undo_partial(io, done, e));
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.undo_partial(io, done, e)),
            }
        }
        Ok(())
    }

    /// After a failed write of which `done` bytes reached the file: cut them off so the file
    /// ends at a command boundary (Redis's `ftruncate` after a short write). If even that
    /// fails, they stay, and count as written.
    fn undo_partial(&self, io: &mut Io, done: usize, e: io::Error) -> (io::Error, usize) {
        if done == 0 {
            return (e, 0);
        }
        let size = self.file_size.load(Ordering::Acquire);
        match io.file.set_len(size) {
            Ok(()) => (e, 0),
            Err(te) => {
                tracing::warn!(
                    file = %io.path.display(),
                    "could not remove a partial AOF write ({}): {} bytes stay in the file",
                    strerror(&te),
                    done
                );
                self.written.fetch_add(done as u64, Ordering::AcqRel);
                self.file_size.fetch_add(done as u64, Ordering::AcqRel);
                (e, done)
            }
        }
    }

    fn wrote(&self, io: &mut Io, mut chunk: Vec<u8>) {
        let n = chunk.len() as u64;
        self.written.fetch_add(n, Ordering::AcqRel);
        self.file_size.fetch_add(n, Ordering::AcqRel);
        self.writes.fetch_add(1, Ordering::Relaxed);
        // Keep the allocation for the next swap unless it grew past the bound.
        if chunk.capacity() <= 2 * self.buffer_limit {
            chunk.clear();
            io.spare = chunk;
        }
        let mut error = self.write_error.lock();
        if error.take().is_some() {
            tracing::warn!(file = %io.path.display(), "AOF write error looks solved, writes are accepted again");
        }
        drop(error);
        self.update_failing();
    }

    fn write_failed_with(&self, e: io::Error) -> io::Error {
        let text = strerror(&e);
        let mut error = self.write_error.lock();
        if error.is_none() {
            tracing::warn!("error writing to the AOF file: {text}");
        }
        *error = Some(text);
        drop(error);
        self.failing.store(true, Ordering::Release);
        e
    }

    /// fsyncs the current file (everything written to it). Holds `io`.
    fn sync(&self, io: &Io) -> io::Result<()> {
        let upto = self.written.load(Ordering::Acquire);
        if self.synced.load(Ordering::Acquire) >= upto && self.fsync_error.lock().is_none() {
            return Ok(());
        }
        match io.file.sync_data() {
            Ok(()) => {
                self.fsyncs.fetch_add(1, Ordering::Relaxed);
                self.synced.fetch_max(upto, Ordering::AcqRel);
                *self.fsync_error.lock() = None;
                self.update_failing();
                Ok(())
            }
            Err(e) => {
                *self.fsync_error.lock() = Some(strerror(&e));
                self.failing.store(true, Ordering::Release);
                Err(e)
            }
        }
    }

    fn update_failing(&self) {
        let failing = self.write_error.lock().is_some() || self.fsync_error.lock().is_some();
        self.failing.store(failing, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::aof::{load_file, test_dir, AofSink};
    use crate::persist::rdb::LoadedKey;

    fn argv(words: &[&str]) -> Vec<Bytes> {
        words.iter().map(|w| Bytes::copy_from_slice(w.as_bytes())).collect()
    }

    /// Replays a file, tracking SELECT, into (db, command words) pairs.
    #[derive(Default)]
    struct Replay {
        db: Option<usize>,
        commands: Vec<(usize, Vec<String>)>,
    }

    impl AofSink for Replay {
        fn key(&mut self, _: LoadedKey) -> Result<(), String> {
            Err("unexpected key".into())
        }
        fn command(&mut self, argv: Vec<Bytes>) -> Result<(), String> {
            let words: Vec<String> = argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect();
            if words[0] == "SELECT" {
                self.db = Some(words[1].parse().map_err(|_| "bad SELECT")?);
            } else {
                self.commands.push((self.db.ok_or("command before any SELECT")?, words));
            }
            Ok(())
        }
    }

    fn replay(path: &Path) -> Replay {
        let mut r = Replay::default();
        load_file(path, 0, false, &mut r).expect("the log parses back");
        r
    }

    #[test]
    fn commands_are_encoded_as_redis_writes_them() {
        let mut out = Vec::new();
        encode_command(&mut out, &argv(&["SET", "k", ""]));
        encode_select(&mut out, 12);
        assert_eq!(out, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n*2\r\n$6\r\nSELECT\r\n$2\r\n12\r\n");
    }

    #[test]
    fn select_precedes_the_first_command_and_every_change_of_database() {
        let dir = test_dir("log-select");
        let path = dir.join("a.aof");
        let log = AppendLog::open(&path).expect("open");
        for (db, key) in [(0, "a"), (0, "b"), (3, "c"), (3, "d"), (0, "e")] {
            log.append(db, &argv(&["SET", key, "v"])).expect("append");
        }
        log.flush(false).expect("flush");
        let text = std::fs::read(&path).expect("read");
        assert_eq!(text.windows(6).filter(|w| w == b"SELECT").count(), 3);
        let dbs: Vec<usize> = replay(&path).commands.iter().map(|c| c.0).collect();
        assert_eq!(dbs, [0, 0, 3, 3, 0]);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn concurrent_appends_parse_back_exactly_with_their_databases() {
        let dir = test_dir("log-concurrent");
        let path = dir.join("a.aof");
        let log = Arc::new(AppendLog::open_with_limit(&path, 4096).expect("open"));
        const THREADS: usize = 8;
        const EACH: usize = 400;
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let log = &log;
                s.spawn(move || {
                    for n in 0..EACH {
                        let db = (t + n) % 4;
                        let pos =
                            log.append(db, &argv(&["SET", &format!("t{t}:{n}"), &db.to_string()])).expect("append");
                        if n % 7 == 0 {
                            log.flush_to(pos, n % 21 == 0).expect("flush");
                        }
                    }
                });
            }
        });
        log.flush(true).expect("flush");
        let replayed = replay(&path).commands;
        assert_eq!(replayed.len(), THREADS * EACH);
        let mut next = [0usize; THREADS];
        for (db, words) in &replayed {
            assert_eq!(words[2], db.to_string(), "{words:?} replayed in the wrong database");
            let (t, n) = words[1][1..].split_once(':').expect("key");
            let (t, n): (usize, usize) = (t.parse().expect("t"), n.parse().expect("n"));
            assert_eq!(n, next[t], "thread {t}'s commands out of order");
            next[t] += 1;
        }
        let stats = log.stats();
        assert_eq!((stats.written, stats.synced), (stats.appended, stats.appended));
        assert_eq!(log.current_size(), std::fs::metadata(&path).expect("stat").len());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn group_commit_writes_and_fsyncs_once_for_everybody() {
        let dir = test_dir("log-group");
        let log = AppendLog::open(&dir.join("a.aof")).expect("open");
        let first = log.append(0, &argv(&["SET", "a", "1"])).expect("append");
        let second = log.append(0, &argv(&["SET", "b", "2"])).expect("append");
        assert!(first < second);
        log.flush_to(second, true).expect("flush");
        let after = log.stats();
        assert_eq!((after.writes, after.fsyncs), (1, 1));
        // The first command's writer finds its bytes on disk: no system call.
        log.flush_to(first, true).expect("flush");
        log.flush_to(first, false).expect("flush");
        log.flush(true).expect("flush");
        assert_eq!(log.stats(), after);
        // Written but not synced: a write-only flush is free, an fsync is one call.
        let third = log.append(0, &argv(&["SET", "c", "3"])).expect("append");
        log.flush_to(third, false).expect("flush");
        log.flush_to(third, false).expect("flush");
        assert_eq!((log.stats().writes, log.stats().fsyncs), (2, 1));
        log.flush_to(third, true).expect("flush");
        assert_eq!((log.stats().writes, log.stats().fsyncs), (2, 2));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn concurrent_fsyncing_writers_share_fsyncs() {
        let dir = test_dir("log-group-concurrent");
        let log = AppendLog::open(&dir.join("a.aof")).expect("open");
        const THREADS: u64 = 8;
        const EACH: u64 = 50;
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let log = &log;
                s.spawn(move || {
                    for n in 0..EACH {
                        let pos = log.append(0, &argv(&["SET", &format!("{t}:{n}"), "v"])).expect("append");
                        log.flush_to(pos, true).expect("flush");
                        assert!(log.stats().synced >= pos);
                    }
                });
            }
        });
        let stats = log.stats();
        assert_eq!(stats.synced, stats.appended);
        assert!(stats.fsyncs <= THREADS * EACH, "{stats:?}");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn the_buffer_is_written_out_when_it_passes_its_bound() {
        let dir = test_dir("log-bound");
        let log = AppendLog::open_with_limit(&dir.join("a.aof"), 256).expect("open");
        let value = "x".repeat(100);
        for n in 0..20 {
            log.append(0, &argv(&["SET", &n.to_string(), &value])).expect("append");
            assert!(log.buffered() <= 256, "buffer holds {}", log.buffered());
        }
        assert!(log.stats().writes > 0);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn switch_to_syncs_the_old_file_and_starts_the_new_one_with_select() {
        let dir = test_dir("log-switch");
        let (old, new) = (dir.join("a.1.incr.aof"), dir.join("a.2.incr.aof"));
        let log = AppendLog::open(&old).expect("open");
        log.append(2, &argv(&["SET", "a", "1"])).expect("append");
        log.append(2, &argv(&["SET", "b", "2"])).expect("append");
        log.switch_to(&new).expect("switch");
        assert_eq!(log.stats().synced, log.stats().appended, "the old file is on disk");
        assert_eq!(log.current_size(), 0);
        assert_eq!(std::fs::metadata(&old).expect("stat").len(), log.stats().appended);
        log.append(2, &argv(&["SET", "c", "3"])).expect("append");
        log.flush(false).expect("flush");
        assert_eq!(log.path(), new);
        assert_eq!(log.current_size(), std::fs::metadata(&new).expect("stat").len());
        let keys = |p: &Path| replay(p).commands.into_iter().map(|(db, w)| (db, w[1].clone())).collect::<Vec<_>>();
        assert_eq!(keys(&old), [(2, "a".to_string()), (2, "b".to_string())]);
        assert_eq!(keys(&new), [(2, "c".to_string())]);
        assert_eq!(log.written_since_open(), log.stats().appended);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_write_error_is_reported_and_the_bytes_stay_buffered() {
        // /dev/full: every write fails with ENOSPC.
        let Ok(log) = AppendLog::open(Path::new("/dev/full")) else { return };
        assert_eq!(log.last_error(), None);
        let pos = log.append(0, &argv(&["SET", "a", "1"])).expect("append buffers");
        let buffered = log.buffered();
        let err = log.flush_to(pos, true).expect_err("the write fails");
        assert_eq!(err.raw_os_error(), Some(28));
        assert_eq!(log.last_error().as_deref(), Some("No space left on device"));
        assert!(log.write_failed());
        assert_eq!(log.buffered(), buffered, "nothing is lost");
        // The retry is a real write again (no fast path while failing), and fails again.
        assert!(log.flush(false).is_err());
        let dir = test_dir("log-full");
        assert!(log.switch_to(&dir.join("b.aof")).is_err(), "no switch while the old file fails");
        assert_eq!(log.path(), Path::new("/dev/full"));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn everysec_fsyncs_in_the_background() {
        let dir = test_dir("log-everysec");
        let log = Arc::new(AppendLog::open(&dir.join("a.aof")).expect("open"));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = log.spawn_everysec(stop.clone()).expect("spawn");
        let pos = log.append(0, &argv(&["SET", "a", "1"])).expect("append");
        let deadline = Instant::now() + Duration::from_secs(5);
        while log.stats().synced < pos {
            assert!(Instant::now() < deadline, "not synced within 5 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        stop.store(true, Ordering::Release);
        thread.join().expect("join");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
