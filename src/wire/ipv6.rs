//! A minimal IPv6 header. keepalived's VRRPv3/IPv6 adverts go through a raw socket, so the
//! kernel writes this header; the view is for unsolicited neighbour advertisements (sent
//! whole over PF_PACKET), for tests and for the pseudo-header the checksums need.

use core::net::Ipv6Addr;

use super::{checksum, Field, ParseError};

/// Fixed header length.
pub const HEADER_LEN: usize = 40;
/// Next-header value of ICMPv6.
pub const NEXT_HEADER_ICMPV6: u8 = 58;
/// The VRRP multicast group ff02::12.
pub const VRRP_GROUP: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
/// All-nodes multicast ff02::1.
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

mod field {
    use crate::wire::Field;
    pub const VER_TC_FLOW: Field = 0..4;
    pub const LENGTH: Field = 4..6;
    pub const NXT_HDR: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC_ADDR: Field = 8..24;
    pub const DST_ADDR: Field = 24..40;
}

/// A read/write view of an IPv6 header and its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

fn addr(b: &[u8], f: Field) -> Ipv6Addr {
    let mut a = [0u8; 16];
    if let Some(s) = b.get(f) {
        a.copy_from_slice(s);
    }
    Ipv6Addr::from(a)
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wrap a buffer without checking it (for emitting).
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wrap a received buffer; fails unless the fixed header is present.
    pub fn new_checked(buffer: T) -> Result<Packet<T>, ParseError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// The buffer holds the fixed header.
    pub fn check_len(&self) -> Result<(), ParseError> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(ParseError::Truncated)
        } else {
            Ok(())
        }
    }

    fn word0(&self) -> u32 {
        let mut w = [0u8; 4];
        if let Some(s) = self.buffer.as_ref().get(field::VER_TC_FLOW) {
            w.copy_from_slice(s);
        }
        u32::from_be_bytes(w)
    }

    /// Return the version field.
    pub fn version(&self) -> u8 {
        (self.word0() >> 28) as u8
    }

    /// Return the traffic class.
    pub fn traffic_class(&self) -> u8 {
        (self.word0() >> 20) as u8
    }

    /// Return the flow label.
    pub fn flow_label(&self) -> u32 {
        self.word0() & 0x000f_ffff
    }

    /// Return the payload length field.
    pub fn payload_len(&self) -> u16 {
        let mut w = [0u8; 2];
        if let Some(s) = self.buffer.as_ref().get(field::LENGTH) {
            w.copy_from_slice(s);
        }
        u16::from_be_bytes(w)
    }

    /// Return the next-header field.
    pub fn next_header(&self) -> u8 {
        self.buffer
            .as_ref()
            .get(field::NXT_HDR)
            .copied()
            .unwrap_or(0)
    }

    /// Return the hop limit.
    pub fn hop_limit(&self) -> u8 {
        self.buffer
            .as_ref()
            .get(field::HOP_LIMIT)
            .copied()
            .unwrap_or(0)
    }

    /// Return the source address.
    pub fn src_addr(&self) -> Ipv6Addr {
        addr(self.buffer.as_ref(), field::SRC_ADDR)
    }

    /// Return the destination address.
    pub fn dst_addr(&self) -> Ipv6Addr {
        addr(self.buffer.as_ref(), field::DST_ADDR)
    }

    /// Everything after the fixed header.
    pub fn payload(&self) -> &[u8] {
        self.buffer.as_ref().get(HEADER_LEN..).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Set version 6, the traffic class and the flow label.
    pub fn set_version_tc_flow(&mut self, traffic_class: u8, flow_label: u32) {
        let w = (6u32 << 28) | (u32::from(traffic_class) << 20) | (flow_label & 0x000f_ffff);
        if let Some(d) = self.buffer.as_mut().get_mut(field::VER_TC_FLOW) {
            d.copy_from_slice(&w.to_be_bytes());
        }
    }

    /// Set the payload length field.
    pub fn set_payload_len(&mut self, v: u16) {
        if let Some(d) = self.buffer.as_mut().get_mut(field::LENGTH) {
            d.copy_from_slice(&v.to_be_bytes());
        }
    }

    /// Set the next-header field.
    pub fn set_next_header(&mut self, v: u8) {
        if let Some(d) = self.buffer.as_mut().get_mut(field::NXT_HDR) {
            *d = v;
        }
    }

    /// Set the hop limit.
    pub fn set_hop_limit(&mut self, v: u8) {
        if let Some(d) = self.buffer.as_mut().get_mut(field::HOP_LIMIT) {
            *d = v;
        }
    }

    /// Set the source address.
    pub fn set_src_addr(&mut self, a: Ipv6Addr) {
        if let Some(d) = self.buffer.as_mut().get_mut(field::SRC_ADDR) {
            d.copy_from_slice(&a.octets());
        }
    }

    /// Set the destination address.
    pub fn set_dst_addr(&mut self, a: Ipv6Addr) {
        if let Some(d) = self.buffer.as_mut().get_mut(field::DST_ADDR) {
            d.copy_from_slice(&a.octets());
        }
    }

    /// The payload, mutable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        self.buffer
            .as_mut()
            .get_mut(HEADER_LEN..)
            .unwrap_or(&mut [])
    }
}

