//! The VRRP message: version 2 (RFC 3768) and version 3 (RFC 5798), up to 255 addresses.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! v2: |   Auth Type   |   Adver Int   |          Checksum         |
//! v3: |(rsvd) |     Max Adver Int     |          Checksum         |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |          IPvX Address(es) (4 or 16 bytes each) ...            |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! v2 only: |        Authentication Data (8 bytes)                  |
//! ```
//!
//! The checksum covers the whole message; callers pass the partial sum of a pseudo-header
//! (0 for none) so one routine serves v2, v3 over IPv4 with or without pseudo-header, and v3
//! over IPv6.

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{checksum, AddrList, EmitError, Field, ParseError, MAX_ADVERT_ADDRS};

/// Fixed header length.
pub const HEADER_LEN: usize = 8;
/// Length of the v2 authentication data.
pub const AUTH_DATA_LEN: usize = 8;
/// Type 1: ADVERTISEMENT (the only type defined).
pub const TYPE_ADVERTISEMENT: u8 = 1;
/// v2 auth type: none.
pub const AUTH_NONE: u8 = 0;
/// v2 auth type: simple text password (PASS).
pub const AUTH_PASS: u8 = 1;
/// v2 auth type: IPsec AH (keepalived).
pub const AUTH_AH: u8 = 2;

mod field {
    use crate::wire::Field;
    pub const VER_TYPE: usize = 0;
    pub const VRID: usize = 1;
    pub const PRIORITY: usize = 2;
    pub const NADDR: usize = 3;
    pub const AUTH_TYPE: usize = 4;
    pub const ADVER_INT_V2: usize = 5;
    pub const MAX_ADVER_INT: Field = 4..6;
    pub const CHECKSUM: Field = 6..8;
    pub const ADDRS: usize = 8;
    /// Address `i` of `len` bytes.
    pub const fn addr(i: usize, len: usize) -> Field {
        ADDRS + i * len..ADDRS + (i + 1) * len
    }
    /// v2 authentication data after `naddr` addresses of `len` bytes.
    pub const fn auth_data(naddr: usize, len: usize) -> Field {
        ADDRS + naddr * len..ADDRS + naddr * len + 8
    }
}

/// Address family of the addresses in a message (decided by the IP layer carrying it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    /// Bytes per address.
    pub const fn addr_len(self) -> usize {
        match self {
            Family::V4 => 4,
            Family::V6 => 16,
        }
    }

    /// The family of an address.
    pub const fn of(a: &IpAddr) -> Family {
        match a {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }
}

/// Bytes of a message of `version` with `naddr` addresses.
pub const fn message_len(version: u8, family: Family, naddr: usize) -> usize {
    HEADER_LEN + naddr * family.addr_len() + if version == 2 { AUTH_DATA_LEN } else { 0 }
}

