//! Inputs of the core: everything the daemon observes becomes one [`Event`].
//!
//! The only notion of time the core has is the monotonic `now` passed to
//! [`crate::core::Core::handle`]; no event carries a wall-clock time.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::config::{Config, Family};
use crate::wire::RxAdvert;

/// How a check script run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptResult {
    /// Exit status (0 = success).
    Exited(i32),
    /// Killed by a signal (counts as failure).
    Signalled(i32),
    /// Killed at its timeout (counts as failure).
    TimedOut,
    /// fork/exec failed (counts as failure).
    FailedToStart,
}

/// What the daemon knows about one interface (at start and on every change).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IfInfo<'a> {
    pub name: &'a str,
    pub ifindex: u32,
    pub up: bool,
    /// Primary IPv4 address.
    pub ipv4: Option<Ipv4Addr>,
    /// IPv6 link-local address.
    pub ll6: Option<Ipv6Addr>,
    pub mac: [u8; 6],
}

/// One input.
#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    /// Start the instances (after the interfaces were reported): keepalived's vrrp_init_state.
    Start,
    /// An IPv4 packet from the raw socket (IP header included).
    Packet4 { ifindex: u32, bytes: &'a [u8] },
    /// A VRRP message from the IPv6 raw socket (the kernel stripped the header and verified
    /// the checksum).
    Packet6 {
        ifindex: u32,
        src: Ipv6Addr,
        dst: Ipv6Addr,
        hop_limit: u8,
        bytes: &'a [u8],
    },
    /// An already decoded advert. `checksum_verified`: the caller checked the checksum (as the
    /// kernel does for IPv6); otherwise the core checks it (IPv4 rule of keepalived).
    Advert {
        ifindex: u32,
        rx: &'a RxAdvert<'a>,
        checksum_verified: bool,
    },
    /// An ARP request or reply seen on `ifindex` (PF_PACKET, our own frames excluded by the
    /// daemon): the sender claims `sender_ip` at `sender_mac`. A MASTER owning `sender_ip` as a
    /// VIP reports a split brain when the MAC is not its interface's (report only).
    Arp {
        ifindex: u32,
        sender_ip: Ipv4Addr,
        sender_mac: [u8; 6],
    },
    /// A deadline returned by `next_deadline()` was reached: handle everything due at `now`.
    Timer,
    /// An interface appeared or changed (name → ifindex, up flag, addresses, MAC).
    Interface(IfInfo<'a>),
    /// An interface disappeared.
    InterfaceGone { ifindex: u32 },
    /// A check script (index into `Config::scripts`) finished.
    Script { script: u16, result: ScriptResult },
    /// A track_file (index into `Config::track_files`) holds this value.
    TrackFile { file: u16, value: i64 },
    /// This many running processes match a `vrrp_track_process` (index into
    /// `Config::track_processes`).
    TrackProcess { process: u16, count: u32 },
    /// Someone else deleted an address we had set (netlink RTM_DELADDR not caused by us).
    VipDeleted { ifindex: u32, addr: IpAddr },
    /// The raw socket of (`ifindex`, `family`, AH or VRRP) was (`ok`) or could not be opened.
    /// keepalived 2.2.7 leaves the instances of a failed socket in BACKUP for good: their
    /// master-down timer is never serviced, so they never become MASTER unheard.
    Socket {
        ifindex: u32,
        family: Family,
        ah: bool,
        ok: bool,
    },
    /// Orderly stop (SIGTERM): masters send priority 0, VIPs removed, notify_stop.
    Shutdown,
    /// SIGHUP with a fully parsed and validated new configuration.
    Reload(&'a Config),
}
