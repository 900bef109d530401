//! Loading, end to end: the files real Redis 7.0.15 wrote (recorded, then replayed into an
//! engine and compared with what Redis answered), files written here (RDB base and
//! preamble), and every way a file can be cut short or damaged.

use std::fs;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use resp::Frame;

use super::*;
use crate::keyspace::Scope;
use crate::persist::rdb::{LoadedKey, RdbWriter, WriteOptions};
use crate::testing::TestClient;
use crate::value::{Entry, Value};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/redis-7.0.15");

/// Records everything it is given.
#[derive(Default)]
struct Recorder {
    keys: Vec<LoadedKey>,
    commands: Vec<Vec<Bytes>>,
    files: Vec<PathBuf>,
}

impl AofSink for Recorder {
    fn key(&mut self, key: LoadedKey) -> Result<(), String> {
        self.keys.push(key);
        Ok(())
    }
    fn command(&mut self, argv: Vec<Bytes>) -> Result<(), String> {
        self.commands.push(argv);
        Ok(())
    }
    fn begin_file(&mut self, path: &Path) -> Result<(), String> {
        self.files.push(path.to_path_buf());
        Ok(())
    }
}

impl Recorder {
    fn words(&self) -> Vec<String> {
        self.commands.iter().map(|c| words(c)).collect()
    }
}

fn words(argv: &[Bytes]) -> String {
    argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>().join(" ")
}

fn cmd(out: &mut Vec<u8>, words: &[&str]) -> u64 {
    let argv: Vec<Bytes> = words.iter().map(|w| Bytes::copy_from_slice(w.as_bytes())).collect();
    encode_command(out, &argv);
    out.len() as u64
}

/// A copy of Redis's AOF directory (loading may truncate files; fixtures stay untouched).
fn copy_fixture(name: &str) -> PathBuf {
    let dir = test_dir(name);
    for entry in fs::read_dir(Path::new(FIXTURE).join("appendonlydir")).expect("fixture dir") {
        let entry = entry.expect("fixture entry");
        fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy fixture");
    }
    dir
}

/// An AOF directory whose manifest lists `files` (name, type letter) with these contents.
fn aof_dir(name: &str, files: &[(&str, char, &[u8])]) -> PathBuf {
    let dir = test_dir(name);
    let mut manifest = String::new();
    for (i, (file, kind, data)) in files.iter().enumerate() {
        manifest.push_str(&format!("file {file} seq {} type {kind}\n", i + 1));
        fs::write(dir.join(file), data).expect("write file");
    }
    fs::write(dir.join("appendonly.aof.manifest"), manifest).expect("write manifest");
    dir
}

fn load_dir(dir: &Path, truncated_ok: bool) -> (Result<Option<AofLoadSummary>, AofError>, Recorder) {
    let mut rec = Recorder::default();
    let result = load(dir, "appendonly.aof", 0, truncated_ok, &mut rec);
    (result, rec)
}

fn loaded(dir: &Path, truncated_ok: bool) -> (AofLoadSummary, Recorder) {
    let (result, rec) = load_dir(dir, truncated_ok);
    (result.expect("loads").expect("an AOF is there"), rec)
}

fn error(dir: &Path, truncated_ok: bool) -> AofError {
    load_dir(dir, truncated_ok).0.expect_err("refused")
}

