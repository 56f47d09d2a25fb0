//! keepalived's unsolicited Neighbour Advertisement (RFC 4861 §4.4, §7.2.6): to ff02::1,
//! hop limit 255, Override set, Solicited and Router clear, a Target Link-Layer Address
//! option, ICMPv6 checksum over the IPv6 pseudo-header. Measured from keepalived 2.2.7: the
//! IPv6 source is the VIP itself, traffic class and flow label 0, sent whole over PF_PACKET.

use core::net::Ipv6Addr;

use super::ethernet::{self, MacAddr};
use super::{checksum, ipv6, EmitError, Field, ParseError};

/// ICMPv6 type of a Neighbour Advertisement.
pub const ICMPV6_NA: u8 = 136;
/// Length of an NA with one link-layer address option.
pub const NA_LEN: usize = 32;
/// Router flag.
pub const FLAG_ROUTER: u8 = 0x80;
/// Solicited flag.
pub const FLAG_SOLICITED: u8 = 0x40;
/// Override flag.
pub const FLAG_OVERRIDE: u8 = 0x20;
/// Option type: target link-layer address.
pub const OPT_TARGET_LL: u8 = 2;
/// Length of the whole frame emit_na builds.
pub const NA_FRAME_LEN: usize = ethernet::HEADER_LEN + ipv6::HEADER_LEN + NA_LEN;

mod field {
    use crate::wire::Field;
    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: Field = 2..4;
    pub const FLAGS: usize = 4;
    pub const RESERVED: Field = 5..8;
    pub const TARGET: Field = 8..24;
    pub const OPT_TYPE: usize = 24;
    pub const OPT_LEN: usize = 25;
    pub const OPT_LLADDR: Field = 26..32;
}

/// A read/write view of a Neighbour Advertisement with a target link-layer option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wrap a buffer without checking it (for emitting).
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wrap a received buffer; fails unless the 32 bytes are present.
    pub fn new_checked(buffer: T) -> Result<Packet<T>, ParseError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// The buffer holds an NA with one 8-byte option.
    pub fn check_len(&self) -> Result<(), ParseError> {
        if self.buffer.as_ref().len() < NA_LEN {
            Err(ParseError::Truncated)
        } else {
            Ok(())
        }
    }

    fn byte(&self, i: usize) -> u8 {
        self.buffer.as_ref().get(i).copied().unwrap_or(0)
    }

    /// Return the ICMPv6 type.
    pub fn msg_type(&self) -> u8 {
        self.byte(field::TYPE)
    }

    /// Return the ICMPv6 code.
    pub fn code(&self) -> u8 {
        self.byte(field::CODE)
    }

    /// Return the checksum.
    pub fn checksum(&self) -> u16 {
        let mut w = [0u8; 2];
        if let Some(s) = self.buffer.as_ref().get(field::CHECKSUM) {
            w.copy_from_slice(s);
        }
        u16::from_be_bytes(w)
    }

    /// Return the R/S/O flag byte.
    pub fn flags(&self) -> u8 {
        self.byte(field::FLAGS)
    }

    /// Return the target address.
    pub fn target_addr(&self) -> Ipv6Addr {
        let mut a = [0u8; 16];
        if let Some(s) = self.buffer.as_ref().get(field::TARGET) {
            a.copy_from_slice(s);
        }
        Ipv6Addr::from(a)
    }

    /// Return the option type.
    pub fn option_type(&self) -> u8 {
        self.byte(field::OPT_TYPE)
    }

    /// Return the option length (8-byte units).
    pub fn option_len(&self) -> u8 {
        self.byte(field::OPT_LEN)
    }

    /// Return the link-layer address in the option.
    pub fn lladdr(&self) -> MacAddr {
        let mut m = [0u8; 6];
        if let Some(s) = self.buffer.as_ref().get(field::OPT_LLADDR) {
            m.copy_from_slice(s);
        }
        MacAddr(m)
    }

    /// Whether the ICMPv6 checksum is right for this source and destination.
    pub fn verify_checksum(&self, src: Ipv6Addr, dst: Ipv6Addr) -> bool {
        let b = self.buffer.as_ref();
        let ph = checksum::pseudo_header_v6(src, dst, ipv6::NEXT_HEADER_ICMPV6, b.len() as u32);
        checksum::combine(&[ph, checksum::data(b)]) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn put(&mut self, f: Field, v: &[u8]) {
        if let Some(d) = self.buffer.as_mut().get_mut(f) {
            d.copy_from_slice(v);
        }
    }

    /// Set type and code.
    pub fn set_type_code(&mut self, t: u8, code: u8) {
        self.put(field::TYPE..field::CODE + 1, &[t, code]);
    }

    /// Set the flag byte and clear the reserved bytes.
    pub fn set_flags(&mut self, flags: u8) {
        self.put(field::FLAGS..field::FLAGS + 1, &[flags]);
        self.put(field::RESERVED, &[0; 3]);
    }

    /// Set the target address.
    pub fn set_target_addr(&mut self, a: Ipv6Addr) {
        self.put(field::TARGET, &a.octets());
    }

    /// Set the target link-layer address option.
    pub fn set_target_lladdr(&mut self, m: MacAddr) {
        self.put(field::OPT_TYPE..field::OPT_LEN + 1, &[OPT_TARGET_LL, 1]);
        self.put(field::OPT_LLADDR, &m.0);
    }

    /// Compute and store the ICMPv6 checksum.
    pub fn fill_checksum(&mut self, src: Ipv6Addr, dst: Ipv6Addr) {
        self.put(field::CHECKSUM, &[0, 0]);
        let b = self.buffer.as_ref();
        let ph = checksum::pseudo_header_v6(src, dst, ipv6::NEXT_HEADER_ICMPV6, b.len() as u32);
        let sum = checksum::finish(checksum::combine(&[ph, checksum::data(b)]));
        self.put(field::CHECKSUM, &sum.to_be_bytes());
    }
}

