//! rtnetlink: address and link requests built into caller buffers, and a pure, panic-free
//! parser of what the kernel sends back (notifications, dump replies, acks).
//!
//! [`parse`] works on `&[u8]` only, so it can be fuzzed without sockets. Netlink is host
//! byte order (native endian), unlike the wire formats.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use heapless::String;

use super::{cvt, cvt_size, owned};

pub const RTM_NEWLINK: u16 = 16;
pub const RTM_DELLINK: u16 = 17;
pub const RTM_GETLINK: u16 = 18;
pub const RTM_NEWADDR: u16 = 20;
pub const RTM_DELADDR: u16 = 21;
pub const RTM_GETADDR: u16 = 22;
pub const RTM_NEWROUTE: u16 = 24;
pub const RTM_DELROUTE: u16 = 25;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;

const NLM_F_REQUEST: u16 = 0x01;
const NLM_F_ACK: u16 = 0x04;
const NLM_F_ROOT: u16 = 0x100;
const NLM_F_MATCH: u16 = 0x200;
const NLM_F_EXCL: u16 = 0x200;
const NLM_F_CREATE: u16 = 0x400;

const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_LABEL: u16 = 3;
const IFA_BROADCAST: u16 = 4;
const IFA_FLAGS: u16 = 8;
pub const IFA_F_NODAD: u32 = 0x02;
pub const IFA_F_NOPREFIXROUTE: u32 = 0x200;

const IFLA_ADDRESS: u16 = 1;
const IFLA_IFNAME: u16 = 3;

/// `proto keepalived` in `ip route`: keepalived 2.2.7 marks its routes so (measured), and
/// tools and operators tell them from static ones by it.
const RTPROT_KEEPALIVED: u8 = 18;
const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_GATEWAY: u16 = 5;
const RTA_PRIORITY: u16 = 6;
const RTA_PREFSRC: u16 = 7;
const RTA_TABLE: u16 = 15;

/// Multicast groups: links, IPv4 addresses, IPv6 addresses.
pub const GROUPS_LINK_ADDR: u32 = 0x1 | 0x10 | 0x100;

const HDR: usize = 16;

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// What one netlink message said, as the daemon needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NlEvent {
    /// RTM_NEWLINK / RTM_DELLINK.
    Link {
        deleted: bool,
        ifindex: u32,
        name: String<16>,
        up: bool,
        running: bool,
        mac: Option<[u8; 6]>,
    },
    /// RTM_NEWADDR / RTM_DELADDR.
    Addr {
        deleted: bool,
        ifindex: u32,
        addr: IpAddr,
        prefix: u8,
        scope: u8,
    },
    /// NLMSG_ERROR: `errno` 0 is an ack; otherwise a positive errno.
    Ack { seq: u32, errno: i32 },
    /// NLMSG_DONE (end of a dump).
    Done { seq: u32 },
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_ne_bytes([*b.get(i)?, *b.get(i + 1)?]))
}
fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    let s = b.get(i..i + 4)?;
    Some(u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
}

/// Walk the rtattrs in `b`, calling `f(type, payload)`. Stops at the first malformed one.
fn attrs(mut b: &[u8], mut f: impl FnMut(u16, &[u8])) {
    while b.len() >= 4 {
        let (Some(len), Some(ty)) = (u16_at(b, 0), u16_at(b, 2)) else {
            return;
        };
        let len = len as usize;
        if len < 4 || len > b.len() {
            return;
        }
        f(ty & 0x3fff, &b[4..len]);
        b = b.get(align4(len)..).unwrap_or(&[]);
    }
}

fn ip_from(family: u8, p: &[u8]) -> Option<IpAddr> {
    match (family as i32, p.len()) {
        (libc::AF_INET, 4) => Some(IpAddr::V4(Ipv4Addr::new(p[0], p[1], p[2], p[3]))),
        (libc::AF_INET6, 16) => {
            let mut o = [0u8; 16];
            o.copy_from_slice(p);
            Some(IpAddr::V6(Ipv6Addr::from(o)))
        }
        _ => None,
    }
}