#[test]
fn loads_the_multi_part_aof_redis_7_wrote() {
    let dir = copy_fixture("fixture-record");
    let (summary, rec) = loaded(&dir, false);
    assert_eq!(summary.status, LoadStatus::Loaded);
    assert!(!summary.legacy);
    assert_eq!(summary.manifest.base().map(|b| b.name.as_str()), Some("appendonly.aof.1.base.rdb"));
    assert_eq!(summary.files, [dir.join("appendonly.aof.1.base.rdb"), dir.join("appendonly.aof.1.incr.aof")]);
    assert_eq!(rec.files, summary.files);
    // The base is the empty dataset Redis snapshotted when the AOF was turned on.
    assert_eq!((summary.keys_from_base, rec.keys.len()), (0, 0));
    assert_eq!(summary.commands, 26);
    let all = rec.words();
    assert_eq!(all.len(), 26);
    assert_eq!(all[..2], ["SELECT 0", "SET str:short hello"]);
    assert_eq!(all[all.len() - 3..], ["SELECT 3", "SET db3:key in-db-3", "RPUSH db3:list x"]);
    let count = |name: &str| rec.commands.iter().filter(|c| c[0].eq_ignore_ascii_case(name.as_bytes())).count();
    assert_eq!((count("SET"), count("RPUSH"), count("XADD"), count("XCLAIM")), (8, 3, 2, 1));
    // Binary data comes through byte for byte.
    let binary = rec.commands.iter().find(|c| &c[1][..] == b"str:binary").expect("str:binary");
    assert_eq!(binary[2].to_vec(), (0..=255u8).collect::<Vec<u8>>());
    assert_eq!(summary.truncated_at, None);
    assert_eq!(summary.bytes, 89 + 67281);
    fs::remove_dir_all(&dir).expect("cleanup");
}

/// Replays into an engine: RDB keys straight into the store, commands through a client, as
/// the engine's own loader does. Every command must succeed.
struct EngineReplay<'a> {
    client: &'a mut TestClient,
}

impl AofSink for EngineReplay<'_> {
    fn key(&mut self, k: LoadedKey) -> Result<(), String> {
        let keys = [(k.db, &k.key[..])];
        let mut entry = Some(k.entry);
        self.client.engine.store().view(Scope::Keys { keys: &keys, write: true }, &mut |kv| {
            if let Some(e) = entry.take() {
                kv.insert(k.db, k.key.clone(), e);
            }
        });
        Ok(())
    }

    fn command(&mut self, argv: Vec<Bytes>) -> Result<(), String> {
        let args: Vec<&[u8]> = argv.iter().map(|a| &a[..]).collect();
        match self.client.run_bytes(&args) {
            Frame::Error(e) => Err(format!("{} answered {}", words(&argv), String::from_utf8_lossy(&e))),
            _ => Ok(()),
        }
    }

    fn begin_file(&mut self, _: &Path) -> Result<(), String> {
        // Redis loads every file with a fresh client, in database 0.
        self.client.run(&["SELECT", "0"]);
        Ok(())
    }
}

#[test]
fn replaying_redis_aof_gives_the_data_redis_had() {
    let dir = copy_fixture("fixture-replay");
    let expected = fs::read_to_string(Path::new(FIXTURE).join("dump.expected.json")).expect("expected json");
    let mut expected: serde_json::Value = serde_json::from_str(&expected).expect("json");
    // After replaying XGROUP CREATE and XCLAIM, Redis itself no longer knows a group's
    // entries-read (the fixture README says so): expect "unknown".
    for keys in expected.as_object_mut().into_iter().flat_map(|dbs| dbs.values_mut()) {
        for spec in keys.as_object_mut().into_iter().flat_map(|k| k.values_mut()) {
            for group in spec.get_mut("groups").and_then(|g| g.as_array_mut()).into_iter().flatten() {
                if let Some(fields) = group.as_array_mut() {
                    if let Some(i) = fields.iter().position(|f| f == "entries-read") {
                        fields[i + 1] = serde_json::Value::Null;
                    }
                }
            }
        }
    }
    for store in crate::testing::STORES {
        let mut client = TestClient::new(store);
        let mut sink = EngineReplay { client: &mut client };
        let summary = load(&dir, "appendonly.aof", crate::clock::now_ms(), false, &mut sink).expect("replays");
        assert!(summary.is_some());
        crate::testing::fixture::assert_matches_expected(&client.engine, &expected.to_string());
    }
    fs::remove_dir_all(&dir).expect("cleanup");
}

/// An RDB holding `keys` (all in `db`), as the RDB writer writes it.
fn rdb_bytes(db: usize, keys: &[(&str, &str)], aof_base: bool) -> Vec<u8> {
    let opts = WriteOptions { aof_base, ..WriteOptions::default() };
    let mut w = RdbWriter::new(Vec::new(), opts).expect("rdb header");
    w.select_db(db, keys.len() as u64, 0).expect("select");
    for (k, v) in keys {
        w.write_key(k.as_bytes(), &Entry::new(Value::string(Bytes::copy_from_slice(v.as_bytes())))).expect("key");
    }
    w.finish().expect("finish")
}

