//! Gratuitous ARP / unsolicited NA plans (§B.6): `garp_master_repeat` rounds on becoming
//! master, a second burst after `garp_master_delay`, the periodic refresh, the burst on
//! hearing a lower priority. Rounds on one interface are spaced by `garp_interval` /
//! `gna_interval`; with a zero interval a whole burst goes out at once.

use core::net::IpAddr;

use super::{Action, Actions, Core};
use crate::logmsg::LogMsg;
use crate::time::{Duration, Instant};

impl Core {
    fn garp_spacing(&self, i: usize) -> Duration {
        match self.cfg.instances.get(i) {
            Some(c) if c.family == crate::config::Family::V6 => c.garp.na_interval,
            Some(c) => c.garp.interval,
            None => Duration::ZERO,
        }
    }

    /// The interface a VIP's GARPs/NAs leave by: its `dev`, else the instance's interface
    /// (keepalived 2.2.7 sends on the address's own interface).
    fn vip_ifindex(&self, i: usize, v: usize) -> u32 {
        match self.cfg.vips.get(v).and_then(|x| x.dev.as_ref()) {
            Some(d) => self
                .ifs
                .iter()
                .find(|f| f.name == *d)
                .map_or(0, |f| f.ifindex),
            None => self.ifindex_of(i),
        }
    }

    /// One GARP (or NA) for every VIP and eVIP of instance `i`.
    pub(super) fn garp_round(&mut self, i: usize, out: &mut Actions) {
        let inst = i as u16;
        let Some(c) = self.cfg.instances.get(i) else {
            return;
        };
        for v in c.vips.range().chain(c.evips.range()) {
            let ifindex = self.vip_ifindex(i, v);
            let vip = v as u16;
            match self.addrs.get(v) {
                Some(IpAddr::V4(a)) => {
                    out.push(Action::log(LogMsg::SendingGarp {
                        inst,
                        vip,
                        addr: IpAddr::V4(*a),
                    }));
                    out.push(Action::SendGarp {
                        ifindex,
                        addr: *a,
                        instance: inst,
                    });
                }
                Some(IpAddr::V6(a)) => {
                    out.push(Action::log(LogMsg::SendingNa {
                        inst,
                        vip,
                        addr: IpAddr::V6(*a),
                    }));
                    out.push(Action::SendNa {
                        ifindex,
                        addr: *a,
                        instance: inst,
                    });
                }
                None => {}
            }
        }
    }

    /// Start a burst of `repeat` rounds at `now`.
    pub(super) fn garp_burst(&mut self, now: Instant, i: usize, repeat: u32, out: &mut Actions) {
        if repeat == 0 {
            return;
        }
        let spacing = self.garp_spacing(i);
        if spacing.is_zero() {
            for _ in 0..repeat {
                self.garp_round(i, out);
            }
            return;
        }
        self.garp_round(i, out);
        if let Some(r) = self.inst.get_mut(i) {
            r.garp.left = repeat - 1;
            r.garp.next_at = if repeat > 1 {
                Some(now + spacing)
            } else {
                None
            };
        }
    }

    /// The next round of a spaced burst is due.
    pub(super) fn garp_continue(&mut self, now: Instant, i: usize, out: &mut Actions) {
        let spacing = self.garp_spacing(i);
        self.garp_round(i, out);
        if let Some(r) = self.inst.get_mut(i) {
            r.garp.left = r.garp.left.saturating_sub(1);
            r.garp.next_at = if r.garp.left > 0 {
                Some(now + spacing)
            } else {
                None
            };
        }
    }

    /// Becoming master: first burst now, second after `garp_master_delay`, refresh armed.
    pub(super) fn start_master_garps(&mut self, now: Instant, i: usize, out: &mut Actions) {
        let Some(c) = self.cfg.instances.get(i) else {
            return;
        };
        let g = c.garp;
        let inst = i as u16;
        for v in c.vips.range().chain(c.evips.range()) {
            if let Some(a) = self.addrs.get(v) {
                let vip = v as u16;
                out.push(Action::log(LogMsg::QueueingGarps {
                    inst,
                    vip,
                    addr: *a,
                }));
            }
        }
        self.garp_burst(now, i, g.master_repeat, out);
        if let Some(r) = self.inst.get_mut(i) {
            r.garp2_at = if g.master_delay.is_zero() {
                None
            } else {
                Some(now + g.master_delay)
            };
            r.garp_refresh_at = if g.master_refresh.is_zero() {
                None
            } else {
                Some(now + g.master_refresh)
            };
        }
    }

    /// Master heard a lower priority: a burst now (`garp_lower_prio_repeat`, zero in strict
    /// mode), another after `garp_lower_prio_delay`.
    pub(super) fn lower_prio_garps(&mut self, now: Instant, i: usize, out: &mut Actions) {
        let Some(c) = self.cfg.instances.get(i) else {
            return;
        };
        if c.strict {
            return;
        }
        let g = c.garp;
        if g.lower_prio_repeat == 0 {
            return;
        }
        self.garp_burst(now, i, g.lower_prio_repeat, out);
        if !g.lower_prio_delay.is_zero() {
            if let Some(r) = self.inst.get_mut(i) {
                r.garp_lower_at = Some(now + g.lower_prio_delay);
            }
        }
    }
}
