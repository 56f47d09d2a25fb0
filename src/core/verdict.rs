//! The verdict of an instance's trackers (priority sum, FAULT, pending) and keepalived's
//! start-up lines naming what holds it in FAULT: split from `track.rs` so that each file
//! stays under about 600 lines.

use super::track::ScriptState;
use super::{Action, Actions, Core};
use crate::config::TrackTarget;
use crate::logmsg::{LogMsg, StartFault};
use crate::time::Instant;

/// What the trackers of one instance say.
pub(super) struct Verdict {
    pub(super) total: i32,
    pub(super) fault: bool,
    pub(super) pending: bool,
}

impl Core {
    pub(super) fn verdict(&self, i: usize) -> Verdict {
        self.verdict_with(i, &mut |_| {})
    }

    /// keepalived's start-up lines for what holds instance `i` in FAULT, in its order
    /// (interfaces, files, processes, then the address check; at most 8).
    pub(super) fn start_fault_lines(&self, i: usize, out: &mut Actions) {
        let mut why: heapless::Vec<(u8, usize, StartFault), 8> = heapless::Vec::new();
        self.verdict_with(i, &mut |w| {
            let n = why.len();
            let _ = why.push((w.rank(), n, w));
        });
        why.sort_unstable_by_key(|&(rank, n, _)| (rank, n));
        for &(_, _, w) in why.iter() {
            out.push(Action::log(LogMsg::StartFault {
                inst: i as u16,
                why: w,
            }));
        }
    }

    /// The verdict of instance `i`; `cause` hears each tracker that puts it in FAULT.
    fn verdict_with(&self, i: usize, cause: &mut dyn FnMut(StartFault)) -> Verdict {
        let mut v = Verdict {
            total: 0,
            fault: false,
            pending: false,
        };
        let Some(c) = self.cfg.instances.get(i) else {
            return v;
        };
        // The instance's own interface is tracked with weight 0 unless dont_track_primary.
        if c.interface.is_some() && !c.dont_track_primary {
            match self.iface_of(i) {
                Some(f) if f.up => {}
                _ => {
                    v.fault = true;
                    cause(StartFault::InterfaceDown { track: None });
                }
            }
        }
        // keepalived: "entering FAULT state (no IPv4 address for interface)": no source
        // address to advertise from.
        if c.interface.is_some() && self.src_addr(i).is_none() {
            v.fault = true;
            cause(StartFault::NoAddress {
                v6: c.family == crate::config::Family::V6,
            });
        }
        let group_weights = c
            .sync_group
            .and_then(|g| self.cfg.sync_groups.get(g as usize))
            .map(|g| g.sync_group_tracking_weight)
            .unwrap_or(false);
        // A member's own weighted trackers were already dealt with as keepalived does when
        // the config was validated (dropped, or made weight 0; process trackers keep their
        // weight), so what is left counts as written.
        for ti in c.tracks.range() {
            self.apply_track(ti, false, &mut v, cause);
        }
        if let Some(g) = c
            .sync_group
            .and_then(|g| self.cfg.sync_groups.get(g as usize))
        {
            for ti in g.tracks.range() {
                self.apply_track(ti, !group_weights, &mut v, cause);
            }
        }
        v
    }

    /// Track file `file` went from `old` to `new`: instance `i`'s new priority and flags. As
    /// keepalived: a file entering or leaving FAULT logs "tracked file F now/leaving FAULT
    /// state" (-D) and moves the priority silently ("Setting effective priority to N" on
    /// leaving with a non-zero status); any other change logs "Changing effective priority".
    pub(super) fn file_changed(
        &mut self,
        now: Instant,
        i: usize,
        file: u16,
        old: i64,
        new: i64,
        out: &mut Actions,
    ) {
        let Some(c) = self.cfg.instances.get(i) else {
            return;
        };
        let group = c
            .sync_group
            .and_then(|g| self.cfg.sync_groups.get(g as usize));
        // A group's weighted trackers count only with sync_group_tracking_weight.
        let group_weights = group.is_some_and(|g| g.sync_group_tracking_weight);
        let own = c.tracks.range().map(|ti| (ti, true));
        let shared = group.map(|g| g.tracks.range().map(move |ti| (ti, group_weights)));
        let mut silent = false;
        let mut set_to = false;
        for (ti, weighted) in own.chain(shared.into_iter().flatten()) {
            let Some(t) = self.cfg.tracks.get(ti) else {
                continue;
            };
            let (TrackTarget::File(f), Some(fc)) =
                (&t.target, self.cfg.track_files.get(file as usize))
            else {
                continue;
            };
            if *f != file {
                continue;
            }
            let (w, rev) = match t.weight {
                Some(w) => (w as i64, t.reverse),
                None => (fc.weight as i64, fc.weight_reverse),
            };
            if w != 0 && !weighted {
                continue;
            }
            let (was, is) = (file_status(w, rev, old), file_status(w, rev, new));
            if was == is || (is != -254 && was != -254) {
                continue;
            }
            silent = true;
            set_to |= was == -254 && is != 0 && w != 0;
            out.push(Action::log(LogMsg::TrackFileFault {
                inst: i as u16,
                file,
                entering: is == -254,
            }));
        }
        self.recompute_priority(now, i, !silent, out);
        if set_to {
            if let Some(r) = self.inst.get(i) {
                out.push(Action::log(LogMsg::SettingPriority {
                    inst: i as u16,
                    prio: r.effective_priority,
                }));
            }
        }
    }

