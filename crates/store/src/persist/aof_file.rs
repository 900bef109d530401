//! The AOF at run time: turning it on and off, appending effects in execution order,
//! flushing before replies, BGREWRITEAOF and the automatic rewrite, and loading it at startup.
//!
//! **Rewrite without a fork.** A rewrite holds the write gate exclusively for an instant —
//! no write command is in flight — and in that instant takes the store's snapshot and
//! switches appending to a new incremental file listed in the manifest. Every effect before
//! that instant is in the snapshot, every one after it in the new file. It then writes the
//! snapshot as the new base (an RDB with `aof-base`, like Redis's preamble) on its own
//! thread while clients keep being served, and finally installs it: the manifest names the
//! new base and the new incremental file, and the old files are deleted.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use tracing::{info, warn};

use super::aof::{self, AofDir, AppendLog};
use super::rdb;
use crate::engine::Engine;

/// The open AOF: where it lives and the log being appended to.
pub struct OpenAof {
    pub dir: AofDir,
    pub log: Arc<AppendLog>,
    /// Stops the everysec fsync thread.
    fsync_stop: Arc<AtomicBool>,
    /// Total size of the base file, for the automatic rewrite.
    pub base_size: u64,
}

impl Drop for OpenAof {
    fn drop(&mut self) {
        self.fsync_stop.store(true, Ordering::Relaxed);
    }
}

/// The AOF directory the configuration names.
pub fn aof_dir(engine: &Engine) -> AofDir {
    let (dir, dirname, filename) =
        engine.config.read(|c| (c.dir.clone(), c.appenddirname.clone(), c.appendfilename.clone()));
    AofDir::new(Path::new(&dir).join(dirname), filename)
}

fn open_log(engine: &Engine, dir: AofDir, incr: &Path, base_size: u64) -> std::io::Result<OpenAof> {
    let log = Arc::new(AppendLog::open(incr)?);
    let fsync_stop = Arc::new(AtomicBool::new(false));
    if engine.config.read(|c| c.appendfsync == "everysec") {
        log.spawn_everysec(fsync_stop.clone())?;
    }
    Ok(OpenAof { dir, log, fsync_stop, base_size })
}

/// Loads the AOF at startup (appendonly yes). `Ok(false)` if there is none yet. Then opens
/// it for appending; with no AOF a rewrite creates the base from what is in memory.
pub fn load_and_open(engine: &Engine) -> Result<bool, String> {
    let dir = aof_dir(engine);
    let truncated_ok = engine.config.read(|c| c.aof_load_truncated);
    let started = Instant::now();
    let mut sink = EngineSink::new(engine);
    let summary = aof::load(dir.path(), dir.appendfilename(), crate::clock::now_ms(), truncated_ok, &mut sink)
        .map_err(|e| format!("Bad AOF: {e}"))?;
    let found = summary.is_some();
    if let Some(s) = &summary {
        info!("DB loaded from append only file: {:.3} seconds ({s:?})", started.elapsed().as_secs_f64());
    }
    // Loading counted as changes; none of them needs saving again.
    engine.persist.saved(engine.persist.dirty());
    let (incr, base_size) = dir.open_on_start().map_err(|e| format!("Can't open the append-only file: {e}"))?;
    let open = open_log(engine, dir, &incr, base_size).map_err(|e| format!("Can't open the append-only file: {e}"))?;
    engine.persist.install_aof(open);
    if !found || base_size == 0 {
        // Like Redis: a fresh AOF gets its base from a rewrite of what is in memory.
        let _ = bgrewrite(engine);
    }
    Ok(found)
}

/// Replays AOF contents into the engine: base keys inserted directly, commands run by a
/// client of their own (so MULTI/EXEC and SELECT work as they did).
struct EngineSink<'a> {
    engine: &'a Engine,
    client: crate::client::ClientState,
    databases: usize,
}

impl<'a> EngineSink<'a> {
    fn new(engine: &'a Engine) -> EngineSink<'a> {
        let addr: std::net::SocketAddr = ([127, 0, 0, 1], 0).into();
        let mut client =
            engine.clients.register(addr, addr, -1, usize::MAX).expect("the AOF loading client is never refused");
        client.replaying = true;
        EngineSink { engine, client, databases: engine.store().databases() }
    }
}

impl Drop for EngineSink<'_> {
    fn drop(&mut self) {
        self.engine.forget_client(&mut self.client);
        self.engine.clients.unregister(self.client.id);
    }
}

impl aof::AofSink for EngineSink<'_> {
    fn begin_file(&mut self, _: &Path) -> Result<(), String> {
        // Redis loads each file with a fresh client: database 0, no transaction.
        self.client.select(0);
        Ok(())
    }

    fn key(&mut self, key: rdb::LoadedKey) -> Result<(), String> {
        super::rdb_file::insert_loaded(self.engine, self.databases, key)
    }

    fn command(&mut self, argv: Vec<Bytes>) -> Result<(), String> {
        if crate::command::lookup(&argv[0]).is_none() {
            return Err(format!(
                "Unknown command '{}' reading the append only file",
                String::from_utf8_lossy(&argv[0])
            ));
        }
        // Replies are dropped, errors included, as Redis's loader does.
        let _ = self.engine.execute(&mut self.client, argv);
        self.client.events.clear();
        Ok(())
    }
}

