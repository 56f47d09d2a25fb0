//! Packet formats only: VRRPv2/v3 adverts over IPv4/IPv6, IPsec AH as keepalived uses it,
//! gratuitous ARP, unsolicited neighbour advertisements, Ethernet framing.
//!
//! No I/O, no state, no allocation, no panic on any input (smoltcp's contract):
//! - `Packet<T>::new_checked` is the only constructor used on received bytes; after it
//!   succeeds no accessor panics;
//! - `Repr::parse` never panics on a checked packet; `Repr::emit` never panics on a buffer of
//!   `buffer_len()` bytes;
//! - every multi-byte field is read and written big-endian explicitly.
//!
//! The two types below are the contract with the protocol core:
//! - [`RxAdvert`]: what [`parse_advert`] decodes from one received IP packet (IPv4 with or
//!   without AH, or IPv6). It checks structure only (enough bytes for every field it reports);
//!   the acceptance rules that depend on the instance (TTL, version, auth, interval, address
//!   list, checksum flavour) are applied by `core::rx_check` in keepalived's order, using the
//!   fields and helpers here.
//! - [`AdvertTx`]: everything needed to build one advert; [`emit_advert`] writes the IP packet
//!   (IPv4 header with IP_HDRINCL, or the VRRP payload alone for IPv6 where the kernel adds the
//!   header and checksum).
//!
//! Helpers for the core's receive checks (keepalived's order is the core's job, see
//! `keepalived-behaviour.md` §B.4): [`checksum_ok`] (three [`ChecksumFlavour`]s),
//! [`ah_icv_ok`] (HMAC-MD5-96; TTL mutable only for unicast), [`ah_spi_ok`] (SPI = source),
//! [`pass_eq`] (constant time). `Display` for [`RxAdvert`] gives a one-line log form that
//! never shows the password. Frames for PF_PACKET: [`emit_garp`], [`emit_na`].
//!
//! ## Modules (one packet format each, smoltcp's layout)
//! | module | what |
//! |---|---|
//! | [`checksum`] | RFC 1071 sum, IPv4/IPv6 pseudo-headers |
//! | [`ipv4`] | header view: IHL honoured, fragments visible, TOS/ID/TTL; keepalived's emit |
//! | [`ipv6`] | fixed header view, pseudo-header sum |
//! | [`vrrp`] | v2/v3 message, up to 255 addresses, checksum with a pseudo-header sum |
//! | [`ah`] | keepalived's 24-byte AH and its ICV |
//! | [`ethernet`] | Ethernet II, [`MacAddr`], VRRP virtual MACs, multicast MACs |
//! | [`arp`] | ARP and keepalived's gratuitous ARP |
//! | [`ndisc`] | unsolicited neighbour advertisement |
//! | [`pretty`] | one-line `Display` of whole frames for debug logs and tools |
//!
//! Each view has `new_unchecked` / `check_len` / `new_checked`, getters on `T: AsRef<[u8]>`,
//! setters on `T: AsMut<[u8]>`, byte ranges in a private `mod field`, and a `Repr` with
//! `parse` / `buffer_len` / `emit`. Accessors whose position depends on a count field
//! (VRRP addresses and auth data) return `Option` or zeros instead of panicking.
//!
//! Tests: the four smoltcp kinds (deconstruct, construct, parse, emit) per module; golden
//! packets captured from keepalived 2.2.7 (`test/wire/capture.sh`, `golden.rs`) parsed and
//! re-emitted byte for byte; a tshark cross-check (`test/wire/tshark.rs`); big-endian runs
//! (`make test-be`); fuzz targets `wire_advert`, `wire_advert6`, `wire_roundtrip`.

use core::net::IpAddr;

use heapless::Vec;

pub mod ah;
pub mod arp;
pub mod checksum;
pub mod ethernet;
pub mod ipv4;
pub mod ipv6;
pub mod ndisc;
pub mod pretty;
pub mod vrrp;

mod advert;
#[cfg(test)]
mod golden;

pub use advert::{
    advert_len, ah_icv_ok, ah_spi_ok, checksum_ok, emit_advert, parse_advert, parse_advert6,
    pass_eq,
};
pub use arp::emit_garp;
pub use ethernet::MacAddr;
pub use ndisc::emit_na;

/// A byte range of a fixed-position field (smoltcp's `mod field` convention).
pub type Field = core::ops::Range<usize>;

