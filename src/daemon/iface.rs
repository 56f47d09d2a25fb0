//! The interfaces the configuration names, resolved at start from an rtnetlink dump and kept
//! up to date from link/address notifications.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::io;
use std::os::fd::RawFd;

use heapless::Vec;

use crate::config::{Config, IfName};
use crate::limits::MAX_INTERFACES;
use crate::sys::netlink::NlEvent;

pub use super::resync::Snapshot;

/// rtnetlink scope of link-local addresses.
pub const RT_SCOPE_LINK: u8 = 253;

/// Other addresses kept per interface and family, besides the one in use; keepalived keeps
/// them all, later ones beyond this many are not tracked.
pub const MAX_EXTRA_ADDRS: usize = 16;

/// What we know about one interface.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Iface {
    pub name: IfName,
    /// 0 while the interface does not exist.
    pub ifindex: u32,
    pub up: bool,
    pub running: bool,
    pub mac: [u8; 6],
    /// The IPv4 address adverts are sent from: the first one seen (at start, the first the
    /// kernel lists: the primary), then a replacement when it goes (see [`addr_removed`]).
    pub ipv4: Option<Ipv4Addr>,
    /// The interface's other IPv4 addresses (not our VIPs), in the order they appeared.
    pub extra4: Vec<Ipv4Addr, MAX_EXTRA_ADDRS>,
    /// The IPv6 link-local address in use, chosen the same way.
    pub ll6: Option<Ipv6Addr>,
    /// The other IPv6 link-local addresses.
    pub extra6: Vec<Ipv6Addr, MAX_EXTRA_ADDRS>,
}

impl Iface {
    /// Whether the table tracks `a` on this interface.
    pub fn has(&self, a: IpAddr) -> bool {
        match a {
            IpAddr::V4(a) => self.ipv4 == Some(a) || self.extra4.contains(&a),
            IpAddr::V6(a) => self.ll6 == Some(a) || self.extra6.contains(&a),
        }
    }
}

/// keepalived's model of an interface's addresses of one family (netlink_if_address_filter,
/// RTM_NEWADDR): the first address seen becomes the one in use; later ones are kept in the
/// order they came (one seen again, e.g. a secondary promoted to primary, is not added twice).
fn addr_added<T: PartialEq + Copy>(
    used: &mut Option<T>,
    extra: &mut Vec<T, MAX_EXTRA_ADDRS>,
    a: T,
) {
    match used {
        None => *used = Some(a),
        Some(u) if *u == a => {}
        Some(_) => {
            if !extra.contains(&a) {
                let _ = extra.push(a);
            }
        }
    }
}

/// RTM_DELADDR in the same model: when the address in use goes, the most recently added
/// other address (keepalived: the last entry of the interface's list) takes its place,
/// without a log line or a state change; only when none is left does the interface have no
/// address. Another address going is just forgotten.
fn addr_removed<T: PartialEq + Copy>(
    used: &mut Option<T>,
    extra: &mut Vec<T, MAX_EXTRA_ADDRS>,
    a: T,
) {
    if *used == Some(a) {
        *used = extra.pop();
    } else if let Some(p) = extra.iter().position(|x| *x == a) {
        extra.remove(p);
    }
}

/// The table of interfaces used by the configuration.
#[derive(Default)]
pub struct IfTable {
    pub ifs: Vec<Iface, MAX_INTERFACES>,
}

/// One address seen in a dump (at start: to find VIPs a crashed run left behind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeenAddr {
    pub ifindex: u32,
    pub addr: IpAddr,
    pub prefix: u8,
    pub scope: u8,
}

impl SeenAddr {
    /// The notification that announces this address.
    pub fn added(&self) -> NlEvent {
        NlEvent::Addr {
            deleted: false,
            ifindex: self.ifindex,
            addr: self.addr,
            prefix: self.prefix,
            scope: self.scope,
        }
    }
}

