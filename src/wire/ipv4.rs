//! A minimal IPv4 header: what a raw IP_HDRINCL socket receives and sends for VRRP.
//!
//! keepalived's adverts have no options (IHL 5), TOS 0xC0 (network control), DF clear and an
//! IP ID that it increments itself; received packets may carry options (IHL honoured) and
//! fragments are rejected by the advert parser.

use core::net::Ipv4Addr;

use super::{checksum, Field, ParseError};

/// IP protocol number of VRRP.
pub const PROTO_VRRP: u8 = 112;
/// IP protocol number of the IPsec Authentication Header.
pub const PROTO_AH: u8 = 51;
/// Header length without options.
pub const HEADER_LEN: usize = 20;
/// keepalived's TOS byte: precedence "internetwork control" (DSCP CS6).
pub const TOS_NETWORK_CONTROL: u8 = 0xc0;
/// The VRRP multicast group 224.0.0.18.
pub const VRRP_GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);

mod field {
    use crate::wire::Field;
    pub const VER_IHL: usize = 0;
    pub const TOS: usize = 1;
    pub const LENGTH: Field = 2..4;
    pub const IDENT: Field = 4..6;
    pub const FLG_OFF: Field = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Field = 10..12;
    pub const SRC_ADDR: Field = 12..16;
    pub const DST_ADDR: Field = 16..20;
}

/// A read/write view of an IPv4 header and what follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

fn get16(b: &[u8], f: Field) -> u16 {
    let mut w = [0u8; 2];
    if let Some(s) = b.get(f) {
        w.copy_from_slice(s);
    }
    u16::from_be_bytes(w)
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wrap a buffer without checking it (for emitting into a buffer of `buffer_len()`).
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wrap a received buffer; fails unless every accessor is safe to call.
    pub fn new_checked(buffer: T) -> Result<Packet<T>, ParseError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// The buffer holds the fixed header and the IHL it claims is at least 20 bytes and
    /// present in full.
    pub fn check_len(&self) -> Result<(), ParseError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(ParseError::Truncated);
        }
        let hl = self.header_len();
        if hl < HEADER_LEN {
            Err(ParseError::BadIpHeader)
        } else if len < hl {
            Err(ParseError::Truncated)
        } else {
            Ok(())
        }
    }

    /// Consume the view, returning the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    fn byte(&self, i: usize) -> u8 {
        self.b().get(i).copied().unwrap_or(0)
    }

    /// Return the version field.
    pub fn version(&self) -> u8 {
        self.byte(field::VER_IHL) >> 4
    }

    /// Return the header length in bytes (IHL × 4).
    pub fn header_len(&self) -> usize {
        usize::from(self.byte(field::VER_IHL) & 0x0f) * 4
    }

    /// Return the type-of-service byte.
    pub fn tos(&self) -> u8 {
        self.byte(field::TOS)
    }

    /// Return the total length field.
    pub fn total_len(&self) -> u16 {
        get16(self.b(), field::LENGTH)
    }

    /// Return the identification field.
    pub fn ident(&self) -> u16 {
        get16(self.b(), field::IDENT)
    }

    /// Return the don't-fragment flag.
    pub fn dont_frag(&self) -> bool {
        get16(self.b(), field::FLG_OFF) & 0x4000 != 0
    }

    /// Return the more-fragments flag.
    pub fn more_frags(&self) -> bool {
        get16(self.b(), field::FLG_OFF) & 0x2000 != 0
    }

    /// Return the fragment offset in 8-byte units.
    pub fn frag_offset(&self) -> u16 {
        get16(self.b(), field::FLG_OFF) & 0x1fff
    }

    /// Whether this packet is a fragment (MF set or a non-zero offset).
    pub fn is_fragment(&self) -> bool {
        self.more_frags() || self.frag_offset() != 0
    }

    /// Return the time-to-live field.
    pub fn ttl(&self) -> u8 {
        self.byte(field::TTL)
    }

    /// Return the protocol field.
    pub fn protocol(&self) -> u8 {
        self.byte(field::PROTOCOL)
    }

    /// Return the header checksum field.
    pub fn checksum(&self) -> u16 {
        get16(self.b(), field::CHECKSUM)
    }

    /// Return the source address.
    pub fn src_addr(&self) -> Ipv4Addr {
        addr(self.b(), field::SRC_ADDR)
    }

    /// Return the destination address.
    pub fn dst_addr(&self) -> Ipv4Addr {
        addr(self.b(), field::DST_ADDR)
    }

    /// Whether the header checksum is right.
    pub fn verify_checksum(&self) -> bool {
        self.b()
            .get(..self.header_len())
            .is_some_and(|h| checksum::data(h) == 0xffff)
    }

    /// The header bytes (IHL × 4; empty if the buffer is shorter).
    pub fn header(&self) -> &[u8] {
        self.b().get(..self.header_len()).unwrap_or(&[])
    }

    /// Everything after the header up to the end of the buffer (a raw socket delivers
    /// exactly one packet; the total length is checked separately).
    pub fn payload(&self) -> &[u8] {
        self.b().get(self.header_len()..).unwrap_or(&[])
    }
}

