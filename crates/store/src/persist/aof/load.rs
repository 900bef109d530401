//! Loading an AOF: the manifest, then the base file, then every incremental file in order,
//! replayed into an [`AofSink`] — Redis 7's `loadAppendOnlyFiles` and
//! `loadSingleAppendOnlyFile`.
//!
//! A file that starts with `REDIS` is an RDB (a base file, or the preamble of an old
//! single-file AOF) read with [`rdb::load`]; RESP commands may follow it. Commands are RESP
//! arrays of bulk strings only, as Redis's loader accepts (`#` lines are annotations and
//! skipped); every other byte is a format error reported with its exact offset.
//!
//! The end of a file may be cut short by a crash. Redis's rules, which we follow:
//! - A short last command in the **last** file is repaired when `aof-load-truncated` is on:
//!   the file is truncated at the end of the last complete command, a warning logged, and
//!   loading succeeds. Off, it is an error. In any other file it is always an error.
//! - A MULTI without its EXEC at the end counts as a short read too, and the cut goes before
//!   the MULTI ("Revert incomplete MULTI/EXEC transaction"). Redis only does that when the
//!   transaction's commands are complete; we also do it when the file ends inside one of
//!   them, where Redis would keep the MULTI in the file and revert it on the next start.
//!
//! Transactions reach the sink whole: MULTI and its commands are held until the EXEC arrives
//! (Redis queues them in its loading client the same way), so a transaction that is
//! reverted was never seen. That buffer is bounded by the file, as Redis's queue is.
//!
//! Deliberate difference: a broken RDB part is always an error. Redis, with
//! aof-load-truncated, would truncate such a file to nothing and start empty.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::log::strerror;
use super::manifest::{manifest_name, Manifest, MANIFEST_MAX_BYTES};
use super::{AofError, AofErrorKind};
use crate::persist::rdb;

/// Redis's `AOF_ANNOTATION_LINE_MAX_LEN`: the longest `#` line, newline included.
const ANNOTATION_MAX: u64 = 1024;

/// Digits in an array or bulk length: enough for any length a file can hold.
const MAX_LENGTH_DIGITS: u32 = 18;

/// Redis reads arrays lengths with `atoi`, so no command has more arguments than this.
const MAX_ARGC: u64 = i32::MAX as u64;

/// Read buffer per file.
const READ_BUFFER: usize = 64 << 10;

/// Where loaded data goes. The engine's sink inserts keys into the store and runs commands
/// through a client of its own.
pub trait AofSink {
    /// A key of an RDB part (base file or preamble).
    fn key(&mut self, key: rdb::LoadedKey) -> Result<(), String>;

    /// One command, in file order (MULTI ... EXEC delivered together once complete).
    fn command(&mut self, argv: Vec<Bytes>) -> Result<(), String>;

    /// A new file starts. Redis loads each file with a fresh client, so a sink that runs
    /// commands through a client should select database 0 again here.
    fn begin_file(&mut self, path: &Path) -> Result<(), String> {
        let _ = path;
        Ok(())
    }
}

/// Redis's outcomes of `loadAppendOnlyFiles` for an AOF that exists (no AOF at all,
/// `AOF_NOT_EXIST`, is `Ok(None)` from [`load`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadStatus {
    /// Every file is empty (`AOF_EMPTY`).
    Empty,
    /// Data was loaded (possibly after repairing a truncated tail).
    Loaded,
}

