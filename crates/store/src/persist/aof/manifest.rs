//! The AOF manifest (`<appendfilename>.manifest`): which files make up the append-only file
//! and in what order, in Redis 7's text format, byte for byte.
//!
//! Each line describes one file: `file <name> seq <n> type <b|h|i>`. The keys may come in
//! any order and unknown key/value pairs are ignored (Redis reserved them for forward
//! compatibility); lines starting with `#` are comments. Names that contain spaces, quotes
//! or unprintable bytes are written quoted (Redis's `sdscatrepr`) and read back with
//! Redis's `sdssplitargs` rules, so a manifest written by either server reads in the other.
//! Redis writes the base first, then the history files, then the incremental files in
//! sequence order; we do the same.
//!
//! The sequence counters follow Redis exactly: the next base takes the current base's
//! sequence + 1, the next incremental file the last incremental file's + 1 (history files
//! count for neither, as in Redis).

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Redis's `MANIFEST_MAX_LINE`: a longer line makes the whole manifest invalid.
pub const MANIFEST_MAX_LINE: usize = 1024;

/// How much of a manifest file we are willing to read. Redis has no such bound; a real
/// manifest is a few lines (history files are deleted after every rewrite), so anything
/// near this is not a manifest.
pub const MANIFEST_MAX_BYTES: u64 = 16 << 20;

/// Suffixes Redis gives the files it names (`aof.c`).
const BASE_FILE_SUFFIX: &str = ".base";
const INCR_FILE_SUFFIX: &str = ".incr";
const RDB_FORMAT_SUFFIX: &str = ".rdb";
const AOF_FORMAT_SUFFIX: &str = ".aof";
const MANIFEST_NAME_SUFFIX: &str = ".manifest";
const TEMP_FILE_NAME_PREFIX: &str = "temp-";

/// The role of one file in the manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// `b`: the snapshot (RDB or RESP commands) loading starts from.
    Base,
    /// `h`: replaced by a rewrite, waiting to be deleted; never loaded.
    History,
    /// `i`: commands appended after the base, loaded in sequence order.
    Incr,
}

impl FileKind {
    /// The type letter in the manifest.
    pub fn letter(self) -> u8 {
        match self {
            FileKind::Base => b'b',
            FileKind::History => b'h',
            FileKind::Incr => b'i',
        }
    }

    fn from_letter(letter: u8) -> Option<FileKind> {
        match letter {
            b'b' => Some(FileKind::Base),
            b'h' => Some(FileKind::History),
            b'i' => Some(FileKind::Incr),
            _ => None,
        }
    }
}

/// One line of the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AofFile {
    /// A plain file name inside the AOF directory (never a path).
    pub name: String,
    pub seq: i64,
    pub kind: FileKind,
}

/// A manifest that could not be parsed: Redis's message, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestError {
    /// 1-based line number (0 when the problem is the file as a whole).
    pub line: usize,
    /// Byte offset of the start of that line.
    pub offset: u64,
    /// Redis's text for the problem, e.g. "Invalid AOF manifest file format".
    pub message: &'static str,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for ManifestError {}

/// The parsed manifest: the base file, the history files and the incremental files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    base: Option<AofFile>,
    history: Vec<AofFile>,
    incr: Vec<AofFile>,
    /// Redis's `curr_base_file_seq`: the sequence the last base was given.
    base_seq: i64,
    /// Redis's `curr_incr_file_seq`: the sequence the last incremental file was given.
    incr_seq: i64,
}

impl Manifest {
    /// An empty manifest (no AOF yet).
    pub fn new() -> Manifest {
        Manifest::default()
    }

    /// The base file, if any.
    pub fn base(&self) -> Option<&AofFile> {
        self.base.as_ref()
    }

    /// Incremental files, in the order they are loaded (ascending sequence).
    pub fn incr(&self) -> &[AofFile] {
        &self.incr
    }

