//! Raw sockets the daemon could not open (`Event::Socket`).
//!
//! keepalived 2.2.7 registers no read thread for a socket whose fd is -1, and an instance's
//! timers run off its socket's thread: the instances of that socket stay BACKUP (their
//! master-down timer is never serviced), deaf and mute, rather than becoming MASTER unheard.
//! A later successful open (the interface re-created) restarts their master-down timer, as
//! keepalived's setup_interface does.

use super::{Core, State};
use crate::config::{Auth, Family};
use crate::time::Instant;

/// One bit per raw socket of an interface: IPv4 VRRP, IPv4 AH, IPv6 VRRP.
fn sock_bit(family: Family, ah: bool) -> u8 {
    match (family, ah) {
        (Family::V4, false) => 1,
        (Family::V4, true) => 2,
        (Family::V6, _) => 4,
    }
}

impl Core {
    fn sock_bit_of(&self, i: usize) -> u8 {
        self.icfg(i)
            .map(|c| sock_bit(c.family, matches!(c.auth, Auth::Ah(_))))
            .unwrap_or(0)
    }

    /// Instance `i`'s raw socket could not be opened.
    pub(super) fn socket_missing(&self, i: usize) -> bool {
        let ifindex = self.ifindex_of(i);
        let bit = self.sock_bit_of(i);
        ifindex != 0
            && self
                .no_socket
                .iter()
                .any(|&(x, b)| x == ifindex && b & bit != 0)
    }

    pub(super) fn on_socket(
        &mut self,
        now: Instant,
        ifindex: u32,
        family: Family,
        ah: bool,
        ok: bool,
    ) {
        let bit = sock_bit(family, ah);
        let pos = self.no_socket.iter().position(|&(x, _)| x == ifindex);
        let was_missing = pos
            .and_then(|p| self.no_socket.get(p))
            .is_some_and(|&(_, b)| b & bit != 0);
        match (ok, pos) {
            (false, Some(p)) => {
                if let Some(e) = self.no_socket.get_mut(p) {
                    e.1 |= bit;
                }
            }
            (false, None) => {
                let _ = self.no_socket.push((ifindex, bit));
            }
            (true, Some(p)) => {
                if let Some(e) = self.no_socket.get_mut(p) {
                    e.1 &= !bit;
                    if e.1 == 0 {
                        self.no_socket.swap_remove(p);
                    }
                }
            }
            (true, None) => {}
        }
        if !(ok && was_missing && self.started) {
            return;
        }
        for i in 0..self.inst.len() {
            let idle = self
                .inst
                .get(i)
                .is_some_and(|r| r.state == State::Backup && r.master_down_at.is_none());
            if idle && self.ifindex_of(i) == ifindex && self.sock_bit_of(i) == bit {
                self.arm_down_timer(now, i);
            }
        }
    }

    /// The interface is gone: its sockets were closed; a new one gets a new ifindex.
    pub(super) fn forget_sockets(&mut self, ifindex: u32) {
        if let Some(p) = self.no_socket.iter().position(|&(x, _)| x == ifindex) {
            self.no_socket.swap_remove(p);
        }
    }
}