/// What a load did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AofLoadSummary {
    pub status: LoadStatus,
    /// The manifest the files came from (for a legacy file, one naming it as the base).
    pub manifest: Manifest,
    /// No manifest: an old single-file AOF `<appendfilename>` was loaded as the base. The
    /// caller should write a manifest for it (Redis's upgrade), see `AofDir::upgrade_legacy`.
    pub legacy: bool,
    /// The files read, in order.
    pub files: Vec<PathBuf>,
    /// Commands handed to the sink (SELECT, MULTI and EXEC included).
    pub commands: u64,
    /// Keys handed to the sink from RDB parts.
    pub keys_from_base: u64,
    /// Keys of RDB parts skipped because they had expired.
    pub expired_skipped: u64,
    /// Bytes in the files, as found (before any truncation).
    pub bytes: u64,
    /// The file that was cut short and the length it was truncated to.
    pub truncated_at: Option<(PathBuf, u64)>,
    /// The cut removed an unfinished MULTI.
    pub reverted_multi: bool,
}

impl AofLoadSummary {
    fn new(manifest: Manifest, legacy: bool) -> AofLoadSummary {
        AofLoadSummary {
            status: LoadStatus::Empty,
            manifest,
            legacy,
            files: Vec::new(),
            commands: 0,
            keys_from_base: 0,
            expired_skipped: 0,
            bytes: 0,
            truncated_at: None,
            reverted_multi: false,
        }
    }
}

/// Loads the AOF in `dir`: `<appendfilename>.manifest` and the files it names; without a
/// manifest, an old single-file AOF `dir/<appendfilename>` (possibly with an RDB preamble).
/// `truncated_ok` is `aof-load-truncated`. `now_ms` decides which RDB keys have expired.
/// `Ok(None)` when there is no AOF (no manifest, or one naming no file, and no old file).
pub fn load(
    dir: &Path,
    appendfilename: &str,
    now_ms: i64,
    truncated_ok: bool,
    sink: &mut dyn AofSink,
) -> Result<Option<AofLoadSummary>, AofError> {
    let Some((manifest, legacy)) = find_manifest(dir, appendfilename)? else { return Ok(None) };
    if manifest.is_empty() {
        return Ok(None);
    }
    let mut summary = AofLoadSummary::new(manifest, legacy);
    // Every file must be there before anything is loaded (Redis's
    // `getBaseAndIncrAppendOnlyFilesSize`): one listed but missing is fatal.
    let mut files = Vec::new();
    for file in summary.manifest.files_to_load() {
        let path = dir.join(&file.name);
        let len = fs::metadata(&path).map(|m| m.len()).map_err(|e| {
            let message = format!("Unable to obtain the AOF file {} length. stat: {}", file.name, strerror(&e));
            AofError::new(&path, 0, AofErrorKind::Io, message)
        })?;
        files.push((path, file.name.clone(), len));
    }
    summary.bytes = files.iter().map(|f| f.2).sum();
    if summary.bytes == 0 {
        return Ok(Some(summary));
    }
    let count = files.len();
    for (i, (path, name, len)) in files.into_iter().enumerate() {
        let file = FileToLoad { path: &path, name: &name, len, last: i + 1 == count, preamble: name == appendfilename };
        load_one(&file, now_ms, truncated_ok, sink, &mut summary)?;
    }
    summary.status = LoadStatus::Loaded;
    Ok(Some(summary))
}

/// The manifest in `dir`, or for an old single-file AOF `dir/<appendfilename>` (no
/// manifest) one naming that file as base 1, with `true`; `None` if neither exists.
pub(super) fn find_manifest(dir: &Path, appendfilename: &str) -> Result<Option<(Manifest, bool)>, AofError> {
    if let Some(manifest) = read_manifest(&dir.join(manifest_name(appendfilename)))? {
        return Ok(Some((manifest, false)));
    }
    if dir.join(appendfilename).is_file() {
        let mut manifest = Manifest::new();
        manifest.set_base(appendfilename.to_string(), 1);
        return Ok(Some((manifest, true)));
    }
    Ok(None)
}

