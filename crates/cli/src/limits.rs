//! Raising the open files limit before serving, as Redis's `adjustOpenFilesLimit`: every
//! client is a descriptor, and the server needs a few more of its own.

use tracing::{info, warn};

/// Descriptors kept for the server itself beyond one per client (Redis's
/// `CONFIG_MIN_RESERVED_FDS`: listeners, log file, RDB files, ...).
pub const RESERVED_FDS: u64 = 32;

/// Raises `RLIMIT_NOFILE` to `maxclients + RESERVED_FDS` if it is lower, and returns the
/// `maxclients` the limit allows: lowered (with a warning) when the hard limit cannot be
/// raised that far. `Err` when not even one client fits.
// `rlim_t` is u64 on 64-bit Linux but not on every target, hence the conversions.
#[allow(clippy::useless_conversion)]
pub fn raise_open_files(maxclients: u64) -> Result<u64, String> {
    let wanted = maxclients + RESERVED_FDS;
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct we pass and reads nothing else.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        let e = std::io::Error::last_os_error();
        let fallback = 1024 - RESERVED_FDS;
        warn!(
            "Unable to obtain the current NOFILE limit ({e}), assuming 1024 and setting the max clients \
             configuration accordingly."
        );
        return Ok(maxclients.min(fallback));
    }
    let current = u64::from(limit.rlim_cur);
    if current >= wanted {
        return Ok(maxclients);
    }
    // Raising the hard limit too needs privileges; try that first, then as far as it goes.
    let hard = u64::from(limit.rlim_max);
    let attempts = [(wanted, hard.max(wanted)), (wanted.min(hard), hard)];
    let mut last_error = None;
    for (cur, max) in attempts {
        let new = libc::rlimit { rlim_cur: cur as libc::rlim_t, rlim_max: max as libc::rlim_t };
        // SAFETY: setrlimit only reads the struct we pass.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) } == 0 {
            if cur >= wanted {
                info!("Increased maximum number of open files to {wanted} (it was originally set to {current}).");
                return Ok(maxclients);
            }
            return lowered(maxclients, wanted, current, cur, last_error);
        }
        last_error = Some(std::io::Error::last_os_error());
    }
    lowered(maxclients, wanted, current, current, last_error)
}

fn lowered(
    maxclients: u64,
    wanted: u64,
    original: u64,
    got: u64,
    error: Option<std::io::Error>,
) -> Result<u64, String> {
    if got <= RESERVED_FDS {
        return Err(format!(
            "Your current 'ulimit -n' of {original} is not enough for the server to start. Please increase your \
             open file limit to at least {wanted}. Exiting."
        ));
    }
    let allowed = got - RESERVED_FDS;
    warn!("You requested maxclients of {maxclients} requiring at least {wanted} max file descriptors.");
    if let Some(e) = error {
        warn!("Server can't set maximum open files to {wanted} because of OS error: {e}.");
    }
    warn!(
        "Current maximum open files is {got}. maxclients has been reduced to {allowed} to compensate for low \
         ulimit. If you need higher maxclients increase 'ulimit -n'."
    );
    Ok(allowed)
}
