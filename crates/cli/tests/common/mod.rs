//! What the binary's tests share: starting `tandem` on a free port and waiting until it
//! says where it listens.
#![allow(dead_code)] // each test binary uses its own part of this module

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

pub const TANDEM: &str = env!("CARGO_BIN_EXE_tandem");

/// A started `tandem`, the address from its "Ready to accept connections" line, the log
/// up to that line, and the rest of its log.
pub struct Started {
    pub child: Child,
    pub addr: String,
    pub banner: String,
    pub log: BufReader<ChildStdout>,
}

/// Starts `tandem` with `args` on any free port (`TANDEM_PORT=0`) and waits until it listens.
pub fn start(args: &[&std::ffi::OsStr]) -> Started {
    let mut child = Command::new(TANDEM)
        .args(args)
        .env("TANDEM_PORT", "0")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn tandem");
    let mut log = BufReader::new(child.stdout.take().expect("stdout"));
    let mut banner = String::new();
    let addr = loop {
        let mut line = String::new();
        if log.read_line(&mut line).expect("read the log") == 0 {
            let _ = child.kill();
            panic!("tandem exited before listening; log:\n{banner}");
        }
        banner.push_str(&line);
        if let Some(addr) = line.trim().split("Ready to accept connections on ").nth(1) {
            break addr.to_string();
        }
    };
    Started { child, addr, banner, log }
}