/// The meaning of a fixed IPv6 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    pub src_addr: Ipv6Addr,
    pub dst_addr: Ipv6Addr,
    pub next_header: u8,
    pub hop_limit: u8,
    pub traffic_class: u8,
    pub payload_len: usize,
}

impl Repr {
    /// Decode a checked header (version 6, payload within the buffer).
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr, ParseError> {
        p.check_len()?;
        if p.version() != 6 {
            return Err(ParseError::BadIpHeader);
        }
        let len = usize::from(p.payload_len());
        if len > p.payload().len() {
            return Err(ParseError::Truncated);
        }
        Ok(Repr {
            src_addr: p.src_addr(),
            dst_addr: p.dst_addr(),
            next_header: p.next_header(),
            hop_limit: p.hop_limit(),
            traffic_class: p.traffic_class(),
            payload_len: len,
        })
    }

    /// Bytes of the header this emits.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Write the header (flow label 0) into a buffer of at least `buffer_len()` bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) {
        p.set_version_tc_flow(self.traffic_class, 0);
        p.set_payload_len(self.payload_len.min(usize::from(u16::MAX)) as u16);
        p.set_next_header(self.next_header);
        p.set_hop_limit(self.hop_limit);
        p.set_src_addr(self.src_addr);
        p.set_dst_addr(self.dst_addr);
    }

    /// Partial sum of this packet's pseudo-header (for an upper-layer checksum).
    pub fn pseudo_header_sum(&self) -> u16 {
        checksum::pseudo_header_v6(
            self.src_addr,
            self.dst_addr,
            self.next_header,
            self.payload_len as u32,
        )
    }
}

#[cfg(test)]
mod test {
    use super::*;

    // The IPv6 header of keepalived's unsolicited NA for fe80::50 (captured).
    static HEADER: [u8; 40] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0x50, 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    ];

    fn packet_bytes() -> [u8; 72] {
        let mut b = [0u8; 72];
        b[..40].copy_from_slice(&HEADER);
        b
    }

    fn repr() -> Repr {
        Repr {
            src_addr: Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x50),
            dst_addr: ALL_NODES,
            next_header: NEXT_HEADER_ICMPV6,
            hop_limit: 255,
            traffic_class: 0,
            payload_len: 32,
        }
    }

    #[test]
    fn test_deconstruct() {
        let b = packet_bytes();
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.version(), 6);
        assert_eq!(p.traffic_class(), 0);
        assert_eq!(p.flow_label(), 0);
        assert_eq!(p.payload_len(), 32);
        assert_eq!(p.next_header(), 58);
        assert_eq!(p.hop_limit(), 255);
        assert_eq!(p.src_addr(), repr().src_addr);
        assert_eq!(p.dst_addr(), ALL_NODES);
        assert_eq!(p.payload().len(), 32);
    }

    #[test]
    fn test_construct() {
        let mut b = [0xffu8; 40];
        let mut p = Packet::new_unchecked(&mut b[..]);
        p.set_version_tc_flow(0, 0);
        p.set_payload_len(32);
        p.set_next_header(58);
        p.set_hop_limit(255);
        p.set_src_addr(repr().src_addr);
        p.set_dst_addr(ALL_NODES);
        assert_eq!(b, HEADER);
    }

    #[test]
    fn test_parse() {
        let b = packet_bytes();
        assert_eq!(
            Repr::parse(&Packet::new_checked(&b[..]).unwrap()),
            Ok(repr())
        );
        assert_eq!(
            Packet::new_checked(&b[..39]).err(),
            Some(ParseError::Truncated)
        );
        assert_eq!(
            Repr::parse(&Packet::new_unchecked(&b[..50])),
            Err(ParseError::Truncated)
        );
    }

    #[test]
    fn test_emit() {
        let mut b = [0u8; 40];
        repr().emit(&mut Packet::new_unchecked(&mut b[..]));
        assert_eq!(b, HEADER);
    }

    #[test]
    fn traffic_class_and_flow() {
        let mut b = [0u8; 40];
        let mut p = Packet::new_unchecked(&mut b[..]);
        p.set_version_tc_flow(0xc0, 0x4d55b);
        assert_eq!(&b[..4], &[0x6c, 0x04, 0xd5, 0x5b]);
        let p = Packet::new_unchecked(&b[..]);
        assert_eq!(p.traffic_class(), 0xc0);
        assert_eq!(p.flow_label(), 0x4d55b);
    }
}
