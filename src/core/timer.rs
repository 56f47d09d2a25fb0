//! `Event::Timer`: everything due at `now`, instance by instance (deadlines are fields).

use super::fsm::Reason;
use super::{Action, Actions, Core, State};
use crate::logmsg::LogMsg;
use crate::time::Instant;

impl Core {
    pub(super) fn on_timer(&mut self, now: Instant, out: &mut Actions) {
        if !self.started {
            return;
        }
        self.run_due_scripts(now, out);
        self.process_timers(now, out);
        self.timers_from(now, 0, out);
        self.garp_due(now, out);
    }

    pub(super) fn timers_from(&mut self, now: Instant, from: usize, out: &mut Actions) {
        for i in from..self.inst.len() {
            if !self.room_for(i, out) {
                return self.pause(super::batch::Pass::Timer(i as u16), now);
            }
            self.instance_timers(now, i, out);
        }
    }

    fn instance_timers(&mut self, now: Instant, i: usize, out: &mut Actions) {
        let Some(r) = self.inst.get(i).copied() else {
            return;
        };
        let due = |t: Option<Instant>| t.is_some_and(|t| t <= now);
        // RFC 3768/5798 §6.4.2: "If the Master_Down_Timer fires".
        if due(r.master_down_at) {
            if let Some(x) = self.inst.get_mut(i) {
                x.master_down_at = None;
            }
            if r.state == State::Backup && self.socket_missing(i) {
                // keepalived 2.2.7: no socket, no read thread, no timer: BACKUP until one
                // opens (see socket.rs).
            } else if r.state == State::Backup {
                out.push(Action::log(LogMsg::RxTimeout { inst: i as u16 }));
                if let Some(x) = self.inst.get_mut(i) {
                    x.wantstate = State::Master;
                }
                if r.pending || r.faulted || self.group_pending(i) || self.group_faulted(i) {
                    self.arm_down_timer(now, i);
                } else if !self.group_all_want_master(i) {
                    // keepalived: a sync group goes MASTER only when every member wants to;
                    // this member waits (its next advert or a member's timer decides).
                } else {
                    self.transition(now, i, State::Master, Reason::MasterDownTimer, out);
                    self.group_follow(now, i, State::Master, out);
                }
            }
        }
        let r = self.inst.get(i).copied().unwrap_or_default();
        if r.state != State::Master {
            return;
        }
        // RFC 3768/5798 §6.4.3: "If the Adver_Timer fires: send an ADVERTISEMENT, reset the
        // Adver_Timer to Advertisement_Interval".
        if let Some(at) = r.advert_at.filter(|&t| t <= now) {
            let int = self.adver_int(i);
            self.send_advert(i, r.effective_priority, out);
            let next = at + int;
            if let Some(x) = self.inst.get_mut(i) {
                x.advert_at = Some(if next > now { next } else { now + int });
            }
        }
        let g = self
            .cfg
            .instances
            .get(i)
            .map(|c| c.garp)
            .unwrap_or_default();
        if due(r.garp2_at) {
            if let Some(x) = self.inst.get_mut(i) {
                x.garp2_at = None;
            }
            self.garp_burst(now, i, g.master_repeat, out);
        }
        if due(r.garp_lower_at) {
            if let Some(x) = self.inst.get_mut(i) {
                x.garp_lower_at = None;
            }
            self.garp_burst(now, i, g.lower_prio_repeat, out);
        }
        if due(r.garp_refresh_at) {
            if let Some(x) = self.inst.get_mut(i) {
                x.garp_refresh_at = Some(now + g.master_refresh);
            }
            self.garp_burst(now, i, g.master_refresh_repeat, out);
        }
    }
}