    /// History files (replaced by a rewrite, to be deleted).
    pub fn history(&self) -> &[AofFile] {
        &self.history
    }

    /// The incremental file being appended to: the last one.
    pub fn last_incr(&self) -> Option<&AofFile> {
        self.incr.last()
    }

    /// True if the manifest names no file to load (Redis's `AOF_NOT_EXIST`).
    pub fn is_empty(&self) -> bool {
        self.base.is_none() && self.incr.is_empty()
    }

    /// The files to load, in order: the base, then every incremental file.
    pub fn files_to_load(&self) -> impl Iterator<Item = &AofFile> {
        self.base.iter().chain(self.incr.iter())
    }

    /// Every file the manifest names, history included.
    pub fn all_files(&self) -> impl Iterator<Item = &AofFile> {
        self.base.iter().chain(self.history.iter()).chain(self.incr.iter())
    }

    /// The name the next base file gets (`<appendfilename>.<seq>.base.rdb`, or `.base.aof`
    /// when the base is written as commands), and its sequence.
    pub fn next_base_name(&self, appendfilename: &str, rdb: bool) -> (String, i64) {
        let seq = self.base_seq + 1;
        let format = if rdb { RDB_FORMAT_SUFFIX } else { AOF_FORMAT_SUFFIX };
        (format!("{appendfilename}.{seq}{BASE_FILE_SUFFIX}{format}"), seq)
    }

    /// The name the next incremental file gets (`<appendfilename>.<seq>.incr.aof`), and its
    /// sequence.
    pub fn next_incr_name(&self, appendfilename: &str) -> (String, i64) {
        let seq = self.incr_seq + 1;
        (format!("{appendfilename}.{seq}{INCR_FILE_SUFFIX}{AOF_FORMAT_SUFFIX}"), seq)
    }

    /// Adds a new incremental file at the end (Redis's `getNewIncrAofName`) and returns its
    /// name.
    pub fn add_incr(&mut self, appendfilename: &str) -> String {
        let (name, seq) = self.next_incr_name(appendfilename);
        self.incr.push(AofFile { name: name.clone(), seq, kind: FileKind::Incr });
        self.incr_seq = seq;
        name
    }

    /// Installs a new base file, moving the old one to the front of the history (Redis's
    /// `getNewBaseFileNameAndMarkPreAsHistory`); returns the new base's name.
    pub fn add_base(&mut self, appendfilename: &str, rdb: bool) -> String {
        let (name, seq) = self.next_base_name(appendfilename, rdb);
        if let Some(mut old) = self.base.take() {
            old.kind = FileKind::History;
            self.history.insert(0, old);
        }
        self.base = Some(AofFile { name: name.clone(), seq, kind: FileKind::Base });
        self.base_seq = seq;
        name
    }

    /// Sets an existing file as the base (Redis's upgrade from a single-file AOF: the old
    /// `appendonly.aof` becomes base 1 under its own name).
    pub fn set_base(&mut self, name: String, seq: i64) {
        self.base = Some(AofFile { name, seq, kind: FileKind::Base });
        self.base_seq = seq;
    }

    /// Moves the incremental files a rewrite has folded into the new base to the history
    /// (Redis's `markRewrittenIncrAofAsHistory`). With `keep_last` (AOF on: the last file is
    /// the one being appended to, opened when the rewrite started) the last one stays.
    pub fn mark_rewritten_incr_as_history(&mut self, keep_last: bool) {
        let keep = if keep_last { self.incr.len().min(1) } else { 0 };
        let rewritten: Vec<AofFile> = self.incr.drain(..self.incr.len() - keep).collect();
        // Redis walks from the newest and pushes each at the head, so the history ends up
        // oldest first, ahead of what was already there.
        for (i, mut file) in rewritten.into_iter().enumerate() {
            file.kind = FileKind::History;
            self.history.insert(i, file);
        }
    }

    /// Forgets the history files (after they are deleted).
    pub fn clear_history(&mut self) -> Vec<AofFile> {
        std::mem::take(&mut self.history)
    }