fn addr(b: &[u8], f: Field) -> Ipv4Addr {
    let mut a = [0u8; 4];
    if let Some(s) = b.get(f) {
        a.copy_from_slice(s);
    }
    Ipv4Addr::from(a)
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn put(&mut self, f: Field, v: &[u8]) {
        if let Some(d) = self.buffer.as_mut().get_mut(f) {
            d.copy_from_slice(v);
        }
    }

    fn put_byte(&mut self, i: usize, v: u8) {
        if let Some(d) = self.buffer.as_mut().get_mut(i) {
            *d = v;
        }
    }

    /// Set the version (4) and the header length in bytes (a multiple of 4, 20..=60).
    pub fn set_version_and_header_len(&mut self, header_len: usize) {
        let ihl = ((header_len / 4) & 0x0f) as u8;
        self.put_byte(field::VER_IHL, 0x40 | ihl);
    }

    /// Set the type-of-service byte.
    pub fn set_tos(&mut self, v: u8) {
        self.put_byte(field::TOS, v);
    }

    /// Set the total length field.
    pub fn set_total_len(&mut self, v: u16) {
        self.put(field::LENGTH, &v.to_be_bytes());
    }

    /// Set the identification field.
    pub fn set_ident(&mut self, v: u16) {
        self.put(field::IDENT, &v.to_be_bytes());
    }

    /// Set flags and fragment offset (DF, MF, offset).
    pub fn set_flags_frag(&mut self, dont_frag: bool, more_frags: bool, offset: u16) {
        let v = (u16::from(dont_frag) << 14) | (u16::from(more_frags) << 13) | (offset & 0x1fff);
        self.put(field::FLG_OFF, &v.to_be_bytes());
    }

    /// Set the time-to-live field.
    pub fn set_ttl(&mut self, v: u8) {
        self.put_byte(field::TTL, v);
    }

    /// Set the protocol field.
    pub fn set_protocol(&mut self, v: u8) {
        self.put_byte(field::PROTOCOL, v);
    }

    /// Set the header checksum field.
    pub fn set_checksum(&mut self, v: u16) {
        self.put(field::CHECKSUM, &v.to_be_bytes());
    }

    /// Set the source address.
    pub fn set_src_addr(&mut self, a: Ipv4Addr) {
        self.put(field::SRC_ADDR, &a.octets());
    }

    /// Set the destination address.
    pub fn set_dst_addr(&mut self, a: Ipv4Addr) {
        self.put(field::DST_ADDR, &a.octets());
    }

    /// Compute and store the header checksum.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let sum = checksum::data(self.header());
        self.set_checksum(checksum::finish(sum));
    }

    /// The bytes after the header, mutable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let hl = self.header_len();
        self.buffer.as_mut().get_mut(hl..).unwrap_or(&mut [])
    }
}

/// The meaning of an option-less IPv4 header as keepalived sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    pub src_addr: Ipv4Addr,
    pub dst_addr: Ipv4Addr,
    pub protocol: u8,
    pub tos: u8,
    pub ident: u16,
    pub ttl: u8,
    pub payload_len: usize,
}

impl Repr {
    /// Decode a checked header: version 4, not a fragment, total length within the buffer.
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr, ParseError> {
        p.check_len()?;
        if p.version() != 4 || p.is_fragment() {
            return Err(ParseError::BadIpHeader);
        }
        let total = usize::from(p.total_len());
        if total < p.header_len() || total > p.buffer.as_ref().len() {
            return Err(ParseError::Truncated);
        }
        Ok(Repr {
            src_addr: p.src_addr(),
            dst_addr: p.dst_addr(),
            protocol: p.protocol(),
            tos: p.tos(),
            ident: p.ident(),
            ttl: p.ttl(),
            payload_len: total - p.header_len(),
        })
    }

