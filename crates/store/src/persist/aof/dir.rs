//! [`AofDir`]: the AOF directory and the file dance around it — opening the AOF on start,
//! upgrading an old single-file AOF, and the steps of a rewrite — in the order Redis 7 does
//! them, so that a crash at any point leaves a manifest that loads everything.
//!
//! `AofDir` holds no state: the manifest on disk is the truth, read at the start of every
//! step and persisted (temp file, fsync, rename, fsync the directory) before the step
//! returns. The caller runs one step at a time (rewrites do not overlap).
//!
//! 1. [`AofDir::begin_rewrite`] (Redis's `openNewIncrAofForAppend`): create the next incr
//!    file and persist a manifest that adds it. The caller switches its [`AppendLog`] to it
//!    at the instant it takes the snapshot. A crash from here on loads old base + old incr
//!    files + new incr: nothing is lost.
//! 2. The caller writes the snapshot to [`AofDir::temp_base_path`] (an RDB with `aof-base`,
//!    or commands).
//! 3. [`AofDir::finish_rewrite`] (`backgroundRewriteDoneHandler`): rename the temp file to
//!    the next base name, mark the old base and every incr file but the newest as history,
//!    persist the manifest (new base + newest incr), then delete the history files and
//!    persist again without them.
//!
//! If the rewrite fails after step 1, the caller just deletes the temp file: the manifest
//! already lists the new incr file after the old ones, which is a valid AOF.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::load::{find_manifest, load, AofLoadSummary, AofSink};
use super::log::strerror;
use super::manifest::{fsync_dir, manifest_name, write_manifest, Manifest};
use super::AofError;

/// The AOF directory (`<dir>/<appenddirname>`) and the base name of its files
/// (`appendfilename`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AofDir {
    dir: PathBuf,
    appendfilename: String,
}

impl AofDir {
    pub fn new(dir: impl Into<PathBuf>, appendfilename: impl Into<String>) -> AofDir {
        AofDir { dir: dir.into(), appendfilename: appendfilename.into() }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    pub fn appendfilename(&self) -> &str {
        &self.appendfilename
    }

    /// The path of a file named in the manifest.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.dir.join(manifest_name(&self.appendfilename))
    }

    /// Where a rewrite writes the new base before [`AofDir::finish_rewrite`] renames it (in
    /// the AOF directory, so the rename stays on one filesystem).
    pub fn temp_base_path(&self) -> PathBuf {
        self.dir.join(format!("temp-rewriteaof-bg-{}.aof", std::process::id()))
    }

    /// Loads the AOF (see [`load`]).
    pub fn load(
        &self,
        now_ms: i64,
        truncated_ok: bool,
        sink: &mut dyn AofSink,
    ) -> Result<Option<AofLoadSummary>, AofError> {
        load(&self.dir, &self.appendfilename, now_ms, truncated_ok, sink)
    }

    /// The manifest as it stands: the one on disk; for an old single-file AOF in the
    /// directory, one naming it as base 1; otherwise an empty one.
    pub fn manifest(&self) -> Result<Manifest, AofError> {
        Ok(find_manifest(&self.dir, &self.appendfilename)?.map(|(m, _)| m).unwrap_or_default())
    }

    /// Persists `manifest` (temp file, fsync, rename, fsync the directory).
    pub fn write_manifest(&self, manifest: &Manifest) -> io::Result<()> {
        write_manifest(&self.dir, &self.appendfilename, manifest)
    }

