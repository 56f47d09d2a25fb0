//! PF_PACKET sockets for gratuitous ARP and unsolicited neighbour advertisements.
//!
//! `SOCK_RAW` with protocol 0: the socket receives nothing (no queue to drain) and sends whole
//! Ethernet frames built by the wire layer (header included).
//!
//! [`open_arp_rx`]: a receive-only socket for ARP frames (`ETH_P_ARP`) with a classic-BPF
//! filter ([`ARP_FILTER`]), read with [`recv_arp`]; the daemon turns foreign ARPs for our VIPs
//! into split-brain reports.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::{cvt, cvt_size, owned};

/// Whether a packet socket can be opened at all (EPERM without CAP_NET_RAW); the socket is
/// closed again at once.
pub fn probe() -> io::Result<()> {
    // SAFETY: plain socket(2) call; protocol 0 means "receive nothing".
    owned(unsafe {
        libc::socket(
            libc::AF_PACKET,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            0,
        )
    })
    .map(drop)
}

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

/// EtherType of ARP.
pub const ETH_P_ARP: u16 = 0x0806;
/// `sockaddr_ll.sll_pkttype` of a frame we sent ourselves.
const PACKET_OUTGOING: u8 = 4;
/// Bytes of an Ethernet header plus an Ethernet/IPv4 ARP packet: the filter truncates to this.
pub const ARP_FRAME_LEN: usize = 14 + 28;

const fn stmt(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

const fn jump(code: u16, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

const BPF_LD_H_ABS: u16 = (libc::BPF_LD | libc::BPF_H | libc::BPF_ABS) as u16;
const BPF_LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const BPF_JEQ_K: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
const BPF_RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
/// `SKF_AD_OFF + SKF_AD_PKTTYPE`: the ancillary load of `skb->pkt_type`.
const SKF_AD_PKTTYPE: u32 = 0xffff_f000 + 4;

/// The classic-BPF program attached to the ARP receive socket (SO_ATTACH_FILTER), so that only
/// Ethernet/IPv4 ARP requests and replies sent by someone else reach userspace, truncated to
/// the 42 bytes we parse (jump targets are absolute instruction numbers here):
///
/// ```text
///  0: ld  [pkttype]                 ; ancillary load of skb->pkt_type
///  1: jeq #4 (OUTGOING) -> 12       ; our own frames (our GARPs): drop
///  2: ldh [12]                      ; EtherType
///  3: jeq #0x0806 else -> 12        ; not ARP: drop
///  4: ld  [14]                      ; hardware type << 16 | protocol type
///  5: jeq #0x00010800 else -> 12    ; not Ethernet/IPv4: drop
///  6: ldh [18]                      ; hardware len << 8 | protocol len
///  7: jeq #0x0604 else -> 12        ; not 6/4: drop
///  8: ldh [20]                      ; operation
///  9: jeq #1 (request) -> 11
/// 10: jeq #2 (reply) -> 11 else -> 12
/// 11: ret #42                       ; accept: Ethernet header + ARP packet
/// 12: ret #0                        ; drop
/// ```
pub const ARP_FILTER: [libc::sock_filter; 13] = [
    stmt(BPF_LD_W_ABS, SKF_AD_PKTTYPE),
    jump(BPF_JEQ_K, PACKET_OUTGOING as u32, 10, 0),
    stmt(BPF_LD_H_ABS, 12),
    jump(BPF_JEQ_K, ETH_P_ARP as u32, 0, 8),
    stmt(BPF_LD_W_ABS, 14),
    jump(BPF_JEQ_K, 0x0001_0800, 0, 6),
    stmt(BPF_LD_H_ABS, 18),
    jump(BPF_JEQ_K, 0x0604, 0, 4),
    stmt(BPF_LD_H_ABS, 20),
    jump(BPF_JEQ_K, 1, 1, 0),
    jump(BPF_JEQ_K, 2, 0, 1),
    stmt(BPF_RET_K, ARP_FRAME_LEN as u32),
    stmt(BPF_RET_K, 0),
];

/// Open a receive-only packet socket for ARP frames on `ifindex` with [`ARP_FILTER`]
/// attached. Returns whether the filter is attached (if the kernel refused it, every ARP frame
/// arrives and [`recv_arp`]'s caller must filter; `recv_arp` drops our own frames anyway).
pub fn open_arp_rx(ifindex: u32) -> io::Result<(OwnedFd, bool)> {
    // Protocol 0 at socket(2): nothing is queued before the filter is attached and bind(2)
    // names the protocol and the interface.
    // SAFETY: plain socket(2) call.
    let fd = owned(unsafe {
        libc::socket(
            libc::AF_PACKET,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            0,
        )
    })?;
    let prog = libc::sock_fprog {
        len: ARP_FILTER.len() as u16,
        filter: ARP_FILTER.as_ptr() as *mut libc::sock_filter,
    };
    // The kernel copies the program; `prog` and ARP_FILTER outlive the call.
    let filtered = super::setsockopt(
        fd.as_raw_fd(),
        libc::SOL_SOCKET,
        libc::SO_ATTACH_FILTER,
        &prog,
    )
    .is_ok();
    let sa = ll_addr(ifindex, [0; 6], ETH_P_ARP);
    // SAFETY: `sa` is a valid sockaddr_ll of the size given.
    cvt(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&sa as *const libc::sockaddr_ll).cast(),
            core::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    })?;
    Ok((fd, filtered))
}

