//! Tracking: check scripts (rise/fall/weight/reverse/init_fail), interfaces, track files and
//! process trackers (their quorum: `track_process`)
//! → effective priority (§B.3), FAULT and "pending".
//!
//! effective = clamp(base + Σ contributions, 1, 254), never changed for base 255. A weight-0
//! tracker that fails puts the instance in FAULT; one that has not reported yet keeps the
//! instance pending (no MASTER). A sync group member's own weighted trackers are settled
//! by config validation (keepalived's rules); the group's weighted trackers count for its
//! members only with `sync_group_tracking_weight`.

use core::net::IpAddr;

use super::fsm::Reason;
use super::Subject;
use super::{Action, Actions, Core, IfInfo, IfRt, NotifyArgs, NotifyState, ScriptResult, State};
use crate::config::TrackTarget;
use crate::logmsg::{LogMsg, ScriptEnd};
use crate::time::Instant;

/// Result state of a check script.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ScriptState {
    #[default]
    Unknown,
    Ok,
    Ko,
}

/// Runtime state of one `vrrp_script`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScriptRt {
    pub state: ScriptState,
    /// Consecutive results against the current state.
    pub run: u32,
    pub last_status: Option<i32>,
    pub next_run_at: Option<Instant>,
    pub running: bool,
    pub used: bool,
    /// Its command cannot run (refused by script security, not found, not executable):
    /// keepalived drops such a script from every tracking list, so it neither runs nor
    /// counts (no weight, no FAULT, not pending).
    pub disabled: bool,
}

impl ScriptRt {
    pub fn new(init_fail: bool) -> Self {
        ScriptRt {
            state: if init_fail {
                ScriptState::Ko
            } else {
                ScriptState::Unknown
            },
            ..Default::default()
        }
    }
}

impl Core {
    /// Mark the scripts some instance or group tracks, and run them at once.
    pub(super) fn schedule_scripts(&mut self, now: Instant) {
        for t in self.cfg.tracks.iter() {
            if let TrackTarget::Script(s) = t.target {
                if let Some(rt) = self.scripts.get_mut(s as usize) {
                    rt.used = true;
                    rt.next_run_at = (!rt.disabled).then_some(now);
                }
            }
        }
    }

    /// Scripts due at `now`: start them (skipping one still running).
    pub(super) fn run_due_scripts(&mut self, now: Instant, out: &mut Actions) {
        for s in 0..self.scripts.len() {
            let interval = match self.cfg.scripts.get(s) {
                Some(c) => c.interval,
                None => continue,
            };
            let Some(rt) = self.scripts.get_mut(s) else {
                continue;
            };
            if rt.disabled {
                rt.next_run_at = None;
                continue;
            }
            match rt.next_run_at {
                Some(t) if t <= now => {
                    rt.next_run_at =
                        Some(now + interval.max(crate::time::Duration::from_millis(1)));
                    if !rt.running {
                        rt.running = true;
                        out.push(Action::RunScript { script: s as u16 });
                    } else {
                        let script = s as u16;
                        out.push(Action::log(LogMsg::ScriptStillRunning { script }));
                    }
                }
                _ => {}
            }
        }
    }

    pub(super) fn on_script(
        &mut self,
        now: Instant,
        script: u16,
        result: ScriptResult,
        out: &mut Actions,
    ) {
        let Some(c) = self.cfg.scripts.get(script as usize) else {
            return;
        };
        let (rise, fall) = (c.rise.max(1), c.fall.max(1));
        let Some(rt) = self.scripts.get_mut(script as usize) else {
            return;
        };
        rt.running = false;
        let ok = matches!(result, ScriptResult::Exited(0));
        // keepalived reports exit-status changes only (the initial status counts as 0).
        if let ScriptResult::Exited(s) = result {
            if rt.last_status.unwrap_or(0) != s {
                out.push(Action::log(LogMsg::ScriptNowReturning {
                    script,
                    status: s,
                }));
            }
            rt.last_status = Some(s);
        }
        let old = rt.state;
        let new = match (old, ok) {
            (ScriptState::Unknown, true) => ScriptState::Ok,
            (ScriptState::Unknown, false) => ScriptState::Ko,
            (ScriptState::Ok, true) | (ScriptState::Ko, false) => {
                rt.run = 0;
                old
            }
            (ScriptState::Ko, true) => {
                rt.run += 1;
                if rt.run >= rise {
                    ScriptState::Ok
                } else {
                    old
                }
            }
            (ScriptState::Ok, false) => {
                rt.run += 1;
                if rt.run >= fall {
                    ScriptState::Ko
                } else {
                    old
                }
            }
        };
        if new != old {
            rt.run = 0;
            rt.state = new;
            if new == ScriptState::Ok {
                out.push(Action::log(LogMsg::ScriptSucceeded { script }));
            } else {
                let how = match result {
                    ScriptResult::Exited(s) => ScriptEnd::Exited(s),
                    ScriptResult::Signalled(s) => ScriptEnd::Signalled(s),
                    ScriptResult::TimedOut => ScriptEnd::TimedOut,
                    ScriptResult::FailedToStart => ScriptEnd::FailedToStart,
                };
                out.push(Action::log(LogMsg::ScriptFailed { script, how }));
            }
            self.recompute_all(now, out);
        }
    }