/// Whether `addr` is one of the configured VIPs / eVIPs that live on interface `ifname` (their
/// `dev`, else their instance's interface): keepalived never takes such an address as the
/// interface's own.
pub fn is_vip_on(cfg: &Config, ifname: &str, addr: IpAddr) -> bool {
    cfg.instances.iter().any(|i| {
        cfg.vips_of(i.vips)
            .iter()
            .chain(cfg.vips_of(i.evips))
            .any(|v| {
                v.ip() == addr
                    && v.dev.as_ref().or(i.interface.as_ref()).map(|d| d.as_str()) == Some(ifname)
            })
    })
}

impl IfTable {
    /// Names used by the configuration: instance interfaces, VIP/route `dev`s.
    pub fn from_config(cfg: &Config) -> IfTable {
        let mut t = IfTable::default();
        for i in cfg.instances.iter() {
            if let Some(n) = &i.interface {
                t.add_name(n);
            }
            for v in cfg.vips_of(i.vips).iter().chain(cfg.vips_of(i.evips)) {
                if let Some(d) = &v.dev {
                    t.add_name(d);
                }
            }
            for r in cfg.routes_of(i.vroutes) {
                if let Some(d) = &r.dev {
                    t.add_name(d);
                }
            }
        }
        // track_interface of instances and sync groups: the core must hear about them, or
        // a tracked interface counts as down (FAULT at start).
        for tr in cfg.tracks.iter() {
            if let crate::config::TrackTarget::Interface(n) = &tr.target {
                t.add_name(n);
            }
        }
        t
    }

    pub(super) fn add_name(&mut self, n: &IfName) {
        if !self.ifs.iter().any(|i| &i.name == n) {
            // Cannot be full: load refuses more than MAX_INTERFACES names (validate.rs).
            let _ = self.ifs.push(Iface {
                name: n.clone(),
                ..Default::default()
            });
        }
    }

    pub fn by_name(&self, n: &str) -> Option<&Iface> {
        self.ifs.iter().find(|i| i.name.as_str() == n)
    }

    pub fn by_index(&self, ifindex: u32) -> Option<&Iface> {
        if ifindex == 0 {
            return None;
        }
        self.ifs.iter().find(|i| i.ifindex == ifindex)
    }

    pub fn index_of(&self, n: &str) -> Option<u32> {
        self.by_name(n).map(|i| i.ifindex).filter(|&i| i != 0)
    }

    /// Dump links and addresses over the command socket `fd` into `snap` and fill the table
    /// from it (at start and on reload: no address is taken for a VIP there, as keepalived's
    /// start-up lookup runs before it knows its instances).
    pub fn load(
        &mut self,
        fd: RawFd,
        seq: &mut u32,
        buf: &mut [u8],
        snap: &mut Snapshot,
    ) -> io::Result<()> {
        self.dump(fd, seq, buf, snap)?;
        for ev in snap.links.iter() {
            self.apply(ev, |_, _| false);
        }
        for a in snap.addrs.iter() {
            self.apply(&a.added(), |_, _| false);
        }
        Ok(())
    }

