//! The IPsec Authentication Header exactly as keepalived uses it for VRRPv2 over IPv4
//! (not interoperable with real IPsec: there is no SA negotiation).
//!
//! ```text
//! | next header 112 | payload len 4 | reserved 0 (2 bytes)        |
//! | SPI = the sender's IPv4 source address                        |
//! | sequence number (keepalived starts at 0, +1 per advert)       |
//! | ICV: HMAC-MD5 truncated to 96 bits (12 bytes)                 |
//! ```
//!
//! The ICV is keyed by the 8-byte zero-padded auth_pass and computed over the IP header with
//! its mutable fields zeroed (TOS, flags + fragment offset, header checksum, and the TTL
//! only for unicast — keepalived's `vrrp_update_pkt` / `vrrp_in_chk_ipsecah` test the
//! instance's unicast flag), then this header with the ICV zeroed, then the VRRP message.

use hmac::{Hmac, Mac};
use md5::Md5;

use super::{Field, ParseError};

/// Length of keepalived's AH (payload length field 4 → (4 + 2) × 4 bytes).
pub const HEADER_LEN: usize = 24;
/// The payload length field keepalived writes.
pub const PAYLOAD_LEN_FIELD: u8 = 4;
/// Length of the truncated ICV.
pub const ICV_LEN: usize = 12;

mod field {
    use crate::wire::Field;
    pub const NEXT_HEADER: usize = 0;
    pub const PAYLOAD_LEN: usize = 1;
    pub const RESERVED: Field = 2..4;
    pub const SPI: Field = 4..8;
    pub const SEQ: Field = 8..12;
    pub const ICV: Field = 12..24;
}

/// A read/write view of the AH header (and what follows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

fn get32(b: &[u8], f: Field) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(f) {
        w.copy_from_slice(s);
    }
    u32::from_be_bytes(w)
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wrap a buffer without checking it (for emitting).
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wrap a received buffer; fails unless the 24-byte header is present.
    pub fn new_checked(buffer: T) -> Result<Packet<T>, ParseError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// The buffer holds keepalived's 24-byte header.
    pub fn check_len(&self) -> Result<(), ParseError> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(ParseError::Truncated)
        } else {
            Ok(())
        }
    }

    /// Return the next-header field.
    pub fn next_header(&self) -> u8 {
        self.buffer
            .as_ref()
            .get(field::NEXT_HEADER)
            .copied()
            .unwrap_or(0)
    }

    /// Return the payload length field (32-bit words − 2).
    pub fn payload_len(&self) -> u8 {
        self.buffer
            .as_ref()
            .get(field::PAYLOAD_LEN)
            .copied()
            .unwrap_or(0)
    }

    /// Return the reserved field.
    pub fn reserved(&self) -> u16 {
        let mut w = [0u8; 2];
        if let Some(s) = self.buffer.as_ref().get(field::RESERVED) {
            w.copy_from_slice(s);
        }
        u16::from_be_bytes(w)
    }

    /// Return the SPI.
    pub fn spi(&self) -> u32 {
        get32(self.buffer.as_ref(), field::SPI)
    }

    /// Return the sequence number.
    pub fn seq(&self) -> u32 {
        get32(self.buffer.as_ref(), field::SEQ)
    }

    /// Return the ICV.
    pub fn icv(&self) -> [u8; ICV_LEN] {
        let mut icv = [0u8; ICV_LEN];
        if let Some(s) = self.buffer.as_ref().get(field::ICV) {
            icv.copy_from_slice(s);
        }
        icv
    }

    /// What follows the header.
    pub fn payload(&self) -> &[u8] {
        self.buffer.as_ref().get(HEADER_LEN..).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn put(&mut self, f: Field, v: &[u8]) {
        if let Some(d) = self.buffer.as_mut().get_mut(f) {
            d.copy_from_slice(v);
        }
    }

    /// Set the next-header field.
    pub fn set_next_header(&mut self, v: u8) {
        self.put(field::NEXT_HEADER..field::NEXT_HEADER + 1, &[v]);
    }

    /// Set the payload length field.
    pub fn set_payload_len(&mut self, v: u8) {
        self.put(field::PAYLOAD_LEN..field::PAYLOAD_LEN + 1, &[v]);
    }

    /// Set the reserved field.
    pub fn set_reserved(&mut self, v: u16) {
        self.put(field::RESERVED, &v.to_be_bytes());
    }

    /// Set the SPI.
    pub fn set_spi(&mut self, v: u32) {
        self.put(field::SPI, &v.to_be_bytes());
    }

    /// Set the sequence number.
    pub fn set_seq(&mut self, v: u32) {
        self.put(field::SEQ, &v.to_be_bytes());
    }

    /// Set the ICV.
    pub fn set_icv(&mut self, v: &[u8; ICV_LEN]) {
        self.put(field::ICV, v);
    }
}

