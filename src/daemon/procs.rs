//! The daemon's children: reaping, timeouts, the FIFO scripts, and the wait for the STOP
//! notifies at shutdown.
//!
//! keepalived (`lib/notify.c`, `vrrp_daemon.c` vrrp_terminate_phase1) at stop: every
//! tracked script gets SIGTERM, the STOP notifies start, and the process stays up until they
//! have finished, at most 1 s (then `notify_stop`'s group gets SIGKILL). Exiting at once
//! instead would kill the STOP notifies half-way: they carry `PR_SET_PDEATHSIG` (SIGTERM).
//! The wait is bounded, and only children are waited for: with no STOP notify the daemon
//! exits at once.

use heapless::Vec;

use super::children::{Kill, Kind};
use super::run::{Daemon, EXIT_OK};
use crate::core::{Event, ScriptResult};
use crate::limits::MAX_CHILDREN;
use crate::sys::process::{self, Exit};
use crate::sys::reactor::{Ready, Slot};
use crate::sys::timerfd::now;
use crate::time::{Duration, Instant};

/// How long shutdown waits for the STOP notifies (keepalived: TIMER_HZ).
pub const STOP_WAIT: Duration = Duration::from_secs(1);

impl Daemon {
    /// SIGCHLD: collect every exited child; check scripts report their result to the core.
    pub(super) fn reap(&mut self) {
        for _ in 0..MAX_CHILDREN * 2 {
            let (pid, exit) = match process::reap() {
                Ok(Some(x)) => x,
                _ => break,
            };
            let Some(c) = self.children.remove(pid) else {
                continue;
            };
            match c.kind {
                Kind::Script(script) => {
                    let result = if c.term_sent {
                        ScriptResult::TimedOut
                    } else {
                        match exit {
                            Exit::Code(code) => ScriptResult::Exited(code),
                            Exit::Signal(s) => ScriptResult::Signalled(s),
                        }
                    };
                    let t = now();
                    self.core
                        .handle(t, Event::Script { script, result }, &mut self.acts);
                    self.apply();
                }
                // keepalived's vrrp_notify_fifo_script_exit (not when we stopped it).
                Kind::FifoScript if !c.term_sent => {
                    log::info!("vrrp notify fifo script terminated")
                }
                _ => {}
            }
        }
    }

    /// Children past their deadline: SIGTERM to the group, SIGKILL after the grace.
    pub(super) fn kill_overdue(&mut self, t: Instant) {
        let mut kills: Vec<Kill, MAX_CHILDREN> = Vec::new();
        self.children.due(t, &mut kills);
        for k in kills {
            let (pid, sig) = match k {
                Kill::Term(p) => (p, libc::SIGTERM),
                Kill::Kill(p) => (p, libc::SIGKILL),
            };
            let _ = process::kill_group(pid, sig);
        }
    }

    /// SIGTERM to every child of `kind` (marked, so its exit is not reported).
    fn term_all(&mut self, kind: Kind) {
        for c in self.children.list.iter_mut().filter(|c| c.kind == kind) {
            let _ = process::kill_group(c.pid, libc::SIGTERM);
            c.term_sent = true;
            c.kill_at = None;
        }
    }

    /// The FIFOs are about to close (reload): their scripts are stopped, as keepalived's
    /// script_killall does at a reload.
    pub(super) fn stop_fifo_scripts(&mut self) {
        self.term_all(Kind::FifoScript);
    }

    /// Start `notify_fifo_script` / `vrrp_notify_fifo_script` with the FIFO's path as the
    /// last argument (keepalived's add_script_param), for each FIFO that is open.
    pub(super) fn start_fifo_scripts(&mut self, cfg: &crate::config::Config) {
        use std::os::unix::ffi::OsStrExt;
        let g = &cfg.global;
        let pairs = [
            (g.notify_fifo_script, self.fifos.global.as_ref()),
            (g.vrrp_notify_fifo_script, self.fifos.vrrp.as_ref()),
        ];
        let mut pids: Vec<i32, 2> = Vec::new();
        for (script, writer) in pairs {
            let (Some(id), Some(w)) = (script, writer) else {
                continue;
            };
            if !w.is_open() {
                continue;
            }
            let path = w.path().as_os_str().as_bytes();
            if let Ok(pid) = self.spawn_with(false, id, &[path]) {
                let _ = pids.push(pid);
            }
        }
        for pid in pids {
            if !self.children.add(pid, Kind::FifoScript, None) {
                let _ = process::kill_group(pid, libc::SIGKILL);
            }
        }
    }

