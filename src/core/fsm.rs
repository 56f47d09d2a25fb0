//! The state machine: [`Core::transition`] is the only writer of `InstanceRt::state`.
//!
//! Each `(old, new)` arm cites the RFC 3768 / RFC 5798 section it implements and does the
//! entry/exit work keepalived 2.2.7 does (reference §B.2), in keepalived's order: an advert
//! first when becoming master, then VIPs, GARPs, notifies (§B.5 order: specific script,
//! generic notify, FIFO line, SMTP).

use super::{Action, Actions, Core, NotifyArgs, NotifyState, State, Subject};
use crate::logmsg::LogMsg;
use crate::time::Instant;

/// Why a transition happened (kept for tests and the state dump).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reason {
    /// Start-up, normal instance (RFC 5798 §6.4.1 "Initialize").
    #[default]
    Startup,
    /// Start-up of an address owner with `state MASTER` (RFC 5798 §6.4.1, priority 255).
    StartupOwner,
    /// Master_Down_Timer fired (RFC 3768 §6.4.2 / RFC 5798 §6.4.2).
    MasterDownTimer,
    /// A higher priority advert (or equal with higher address) reached the master
    /// (RFC 3768 §6.4.3 / RFC 5798 §6.4.3).
    HigherPriority,
    /// A tracker (interface, weight-0 script/file) failed.
    Fault,
    /// The fault cleared.
    FaultCleared,
    /// Another member of the sync group moved.
    SyncGroup,
    /// A tracked VIP was deleted by someone else.
    VipDeleted,
    /// Orderly stop (RFC 3768 §6.4.3 "Shutdown": send priority 0).
    Shutdown,
}

impl Core {
    /// Move instance `i` to `new`; nothing when it is already there.
    pub(super) fn transition(
        &mut self,
        now: Instant,
        i: usize,
        new: State,
        reason: Reason,
        out: &mut Actions,
    ) {
        let Some(old) = self.inst.get(i).map(|r| r.state) else {
            return;
        };
        if old == new {
            return;
        }
        let inst = i as u16;
        match (old, new) {
            // RFC 5798 §6.4.1: priority 255 → send an advert, broadcast GARPs, go Master.
            // RFC 5798 §6.4.2/§6.4.3 "Master_Down_Timer fires": the same entry actions.
            (State::Init | State::Backup | State::Fault, State::Master) => {
                self.set_state(now, i, State::Master, out);
                self.become_master(now, i, out);
            }
            // RFC 5798 §6.4.1 "else": Master_Down_Timer := Master_Down_Interval, go Backup.
            (State::Init, State::Backup) => {
                self.set_state(now, i, State::Backup, out);
                self.remove_vips(i, false, out);
                out.push(Action::log(LogMsg::EnteringBackup { inst, init: true }));
                self.arm_down_timer(now, i);
                self.notify(i, NotifyState::Backup, out);
            }
            (State::Init, State::Fault) => {
                self.set_state(now, i, State::Fault, out);
                out.push(Action::log(LogMsg::EnteringFault { inst, init: true }));
                self.notify(i, NotifyState::Fault, out);
            }
            // RFC 5798 §6.4.3 "If an ADVERTISEMENT is received ... higher priority": cancel
            // the Adver_Timer, set the Master_Down_Timer, go Backup (keepalived removes VIPs).
            (State::Master, State::Backup) => {
                self.leave_master(i, out);
                self.set_state(now, i, State::Backup, out);
                out.push(Action::log(LogMsg::EnteringBackup { inst, init: false }));
                // keepalived set_vrrp_backup leaves master with advF: a priority-0 advert
                // (after "Entering BACKUP STATE", before "removing VIPs.").
                if reason == Reason::VipDeleted {
                    self.send_advert(i, 0, out);
                    out.push(Action::log(LogMsg::SentZeroPriority { inst }));
                }
                self.remove_vips(i, false, out);
                self.arm_down_timer(now, i);
                self.notify(i, NotifyState::Backup, out);
            }
            // RFC 5798 §6.4.3 "Shutdown" applied to a fault: send priority 0 so that a backup
            // takes over after Skew_Time, then drop the VIPs.
            (State::Master, State::Fault) => {
                self.send_advert(i, 0, out);
                out.push(Action::log(LogMsg::SentZeroPriority { inst }));
                self.leave_master(i, out);
                self.set_state(now, i, State::Fault, out);
                out.push(Action::log(LogMsg::EnteringFault { inst, init: false }));
                self.remove_vips(i, false, out);
                self.notify(i, NotifyState::Fault, out);
            }
            (State::Backup, State::Fault) => {
                if let Some(r) = self.inst.get_mut(i) {
                    r.master_down_at = None;
                }
                self.set_state(now, i, State::Fault, out);
                out.push(Action::log(LogMsg::EnteringFault { inst, init: false }));
                self.notify(i, NotifyState::Fault, out);
            }
            // Leaving FAULT: back to Backup with a fresh Master_Down_Timer (RFC 5798 §6.4.1).
            (State::Fault, State::Backup) => {
                self.set_state(now, i, State::Backup, out);
                out.push(Action::log(LogMsg::EnteringBackup { inst, init: false }));
                self.arm_down_timer(now, i);
                self.notify(i, NotifyState::Backup, out);
            }
            // Nothing goes back to INIT.
            (_, State::Init)
            | (State::Backup, State::Backup)
            | (State::Master, State::Master)
            | (State::Fault, State::Fault) => {}
        }
        if let Some(r) = self.inst.get_mut(i) {
            r.last_reason = Some(reason);
        }
    }