/// The meaning of an NA with a target link-layer address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    pub flags: u8,
    pub target_addr: Ipv6Addr,
    pub lladdr: MacAddr,
}

impl Repr {
    /// keepalived's unsolicited NA for `vip` at `mac`: Override only.
    pub const fn unsolicited(mac: MacAddr, vip: Ipv6Addr) -> Repr {
        Repr {
            flags: FLAG_OVERRIDE,
            target_addr: vip,
            lladdr: mac,
        }
    }

    /// Decode a checked NA (type 136, code 0, a target link-layer option of length 1).
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr, ParseError> {
        p.check_len()?;
        if p.msg_type() != ICMPV6_NA
            || p.code() != 0
            || p.option_type() != OPT_TARGET_LL
            || p.option_len() != 1
        {
            return Err(ParseError::NotVrrp);
        }
        Ok(Repr {
            flags: p.flags(),
            target_addr: p.target_addr(),
            lladdr: p.lladdr(),
        })
    }

    /// Bytes of the message.
    pub const fn buffer_len(&self) -> usize {
        NA_LEN
    }

    /// Write the message with its checksum into a buffer of exactly `buffer_len()` bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        p: &mut Packet<T>,
        src: Ipv6Addr,
        dst: Ipv6Addr,
    ) {
        p.set_type_code(ICMPV6_NA, 0);
        p.set_flags(self.flags);
        p.set_target_addr(self.target_addr);
        p.set_target_lladdr(self.lladdr);
        p.fill_checksum(src, dst);
    }
}