    /// Shutdown: the core has sent its priority-0 adverts and the STOP notifies have been
    /// started. Stop the scripts, wait (bounded) for the STOP notifies, then return the exit
    /// code (the caller removes the pid files).
    pub(super) fn finish(&mut self) -> i32 {
        for c in self.children.list.iter() {
            if matches!(c.kind, Kind::Script(_) | Kind::RemovedScript) {
                let _ = process::kill_group(c.pid, libc::SIGTERM);
            }
        }
        self.wait_stop_notifies(now() + STOP_WAIT);
        // keepalived stops the FIFO scripts with SIGTERM when it exits.
        self.term_all(Kind::FifoScript);
        // A notify hook still running (one that never exits) ends with its process group:
        // PR_SET_PDEATHSIG alone (keepalived) reaches the hook but not its children.
        self.term_all(Kind::Notify);
        self.report_allocs();
        self.fifos.close();
        EXIT_OK
    }

    /// Wait until no STOP notify runs or `deadline` passes, then SIGKILL what is left of
    /// them. Only the timer and the signalfd are polled now (the sockets are closed: nothing
    /// else is wanted from the network).
    fn wait_stop_notifies(&mut self, deadline: Instant) {
        for _ in 0..crate::sys::reactor::MAX_FDS {
            let Some(s) = self
                .reactor
                .slots()
                .find(|s| !matches!(s, Slot::Timer | Slot::Signal))
            else {
                break;
            };
            self.reactor.remove(s);
        }
        self.reactor.set_extra(None, 0);
        let mut ready = Ready::new();
        // Bounded: each turn either reaps, or ends at the timer (a few spurious turns at most).
        for _ in 0..1000 {
            self.reap_quietly();
            if !self.children.any(Kind::StopNotify) || now() >= deadline {
                break;
            }
            if self.reactor.timer.arm_at(Some(deadline)).is_err()
                || self.reactor.wait(&mut ready, -1).is_err()
            {
                break;
            }
            for slot in ready.iter() {
                match slot {
                    Slot::Timer => {
                        let _ = self.reactor.timer.drain();
                    }
                    Slot::Signal => {
                        // Only SIGCHLD matters now (reaped at the top); the rest is dropped.
                        while let Ok(Some(_)) = self.reactor.signals.read() {}
                    }
                    _ => {}
                }
            }
        }
        for c in self.children.list.iter() {
            if c.kind == Kind::StopNotify {
                let _ = process::kill_group(c.pid, libc::SIGKILL);
            }
        }
    }

    /// Reap without reporting (shutdown: script results no longer matter).
    fn reap_quietly(&mut self) {
        for _ in 0..MAX_CHILDREN * 2 {
            match process::reap() {
                Ok(Some((pid, _))) => {
                    let _ = self.children.remove(pid);
                }
                _ => break,
            }
        }
    }
}

/// The writer for `notify_fifo` (`kind` "") or `vrrp_notify_fifo` ("vrrp_"), if configured.
/// A FIFO the daemon creates is owned by the configured `USER [GROUP]`, else by the default
/// script user; as keepalived (global_parser.c notify_fifo), a FIFO whose owner cannot be
/// resolved is ignored, with its log line.
pub(super) fn fifo_writer(
    cfg: &crate::config::Config,
    kind: &str,
) -> Option<crate::notify::fifo::FifoWriter> {
    use crate::exec::security::{ScriptUsers, SystemDb};
    use crate::notify::fifo::{FifoWriter, OpenMode};
    let g = &cfg.global;
    let (path, owner) = match kind {
        "vrrp_" => (g.vrrp_notify_fifo.as_ref()?, &g.vrrp_notify_fifo_owner),
        _ => (g.notify_fifo.as_ref()?, &g.notify_fifo_owner),
    };
    let global = g
        .script_user
        .as_ref()
        .map(|(u, grp)| (u.as_str(), grp.as_deref()));
    let mut users = ScriptUsers::new(&SystemDb, global, g.enable_script_security, process::ids());
    let named = owner.as_ref().map(|(u, grp)| (u.as_str(), grp.as_deref()));
    match users.for_command(named.map(|n| n.0), named.and_then(|n| n.1)) {
        Ok(ids) => Some(FifoWriter::new(
            path.as_str(),
            OpenMode::ReadWrite,
            Some(ids),
        )),
        Err(_) if named.is_some() => {
            log::info!("Invalid user/group for {kind}fifo {path} - ignoring");
            None
        }
        Err(_) => {
            log::info!("Failed to set default user for {kind}fifo {path} - ignoring");
            None
        }
    }
}
