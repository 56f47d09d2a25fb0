//! The one `poll(2)` loop: a fixed table of owned descriptors with typed slots.
//!
//! Modelled on OpenNTPD's `ntp.c`: the `pollfd` array is rebuilt from the table on every turn
//! and readiness is reported back as the typed [`Slot`] of each ready descriptor, in table
//! order. The timerfd and the signalfd are fixed members (always slots 0 and 1). Nothing here
//! allocates: the table and the `pollfd` array are `heapless` vectors.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use heapless::Vec;

use super::signalfd::SignalFd;
use super::timerfd::TimerFd;

/// Descriptors besides the timer and signal fds: per interface and family a VRRP socket, an
/// AH socket, a packet socket and an ARP receive socket, plus netlink and a few spares, and
/// the pidfds of the processes `vrrp_track_process` watches.
pub const MAX_FDS: usize = crate::limits::MAX_INTERFACES * 6 + 8 + crate::limits::MAX_PROC_WATCHES;

/// What a descriptor is for; the daemon dispatches on this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The monotonic timerfd (armed at the core's next deadline).
    Timer,
    /// The signalfd.
    Signal,
    /// The rtnetlink monitor socket (link and address groups).
    Netlink,
    /// The rtnetlink command socket (requests are answered synchronously; late replies are
    /// drained when it polls readable).
    NetlinkCmd,
    /// IPv4 raw socket, protocol 112, bound to an interface.
    Vrrp4 { ifindex: u32 },
    /// IPv6 raw socket, protocol 112, bound to an interface.
    Vrrp6 { ifindex: u32 },
    /// IPv4 raw socket, protocol 51 (keepalived's IPsec-AH), bound to an interface.
    Ah4 { ifindex: u32 },
    /// PF_PACKET socket for GARP/NA frames (send only).
    Packet { ifindex: u32 },
    /// PF_PACKET socket receiving ARP frames (split-brain detection), BPF-filtered.
    ArpRx { ifindex: u32 },
    /// The SMTP alert connection: a descriptor owned by `crate::notify::smtp_conn` (a new
    /// one per alert), polled with the interest set by [`Reactor::set_extra`].
    Smtp,
    /// The inotify descriptor watching the `track_file` directories.
    Inotify,
    /// A pidfd of a process that a `vrrp_track_process` tracker counts: readable once the
    /// process has exited.
    ProcExit { pid: u32 },
    /// A notify FIFO, opened read-write so it never blocks or fails without a reader; it is
    /// written only and never polled.
    Fifo { id: u16 },
}

/// Fixed table of descriptors plus the timer and signal fds.
pub struct Reactor {
    pub timer: TimerFd,
    pub signals: SignalFd,
    table: Vec<(OwnedFd, Slot), MAX_FDS>,
    pfds: Vec<libc::pollfd, { MAX_FDS + 3 }>,
    /// A borrowed descriptor polled as [`Slot::Smtp`] (fd, events), and what it reported.
    extra: Option<(RawFd, i16)>,
    pub extra_revents: i16,
}

/// The set of slots ready after one [`Reactor::wait`].
pub type Ready = Vec<Slot, { MAX_FDS + 3 }>;

impl Reactor {
    pub fn new() -> io::Result<Reactor> {
        Ok(Reactor {
            timer: TimerFd::new()?,
            signals: SignalFd::new()?,
            table: Vec::new(),
            pfds: Vec::new(),
            extra: None,
            extra_revents: 0,
        })
    }