    fn set_state(&mut self, now: Instant, i: usize, s: State, out: &mut Actions) {
        if let Some(r) = self.inst.get_mut(i) {
            r.state = s;
            r.wantstate = s;
            r.last_transition = now;
        }
        out.push(Action::StateChanged {
            instance: i as u16,
            state: s,
        });
    }

    /// Entry actions of MASTER: advert first, VIPs, routes, GARP burst, timers, notifies.
    fn become_master(&mut self, now: Instant, i: usize, out: &mut Actions) {
        let inst = i as u16;
        let own_int = self.adver_int(i);
        if let Some(r) = self.inst.get_mut(i) {
            r.master_adver_int = own_int;
            r.master_down_at = None;
            r.preempt_delay_until = None;
            r.split_brain = false;
            r.stats.become_master += 1;
            r.vipset = true;
            r.advert_at = Some(now + own_int);
        }
        let prio = self.inst.get(i).map(|r| r.effective_priority).unwrap_or(0);
        self.send_advert(i, prio, out);
        out.push(Action::log(LogMsg::EnteringMaster { inst }));
        out.push(Action::log(LogMsg::SettingVips { inst }));
        if let Some(c) = self.cfg.instances.get(i) {
            for v in c.vips.range().chain(c.evips.range()) {
                out.push(Action::AddVip {
                    instance: inst,
                    vip: v as u16,
                });
            }
            if !c.vroutes.is_empty() {
                out.push(Action::log(LogMsg::SettingRoutes { inst }));
            }
            for r in c.vroutes.range() {
                out.push(Action::AddRoute {
                    instance: inst,
                    route: r as u16,
                });
            }
        }
        self.start_master_garps(now, i, out);
        self.notify(i, NotifyState::Master, out);
    }

    /// Exit actions of MASTER (timers; counters).
    fn leave_master(&mut self, i: usize, _out: &mut Actions) {
        self.garp_drop(i);
        if let Some(r) = self.inst.get_mut(i) {
            r.advert_at = None;
            r.garp2_at = None;
            r.garp_refresh_at = None;
            r.garp_lower_at = None;
            r.stats.release_master += 1;
            r.split_brain = false;
        }
    }