    /// Bytes of the header this emits.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Write the header (IHL 5, DF clear) with its checksum into a buffer of at least
    /// `buffer_len()` bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) {
        p.set_version_and_header_len(HEADER_LEN);
        p.set_tos(self.tos);
        p.set_total_len((HEADER_LEN + self.payload_len).min(usize::from(u16::MAX)) as u16);
        p.set_ident(self.ident);
        p.set_flags_frag(false, false, 0);
        p.set_ttl(self.ttl);
        p.set_protocol(self.protocol);
        p.set_src_addr(self.src_addr);
        p.set_dst_addr(self.dst_addr);
        p.fill_checksum();
    }
}

#[cfg(test)]
mod test {
    use super::*;

    // keepalived v2 advert (no auth, 2 addresses): IP header as captured.
    static HEADER: [u8; 20] = [
        0x45, 0xc0, 0x00, 0x2c, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0x18, 0x8d, 0xc0, 0x00, 0x02,
        0x01, 0xe0, 0x00, 0x00, 0x12,
    ];

    fn packet_bytes() -> [u8; 44] {
        let mut b = [0u8; 44];
        b[..20].copy_from_slice(&HEADER);
        b
    }

    fn repr() -> Repr {
        Repr {
            src_addr: Ipv4Addr::new(192, 0, 2, 1),
            dst_addr: VRRP_GROUP,
            protocol: PROTO_VRRP,
            tos: 0xc0,
            ident: 1,
            ttl: 255,
            payload_len: 24,
        }
    }

    #[test]
    fn test_deconstruct() {
        let b = packet_bytes();
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.version(), 4);
        assert_eq!(p.header_len(), 20);
        assert_eq!(p.tos(), 0xc0);
        assert_eq!(p.total_len(), 44);
        assert_eq!(p.ident(), 1);
        assert!(!p.dont_frag() && !p.more_frags() && p.frag_offset() == 0);
        assert_eq!(p.ttl(), 255);
        assert_eq!(p.protocol(), 112);
        assert_eq!(p.checksum(), 0x188d);
        assert_eq!(p.src_addr(), Ipv4Addr::new(192, 0, 2, 1));
        assert_eq!(p.dst_addr(), VRRP_GROUP);
        assert!(p.verify_checksum());
        assert_eq!(p.payload().len(), 24);
    }

    #[test]
    fn test_construct() {
        let mut b = [0xa5u8; 20];
        let mut p = Packet::new_unchecked(&mut b[..]);
        p.set_version_and_header_len(20);
        p.set_tos(0xc0);
        p.set_total_len(44);
        p.set_ident(1);
        p.set_flags_frag(false, false, 0);
        p.set_ttl(255);
        p.set_protocol(112);
        p.set_src_addr(Ipv4Addr::new(192, 0, 2, 1));
        p.set_dst_addr(VRRP_GROUP);
        p.fill_checksum();
        assert_eq!(b, HEADER);
    }

    #[test]
    fn test_parse() {
        let b = packet_bytes();
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(Repr::parse(&p), Ok(repr()));
    }

    #[test]
    fn test_emit() {
        let mut b = [0u8; 20];
        repr().emit(&mut Packet::new_unchecked(&mut b[..]));
        assert_eq!(b, HEADER);
    }

    #[test]
    fn rejects_bad_headers() {
        assert_eq!(
            Packet::new_checked(&HEADER[..19]).err(),
            Some(ParseError::Truncated)
        );
        let mut b = packet_bytes();
        b[0] = 0x44; // IHL 4
        assert_eq!(
            Packet::new_checked(&b[..]).err(),
            Some(ParseError::BadIpHeader)
        );
        b[0] = 0x4f; // IHL 15 = 60 bytes > 44
        assert_eq!(
            Packet::new_checked(&b[..]).err(),
            Some(ParseError::Truncated)
        );
        let mut b = packet_bytes();
        b[6] = 0x20; // MF
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(Repr::parse(&p), Err(ParseError::BadIpHeader));
        let mut b = packet_bytes();
        b[0] = 0x65;
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(Repr::parse(&p), Err(ParseError::BadIpHeader));
    }

    #[test]
    fn honours_ihl() {
        let mut b = [0u8; 48];
        b[..20].copy_from_slice(&HEADER);
        b[0] = 0x46;
        b[3] = 48;
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.header_len(), 24);
        assert_eq!(p.payload().len(), 24);
        assert_eq!(Repr::parse(&p).unwrap().payload_len, 24);
    }
}
