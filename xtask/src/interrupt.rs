//! Ctrl-C (SIGINT) and SIGTERM become a flag that every waiting loop polls, so the xtask
//! unwinds normally and the guards that own child processes stop them. A second signal
//! exits at once; the children still die with us (see `server::spawn_child`).

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use signal_hook::consts::{SIGINT, SIGTERM};

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Installs the handlers. Call once, before starting anything.
pub fn install() -> io::Result<()> {
    let flag = FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)));
    for signal in [SIGINT, SIGTERM] {
        // Registered first, so a second signal (flag already set) exits with status 130.
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(flag))?;
        signal_hook::flag::register(signal, Arc::clone(flag))?;
    }
    Ok(())
}

/// True once the user asked to stop.
pub fn requested() -> bool {
    FLAG.get().is_some_and(|f| f.load(Ordering::Relaxed))
}

/// `Err` once the user asked to stop; for `?` in loops.
pub fn check() -> Result<(), String> {
    if requested() {
        Err("interrupted".to_string())
    } else {
        Ok(())
    }
}
