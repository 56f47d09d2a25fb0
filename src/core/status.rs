//! The core's view for the dumps: [`Core::status`] fills `status::InstanceStatus` (JSON,
//! `.data`, `.stats`) from the configuration and the runtime state.

use heapless::Vec;

use super::{Core, State};
use crate::config::{Auth, TrackTarget};
use crate::status::InstanceStatus;
use crate::time::Instant;

impl Core {
    /// Names of the tracked interfaces and scripts of instance `i` (for `track_ifp` /
    /// `track_script`), appended to the caller's buffers.
    pub fn track_names<'a, const N: usize>(
        &'a self,
        i: usize,
        ifp: &mut Vec<&'a str, N>,
        scripts: &mut Vec<&'a str, N>,
    ) {
        let Some(c) = self.cfg.instances.get(i) else {
            return;
        };
        for t in self.cfg.tracks_of(c.tracks) {
            match &t.target {
                TrackTarget::Interface(n) => {
                    let _ = ifp.push(n.as_str());
                }
                TrackTarget::Script(s) => {
                    if let Some(sc) = self.cfg.scripts.get(*s as usize) {
                        let _ = scripts.push(sc.name.as_str());
                    }
                }
                TrackTarget::File(_) | TrackTarget::Process(_) => {}
            }
        }
    }

    /// Everything the dumps show about instance `i`. `now` is the monotonic time the
    /// `wall_now` (seconds since the epoch, for humans only) was read at; the last
    /// transition is converted with it.
    pub fn status<'a>(
        &'a self,
        i: usize,
        now: Instant,
        wall_now: f64,
        track_ifp: &'a [&'a str],
        track_script: &'a [&'a str],
    ) -> Option<InstanceStatus<'a>> {
        let c = self.cfg.instances.get(i)?;
        let r = self.inst.get(i)?;
        let cmd = |id: Option<u16>| {
            id.and_then(|id| self.cfg.command(id))
                .map(|x| x.line.as_str())
        };
        let secs = |d: crate::time::Duration| d.as_micros() as f64 / 1e6;
        let ago = now.saturating_since(r.last_transition);
        let (auth_type, auth_data) = match c.auth {
            Auth::None => (0, None),
            Auth::Pass(k) => (1, Some(k)),
            Auth::Ah(k) => (2, Some(k)),
        };
        let default_dev = c
            .interface
            .as_ref()
            .map(|s| s.as_str())
            .unwrap_or(self.cfg.global.default_interface.as_str());
        Some(InstanceStatus {
            iname: c.name.as_str(),
            ifname: c.interface.as_ref().map(|s| s.as_str()),
            dont_track_primary: c.dont_track_primary,
            skip_check_adv_addr: c.skip_check_adv_addr,
            strict_mode: c.strict,
            master_priority: if r.state == State::Master {
                r.effective_priority
            } else {
                r.master_priority
            },
            last_transition: wall_now - secs(ago),
            garp_delay_s: secs(c.garp.master_delay),
            garp_refresh_s: c.garp.master_refresh.as_secs(),
            garp_rep: c.garp.master_repeat,
            garp_refresh_rep: c.garp.master_refresh_repeat,
            garp_lower_prio_delay_s: c.garp.lower_prio_delay.as_secs(),
            garp_lower_prio_rep: c.garp.lower_prio_repeat,
            lower_prio_no_advert: self.lower_prio_no_advert(i),
            higher_prio_send_advert: self.higher_prio_send_advert(i),
            vrid: c.vrid,
            base_priority: r.base_priority,
            effective_priority: r.effective_priority,
            vipset: r.vipset,
            adver_int_s: secs(c.advert_int),
            master_adver_int_s: secs(r.master_adver_int),
            accept: c.accept,
            nopreempt: c.nopreempt,
            preempt_delay_s: c.preempt_delay.as_secs(),
            state: r.state as u8,
            wantstate: r.wantstate as u8,
            version: c.version,
            smtp_alert: c.smtp_alert,
            notify_deleted: c.notifies.deleted,
            script_backup: cmd(c.notifies.backup),
            script_master: cmd(c.notifies.master),
            script_fault: cmd(c.notifies.fault),
            script_stop: cmd(c.notifies.stop),
            script_deleted: cmd(c.notifies.deleted_cmd),
            script: cmd(c.notifies.generic),
            script_master_rx_lower_pri: cmd(c.notifies.master_rx_lower_pri),
            vips: self.cfg.vips_of(c.vips),
            evips: self.cfg.vips_of(c.evips),
            vroutes: self.cfg.routes_of(c.vroutes),
            default_dev,
            track_ifp,
            track_script,
            auth_type,
            auth_data,
            split_brain: r.split_brain,
            split_brain_count: r.stats.split_brain,
            stats: r.stats.counters(),
        })
    }
}
