//! Split brain reports (issue 5): a MASTER that hears another MASTER for its VRID (an advert
//! it rejects for its address list, or a lower-priority one it discards), or that sees another
//! MAC claim one of its VIPs in an ARP frame. Reports only: no state change; each kind of
//! report is logged at most once per advert interval.

use core::net::{IpAddr, Ipv4Addr};

use super::{Action, Actions, Core, State};
use crate::logmsg::LogMsg;
use crate::time::Instant;

impl Core {
    /// A master heard another master for its VRID: count it, log at most once per interval.
    pub(super) fn record_split_brain(
        &mut self,
        now: Instant,
        i: usize,
        from: IpAddr,
        out: &mut Actions,
    ) {
        let int = self.adver_int(i);
        let Some(r) = self.inst.get_mut(i) else {
            return;
        };
        if r.state != State::Master {
            return;
        }
        r.split_brain = true;
        r.stats.split_brain += 1;
        let due = match r.split_brain_logged_at {
            None => true,
            Some(t) => now >= t + int,
        };
        if due {
            r.split_brain_logged_at = Some(now);
            out.push(Action::log(LogMsg::SplitBrain {
                inst: i as u16,
                from,
            }));
        }
    }

    /// An ARP frame on `ifindex` says `sender_ip` is at `sender_mac`. Every MASTER instance on
    /// that interface owning `sender_ip` (VIP or eVIP) whose interface MAC differs records a
    /// split brain: another node (a MASTER whose adverts we cannot hear) claims our address.
    /// keepalived has no such rule; this only reports (no state change).
    pub(super) fn on_arp(
        &mut self,
        now: Instant,
        ifindex: u32,
        sender_ip: Ipv4Addr,
        sender_mac: [u8; 6],
        out: &mut Actions,
    ) {
        // Our own frame (another of our interfaces on the same segment, e.g. the GARP of a
        // VIP with `dev eth0` heard on eth1) is no other MASTER.
        if ifindex == 0
            || sender_ip.is_unspecified()
            || self.ifs.iter().any(|f| f.mac == sender_mac)
        {
            return;
        }
        for i in 0..self.cfg.instances.len() {
            let Some(f) = self.iface_of(i) else {
                continue;
            };
            if f.ifindex != ifindex || f.mac == sender_mac {
                continue;
            }
            if self.inst.get(i).map(|r| r.state) != Some(State::Master) {
                continue;
            }
            let Some(c) = self.cfg.instances.get(i) else {
                continue;
            };
            let ours = c
                .vips
                .range()
                .chain(c.evips.range())
                .any(|v| self.addrs.get(v) == Some(&IpAddr::V4(sender_ip)));
            if !ours {
                continue;
            }
            let int = self.adver_int(i);
            let Some(r) = self.inst.get_mut(i) else {
                continue;
            };
            r.split_brain = true;
            r.stats.split_brain += 1;
            let due = match r.split_brain_arp_logged_at {
                None => true,
                Some(t) => now >= t + int,
            };
            if due {
                r.split_brain_arp_logged_at = Some(now);
                out.push(Action::log(LogMsg::SplitBrainArp {
                    inst: i as u16,
                    addr: sender_ip,
                    mac: sender_mac,
                }));
            }
        }
    }
}