    /// Apply one notification; returns the index of the entry it concerns, if any. `ours(ifname,
    /// addr)`: the address is one of our VIPs on that interface, which keepalived never takes
    /// as the interface's own address (ignore_address_if_ours_or_link_local).
    pub fn apply(&mut self, ev: &NlEvent, ours: impl Fn(&str, IpAddr) -> bool) -> Option<usize> {
        match ev {
            NlEvent::Link {
                deleted,
                ifindex,
                name,
                up,
                running,
                mac,
            } => {
                let pos = self
                    .ifs
                    .iter()
                    .position(|i| i.ifindex == *ifindex || i.name.as_str() == name.as_str())?;
                let e = &mut self.ifs[pos];
                if *deleted {
                    let name = e.name.clone();
                    *e = Iface {
                        name,
                        ..Default::default()
                    };
                } else {
                    e.ifindex = *ifindex;
                    e.up = *up;
                    e.running = *running;
                    if let Some(m) = mac {
                        e.mac = *m;
                    }
                }
                Some(pos)
            }
            NlEvent::Addr {
                deleted,
                ifindex,
                addr,
                scope,
                ..
            } => {
                let pos = self.ifs.iter().position(|i| i.ifindex == *ifindex)?;
                let e = &mut self.ifs[pos];
                // IPv6: only link-local addresses matter (the advert source).
                if addr.is_ipv6() && *scope != RT_SCOPE_LINK {
                    return Some(pos);
                }
                if !*deleted && ours(e.name.as_str(), *addr) {
                    return Some(pos);
                }
                match (addr, *deleted) {
                    (IpAddr::V4(a), false) => addr_added(&mut e.ipv4, &mut e.extra4, *a),
                    (IpAddr::V4(a), true) => addr_removed(&mut e.ipv4, &mut e.extra4, *a),
                    (IpAddr::V6(a), false) => addr_added(&mut e.ll6, &mut e.extra6, *a),
                    (IpAddr::V6(a), true) => addr_removed(&mut e.ll6, &mut e.extra6, *a),
                }
                Some(pos)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> IfName {
        let mut n = IfName::new();
        let _ = n.push_str(s);
        n
    }

    #[test]
    fn link_and_address_notifications_update_the_table() {
        let mut t = IfTable::default();
        t.add_name(&name("eth0"));
        let link = NlEvent::Link {
            deleted: false,
            ifindex: 4,
            name: name("eth0"),
            up: true,
            running: true,
            mac: Some([2, 0, 0, 0, 0, 1]),
        };
        assert_eq!(t.apply(&link, |_, _| false), Some(0));
        assert_eq!(t.index_of("eth0"), Some(4));
        let a = NlEvent::Addr {
            deleted: false,
            ifindex: 4,
            addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            prefix: 24,
            scope: 0,
        };
        t.apply(&a, |_, _| false);
        assert_eq!(t.ifs[0].ipv4, Some(Ipv4Addr::new(192, 0, 2, 1)));
        let ll = NlEvent::Addr {
            deleted: false,
            ifindex: 4,
            addr: IpAddr::V6("fe80::1".parse().expect("v6")),
            prefix: 64,
            scope: 253,
        };
        t.apply(&ll, |_, _| false);
        assert!(t.ifs[0].ll6.is_some());
        assert_eq!(t.apply(&NlEvent::Done { seq: 1 }, |_, _| false), None);
        let gone = NlEvent::Link {
            deleted: true,
            ifindex: 4,
            name: name("eth0"),
            up: false,
            running: false,
            mac: None,
        };
        t.apply(&gone, |_, _| false);
        assert_eq!(t.index_of("eth0"), None);
    }

    fn v4(d: u8) -> Ipv4Addr {
        Ipv4Addr::new(192, 0, 2, d)
    }

    fn addr(deleted: bool, d: u8) -> NlEvent {
        NlEvent::Addr {
            deleted,
            ifindex: 4,
            addr: IpAddr::V4(v4(d)),
            prefix: 24,
            scope: 0,
        }
    }

    fn table() -> IfTable {
        let mut t = IfTable::default();
        t.add_name(&name("eth0"));
        t.ifs[0].ifindex = 4;
        t
    }

    #[test]
    fn losing_the_address_in_use_switches_to_the_last_other_one() {
        let mut t = table();
        for d in [1, 2, 3] {
            t.apply(&addr(false, d), |_, _| false);
        }
        assert_eq!(t.ifs[0].ipv4, Some(v4(1)));
        // A secondary promoted to primary is announced again: not a second entry.
        t.apply(&addr(false, 2), |_, _| false);
        assert_eq!(t.ifs[0].extra4.as_slice(), &[v4(2), v4(3)]);
        // keepalived takes the last of the other addresses, not the kernel's promoted one.
        t.apply(&addr(true, 1), |_, _| false);
        assert_eq!(t.ifs[0].ipv4, Some(v4(3)));
        assert_eq!(t.ifs[0].extra4.as_slice(), &[v4(2)]);
        // Another address going changes nothing visible.
        t.apply(&addr(false, 4), |_, _| false);
        t.apply(&addr(true, 4), |_, _| false);
        assert_eq!(t.ifs[0].ipv4, Some(v4(3)));
        t.apply(&addr(true, 3), |_, _| false);
        assert_eq!(t.ifs[0].ipv4, Some(v4(2)));
        // The last one going leaves none: the instance goes FAULT (core).
        t.apply(&addr(true, 2), |_, _| false);
        assert_eq!(t.ifs[0].ipv4, None);
        assert!(t.ifs[0].extra4.is_empty());
        // The next one to come is used.
        t.apply(&addr(false, 5), |_, _| false);
        assert_eq!(t.ifs[0].ipv4, Some(v4(5)));
    }

    #[test]
    fn our_vips_are_never_the_interface_address() {
        let mut t = table();
        let vip = |n: &str, a: IpAddr| n == "eth0" && a == IpAddr::V4(v4(100));
        t.apply(&addr(false, 1), vip);
        t.apply(&addr(false, 100), vip);
        assert!(t.ifs[0].extra4.is_empty());
        // Own address removed while the VIP is still there: no address left.
        t.apply(&addr(true, 1), vip);
        assert_eq!(t.ifs[0].ipv4, None);
        t.apply(&addr(false, 100), vip);
        assert_eq!(t.ifs[0].ipv4, None);
        // The same address on another interface is not our VIP there.
        let other = |n: &str, a: IpAddr| n == "eth1" && a == IpAddr::V4(v4(100));
        t.apply(&addr(false, 100), other);
        assert_eq!(t.ifs[0].ipv4, Some(v4(100)));
    }

    #[test]
    fn ipv6_link_local_addresses_follow_the_same_rule() {
        let mut t = table();
        let ll = |deleted: bool, s: &str, scope: u8| NlEvent::Addr {
            deleted,
            ifindex: 4,
            addr: IpAddr::V6(s.parse().expect("v6")),
            prefix: 64,
            scope,
        };
        t.apply(&ll(false, "2001:db8::1", 0), |_, _| false);
        assert_eq!(t.ifs[0].ll6, None);
        t.apply(&ll(false, "fe80::1", RT_SCOPE_LINK), |_, _| false);
        t.apply(&ll(false, "fe80::2", RT_SCOPE_LINK), |_, _| false);
        t.apply(&ll(true, "fe80::1", RT_SCOPE_LINK), |_, _| false);
        assert_eq!(t.ifs[0].ll6, Some("fe80::2".parse().expect("v6")));
        t.apply(&ll(true, "fe80::2", RT_SCOPE_LINK), |_, _| false);
        assert_eq!(t.ifs[0].ll6, None);
    }

    #[test]
    fn vips_are_matched_on_their_interface() {
        let text = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n priority 100\n\
                    virtual_ipaddress {\n 192.0.2.100/32\n 192.0.2.101/32 dev eth1\n }\n\
                    virtual_ipaddress_excluded {\n 192.0.2.102/32\n }\n}\n";
        let opts = crate::config::LoadOptions::default();
        let cfg = crate::config::parse_str("t.conf", text, &opts)
            .config
            .expect("config");
        let a = |d| IpAddr::V4(v4(d));
        assert!(is_vip_on(&cfg, "eth0", a(100)));
        assert!(!is_vip_on(&cfg, "eth1", a(100)));
        assert!(is_vip_on(&cfg, "eth1", a(101)));
        assert!(is_vip_on(&cfg, "eth0", a(102)));
        assert!(!is_vip_on(&cfg, "eth0", a(1)));
    }
}
