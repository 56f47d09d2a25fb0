//! Reading the kernel's view of our interfaces: the dump done at start and on reload.

use core::net::IpAddr;
use std::io;
use std::os::fd::RawFd;

use heapless::Vec;

use super::iface::{IfTable, SeenAddr};
use crate::limits::MAX_INTERFACES;
use crate::sys::netlink::{self, NlEvent};

/// Addresses of our interfaces a dump keeps (VIPs included).
pub const SNAP_ADDRS: usize = 1024;

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
}
