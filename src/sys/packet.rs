//! PF_PACKET sockets for gratuitous ARP and unsolicited neighbour advertisements.
//!
//! `SOCK_RAW` with protocol 0: the socket receives nothing (no queue to drain) and sends whole
//! Ethernet frames built by the wire layer (header included).

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::{cvt, cvt_size, owned};

/// Open a send-only packet socket bound to `ifindex`.
pub fn open(ifindex: u32) -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2) call; protocol 0 means "receive nothing".
    let fd = owned(unsafe {
        libc::socket(
            libc::AF_PACKET,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            0,
        )
    })?;
    let sa = ll_addr(ifindex, [0xff; 6], 0);
    // SAFETY: `sa` is a valid sockaddr_ll of the size given.
    cvt(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&sa as *const libc::sockaddr_ll).cast(),
            core::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    })?;
    Ok(fd)
}

fn ll_addr(ifindex: u32, mac: [u8; 6], proto: u16) -> libc::sockaddr_ll {
    let mut addr = [0u8; 8];
    addr[..6].copy_from_slice(&mac);
    libc::sockaddr_ll {
        sll_family: libc::AF_PACKET as u16,
        sll_protocol: proto.to_be(),
        sll_ifindex: ifindex as i32,
        sll_hatype: 0,
        sll_pkttype: 0,
        sll_halen: 6,
        sll_addr: addr,
    }
}

/// Send one Ethernet frame (header included) out of `ifindex`.
pub fn send(fd: RawFd, ifindex: u32, frame: &[u8]) -> io::Result<usize> {
    let mut dst = [0xffu8; 6];
    let mut proto = 0u16;
    if frame.len() >= 14 {
        dst.copy_from_slice(&frame[..6]);
        proto = u16::from_be_bytes([frame[12], frame[13]]);
    }
    let sa = ll_addr(ifindex, dst, proto);
    // SAFETY: `frame` is readable for its length; `sa` is a valid sockaddr_ll.
    let r = unsafe {
        libc::sendto(
            fd,
            frame.as_ptr().cast(),
            frame.len(),
            0,
            (&sa as *const libc::sockaddr_ll).cast(),
            core::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    cvt_size(r)
}