    /// Parses a manifest with Redis's rules and error texts (`aofLoadManifestFromFile`).
    pub fn parse(text: &[u8]) -> Result<Manifest, ManifestError> {
        let mut manifest = Manifest::new();
        let mut max_incr_seq = 0i64;
        let mut rest = text;
        let mut offset = 0u64;
        let mut line_no = 0usize;
        let err = |line: usize, offset: u64, message: &'static str| Err(ManifestError { line, offset, message });
        if text.is_empty() {
            return err(0, 0, "Found an empty AOF manifest");
        }
        while !rest.is_empty() {
            line_no += 1;
            let start = offset;
            // Redis reads with fgets into a MANIFEST_MAX_LINE + 1 byte buffer: a line with no
            // newline within that many bytes (a long one, or an unterminated last one) is
            // refused, except that a comment is skipped before the check.
            let newline = rest.iter().position(|&b| b == b'\n');
            let (line, next) = match newline {
                Some(i) => (&rest[..=i], &rest[i + 1..]),
                None => (rest, &rest[rest.len()..]),
            };
            offset += line.len() as u64;
            rest = next;
            if line[0] == b'#' {
                continue;
            }
            if newline.is_none() || line.len() > MANIFEST_MAX_LINE {
                return err(line_no, start, "The AOF manifest file contains too long line");
            }
            // `sdsnew(buf)` stops at a NUL byte.
            let line = match line.iter().position(|&b| b == 0) {
                Some(nul) => &line[..nul],
                None => line,
            };
            let line = trim(line, b" \t\r\n");
            if line.is_empty() {
                return err(line_no, start, "Invalid AOF manifest file format");
            }
            let Some(argv) = split_args(line) else {
                return err(line_no, start, "Invalid AOF manifest file format");
            };
            // `argc < 6` rather than `!= 6`: later versions may add pairs.
            if argv.len() < 6 || argv.len() % 2 != 0 {
                return err(line_no, start, "Invalid AOF manifest file format");
            }
            let (mut name, mut seq, mut kind) = (None, 0i64, None);
            for pair in argv.chunks(2) {
                let (key, value) = (&pair[0], &pair[1]);
                if key.eq_ignore_ascii_case(b"file") {
                    if value.contains(&b'/') || value.contains(&b'\\') {
                        return err(line_no, start, "File can't be a path, just a filename");
                    }
                    // Names are Rust strings here; Redis would take any bytes.
                    match String::from_utf8(value.clone()) {
                        Ok(s) => name = Some(s),
                        Err(_) => return err(line_no, start, "Invalid AOF manifest file format"),
                    }
                } else if key.eq_ignore_ascii_case(b"seq") {
                    seq = atoll(value);
                } else if key.eq_ignore_ascii_case(b"type") {
                    // `(argv[i+1])[0]`: the first byte, NUL for an empty value.
                    kind = Some(value.first().copied().unwrap_or(0));
                }
            }
            let (Some(name), Some(letter)) = (name, kind) else {
                return err(line_no, start, "Invalid AOF manifest file format");
            };
            if seq == 0 || letter == 0 {
                return err(line_no, start, "Invalid AOF manifest file format");
            }
            let Some(kind) = FileKind::from_letter(letter) else {
                return err(line_no, start, "Unknown AOF file type");
            };
            let file = AofFile { name, seq, kind };
            match kind {
                FileKind::Base => {
                    if manifest.base.is_some() {
                        return err(line_no, start, "Found duplicate base file information");
                    }
                    manifest.base_seq = seq;
                    manifest.base = Some(file);
                }
                FileKind::History => manifest.history.push(file),
                FileKind::Incr => {
                    if seq <= max_incr_seq {
                        return err(line_no, start, "Found a non-monotonic sequence number");
                    }
                    max_incr_seq = seq;
                    manifest.incr_seq = seq;
                    manifest.incr.push(file);
                }
            }
        }
        Ok(manifest)
    }