/// Read one frame from an ARP receive socket into `buf` (non-blocking). `Ok(None)` when the
/// queue is empty. Frames we sent ourselves (`PACKET_OUTGOING`) are returned as length 0.
pub fn recv_arp(fd: RawFd, buf: &mut [u8]) -> io::Result<Option<usize>> {
    // SAFETY: an all-zero sockaddr_ll is a valid value.
    let mut sa: libc::sockaddr_ll = unsafe { core::mem::zeroed() };
    let mut len = core::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
    // SAFETY: `buf` is writable for its length; `sa`/`len` describe a writable sockaddr_ll.
    let r = unsafe {
        libc::recvfrom(
            fd,
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_DONTWAIT,
            (&mut sa as *mut libc::sockaddr_ll).cast(),
            &mut len,
        )
    };
    match cvt_size(r) {
        Ok(_) if sa.sll_pkttype == PACKET_OUTGOING => Ok(Some(0)),
        Ok(n) => Ok(Some(n)),
        Err(e) if super::would_block(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny interpreter of the instructions ARP_FILTER uses, to check the jump offsets.
    fn run(frame: &[u8], pkttype: u32) -> u32 {
        let mut a = 0u32;
        let mut pc = 0usize;
        loop {
            let i = ARP_FILTER[pc];
            pc += 1;
            match i.code {
                BPF_LD_W_ABS if i.k == SKF_AD_PKTTYPE => a = pkttype,
                BPF_LD_W_ABS => {
                    let k = i.k as usize;
                    match frame.get(k..k + 4) {
                        Some(b) => a = u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
                        None => return 0,
                    }
                }
                BPF_LD_H_ABS => {
                    let k = i.k as usize;
                    match frame.get(k..k + 2) {
                        Some(b) => a = u16::from_be_bytes([b[0], b[1]]) as u32,
                        None => return 0,
                    }
                }
                BPF_JEQ_K => pc += if a == i.k { i.jt } else { i.jf } as usize,
                BPF_RET_K => return i.k,
                c => panic!("unexpected opcode {c:#x}"),
            }
        }
    }

    fn arp_frame(op: u16) -> [u8; 60] {
        let mut f = [0u8; 60];
        f[..6].copy_from_slice(&[0xff; 6]);
        f[6..12].copy_from_slice(&[2, 0, 0, 0, 0, 2]);
        f[12..14].copy_from_slice(&ETH_P_ARP.to_be_bytes());
        f[14..22].copy_from_slice(&[0, 1, 8, 0, 6, 4, 0, 0]);
        f[20..22].copy_from_slice(&op.to_be_bytes());
        f
    }

    #[test]
    fn filter_accepts_foreign_arp_requests_and_replies_only() {
        assert_eq!(run(&arp_frame(1), 0), 42);
        assert_eq!(run(&arp_frame(2), 3), 42);
        assert_eq!(run(&arp_frame(3), 0), 0, "RARP-like op");
        assert_eq!(run(&arp_frame(1), PACKET_OUTGOING as u32), 0, "our own");
        let mut ip = arp_frame(1);
        ip[12..14].copy_from_slice(&[8, 0]);
        assert_eq!(run(&ip, 0), 0, "IPv4");
        let mut tr = arp_frame(1);
        tr[14..16].copy_from_slice(&[0, 6]);
        assert_eq!(run(&tr, 0), 0, "not Ethernet");
        assert_eq!(run(&arp_frame(1)[..20], 0), 0, "truncated");
    }
}
