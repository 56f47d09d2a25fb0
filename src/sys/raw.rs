//! Raw IP sockets for VRRP (IPPROTO 112) and keepalived's IPsec-AH (IPPROTO 51).
//!
//! One socket per (interface, family, protocol), bound to the device, used for both sending
//! and receiving:
//! - IPv4: `IP_HDRINCL` (the wire layer builds the IP header), multicast loop off, join the
//!   group with `ip_mreqn` (retried with `ip_mreq` on ENODEV: qemu-user 64-bit guests),
//!   `IP_MULTICAST_IF` failure (ENOPROTOOPT under qemu-user) is only a warning.
//! - IPv6: the kernel builds the header; `IPV6_CHECKSUM` at offset 6, hop limits 255, traffic
//!   class 0xc0, `IPV6_RECVHOPLIMIT` and `IPV6_RECVPKTINFO` for the receive checks; the source
//!   (link-local) is chosen per packet with an `IPV6_PKTINFO` control message.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::{cvt, cvt_size, owned, setsockopt};

pub const IPPROTO_VRRP: i32 = 112;
pub const IPPROTO_AH: i32 = 51;

fn bind_to_device(fd: RawFd, ifname: &str) -> io::Result<()> {
    let name = super::ifname_array(ifname);
    let len = ifname.len().min(libc::IFNAMSIZ - 1) + 1;
    // SAFETY: `name` holds at least `len` bytes (IFNAMSIZ) and is NUL-terminated.
    let r = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            name.as_ptr().cast(),
            len as libc::socklen_t,
        )
    };
    cvt(r).map(|_| ())
}

/// The step of opening a raw socket that failed: keepalived 2.2.7 logs each differently and
/// leaves the instances of that socket without one (they never leave BACKUP).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// socket(2) itself.
    Socket,
    /// SO_BINDTODEVICE.
    BindToDevice,
    /// IP_ADD_MEMBERSHIP / IPV6_ADD_MEMBERSHIP.
    Join,
    /// Any other socket option we need.
    Option,
}

/// A raw socket that could not be opened: the step and the OS error.
#[derive(Debug)]
pub struct OpenError {
    pub step: Step,
    pub err: io::Error,
}

fn at(step: Step) -> impl FnOnce(io::Error) -> OpenError {
    move |err| OpenError { step, err }
}

fn in_addr(a: Ipv4Addr) -> libc::in_addr {
    libc::in_addr {
        s_addr: u32::from_ne_bytes(a.octets()),
    }
}

/// Warnings raised while setting up a socket that did not stop it from working.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetupNotes {
    /// IP_MULTICAST_IF / IPV6_MULTICAST_IF was refused (qemu-user): SO_BINDTODEVICE suffices.
    pub multicast_if_refused: bool,
    /// ip_mreqn was refused with ENODEV and ip_mreq was used.
    pub used_ip_mreq: bool,
}

/// Open an IPv4 raw socket for `proto` on `ifname`, joined to `group` when given.
/// `if_addr` is the interface's IPv4 address for the `ip_mreq` fallback.
pub fn open4(
    ifname: &str,
    ifindex: u32,
    proto: i32,
    group: Option<Ipv4Addr>,
    if_addr: Option<Ipv4Addr>,
) -> Result<(OwnedFd, SetupNotes), OpenError> {
    let mut notes = SetupNotes::default();
    // SAFETY: plain socket(2) call.
    let fd = owned(unsafe {
        libc::socket(
            libc::AF_INET,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            proto,
        )
    })
    .map_err(at(Step::Socket))?;
    let raw = fd.as_raw_fd();
    setsockopt(raw, libc::IPPROTO_IP, libc::IP_HDRINCL, &1i32).map_err(at(Step::Option))?;
    bind_to_device(raw, ifname).map_err(at(Step::BindToDevice))?;
    setsockopt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP, &0i32).map_err(at(Step::Option))?;
    setsockopt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_TTL, &255i32).map_err(at(Step::Option))?;
    let mreqn = libc::ip_mreqn {
        imr_multiaddr: in_addr(group.unwrap_or(Ipv4Addr::UNSPECIFIED)),
        imr_address: in_addr(if_addr.unwrap_or(Ipv4Addr::UNSPECIFIED)),
        imr_ifindex: ifindex as i32,
    };
    if let Err(e) = setsockopt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, &mreqn) {
        if e.raw_os_error() == Some(libc::ENOPROTOOPT) {
            notes.multicast_if_refused = true;
        } else {
            return Err(at(Step::Option)(e));
        }
    }
    if let Some(g) = group {
        match setsockopt(raw, libc::IPPROTO_IP, libc::IP_ADD_MEMBERSHIP, &mreqn) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::ENODEV) => {
                let mreq = libc::ip_mreq {
                    imr_multiaddr: in_addr(g),
                    imr_interface: in_addr(if_addr.unwrap_or(Ipv4Addr::UNSPECIFIED)),
                };
                setsockopt(raw, libc::IPPROTO_IP, libc::IP_ADD_MEMBERSHIP, &mreq)
                    .map_err(at(Step::Join))?;
                notes.used_ip_mreq = true;
            }
            Err(e) => return Err(at(Step::Join)(e)),
        }
    }
    Ok((fd, notes))
}