/// A read/write view of a VRRP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wrap a buffer without checking it (for emitting).
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wrap a received buffer; fails unless the fixed header is present. Accessors whose
    /// position depends on the count field return `Option`/defaults, never panic.
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

    /// Consume the view, returning the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn byte(&self, i: usize) -> u8 {
        self.buffer.as_ref().get(i).copied().unwrap_or(0)
    }

    fn word(&self, f: Field) -> u16 {
        let mut w = [0u8; 2];
        if let Some(s) = self.buffer.as_ref().get(f) {
            w.copy_from_slice(s);
        }
        u16::from_be_bytes(w)
    }

    /// Return the version nibble.
    pub fn version(&self) -> u8 {
        self.byte(field::VER_TYPE) >> 4
    }

    /// Return the type nibble.
    pub fn kind(&self) -> u8 {
        self.byte(field::VER_TYPE) & 0x0f
    }

    /// Return the virtual router ID.
    pub fn vrid(&self) -> u8 {
        self.byte(field::VRID)
    }

    /// Return the priority.
    pub fn priority(&self) -> u8 {
        self.byte(field::PRIORITY)
    }

    /// Return the address count field.
    pub fn naddr(&self) -> u8 {
        self.byte(field::NADDR)
    }

    /// Return the v2 auth type field.
    pub fn auth_type(&self) -> u8 {
        self.byte(field::AUTH_TYPE)
    }

    /// Return the v2 advertisement interval field (seconds).
    pub fn adver_int_v2(&self) -> u8 {
        self.byte(field::ADVER_INT_V2)
    }

    /// Return the v3 max advertisement interval (centiseconds, 12 bits).
    pub fn max_adver_int(&self) -> u16 {
        self.word(field::MAX_ADVER_INT) & 0x0fff
    }

    /// Return the interval in centiseconds as the version nibble says (v2: seconds × 100).
    pub fn adver_int_cs(&self) -> u16 {
        if self.version() == 2 {
            u16::from(self.adver_int_v2()) * 100
        } else {
            self.max_adver_int()
        }
    }

    /// Return the checksum field.
    pub fn checksum(&self) -> u16 {
        self.word(field::CHECKSUM)
    }

    /// Return address `i`, if `i` is below the count and its bytes are present.
    pub fn addr(&self, i: usize, family: Family) -> Option<IpAddr> {
        if i >= usize::from(self.naddr()) {
            return None;
        }
        let s = self
            .buffer
            .as_ref()
            .get(field::addr(i, family.addr_len()))?;
        Some(match family {
            Family::V4 => {
                let mut a = [0u8; 4];
                a.copy_from_slice(s);
                IpAddr::V4(Ipv4Addr::from(a))
            }
            Family::V6 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(s);
                IpAddr::V6(Ipv6Addr::from(a))
            }
        })
    }

    /// How many of the `naddr` addresses the bytes hold.
    pub fn addrs_present(&self, family: Family) -> usize {
        let room = self.buffer.as_ref().len().saturating_sub(HEADER_LEN) / family.addr_len();
        room.min(usize::from(self.naddr()))
    }

    /// Return the v2 authentication data (zeros where the bytes are missing).
    pub fn auth_data(&self, family: Family) -> [u8; 8] {
        let mut d = [0u8; 8];
        let f = field::auth_data(usize::from(self.naddr()), family.addr_len());
        let b = self.buffer.as_ref();
        for (i, out) in d.iter_mut().enumerate() {
            *out = b.get(f.start + i).copied().unwrap_or(0);
        }
        d
    }

    /// The length a well-formed message with this header has.
    pub fn expected_len(&self, family: Family) -> usize {
        message_len(self.version(), family, usize::from(self.naddr()))
    }

    /// Whether the checksum is right given the partial sum of a pseudo-header (0: none).
    pub fn verify_checksum(&self, pseudo_header_sum: u16) -> bool {
        let sum = checksum::combine(&[pseudo_header_sum, checksum::data(self.buffer.as_ref())]);
        sum == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn put_byte(&mut self, i: usize, v: u8) {
        if let Some(d) = self.buffer.as_mut().get_mut(i) {
            *d = v;
        }
    }

    fn put(&mut self, f: Field, v: &[u8]) {
        if let Some(d) = self.buffer.as_mut().get_mut(f) {
            d.copy_from_slice(v);
        }
    }

    /// Set the version and type nibbles.
    pub fn set_version_kind(&mut self, version: u8, kind: u8) {
        self.put_byte(field::VER_TYPE, (version << 4) | (kind & 0x0f));
    }

    /// Set the virtual router ID.
    pub fn set_vrid(&mut self, v: u8) {
        self.put_byte(field::VRID, v);
    }

    /// Set the priority.
    pub fn set_priority(&mut self, v: u8) {
        self.put_byte(field::PRIORITY, v);
    }

    /// Set the address count.
    pub fn set_naddr(&mut self, v: u8) {
        self.put_byte(field::NADDR, v);
    }

    /// Set the v2 auth type.
    pub fn set_auth_type(&mut self, v: u8) {
        self.put_byte(field::AUTH_TYPE, v);
    }

    /// Set the v2 advertisement interval (seconds).
    pub fn set_adver_int_v2(&mut self, v: u8) {
        self.put_byte(field::ADVER_INT_V2, v);
    }

    /// Set the v3 max advertisement interval (centiseconds; reserved bits cleared).
    pub fn set_max_adver_int(&mut self, cs: u16) {
        self.put(field::MAX_ADVER_INT, &(cs & 0x0fff).to_be_bytes());
    }

    /// Set the checksum field.
    pub fn set_checksum(&mut self, v: u16) {
        self.put(field::CHECKSUM, &v.to_be_bytes());
    }

    /// Set address `i` (its family decides its size).
    pub fn set_addr(&mut self, i: usize, a: &IpAddr) {
        match a {
            IpAddr::V4(a) => self.put(field::addr(i, 4), &a.octets()),
            IpAddr::V6(a) => self.put(field::addr(i, 16), &a.octets()),
        }
    }

    /// Set the v2 authentication data after the `naddr` addresses.
    pub fn set_auth_data(&mut self, family: Family, data: &[u8; 8]) {
        let f = field::auth_data(usize::from(self.naddr()), family.addr_len());
        self.put(f, data);
    }

    /// Compute and store the checksum over the whole buffer plus a pseudo-header sum.
    pub fn fill_checksum(&mut self, pseudo_header_sum: u16) {
        self.set_checksum(0);
        let sum = checksum::combine(&[pseudo_header_sum, checksum::data(self.buffer.as_ref())]);
        self.set_checksum(checksum::finish(sum));
    }
}

/// The meaning of a VRRP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repr {
    pub version: u8,
    pub kind: u8,
    pub vrid: u8,
    pub priority: u8,
    /// v2: seconds × 100; v3: centiseconds.
    pub adver_int_cs: u16,
    /// v2 only (0 for v3).
    pub auth_type: u8,
    /// v2 only (zeros for v3).
    pub auth_data: [u8; 8],
    pub addrs: AddrList,
}