    /// Creates the directory if it is missing (and makes its creation durable).
    pub fn create(&self) -> io::Result<()> {
        if self.dir.is_dir() {
            return Ok(());
        }
        fs::create_dir_all(&self.dir)?;
        match self.dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => fsync_dir(parent),
            _ => Ok(()),
        }
    }

    /// Sum of the sizes of the base and incr files (INFO `aof_current_size` after loading).
    pub fn total_size(&self, manifest: &Manifest) -> io::Result<u64> {
        manifest.files_to_load().map(|f| fs::metadata(self.file(&f.name)).map(|m| m.len())).sum()
    }

    /// Redis's `aofUpgradePrepare`: turns an old single-file AOF at `legacy` (Redis keeps it
    /// in `dir`, outside the AOF directory) into base 1 of this directory, under its own
    /// name. The manifest is written first, then the file moved in.
    pub fn upgrade_legacy(&self, legacy: &Path) -> io::Result<Manifest> {
        self.create()?;
        let mut manifest = Manifest::new();
        manifest.set_base(self.appendfilename.clone(), 1);
        self.write_manifest(&manifest)?;
        let target = self.file(&self.appendfilename);
        if legacy != target {
            fs::rename(legacy, &target)?;
            fsync_dir(&self.dir)?;
        }
        tracing::info!("Successfully migrated an old-style AOF into the AOF directory");
        Ok(manifest)
    }

    /// Redis's `aofOpenIfNeededOnServerStart`, without the base: makes sure the directory
    /// and an incr file exist (adding one to the manifest if it has none), persists the
    /// manifest, and returns the incr file to append to and the base file's size (0 when
    /// there is no base: the caller then writes one with a rewrite, as Redis does).
    pub fn open_on_start(&self) -> io::Result<(PathBuf, u64)> {
        self.create()?;
        let mut manifest = self.manifest().map_err(invalid_data)?;
        let name = match manifest.last_incr() {
            Some(incr) => incr.name.clone(),
            None => {
                let name = manifest.add_incr(&self.appendfilename);
                tracing::info!("Creating AOF incr file {name} on server start");
                name
            }
        };
        let path = self.file(&name);
        OpenOptions::new().append(true).create(true).open(&path)?;
        self.write_manifest(&manifest)?;
        let base_size = match manifest.base() {
            Some(base) => fs::metadata(self.file(&base.name))?.len(),
            None => 0,
        };
        Ok((path, base_size))
    }

    /// Step 1 of a rewrite: creates the next incr file and persists a manifest that adds it.
    /// Returns the new file's path, for [`AppendLog::switch_to`].
    pub fn begin_rewrite(&self) -> io::Result<PathBuf> {
        self.create()?;
        let mut manifest = self.manifest().map_err(invalid_data)?;
        let name = manifest.add_incr(&self.appendfilename);
        let path = self.file(&name);
        OpenOptions::new().append(true).create(true).open(&path)?;
        if let Err(e) = self.write_manifest(&manifest) {
            let _ = fs::remove_file(&path);
            return Err(e);
        }
        Ok(path)
    }

    /// Step 3 of a rewrite: installs `temp_base` (an RDB if it starts with `REDIS`, else
    /// commands: that decides `.base.rdb` or `.base.aof`) as the next base, turns the old
    /// base and every incr file but the newest (the one [`AofDir::begin_rewrite`] opened,
    /// still appended to) into history, persists that, then deletes the history. Returns
    /// the final manifest.
    pub fn finish_rewrite(&self, temp_base: &Path) -> io::Result<Manifest> {
        let current = self.manifest().map_err(invalid_data)?;
        let mut manifest = current.clone();
        let name = manifest.add_base(&self.appendfilename, starts_with_rdb(temp_base)?);
        self.install(temp_base, &name)?;
        manifest.mark_rewritten_incr_as_history(true);
        if let Err(e) = self.write_manifest(&manifest) {
            // The old manifest still stands; the new base would be an orphan.
            let _ = fs::remove_file(self.file(&name));
            return Err(e);
        }
        Ok(self.delete_history(&manifest))
    }

    /// Removes the history files: the manifest without them is persisted first, then the
    /// files deleted (a failure to delete one is logged; it is no longer referenced). If the
    /// manifest cannot be written, the history stays listed and `current` is returned.
    pub fn delete_history(&self, current: &Manifest) -> Manifest {
        let mut manifest = current.clone();
        let history = manifest.clear_history();
        if history.is_empty() {
            return manifest;
        }
        if let Err(e) = self.write_manifest(&manifest) {
            tracing::warn!(dir = %self.dir.display(), "can't persist the AOF manifest to drop history files: {}", strerror(&e));
            return current.clone();
        }
        for file in history {
            match fs::remove_file(self.file(&file.name)) {
                Ok(()) => tracing::info!("Removing the history file {}", file.name),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!("can't remove the AOF history file {}: {}", file.name, strerror(&e)),
            }
        }
        manifest
    }

    /// Makes `temp` durable and renames it to `name` in the directory.
    fn install(&self, temp: &Path, name: &str) -> io::Result<()> {
        File::open(temp)?.sync_all()?;
        fs::rename(temp, self.file(name))?;
        fsync_dir(&self.dir)
    }
}