fn parse_link(ty: u16, body: &[u8]) -> Option<NlEvent> {
    let ifindex = u32_at(body, 4)?;
    let flags = u32_at(body, 8)?;
    let mut name = String::new();
    let mut mac = None;
    attrs(body.get(16..)?, |t, p| match t {
        IFLA_IFNAME => {
            for &c in p.iter().take_while(|&&c| c != 0) {
                let _ = name.push(c as char);
            }
        }
        IFLA_ADDRESS if p.len() == 6 => {
            let mut m = [0u8; 6];
            m.copy_from_slice(p);
            mac = Some(m);
        }
        _ => {}
    });
    Some(NlEvent::Link {
        deleted: ty == RTM_DELLINK,
        ifindex,
        name,
        up: flags & libc::IFF_UP as u32 != 0,
        running: flags & libc::IFF_RUNNING as u32 != 0,
        mac,
    })
}

fn parse_addr(ty: u16, body: &[u8]) -> Option<NlEvent> {
    let family = *body.first()?;
    let prefix = *body.get(1)?;
    let scope = *body.get(3)?;
    let ifindex = u32_at(body, 4)?;
    let (mut local, mut address) = (None, None);
    attrs(body.get(8..)?, |t, p| match t {
        IFA_LOCAL => local = ip_from(family, p),
        IFA_ADDRESS => address = ip_from(family, p),
        _ => {}
    });
    Some(NlEvent::Addr {
        deleted: ty == RTM_DELADDR,
        ifindex,
        addr: local.or(address)?,
        prefix,
        scope,
    })
}

/// Parse every message in one datagram from a netlink socket, calling `f` for each one the
/// daemon understands. Malformed input ends the walk; it never panics.
pub fn parse(buf: &[u8], mut f: impl FnMut(NlEvent)) {
    let mut b = buf;
    while b.len() >= HDR {
        let (Some(len), Some(ty), Some(seq)) = (u32_at(b, 0), u16_at(b, 4), u32_at(b, 8)) else {
            return;
        };
        let len = len as usize;
        if len < HDR || len > b.len() {
            return;
        }
        let body = &b[HDR..len];
        let ev = match ty {
            RTM_NEWLINK | RTM_DELLINK => parse_link(ty, body),
            RTM_NEWADDR | RTM_DELADDR => parse_addr(ty, body),
            NLMSG_ERROR => u32_at(body, 0).map(|e| NlEvent::Ack {
                seq,
                errno: (e as i32).wrapping_neg(),
            }),
            NLMSG_DONE => Some(NlEvent::Done { seq }),
            _ => None,
        };
        if let Some(ev) = ev {
            f(ev);
        }
        b = b.get(align4(len)..).unwrap_or(&[]);
    }
}

/// A message under construction in a caller-provided buffer.
struct Builder<'a> {
    buf: &'a mut [u8],
    len: usize,
    ok: bool,
}

impl<'a> Builder<'a> {
    fn new(buf: &'a mut [u8], ty: u16, flags: u16, seq: u32) -> Self {
        let mut b = Builder {
            buf,
            len: 0,
            ok: true,
        };
        b.put(&[0; 4]);
        b.put(&ty.to_ne_bytes());
        b.put(&flags.to_ne_bytes());
        b.put(&seq.to_ne_bytes());
        b.put(&[0; 4]);
        b
    }
    fn put(&mut self, data: &[u8]) {
        match self.buf.get_mut(self.len..self.len + data.len()) {
            Some(dst) => {
                dst.copy_from_slice(data);
                self.len += data.len();
            }
            None => self.ok = false,
        }
    }
    fn pad(&mut self) {
        while !self.len.is_multiple_of(4) && self.ok {
            self.put(&[0]);
        }
    }
    fn attr(&mut self, ty: u16, data: &[u8]) {
        self.put(&((4 + data.len()) as u16).to_ne_bytes());
        self.put(&ty.to_ne_bytes());
        self.put(data);
        self.pad();
    }
    fn finish(self) -> io::Result<usize> {
        if !self.ok {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "netlink buffer too small",
            ));
        }
        let len = (self.len as u32).to_ne_bytes();
        self.buf[..4].copy_from_slice(&len);
        Ok(self.len)
    }
}

