//! Ethernet II framing for the frames sent whole over PF_PACKET (gratuitous ARP,
//! unsolicited NA), and the MAC addresses VRRP uses.

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

use super::{EmitError, Field, ParseError};

/// Ethernet header length.
pub const HEADER_LEN: usize = 14;
/// EtherType of IPv4.
pub const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of ARP.
pub const ETHERTYPE_ARP: u16 = 0x0806;
/// EtherType of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86dd;

/// A 48-bit MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// ff:ff:ff:ff:ff:ff.
    pub const BROADCAST: MacAddr = MacAddr([0xff; 6]);

    /// The VRRP virtual MAC for IPv4, 00:00:5e:00:01:VRID (RFC 5798 §7.3).
    pub const fn vrrp_v4(vrid: u8) -> MacAddr {
        MacAddr([0x00, 0x00, 0x5e, 0x00, 0x01, vrid])
    }

    /// The VRRP virtual MAC for IPv6, 00:00:5e:00:02:VRID (RFC 5798 §7.3).
    pub const fn vrrp_v6(vrid: u8) -> MacAddr {
        MacAddr([0x00, 0x00, 0x5e, 0x00, 0x02, vrid])
    }

    /// The MAC an IPv4 multicast group maps to (01:00:5e + low 23 bits).
    pub const fn ipv4_multicast(group: Ipv4Addr) -> MacAddr {
        let o = group.octets();
        MacAddr([0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]])
    }

    /// The MAC an IPv6 multicast group maps to (33:33 + low 32 bits).
    pub const fn ipv6_multicast(group: Ipv6Addr) -> MacAddr {
        let o = group.octets();
        MacAddr([0x33, 0x33, o[12], o[13], o[14], o[15]])
    }

    /// The six bytes.
    pub const fn octets(&self) -> [u8; 6] {
        self.0
    }

    /// Whether the group bit is set.
    pub const fn is_multicast(&self) -> bool {
        self.0[0] & 1 != 0
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

mod field {
    use crate::wire::Field;
    pub const DESTINATION: Field = 0..6;
    pub const SOURCE: Field = 6..12;
    pub const ETHERTYPE: Field = 12..14;
}

/// A read/write view of an Ethernet II frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<T: AsRef<[u8]>> {
    buffer: T,
}

fn mac(b: &[u8], f: Field) -> MacAddr {
    let mut m = [0u8; 6];
    if let Some(s) = b.get(f) {
        m.copy_from_slice(s);
    }
    MacAddr(m)
}

impl<T: AsRef<[u8]>> Frame<T> {
    /// Wrap a buffer without checking it (for emitting).
    pub const fn new_unchecked(buffer: T) -> Frame<T> {
        Frame { buffer }
    }

    /// Wrap a received buffer; fails unless the header is present.
    pub fn new_checked(buffer: T) -> Result<Frame<T>, ParseError> {
        let f = Self::new_unchecked(buffer);
        f.check_len()?;
        Ok(f)
    }

    /// The buffer holds the 14-byte header.
    pub fn check_len(&self) -> Result<(), ParseError> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(ParseError::Truncated)
        } else {
            Ok(())
        }
    }

    /// Return the destination MAC.
    pub fn dst_addr(&self) -> MacAddr {
        mac(self.buffer.as_ref(), field::DESTINATION)
    }

    /// Return the source MAC.
    pub fn src_addr(&self) -> MacAddr {
        mac(self.buffer.as_ref(), field::SOURCE)
    }

    /// Return the EtherType.
    pub fn ethertype(&self) -> u16 {
        let mut w = [0u8; 2];
        if let Some(s) = self.buffer.as_ref().get(field::ETHERTYPE) {
            w.copy_from_slice(s);
        }
        u16::from_be_bytes(w)
    }

    /// The bytes after the header.
    pub fn payload(&self) -> &[u8] {
        self.buffer.as_ref().get(HEADER_LEN..).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Frame<T> {
    /// Set the destination MAC.
    pub fn set_dst_addr(&mut self, m: MacAddr) {
        if let Some(d) = self.buffer.as_mut().get_mut(field::DESTINATION) {
            d.copy_from_slice(&m.0);
        }
    }

    /// Set the source MAC.
    pub fn set_src_addr(&mut self, m: MacAddr) {
        if let Some(d) = self.buffer.as_mut().get_mut(field::SOURCE) {
            d.copy_from_slice(&m.0);
        }
    }

    /// Set the EtherType.
    pub fn set_ethertype(&mut self, v: u16) {
        if let Some(d) = self.buffer.as_mut().get_mut(field::ETHERTYPE) {
            d.copy_from_slice(&v.to_be_bytes());
        }
    }

    /// The bytes after the header, mutable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        self.buffer
            .as_mut()
            .get_mut(HEADER_LEN..)
            .unwrap_or(&mut [])
    }
}

