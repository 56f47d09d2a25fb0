//! Gratuitous ARP / unsolicited NA plans (§B.6): `garp_master_repeat` rounds on becoming
//! master, a second burst after `garp_master_delay`, the periodic refresh, the burst on
//! hearing a lower priority.
//!
//! Pacing is per INTERFACE, as keepalived 2.2.7 does it (`vrrp_arp.c`, measured): with
//! `vrrp_garp_interval` / `vrrp_gna_interval` set, each interface may send one ARP (one NA)
//! per interval, across all instances. A send that finds its interface's slot taken marks the
//! address pending; a pending address is one entry whatever the number of rounds that asked
//! for it (5 rounds of 2 VIPs on a busy interface give 1 + 2 frames, not 10), and pending
//! addresses go out in instance then address order, one per slot. With a zero interval a
//! whole burst goes out at once.

use core::net::IpAddr;

use heapless::Vec;

use super::{Action, Actions, Core};
use crate::limits::{MAX_INTERFACES, MAX_VIPS};
use crate::logmsg::LogMsg;
use crate::time::{Duration, Instant};

/// The per-interface slots and the pending addresses (indices into `Config::vips`).
#[derive(Clone, Debug)]
pub(super) struct GarpQueue {
    /// (ifindex, next ARP allowed at, next NA allowed at).
    slots: Vec<(u32, Instant, Instant), MAX_INTERFACES>,
    pending: [u64; MAX_VIPS / 64 + 1],
    npending: u32,
}

impl Default for GarpQueue {
    fn default() -> Self {
        GarpQueue {
            slots: Vec::new(),
            pending: [0; MAX_VIPS / 64 + 1],
            npending: 0,
        }
    }
}

impl GarpQueue {
    fn slot(&self, ifindex: u32, na: bool) -> Instant {
        self.slots
            .iter()
            .find(|s| s.0 == ifindex)
            .map_or(Instant::ZERO, |s| if na { s.2 } else { s.1 })
    }

    /// Take the slot of `ifindex` until `until`. With the table full the interface stays
    /// unknown, so its frames go unpaced rather than never.
    fn take(&mut self, ifindex: u32, na: bool, until: Instant) {
        let pos = self.slots.iter().position(|s| s.0 == ifindex);
        let s = match pos {
            Some(p) => self.slots.get_mut(p),
            None => {
                let _ = self.slots.push((ifindex, Instant::ZERO, Instant::ZERO));
                self.slots.last_mut().filter(|s| s.0 == ifindex)
            }
        };
        if let Some(s) = s {
            if na {
                s.2 = until;
            } else {
                s.1 = until;
            }
        }
    }

    fn is_pending(&self, v: usize) -> bool {
        self.pending
            .get(v / 64)
            .is_some_and(|w| w & (1 << (v % 64)) != 0)
    }

    fn set_pending(&mut self, v: usize, on: bool) {
        let was = self.is_pending(v);
        if let Some(w) = self.pending.get_mut(v / 64) {
            if on {
                *w |= 1 << (v % 64);
            } else {
                *w &= !(1 << (v % 64));
            }
        }
        match (was, on) {
            (false, true) => self.npending += 1,
            (true, false) => self.npending = self.npending.saturating_sub(1),
            _ => {}
        }
    }

    /// Forget every pending address (a reload renumbers the address pool).
    pub(super) fn clear_pending(&mut self) {
        self.pending = [0; MAX_VIPS / 64 + 1];
        self.npending = 0;
    }
}