fn invalid_data(e: AofError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

/// Whether the file starts with the RDB magic.
fn starts_with_rdb(path: &Path) -> io::Result<bool> {
    let mut magic = Vec::with_capacity(5);
    File::open(path)?.take(5).read_to_end(&mut magic)?;
    Ok(magic == b"REDIS")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::aof::{encode_command, test_dir, AppendLog, FileKind};
    use bytes::Bytes;
    use std::io::Write;

    fn names(m: &Manifest) -> Vec<(String, FileKind)> {
        m.all_files().map(|f| (f.name.clone(), f.kind)).collect()
    }

    fn argv(words: &[&str]) -> Vec<Bytes> {
        words.iter().map(|w| Bytes::copy_from_slice(w.as_bytes())).collect()
    }

    fn write_resp(path: &Path, words: &[&str]) {
        let mut out = Vec::new();
        encode_command(&mut out, &argv(words));
        File::create(path).and_then(|mut f| f.write_all(&out)).expect("write file");
    }

    fn on_disk(aof: &AofDir) -> Manifest {
        Manifest::parse(&fs::read(aof.manifest_path()).expect("read manifest")).expect("parse manifest")
    }

    /// Loads the directory, returning each command as one string.
    fn replay(aof: &AofDir) -> Vec<String> {
        struct Words(Vec<String>);
        impl AofSink for Words {
            fn key(&mut self, _: crate::persist::rdb::LoadedKey) -> Result<(), String> {
                Err("no keys here".into())
            }
            fn command(&mut self, argv: Vec<Bytes>) -> Result<(), String> {
                self.0.push(argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>().join(" "));
                Ok(())
            }
        }
        let mut words = Words(Vec::new());
        aof.load(0, false, &mut words).expect("load");
        words.0
    }

    #[test]
    fn open_on_start_creates_the_directory_an_incr_file_and_the_manifest() {
        let root = test_dir("dir-start");
        let aof = AofDir::new(root.join("appendonlydir"), "appendonly.aof");
        let (incr, base_size) = aof.open_on_start().expect("open");
        assert_eq!((incr.clone(), base_size), (aof.file("appendonly.aof.1.incr.aof"), 0));
        assert!(incr.is_file());
        assert_eq!(names(&on_disk(&aof)), vec![("appendonly.aof.1.incr.aof".to_string(), FileKind::Incr)]);
        // Again: the same file, no new one.
        assert_eq!(aof.open_on_start().expect("reopen").0, incr);
        assert_eq!(on_disk(&aof).incr().len(), 1);
        fs::remove_dir_all(&root).expect("cleanup");
    }

    #[test]
    fn rewrite_dance_keeps_a_loadable_manifest_at_every_step() {
        let root = test_dir("dir-rewrite");
        let aof = AofDir::new(&root, "appendonly.aof");
        let (incr1, _) = aof.open_on_start().expect("open");
        let log = AppendLog::open(&incr1).expect("log");
        log.append(0, &argv(&["SET", "a", "1"])).expect("append");
        log.flush(true).expect("flush");

        // First rewrite: no base yet.
        let incr2 = aof.begin_rewrite().expect("begin");
        assert_eq!(incr2, aof.file("appendonly.aof.2.incr.aof"));
        assert_eq!(on_disk(&aof).incr().len(), 2);
        log.switch_to(&incr2).expect("switch");
        log.append(0, &argv(&["SET", "b", "2"])).expect("append");
        log.flush(true).expect("flush");
        assert_eq!(replay(&aof), ["SELECT 0", "SET a 1", "SELECT 0", "SET b 2"]);

        write_resp(&aof.temp_base_path(), &["SET", "a", "1"]);
        let m = aof.finish_rewrite(&aof.temp_base_path()).expect("finish");
        assert_eq!(
            names(&m),
            [
                ("appendonly.aof.1.base.aof".to_string(), FileKind::Base),
                ("appendonly.aof.2.incr.aof".to_string(), FileKind::Incr)
            ]
        );
        assert_eq!(on_disk(&aof), m);
        assert!(!incr1.exists() && !aof.temp_base_path().exists());
        assert_eq!(replay(&aof), ["SET a 1", "SELECT 0", "SET b 2"]);

        // Second rewrite: the old base goes too, and the RDB magic picks the suffix.
        let incr3 = aof.begin_rewrite().expect("begin");
        log.switch_to(&incr3).expect("switch");
        fs::write(aof.temp_base_path(), b"REDIS0010...").expect("temp base");
        let m = aof.finish_rewrite(&aof.temp_base_path()).expect("finish");
        assert_eq!(
            names(&m),
            [
                ("appendonly.aof.2.base.rdb".to_string(), FileKind::Base),
                ("appendonly.aof.3.incr.aof".to_string(), FileKind::Incr)
            ]
        );
        let left: Vec<String> = fs::read_dir(&root)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n != "appendonly.aof.manifest")
            .collect();
        assert_eq!(left.len(), 2, "only the base and the incr remain: {left:?}");
        fs::remove_dir_all(&root).expect("cleanup");
    }

    #[test]
    fn a_legacy_file_is_upgraded_in_place_or_moved_in() {
        let root = test_dir("dir-upgrade");
        // In the directory without a manifest: loaded as the base, kept by open_on_start.
        let aof = AofDir::new(&root, "appendonly.aof");
        write_resp(&aof.file("appendonly.aof"), &["SET", "k", "v"]);
        assert_eq!(names(&aof.manifest().expect("manifest")), [("appendonly.aof".to_string(), FileKind::Base)]);
        let (incr, base_size) = aof.open_on_start().expect("open");
        assert!(base_size > 0);
        assert_eq!(incr, aof.file("appendonly.aof.1.incr.aof"));
        assert_eq!(on_disk(&aof).base().map(|b| b.name.as_str()), Some("appendonly.aof"));

        // Outside it, where Redis keeps one: moved in under its own name.
        let legacy = root.join("old.aof");
        write_resp(&legacy, &["SET", "k", "v"]);
        let aof = AofDir::new(root.join("appendonlydir"), "old.aof");
        let m = aof.upgrade_legacy(&legacy).expect("upgrade");
        assert_eq!(names(&m), [("old.aof".to_string(), FileKind::Base)]);
        assert!(!legacy.exists());
        assert_eq!(replay(&aof), ["SET k v"]);
        fs::remove_dir_all(&root).expect("cleanup");
    }
}
