//! Running the server `--mode` names until it shuts down: SHUTDOWN, or SIGINT/SIGTERM,
//! which a signal thread turns into `ServerHandle::shutdown`.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use store::{Engine, Mode};
use tracing::{info, warn};

/// Binds the configured addresses, reports where it listens, and serves until shut down.
pub fn run(engine: Arc<Engine>) -> io::Result<()> {
    let mode = engine.config.read(|c| c.mode);
    let server_engine = engine.clone();
    match mode {
        Mode::EventLoop => {
            let server = server_eventloop::Server::bind(engine)?;
            let handle = server.handle();
            ready(server.local_addr());
            on_signal(server_engine, move || handle.shutdown())?;
            server.run()
        }
        Mode::Threaded => {
            let server = server_threaded::Server::bind(engine)?;
            let handle = server.handle();
            ready(server.local_addr());
            on_signal(server_engine, move || handle.shutdown())?;
            server.run()
        }
    }
}

fn ready(addr: SocketAddr) {
    info!("Ready to accept connections on {addr}");
}

/// On the first SIGINT or SIGTERM, does what SHUTDOWN does (final save as configured, AOF
/// fsync) and calls `shutdown`; if that fails the server keeps running, as Redis does. A
/// second signal exits at once, as Redis does when a shutdown takes too long for the operator.
fn on_signal(engine: Arc<Engine>, shutdown: impl Fn() + Send + 'static) -> io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        let mut asked = false;
        for signal in signals.forever() {
            let name = if signal == SIGINT { "SIGINT" } else { "SIGTERM" };
            if asked {
                warn!("Received {name} during shutdown: exiting now.");
                std::process::exit(1);
            }
            info!("Received {name} scheduling shutdown...");
            asked = true;
            match engine.prepare_shutdown(store::persist::ShutdownOptions::default()) {
                Ok(()) => shutdown(),
                Err(e) => {
                    warn!("Errors trying to shut down the server ({e}). Check the logs for more information.");
                    asked = false;
                }
            }
        }
    })?;
    Ok(())
}