    /// The manifest as Redis writes it (`getAofManifestAsString`): base, history, incr.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for file in self.all_files() {
            out.extend_from_slice(b"file ");
            if needs_repr(file.name.as_bytes()) {
                cat_repr(&mut out, file.name.as_bytes());
            } else {
                out.extend_from_slice(file.name.as_bytes());
            }
            out.extend_from_slice(format!(" seq {} type {}\n", file.seq, file.kind.letter() as char).as_bytes());
        }
        out
    }
}

/// The manifest's file name: `<appendfilename>.manifest`.
pub fn manifest_name(appendfilename: &str) -> String {
    format!("{appendfilename}{MANIFEST_NAME_SUFFIX}")
}

/// The temporary name a manifest is written under before the rename.
pub fn temp_manifest_name(appendfilename: &str) -> String {
    format!("{TEMP_FILE_NAME_PREFIX}{appendfilename}{MANIFEST_NAME_SUFFIX}")
}

/// Writes `manifest` as `dir/<appendfilename>.manifest` so that a crash leaves either the
/// old manifest or the new one: temp file, fsync, rename, fsync the directory (the rename
/// and any new AOF files it names must survive a power loss too). Redis's
/// `writeAofManifestFile`.
pub fn write_manifest(dir: &Path, appendfilename: &str, manifest: &Manifest) -> io::Result<()> {
    let temp = dir.join(temp_manifest_name(appendfilename));
    let path = dir.join(manifest_name(appendfilename));
    let result = (|| {
        let mut file = OpenOptions::new().write(true).create(true).truncate(true).open(&temp)?;
        file.write_all(&manifest.to_bytes())?;
        file.sync_all()?;
        fs::rename(&temp, &path)?;
        fsync_dir(dir)
    })();
    if result.is_err() {
        // Best effort: a leftover temp file is harmless but untidy.
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Fsyncs a directory, so that files created, renamed or removed in it survive a crash.
pub fn fsync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// C's `isspace` in the "C" locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// C's `isprint` in the "C" locale.
fn is_print(b: u8) -> bool {
    (0x20..=0x7e).contains(&b)
}

fn trim<'a>(mut s: &'a [u8], set: &[u8]) -> &'a [u8] {
    while let [first, rest @ ..] = s {
        if !set.contains(first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !set.contains(last) {
            break;
        }
        s = rest;
    }
    s
}

/// C's `atoll`: optional blanks and sign, then as many digits as there are (0 if none);
/// saturating where C would overflow.
fn atoll(s: &[u8]) -> i64 {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut n: i64 = 0;
    while let Some(d) = s.get(i).filter(|b| b.is_ascii_digit()) {
        let digit = i64::from(d - b'0');
        n = if negative {
            n.saturating_mul(10).saturating_sub(digit)
        } else {
            n.saturating_mul(10).saturating_add(digit)
        };
        i += 1;
    }
    n
}

/// Redis's `sdsneedsrepr`: whether a name must be quoted in the manifest.
fn needs_repr(s: &[u8]) -> bool {
    s.iter().any(|&b| matches!(b, b'\\' | b'"') || !is_print(b) || is_space(b))
}

/// Redis's `sdscatrepr`: a quoted string with C-style escapes.
fn cat_repr(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &b in s {
        match b {
            b'\\' | b'"' => out.extend_from_slice(&[b'\\', b]),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            b if is_print(b) => out.push(b),
            b => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Redis's `sdssplitargs`: words separated by blanks, with "double quotes" (C escapes and
/// `\xHH`) and 'single quotes' (only `\'`); a closing quote must be followed by a blank or
/// the end. `None` for unbalanced quotes, as Redis returns NULL.
fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut args = Vec::new();
    let mut p = 0;
    // Past the end reads as the C string's terminating NUL.
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    loop {
        while p < line.len() && is_space(line[p]) {
            p += 1;
        }
        if p >= line.len() {
            return Some(args);
        }
        let mut current = Vec::new();
        let (mut in_double, mut in_single, mut done) = (false, false, false);
        while !done {
            let c = at(p);
            if in_double {
                if c == b'\\' && at(p + 1) == b'x' && hex_value(at(p + 2)).is_some() && hex_value(at(p + 3)).is_some() {
                    let (hi, lo) = (hex_value(at(p + 2)).unwrap_or(0), hex_value(at(p + 3)).unwrap_or(0));
                    current.push(hi * 16 + lo);
                    p += 3;
                } else if c == b'\\' && at(p + 1) != 0 {
                    p += 1;
                    current.push(match at(p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return None;
                    }
                    done = true;
                } else if c == 0 {
                    return None;
                } else {
                    current.push(c);
                }
            } else if in_single {
                if c == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    current.push(b'\'');
                } else if c == b'\'' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return None;
                    }
                    done = true;
                } else if c == 0 {
                    return None;
                } else {
                    current.push(c);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => done = true,
                    b'"' => in_double = true,
                    b'\'' => in_single = true,
                    other => current.push(other),
                }
            }
            if p < line.len() {
                p += 1;
            }
        }
        args.push(current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(text: &str) -> &'static str {
        match Manifest::parse(text.as_bytes()) {
            Ok(m) => panic!("parsed {m:?}"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn parses_what_redis_writes() {
        let text = "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n";
        let m = Manifest::parse(text.as_bytes()).expect("manifest");
        assert_eq!(m.base().map(|b| b.name.as_str()), Some("appendonly.aof.1.base.rdb"));
        assert_eq!(m.incr().len(), 1);
        assert_eq!(m.incr()[0], AofFile { name: "appendonly.aof.1.incr.aof".into(), seq: 1, kind: FileKind::Incr });
        assert_eq!(m.to_bytes(), text.as_bytes());
    }

    #[test]
    fn keys_in_any_order_unknown_keys_and_comments() {
        let text = "# a comment\n  type i seq 3 file a.3.incr.aof future x  \r\nTYPE b FILE a.2.base.aof SEQ 2\n";
        let m = Manifest::parse(text.as_bytes()).expect("manifest");
        assert_eq!(m.base().map(|b| (b.name.as_str(), b.seq)), Some(("a.2.base.aof", 2)));
        assert_eq!(m.incr()[0].seq, 3);
        assert_eq!(m.next_base_name("a", true), ("a.3.base.rdb".to_string(), 3));
        assert_eq!(m.next_incr_name("a"), ("a.4.incr.aof".to_string(), 4));
    }

    #[test]
    fn round_trip_with_history_in_redis_order() {
        let mut m = Manifest::new();
        m.add_base("appendonly.aof", true);
        m.add_incr("appendonly.aof");
        m.add_incr("appendonly.aof");
        m.add_base("appendonly.aof", false);
        m.mark_rewritten_incr_as_history(true);
        let text = String::from_utf8(m.to_bytes()).expect("utf8");
        assert_eq!(
            text,
            // Redis puts the old base at the head of the history, then each rewritten incr
            // file (newest first) at the head too: incr files first, oldest first.
            "file appendonly.aof.2.base.aof seq 2 type b\n\
             file appendonly.aof.1.incr.aof seq 1 type h\n\
             file appendonly.aof.1.base.rdb seq 1 type h\n\
             file appendonly.aof.2.incr.aof seq 2 type i\n"
        );
        assert_eq!(Manifest::parse(text.as_bytes()), Ok(m));
    }

    #[test]
    fn names_with_special_bytes_are_quoted_and_read_back() {
        for name in ["my file.aof", "q\"uote", "tab\there", "nl\nx", "caf\u{e9}", "bell\u{7}", "x\u{1}"] {
            let mut m = Manifest::new();
            m.set_base(name.to_string(), 1);
            let bytes = m.to_bytes();
            assert!(bytes.starts_with(b"file \""), "{name:?} not quoted: {:?}", String::from_utf8_lossy(&bytes));
            assert_eq!(Manifest::parse(&bytes).expect("parse").base().map(|b| b.name.clone()), Some(name.to_string()));
        }
        let mut m = Manifest::new();
        m.set_base("caf\u{e9}".to_string(), 1);
        assert_eq!(m.to_bytes(), b"file \"caf\\xc3\\xa9\" seq 1 type b\n");
    }

    #[test]
    fn single_quotes_and_escapes_follow_sdssplitargs() {
        let m = Manifest::parse(b"file 'it\\'s' seq 1 type b\n").expect("manifest");
        assert_eq!(m.base().map(|b| b.name.as_str()), Some("it's"));
        assert_eq!(parse_err("file \"a\"b seq 1 type b\n"), "Invalid AOF manifest file format");
        assert_eq!(parse_err("file \"ab seq 1 type b\n"), "Invalid AOF manifest file format");
    }

    #[test]
    fn bad_manifests_get_redis_messages() {
        assert_eq!(parse_err(""), "Found an empty AOF manifest");
        assert_eq!(parse_err("\n"), "Invalid AOF manifest file format");
        assert_eq!(parse_err("file a seq 1\n"), "Invalid AOF manifest file format");
        assert_eq!(parse_err("file a seq 1 type\n"), "Invalid AOF manifest file format");
        assert_eq!(parse_err("file a seq x type b\n"), "Invalid AOF manifest file format");
        assert_eq!(parse_err("name a seq 1 type b\n"), "Invalid AOF manifest file format");
        assert_eq!(parse_err("file a seq 1 type x\n"), "Unknown AOF file type");
        assert_eq!(parse_err("file dir/a seq 1 type b\n"), "File can't be a path, just a filename");
        assert_eq!(parse_err("file \"a\\\\b\" seq 1 type b\n"), "File can't be a path, just a filename");
        assert_eq!(parse_err("file a seq 1 type b\nfile b seq 2 type b\n"), "Found duplicate base file information");
        assert_eq!(parse_err("file a seq 2 type i\nfile b seq 2 type i\n"), "Found a non-monotonic sequence number");
        assert_eq!(parse_err("file a seq 1 type b"), "The AOF manifest file contains too long line");
        let long = format!("file {} seq 1 type b\n", "x".repeat(MANIFEST_MAX_LINE));
        assert_eq!(parse_err(&long), "The AOF manifest file contains too long line");
        let e = Manifest::parse(b"file a seq 1 type b\nbad\n").expect_err("bad");
        assert_eq!((e.line, e.offset), (2, 20));
    }

    #[test]
    fn rewrite_marks_all_but_the_open_incr_as_history() {
        let mut m = Manifest::new();
        m.add_base("x", true);
        for _ in 0..3 {
            m.add_incr("x");
        }
        let mut on = m.clone();
        on.mark_rewritten_incr_as_history(true);
        assert_eq!(on.incr().iter().map(|f| f.seq).collect::<Vec<_>>(), vec![3]);
        assert_eq!(on.history().iter().map(|f| f.seq).collect::<Vec<_>>(), vec![1, 2]);
        m.mark_rewritten_incr_as_history(false);
        assert!(m.incr().is_empty());
        assert_eq!(m.history().len(), 3);
    }

    #[test]
    fn write_manifest_replaces_atomically() {
        let dir = crate::persist::aof::test_dir("manifest-write");
        let mut m = Manifest::new();
        m.add_base("appendonly.aof", true);
        m.add_incr("appendonly.aof");
        write_manifest(&dir, "appendonly.aof", &m).expect("write");
        let read = fs::read(dir.join("appendonly.aof.manifest")).expect("read");
        assert_eq!(Manifest::parse(&read), Ok(m));
        assert!(!dir.join("temp-appendonly.aof.manifest").exists());
        fs::remove_dir_all(&dir).expect("cleanup");
    }
}