    /// The daemon found that the command of `script` cannot run (or can again, after a
    /// reload): call it before `Event::Start` and after `Event::Reload`.
    pub fn set_script_disabled(
        &mut self,
        now: Instant,
        script: u16,
        disabled: bool,
        out: &mut Actions,
    ) {
        let Some(rt) = self.scripts.get_mut(script as usize) else {
            return;
        };
        if rt.disabled == disabled {
            return;
        }
        rt.disabled = disabled;
        rt.running = false;
        rt.next_run_at = (!disabled && rt.used && self.started).then_some(now);
        if self.started {
            self.recompute_all(now, out);
        }
    }

    pub(super) fn on_track_file(&mut self, now: Instant, file: u16, value: i64, out: &mut Actions) {
        let Some(v) = self.files.get_mut(file as usize) else {
            return;
        };
        if *v == Some(value) {
            return;
        }
        let old = v.unwrap_or(0);
        *v = Some(value);
        // Before Event::Start the value is only recorded: the start computes the
        // initial priority from it (keepalived reads the files before starting).
        if !self.started {
            return;
        }
        for i in 0..self.inst.len() {
            self.file_changed(now, i, file, old, value, out);
        }
        self.apply_fault_states(now, out);
    }

    pub(super) fn on_interface(&mut self, now: Instant, info: &IfInfo<'_>, out: &mut Actions) {
        let pos = self
            .ifs
            .iter()
            .position(|f| f.ifindex == info.ifindex || f.name.as_str() == info.name);
        let mut name = crate::config::IfName::new();
        let _ = name.push_str(info.name);
        let new = IfRt {
            name,
            ifindex: info.ifindex,
            up: info.up,
            ipv4: info.ipv4,
            ll6: info.ll6,
            mac: info.mac,
        };
        match pos.and_then(|p| self.ifs.get_mut(p)) {
            Some(f) => *f = new,
            None => {
                // Full only after reloads left names no config uses any more: load refuses
                // more than MAX_INTERFACES names, so one of the others is free to reuse.
                if let Err(new) = self.ifs.push(new) {
                    let cfg = &self.cfg;
                    if let Some(f) = self
                        .ifs
                        .iter_mut()
                        .find(|f| !cfg.uses_interface(f.name.as_str()))
                    {
                        *f = new;
                    }
                }
            }
        }
        // "Netlink reports eth0 down/up" is the daemon's line (it sees every link event of
        // every interface something tracks); logging it here too printed it twice.
        if self.started {
            self.recompute_all(now, out);
        }
    }

    pub(super) fn on_interface_gone(&mut self, now: Instant, ifindex: u32, out: &mut Actions) {
        if let Some(f) = self.ifs.iter_mut().find(|f| f.ifindex == ifindex) {
            f.up = false;
            f.ipv4 = None;
            f.ll6 = None;
        }
        if self.started {
            self.recompute_all(now, out);
        }
    }

    /// A VIP we set was deleted by someone else: a master that tracks it leaves MASTER with a
    /// priority-0 advert and takes over again after Skew_Time if still the best.
    pub(super) fn on_vip_deleted(
        &mut self,
        now: Instant,
        _ifindex: u32,
        addr: IpAddr,
        out: &mut Actions,
    ) {
        for i in 0..self.inst.len() {
            if self.inst.get(i).map(|r| r.state) != Some(State::Master) {
                continue;
            }
            let Some(c) = self.cfg.instances.get(i) else {
                continue;
            };
            let hit = c.vips.range().chain(c.evips.range()).find(|&v| {
                self.cfg
                    .vips
                    .get(v)
                    .is_some_and(|x| x.ip() == addr && !x.no_track)
            });
            if let Some(v) = hit {
                // keepalived 2.2.7 logs the netlink event (-D), not the reload's "no longer
                // exist"; the master leaves with a priority-0 advert (see fsm.rs).
                out.push(Action::log(LogMsg::VipRemoved {
                    inst: i as u16,
                    vip: v as u16,
                }));
                self.transition(now, i, State::Backup, Reason::VipDeleted, out);
                self.group_leave_master(now, i, out);
                // keepalived set_vrrp_backup: "we want a quick transition back to master":
                // the down timer is Skew_Time only (for the group members too).
                let mut quick: heapless::Vec<usize, 33> = heapless::Vec::new();
                let _ = quick.push(i);
                let group = self.cfg.instances.get(i).and_then(|c| c.sync_group);
                if let Some(g) = group.and_then(|g| self.cfg.sync_groups.get(g as usize)) {
                    for &m in g.members.iter() {
                        if m as usize != i {
                            let _ = quick.push(m as usize);
                        }
                    }
                }
                for m in quick {
                    let skew = self.skew_time(m);
                    if let Some(r) = self.inst.get_mut(m) {
                        if r.state == State::Backup {
                            r.down_armed_at = now;
                            r.master_down_at = Some(now + skew);
                        }
                    }
                }
            }
        }
    }