#[test]
fn an_rdb_base_then_incr_files_load_in_order() {
    let base = rdb_bytes(2, &[("a", "1"), ("b", "2")], true);
    let (mut incr1, mut incr2) = (Vec::new(), Vec::new());
    cmd(&mut incr1, &["SELECT", "2"]);
    cmd(&mut incr1, &["SET", "c", "3"]);
    cmd(&mut incr2, &["SELECT", "2"]);
    cmd(&mut incr2, &["DEL", "a"]);
    let dir = aof_dir(
        "rdb-base",
        &[
            ("appendonly.aof.1.base.rdb", 'b', &base),
            ("appendonly.aof.1.incr.aof", 'i', &incr1),
            ("appendonly.aof.2.incr.aof", 'i', &incr2),
        ],
    );
    let (summary, rec) = loaded(&dir, false);
    assert_eq!(summary.keys_from_base, 2);
    let keys: Vec<(usize, &[u8])> = rec.keys.iter().map(|k| (k.db, &k.key[..])).collect();
    assert_eq!(keys, [(2, &b"a"[..]), (2, &b"b"[..])]);
    assert_eq!(rec.words(), ["SELECT 2", "SET c 3", "SELECT 2", "DEL a"]);
    assert_eq!(rec.files.len(), 3);
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn an_old_single_file_aof_with_an_rdb_preamble_loads_without_a_manifest() {
    let dir = test_dir("legacy");
    let mut file = rdb_bytes(0, &[("k", "v")], false);
    let preamble = file.len() as u64;
    cmd(&mut file, &["SELECT", "0"]);
    cmd(&mut file, &["SET", "after", "preamble"]);
    fs::write(dir.join("appendonly.aof"), &file).expect("write");
    let (summary, rec) = loaded(&dir, false);
    assert!(summary.legacy);
    assert_eq!(summary.manifest.base().map(|b| b.name.as_str()), Some("appendonly.aof"));
    assert_eq!((summary.keys_from_base, summary.commands), (1, 2));
    assert_eq!(rec.words(), ["SELECT 0", "SET after preamble"]);

    // A bad byte right after the preamble is reported at its offset: the RDB reader stopped
    // exactly after the checksum.
    file[preamble as usize] = b'!';
    fs::write(dir.join("appendonly.aof"), &file).expect("write");
    let e = error(&dir, true);
    assert_eq!((e.kind, e.offset), (AofErrorKind::Format, preamble));

    // load_file reads the same file wherever it is.
    file[preamble as usize] = b'*';
    let elsewhere = dir.join("old.aof");
    fs::write(&elsewhere, &file).expect("write");
    let mut rec = Recorder::default();
    let summary = load_file(&elsewhere, 0, false, &mut rec).expect("loads");
    assert_eq!((summary.keys_from_base, summary.commands), (1, 2));
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_damaged_rdb_base_is_an_error_naming_the_file() {
    let mut base = rdb_bytes(0, &[("k", "v")], true);
    let len = base.len();
    base[len - 3] ^= 0xff; // inside the checksum
    let dir = aof_dir("rdb-bad", &[("appendonly.aof.1.base.rdb", 'b', &base)]);
    let e = error(&dir, true);
    assert_eq!(e.kind, AofErrorKind::Rdb);
    assert!(e.message.starts_with("Error reading the RDB base file appendonly.aof.1.base.rdb, AOF loading aborted"));
    assert!(e.to_string().contains("appendonly.aof.1.base.rdb:"), "{e}");
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn no_manifest_and_no_old_file_is_no_aof() {
    let dir = test_dir("none");
    assert_eq!(load_dir(&dir, false).0, Ok(None));
    assert_eq!(load_dir(&dir.join("missing"), false).0, Ok(None));
    // A manifest that names no file to load: no AOF either (Redis's AOF_NOT_EXIST).
    fs::write(dir.join("appendonly.aof.manifest"), "# nothing\n").expect("write");
    assert_eq!(load_dir(&dir, false).0, Ok(None));
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn empty_files_are_an_empty_aof() {
    let dir = aof_dir("empty", &[("appendonly.aof.1.base.aof", 'b', b""), ("appendonly.aof.1.incr.aof", 'i', b"")]);
    let (summary, rec) = loaded(&dir, false);
    assert_eq!((summary.status, summary.commands, rec.commands.len()), (LoadStatus::Empty, 0, 0));
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_listed_file_that_is_missing_is_fatal() {
    let dir = aof_dir("missing", &[("appendonly.aof.1.incr.aof", 'i', b"")]);
    fs::write(
        dir.join("appendonly.aof.manifest"),
        "file appendonly.aof.1.incr.aof seq 1 type i\nfile gone seq 2 type i\n",
    )
    .expect("manifest");
    let e = error(&dir, true);
    assert_eq!(e.kind, AofErrorKind::Io);
    assert!(e.message.starts_with("Unable to obtain the AOF file gone length. stat: No such file"), "{e}");
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_bad_manifest_is_refused_with_redis_message_and_line_offset() {
    let dir = test_dir("bad-manifest");
    fs::write(dir.join("appendonly.aof.manifest"), "file a seq 1 type b\nfile b seq 1 type x\n").expect("write");
    let e = error(&dir, true);
    assert_eq!((e.kind, e.offset, e.message.as_str()), (AofErrorKind::Manifest, 20, "Unknown AOF file type"));
    fs::remove_dir_all(&dir).expect("cleanup");
}

/// A small incr file and where each of its items ends:
/// SELECT | SET a | MULTI | SET b | INCR a | EXEC | #TS annotation | SET c.
fn small_incr() -> (Vec<u8>, [u64; 8]) {
    let mut f = Vec::new();
    let e1 = cmd(&mut f, &["SELECT", "0"]);
    let e2 = cmd(&mut f, &["SET", "a", "1"]);
    let e3 = cmd(&mut f, &["multi"]);
    let e4 = cmd(&mut f, &["SET", "b", "2"]);
    let e5 = cmd(&mut f, &["INCR", "a"]);
    let e6 = cmd(&mut f, &["EXEC"]);
    f.extend_from_slice(b"#TS:1700000000\r\n");
    let e7 = f.len() as u64;
    let e8 = cmd(&mut f, &["SET", "c", "3"]);
    (f, [e1, e2, e3, e4, e5, e6, e7, e8])
}

#[test]
fn every_prefix_of_an_incr_file_loads_or_is_refused_as_redis_would() {
    let (file, [e1, e2, e3, _, _, e6, e7, e8]) = small_incr();
    for len in 0..=file.len() as u64 {
        // What Redis keeps: whole commands, a transaction only with its EXEC, and an
        // annotation only if the file ends right after it (a cut goes before it).
        let clean = [0, e1, e2, e6, e7, e8].contains(&len);
        let (cut, reverted) = match len {
            l if l < e1 => (0, false),
            l if l < e2 => (e1, false),
            l if l < e3 => (e2, false),
            l if l < e6 => (e2, true),
            l if l < e8 => (if l == e7 { e7 } else { e6 }, false),
            _ => (e8, false),
        };
        let delivered = match cut {
            c if c >= e8 => 7,
            c if c >= e6 => 6,
            c if c >= e2 => 2,
            c if c >= e1 => 1,
            _ => 0,
        };
        let at = |what: &str| format!("prefix of {len} bytes: {what}");

        // aof-load-truncated yes: always loads; the file is cut where Redis cuts it.
        let dir = aof_dir("prefix", &[("appendonly.aof.1.incr.aof", 'i', &file[..len as usize])]);
        let incr = dir.join("appendonly.aof.1.incr.aof");
        let (summary, rec) = loaded(&dir, true);
        assert_eq!(rec.commands.len(), delivered, "{}", at("commands delivered"));
        assert_eq!(summary.commands, delivered as u64);
        let expected_cut = if clean { None } else { Some((incr.clone(), cut)) };
        assert_eq!(summary.truncated_at, expected_cut, "{}", at("truncation"));
        assert_eq!(summary.reverted_multi, reverted, "{}", at("MULTI reverted"));
        assert_eq!(fs::metadata(&incr).expect("stat").len(), if clean { len } else { cut }, "{}", at("file length"));
        if !clean {
            // Loading the repaired file again is clean and gives the same commands.
            let (again, rec2) = loaded(&dir, false);
            assert_eq!((again.truncated_at, rec2.words()), (None, rec.words()), "{}", at("reload"));
        }
        fs::remove_dir_all(&dir).expect("cleanup");

        // aof-load-truncated no: refused unless the prefix ends cleanly; nothing changes.
        let dir = aof_dir("prefix-strict", &[("appendonly.aof.1.incr.aof", 'i', &file[..len as usize])]);
        let (result, rec) = load_dir(&dir, false);
        match result {
            Ok(_) => assert!(clean, "{}", at("should be refused")),
            Err(e) => {
                assert!(!clean, "{}", at(&format!("refused: {e}")));
                assert_eq!((e.kind, e.offset), (AofErrorKind::Truncated, cut), "{}", at("error"));
                assert!(e
                    .message
                    .starts_with("Unexpected end of file reading the append only file appendonly.aof.1.incr.aof"));
                // What came before the cut was delivered; the rest (a held MULTI too) was not.
                assert_eq!(rec.commands.len(), delivered, "{}", at("delivered before the error"));
            }
        }
        assert_eq!(fs::metadata(dir.join("appendonly.aof.1.incr.aof")).expect("stat").len(), len);
        fs::remove_dir_all(&dir).expect("cleanup");
    }
}

#[test]
fn an_unfinished_multi_at_the_end_is_reverted() {
    let mut f = Vec::new();
    let before = cmd(&mut f, &["SET", "a", "1"]);
    cmd(&mut f, &["MULTI"]);
    cmd(&mut f, &["SET", "b", "2"]);
    let dir = aof_dir("multi", &[("appendonly.aof.1.incr.aof", 'i', &f)]);
    let e = error(&dir, false);
    assert_eq!((e.kind, e.offset), (AofErrorKind::Truncated, before));
    let (summary, rec) = loaded(&dir, true);
    assert_eq!(rec.words(), ["SET a 1"]);
    assert!(summary.reverted_multi);
    assert_eq!(summary.truncated_at, Some((dir.join("appendonly.aof.1.incr.aof"), before)));
    assert_eq!(fs::read(dir.join("appendonly.aof.1.incr.aof")).expect("read"), f[..before as usize]);
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_bad_byte_anywhere_names_the_file_and_its_offset() {
    let (file, [e1, e2, _, _, _, _, _, _]) = small_incr();
    // (offset, replacement) in the SET after the SELECT: its '*', a bulk's '$', a length
    // digit, the CR after a bulk, the LF after the array length.
    let cases: Vec<(u64, u8)> = vec![(e1, b'x'), (e1 + 4, b'!'), (e1 + 5, b'a'), (e1 + 11, b'x'), (e1 + 3, b'\r')];
    for (offset, byte) in cases {
        let mut bad = file.clone();
        bad[offset as usize] = byte;
        let mut last = Vec::new();
        cmd(&mut last, &["SET", "z", "9"]);
        // In the first of two incr files, and with aof-load-truncated on: still fatal.
        let dir =
            aof_dir("corrupt", &[("appendonly.aof.1.incr.aof", 'i', &bad), ("appendonly.aof.2.incr.aof", 'i', &last)]);
        let e = error(&dir, true);
        assert_eq!(e.kind, AofErrorKind::Format, "byte {byte} at {offset}: {e}");
        assert_eq!(e.file, dir.join("appendonly.aof.1.incr.aof"));
        assert_eq!(e.offset, offset, "byte {byte:?} at {offset}");
        assert!(
            e.to_string()
                .contains(&format!("appendonly.aof.1.incr.aof:{offset}: Bad file format reading the append only file")),
            "{e}"
        );
        assert_eq!(fs::read(dir.join("appendonly.aof.1.incr.aof")).expect("read"), bad, "nothing truncated");
        fs::remove_dir_all(&dir).expect("cleanup");
    }
    // Garbage after the last command of the last file is a bad byte, not a short read.
    let mut tail = file[..e2 as usize].to_vec();
    tail.extend_from_slice(b"garbage");
    let dir = aof_dir("garbage", &[("appendonly.aof.1.incr.aof", 'i', &tail)]);
    assert_eq!((error(&dir, true).kind, error(&dir, true).offset), (AofErrorKind::Format, e2));
    fs::remove_dir_all(&dir).expect("cleanup");
    // `*0` has no command name.
    let dir = aof_dir("zero", &[("appendonly.aof.1.incr.aof", 'i', b"*0\r\n")]);
    assert_eq!((error(&dir, true).kind, error(&dir, true).offset), (AofErrorKind::Format, 0));
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_short_file_that_is_not_the_last_is_fatal_and_left_alone() {
    let (file, [e1, ..]) = small_incr();
    let short = &file[..e1 as usize + 3];
    let mut last = Vec::new();
    cmd(&mut last, &["SET", "z", "9"]);
    let dir = aof_dir(
        "short-middle",
        &[("appendonly.aof.1.base.aof", 'b', short), ("appendonly.aof.1.incr.aof", 'i', &last)],
    );
    let e = error(&dir, true);
    assert_eq!((e.kind, e.offset), (AofErrorKind::Truncated, e1));
    assert_eq!(e.message, "Fatal error: the truncated file is not the last file");
    assert_eq!(e.file, dir.join("appendonly.aof.1.base.aof"));
    assert_eq!(fs::metadata(dir.join("appendonly.aof.1.base.aof")).expect("stat").len(), short.len() as u64);
    // An empty last file still counts as the last one (as in Redis).
    let dir2 = aof_dir(
        "short-then-empty",
        &[("appendonly.aof.1.incr.aof", 'i', short), ("appendonly.aof.2.incr.aof", 'i', b"")],
    );
    assert_eq!(error(&dir2, true).message, "Fatal error: the truncated file is not the last file");
    fs::remove_dir_all(&dir).expect("cleanup");
    fs::remove_dir_all(&dir2).expect("cleanup");
}

#[test]
fn a_huge_bulk_length_is_a_short_read_not_an_allocation() {
    let dir = aof_dir("huge", &[("appendonly.aof.1.incr.aof", 'i', b"*1\r\n$999999999999999\r\nab")]);
    let (summary, _) = loaded(&dir, true);
    assert_eq!(summary.truncated_at.map(|t| t.1), Some(0));
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_command_the_sink_refuses_is_an_error_at_its_offset() {
    struct Picky;
    impl AofSink for Picky {
        fn key(&mut self, _: LoadedKey) -> Result<(), String> {
            Ok(())
        }
        fn command(&mut self, argv: Vec<Bytes>) -> Result<(), String> {
            match &argv[0][..] {
                b"NOPE" => Err("Unknown command 'NOPE' reading the append only file".into()),
                _ => Ok(()),
            }
        }
    }
    let mut f = Vec::new();
    let at = cmd(&mut f, &["SET", "a", "1"]);
    cmd(&mut f, &["NOPE"]);
    let dir = aof_dir("sink", &[("appendonly.aof.1.incr.aof", 'i', &f)]);
    let e = load(&dir, "appendonly.aof", 0, true, &mut Picky).expect_err("refused");
    assert_eq!((e.kind, e.offset), (AofErrorKind::Sink, at));
    assert!(e.message.starts_with("Unknown command 'NOPE'"));
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn what_the_append_log_writes_loads_back() {
    let root = test_dir("roundtrip");
    let aof = AofDir::new(&root, "appendonly.aof");
    let (incr, _) = aof.open_on_start().expect("open");
    let log = AppendLog::open(&incr).expect("log");
    let binary = Bytes::from((0..=255u8).collect::<Vec<u8>>());
    log.append(5, &[Bytes::from_static(b"SET"), Bytes::from_static(b"bin"), binary.clone()]).expect("append");
    log.append(5, &[Bytes::from_static(b"SET"), Bytes::from_static(b"empty"), Bytes::new()]).expect("append");
    log.flush(true).expect("flush");
    let mut rec = Recorder::default();
    let summary = aof.load(0, false, &mut rec).expect("load").expect("found");
    assert_eq!(summary.commands, 3);
    assert_eq!(rec.commands[0], [Bytes::from_static(b"SELECT"), Bytes::from_static(b"5")]);
    assert_eq!(rec.commands[1][2], binary);
    assert_eq!(rec.commands[2][2], Bytes::new());
    fs::remove_dir_all(&root).expect("cleanup");
}

/// Interop with real Redis, run by hand (needs no Redis itself):
/// `TANDEM_AOF_INTEROP_DIR=/tmp/x cargo test -p store aof::tests::write_interop_dir -- --ignored`
/// writes `/tmp/x/appendonlydir` (appendfilename `appendonly.aof`) and `/tmp/x/spaced`
/// (appendfilename `my app.aof`, a quoted name in the manifest) through the writer's whole
/// path: open on start, appends in several databases with a transaction, a rewrite with an
/// RDB base. Then check them with `redis-check-aof <dir>/<manifest>` and
/// `redis-server --dir /tmp/x --appenddirname appendonlydir --appendonly yes`.
#[test]
#[ignore]
fn write_interop_dir() {
    let Ok(root) = std::env::var("TANDEM_AOF_INTEROP_DIR") else { return };
    let root = PathBuf::from(root);
    for (dirname, appendfilename) in [("appendonlydir", "appendonly.aof"), ("spaced", "my app.aof")] {
        let aof = AofDir::new(root.join(dirname), appendfilename);
        let (incr, _) = aof.open_on_start().expect("open");
        let log = AppendLog::open(&incr).expect("log");
        let b = |s: &str| Bytes::copy_from_slice(s.as_bytes());
        log.append(0, &[b("SET"), b("before"), b("rewrite")]).expect("append");
        log.append(2, &[b("RPUSH"), b("list"), b("x"), b("y")]).expect("append");
        // Folded into the base by the rewrite below: the base must hold it.
        let base_keys = [("before", "rewrite"), ("n", "41")];
        let incr2 = aof.begin_rewrite().expect("begin rewrite");
        log.switch_to(&incr2).expect("switch");
        log.append(0, &[b("MULTI")]).expect("append");
        log.append(0, &[b("INCR"), b("n")]).expect("append");
        log.append(0, &[b("SET"), b("bin"), Bytes::from((0..=255u8).collect::<Vec<u8>>())]).expect("append");
        log.append(0, &[b("EXEC")]).expect("append");
        log.append(5, &[b("SET"), b("db5"), b("five"), b("PXAT"), b("4102444800000")]).expect("append");
        log.flush(true).expect("flush");
        let mut w =
            RdbWriter::new(Vec::new(), WriteOptions { aof_base: true, ..WriteOptions::default() }).expect("rdb");
        w.select_db(0, base_keys.len() as u64, 0).expect("select");
        for (k, v) in base_keys {
            w.write_key(k.as_bytes(), &Entry::new(Value::string(b(v)))).expect("key");
        }
        w.select_db(2, 1, 1).expect("select");
        w.write_key(b"expiring", &Entry::with_expiry(Value::string(b("soon")), 4102444800000)).expect("key");
        fs::write(aof.temp_base_path(), w.finish().expect("finish")).expect("temp base");
        let manifest = aof.finish_rewrite(&aof.temp_base_path()).expect("finish rewrite");
        eprintln!("{}: {}", aof.path().display(), String::from_utf8_lossy(&manifest.to_bytes()));
    }
}

/// By hand: loads `TANDEM_AOF_LOAD_DIR` (appendfilename `TANDEM_AOF_LOAD_NAME`, default
/// `appendonly.aof`), e.g. a directory real Redis wrote, and prints what it found.
#[test]
#[ignore]
fn load_dir_by_hand() {
    let Ok(dir) = std::env::var("TANDEM_AOF_LOAD_DIR") else { return };
    let name = std::env::var("TANDEM_AOF_LOAD_NAME").unwrap_or_else(|_| "appendonly.aof".into());
    let mut rec = Recorder::default();
    let result = load(Path::new(&dir), &name, crate::clock::now_ms(), false, &mut rec);
    eprintln!("{result:?}");
    for key in &rec.keys {
        eprintln!("key db{} {}", key.db, String::from_utf8_lossy(&key.key));
    }
    for words in rec.words() {
        eprintln!("command {}", words.chars().take(80).collect::<String>());
    }
}