/// CONFIG SET appendonly yes at run time: starts a rewrite that creates the AOF.
pub fn turn_on(engine: &Engine) -> Result<(), String> {
    if engine.persist.aof_on() {
        return Ok(());
    }
    bgrewrite(engine).map(|_| ())
}

/// CONFIG SET appendonly no: flushes and closes the AOF.
pub fn turn_off(engine: &Engine) {
    let _writers = engine.persist.exclusive();
    if let Some(open) = engine.persist.remove_aof() {
        if let Err(e) = open.log.flush(true) {
            warn!("Error flushing the AOF when turning it off: {e}");
        }
    }
}

/// BGREWRITEAOF (and turning the AOF on). `Ok` is the status reply's text.
pub fn bgrewrite(engine: &Engine) -> Result<&'static str, String> {
    let p = &engine.persist;
    if p.aof_rewrite_running() {
        return Err("ERR Background append only file rewriting already in progress".to_string());
    }
    if !p.claim_snapshot() {
        p.aof.scheduled.store(true, Ordering::Relaxed);
        return Ok("Background append only file rewriting scheduled");
    }
    p.aof.rewriting.store(true, Ordering::Release);
    p.aof.scheduled.store(false, Ordering::Relaxed);
    let job = engine.arc();
    let spawned = std::thread::Builder::new().name("aof-rewrite".into()).spawn(move || {
        let engine = job;
        let started = Instant::now();
        let result = rewrite(&engine);
        let p = &engine.persist;
        p.aof.last_duration_s.store(started.elapsed().as_secs() as i64, Ordering::Relaxed);
        p.aof.last_ok.store(result.is_ok(), Ordering::Relaxed);
        match result {
            Ok(()) => {
                p.aof.rewrites.fetch_add(1, Ordering::Relaxed);
                info!("Background AOF rewrite finished successfully");
            }
            Err(e) => warn!("Background AOF rewrite failed: {e}"),
        }
        p.aof.rewriting.store(false, Ordering::Release);
        p.release_snapshot();
    });
    match spawned {
        Ok(_) => Ok("Background append only file rewriting started"),
        Err(e) => {
            p.aof.rewriting.store(false, Ordering::Release);
            p.release_snapshot();
            Err(format!("ERR Can't rewrite append only file in background: {e}"))
        }
    }
}

/// The rewrite itself (see the module documentation).
fn rewrite(engine: &Engine) -> Result<(), String> {
    let p = &engine.persist;
    p.aof.started_ms.store(crate::clock::now_ms(), Ordering::Relaxed);
    let (snapshot, dir) = {
        let _writers = p.exclusive();
        let snapshot = engine.store().snapshot();
        let dir = aof_dir(engine);
        let incr = dir.begin_rewrite().map_err(|e| format!("can't open a new incremental AOF file: {e}"))?;
        match p.aof_log() {
            Some(log) => {
                log.switch_to(&incr).map_err(|e| format!("can't switch to {}: {e}", incr.display()))?;
            }
            // Turning the AOF on: effects are logged from this instant.
            None if engine.config.read(|c| c.appendonly) => {
                let open = open_log(engine, dir.clone(), &incr, 0).map_err(|e| e.to_string())?;
                p.install_aof(open);
            }
            // BGREWRITEAOF with the AOF off writes the files, as Redis does, and logs nothing.
            None => {}
        }
        (snapshot, dir)
    };
    info!("Background append only file rewriting started");
    let base = dir.temp_base_path();
    let rdb_preamble = engine.config.read(|c| c.aof_use_rdb_preamble);
    if !rdb_preamble {
        warn!("aof-use-rdb-preamble no: Tandem writes the AOF base as an RDB all the same");
    }
    let size = super::rdb_file::write_rdb(engine, snapshot, &base, true).map_err(|e| e.to_string())?;
    dir.finish_rewrite(&base).map_err(|e| format!("can't install the new base: {e}"))?;
    p.aof_rewritten(size);
    Ok(())
}

/// The automatic rewrite (`auto-aof-rewrite-percentage`, `auto-aof-rewrite-min-size`) and
/// a rewrite scheduled while a save ran.
pub fn cron(engine: &Engine) {
    let p = &engine.persist;
    if p.aof_rewrite_running() || p.snapshot_busy() {
        return;
    }
    if p.aof.scheduled.load(Ordering::Relaxed) {
        let _ = bgrewrite(engine);
        return;
    }
    if !p.aof_on() {
        return;
    }
    let (percentage, min_size) = engine.config.read(|c| (c.auto_aof_rewrite_percentage, c.auto_aof_rewrite_min_size));
    let Some((current, base)) = p.aof_sizes() else { return };
    if percentage == 0 || current < min_size {
        return;
    }
    let base = base.max(1);
    let growth = (current.saturating_sub(base)) * 100 / base;
    if growth >= percentage {
        info!("Starting automatic rewriting of AOF on {growth}% growth");
        let _ = bgrewrite(engine);
    }
}