/// The meaning of keepalived's AH header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    pub next_header: u8,
    pub spi: u32,
    pub seq: u32,
    pub icv: [u8; ICV_LEN],
}

impl Repr {
    /// Decode a checked header. Anything but keepalived's payload length (24 bytes) is
    /// refused; the next header is reported, not checked (keepalived counts a wrong one as
    /// an authentication failure).
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr, ParseError> {
        p.check_len()?;
        if p.payload_len() != PAYLOAD_LEN_FIELD {
            return Err(ParseError::NotVrrp);
        }
        Ok(Repr {
            next_header: p.next_header(),
            spi: p.spi(),
            seq: p.seq(),
            icv: p.icv(),
        })
    }

    /// Bytes of the header.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Write the header into a buffer of at least `buffer_len()` bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) {
        p.set_next_header(self.next_header);
        p.set_payload_len(PAYLOAD_LEN_FIELD);
        p.set_reserved(0);
        p.set_spi(self.spi);
        p.set_seq(self.seq);
        p.set_icv(&self.icv);
    }
}

/// keepalived's ICV of an IPv4 packet whose IP header is `ip_header_len` bytes and is
/// followed by the AH header and the VRRP message (`packet` is the whole IP packet; the
/// stored ICV and mutable fields are ignored). `None` if `packet` is too short or
/// `ip_header_len` is not 20..=60.
pub fn compute_icv(
    key: &[u8; 8],
    packet: &[u8],
    ip_header_len: usize,
    unicast: bool,
) -> Option<[u8; ICV_LEN]> {
    let mut icv = [0u8; ICV_LEN];
    if !(super::ipv4::HEADER_LEN..=60).contains(&ip_header_len) {
        return None;
    }
    // IP header with mutable fields zeroed (at most 60 bytes: IHL is 4 bits).
    let mut hdr = [0u8; 60];
    let (Some(ip), Some(ah), Some(rest)) = (
        packet.get(..ip_header_len),
        packet.get(ip_header_len..ip_header_len + HEADER_LEN),
        packet.get(ip_header_len + HEADER_LEN..),
    ) else {
        return None;
    };
    let h = hdr.get_mut(..ip.len())?;
    h.copy_from_slice(ip);
    hdr[1] = 0; // TOS
    hdr[6] = 0; // flags + fragment offset
    hdr[7] = 0;
    hdr[10] = 0; // header checksum
    hdr[11] = 0;
    if unicast {
        hdr[8] = 0; // TTL
    }
    let h = hdr.get(..ip_header_len)?;
    let mut ah_zeroed = [0u8; HEADER_LEN];
    ah_zeroed.copy_from_slice(ah);
    ah_zeroed[field::ICV].fill(0);

    // HMAC accepts keys of any length: this cannot fail.
    let mut mac = Hmac::<Md5>::new_from_slice(key).ok()?;
    mac.update(h);
    mac.update(&ah_zeroed);
    mac.update(rest);
    let digest = mac.finalize().into_bytes();
    icv.copy_from_slice(digest.get(..ICV_LEN)?);
    Some(icv)
}

/// Constant-time equality of two byte strings of the same length.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    core::hint::black_box(diff) == 0
}

