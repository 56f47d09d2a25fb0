//! The lines about received adverts that the checks drop (keepalived 2.2.7's
//! `vrrp_check_packet` and `vrrp_in_chk_ipsecah` texts), logged as [`super::LogMsg::Rx`] at
//! most once per second per instance and reason.

use core::fmt;
use core::net::IpAddr;

/// Why a received advert was dropped, with what the line shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RxDrop {
    /// `(VI_1) vrrp packet too short, length 40 and expect 120`
    PacketLength { got: u16, want: u16 },
    /// `(VI_1) ip_tot_len mismatch against received length. 60 and received 40`
    IpTotLen { tot: u16, got: u16 },
    /// `(VI_1) advertisement interval mismatch mine=1 sec rcv'd=2 sec`
    IntervalMismatch { mine: u32, rcvd: u32 },
    /// `(VI_1) received an unexpected ip number count 1, expected 2!`
    AddrCount { got: u8, want: u16 },
    /// `(VI_1) ip address associated with VRID 51 not present in MASTER advert: 192.0.2.100`
    AddrMissing { vrid: u8, addr: IpAddr },
    /// `(VI_1) invalid TTL/HL. Received 64 and expect 255`
    BadTtl { got: u8, want: u8 },
    /// `(VI_1) TTL/HL 3 not in range 10 - 255` (unicast peer `min_ttl`/`max_ttl`)
    TtlRange { got: u8, min: u8, max: u8 },
    /// `(VI_1) wrong version. Received 3 and expect 2`
    BadVersion { got: u8, want: u8 },
    /// `(VI_1) Invalid auth type: 7`
    InvalidAuthType { got: u8 },
    /// `(VI_1) received a 0 auth, expecting 1!`
    AuthTypeMismatch { got: u8, want: u8 },
    /// `(VI_1) Received AH header but auth type not AH` / `(VI_1) No AH header but auth type is AH`
    AhPresence { got_ah: bool },
    /// `(VI_1) Invalid packet type. 2 and expect 1`
    InvalidType { got: u8 },
    /// `(VI_1) Expected multicast packet but received unicast packet`
    ModeMismatch { unicast: bool },
    /// `(VI_1) received an invalid passwd!`
    BadPassword,
    /// `(VI_1) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !`
    AhIcv,
    /// `IPSEC AH : invalid IPSEC SPI value. 1107296448 and expect 1107296449` (no instance
    /// name in keepalived's text; both numbers as it prints them: the source address and the
    /// SPI read as host-order integers from network-order bytes)
    AhSpi { saddr: u32, spi: u32 },
    /// `(VI_1) Invalid VRRPv2 checksum` / `VRRPv3`
    BadChecksum { version: u8 },
    /// `(VI_1) IPSEC-AH : sequence number 5 already processed. Packet dropped. Local(7)`
    AhSeqOld { seq: u32, local: u32 },
    /// `(VI_1) unicast source address 192.0.2.66 not a unicast peer`
    UnicastSrc { addr: IpAddr },
}

impl RxDrop {
    /// Write the line for instance `iname`.
    pub(super) fn write(&self, f: &mut fmt::Formatter<'_>, iname: &str) -> fmt::Result {
        use RxDrop::*;
        match *self {
            PacketLength { got, want } => write!(
                f,
                "({iname}) vrrp packet too {}, length {got} and expect {want}",
                if got > want { "long" } else { "short" }
            ),
            IpTotLen { tot, got } => write!(
                f,
                "({iname}) ip_tot_len mismatch against received length. {tot} and received {got}"
            ),
            IntervalMismatch { mine, rcvd } => write!(
                f,
                "({iname}) advertisement interval mismatch mine={mine} sec rcv'd={rcvd} sec"
            ),
            AddrCount { got, want } => write!(
                f,
                "({iname}) received an unexpected ip number count {got}, expected {want}!"
            ),
            AddrMissing { vrid, addr } => write!(
                f,
                "({iname}) ip address associated with VRID {vrid} not present in MASTER advert: {addr}"
            ),
            BadTtl { got, want } => {
                write!(f, "({iname}) invalid TTL/HL. Received {got} and expect {want}")
            }
            TtlRange { got, min, max } => {
                write!(f, "({iname}) TTL/HL {got} not in range {min} - {max}")
            }
            BadVersion { got, want } => {
                write!(f, "({iname}) wrong version. Received {got} and expect {want}")
            }
            InvalidAuthType { got } => write!(f, "({iname}) Invalid auth type: {got}"),
            AuthTypeMismatch { got, want } => {
                write!(f, "({iname}) received a {got} auth, expecting {want}!")
            }
            AhPresence { got_ah: true } => {
                write!(f, "({iname}) Received AH header but auth type not AH")
            }
            AhPresence { got_ah: false } => {
                write!(f, "({iname}) No AH header but auth type is AH")
            }
            InvalidType { got } => write!(f, "({iname}) Invalid packet type. {got} and expect 1"),
            ModeMismatch { unicast } => write!(
                f,
                "({iname}) Expected {}icast packet but received {}icast packet",
                if unicast { "un" } else { "mult" },
                if unicast { "mult" } else { "un" }
            ),
            BadPassword => write!(f, "({iname}) received an invalid passwd!"),
            AhIcv => write!(
                f,
                "({iname}) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !"
            ),
            AhSpi { saddr, spi } => {
                write!(f, "IPSEC AH : invalid IPSEC SPI value. {saddr} and expect {spi}")
            }
            BadChecksum { version } => write!(f, "({iname}) Invalid VRRPv{version} checksum"),
            AhSeqOld { seq, local } => write!(
                f,
                "({iname}) IPSEC-AH : sequence number {seq} already processed. Packet dropped. Local({local})"
            ),
            UnicastSrc { addr } => {
                write!(f, "({iname}) unicast source address {addr} not a unicast peer")
            }
        }
    }
}