    /// Take ownership of `fd` under `slot`. Fails with `EMFILE`-like `OutOfMemory` when the
    /// table is full, and refuses a duplicate slot.
    pub fn add(&mut self, fd: OwnedFd, slot: Slot) -> io::Result<RawFd> {
        if self.table.iter().any(|(_, s)| *s == slot) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "reactor slot already in use",
            ));
        }
        let raw = fd.as_raw_fd();
        self.table.push((fd, slot)).map_err(|_| {
            io::Error::new(io::ErrorKind::OutOfMemory, "reactor table full (MAX_FDS)")
        })?;
        Ok(raw)
    }

    /// Close the descriptor of `slot`; returns whether it existed.
    pub fn remove(&mut self, slot: Slot) -> bool {
        match self.table.iter().position(|(_, s)| *s == slot) {
            Some(i) => {
                self.table.swap_remove(i);
                true
            }
            None => false,
        }
    }

    /// The raw descriptor of `slot`, borrowed for one syscall.
    pub fn fd(&self, slot: Slot) -> Option<RawFd> {
        match slot {
            Slot::Timer => Some(self.timer.as_raw_fd()),
            Slot::Signal => Some(self.signals.as_raw_fd()),
            _ => self
                .table
                .iter()
                .find(|(_, s)| *s == slot)
                .map(|(f, _)| f.as_raw_fd()),
        }
    }

    /// Every slot in the table (not the timer and signal fds).
    pub fn slots(&self) -> impl Iterator<Item = Slot> + '_ {
        self.table.iter().map(|(_, s)| *s)
    }

    /// Poll a descriptor owned elsewhere (the SMTP connection) for `events` on the next
    /// turns; `None` stops. The owner keeps it open while it is set.
    pub fn set_extra(&mut self, fd: Option<RawFd>, events: i16) {
        self.extra = fd.filter(|_| events != 0).map(|f| (f, events));
    }

    /// Block until at least one descriptor is ready (or `timeout_ms`, -1 = forever) and fill
    /// `ready` with the slots that are. EINTR returns with nothing ready.
    pub fn wait(&mut self, ready: &mut Ready, timeout_ms: i32) -> io::Result<()> {
        ready.clear();
        self.pfds.clear();
        let mk = |fd: RawFd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // Capacity is MAX_FDS + 2 and the table holds at most MAX_FDS: these pushes fit.
        let _ = self.pfds.push(mk(self.timer.as_raw_fd()));
        let _ = self.pfds.push(mk(self.signals.as_raw_fd()));
        for (fd, slot) in self.table.iter() {
            // poll(2) ignores negative descriptors: write-only slots keep their index.
            let raw = match slot {
                Slot::Fifo { .. } => -1,
                _ => fd.as_raw_fd(),
            };
            let _ = self.pfds.push(mk(raw));
        }
        if let Some((fd, events)) = self.extra {
            let _ = self.pfds.push(libc::pollfd {
                fd,
                events,
                revents: 0,
            });
        }
        self.extra_revents = 0;
        // SAFETY: `pfds` holds `len()` initialised pollfd structs that the kernel may update.
        let n = unsafe {
            libc::poll(
                self.pfds.as_mut_ptr(),
                self.pfds.len() as libc::nfds_t,
                timeout_ms,
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            return if e.raw_os_error() == Some(libc::EINTR) {
                Ok(())
            } else {
                Err(e)
            };
        }
        for (i, p) in self.pfds.iter().enumerate() {
            if p.revents == 0 {
                continue;
            }
            let slot = match i {
                0 => Slot::Timer,
                1 => Slot::Signal,
                _ => match self.table.get(i - 2) {
                    Some((_, s)) => *s,
                    None => {
                        self.extra_revents = p.revents;
                        Slot::Smtp
                    }
                },
            };
            let _ = ready.push(slot);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Duration;

    #[test]
    fn timer_readiness_is_reported_as_its_slot() {
        let mut r = Reactor::new().expect("reactor");
        let mut ready = Ready::new();
        let at = super::super::timerfd::now() + Duration::from_millis(5);
        r.timer.arm_at(Some(at)).expect("arm");
        r.wait(&mut ready, 1000).expect("wait");
        assert_eq!(ready.as_slice(), &[Slot::Timer]);
        assert_eq!(r.timer.drain().expect("drain"), 1);
    }

    #[test]
    fn table_refuses_duplicates_and_removes() {
        let mut r = Reactor::new().expect("reactor");
        let t = TimerFd::new().expect("fd").into_fd();
        let t2 = TimerFd::new().expect("fd").into_fd();
        let s = Slot::Packet { ifindex: 7 };
        r.add(t, s).expect("add");
        assert!(r.add(t2, s).is_err());
        assert!(r.fd(s).is_some());
        assert!(r.remove(s));
        assert!(r.fd(s).is_none());
    }
}