/// Build keepalived's unsolicited NA for `vip6` as a whole Ethernet frame (to ff02::1 /
/// 33:33:00:00:00:01, from `src_mac` and `src_ip6` — keepalived uses the VIP itself as the
/// source) for a PF_PACKET SOCK_RAW socket; returns its length (86).
pub fn emit_na(
    src_mac: MacAddr,
    src_ip6: Ipv6Addr,
    vip6: Ipv6Addr,
    buf: &mut [u8],
) -> Result<usize, EmitError> {
    let frame = buf
        .get_mut(..NA_FRAME_LEN)
        .ok_or(EmitError::BufferTooSmall)?;
    let eth = ethernet::Repr {
        src_addr: src_mac,
        dst_addr: MacAddr::ipv6_multicast(ipv6::ALL_NODES),
        ethertype: ethernet::ETHERTYPE_IPV6,
    };
    let mut f = ethernet::Frame::new_unchecked(frame);
    eth.emit(&mut f);
    let ip = ipv6::Repr {
        src_addr: src_ip6,
        dst_addr: ipv6::ALL_NODES,
        next_header: ipv6::NEXT_HEADER_ICMPV6,
        hop_limit: 255,
        traffic_class: 0,
        payload_len: NA_LEN,
    };
    let mut p = ipv6::Packet::new_unchecked(f.payload_mut());
    ip.emit(&mut p);
    let na = Repr::unsolicited(src_mac, vip6);
    na.emit(
        &mut Packet::new_unchecked(p.payload_mut()),
        src_ip6,
        ipv6::ALL_NODES,
    );
    Ok(NA_FRAME_LEN)
}

#[cfg(test)]
mod test {
    use super::*;

    // keepalived 2.2.7's NA for fe80::50 from 02:00:00:00:00:0a (captured).
    static FRAME: [u8; 86] = [
        0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x86, 0xdd, 0x60,
        0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x50, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0x56, 0xf4, 0x20, 0x00,
        0x00, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x50, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
    ];
    const MAC: MacAddr = MacAddr([2, 0, 0, 0, 0, 0x0a]);
    const VIP: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x50);

    fn na() -> &'static [u8] {
        &FRAME[54..]
    }

    #[test]
    fn test_deconstruct() {
        let p = Packet::new_checked(na()).unwrap();
        assert_eq!(p.msg_type(), 136);
        assert_eq!(p.code(), 0);
        assert_eq!(p.checksum(), 0x56f4);
        assert_eq!(p.flags(), FLAG_OVERRIDE);
        assert_eq!(p.target_addr(), VIP);
        assert_eq!(p.option_type(), 2);
        assert_eq!(p.option_len(), 1);
        assert_eq!(p.lladdr(), MAC);
        assert!(p.verify_checksum(VIP, ipv6::ALL_NODES));
        assert!(!p.verify_checksum(Ipv6Addr::LOCALHOST, ipv6::ALL_NODES));
        assert_eq!(
            Packet::new_checked(&na()[1..]).err(),
            Some(ParseError::Truncated)
        );
    }

    #[test]
    fn test_construct() {
        let mut b = [0u8; 32];
        let mut p = Packet::new_unchecked(&mut b[..]);
        p.set_type_code(136, 0);
        p.set_flags(FLAG_OVERRIDE);
        p.set_target_addr(VIP);
        p.set_target_lladdr(MAC);
        p.fill_checksum(VIP, ipv6::ALL_NODES);
        assert_eq!(&b[..], na());
    }

    #[test]
    fn test_parse() {
        let p = Packet::new_checked(na()).unwrap();
        assert_eq!(Repr::parse(&p), Ok(Repr::unsolicited(MAC, VIP)));
        let mut b = [0u8; 32];
        b.copy_from_slice(na());
        b[0] = 135;
        assert_eq!(
            Repr::parse(&Packet::new_checked(&b[..]).unwrap()),
            Err(ParseError::NotVrrp)
        );
    }

    #[test]
    fn test_emit() {
        let mut b = [0u8; 100];
        assert_eq!(emit_na(MAC, VIP, VIP, &mut b), Ok(86));
        assert_eq!(&b[..86], &FRAME[..]);
        assert_eq!(
            emit_na(MAC, VIP, VIP, &mut b[..85]),
            Err(EmitError::BufferTooSmall)
        );
    }
}
