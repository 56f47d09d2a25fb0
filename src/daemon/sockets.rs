//! The daemon's sockets: one per (interface, family, protocol) the instances use, opened at
//! start, on reload and when a used interface appears (again) under a new ifindex; closed
//! when the interface is deleted (they are bound to its ifindex).

use core::fmt::Write as _;
use core::net::IpAddr;
use std::io;

use heapless::Vec;

use super::run::Daemon;
use crate::config::{Auth, Family};
use crate::logging::StackBuf;
use crate::sys::raw;
use crate::sys::reactor::Slot;

impl Daemon {
    /// One socket per (interface, family, protocol) the instances use.
    pub(super) fn open_sockets(&mut self) {
        let cfg = self.core.config();
        let mut want: Vec<(Slot, Option<IpAddr>), 64> = Vec::new();
        for inst in cfg.instances.iter() {
            let Some(name) = inst.interface.as_ref() else {
                continue;
            };
            let Some(ifindex) = self.ifs.index_of(name) else {
                continue;
            };
            let group = if cfg.peers_of(inst.peers).is_empty() {
                Some(inst.mcast_group.unwrap_or(match inst.family {
                    Family::V4 => IpAddr::V4(cfg.global.mcast_group4),
                    Family::V6 => cfg.global.mcast_group6,
                }))
            } else {
                None
            };
            let slot = match (inst.family, inst.auth) {
                (Family::V4, Auth::Ah(_)) => Slot::Ah4 { ifindex },
                (Family::V4, _) => Slot::Vrrp4 { ifindex },
                (Family::V6, _) => Slot::Vrrp6 { ifindex },
            };
            // IPv4 instances also watch ARP for foreign claims of their VIPs (split brain).
            let arp = (inst.family == Family::V4).then_some(Slot::ArpRx { ifindex });
            // GARPs and NAs go out on each VIP's own `dev` (keepalived 2.2.7).
            let devs = (inst.vips.range().chain(inst.evips.range()))
                .filter_map(|v| cfg.vips.get(v)?.dev.as_ref())
                .filter_map(|d| self.ifs.index_of(d))
                .map(|ifindex| Slot::Packet { ifindex });
            for s in [slot, Slot::Packet { ifindex }]
                .into_iter()
                .chain(arp)
                .chain(devs)
            {
                match want.iter_mut().find(|(w, _)| *w == s) {
                    Some(w) => w.1 = w.1.or(group),
                    None => {
                        let _ = want.push((s, group));
                    }
                }
            }
        }
        for (slot, group) in want {
            if self.reactor.fd(slot).is_some() {
                continue;
            }
            if let Err(e) = self.open_socket(slot, group) {
                log::error!("cannot open socket {:?}: {}", slot, e);
            }
        }
    }

    /// Close every socket bound to `ifindex` (the interface was deleted).
    pub(super) fn close_sockets(&mut self, ifindex: u32) {
        for s in [
            Slot::Vrrp4 { ifindex },
            Slot::Ah4 { ifindex },
            Slot::Vrrp6 { ifindex },
            Slot::Packet { ifindex },
            Slot::ArpRx { ifindex },
        ] {
            self.reactor.remove(s);
        }
    }

    fn open_socket(&mut self, slot: Slot, group: Option<IpAddr>) -> io::Result<()> {
        let ifindex = match slot {
            Slot::Vrrp4 { ifindex }
            | Slot::Vrrp6 { ifindex }
            | Slot::Ah4 { ifindex }
            | Slot::Packet { ifindex }
            | Slot::ArpRx { ifindex } => ifindex,
            _ => return Ok(()),
        };
        let Some(i) = self.ifs.by_index(ifindex) else {
            return Ok(());
        };
        let name = i.name.clone();
        let ipv4 = i.ipv4;
        let g4 = match group {
            Some(IpAddr::V4(g)) => Some(g),
            _ => None,
        };
        let (fd, notes) = match slot {
            Slot::Vrrp4 { .. } => raw::open4(&name, ifindex, raw::IPPROTO_VRRP, g4, ipv4)?,
            Slot::Ah4 { .. } => raw::open4(&name, ifindex, raw::IPPROTO_AH, g4, ipv4)?,
            Slot::Vrrp6 { .. } => {
                let g6 = match group {
                    Some(IpAddr::V6(g)) => Some(g),
                    _ => None,
                };
                raw::open6(&name, ifindex, g6)?
            }
            Slot::ArpRx { .. } => {
                let (fd, filtered) = crate::sys::packet::open_arp_rx(ifindex)?;
                if !filtered {
                    log::warn!(
                        "{}: SO_ATTACH_FILTER refused; filtering ARP in userspace",
                        name
                    );
                }
                (fd, Default::default())
            }
            _ => (crate::sys::packet::open(ifindex)?, Default::default()),
        };
        if notes.multicast_if_refused {
            log::warn!(
                "{}: IP_MULTICAST_IF refused (qemu?); using SO_BINDTODEVICE",
                name
            );
        }
        let (fam, proto) = match slot {
            Slot::Vrrp4 { .. } => ("IPv4", 112),
            Slot::Ah4 { .. } => ("IPv4", 51),
            Slot::Vrrp6 { .. } => ("IPv6", 112),
            _ => ("packet", 0),
        };
        let raw_fd = self.reactor.add(fd, slot)?;
        if proto != 0 {
            let mut line = StackBuf::<160>::new();
            let _ = write!(
                line,
                "VRRP sockpool: [ifindex({:3}), family({}), proto({}), fd({}) {}",
                ifindex,
                fam,
                proto,
                raw_fd,
                if group.is_some() {
                    "multicast"
                } else {
                    "unicast"
                }
            );
            if let Some(g) = group {
                let _ = write!(line, ", address({})", g);
            }
            let _ = write!(line, "]");
            log::debug!("{}", line.as_str());
        }
        Ok(())
    }
}
