//! Child processes the xtask starts — servers under test, redis-benchmark, cargo — and how
//! they are stopped. `ChildGuard` owns one and stops it when dropped, so every path out of
//! the xtask (success, error, panic, Ctrl-C) stops what it started, by pid. On Linux a
//! child also gets SIGKILL if the xtask itself dies without unwinding.

use std::fs::File;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use resp::Frame;

use crate::connection::Connection;
use crate::interrupt;

/// How long a server gets to answer PING after it is started.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a child gets to exit after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// How often waiting loops look at the child and the Ctrl-C flag.
const POLL: Duration = Duration::from_millis(20);

/// Start attempts per server: a free port found by binding port 0 can be taken by someone
/// else before the server binds it.
const START_ATTEMPTS: usize = 3;

/// A child process that is stopped (SIGTERM, then SIGKILL) when the guard is dropped.
pub struct ChildGuard {
    child: Child,
    what: String,
}

impl ChildGuard {
    /// Starts `command`. `own_group` puts the child in its own process group, so Ctrl-C in
    /// the terminal reaches only the xtask, which then stops the child itself.
    pub fn spawn(command: &mut Command, what: &str, own_group: bool) -> Result<ChildGuard, String> {
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            if own_group {
                command.process_group(0);
            }
            #[cfg(target_os = "linux")]
            // SAFETY: prctl is async-signal-safe and touches only the calling (child) process.
            unsafe {
                command.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
        }
        #[cfg(not(unix))]
        let _ = own_group;
        let child = command.spawn().map_err(|e| format!("cannot start {what}: {e}"))?;
        Ok(ChildGuard { child, what: what.to_string() })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the child has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits for the child to exit, at most until `deadline`; Ctrl-C stops the wait.
    /// On `Err` the child is still running (the guard will stop it).
    pub fn wait(&mut self, deadline: Option<Instant>) -> Result<ExitStatus, String> {
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Ok(status),
                Ok(None) => {}
                Err(e) => return Err(format!("cannot wait for {}: {e}", self.what)),
            }
            interrupt::check()?;
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(format!("{} did not finish in time", self.what));
            }
            std::thread::sleep(POLL);
        }
    }

    /// Stops the child: SIGTERM, then SIGKILL after `STOP_GRACE`.
    pub fn stop(&mut self) {
        if self.exited().is_some() {
            return;
        }
        #[cfg(unix)]
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill only sends a signal to the pid of our own (not yet reaped) child.
            unsafe { libc::kill(pid, libc::SIGTERM) };
            let deadline = Instant::now() + STOP_GRACE;
            while Instant::now() < deadline {
                if self.exited().is_some() {
                    return;
                }
                std::thread::sleep(POLL);
            }
            eprintln!("xtask: {} did not exit {STOP_GRACE:?} after SIGTERM; killing it", self.what);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A server the benchmark compares.
#[derive(Clone, Debug)]
pub enum ServerKind {
    Tandem { mode: &'static str, store: &'static str },
    Redis,
}

/// A server to start, with its name in tables.
#[derive(Clone, Debug)]
pub struct Target {
    pub kind: ServerKind,
    pub label: String,
}

impl Target {
    pub fn tandem(mode: &'static str, store: &'static str) -> Target {
        Target { kind: ServerKind::Tandem { mode, store }, label: format!("tandem {mode}/{store}") }
    }

    pub fn is_redis(&self) -> bool {
        matches!(self.kind, ServerKind::Redis)
    }

    /// A file-name-safe form of the label.
    pub fn slug(&self) -> String {
        self.label.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '-' }).collect()
    }
}

/// Where the binaries are and where servers write.
pub struct ServerPaths {
    pub tandem: PathBuf,
    pub redis_server: Option<PathBuf>,
    /// Server logs go here, one file per server.
    pub logs: PathBuf,
    /// The servers' working directory (`dir`), so nothing lands in the source tree.
    pub data: PathBuf,
}

/// A running server: stopped when dropped.
pub struct ServerProcess {
    guard: ChildGuard,
    pub addr: SocketAddr,
    pub label: String,
    log: PathBuf,
}