fn ip_bytes(a: &IpAddr, out: &mut [u8; 16]) -> (u8, usize) {
    match a {
        IpAddr::V4(v) => {
            out[..4].copy_from_slice(&v.octets());
            (libc::AF_INET as u8, 4)
        }
        IpAddr::V6(v) => {
            out.copy_from_slice(&v.octets());
            (libc::AF_INET6 as u8, 16)
        }
    }
}

/// An address to add or delete (`ip addr add ADDR/LEN [brd B] [peer P] dev IF scope S label L`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddrReq<'a> {
    pub ifindex: u32,
    pub addr: IpAddr,
    pub prefix: u8,
    pub brd: Option<Ipv4Addr>,
    pub peer: Option<IpAddr>,
    pub scope: u8,
    pub label: Option<&'a str>,
    /// IFA_F_* flags (NODAD, NOPREFIXROUTE).
    pub flags: u32,
}

/// Build RTM_NEWADDR (`add`) or RTM_DELADDR with an ack request; returns its length.
pub fn build_addr(req: &AddrReq<'_>, add: bool, seq: u32, buf: &mut [u8]) -> io::Result<usize> {
    let (ty, flags) = if add {
        (
            RTM_NEWADDR,
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
        )
    } else {
        (RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK)
    };
    let mut b = Builder::new(buf, ty, flags, seq);
    let mut a = [0u8; 16];
    let (family, alen) = ip_bytes(&req.addr, &mut a);
    b.put(&[family, req.prefix, (req.flags & 0xff) as u8, req.scope]);
    b.put(&req.ifindex.to_ne_bytes());
    b.attr(IFA_LOCAL, &a[..alen]);
    match req.peer {
        Some(p) => {
            let mut pb = [0u8; 16];
            let (_, plen) = ip_bytes(&p, &mut pb);
            b.attr(IFA_ADDRESS, &pb[..plen]);
        }
        None => b.attr(IFA_ADDRESS, &a[..alen]),
    }
    if let Some(brd) = req.brd {
        b.attr(IFA_BROADCAST, &brd.octets());
    }
    if let Some(l) = req.label {
        let mut lb = [0u8; 16];
        let n = l.len().min(15);
        lb[..n].copy_from_slice(&l.as_bytes()[..n]);
        b.attr(IFA_LABEL, &lb[..n + 1]);
    }
    if req.flags != 0 {
        b.attr(IFA_FLAGS, &req.flags.to_ne_bytes());
    }
    b.finish()
}

/// A route to add or delete (`ip route add DST/LEN [via GW] [dev IF] [src S] [table T]
/// [metric M] [type]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteReq {
    pub dst: IpAddr,
    pub prefix: u8,
    pub via: Option<IpAddr>,
    pub oif: Option<u32>,
    pub src: Option<IpAddr>,
    pub table: u32,
    pub metric: Option<u32>,
    pub scope: u8,
    /// RTN_* (1 unicast, 6 blackhole, 7 unreachable, 8 prohibit).
    pub kind: u8,
}