/// The header fields of a message to emit (the addresses are passed separately so the
/// sender needs no copy of its list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub version: u8,
    pub kind: u8,
    pub vrid: u8,
    pub priority: u8,
    pub adver_int_cs: u16,
    pub auth_type: u8,
    pub auth_data: [u8; 8],
}

/// Write one message into `buf` (exactly `message_len` bytes are used) with its checksum;
/// returns the length. All addresses must be of `family`.
pub fn emit_message(
    h: &Header,
    family: Family,
    addrs: &[IpAddr],
    pseudo_header_sum: u16,
    buf: &mut [u8],
) -> Result<usize, EmitError> {
    if addrs.len() > MAX_ADVERT_ADDRS || addrs.iter().any(|a| Family::of(a) != family) {
        return Err(EmitError::BadAddresses);
    }
    let len = message_len(h.version, family, addrs.len());
    let buf = buf.get_mut(..len).ok_or(EmitError::BufferTooSmall)?;
    let mut p = Packet::new_unchecked(buf);
    p.set_version_kind(h.version, h.kind);
    p.set_vrid(h.vrid);
    p.set_priority(h.priority);
    p.set_naddr(addrs.len() as u8);
    if h.version == 2 {
        p.set_auth_type(h.auth_type);
        p.set_adver_int_v2((h.adver_int_cs / 100).min(255) as u8);
    } else {
        p.set_max_adver_int(h.adver_int_cs);
    }
    for (i, a) in addrs.iter().enumerate() {
        p.set_addr(i, a);
    }
    if h.version == 2 {
        p.set_auth_data(family, &h.auth_data);
    }
    p.fill_checksum(pseudo_header_sum);
    Ok(len)
}

impl Repr {
    /// Decode a checked message whose addresses are of `family`. Strict: the bytes must hold
    /// every address the count claims (and v2's auth data); trailing bytes are ignored. The
    /// checksum is not checked here (see [`Packet::verify_checksum`]).
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>, family: Family) -> Result<Repr, ParseError> {
        p.check_len()?;
        if p.buffer.as_ref().len() < p.expected_len(family) {
            return Err(ParseError::Truncated);
        }
        let v2 = p.version() == 2;
        let mut addrs = AddrList::new();
        for i in 0..usize::from(p.naddr()) {
            if let Some(a) = p.addr(i, family) {
                // Capacity is 255 = the largest count: cannot fail.
                let _ = addrs.push(a);
            }
        }
        Ok(Repr {
            version: p.version(),
            kind: p.kind(),
            vrid: p.vrid(),
            priority: p.priority(),
            adver_int_cs: p.adver_int_cs(),
            auth_type: if v2 { p.auth_type() } else { 0 },
            auth_data: if v2 { p.auth_data(family) } else { [0; 8] },
            addrs,
        })
    }

    /// The address family (IPv4 when there are no addresses).
    pub fn family(&self) -> Family {
        self.addrs.first().map_or(Family::V4, Family::of)
    }

    /// Bytes of the message this emits.
    pub fn buffer_len(&self) -> usize {
        message_len(self.version, self.family(), self.addrs.len())
    }

    /// The header fields.
    pub fn header(&self) -> Header {
        Header {
            version: self.version,
            kind: self.kind,
            vrid: self.vrid,
            priority: self.priority,
            adver_int_cs: self.adver_int_cs,
            auth_type: self.auth_type,
            auth_data: self.auth_data,
        }
    }

    /// Write the message with its checksum (pseudo-header partial sum, 0 for none) into a
    /// buffer of at least `buffer_len()` bytes.
    pub fn emit(&self, buf: &mut [u8], pseudo_header_sum: u16) -> Result<usize, EmitError> {
        emit_message(
            &self.header(),
            self.family(),
            &self.addrs,
            pseudo_header_sum,
            buf,
        )
    }
}

/// keepalived's names of the v2 auth types.
pub fn auth_type_name(t: u8) -> &'static str {
    match t {
        AUTH_NONE => "none",
        AUTH_PASS => "PASS",
        AUTH_AH => "AH",
        _ => "unknown",
    }
}

impl fmt::Display for Repr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "VRRPv{} type {} vrid {} prio {} int {}cs",
            self.version, self.kind, self.vrid, self.priority, self.adver_int_cs
        )?;
        if self.version == 2 {
            write!(f, " auth {}", auth_type_name(self.auth_type))?;
        }
        write!(f, " addrs [")?;
        for (i, a) in self.addrs.iter().enumerate() {
            write!(f, "{}{}", if i == 0 { "" } else { " " }, a)?;
        }
        write!(f, "]")
    }
}

#[cfg(test)]
#[path = "vrrp_test.rs"]
mod test;