    /// Recompute every instance (a tracker changed).
    pub(super) fn recompute_all(&mut self, now: Instant, out: &mut Actions) {
        for i in 0..self.inst.len() {
            self.recompute_priority(now, i, true, out);
        }
        self.apply_fault_states(now, out);
    }

    /// `apply_fault_state` for every instance: first those whose own trackers changed, so that
    /// a sync group's members follow the member that faulted, in keepalived's order.
    pub(super) fn apply_fault_states(&mut self, now: Instant, out: &mut Actions) {
        for i in 0..self.inst.len() {
            if self.inst.get(i).is_some_and(|r| r.faulted || r.pending) {
                self.apply_fault_state(now, i, out);
            }
        }
        for i in 0..self.inst.len() {
            self.apply_fault_state(now, i, out);
        }
    }

    /// New effective priority, fault and pending flags of instance `i`.
    pub(super) fn recompute_priority(
        &mut self,
        now: Instant,
        i: usize,
        log: bool,
        out: &mut Actions,
    ) {
        let v = self.verdict(i);
        let notify_prio = self
            .cfg
            .instances
            .get(i)
            .map(|c| c.notify_priority_changes || self.cfg.global.notify_priority_changes)
            .unwrap_or(false);
        let Some(r) = self.inst.get_mut(i) else {
            return;
        };
        r.faulted = v.fault;
        r.pending = v.pending;
        let new = if r.base_priority == 255 {
            255
        } else {
            (r.base_priority as i32 + v.total).clamp(1, 254) as u8
        };
        let old = r.effective_priority;
        if new == old {
            return;
        }
        r.effective_priority = new;
        let state = r.state;
        if log {
            out.push(Action::log(LogMsg::PriorityChange {
                inst: i as u16,
                from: old,
                to: new,
            }));
        }
        // §B.1: a priority change while BACKUP rescales the running down timer.
        if state == State::Backup && r.master_down_at.is_some() {
            let armed = r.down_armed_at;
            let d = self.master_down_interval(i);
            if let Some(r) = self.inst.get_mut(i) {
                r.master_down_at = Some(armed + d);
            }
        }
        if notify_prio && log && (state == State::Master || state == State::Backup) {
            let g = &self.cfg.global;
            if g.notify_fifo.is_some() || g.vrrp_notify_fifo.is_some() {
                out.push(Action::FifoLine(NotifyArgs {
                    subject: Subject::Instance(i as u16),
                    state: if state == State::Master {
                        NotifyState::MasterPriority
                    } else {
                        NotifyState::BackupPriority
                    },
                    priority: new,
                }));
            }
        }
        let _ = now;
    }

    /// Enter or leave FAULT according to the flags (and the sync group's).
    pub(super) fn apply_fault_state(&mut self, now: Instant, i: usize, out: &mut Actions) {
        let Some(r) = self.inst.get(i).copied() else {
            return;
        };
        let fault = r.faulted || r.pending || self.group_faulted(i) || self.group_pending(i);
        match (r.state, fault) {
            (State::Master | State::Backup, true) => {
                self.transition(now, i, State::Fault, Reason::Fault, out);
                if r.faulted || r.pending {
                    self.group_fault_follow(now, i, out);
                }
                self.group_update(i, out);
            }
            (State::Fault, false) => {
                let owner = self.cfg.instances.get(i).is_some_and(|c| {
                    c.priority == 255 && c.initial_state == crate::config::InitialState::Master
                });
                let to = if owner && !r.pending {
                    State::Master
                } else {
                    State::Backup
                };
                self.transition(now, i, to, Reason::FaultCleared, out);
                self.group_recover_follow(now, i, to, out);
                self.group_update(i, out);
            }
            _ => {}
        }
    }
}