#[cfg(test)]
mod test {
    use super::*;

    // keepalived's AH (VRID 12, auth_pass 12345678, seq 1), as captured, inside its packet.
    static PACKET: [u8; 64] = [
        0x45, 0xc0, 0x00, 0x40, 0x00, 0x01, 0x00, 0x00, 0xff, 0x33, 0x18, 0xb6, 0xc0, 0x00, 0x02,
        0x01, 0xe0, 0x00, 0x00, 0x12, // IP
        0x70, 0x04, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x01, 0xec, 0x81, 0x3c,
        0x5f, 0xd5, 0x55, 0xb7, 0xba, 0x6d, 0x7d, 0x21, 0x77, // AH
        0x21, 0x0c, 0xc8, 0x01, 0x02, 0x01, 0x52, 0x80, 0xc0, 0x00, 0x02, 0x70, 0, 0, 0, 0, 0, 0,
        0, 0, // VRRP
    ];
    const ICV: [u8; 12] = [
        0xec, 0x81, 0x3c, 0x5f, 0xd5, 0x55, 0xb7, 0xba, 0x6d, 0x7d, 0x21, 0x77,
    ];

    fn repr() -> Repr {
        Repr {
            next_header: 112,
            spi: 0xc000_0201,
            seq: 1,
            icv: ICV,
        }
    }

    #[test]
    fn test_deconstruct() {
        let p = Packet::new_checked(&PACKET[20..]).unwrap();
        assert_eq!(p.next_header(), 112);
        assert_eq!(p.payload_len(), 4);
        assert_eq!(p.reserved(), 0);
        assert_eq!(p.spi(), 0xc000_0201);
        assert_eq!(p.seq(), 1);
        assert_eq!(p.icv(), ICV);
        assert_eq!(p.payload().len(), 20);
    }

    #[test]
    fn test_construct() {
        let mut b = [0xffu8; 24];
        let mut p = Packet::new_unchecked(&mut b[..]);
        p.set_next_header(112);
        p.set_payload_len(4);
        p.set_reserved(0);
        p.set_spi(0xc000_0201);
        p.set_seq(1);
        p.set_icv(&ICV);
        assert_eq!(&b[..], &PACKET[20..44]);
    }

    #[test]
    fn test_parse() {
        let p = Packet::new_checked(&PACKET[20..]).unwrap();
        assert_eq!(Repr::parse(&p), Ok(repr()));
        assert_eq!(
            Packet::new_checked(&PACKET[20..43]).err(),
            Some(ParseError::Truncated)
        );
        let mut b = PACKET;
        b[21] = 5;
        assert_eq!(
            Repr::parse(&Packet::new_checked(&b[20..]).unwrap()),
            Err(ParseError::NotVrrp)
        );
    }

    #[test]
    fn test_emit() {
        let mut b = [0u8; 24];
        repr().emit(&mut Packet::new_unchecked(&mut b[..]));
        assert_eq!(&b[..], &PACKET[20..44]);
    }

    #[test]
    fn icv_matches_keepalived() {
        assert_eq!(compute_icv(b"12345678", &PACKET, 20, false), Some(ICV));
        // Mutable fields do not matter (multicast: TTL is not mutable).
        let mut b = PACKET;
        b[1] = 0;
        b[6] = 0x40;
        b[10] = 0x12;
        assert_eq!(compute_icv(b"12345678", &b, 20, false), Some(ICV));
        b[8] = 64;
        assert_ne!(compute_icv(b"12345678", &b, 20, false), Some(ICV));
        assert_eq!(compute_icv(b"12345678", &PACKET[..43], 20, false), None);
        assert_ne!(compute_icv(b"12345679", &PACKET, 20, false), Some(ICV));
        // A header length no IPv4 packet can have: none, no panic.
        assert_eq!(compute_icv(b"12345678", &PACKET, 5, false), None);
        assert_eq!(compute_icv(b"12345678", &PACKET, 64, false), None);
    }

    #[test]
    fn constant_time_eq() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
