//! `vrrp_sync_group`: members move together (§A.5). A member going MASTER takes the others
//! with it, a member leaving MASTER for BACKUP does too, and a fault of one member is a
//! fault of the group. Group notifies (`GROUP name STATE 0`) when the group's state changes.

use super::fsm::Reason;
use super::instance::InstanceRt;
use super::{Actions, Core, NotifyState, State};
use crate::time::Instant;

/// Runtime state of one sync group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupRt {
    pub state: State,
}

impl Core {
    fn group_idx(&self, i: usize) -> Option<usize> {
        self.cfg
            .instances
            .get(i)
            .and_then(|c| c.sync_group)
            .map(|g| g as usize)
    }

    fn members(&self, g: usize) -> impl Iterator<Item = usize> + '_ {
        self.cfg
            .sync_groups
            .get(g)
            .into_iter()
            .flat_map(|sg| sg.members.iter().map(|&m| m as usize))
    }

    /// The members of group `g` other than `i` whose runtime state passes `pick`, collected
    /// first because moving one changes what the others see.
    fn others(
        &self,
        g: usize,
        i: usize,
        pick: impl Fn(&InstanceRt) -> bool,
    ) -> heapless::Vec<usize, { crate::limits::MAX_SYNC_MEMBERS }> {
        let mut list = heapless::Vec::new();
        for m in self.members(g) {
            if m != i && self.inst.get(m).is_some_and(&pick) {
                let _ = list.push(m);
            }
        }
        list
    }

    /// keepalived's `VRRP_Group(VG) Syncing instances to STATE state`, logged once per move.
    fn log_sync(g: usize, state: State, out: &mut Actions) {
        let state = match state {
            State::Master => "MASTER",
            State::Fault => "FAULT",
            _ => "BACKUP",
        };
        out.push(super::Action::log(crate::logmsg::LogMsg::SyncGroupFollow {
            group: g as u16,
            state,
        }));
    }

    /// Some member of `i`'s group (not `i` itself) is faulted.
    pub(super) fn group_faulted(&self, i: usize) -> bool {
        let Some(g) = self.group_idx(i) else {
            return false;
        };
        self.members(g)
            .any(|m| m != i && self.inst.get(m).is_some_and(|r| r.faulted))
    }

    /// Some member of `i`'s group (not `i`) waits for a first tracker result.
    pub(super) fn group_pending(&self, i: usize) -> bool {
        let Some(g) = self.group_idx(i) else {
            return false;
        };
        self.members(g)
            .any(|m| m != i && self.inst.get(m).is_some_and(|r| r.pending))
    }

    /// Every other member of `i`'s group wants MASTER (its down timer fired) or is MASTER.
    pub(super) fn group_all_want_master(&self, i: usize) -> bool {
        let Some(g) = self.group_idx(i) else {
            return true;
        };
        // A member without its raw socket never gets there (see socket.rs).
        self.members(g).all(|m| {
            m == i
                || (self
                    .inst
                    .get(m)
                    .is_some_and(|r| r.wantstate == State::Master || r.state == State::Master)
                    && !self.socket_missing(m))
        })
    }

    /// keepalived: a master member hearing a lower priority also sends the lower-priority
    /// GARP bursts of the other members.
    pub(super) fn group_lower_prio_garps(&mut self, now: Instant, i: usize, out: &mut Actions) {
        let Some(g) = self.group_idx(i) else {
            return;
        };
        for m in self.others(g, i, |r| r.state == State::Master) {
            self.lower_prio_garps(now, m, out);
        }
    }

    /// Member `i` moved to `state` on its own: bring the others along.
    pub(super) fn group_follow(&mut self, now: Instant, i: usize, state: State, out: &mut Actions) {
        let Some(g) = self.group_idx(i) else {
            return;
        };
        // keepalived logs the group's move once, and only when the group is not already in
        // that state (vrrp_sync_master/backup/fault return early otherwise).
        if self.groups.get(g).is_some_and(|r| r.state != state) {
            Self::log_sync(g, state, out);
        }
        for m in self.others(g, i, |_| true) {
            let cur = self.inst.get(m).map(|r| r.state);
            let go = matches!(
                (state, cur),
                (State::Master, Some(State::Backup))
                    | (State::Backup, Some(State::Master))
                    | (State::Fault, Some(State::Master | State::Backup))
            );
            if go {
                self.transition(now, m, state, Reason::SyncGroup, out);
            }
        }
        self.group_update(i, out);
    }

    /// keepalived set_vrrp_backup: member `i` left MASTER because one of its VIPs was deleted;
    /// every other MASTER member leaves too, each with its own priority-0 advert, so that the
    /// peers' members all take over after Skew_Time (no "Syncing instances" line there).
    pub(super) fn group_leave_master(&mut self, now: Instant, i: usize, out: &mut Actions) {
        let Some(g) = self.group_idx(i) else {
            return;
        };
        for m in self.others(g, i, |r| r.state == State::Master) {
            self.transition(now, m, State::Backup, Reason::VipDeleted, out);
        }
        // keepalived sets the group's state to BACKUP here without the group notifies.
        if let Some(gr) = self.groups.get_mut(g) {
            gr.state = State::Backup;
        }
    }

    /// Member `i` faulted on its own (keepalived down_instance → vrrp_sync_fault): one
    /// "Syncing instances to FAULT state" line, then the other members follow.
    pub(super) fn group_fault_follow(&mut self, now: Instant, i: usize, out: &mut Actions) {
        let Some(g) = self.group_idx(i) else {
            return;
        };
        if self.groups.get(g).is_none_or(|r| r.state == State::Fault) {
            return;
        }
        Self::log_sync(g, State::Fault, out);
        for m in self.others(g, i, |_| true) {
            // Not faulted on its own, so this does not come back here.
            self.apply_fault_state(now, m, out);
        }
    }

    /// Member `i` left FAULT for `to` while its group was in FAULT (keepalived try_up_instance
    /// → vrrp_sync_backup, or vrrp_sync_master for an owner): one "Syncing instances to ...
    /// state" line, then the members held in FAULT only by the group leave it too.
    pub(super) fn group_recover_follow(
        &mut self,
        now: Instant,
        i: usize,
        to: State,
        out: &mut Actions,
    ) {
        let Some(g) = self.group_idx(i) else {
            return;
        };
        if self.groups.get(g).is_none_or(|r| r.state != State::Fault) || self.group_faulted(i) {
            return;
        }
        Self::log_sync(g, to, out);
        // Only the members held in FAULT by the group, not by trackers of their own.
        let held = |r: &InstanceRt| r.state == State::Fault && !r.faulted && !r.pending;
        for m in self.others(g, i, held) {
            self.transition(now, m, State::Backup, Reason::FaultCleared, out);
        }
    }

    /// Recompute the group state of `i`'s group and notify on change. The group is MASTER
    /// when all members are, FAULT when any is, BACKUP otherwise.
    pub(super) fn group_update(&mut self, i: usize, out: &mut Actions) {
        let Some(g) = self.group_idx(i) else {
            return;
        };
        let mut all_master = true;
        let mut any_fault = false;
        let mut n = 0;
        for m in self.members(g) {
            n += 1;
            match self.inst.get(m).map(|r| r.state) {
                Some(State::Master) => {}
                Some(State::Fault) => {
                    any_fault = true;
                    all_master = false;
                }
                Some(State::Init) => return,
                _ => all_master = false,
            }
        }
        if n == 0 {
            return;
        }
        let new = if any_fault {
            State::Fault
        } else if all_master {
            State::Master
        } else {
            State::Backup
        };
        let Some(gr) = self.groups.get_mut(g) else {
            return;
        };
        if gr.state == new {
            return;
        }
        gr.state = new;
        let ns = match new {
            State::Master => NotifyState::Master,
            State::Fault => NotifyState::Fault,
            _ => NotifyState::Backup,
        };
        self.notify_group(g, ns, out);
    }

    /// State of sync group `g` (JSON dump).
    pub fn group_state(&self, g: usize) -> Option<State> {
        self.groups.get(g).map(|r| r.state)
    }
}
