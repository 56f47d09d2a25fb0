//! Interface facts through `ioctl(2)` on a throw-away datagram socket: index, MAC, flags and
//! the primary IPv4 address. IPv6 link-local addresses come from the netlink dump instead.

use std::io;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, OwnedFd};

use super::{cvt, ifname_array, owned};

/// What the daemon needs to know about one interface at start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IfFacts {
    pub ifindex: u32,
    pub mac: [u8; 6],
    /// IFF_UP and IFF_RUNNING.
    pub up: bool,
    pub running: bool,
    /// SIOCGIFADDR (the primary IPv4 address), if any.
    pub ipv4: Option<Ipv4Addr>,
}

fn ctl_socket() -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2) call.
    owned(unsafe {
        libc::socket(
            libc::AF_INET,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            0,
        )
    })
}

fn ifreq(name: &str) -> libc::ifreq {
    // SAFETY: ifreq is plain data (a name and a union of plain data); all-zero is valid.
    let mut r: libc::ifreq = unsafe { core::mem::zeroed() };
    r.ifr_name = ifname_array(name);
    r
}

fn ioctl(fd: &OwnedFd, req: libc::c_ulong, r: &mut libc::ifreq) -> io::Result<()> {
    // SAFETY: `r` is a valid ifreq for the SIOCGIF* requests used here, which only write
    // inside the struct.
    cvt(unsafe { libc::ioctl(fd.as_raw_fd(), req as _, r as *mut libc::ifreq) }).map(|_| ())
}

/// Interface index by name (`if_nametoindex`); `None` when it does not exist.
pub fn ifindex(name: &str) -> Option<u32> {
    let arr = ifname_array(name);
    // SAFETY: `arr` is NUL-terminated (ifname_array keeps the last byte 0).
    let i = unsafe { libc::if_nametoindex(arr.as_ptr()) };
    (i != 0).then_some(i)
}

/// Index, MAC, flags and primary IPv4 address of `name`.
pub fn facts(name: &str) -> io::Result<IfFacts> {
    let index = ifindex(name).ok_or_else(|| io::Error::from_raw_os_error(libc::ENODEV))?;
    let s = ctl_socket()?;
    let mut r = ifreq(name);
    ioctl(&s, libc::SIOCGIFHWADDR as _, &mut r)?;
    // SAFETY: SIOCGIFHWADDR filled the `ifru_hwaddr` member of the union.
    let hw = unsafe { r.ifr_ifru.ifru_hwaddr };
    let mut mac = [0u8; 6];
    for (m, b) in mac.iter_mut().zip(hw.sa_data.iter()) {
        *m = *b as u8;
    }
    let mut r = ifreq(name);
    ioctl(&s, libc::SIOCGIFFLAGS as _, &mut r)?;
    // SAFETY: SIOCGIFFLAGS filled the `ifru_flags` member.
    let flags = unsafe { r.ifr_ifru.ifru_flags } as i32;
    let mut r = ifreq(name);
    let ipv4 = match ioctl(&s, libc::SIOCGIFADDR as _, &mut r) {
        Ok(()) => {
            // SAFETY: SIOCGIFADDR filled `ifru_addr` with a sockaddr_in (AF_INET socket).
            let sa = unsafe { r.ifr_ifru.ifru_addr };
            let d = sa.sa_data;
            Some(Ipv4Addr::new(
                d[2] as u8, d[3] as u8, d[4] as u8, d[5] as u8,
            ))
        }
        Err(_) => None,
    };
    Ok(IfFacts {
        ifindex: index,
        mac,
        up: flags & libc::IFF_UP != 0,
        running: flags & libc::IFF_RUNNING != 0,
        ipv4,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_exists_and_missing_does_not() {
        let lo = facts("lo").expect("lo");
        assert!(lo.ifindex > 0);
        assert!(lo.up);
        assert!(ifindex("krs-no-such-if").is_none());
        assert!(facts("krs-no-such-if").is_err());
    }
}