/// Maximum addresses in one advert (8-bit count).
pub const MAX_ADVERT_ADDRS: usize = 255;

/// Addresses carried in an advert.
pub type AddrList = Vec<IpAddr, MAX_ADVERT_ADDRS>;

/// Why a received packet could not be decoded at all (structure, not policy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Shorter than the headers it claims (counted as `packet_len_err`).
    Truncated,
    /// Not IPv4/IPv6, bad IHL, or a fragment.
    BadIpHeader,
    /// IP protocol is neither 112 (VRRP) nor 51 (AH). An AH whose next header is not 112 is
    /// still decoded (`RxAh::next_header`): keepalived counts that as an auth failure.
    NotVrrp,
}

/// The AH header of a received packet (keepalived's IPsec-AH variant).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RxAh {
    pub next_header: u8,
    /// keepalived puts the sender's IPv4 address here.
    pub spi: u32,
    pub seq: u32,
}

/// One received advert, decoded but not yet accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RxAdvert<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// TTL (IPv4) or hop limit (IPv6; from IPV6_RECVHOPLIMIT ancillary data, passed in).
    pub ttl: u8,
    /// IPv4 total length equals the bytes received (always true for IPv6).
    pub ip_len_ok: bool,
    pub ah: Option<RxAh>,
    /// The VRRP message (header, addresses, v2 auth data) as received.
    pub vrrp: &'a [u8],
    /// The whole IP packet as received (AH verification hashes it).
    pub ip_packet: &'a [u8],
    pub version: u8,
    /// Type nibble (1 = ADVERTISEMENT).
    pub kind: u8,
    pub vrid: u8,
    pub priority: u8,
    /// The count field (may disagree with the bytes present: see `addrs`).
    pub naddr: u8,
    /// v2 only (0 for v3).
    pub auth_type: u8,
    /// v2: seconds × 100; v3: the 12-bit centisecond field.
    pub adver_int_cs: u16,
    /// v2 auth data (8 bytes after the addresses), zeros for v3.
    pub auth_data: [u8; 8],
    /// The addresses actually present (min of `naddr` and what the bytes hold).
    pub addrs: AddrList,
    /// The VRRP length matches exactly header + naddr addresses (+ 8 auth bytes for v2).
    pub length_ok: bool,
}

/// Who an advert goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destination {
    Multicast(IpAddr),
    Unicast(IpAddr),
}

/// Authentication of an advert to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxAuth {
    None,
    Pass([u8; 8]),
    /// IPsec AH with HMAC-MD5-96 keyed by the 8-byte password; `seq` is the AH sequence number.
    Ah {
        key: [u8; 8],
        seq: u32,
    },
}

/// Everything needed to build one advert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdvertTx<'a> {
    pub version: u8,
    pub vrid: u8,
    pub priority: u8,
    /// v2: multiple of 100 (whole seconds); v3: centiseconds (12 bits).
    pub adver_int_cs: u16,
    pub src: IpAddr,
    pub dst: Destination,
    /// IPv4 TTL / IPv6 hop limit (255, or `unicast_ttl`).
    pub ttl: u8,
    /// IPv4 identification (never 0; the caller increments it per advert).
    pub ip_id: u16,
    pub auth: TxAuth,
    /// VRRPv3 over IPv4 without the pseudo-header (`v3_checksum_as_v2`).
    pub v3_checksum_as_v2: bool,
    /// Unicast v3 checksum computed with 224.0.0.18 as destination (`old_unicast_checksum`).
    pub old_unicast_checksum: bool,
    pub addrs: &'a [IpAddr],
}

/// Which checksum an advert is checked or built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChecksumFlavour {
    /// VRRPv2, and VRRPv3 over IPv4 with `v3_checksum_as_v2`: over the VRRP message only.
    NoPseudoHeader,
    /// VRRPv3 (keepalived's default for IPv4; always for IPv6): with the pseudo-header of the
    /// real source and destination.
    PseudoHeader,
    /// keepalived ≤ 1.3.5 unicast v3: pseudo-header with 224.0.0.18 as destination.
    OldUnicast,
}

/// Why an advert could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmitError {
    /// The buffer is too small for the packet.
    BufferTooSmall,
    /// Addresses of the wrong family, or more than 255.
    BadAddresses,
    /// Authentication the advert cannot carry: PASS or AH with VRRPv3, AH over IPv6.
    BadAuth,
}