impl ServerProcess {
    /// Starts `target` on a free loopback port and waits until it answers PING.
    pub fn start(target: &Target, paths: &ServerPaths) -> Result<ServerProcess, String> {
        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            let port = free_port()?;
            let log = paths.logs.join(format!("{}.log", target.slug()));
            let mut server = spawn_server(target, paths, port, &log)?;
            match server.wait_ready() {
                Ok(()) => return Ok(server),
                Err(e) if server.guard.exited().is_some() => last_error = e,
                Err(e) => return Err(e),
            }
        }
        Err(last_error)
    }

    pub fn pid(&self) -> u32 {
        self.guard.pid()
    }

    /// `Err` with the exit status and the end of the log if the server has exited.
    pub fn check_alive(&mut self) -> Result<(), String> {
        match self.guard.exited() {
            None => Ok(()),
            Some(status) => Err(format!(
                "{} exited ({status}); the end of its log ({}):\n{}",
                self.label,
                self.log.display(),
                log_tail(&self.log)
            )),
        }
    }

    /// Stops the server now (dropping it does the same).
    pub fn stop(mut self) {
        self.guard.stop();
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let mut last;
        loop {
            self.check_alive()?;
            interrupt::check()?;
            match Connection::connect(self.addr, Duration::from_secs(1)).and_then(|mut c| c.command(&[b"PING"])) {
                Ok(Frame::Simple(s)) if s.as_ref() == b"PONG" => return Ok(()),
                Ok(other) => last = format!("PING was answered with {other:?}"),
                Err(e) => last = e,
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "{} did not answer PING on {} within {READY_TIMEOUT:?} ({last}); see {}",
                    self.label,
                    self.addr,
                    self.log.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn spawn_server(target: &Target, paths: &ServerPaths, port: u16, log: &Path) -> Result<ServerProcess, String> {
    let port_arg = port.to_string();
    let data = paths.data.to_string_lossy().into_owned();
    let mut command = match &target.kind {
        ServerKind::Tandem { mode, store } => {
            // No persistence, as for Redis below: a save point must not fire a BGSAVE in the
            // middle of a measurement.
            let conf = paths.data.join("tandem-bench.conf");
            std::fs::write(&conf, "save \"\"\nappendonly no\n")
                .map_err(|e| format!("cannot write {}: {e}", conf.display()))?;
            let mut c = Command::new(&paths.tandem);
            c.arg(&conf);
            c.args(["--mode", mode, "--store", store, "--port", &port_arg, "--bind", "127.0.0.1", "--dir", &data]);
            c
        }
        ServerKind::Redis => {
            let Some(redis) = &paths.redis_server else {
                return Err("redis-server is not installed".to_string());
            };
            let mut c = Command::new(redis);
            // No persistence: a benchmark must not write dump.rdb on shutdown.
            c.args(["--port", &port_arg, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
            c.args(["--daemonize", "no", "--dir", &data]);
            c
        }
    };
    let out = File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| format!("cannot reopen {}: {e}", log.display()))?;
    command.stdin(Stdio::null()).stdout(out).stderr(err);
    let guard = ChildGuard::spawn(&mut command, &target.label, true)?;
    Ok(ServerProcess {
        guard,
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        label: target.label.clone(),
        log: log.to_path_buf(),
    })
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> Result<u16, String> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free loopback port: {e}"))
}

/// The last lines of a log file, for error messages.
pub fn log_tail(path: &Path) -> String {
    let mut text = String::new();
    if File::open(path).and_then(|mut f| f.read_to_string(&mut text)).is_err() {
        return "(no log)".to_string();
    }
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// The resident set size of process `pid` in bytes: `/proc/<pid>/status` VmRSS on Linux,
/// `ps -o rss=` elsewhere. `None` when neither works.
pub fn rss_bytes(pid: u32) -> Option<u64> {
    if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kb: u64 = line.trim_start_matches("VmRSS:").trim().trim_end_matches("kB").trim().parse().ok()?;
        return Some(kb * 1024);
    }
    let output = Command::new("ps").args(["-o", "rss=", "-p", &pid.to_string()]).output().ok()?;
    let kb: u64 = String::from_utf8_lossy(&output.stdout).trim().parse().ok()?;
    Some(kb * 1024)
}

/// The path of executable `name` on `PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// Runs `command` to completion within `timeout` and returns its stdout; `Err` with its
/// stderr when it fails. For short outputs only (`--version`).
pub fn capture(command: &mut Command, what: &str, timeout: Duration) -> Result<String, String> {
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut guard = ChildGuard::spawn(command, what, true)?;
    let status = guard.wait(Some(Instant::now() + timeout))?;
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut s) = guard.child.stdout.take() {
        let _ = s.read_to_string(&mut out);
    }
    if let Some(mut s) = guard.child.stderr.take() {
        let _ = s.read_to_string(&mut err);
    }
    if status.success() {
        Ok(out)
    } else {
        Err(format!("{what} failed ({status}): {}", err.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_rss_is_readable() {
        let rss = rss_bytes(std::process::id()).expect("rss");
        assert!(rss > 100_000, "{rss}");
    }

    #[test]
    fn a_dropped_guard_stops_its_child() {
        let guard = ChildGuard::spawn(Command::new("sleep").arg("30"), "sleep", true).unwrap();
        let started = Instant::now();
        drop(guard);
        assert!(started.elapsed() < STOP_GRACE, "SIGTERM did not stop it");
    }

    #[test]
    fn a_wait_past_its_deadline_fails() {
        let mut guard = ChildGuard::spawn(Command::new("sleep").arg("30"), "sleep", true).unwrap();
        let e = guard.wait(Some(Instant::now() + Duration::from_millis(50))).unwrap_err();
        assert_eq!(e, "sleep did not finish in time");
    }
}