/// The meaning of an Ethernet II header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    pub src_addr: MacAddr,
    pub dst_addr: MacAddr,
    pub ethertype: u16,
}

impl Repr {
    /// Decode a checked frame header.
    pub fn parse<T: AsRef<[u8]>>(f: &Frame<T>) -> Result<Repr, ParseError> {
        f.check_len()?;
        Ok(Repr {
            src_addr: f.src_addr(),
            dst_addr: f.dst_addr(),
            ethertype: f.ethertype(),
        })
    }

    /// Bytes of the header.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Write the header into a buffer of at least `buffer_len()` bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, f: &mut Frame<T>) {
        f.set_dst_addr(self.dst_addr);
        f.set_src_addr(self.src_addr);
        f.set_ethertype(self.ethertype);
    }
}

/// Write an Ethernet header in front of a payload of `payload_len` bytes already placed at
/// `buf[14..]`; returns the frame length.
pub fn frame(repr: &Repr, payload_len: usize, buf: &mut [u8]) -> Result<usize, EmitError> {
    let len = HEADER_LEN + payload_len;
    let b = buf.get_mut(..len).ok_or(EmitError::BufferTooSmall)?;
    repr.emit(&mut Frame::new_unchecked(b));
    Ok(len)
}

/// Copy `payload` behind an Ethernet header into `buf`; returns the frame length (handy for
/// tests and for tools that wrap an IP packet in a frame).
pub fn wrap(repr: &Repr, payload: &[u8], buf: &mut [u8]) -> Result<usize, EmitError> {
    let dst = buf
        .get_mut(HEADER_LEN..HEADER_LEN + payload.len())
        .ok_or(EmitError::BufferTooSmall)?;
    dst.copy_from_slice(payload);
    frame(repr, payload.len(), buf)
}

#[cfg(test)]
mod test {
    use super::*;

    // Header of keepalived's multicast advert from 02:00:00:00:00:0a.
    static FRAME: [u8; 14] = [
        0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x08, 0x00,
    ];
    const SRC: MacAddr = MacAddr([2, 0, 0, 0, 0, 0x0a]);

    fn repr() -> Repr {
        Repr {
            src_addr: SRC,
            dst_addr: MacAddr::ipv4_multicast(Ipv4Addr::new(224, 0, 0, 18)),
            ethertype: ETHERTYPE_IPV4,
        }
    }

    #[test]
    fn test_deconstruct() {
        let f = Frame::new_checked(&FRAME[..]).unwrap();
        assert_eq!(f.dst_addr(), MacAddr([0x01, 0, 0x5e, 0, 0, 0x12]));
        assert_eq!(f.src_addr(), SRC);
        assert_eq!(f.ethertype(), ETHERTYPE_IPV4);
        assert!(f.payload().is_empty());
        assert_eq!(
            Frame::new_checked(&FRAME[..13]).err(),
            Some(ParseError::Truncated)
        );
    }

    #[test]
    fn test_construct() {
        let mut b = [0u8; 14];
        let mut f = Frame::new_unchecked(&mut b[..]);
        f.set_dst_addr(MacAddr([0x01, 0, 0x5e, 0, 0, 0x12]));
        f.set_src_addr(SRC);
        f.set_ethertype(0x0800);
        assert_eq!(b, FRAME);
    }

    #[test]
    fn test_parse() {
        assert_eq!(
            Repr::parse(&Frame::new_checked(&FRAME[..]).unwrap()),
            Ok(repr())
        );
    }

    #[test]
    fn test_emit() {
        let mut b = [0u8; 14];
        repr().emit(&mut Frame::new_unchecked(&mut b[..]));
        assert_eq!(b, FRAME);
        let mut b = [0u8; 18];
        assert_eq!(wrap(&repr(), &[1, 2, 3, 4], &mut b), Ok(18));
        assert_eq!(&b[..14], &FRAME);
        assert_eq!(
            wrap(&repr(), &[1, 2, 3, 4, 5], &mut b),
            Err(EmitError::BufferTooSmall)
        );
    }

    #[test]
    fn vrrp_macs() {
        assert_eq!(MacAddr::vrrp_v4(50).to_string(), "00:00:5e:00:01:32");
        assert_eq!(MacAddr::vrrp_v6(7).to_string(), "00:00:5e:00:02:07");
        assert_eq!(
            MacAddr::ipv6_multicast(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12)),
            MacAddr([0x33, 0x33, 0, 0, 0, 0x12])
        );
        assert_eq!(
            MacAddr::ipv4_multicast(Ipv4Addr::new(239, 129, 2, 3)),
            MacAddr([0x01, 0, 0x5e, 0x01, 2, 3])
        );
        assert!(MacAddr::BROADCAST.is_multicast() && !SRC.is_multicast());
    }
}