/// Loads one file on its own, as the last (only) file of an AOF: an old single-file AOF
/// that lives outside the AOF directory, or a file given by hand.
pub fn load_file(
    path: &Path,
    now_ms: i64,
    truncated_ok: bool,
    sink: &mut dyn AofSink,
) -> Result<AofLoadSummary, AofError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let len = fs::metadata(path).map(|m| m.len()).map_err(|e| {
        let message = format!("Fatal error: can't open the append log file {name} for reading: {}", strerror(&e));
        AofError::new(path, 0, AofErrorKind::Io, message)
    })?;
    let mut manifest = Manifest::new();
    manifest.set_base(name.clone(), 1);
    let mut summary = AofLoadSummary::new(manifest, true);
    summary.bytes = len;
    let file = FileToLoad { path, name: &name, len, last: true, preamble: true };
    load_one(&file, now_ms, truncated_ok, sink, &mut summary)?;
    summary.status = if len == 0 { LoadStatus::Empty } else { LoadStatus::Loaded };
    Ok(summary)
}

/// Reads and parses the manifest; `None` if there is none.
fn read_manifest(path: &Path) -> Result<Option<Manifest>, AofError> {
    let io_error = |e: io::Error| {
        let message =
            format!("Fatal error: can't open the AOF manifest {} for reading: {}", path.display(), strerror(&e));
        AofError::new(path, 0, AofErrorKind::Io, message)
    };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(e)),
    };
    let mut text = Vec::new();
    file.take(MANIFEST_MAX_BYTES + 1).read_to_end(&mut text).map_err(io_error)?;
    if text.len() as u64 > MANIFEST_MAX_BYTES {
        let message = format!("The AOF manifest file is larger than {MANIFEST_MAX_BYTES} bytes");
        return Err(AofError::new(path, MANIFEST_MAX_BYTES, AofErrorKind::Manifest, message));
    }
    Manifest::parse(&text).map(Some).map_err(|e| AofError::new(path, e.offset, AofErrorKind::Manifest, e.message))
}

struct FileToLoad<'a> {
    path: &'a Path,
    /// The name in the manifest, as Redis's messages print it.
    name: &'a str,
    len: u64,
    /// Only the last file may be repaired after a short read.
    last: bool,
    /// An old single-file AOF (its RDB part is a "preamble", not a "base file").
    preamble: bool,
}

