//! ARP over Ethernet/IPv4, and keepalived's gratuitous ARP: a broadcast ARP *request* with
//! sender IP = target IP = the VIP, sender MAC = the interface (or VMAC) MAC and target MAC
//! ff:ff:ff:ff:ff:ff (measured from keepalived 2.2.7: "Request who-has VIP
//! (ff:ff:ff:ff:ff:ff) tell VIP").

use core::net::Ipv4Addr;

use super::ethernet::{self, MacAddr};
use super::{EmitError, Field, ParseError};

/// Length of an Ethernet/IPv4 ARP packet.
pub const PACKET_LEN: usize = 28;
/// Operation: request.
pub const OP_REQUEST: u16 = 1;
/// Operation: reply.
pub const OP_REPLY: u16 = 2;
/// Length of a gratuitous ARP frame (no padding: the NIC pads to 60 bytes).
pub const GARP_FRAME_LEN: usize = ethernet::HEADER_LEN + PACKET_LEN;

mod field {
    use crate::wire::Field;
    pub const HTYPE: Field = 0..2;
    pub const PTYPE: Field = 2..4;
    pub const HLEN: usize = 4;
    pub const PLEN: usize = 5;
    pub const OPER: Field = 6..8;
    pub const SHA: Field = 8..14;
    pub const SPA: Field = 14..18;
    pub const THA: Field = 18..24;
    pub const TPA: Field = 24..28;
}

/// A read/write view of an ARP packet (Ethernet/IPv4 layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wrap a buffer without checking it (for emitting).
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wrap a received buffer; fails unless the 28 bytes are present.
    pub fn new_checked(buffer: T) -> Result<Packet<T>, ParseError> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// The buffer holds an Ethernet/IPv4 ARP packet.
    pub fn check_len(&self) -> Result<(), ParseError> {
        if self.buffer.as_ref().len() < PACKET_LEN {
            Err(ParseError::Truncated)
        } else {
            Ok(())
        }
    }

    fn word(&self, f: Field) -> u16 {
        let mut w = [0u8; 2];
        if let Some(s) = self.buffer.as_ref().get(f) {
            w.copy_from_slice(s);
        }
        u16::from_be_bytes(w)
    }

    fn mac(&self, f: Field) -> MacAddr {
        let mut m = [0u8; 6];
        if let Some(s) = self.buffer.as_ref().get(f) {
            m.copy_from_slice(s);
        }
        MacAddr(m)
    }

    fn ip(&self, f: Field) -> Ipv4Addr {
        let mut a = [0u8; 4];
        if let Some(s) = self.buffer.as_ref().get(f) {
            a.copy_from_slice(s);
        }
        Ipv4Addr::from(a)
    }

    /// Return the hardware type.
    pub fn hardware_type(&self) -> u16 {
        self.word(field::HTYPE)
    }

    /// Return the protocol type.
    pub fn protocol_type(&self) -> u16 {
        self.word(field::PTYPE)
    }

    /// Return the hardware address length.
    pub fn hardware_len(&self) -> u8 {
        self.buffer.as_ref().get(field::HLEN).copied().unwrap_or(0)
    }

    /// Return the protocol address length.
    pub fn protocol_len(&self) -> u8 {
        self.buffer.as_ref().get(field::PLEN).copied().unwrap_or(0)
    }

    /// Return the operation.
    pub fn operation(&self) -> u16 {
        self.word(field::OPER)
    }

    /// Return the sender hardware address.
    pub fn source_hardware_addr(&self) -> MacAddr {
        self.mac(field::SHA)
    }

    /// Return the sender protocol address.
    pub fn source_protocol_addr(&self) -> Ipv4Addr {
        self.ip(field::SPA)
    }

    /// Return the target hardware address.
    pub fn target_hardware_addr(&self) -> MacAddr {
        self.mac(field::THA)
    }

    /// Return the target protocol address.
    pub fn target_protocol_addr(&self) -> Ipv4Addr {
        self.ip(field::TPA)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn put(&mut self, f: Field, v: &[u8]) {
        if let Some(d) = self.buffer.as_mut().get_mut(f) {
            d.copy_from_slice(v);
        }
    }

    /// Set hardware type, protocol type and both lengths for Ethernet/IPv4.
    pub fn set_ethernet_ipv4(&mut self) {
        self.put(field::HTYPE, &1u16.to_be_bytes());
        self.put(field::PTYPE, &ethernet::ETHERTYPE_IPV4.to_be_bytes());
        self.put(field::HLEN..field::HLEN + 1, &[6]);
        self.put(field::PLEN..field::PLEN + 1, &[4]);
    }

    /// Set the operation.
    pub fn set_operation(&mut self, v: u16) {
        self.put(field::OPER, &v.to_be_bytes());
    }

    /// Set the sender hardware address.
    pub fn set_source_hardware_addr(&mut self, m: MacAddr) {
        self.put(field::SHA, &m.0);
    }

    /// Set the sender protocol address.
    pub fn set_source_protocol_addr(&mut self, a: Ipv4Addr) {
        self.put(field::SPA, &a.octets());
    }

    /// Set the target hardware address.
    pub fn set_target_hardware_addr(&mut self, m: MacAddr) {
        self.put(field::THA, &m.0);
    }

    /// Set the target protocol address.
    pub fn set_target_protocol_addr(&mut self, a: Ipv4Addr) {
        self.put(field::TPA, &a.octets());
    }
}

