//! Re-reading the kernel's view of our interfaces: the dump done at start and on reload, and
//! again after rtnetlink notifications were lost (ENOBUFS on the monitor socket). For the
//! latter, [`IfTable::diff_iface`] computes the notifications that turn the table into what
//! the dump shows, so they go through the same handler as real ones.
//!
//! keepalived 2.2.7 only logs the overrun (netlink_parse_info) and goes on with a view that
//! may be wrong until the next change of the same object; we re-read instead.

use core::net::IpAddr;
use std::io;
use std::os::fd::RawFd;

use heapless::Vec;

use super::iface::{IfTable, Iface, SeenAddr, MAX_EXTRA_ADDRS, RT_SCOPE_LINK};
use crate::limits::MAX_INTERFACES;
use crate::sys::netlink::{self, NlEvent};

/// Addresses of our interfaces a dump keeps (VIPs included).
pub const SNAP_ADDRS: usize = 1024;

/// Most notifications [`IfTable::diff_iface`] produces for one interface: the link gone and
/// back, every tracked address lost, as many gained as the table can track.
pub const DIFF_MAX: usize = 2 + 4 * (1 + MAX_EXTRA_ADDRS);

/// The kernel's state of the interfaces the table names, as one dump showed it.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// `NlEvent::Link` of each of our names that exists.
    pub links: Vec<NlEvent, MAX_INTERFACES>,
    /// Addresses on those links, in dump order.
    pub addrs: Vec<SeenAddr, SNAP_ADDRS>,
    /// More addresses than `addrs` holds: an address missing from it may still exist.
    pub truncated: bool,
}

impl Snapshot {
    pub fn clear(&mut self) {
        self.links.clear();
        self.addrs.clear();
        self.truncated = false;
    }

    /// Whether the dump listed `addr` on `ifindex`.
    pub fn has(&self, ifindex: u32, addr: IpAddr) -> bool {
        self.addrs
            .iter()
            .any(|a| a.ifindex == ifindex && a.addr == addr)
    }

    fn link(&self, name: &str) -> Option<&NlEvent> {
        self.links
            .iter()
            .find(|l| matches!(l, NlEvent::Link { name: n, .. } if n.as_str() == name))
    }
}

impl IfTable {
    /// Dump links and addresses over the command socket `fd` into `snap`: the links the table
    /// names, and the addresses on them. Bounded (each reply waited for at most 1 s).
    pub fn dump(
        &self,
        fd: RawFd,
        seq: &mut u32,
        buf: &mut [u8],
        snap: &mut Snapshot,
    ) -> io::Result<()> {
        snap.clear();
        let mut req = [0u8; 64];
        *seq = seq.wrapping_add(1);
        let n = netlink::build_dump(netlink::RTM_GETLINK, *seq, &mut req)?;
        netlink::transact(fd, &req[..n], *seq, buf, |ev| {
            if let NlEvent::Link {
                deleted: false,
                ref name,
                ..
            } = ev
            {
                if self.by_name(name).is_some() {
                    let _ = snap.links.push(ev);
                }
            }
        })?;
        *seq = seq.wrapping_add(1);
        let n = netlink::build_dump(netlink::RTM_GETADDR, *seq, &mut req)?;
        let links = &snap.links;
        let (addrs, truncated) = (&mut snap.addrs, &mut snap.truncated);
        netlink::transact(fd, &req[..n], *seq, buf, |ev| {
            if let NlEvent::Addr {
                deleted: false,
                ifindex,
                addr,
                prefix,
                scope,
            } = ev
            {
                let ours = links
                    .iter()
                    .any(|l| matches!(l, NlEvent::Link { ifindex: i, .. } if *i == ifindex));
                let seen = SeenAddr {
                    ifindex,
                    addr,
                    prefix,
                    scope,
                };
                if ours && addrs.push(seen).is_err() {
                    *truncated = true;
                }
            }
        })?;
        Ok(())
    }

    /// The notifications that bring entry `k` to what `snap` shows, computed on the table as
    /// it is now and meant to be applied in order: the link deleted (gone, or recreated under
    /// a new ifindex), the link new or changed, the gained addresses in dump order (not our
    /// VIPs: `ours(ifname, addr)`), then the tracked ones lost (the one in use last). Gains
    /// come first so that an address replaced while notifications were lost is taken over
    /// by a new one without a moment with no address (which would mean FAULT). Addresses are
    /// not reported lost when the dump was truncated.
    pub fn diff_iface(
        &self,
        k: usize,
        snap: &Snapshot,
        ours: impl Fn(&str, IpAddr) -> bool,
        out: &mut Vec<NlEvent, DIFF_MAX>,
    ) {
        out.clear();
        let Some(e) = self.ifs.get(k) else { return };
        let now = snap.link(&e.name);
        let now_index = match now {
            Some(NlEvent::Link { ifindex, .. }) => *ifindex,
            _ => 0,
        };
        let same = e.ifindex != 0 && now_index == e.ifindex;
        if e.ifindex != 0 && !same {
            let _ = out.push(NlEvent::Link {
                deleted: true,
                ifindex: e.ifindex,
                name: e.name.clone(),
                up: false,
                running: false,
                mac: None,
            });
        }
        let Some(
            link @ NlEvent::Link {
                up, running, mac, ..
            },
        ) = now
        else {
            return;
        };
        if !same || *up != e.up || *running != e.running || mac.is_some_and(|m| m != e.mac) {
            let _ = out.push(link.clone());
        }
        let tracked = |a: IpAddr| same && e.has(a);
        let (mut n4, mut n6) = (0, 0);
        for a in snap.addrs.iter().filter(|a| a.ifindex == now_index) {
            let n = match a.addr {
                IpAddr::V4(_) => &mut n4,
                IpAddr::V6(_) if a.scope == RT_SCOPE_LINK => &mut n6,
                IpAddr::V6(_) => continue,
            };
            if *n > MAX_EXTRA_ADDRS || tracked(a.addr) || ours(&e.name, a.addr) {
                continue;
            }
            *n += 1;
            let _ = out.push(a.added());
        }
        if same && !snap.truncated {
            lost(e, snap, out);
        }
    }
}

/// The deletions of the tracked addresses of `e` the dump no longer lists.
fn lost(e: &Iface, snap: &Snapshot, out: &mut Vec<NlEvent, DIFF_MAX>) {
    let del = |addr: IpAddr, scope: u8| NlEvent::Addr {
        deleted: true,
        ifindex: e.ifindex,
        addr,
        prefix: 0,
        scope,
    };
    let v4 = e
        .extra4
        .iter()
        .map(|a| IpAddr::V4(*a))
        .chain(e.ipv4.map(IpAddr::V4));
    for a in v4.filter(|a| !snap.has(e.ifindex, *a)) {
        let _ = out.push(del(a, 0));
    }
    let v6 = e
        .extra6
        .iter()
        .map(|a| IpAddr::V6(*a))
        .chain(e.ll6.map(IpAddr::V6));
    for a in v6.filter(|a| !snap.has(e.ifindex, *a)) {
        let _ = out.push(del(a, RT_SCOPE_LINK));
    }
}

#[cfg(test)]
#[path = "resync_tests.rs"]
mod tests;