impl Core {
    /// The pacing interval of instance `i` for ARP (`na` false) or NA.
    fn garp_spacing(&self, i: usize, na: bool) -> Duration {
        match self.cfg.instances.get(i) {
            Some(c) if na => c.garp.na_interval,
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

    /// The frame for VIP `v` of instance `i`, now.
    fn garp_emit(&mut self, i: usize, v: usize, out: &mut Actions) {
        let ifindex = self.vip_ifindex(i, v);
        let (inst, vip) = (i as u16, v as u16);
        match self.addrs.get(v) {
            Some(IpAddr::V4(a)) => {
                let addr = IpAddr::V4(*a);
                out.push(Action::log(LogMsg::SendingGarp { inst, vip, addr }));
                out.push(Action::SendGarp {
                    ifindex,
                    addr: *a,
                    instance: inst,
                });
            }
            Some(IpAddr::V6(a)) => {
                let addr = IpAddr::V6(*a);
                out.push(Action::log(LogMsg::SendingNa { inst, vip, addr }));
                out.push(Action::SendNa {
                    ifindex,
                    addr: *a,
                    instance: inst,
                });
            }
            None => {}
        }
    }

    /// Send VIP `v`'s frame if its interface's slot is free, else mark it pending.
    fn garp_send(&mut self, now: Instant, i: usize, v: usize, out: &mut Actions) {
        let na = self.addrs.get(v).is_some_and(|a| a.is_ipv6());
        let spacing = self.garp_spacing(i, na);
        if spacing.is_zero() {
            return self.garp_emit(i, v, out);
        }
        let ifindex = self.vip_ifindex(i, v);
        if self.garpq.slot(ifindex, na) <= now {
            self.garp_emit(i, v, out);
            self.garpq.take(ifindex, na, now + spacing);
        } else {
            self.garpq.set_pending(v, true);
        }
    }

    /// A burst of `repeat` rounds over every VIP and eVIP of instance `i`; the first round
    /// logs "Sending/queueing" per address, as keepalived does for every burst.
    pub(super) fn garp_burst(&mut self, now: Instant, i: usize, repeat: u32, out: &mut Actions) {
        let Some(c) = self.cfg.instances.get(i) else {
            return;
        };
        let vips = c.vips.range().chain(c.evips.range());
        for round in 0..repeat {
            for v in vips.clone() {
                if round == 0 {
                    if let Some(a) = self.addrs.get(v) {
                        out.push(Action::log(LogMsg::QueueingGarps {
                            inst: i as u16,
                            vip: v as u16,
                            addr: *a,
                        }));
                    }
                }
                self.garp_send(now, i, v, out);
            }
        }
    }

    /// Pending addresses whose interface slot has come, in instance then address order.
    pub(super) fn garp_due(&mut self, now: Instant, out: &mut Actions) {
        if self.garpq.npending == 0 {
            return;
        }
        for i in 0..self.inst.len() {
            let Some(c) = self.cfg.instances.get(i) else {
                continue;
            };
            for v in c.vips.range().chain(c.evips.range()) {
                if !self.garpq.is_pending(v) {
                    continue;
                }
                let na = self.addrs.get(v).is_some_and(|a| a.is_ipv6());
                let ifindex = self.vip_ifindex(i, v);
                if self.garpq.slot(ifindex, na) <= now {
                    self.garpq.set_pending(v, false);
                    self.garp_emit(i, v, out);
                    let spacing = self.garp_spacing(i, na);
                    self.garpq.take(ifindex, na, now + spacing);
                }
            }
        }
    }

    /// When the next pending address may go.
    pub(super) fn garp_deadline(&self) -> Option<Instant> {
        if self.garpq.npending == 0 {
            return None;
        }
        let mut at: Option<Instant> = None;
        for (i, c) in self.cfg.instances.iter().enumerate() {
            for v in c.vips.range().chain(c.evips.range()) {
                if self.garpq.is_pending(v) {
                    let na = self.addrs.get(v).is_some_and(|a| a.is_ipv6());
                    let t = self.garpq.slot(self.vip_ifindex(i, v), na);
                    at = Some(at.map_or(t, |x| x.min(t)));
                }
            }
        }
        at
    }

    /// Instance `i` left MASTER: its addresses are no longer ours to announce.
    pub(super) fn garp_drop(&mut self, i: usize) {
        let Some(c) = self.cfg.instances.get(i) else {
            return;
        };
        for v in c.vips.range().chain(c.evips.range()) {
            self.garpq.set_pending(v, false);
        }
    }

    /// Becoming master: first burst now, second after `garp_master_delay`, refresh armed.
    pub(super) fn start_master_garps(&mut self, now: Instant, i: usize, out: &mut Actions) {
        let Some(c) = self.cfg.instances.get(i) else {
            return;
        };
        let g = c.garp;
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