/// The meaning of an Ethernet/IPv4 ARP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    pub operation: u16,
    pub source_hardware_addr: MacAddr,
    pub source_protocol_addr: Ipv4Addr,
    pub target_hardware_addr: MacAddr,
    pub target_protocol_addr: Ipv4Addr,
}

impl Repr {
    /// keepalived's gratuitous ARP for `vip` from `mac`.
    pub const fn gratuitous(mac: MacAddr, vip: Ipv4Addr) -> Repr {
        Repr {
            operation: OP_REQUEST,
            source_hardware_addr: mac,
            source_protocol_addr: vip,
            target_hardware_addr: MacAddr::BROADCAST,
            target_protocol_addr: vip,
        }
    }

    /// Decode a checked packet; only Ethernet/IPv4 is accepted.
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr, ParseError> {
        p.check_len()?;
        if p.hardware_type() != 1
            || p.protocol_type() != ethernet::ETHERTYPE_IPV4
            || p.hardware_len() != 6
            || p.protocol_len() != 4
        {
            return Err(ParseError::BadIpHeader);
        }
        Ok(Repr {
            operation: p.operation(),
            source_hardware_addr: p.source_hardware_addr(),
            source_protocol_addr: p.source_protocol_addr(),
            target_hardware_addr: p.target_hardware_addr(),
            target_protocol_addr: p.target_protocol_addr(),
        })
    }

    /// Bytes of the packet.
    pub const fn buffer_len(&self) -> usize {
        PACKET_LEN
    }

    /// Write the packet into a buffer of at least `buffer_len()` bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) {
        p.set_ethernet_ipv4();
        p.set_operation(self.operation);
        p.set_source_hardware_addr(self.source_hardware_addr);
        p.set_source_protocol_addr(self.source_protocol_addr);
        p.set_target_hardware_addr(self.target_hardware_addr);
        p.set_target_protocol_addr(self.target_protocol_addr);
    }
}

/// Build keepalived's gratuitous ARP for `vip` as a whole Ethernet frame (broadcast, from
/// `src_mac`) for a PF_PACKET SOCK_RAW socket; returns its length (42).
pub fn emit_garp(src_mac: MacAddr, vip: Ipv4Addr, buf: &mut [u8]) -> Result<usize, EmitError> {
    let frame = buf
        .get_mut(..GARP_FRAME_LEN)
        .ok_or(EmitError::BufferTooSmall)?;
    let eth = ethernet::Repr {
        src_addr: src_mac,
        dst_addr: MacAddr::BROADCAST,
        ethertype: ethernet::ETHERTYPE_ARP,
    };
    let mut f = ethernet::Frame::new_unchecked(frame);
    eth.emit(&mut f);
    Repr::gratuitous(src_mac, vip).emit(&mut Packet::new_unchecked(f.payload_mut()));
    Ok(GARP_FRAME_LEN)
}

#[cfg(test)]
mod test {
    use super::*;

    // keepalived 2.2.7's gratuitous ARP for 192.0.2.100 from 02:00:00:00:00:0a (captured).
    static GARP: [u8; 42] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x08, 0x06, 0x00,
        0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0xc0, 0x00,
        0x02, 0x64, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc0, 0x00, 0x02, 0x64,
    ];
    const MAC: MacAddr = MacAddr([2, 0, 0, 0, 0, 0x0a]);
    const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);

    #[test]
    fn test_deconstruct() {
        let p = Packet::new_checked(&GARP[14..]).unwrap();
        assert_eq!(p.hardware_type(), 1);
        assert_eq!(p.protocol_type(), 0x0800);
        assert_eq!(p.hardware_len(), 6);
        assert_eq!(p.protocol_len(), 4);
        assert_eq!(p.operation(), OP_REQUEST);
        assert_eq!(p.source_hardware_addr(), MAC);
        assert_eq!(p.source_protocol_addr(), VIP);
        assert_eq!(p.target_hardware_addr(), MacAddr::BROADCAST);
        assert_eq!(p.target_protocol_addr(), VIP);
        assert_eq!(
            Packet::new_checked(&GARP[15..]).err(),
            Some(ParseError::Truncated)
        );
    }

    #[test]
    fn test_construct() {
        let mut b = [0u8; 28];
        let mut p = Packet::new_unchecked(&mut b[..]);
        p.set_ethernet_ipv4();
        p.set_operation(OP_REQUEST);
        p.set_source_hardware_addr(MAC);
        p.set_source_protocol_addr(VIP);
        p.set_target_hardware_addr(MacAddr::BROADCAST);
        p.set_target_protocol_addr(VIP);
        assert_eq!(&b[..], &GARP[14..]);
    }

    #[test]
    fn test_parse() {
        let p = Packet::new_checked(&GARP[14..]).unwrap();
        assert_eq!(Repr::parse(&p), Ok(Repr::gratuitous(MAC, VIP)));
        let mut b = GARP;
        b[19] = 16;
        let p = Packet::new_checked(&b[14..]).unwrap();
        assert_eq!(Repr::parse(&p), Err(ParseError::BadIpHeader));
    }

    #[test]
    fn test_emit() {
        let mut b = [0u8; 64];
        assert_eq!(emit_garp(MAC, VIP, &mut b), Ok(42));
        assert_eq!(&b[..42], &GARP[..]);
        assert_eq!(
            emit_garp(MAC, VIP, &mut b[..41]),
            Err(EmitError::BufferTooSmall)
        );
    }
}
