//! The `tandem` binary as a user runs it: help and version, configuration errors, and a
//! clean start and stop in both modes.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

mod common;

use common::TANDEM;

fn tandem(args: &[&str]) -> Output {
    Command::new(TANDEM).args(args).env_remove("TANDEM_PORT").output().expect("run tandem")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A config file in the temp directory, removed when dropped.
struct TempConf(PathBuf);

impl TempConf {
    fn new(name: &str, text: &str) -> TempConf {
        let path = std::env::temp_dir().join(format!("tandem-cli-{name}-{}.conf", std::process::id()));
        std::fs::write(&path, text).expect("write config");
        TempConf(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }
}

impl Drop for TempConf {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn help_describes_the_flags() {
    let o = tandem(&["--help"]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    for flag in ["--mode", "--store", "--port", "--bind", "--maxclients", "CONFIG-FILE", "TANDEM_PORT"] {
        assert!(out.contains(flag), "{flag} missing from:\n{out}");
    }
    assert!(tandem(&["-h"]).status.success());
}

#[test]
fn version_prints_the_version() {
    let o = tandem(&["--version"]);
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), format!("tandem {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn bad_config_file_exits_1_naming_the_line() {
    let conf = TempConf::new("bad", "port 7000\nfoo bar\n");
    let o = tandem(&[conf.path()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("FATAL CONFIG FILE ERROR"), "{err}");
    assert!(err.contains(&format!("Reading the configuration file {}, at line 2", conf.path())), "{err}");
    assert!(err.contains(">>> 'foo bar'"), "{err}");
    assert!(err.contains("Bad directive or wrong number of arguments"), "{err}");
}

#[test]
fn bad_value_in_config_file_exits_1_with_the_reason() {
    let conf = TempConf::new("badvalue", "\nmaxclients 0\n");
    let o = tandem(&[conf.path()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("at line 2\n>>> 'maxclients 0'\nargument must be between 1 and 4294967295 inclusive"),
        "{err}"
    );
}

#[test]
fn missing_config_file_exits_1() {
    let o = tandem(&["/no/such/tandem.conf"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("can't open config file '/no/such/tandem.conf'"), "{}", stderr(&o));
}

#[test]
fn bad_flag_value_exits_1() {
    let o = tandem(&["--maxclients", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim(),
        "tandem: invalid --maxclients '0': argument must be between 1 and 4294967295 inclusive"
    );
}

#[test]
fn unknown_mode_is_refused() {
    let o = tandem(&["--mode", "forked"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("possible values: eventloop, threaded"), "{}", stderr(&o));
}

/// Starts `tandem` on any free port (given through `TANDEM_PORT`), answers a PING,
/// then stops on SIGTERM with status 0.
fn serves_and_stops_on_sigterm(mode: &str) {
    // Its own data directory: with the default save points, SIGTERM writes dump.rdb there.
    let dir = std::env::temp_dir().join(format!("tandem-cli-sigterm-{mode}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the data directory");
    let common::Started { mut child, addr, banner, log: _log } = common::start(&[
        "--mode".as_ref(),
        mode.as_ref(),
        "--loglevel".as_ref(),
        "notice".as_ref(),
        "--dir".as_ref(),
        dir.as_os_str(),
    ]);
    assert!(banner.contains(&format!("mode={mode}")), "{banner}");
    assert!(banner.contains(&format!("pid={}", child.id())), "{banner}");

    let mut conn = TcpStream::connect(&addr).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    conn.write_all(b"PING\r\n").expect("write");
    let mut reply = [0u8; 7];
    conn.read_exact(&mut reply).expect("read");
    assert_eq!(&reply, b"+PONG\r\n");
    drop(conn);

    // SAFETY: sending a signal to the child we spawned.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) }, 0);
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn eventloop_serves_and_stops_on_sigterm() {
    serves_and_stops_on_sigterm("eventloop");
}

#[test]
fn threaded_serves_and_stops_on_sigterm() {
    serves_and_stops_on_sigterm("threaded");
}

/// The scheduling policy of every thread of process `pid` named `client-*`.
fn client_thread_policies(pid: u32) -> Vec<i32> {
    let mut policies = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).expect("list the threads").flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !comm.starts_with("client-") {
            continue;
        }
        let tid: libc::pid_t = task.file_name().to_string_lossy().parse().expect("thread id");
        // SAFETY: only reads the policy of a thread id; -1 (thread gone) is kept and fails the test.
        policies.push(unsafe { libc::sched_getscheduler(tid) });
    }
    policies
}

/// `client-thread-policy`: the threaded mode's client threads run under SCHED_BATCH by
/// default and under SCHED_OTHER when asked.
#[test]
fn threaded_client_threads_run_under_the_configured_policy() {
    for (args, want) in [(&[][..], libc::SCHED_BATCH), (&["--client-thread-policy", "other"][..], libc::SCHED_OTHER)] {
        let mut argv: Vec<&std::ffi::OsStr> =
            vec!["--mode".as_ref(), "threaded".as_ref(), "--save".as_ref(), "".as_ref()];
        argv.extend(args.iter().map(|a: &&str| std::ffi::OsStr::new(*a)));
        let common::Started { mut child, addr, log: _log, .. } = common::start(&argv);
        let mut conns: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(&addr).expect("connect")).collect();
        for conn in &mut conns {
            conn.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
            conn.write_all(b"PING\r\n").expect("write");
            let mut reply = [0u8; 7];
            conn.read_exact(&mut reply).expect("read");
            assert_eq!(&reply, b"+PONG\r\n");
        }
        // Each client's thread has answered, so it has set its policy already.
        let policies = client_thread_policies(child.id());
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(policies, [want, want], "{args:?}");
    }
}
