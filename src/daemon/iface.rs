//! The interfaces the configuration names, resolved at start from an rtnetlink dump and kept
//! up to date from link/address notifications.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::io;
use std::os::fd::RawFd;

use heapless::Vec;

use crate::config::{Config, IfName};
use crate::limits::MAX_INTERFACES;
use crate::sys::netlink::{self, NlEvent};

/// What we know about one interface.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Iface {
    pub name: IfName,
    /// 0 while the interface does not exist.
    pub ifindex: u32,
    pub up: bool,
    pub running: bool,
    pub mac: [u8; 6],
    /// First IPv4 address the kernel lists (the primary).
    pub ipv4: Option<Ipv4Addr>,
    /// First IPv6 link-local address.
    pub ll6: Option<Ipv6Addr>,
}

/// The table of interfaces used by the configuration.
#[derive(Default)]
pub struct IfTable {
    pub ifs: Vec<Iface, MAX_INTERFACES>,
}

/// One address seen in the start-up dump (to find VIPs a crashed run left behind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeenAddr {
    pub ifindex: u32,
    pub addr: IpAddr,
    pub prefix: u8,
}

/// Addresses seen on our interfaces at start; bounded (extra ones are not tracked).
pub type SeenAddrs = Vec<SeenAddr, 256>;

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
        t
    }

    fn add_name(&mut self, n: &IfName) {
        if !self.ifs.iter().any(|i| &i.name == n) {
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

    /// Dump links and addresses over the command socket `fd` and fill the table; returns
    /// the addresses present on our interfaces.
    pub fn load(&mut self, fd: RawFd, seq: &mut u32, buf: &mut [u8]) -> io::Result<SeenAddrs> {
        let mut req = [0u8; 64];
        *seq = seq.wrapping_add(1);
        let n = netlink::build_dump(netlink::RTM_GETLINK, *seq, &mut req)?;
        let mut links: Vec<NlEvent, 64> = Vec::new();
        let mut overflow = false;
        netlink::transact(fd, &req[..n], *seq, buf, |ev| {
            if let NlEvent::Link { ref name, .. } = ev {
                if self.by_name(name).is_some() && links.push(ev).is_err() {
                    overflow = true;
                }
            }
        })?;
        for ev in links {
            self.apply(&ev);
        }
        *seq = seq.wrapping_add(1);
        let n = netlink::build_dump(netlink::RTM_GETADDR, *seq, &mut req)?;
        let mut seen = SeenAddrs::new();
        let mut addrs: Vec<NlEvent, 256> = Vec::new();
        netlink::transact(fd, &req[..n], *seq, buf, |ev| {
            if let NlEvent::Addr { ifindex, .. } = ev {
                if self.by_index(ifindex).is_some() {
                    let _ = addrs.push(ev);
                }
            }
        })?;
        for ev in addrs {
            if let NlEvent::Addr {
                ifindex,
                addr,
                prefix,
                ..
            } = ev
            {
                let _ = seen.push(SeenAddr {
                    ifindex,
                    addr,
                    prefix,
                });
            }
            self.apply(&ev);
        }
        let _ = overflow;
        Ok(seen)
    }

    /// Apply one notification; returns the index of the entry it changed, if any.
    pub fn apply(&mut self, ev: &NlEvent) -> Option<usize> {
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
                match addr {
                    IpAddr::V4(a) => {
                        if *deleted && e.ipv4 == Some(*a) {
                            e.ipv4 = None;
                        } else if !*deleted && e.ipv4.is_none() && *scope == 0 {
                            e.ipv4 = Some(*a);
                        }
                    }
                    IpAddr::V6(a) => {
                        let ll = a.segments()[0] & 0xffc0 == 0xfe80;
                        if *deleted && e.ll6 == Some(*a) {
                            e.ll6 = None;
                        } else if !*deleted && ll && e.ll6.is_none() {
                            e.ll6 = Some(*a);
                        }
                    }
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
        assert_eq!(t.apply(&link), Some(0));
        assert_eq!(t.index_of("eth0"), Some(4));
        let a = NlEvent::Addr {
            deleted: false,
            ifindex: 4,
            addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            prefix: 24,
            scope: 0,
        };
        t.apply(&a);
        assert_eq!(t.ifs[0].ipv4, Some(Ipv4Addr::new(192, 0, 2, 1)));
        let ll = NlEvent::Addr {
            deleted: false,
            ifindex: 4,
            addr: IpAddr::V6("fe80::1".parse().expect("v6")),
            prefix: 64,
            scope: 253,
        };
        t.apply(&ll);
        assert!(t.ifs[0].ll6.is_some());
        assert_eq!(t.apply(&NlEvent::Done { seq: 1 }), None);
        let gone = NlEvent::Link {
            deleted: true,
            ifindex: 4,
            name: name("eth0"),
            up: false,
            running: false,
            mac: None,
        };
        t.apply(&gone);
        assert_eq!(t.index_of("eth0"), None);
    }
}