    /// keepalived's vrrp_restore_interface: the routes (always), then the VIPs when set (or
    /// `force`d, the start-up cleanup of what a crashed run left), each with its -D line.
    pub(super) fn remove_vips(&mut self, i: usize, force: bool, out: &mut Actions) {
        let inst = i as u16;
        let set = self.inst.get_mut(i).is_some_and(|r| {
            let was = r.vipset;
            r.vipset = false;
            was
        });
        let Some(c) = self.cfg.instances.get(i) else {
            return;
        };
        if !c.vroutes.is_empty() {
            out.push(Action::log(LogMsg::RemovingRoutes { inst }));
        }
        for r in c.vroutes.range() {
            out.push(Action::DelRoute {
                instance: inst,
                route: r as u16,
            });
        }
        if set || force {
            out.push(Action::log(LogMsg::RemovingVips { inst }));
            for v in c.vips.range().chain(c.evips.range()) {
                out.push(Action::DelVip {
                    instance: inst,
                    vip: v as u16,
                });
            }
        }
    }

    /// Notifications of instance `i` entering `state`, in keepalived's order (§B.5).
    pub(super) fn notify(&mut self, i: usize, state: NotifyState, out: &mut Actions) {
        let Some(c) = self.cfg.instances.get(i) else {
            return;
        };
        let prio = self.inst.get(i).map(|r| r.effective_priority).unwrap_or(0);
        let n = &c.notifies;
        let specific = match state {
            NotifyState::Master => n.master,
            NotifyState::Backup => n.backup,
            NotifyState::Fault => n.fault,
            NotifyState::Stop => n.stop,
            NotifyState::Deleted => n.deleted_cmd,
            NotifyState::MasterRxLowerPri => n.master_rx_lower_pri,
            _ => None,
        };
        if let Some(command) = specific {
            out.push(Action::RunNotify {
                command,
                args: None,
            });
        }
        let args = NotifyArgs {
            subject: Subject::Instance(i as u16),
            state,
            priority: prio,
        };
        let generic_state = matches!(
            state,
            NotifyState::Master
                | NotifyState::Backup
                | NotifyState::Fault
                | NotifyState::Stop
                | NotifyState::Deleted
        );
        if let (Some(command), true) = (n.generic, generic_state) {
            out.push(Action::RunNotify {
                command,
                args: Some(args),
            });
        }
        let g = &self.cfg.global;
        if g.notify_fifo.is_some() || g.vrrp_notify_fifo.is_some() {
            out.push(Action::FifoLine(args));
        }
        let no_mail = state == NotifyState::Fault && g.no_email_faults;
        if c.smtp_alert && generic_state && !no_mail {
            out.push(Action::SmtpAlert {
                subject: Subject::Instance(i as u16),
                state,
            });
        }
    }

    /// Notifications of sync group `g` entering `state` (priority argument always 0).
    pub(super) fn notify_group(&mut self, g: usize, state: NotifyState, out: &mut Actions) {
        let Some(sg) = self.cfg.sync_groups.get(g) else {
            return;
        };
        let n = &sg.notifies;
        let specific = match state {
            NotifyState::Master => n.master,
            NotifyState::Backup => n.backup,
            NotifyState::Fault => n.fault,
            NotifyState::Stop => n.stop,
            _ => None,
        };
        if let Some(command) = specific {
            out.push(Action::RunNotify {
                command,
                args: None,
            });
        }
        let args = NotifyArgs {
            subject: Subject::Group(g as u16),
            state,
            priority: 0,
        };
        if let Some(command) = n.generic {
            out.push(Action::RunNotify {
                command,
                args: Some(args),
            });
        }
        let gl = &self.cfg.global;
        if gl.notify_fifo.is_some() || gl.vrrp_notify_fifo.is_some() {
            out.push(Action::FifoLine(args));
        }
        let no_mail = state == NotifyState::Fault && gl.no_email_faults;
        if sg.smtp_alert && !no_mail {
            out.push(Action::SmtpAlert {
                subject: Subject::Group(g as u16),
                state,
            });
        }
    }