    /// Add tracker entry `ti` (an index into `Config::tracks`) to the verdict.
    fn apply_track(
        &self,
        ti: usize,
        ignore_weights: bool,
        v: &mut Verdict,
        cause: &mut dyn FnMut(StartFault),
    ) {
        let Some(t) = self.cfg.tracks.get(ti) else {
            return;
        };
        match &t.target {
            TrackTarget::Script(s) => {
                let Some(sc) = self.cfg.scripts.get(*s as usize) else {
                    return;
                };
                if self.scripts.get(*s as usize).is_some_and(|r| r.disabled) {
                    return;
                }
                let (w, rev) = match t.weight {
                    Some(w) => (w as i32, t.reverse),
                    None => (sc.weight as i32, sc.weight_reverse),
                };
                let st = self
                    .scripts
                    .get(*s as usize)
                    .map(|r| r.state)
                    .unwrap_or_default();
                if w == 0 {
                    // keepalived: down when `script_ok != !reverse`.
                    match st {
                        ScriptState::Unknown => v.pending = true,
                        ScriptState::Ko => v.fault |= !rev,
                        ScriptState::Ok => v.fault |= rev,
                    }
                } else if !ignore_weights {
                    v.total += weighted(w, rev, st == ScriptState::Ok, st == ScriptState::Ko);
                }
            }
            TrackTarget::Interface(name) => {
                let w = t.weight.unwrap_or(0) as i32;
                let up = self.ifs.iter().any(|f| f.name == *name && f.up);
                if w == 0 {
                    if up == t.reverse {
                        v.fault = true;
                        cause(StartFault::InterfaceDown {
                            track: Some(ti as u16),
                        });
                    }
                } else if !ignore_weights {
                    v.total += weighted(w, t.reverse, up, !up);
                }
            }
            TrackTarget::Process(p) => {
                let Some(pc) = self.cfg.track_processes.get(*p as usize) else {
                    return;
                };
                let (w, rev) = match t.weight {
                    Some(w) => (w as i32, t.reverse),
                    None => (pc.weight as i32, pc.weight_reverse),
                };
                let up = self.process_up(*p);
                // keepalived: a weight-0 tracker is down when `have_quorum != !reverse`.
                if w == 0 {
                    if up == rev {
                        v.fault = true;
                        cause(StartFault::Process { process: *p });
                    }
                } else if !ignore_weights {
                    v.total += weighted(w, rev, up, !up);
                }
            }
            TrackTarget::File(f) => {
                let Some(fc) = self.cfg.track_files.get(*f as usize) else {
                    return;
                };
                let (w, rev) = match t.weight {
                    Some(w) => (w as i64, t.reverse),
                    None => (fc.weight as i64, fc.weight_reverse),
                };
                let val = self.files.get(*f as usize).copied().flatten().unwrap_or(0);
                if w == 0 {
                    if (val != 0) != rev {
                        v.fault = true;
                        cause(StartFault::File {
                            file: *f,
                            status: -254,
                        });
                    }
                } else if !ignore_weights {
                    let p = val.saturating_mul(if rev { -w } else { w });
                    if p < -253 {
                        v.fault = true;
                        cause(StartFault::File {
                            file: *f,
                            status: p,
                        });
                    } else {
                        v.total += p.clamp(-254, 254) as i32;
                    }
                }
            }
        }
    }
}

/// keepalived's status of a tracked file (`track_file.c`): -254 is FAULT, else the weighted
/// value clamped to -253..=253; weight 0 is FAULT for a non-zero value (a zero one with
/// `reverse`).
fn file_status(w: i64, reverse: bool, value: i64) -> i64 {
    if w == 0 {
        return if (value != 0) != reverse { -254 } else { 0 };
    }
    value
        .saturating_mul(if reverse { -w } else { w })
        .clamp(-254, 253)
}

/// Contribution of a weighted tracker: w > 0 adds w while OK; w < 0 subtracts |w| while
/// failed; `reverse` swaps which result applies and the sign.
fn weighted(w: i32, reverse: bool, ok: bool, ko: bool) -> i32 {
    match (w > 0, reverse) {
        (true, false) => {
            if ok {
                w
            } else {
                0
            }
        }
        (false, false) => {
            if ko {
                w
            } else {
                0
            }
        }
        (true, true) => {
            if ok {
                -w
            } else {
                0
            }
        }
        (false, true) => {
            if ko {
                -w
            } else {
                0
            }
        }
    }
}