/// Loads one file into the sink (Redis's `loadSingleAppendOnlyFile`).
fn load_one(
    file: &FileToLoad<'_>,
    now_ms: i64,
    truncated_ok: bool,
    sink: &mut dyn AofSink,
    summary: &mut AofLoadSummary,
) -> Result<(), AofError> {
    let (path, name) = (file.path, file.name);
    let fail = |offset: u64, kind: AofErrorKind, message: String| AofError::new(path, offset, kind, message);
    summary.files.push(path.to_path_buf());
    sink.begin_file(path).map_err(|m| fail(0, AofErrorKind::Sink, m))?;
    if file.len == 0 {
        return Ok(());
    }
    let read_error = |offset: u64, e: &io::Error| {
        let message = format!("Unrecoverable error reading the append only file {name}: {}", strerror(e));
        fail(offset, AofErrorKind::Io, message)
    };
    let mut f = File::open(path).map_err(|e| {
        let message = format!("Fatal error: can't open the append log file {name} for reading: {}", strerror(&e));
        fail(0, AofErrorKind::Io, message)
    })?;
    let mut signature = [0u8; 5];
    let n = read_up_to(&mut f, &mut signature).map_err(|e| read_error(0, &e))?;
    f.seek(SeekFrom::Start(0)).map_err(|e| read_error(0, &e))?;
    let mut reader = BufReader::with_capacity(READ_BUFFER, f);

    let mut start = 0;
    if n == signature.len() && &signature == b"REDIS" {
        let mut counted = Counted { inner: &mut reader, count: 0 };
        let mut refused = None;
        let result =
            rdb::load(&mut counted, now_ms, &mut |key| sink.key(key).inspect_err(|m| refused = Some(m.clone())));
        match result {
            Ok(rdb_summary) => {
                summary.keys_from_base += rdb_summary.keys_loaded;
                summary.expired_skipped += rdb_summary.expired_skipped;
            }
            Err(e) => {
                if let Some(message) = refused {
                    return Err(fail(e.offset, AofErrorKind::Sink, message));
                }
                let what = if file.preamble {
                    format!("Error reading the RDB preamble of the AOF file {name}, AOF loading aborted")
                } else {
                    format!("Error reading the RDB base file {name}, AOF loading aborted")
                };
                return Err(fail(e.offset, AofErrorKind::Rdb, format!("{what}: {}", e.message)));
            }
        }
        start = counted.count;
    }

    let mut resp = Resp { inner: reader, offset: start, len: file.len };
    // Offsets where the file may be cut: after the last complete command, and before the
    // MULTI of the transaction being read.
    let mut valid_up_to = start;
    let mut valid_before_multi = start;
    let mut transaction: Option<Vec<(u64, Vec<Bytes>)>> = None;
    let mut deliver = |at: u64, argv: Vec<Bytes>, summary: &mut AofLoadSummary| {
        summary.commands += 1;
        sink.command(argv).map_err(|m| fail(at, AofErrorKind::Sink, m))
    };
    let fault = loop {
        match resp.next() {
            Ok(None) => break None,
            Ok(Some(Item::Annotation)) => {}
            Ok(Some(Item::Command { at, argv })) => {
                let is_exec = argv[0].eq_ignore_ascii_case(b"exec");
                match transaction.as_mut() {
                    Some(queued) => {
                        queued.push((at, argv));
                        if is_exec {
                            for (at, argv) in transaction.take().into_iter().flatten() {
                                deliver(at, argv, summary)?;
                            }
                        }
                    }
                    None if argv[0].eq_ignore_ascii_case(b"multi") => {
                        valid_before_multi = valid_up_to;
                        transaction = Some(vec![(at, argv)]);
                    }
                    None => deliver(at, argv, summary)?,
                }
                valid_up_to = resp.offset;
            }
            Err(fault) => break Some(fault),
        }
    };
    drop(resp);

    match fault {
        None if transaction.is_none() => return Ok(()),
        None | Some(Fault::Truncated) => {}
        Some(Fault::Bad(at)) => {
            let message = format!(
                "Bad file format reading the append only file {name}: make a backup of your AOF file, \
                 then use ./redis-check-aof --fix <filename.manifest>"
            );
            return Err(fail(at, AofErrorKind::Format, message));
        }
        Some(Fault::Io(at, e)) => return Err(read_error(at, &e)),
    }

    // A short read, or a transaction without its EXEC.
    let reverted = transaction.is_some();
    let cut = if reverted {
        tracing::warn!("Revert incomplete MULTI/EXEC transaction in AOF file {name}");
        valid_before_multi
    } else {
        valid_up_to
    };
    if !truncated_ok {
        let message = format!(
            "Unexpected end of file reading the append only file {name}. You can: \
             1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. \
             2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."
        );
        return Err(fail(cut, AofErrorKind::Truncated, message));
    }
    if !file.last {
        return Err(fail(cut, AofErrorKind::Truncated, "Fatal error: the truncated file is not the last file".into()));
    }
    tracing::warn!("!!! Warning: short read while loading the AOF file {name}!!!");
    tracing::warn!("!!! Truncating the AOF {name} at offset {cut} !!!");
    let truncate = || -> io::Result<()> {
        let f = OpenOptions::new().write(true).open(path)?;
        f.set_len(cut)?;
        f.sync_all()
    };
    truncate()
        .map_err(|e| fail(cut, AofErrorKind::Io, format!("Error truncating the AOF file {name}: {}", strerror(&e))))?;
    tracing::warn!("AOF {name} loaded anyway because aof-load-truncated is enabled");
    summary.truncated_at = Some((path.to_path_buf(), cut));
    summary.reverted_multi = reverted;
    Ok(())
}