    /// keepalived's vrrp_init_state (§B.2 start-up).
    pub(super) fn start(&mut self, now: Instant, out: &mut Actions) {
        if self.started {
            return;
        }
        self.started = true;
        self.schedule_scripts(now);
        // Flags of every instance first: sync-group members look at each other. keepalived
        // 2.2.7 logs a start-up value that moves the priority off the base (measured: "(VI_1)
        // Changing effective priority from 100 to 110" before "Entering BACKUP STATE (init)").
        for i in 0..self.inst.len() {
            self.recompute_priority(now, i, true, out);
        }
        self.cleanup_from(now, 0, out);
    }

    /// keepalived first removes every instance's routes and VIPs (what a crashed run left
    /// behind, whatever state the instance then starts in), then enters the states.
    pub(super) fn cleanup_from(&mut self, now: Instant, from: usize, out: &mut Actions) {
        for i in from..self.inst.len() {
            if !self.room_for(i, out) {
                return self.pause(super::batch::Pass::Cleanup(i as u16), now);
            }
            self.remove_vips(i, true, out);
        }
        self.start_from(now, 0, out);
    }

    pub(super) fn start_from(&mut self, now: Instant, from: usize, out: &mut Actions) {
        for i in from..self.inst.len() {
            if !self.room_for(i, out) {
                return self.pause(super::batch::Pass::Start(i as u16), now);
            }
            self.start_instance(now, i, out);
        }
    }

    pub(super) fn start_instance(&mut self, now: Instant, i: usize, out: &mut Actions) {
        self.recompute_priority(now, i, false, out);
        let Some(c) = self.cfg.instances.get(i) else {
            return;
        };
        let owner_master =
            c.priority == 255 && c.initial_state == crate::config::InitialState::Master;
        let (faulted, pending) = self
            .inst
            .get(i)
            .map(|r| (r.faulted, r.pending))
            .unwrap_or((false, false));
        if faulted || self.group_faulted(i) {
            if faulted {
                self.start_fault_lines(i, out);
            }
            self.transition(now, i, State::Fault, Reason::Startup, out);
        } else if pending || self.group_pending(i) {
            // keepalived: weight-0 scripts still in their first run hold the instance in
            // FAULT (init), without notifies, until they report.
            self.set_state(now, i, State::Fault, out);
            out.push(Action::log(LogMsg::EnteringFault {
                inst: i as u16,
                init: true,
            }));
        } else if owner_master {
            // keepalived: "the simplest way to become master is to timeout from the backup
            // state very quickly (1usec)" (RFC 5798 §6.4.1: priority 255 → Master).
            self.set_state(now, i, State::Backup, out);
            if let Some(r) = self.inst.get_mut(i) {
                r.wantstate = State::Master;
                r.down_armed_at = now;
                r.master_down_at = Some(now + crate::time::Duration::from_micros(1));
            }
        } else {
            self.transition(now, i, State::Backup, Reason::Startup, out);
        }
        self.group_update(i, out);
    }

    /// SIGTERM: masters send priority 0 and drop their VIPs; STOP notifies.
    pub(super) fn shutdown(&mut self, now: Instant, out: &mut Actions) {
        self.shutdown_from(now, 0, out);
    }

    pub(super) fn shutdown_from(&mut self, now: Instant, from: usize, out: &mut Actions) {
        for i in from..self.inst.len() {
            if !self.room_for(i, out) {
                return self.pause(super::batch::Pass::Shutdown(i as u16), now);
            }
            let inst = i as u16;
            if self.inst.get(i).map(|r| r.state) == Some(State::Master) {
                self.send_advert(i, 0, out);
                out.push(Action::log(LogMsg::SentZeroPriority { inst }));
                self.leave_master(i, out);
                self.remove_vips(i, false, out);
            }
            self.notify(i, NotifyState::Stop, out);
            if let Some(r) = self.inst.get_mut(i) {
                r.master_down_at = None;
                r.advert_at = None;
            }
        }
        for g in 0..self.groups.len() {
            self.notify_group(g, NotifyState::Stop, out);
        }
        self.stopped = true;
    }
}