/// Build RTM_NEWROUTE / RTM_DELROUTE with an ack request.
pub fn build_route(req: &RouteReq, add: bool, seq: u32, buf: &mut [u8]) -> io::Result<usize> {
    let (ty, flags) = if add {
        (
            RTM_NEWROUTE,
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
        )
    } else {
        (RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK)
    };
    let mut b = Builder::new(buf, ty, flags, seq);
    let mut d = [0u8; 16];
    let (family, dlen) = ip_bytes(&req.dst, &mut d);
    let table = if req.table < 256 {
        req.table as u8
    } else {
        252
    };
    // family, dst_len, src_len, tos, table, protocol, scope, type
    b.put(&[
        family,
        req.prefix,
        0,
        0,
        table,
        RTPROT_KEEPALIVED,
        req.scope,
        req.kind,
    ]);
    b.put(&0u32.to_ne_bytes());
    b.attr(RTA_DST, &d[..dlen]);
    if let Some(v) = req.via {
        let mut g = [0u8; 16];
        let (_, glen) = ip_bytes(&v, &mut g);
        b.attr(RTA_GATEWAY, &g[..glen]);
    }
    if let Some(o) = req.oif {
        b.attr(RTA_OIF, &o.to_ne_bytes());
    }
    if let Some(s) = req.src {
        let mut sb = [0u8; 16];
        let (_, slen) = ip_bytes(&s, &mut sb);
        b.attr(RTA_PREFSRC, &sb[..slen]);
    }
    if let Some(m) = req.metric {
        b.attr(RTA_PRIORITY, &m.to_ne_bytes());
    }
    if req.table >= 256 {
        b.attr(RTA_TABLE, &req.table.to_ne_bytes());
    }
    b.finish()
}

/// Build RTM_NEWLINK setting IFF_UP on or off (`ip link set dev X up|down`).
pub fn build_link_up(ifindex: u32, up: bool, seq: u32, buf: &mut [u8]) -> io::Result<usize> {
    let mut b = Builder::new(buf, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
    let iff_up = libc::IFF_UP as u32;
    b.put(&[0, 0, 0, 0]); // family, pad, type
    b.put(&(ifindex as i32).to_ne_bytes());
    b.put(&(if up { iff_up } else { 0 }).to_ne_bytes());
    b.put(&iff_up.to_ne_bytes());
    b.finish()
}

/// Build a dump request (RTM_GETLINK or RTM_GETADDR) for all families.
pub fn build_dump(ty: u16, seq: u32, buf: &mut [u8]) -> io::Result<usize> {
    let mut b = Builder::new(buf, ty, NLM_F_REQUEST | NLM_F_ROOT | NLM_F_MATCH, seq);
    if ty == RTM_GETLINK {
        b.put(&[0u8; 16]);
    } else {
        b.put(&[0u8; 8]);
    }
    b.finish()
}

/// Open a non-blocking rtnetlink socket subscribed to `groups` (0 for a command socket).
pub fn open(groups: u32) -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2) call.
    let fd = owned(unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            libc::NETLINK_ROUTE,
        )
    })?;
    // SAFETY: sockaddr_nl is plain data.
    let mut sa: libc::sockaddr_nl = unsafe { core::mem::zeroed() };
    sa.nl_family = libc::AF_NETLINK as u16;
    sa.nl_groups = groups;
    // SAFETY: `sa` is a valid sockaddr_nl of the given size.
    cvt(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&sa as *const libc::sockaddr_nl).cast(),
            core::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
        )
    })?;
    if groups != 0 {
        super::raw::set_rcvbuf(fd.as_raw_fd(), 1 << 20);
    }
    Ok(fd)
}

/// Send one request to the kernel.
pub fn send(fd: RawFd, msg: &[u8]) -> io::Result<()> {
    // SAFETY: sockaddr_nl is plain data; pid 0 = the kernel.
    let mut sa: libc::sockaddr_nl = unsafe { core::mem::zeroed() };
    sa.nl_family = libc::AF_NETLINK as u16;
    // SAFETY: `msg` is readable; `sa` is a valid sockaddr_nl.
    let r = unsafe {
        libc::sendto(
            fd,
            msg.as_ptr().cast(),
            msg.len(),
            0,
            (&sa as *const libc::sockaddr_nl).cast(),
            core::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
        )
    };
    cvt_size(r).map(|_| ())
}

