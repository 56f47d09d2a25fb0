//! The glue between the sans-IO protocol core and the operating system.
//!
//! The daemon owns the [`crate::sys::reactor::Reactor`] (every descriptor) and the core. Each
//! loop turn: read the monotonic clock once, turn readiness into core events, execute the
//! actions the core returns (adverts, addresses, GARP/NA frames, children, FIFO lines, log
//! lines), and arm the one timerfd at the earliest of the core's deadline and the children's
//! kill deadlines.
//!
//! - [`run`]: [`Daemon`]: start-up (interfaces, stale VIPs, sockets), the loop, signals,
//!   netlink notifications, children, reload, shutdown;
//! - [`exec`]: executing the core's actions (adverts, addresses, routes, GARP/NA, scripts,
//!   notifies, FIFO lines, log lines);
//! - [`dump`]: keepalived.data / .stats / .json on signals;
//! - [`iface`]: interfaces named by the configuration (netlink dump + notifications);
//! - [`events`]: SIGHUP reloads and rtnetlink notifications (an interface deleted closes
//!   its sockets; one that reappears under a new ifindex gets new ones, see [`sockets`]);
//! - [`children`]: running scripts and hooks with their kill deadlines;
//! - [`procs`]: reaping, timeouts, the FIFO scripts, the bounded wait for STOP notifies;
//! - [`track_file`]: inotify-watched `track_file` values;
//! - [`track_process`]: `vrrp_track_process` counts from periodic /proc scans.
//! - [`pace`]: pauses in long bursts while real-time (RLIMIT_RTTIME).

pub mod children;
pub mod dump;
pub mod events;
pub mod exec;
pub mod iface;
pub mod pace;
pub mod procs;
pub mod resync;
pub mod run;
pub mod smtp;
pub mod sockets;
pub mod track_file;
pub mod track_process;

pub use run::{Daemon, RunOpts, EXIT_CONFIG, EXIT_FATAL, EXIT_OK};

use crate::config::Config;
use crate::sys::pidfile;

/// Whether another live instance holds one of our pid files (keepalived then logs "daemon is
/// already running" and exits 0).
pub fn already_running(opts: &RunOpts) -> bool {
    [&opts.pid_file, &opts.vrrp_pid_file]
        .into_iter()
        .flatten()
        .any(|p| pidfile::running(p).is_some())
}

/// Write the pid files, run the daemon until it stops, remove the pid files. Returns the
/// process exit code.
/// The configuration is taken by value and freed once the core holds its own copy (it is
/// large: every pool at full capacity).
pub fn run(cfg: Box<Config>, opts: RunOpts) -> i32 {
    for p in [&opts.pid_file, &opts.vrrp_pid_file].into_iter().flatten() {
        if let Err(e) = pidfile::write(p) {
            log::error!("Unable to write pid file {}: {}", p.display(), e);
        }
    }
    let pids = [opts.pid_file.clone(), opts.vrrp_pid_file.clone()];
    let started = Daemon::start(&cfg, opts);
    drop(cfg);
    let code = match started {
        Ok(mut d) => {
            let trimmed = crate::sys::trim_stack();
            log::debug!("start-up stack released: {} KiB", trimmed / 1024);
            crate::sys::mem::release_free_heap();
            d.startup_complete();
            d.run()
        }
        Err(e)
            if e.get_ref()
                .is_some_and(|x| x.is::<run::NonExistentInterface>()) =>
        {
            log::error!("{e}");
            EXIT_CONFIG
        }
        Err(e)
            if e.get_ref()
                .is_some_and(|x| x.is::<run::MissingPermission>()) =>
        {
            log::error!("{e}");
            run::EXIT_MISSING_PERMISSION
        }
        Err(e) => {
            log::error!("Unable to start the VRRP daemon: {}", e);
            EXIT_FATAL
        }
    };
    for p in pids.iter().flatten() {
        pidfile::remove(p);
    }
    log::info!("Stopped keepalived-rs v{}", env!("CARGO_PKG_VERSION"));
    crate::logging::close();
    code
}
