//! `vrrp_track_process`: the daemon reports how many running processes match each tracker
//! (`Event::TrackProcess { process, count }`); the core decides quorum, with keepalived
//! 2.2.7's delays (`keepalived/core/track_process.c`, read for its rules):
//!
//! - a tracker is up ("has quorum") while `quorum <= count <= quorum_max`;
//! - the counts reported before `Event::Start` set the initial state, without delay;
//! - afterwards, a count change that moves the tracker out of its current state waits
//!   `fork_delay` when the count rose and `terminate_delay` when it fell (keepalived: a fork
//!   or an exit that crosses a quorum edge), then the state follows the count of that moment;
//!   a change back to the current state before then cancels the wait. No delay: at once;
//! - each change of state logs "Quorum gained/lost for tracked process NAME" and recomputes
//!   every instance (weight 0 ⇒ FAULT while down, or while up with `reverse`; otherwise
//!   the weight as for scripts, see `verdict::weighted`).

use super::{Action, Actions, Core};
use crate::config::TrackProcess;
use crate::logmsg::LogMsg;
use crate::time::Instant;

/// Runtime state of one `vrrp_track_process`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProcRt {
    /// Matching processes at the last report (0 before any).
    pub count: u32,
    /// keepalived's `have_quorum`: the state the instances see.
    pub up: bool,
    /// When a pending change of state is due (a fork or terminate delay running).
    pub due_at: Option<Instant>,
}

fn in_band(c: &TrackProcess, count: u32) -> bool {
    count >= c.quorum && count <= c.quorum_max
}

impl Core {
    pub(super) fn on_track_process(
        &mut self,
        now: Instant,
        process: u16,
        count: u32,
        out: &mut Actions,
    ) {
        let Some(c) = self.cfg.track_processes.get(process as usize) else {
            return;
        };
        let target = in_band(c, count);
        let (fork_delay, terminate_delay) = (c.fork_delay, c.terminate_delay);
        let started = self.started;
        let Some(rt) = self.procs.get_mut(process as usize) else {
            return;
        };
        let old = rt.count;
        rt.count = count;
        if !started {
            // keepalived reads /proc before starting: the start uses this state as is.
            rt.up = target;
            rt.due_at = None;
            return;
        }
        if target == rt.up {
            // Back where the instances are (or never left): a pending change is void.
            rt.due_at = None;
            return;
        }
        if rt.due_at.is_some() || count == old {
            return;
        }
        let delay = if count > old {
            fork_delay
        } else {
            terminate_delay
        };
        if delay.is_zero() {
            self.set_process_up(now, process, target, out);
        } else {
            rt.due_at = Some(now + delay);
        }
    }

    /// Pending fork/terminate delays that are due: the state follows the count now.
    pub(super) fn process_timers(&mut self, now: Instant, out: &mut Actions) {
        for p in 0..self.procs.len() {
            let Some(rt) = self.procs.get_mut(p) else {
                continue;
            };
            if rt.due_at.is_none_or(|t| t > now) {
                continue;
            }
            rt.due_at = None;
            let count = rt.count;
            let Some(c) = self.cfg.track_processes.get(p) else {
                continue;
            };
            let up = in_band(c, count);
            self.set_process_up(now, p as u16, up, out);
        }
    }

    fn set_process_up(&mut self, now: Instant, process: u16, up: bool, out: &mut Actions) {
        let Some(rt) = self.procs.get_mut(process as usize) else {
            return;
        };
        if rt.up == up {
            return;
        }
        rt.up = up;
        out.push(Action::log(LogMsg::ProcessQuorum { process, up }));
        self.recompute_all(now, out);
    }

    /// The earliest pending fork/terminate delay.
    pub(super) fn process_deadline(&self) -> Option<Instant> {
        self.procs.iter().filter_map(|r| r.due_at).min()
    }

    /// Whether tracker `process` has quorum (as the instances see it).
    pub(super) fn process_up(&self, process: u16) -> bool {
        self.procs.get(process as usize).is_some_and(|r| r.up)
    }

    /// Reload: a tracker of the same name keeps its count; its state follows that count under
    /// the new quorum at once (the daemon rescans right after the reload).
    pub(super) fn reload_processes(&mut self, old_cfg: &crate::config::Config, old: &[ProcRt]) {
        for (p, pc) in self.cfg.track_processes.iter().enumerate() {
            let prev = old_cfg
                .track_processes
                .iter()
                .position(|o| o.name == pc.name)
                .and_then(|o| old.get(o).copied());
            if let (Some(prev), Some(rt)) = (prev, self.procs.get_mut(p)) {
                rt.count = prev.count;
                rt.up = in_band(pc, prev.count);
                rt.due_at = None;
            }
        }
    }

    /// Runtime state of every process tracker (dumps, tests).
    pub fn process_trackers(&self) -> &[ProcRt] {
        &self.procs
    }
}