/// Receive one datagram; `Ok(None)` when nothing is queued.
pub fn recv(fd: RawFd, buf: &mut [u8]) -> io::Result<Option<usize>> {
    // SAFETY: `buf` is writable for its length.
    let r = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
    match cvt_size(r) {
        Ok(n) => Ok(Some(n)),
        Err(e) if super::would_block(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

fn wait_readable(fd: RawFd, ms: i32) -> bool {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    unsafe { libc::poll(&mut p, 1, ms) > 0 }
}

/// Send a request and wait (bounded, 1 s) for its ack on a command socket. Returns the
/// kernel's errno (0 = success) or an I/O error / timeout. Other messages are passed to `f`
/// (dump replies) until the ack or NLMSG_DONE for `seq` arrives.
pub fn transact(
    fd: RawFd,
    msg: &[u8],
    seq: u32,
    buf: &mut [u8],
    mut f: impl FnMut(NlEvent),
) -> io::Result<i32> {
    send(fd, msg)?;
    for _ in 0..1000 {
        if !wait_readable(fd, 1000) {
            break;
        }
        let Some(n) = recv(fd, buf)? else { continue };
        let mut result = None;
        parse(buf.get(..n).unwrap_or(&[]), |ev| match ev {
            NlEvent::Ack { seq: s, errno } if s == seq => result = Some(errno),
            NlEvent::Done { seq: s } if s == seq => result = Some(0),
            NlEvent::Ack { .. } | NlEvent::Done { .. } => {}
            other => f(other),
        });
        if let Some(e) = result {
            return Ok(e);
        }
    }
    Err(io::Error::new(io::ErrorKind::TimedOut, "no netlink reply"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addr_request_round_trips_through_the_parser() {
        let mut buf = [0u8; 256];
        let req = AddrReq {
            ifindex: 7,
            addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100)),
            prefix: 32,
            brd: Some(Ipv4Addr::new(192, 0, 2, 255)),
            peer: None,
            scope: 0,
            label: Some("eth0:1"),
            flags: 0,
        };
        let n = build_addr(&req, true, 9, &mut buf).expect("build");
        assert_eq!(n % 4, 0);
        let mut seen = None;
        parse(&buf[..n], |ev| seen = Some(ev));
        assert_eq!(
            seen,
            Some(NlEvent::Addr {
                deleted: false,
                ifindex: 7,
                addr: req.addr,
                prefix: 32,
                scope: 0
            })
        );
        assert!(build_addr(&req, true, 9, &mut buf[..20]).is_err());
    }

    #[test]
    fn route_request_is_marked_proto_keepalived() {
        let mut buf = [0u8; 128];
        let req = RouteReq {
            dst: IpAddr::V4(Ipv4Addr::new(203, 0, 113, 0)),
            prefix: 25,
            via: Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 254))),
            oif: Some(3),
            src: None,
            table: 254,
            metric: None,
            scope: 0,
            kind: 1,
        };
        let n = build_route(&req, true, 1, &mut buf).expect("build");
        // nlmsghdr (16) then rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type
        assert_eq!(&buf[16..24], &[2, 25, 0, 0, 254, 18, 0, 1]);
        assert!(n > 24);
    }

    #[test]
    fn parser_survives_garbage() {
        let mut x: u32 = 1;
        let mut buf = [0u8; 200];
        for round in 0..2000 {
            for b in buf.iter_mut() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *b = x as u8;
            }
            // make the header plausible half of the time
            if round % 2 == 0 {
                let l = (x as usize % 200) as u32;
                buf[..4].copy_from_slice(&l.to_ne_bytes());
                buf[4..6].copy_from_slice(&[RTM_NEWLINK, RTM_NEWADDR][round % 4 / 2].to_ne_bytes());
            }
            parse(&buf[..(x as usize % 201)], |_| {});
        }
    }

    #[test]
    fn error_message_is_an_ack_with_positive_errno() {
        let mut m = [0u8; 36];
        m[..4].copy_from_slice(&36u32.to_ne_bytes());
        m[4..6].copy_from_slice(&NLMSG_ERROR.to_ne_bytes());
        m[8..12].copy_from_slice(&5u32.to_ne_bytes());
        m[16..20].copy_from_slice(&(-17i32).to_ne_bytes());
        let mut got = None;
        parse(&m, |e| got = Some(e));
        assert_eq!(got, Some(NlEvent::Ack { seq: 5, errno: 17 }));
    }
}
