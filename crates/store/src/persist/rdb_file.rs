//! RDB files on disk: SAVE and BGSAVE, the `save <seconds> <changes>` points, and loading
//! `dir/dbfilename` at startup.
//!
//! A save takes a point-in-time snapshot of the store ([`crate::keyspace::Store::snapshot`]:
//! no fork — forking a multi-threaded process is hazardous, and each store can give a
//! consistent view cheaply), writes it to a temporary file in `dir`, fsyncs it and renames
//! it over `dbfilename`, so a crash mid-save leaves the previous file intact. BGSAVE runs
//! the same on a thread of its own while clients keep being served.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

use tracing::{info, warn};

use super::rdb::{self, RdbWriter, WriteOptions};
use crate::engine::Engine;
use crate::keyspace::{Scope, Snapshot};

/// `dir/dbfilename`.
pub fn rdb_path(engine: &Engine) -> PathBuf {
    engine.config.read(|c| Path::new(&c.dir).join(&c.dbfilename))
}

/// Writes `snapshot` as an RDB file at `path` (through a temporary file in the same
/// directory, fsynced and renamed). Returns the bytes written.
pub fn write_rdb(
    engine: &Engine,
    mut snapshot: Box<dyn Snapshot + Send + '_>,
    path: &Path,
    aof_base: bool,
) -> io::Result<u64> {
    let (compress, checksum) = engine.config.read(|c| (c.rdbcompression, c.rdbchecksum));
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!("temp-{}-{}.rdb", std::process::id(), super::unique()));
    let result = (|| {
        let file = File::create(&tmp)?;
        let mut writer =
            RdbWriter::new(BufWriter::with_capacity(1 << 20, file), WriteOptions { compress, checksum, aof_base })?;
        let sizes = snapshot.sizes().to_vec();
        let now = crate::clock::now_ms();
        engine.persist.rdb.keys_total.store(sizes.iter().map(|s| s.0).sum(), Ordering::Relaxed);
        engine.persist.rdb.keys_processed.store(0, Ordering::Relaxed);
        for (db, (keys, expires)) in sizes.iter().enumerate() {
            if *keys == 0 {
                continue;
            }
            writer.select_db(db, *keys, *expires)?;
            snapshot.visit_db(db, &mut |key, entry| {
                engine.persist.rdb.keys_processed.fetch_add(1, Ordering::Relaxed);
                // Already expired: leave it out, as a reload would drop it anyway.
                if entry.is_expired(now) {
                    return Ok(());
                }
                writer.write_key(key, entry)
            })?;
        }
        drop(snapshot);
        let mut out = writer.finish()?;
        out.flush()?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        let size = file.metadata()?.len();
        drop(file);
        std::fs::rename(&tmp, path)?;
        super::sync_dir(dir);
        Ok(size)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// SAVE: writes the RDB now, on the caller's thread (after a rewrite in flight, which holds
/// the store's one snapshot). The error is the log's reason.
pub fn save(engine: &Engine) -> Result<(), String> {
    let p = &engine.persist;
    loop {
        if p.claim_snapshot() {
            break;
        }
        if p.rdb.in_progress.load(Ordering::Acquire) {
            return Err("ERR Background save already in progress".to_string());
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let result = save_claimed(engine);
    p.release_snapshot();
    result
}

/// SAVE for a caller that already claimed the snapshot (shutdown).
pub fn save_claimed(engine: &Engine) -> Result<(), String> {
    let state = &engine.persist.rdb;
    state.in_progress.store(true, Ordering::Release);
    let result = save_now(engine);
    state.in_progress.store(false, Ordering::Release);
    result
}

/// Writes the RDB and records the outcome (shared by SAVE, BGSAVE and shutdown).
fn save_now(engine: &Engine) -> Result<(), String> {
    let state = &engine.persist.rdb;
    let path = rdb_path(engine);
    let dirty_before = engine.persist.dirty();
    let started = Instant::now();
    state.started_ms.store(crate::clock::now_ms(), Ordering::Relaxed);
    let result = write_rdb(engine, engine.store().snapshot(), &path, false);
    state.last_duration_s.store(started.elapsed().as_secs() as i64, Ordering::Relaxed);
    state.last_try_ms.store(crate::clock::now_ms(), Ordering::Relaxed);
    match result {
        Ok(bytes) => {
            engine.persist.saved(dirty_before);
            state.last_ok.store(true, Ordering::Relaxed);
            state.saves.fetch_add(1, Ordering::Relaxed);
            info!("DB saved on disk: {} ({bytes} bytes, {:.3} s)", path.display(), started.elapsed().as_secs_f64());
            Ok(())
        }
        Err(e) => {
            state.last_ok.store(false, Ordering::Relaxed);
            warn!("Failed saving the DB to {}: {e}", path.display());
            Err(format!("Failed saving the DB: {e}"))
        }
    }
}

/// BGSAVE: starts a background save. `Ok` is the status reply's text.
pub fn bgsave(engine: &Engine, schedule: bool) -> Result<&'static str, String> {
    let state = &engine.persist.rdb;
    if !engine.persist.claim_snapshot() {
        if state.in_progress.load(Ordering::Acquire) {
            return Err("ERR Background save already in progress".to_string());
        }
        if schedule {
            state.scheduled.store(true, Ordering::Relaxed);
            return Ok("Background saving scheduled");
        }
        return Err("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in \
                    order to schedule a BGSAVE whenever possible."
            .to_string());
    }
    state.in_progress.store(true, Ordering::Release);
    state.scheduled.store(false, Ordering::Relaxed);
    let job = engine.arc();
    let spawned = std::thread::Builder::new().name("bgsave".into()).spawn(move || {
        let engine = job;
        info!("Background saving started");
        let ok = save_now(&engine).is_ok();
        engine.persist.rdb.in_progress.store(false, Ordering::Release);
        engine.persist.release_snapshot();
        if ok {
            info!("Background saving terminated with success");
        }
    });
    match spawned {
        Ok(_) => Ok("Background saving started"),
        Err(e) => {
            state.in_progress.store(false, Ordering::Release);
            engine.persist.release_snapshot();
            Err(format!("ERR Can't BGSAVE: {e}"))
        }
    }
}

/// The save points and scheduled BGSAVE, checked by the servers' cron: a background save
/// starts when, for some `save <seconds> <changes>`, at least `changes` changes happened and
/// `seconds` passed since the last save — and, after a failed one, 5 s passed since that try.
pub fn cron(engine: &Engine) {
    let state = &engine.persist.rdb;
    if engine.persist.snapshot_busy() {
        return;
    }
    let now = crate::clock::now_ms();
    if state.scheduled.load(Ordering::Relaxed) {
        let _ = bgsave(engine, true);
        return;
    }
    let dirty = engine.persist.dirty() as i64;
    if dirty == 0 {
        return;
    }
    let since_save = (now - state.last_save_ms.load(Ordering::Relaxed)) / 1000;
    let retry_ok = state.last_ok.load(Ordering::Relaxed) || now - state.last_try_ms.load(Ordering::Relaxed) > 5000;
    let points = engine.config.read(|c| c.save_points());
    if let Some((secs, changes)) = points.iter().find(|(secs, changes)| dirty >= *changes && since_save >= *secs) {
        if retry_ok {
            info!("{changes} changes in {secs} seconds. Saving...");
            let _ = bgsave(engine, false);
        }
    }
}

/// Loads `path` into the (empty) keyspace at startup. `Ok(None)` if there is no such file.
pub fn load(engine: &Engine, path: &Path) -> Result<Option<rdb::LoadSummary>, String> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("Can't open the RDB file {}: {e}", path.display())),
    };
    let started = Instant::now();
    let mut input = io::BufReader::with_capacity(1 << 20, file);
    let databases = engine.store().databases();
    let summary = rdb::load(&mut input, crate::clock::now_ms(), &mut |k| insert_loaded(engine, databases, k))
        .map_err(|e| format!("Bad RDB file {}: {e}", path.display()))?;
    info!(
        "DB loaded from disk: {} keys from {} in {:.3} seconds ({} expired keys skipped)",
        summary.keys_loaded,
        path.display(),
        started.elapsed().as_secs_f64(),
        summary.expired_skipped
    );
    Ok(Some(summary))
}

/// Puts one key read from a file into the keyspace (RDB load, AOF base).
pub fn insert_loaded(engine: &Engine, databases: usize, k: rdb::LoadedKey) -> Result<(), String> {
    if k.db >= databases {
        return Err(format!("the file has database {} but the server has only {databases} (see `databases`)", k.db));
    }
    let keys = [(k.db, &k.key[..])];
    let mut entry = Some(k.entry);
    let key = k.key.clone();
    // Loading runs before any client is served, so the view runs once (a lock-free store
    // re-runs a view only when another writer raced it).
    engine.store().view(Scope::Keys { keys: &keys, write: true }, &mut |kv| {
        if let Some(e) = entry.take() {
            kv.insert(k.db, key.clone(), e);
        }
    });
    debug_assert!(entry.is_none());
    Ok(())
}