/// Send one IPv4 packet built with its IP header (IP_HDRINCL) to `dst`.
pub fn send4(fd: RawFd, packet: &[u8], dst: Ipv4Addr) -> io::Result<usize> {
    let sa = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: in_addr(dst),
        sin_zero: [0; 8],
    };
    // SAFETY: `packet` is readable for its length; `sa` is a valid sockaddr_in of the size given.
    let r = unsafe {
        libc::sendto(
            fd,
            packet.as_ptr().cast(),
            packet.len(),
            0,
            (&sa as *const libc::sockaddr_in).cast(),
            core::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    };
    cvt_size(r)
}

/// Receive one IPv4 packet (IP header included). `Ok(None)` when nothing is queued.
pub fn recv4(fd: RawFd, buf: &mut [u8]) -> io::Result<Option<usize>> {
    // SAFETY: `buf` is writable for its length.
    let r = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
    match cvt_size(r) {
        Ok(n) => Ok(Some(n)),
        Err(e) if super::would_block(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Open an IPv6 raw socket for VRRP on `ifname`, joined to `group` when given.
pub fn open6(
    ifname: &str,
    ifindex: u32,
    group: Option<Ipv6Addr>,
) -> Result<(OwnedFd, SetupNotes), OpenError> {
    let mut notes = SetupNotes::default();
    // SAFETY: plain socket(2) call.
    let fd = owned(unsafe {
        libc::socket(
            libc::AF_INET6,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            IPPROTO_VRRP,
        )
    })
    .map_err(at(Step::Socket))?;
    let raw = fd.as_raw_fd();
    bind_to_device(raw, ifname).map_err(at(Step::BindToDevice))?;
    setsockopt(raw, libc::IPPROTO_IPV6, libc::IPV6_CHECKSUM, &6i32).map_err(at(Step::Option))?;
    setsockopt(raw, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_HOPS, &255i32)
        .map_err(at(Step::Option))?;
    setsockopt(raw, libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS, &255i32)
        .map_err(at(Step::Option))?;
    setsockopt(raw, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP, &0i32)
        .map_err(at(Step::Option))?;
    setsockopt(raw, libc::IPPROTO_IPV6, libc::IPV6_TCLASS, &0xc0i32).map_err(at(Step::Option))?;
    setsockopt(raw, libc::IPPROTO_IPV6, libc::IPV6_RECVHOPLIMIT, &1i32)
        .map_err(at(Step::Option))?;
    setsockopt(raw, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, &1i32).map_err(at(Step::Option))?;
    if let Err(e) = setsockopt(
        raw,
        libc::IPPROTO_IPV6,
        libc::IPV6_MULTICAST_IF,
        &(ifindex as i32),
    ) {
        if e.raw_os_error() == Some(libc::ENOPROTOOPT) {
            notes.multicast_if_refused = true;
        } else {
            return Err(at(Step::Option)(e));
        }
    }
    if let Some(g) = group {
        let mreq = libc::ipv6_mreq {
            ipv6mr_multiaddr: libc::in6_addr {
                s6_addr: g.octets(),
            },
            ipv6mr_interface: ifindex,
        };
        setsockopt(raw, libc::IPPROTO_IPV6, libc::IPV6_ADD_MEMBERSHIP, &mreq)
            .map_err(at(Step::Join))?;
    }
    Ok((fd, notes))
}

fn sockaddr6(a: Ipv6Addr, scope: u32) -> libc::sockaddr_in6 {
    libc::sockaddr_in6 {
        sin6_family: libc::AF_INET6 as libc::sa_family_t,
        sin6_port: 0,
        sin6_flowinfo: 0,
        sin6_addr: libc::in6_addr {
            s6_addr: a.octets(),
        },
        sin6_scope_id: scope,
    }
}

/// Control-message buffer, aligned for `cmsghdr`.
#[repr(C, align(8))]
struct CmsgBuf([u8; 128]);

/// Send a VRRP message (no IP header) over IPv6 from `src` (usually the link-local address).
pub fn send6(
    fd: RawFd,
    payload: &[u8],
    src: Ipv6Addr,
    dst: Ipv6Addr,
    ifindex: u32,
) -> io::Result<usize> {
    let mut sa = sockaddr6(dst, ifindex);
    let mut iov = libc::iovec {
        iov_base: payload.as_ptr() as *mut _,
        iov_len: payload.len(),
    };
    let mut cbuf = CmsgBuf([0; 128]);
    let info = libc::in6_pktinfo {
        ipi6_addr: libc::in6_addr {
            s6_addr: src.octets(),
        },
        ipi6_ifindex: ifindex,
    };
    // SAFETY: msghdr is plain data; every pointer we set refers to a live local.
    let mut msg: libc::msghdr = unsafe { core::mem::zeroed() };
    msg.msg_name = (&mut sa as *mut libc::sockaddr_in6).cast();
    msg.msg_namelen = core::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.0.as_mut_ptr().cast();
    // SAFETY: CMSG_SPACE is a pure size computation.
    let space = unsafe { libc::CMSG_SPACE(core::mem::size_of::<libc::in6_pktinfo>() as u32) };
    msg.msg_controllen = space as _;
    // SAFETY: msg_control points to `space` (<= 128) aligned bytes, so CMSG_FIRSTHDR is
    // non-null and its data area holds an in6_pktinfo.
    unsafe {
        let c = libc::CMSG_FIRSTHDR(&msg);
        if c.is_null() {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        (*c).cmsg_level = libc::IPPROTO_IPV6;
        (*c).cmsg_type = libc::IPV6_PKTINFO;
        (*c).cmsg_len = libc::CMSG_LEN(core::mem::size_of::<libc::in6_pktinfo>() as u32) as _;
        core::ptr::write_unaligned(libc::CMSG_DATA(c).cast::<libc::in6_pktinfo>(), info);
    }
    // SAFETY: `msg` is fully initialised and its buffers outlive the call.
    cvt_size(unsafe { libc::sendmsg(fd, &msg, 0) })
}

/// One IPv6 datagram's metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rx6 {
    pub len: usize,
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    pub hop_limit: u8,
    pub ifindex: u32,
}

/// Receive one VRRP message over IPv6 with its source, destination and hop limit.
pub fn recv6(fd: RawFd, buf: &mut [u8]) -> io::Result<Option<Rx6>> {
    // SAFETY: sockaddr_in6 is plain data.
    let mut sa: libc::sockaddr_in6 = unsafe { core::mem::zeroed() };
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let mut cbuf = CmsgBuf([0; 128]);
    // SAFETY: plain data; pointers set below refer to live locals.
    let mut msg: libc::msghdr = unsafe { core::mem::zeroed() };
    msg.msg_name = (&mut sa as *mut libc::sockaddr_in6).cast();
    msg.msg_namelen = core::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.0.as_mut_ptr().cast();
    msg.msg_controllen = cbuf.0.len() as _;
    // SAFETY: `msg` describes writable buffers that outlive the call.
    let r = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_DONTWAIT) };
    let len = match cvt_size(r) {
        Ok(n) => n,
        Err(e) if super::would_block(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut out = Rx6 {
        len,
        src: Ipv6Addr::from(sa.sin6_addr.s6_addr),
        dst: Ipv6Addr::UNSPECIFIED,
        hop_limit: 0,
        ifindex: 0,
    };
    // SAFETY: the kernel filled msg_control/msg_controllen; the CMSG_* macros walk it within
    // those bounds and we read the data with unaligned reads of the advertised types.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::IPPROTO_IPV6 {
                if (*c).cmsg_type == libc::IPV6_HOPLIMIT {
                    let h: i32 = core::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                    out.hop_limit = h.clamp(0, 255) as u8;
                } else if (*c).cmsg_type == libc::IPV6_PKTINFO {
                    let p: libc::in6_pktinfo = core::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                    out.dst = Ipv6Addr::from(p.ipi6_addr.s6_addr);
                    out.ifindex = p.ipi6_ifindex;
                }
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    Ok(Some(out))
}

/// Raise the socket receive buffer (best effort).
pub fn set_rcvbuf(fd: RawFd, bytes: i32) {
    let _ = setsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, &bytes);
}
