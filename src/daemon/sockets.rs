//! The daemon's sockets: one per (interface, family, protocol) the instances use, opened at
//! start, on reload and when a used interface appears (again) under a new ifindex; closed
//! when the interface is deleted (they are bound to its ifindex).

use core::fmt::Write as _;
use core::net::IpAddr;
use std::io;

use heapless::Vec;

use super::run::Daemon;
use crate::config::{Auth, Family};
use crate::core::Event;
use crate::logging::StackBuf;
use crate::sys::raw;
use crate::sys::reactor::Slot;
use crate::sys::timerfd::now;

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
        // Nothing is due from `Event::Socket` (it only arms or skips timers), but keep the
        // queue drained like every other event.
        if !self.acts.is_empty() {
            self.apply();
        }
    }

    /// keepalived 2.2.7 opens its gratuitous ARP / NDISC "shared channel" (a packet socket)
    /// at start; refused with EPERM or EAFNOSUPPORT (no CAP_NET_RAW) its VRRP process stops
    /// with "missing permission" (exit 4). We do the same rather than run deaf and mute.
    pub(super) fn check_packet_permission(cfg: &crate::config::Config) -> io::Result<()> {
        for (family, what) in [(Family::V4, "ARP"), (Family::V6, "NDISC")] {
            if !cfg.instances.iter().any(|c| c.family == family) {
                continue;
            }
            match crate::sys::packet::probe() {
                Ok(()) => log::debug!("Registering gratuitous {} shared channel", what),
                Err(e) => {
                    let errno = e.raw_os_error().unwrap_or(0);
                    log::info!(
                        "Error {} while registering gratuitous {} shared channel",
                        errno,
                        what
                    );
                    if errno == libc::EPERM || errno == libc::EAFNOSUPPORT {
                        return Err(io::Error::other(super::run::MissingPermission));
                    }
                }
            }
        }
        Ok(())
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

    /// Open the socket of `slot`; a raw VRRP/AH socket's outcome is reported to the core.
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
        let vrrp = match slot {
            Slot::Vrrp4 { .. } => Some((Family::V4, false)),
            Slot::Ah4 { .. } => Some((Family::V4, true)),
            Slot::Vrrp6 { .. } => Some((Family::V6, false)),
            _ => None,
        };
        let opened = match slot {
            Slot::Vrrp4 { .. } => Some(raw::open4(&name, ifindex, raw::IPPROTO_VRRP, g4, ipv4)),
            Slot::Ah4 { .. } => Some(raw::open4(&name, ifindex, raw::IPPROTO_AH, g4, ipv4)),
            Slot::Vrrp6 { .. } => {
                let g6 = match group {
                    Some(IpAddr::V6(g)) => Some(g),
                    _ => None,
                };
                Some(raw::open6(&name, ifindex, g6))
            }
            _ => None,
        };
        if let (Some((family, ah)), Some(r)) = (vrrp, opened.as_ref()) {
            if let Err(e) = r {
                log_open_error(&name, group, e);
            }
            let ev = Event::Socket {
                ifindex,
                family,
                ah,
                ok: r.is_ok(),
            };
            self.core.handle(now(), ev, &mut self.acts);
        }
        let (fd, notes) = match (opened, slot) {
            (Some(Ok(x)), _) => x,
            // Logged and reported above.
            (Some(Err(_)), _) => return Ok(()),
            (None, Slot::ArpRx { .. }) => {
                let (fd, filtered) = crate::sys::packet::open_arp_rx(ifindex)?;
                if !filtered {
                    log::warn!(
                        "{}: SO_ATTACH_FILTER refused; filtering ARP in userspace",
                        name
                    );
                }
                (fd, Default::default())
            }
            (None, _) => (crate::sys::packet::open(ifindex)?, Default::default()),
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

/// keepalived 2.2.7's line for the step that failed (vrrp.c / vrrp_if.c); ours for the rest.
fn log_open_error(ifname: &str, group: Option<IpAddr>, e: &raw::OpenError) {
    let errno = e.err.raw_os_error().unwrap_or(0);
    match e.step {
        raw::Step::Socket => log::info!("cant open raw socket. errno={}", errno),
        raw::Step::BindToDevice => log::info!(
            "can't bind to device {}. errno={}. (try to run it as root)",
            ifname,
            errno
        ),
        raw::Step::Join => {
            // strerror(3): io::Error's text without its " (os error N)" suffix.
            let mut text = StackBuf::<96>::new();
            let _ = write!(text, "{}", e.err);
            let text = text.as_str();
            let text = text.split(" (os error").next().unwrap_or(text);
            let (v6, g) = match group {
                Some(IpAddr::V6(g)) => ("v6", IpAddr::V6(g)),
                Some(g) => ("", g),
                None => ("", IpAddr::V4(core::net::Ipv4Addr::UNSPECIFIED)),
            };
            log::info!(
                "({}) cant do IP{}_ADD_MEMBERSHIP {} errno={} ({})",
                ifname,
                v6,
                g,
                text,
                errno
            );
        }
        raw::Step::Option => log::error!("{}: cannot set up the raw socket: {}", ifname, e.err),
    }
}