/// Reads until `buf` is full or the file ends; returns how much was read.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Counts what the RDB reader consumed, so RESP parsing continues at the right offset.
struct Counted<'a, R> {
    inner: &'a mut R,
    count: u64,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// One thing read from the RESP part of a file.
enum Item {
    /// A `#` line (Redis writes `#TS:<unix time>` with aof-timestamp-enabled).
    Annotation,
    /// A command and the offset where it starts.
    Command { at: u64, argv: Vec<Bytes> },
}

/// Why parsing stopped before the end of the file.
enum Fault {
    /// The file ends inside an item.
    Truncated,
    /// This byte cannot be here.
    Bad(u64),
    /// Reading failed at this offset.
    Io(u64, io::Error),
}

/// The RESP reader: a buffered file and the offset of the next byte.
struct Resp<R> {
    inner: R,
    offset: u64,
    /// The file's length: no bulk string can be longer than what is left of it, so a
    /// corrupt length reads as a short file instead of a huge allocation.
    len: u64,
}

impl<R: BufRead> Resp<R> {
    fn byte(&mut self) -> Result<Option<u8>, Fault> {
        loop {
            match self.inner.fill_buf() {
                Ok([]) => return Ok(None),
                Ok(buf) => {
                    let b = buf[0];
                    self.inner.consume(1);
                    self.offset += 1;
                    return Ok(Some(b));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Fault::Io(self.offset, e)),
            }
        }
    }

    /// The next byte, which must exist.
    fn need(&mut self) -> Result<u8, Fault> {
        self.byte()?.ok_or(Fault::Truncated)
    }

    /// Expects exactly `want` next.
    fn require(&mut self, want: u8) -> Result<(), Fault> {
        let at = self.offset;
        if self.need()? == want {
            Ok(())
        } else {
            Err(Fault::Bad(at))
        }
    }

    /// A length after its `*` or `$`: decimal digits, then CRLF.
    fn length(&mut self) -> Result<u64, Fault> {
        let (mut n, mut digits) = (0u64, 0u32);
        loop {
            let at = self.offset;
            match self.need()? {
                b @ b'0'..=b'9' if digits < MAX_LENGTH_DIGITS => {
                    n = n * 10 + u64::from(b - b'0');
                    digits += 1;
                }
                b'\r' if digits > 0 => break,
                _ => return Err(Fault::Bad(at)),
            }
        }
        self.require(b'\n')?;
        Ok(n)
    }

    /// The next annotation or command; `None` at a clean end of file.
    fn next(&mut self) -> Result<Option<Item>, Fault> {
        let at = self.offset;
        match self.byte()? {
            None => Ok(None),
            Some(b'#') => {
                while self.need()? != b'\n' {
                    if self.offset - at >= ANNOTATION_MAX {
                        return Err(Fault::Bad(at));
                    }
                }
                Ok(Some(Item::Annotation))
            }
            Some(b'*') => {
                let argc = self.length()?;
                if argc == 0 || argc > MAX_ARGC {
                    return Err(Fault::Bad(at));
                }
                // Capacity from the data only as far as the file can back it.
                let mut argv = Vec::with_capacity(argc.min(1024) as usize);
                for _ in 0..argc {
                    self.require(b'$')?;
                    let len = self.length()?;
                    if len > self.len.saturating_sub(self.offset) {
                        return Err(Fault::Truncated);
                    }
                    let mut data = vec![0u8; len as usize];
                    match self.inner.read_exact(&mut data) {
                        Ok(()) => self.offset += len,
                        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(Fault::Truncated),
                        Err(e) => return Err(Fault::Io(self.offset, e)),
                    }
                    self.require(b'\r')?;
                    self.require(b'\n')?;
                    argv.push(Bytes::from(data));
                }
                Ok(Some(Item::Command { at, argv }))
            }
            Some(_) => Err(Fault::Bad(at)),
        }
    }
}
