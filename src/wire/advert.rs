//! Whole adverts: decode an IPv4 (optionally AH) or IPv6 VRRP packet into [`RxAdvert`], the
//! checksum/AH/PASS helpers the core's receive checks use, and [`emit_advert`].

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::vrrp::{self, Family};
use super::{
    ah, checksum, ipv4, ipv6, AddrList, AdvertTx, ChecksumFlavour, Destination, EmitError,
    ParseError, RxAdvert, RxAh, TxAuth,
};

/// Decode an IPv4 packet (from a raw socket: IP header included) carrying VRRP or AH+VRRP.
///
/// Structure only: IPv4 with a sane IHL (options skipped), not a fragment, protocol 112 or
/// 51, keepalived's 24-byte AH when 51, and at least the 8-byte VRRP header. Everything the
/// core's acceptance rules need is reported, including the disagreements (`ip_len_ok`,
/// `length_ok`, a count larger than the addresses present, an AH next header other than 112).
pub fn parse_advert(ip_packet: &[u8]) -> Result<RxAdvert<'_>, ParseError> {
    let ip = ipv4::Packet::new_checked(ip_packet)?;
    if ip.version() != 4 || ip.is_fragment() {
        return Err(ParseError::BadIpHeader);
    }
    let hl = ip.header_len();
    let (ah, vrrp_off) = match ip.protocol() {
        ipv4::PROTO_VRRP => (None, hl),
        ipv4::PROTO_AH => {
            let bytes = ip_packet.get(hl..).ok_or(ParseError::Truncated)?;
            let a = ah::Packet::new_checked(bytes)?;
            let rx = RxAh {
                next_header: a.next_header(),
                spi: a.spi(),
                seq: a.seq(),
            };
            (Some(rx), hl + ah::HEADER_LEN)
        }
        _ => return Err(ParseError::NotVrrp),
    };
    let vrrp = ip_packet.get(vrrp_off..).ok_or(ParseError::Truncated)?;
    decode(
        Ip {
            src: IpAddr::V4(ip.src_addr()),
            dst: IpAddr::V4(ip.dst_addr()),
            ttl: ip.ttl(),
            len_ok: usize::from(ip.total_len()) == ip_packet.len(),
            ah,
        },
        Family::V4,
        vrrp,
        ip_packet,
    )
}

/// What the IP layer contributes to an [`RxAdvert`].
struct Ip {
    src: IpAddr,
    dst: IpAddr,
    ttl: u8,
    len_ok: bool,
    ah: Option<RxAh>,
}

/// Decode a VRRP message received on an IPv6 raw socket (the kernel strips the IPv6 header:
/// source from recvmsg's address, destination from IPV6_PKTINFO, hop limit from
/// IPV6_HOPLIMIT).
pub fn parse_advert6(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    hop_limit: u8,
    vrrp: &[u8],
) -> Result<RxAdvert<'_>, ParseError> {
    let ip = Ip {
        src: IpAddr::V6(src),
        dst: IpAddr::V6(dst),
        ttl: hop_limit,
        len_ok: true,
        ah: None,
    };
    decode(ip, Family::V6, vrrp, vrrp)
}

/// Build the advert in place (it is ~4.4 KB with 255 address slots: built once, moved
/// once).
fn decode<'a>(
    ip: Ip,
    family: Family,
    vrrp: &'a [u8],
    ip_packet: &'a [u8],
) -> Result<RxAdvert<'a>, ParseError> {
    let p = vrrp::Packet::new_checked(vrrp)?;
    let v2 = p.version() == 2;
    let mut addrs = AddrList::new();
    for i in 0..p.addrs_present(family) {
        if let Some(a) = p.addr(i, family) {
            // At most 255 (the count is one byte) = the capacity: cannot fail.
            let _ = addrs.push(a);
        }
    }
    Ok(RxAdvert {
        src: ip.src,
        dst: ip.dst,
        ttl: ip.ttl,
        ip_len_ok: ip.len_ok,
        ah: ip.ah,
        vrrp,
        ip_packet,
        version: p.version(),
        kind: p.kind(),
        vrid: p.vrid(),
        priority: p.priority(),
        naddr: p.naddr(),
        auth_type: if v2 { p.auth_type() } else { 0 },
        adver_int_cs: p.adver_int_cs(),
        auth_data: if v2 { p.auth_data(family) } else { [0; 8] },
        addrs,
        length_ok: vrrp.len() == p.expected_len(family),
    })
}

/// The partial sum of the pseudo-header for a VRRP message of `len` bytes.
fn pseudo(src: IpAddr, dst: IpAddr, len: usize) -> Option<u16> {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => Some(checksum::pseudo_header_v4(
            s,
            d,
            ipv4::PROTO_VRRP,
            len.min(usize::from(u16::MAX)) as u16,
        )),
        (IpAddr::V6(s), IpAddr::V6(d)) => Some(checksum::pseudo_header_v6(
            s,
            d,
            ipv4::PROTO_VRRP,
            len as u32,
        )),
        _ => None,
    }
}

/// The multicast group an old (≤ 1.3.5) keepalived put in a unicast v3 pseudo-header.
fn default_group(family: &IpAddr) -> IpAddr {
    match family {
        IpAddr::V4(_) => IpAddr::V4(ipv4::VRRP_GROUP),
        IpAddr::V6(_) => IpAddr::V6(ipv6::VRRP_GROUP),
    }
}

/// Whether the received VRRP checksum is right under `flavour`.
///
/// Like keepalived, the sum covers the message as its count field sizes it (header,
/// `naddr` addresses, v2's 8 auth bytes), or the bytes present if fewer.
pub fn checksum_ok(rx: &RxAdvert<'_>, flavour: ChecksumFlavour) -> bool {
    let family = Family::of(&rx.src);
    let p = vrrp::Packet::new_unchecked(rx.vrrp);
    let len = p.expected_len(family).min(rx.vrrp.len());
    let Some(msg) = rx.vrrp.get(..len) else {
        return false;
    };
    let ph = match flavour {
        ChecksumFlavour::NoPseudoHeader => Some(0),
        ChecksumFlavour::PseudoHeader => pseudo(rx.src, rx.dst, len),
        ChecksumFlavour::OldUnicast => pseudo(rx.src, default_group(&rx.src), len),
    };
    ph.is_some_and(|ph| vrrp::Packet::new_unchecked(msg).verify_checksum(ph))
}

/// Whether the AH ICV (HMAC-MD5-96 keyed by `key`) of the received packet is right; `unicast`
/// says whether the TTL is a mutable field (keepalived zeroes it only for unicast).
/// Constant time in the ICV comparison. False for a packet without AH.
pub fn ah_icv_ok(rx: &RxAdvert<'_>, key: &[u8; 8], unicast: bool) -> bool {
    if rx.ah.is_none() {
        return false;
    }
    let hl = ipv4::Packet::new_unchecked(rx.ip_packet).header_len();
    let Some(ah_bytes) = rx.ip_packet.get(hl..) else {
        return false;
    };
    let Ok(a) = ah::Packet::new_checked(ah_bytes) else {
        return false;
    };
    ah::compute_icv(key, rx.ip_packet, hl, unicast).is_some_and(|want| ah::ct_eq(&a.icv(), &want))
}

/// keepalived's SPI rule: the AH SPI equals the IPv4 source address.
pub fn ah_spi_ok(rx: &RxAdvert<'_>) -> bool {
    match (rx.ah, rx.src) {
        (Some(ah), IpAddr::V4(src)) => ah.spi == u32::from(src),
        _ => false,
    }
}

/// Constant-time comparison of two 8-byte PASS keys.
pub fn pass_eq(a: &[u8; 8], b: &[u8; 8]) -> bool {
    ah::ct_eq(a, b)
}

/// Bytes [`emit_advert`] writes for `tx` (0 if it would refuse it).
pub fn advert_len(tx: &AdvertTx<'_>) -> usize {
    let family = Family::of(&tx.src);
    let msg = vrrp::message_len(tx.version, family, tx.addrs.len());
    match (family, tx.auth) {
        (Family::V6, _) => msg,
        (Family::V4, TxAuth::Ah { .. }) => ipv4::HEADER_LEN + ah::HEADER_LEN + msg,
        (Family::V4, _) => ipv4::HEADER_LEN + msg,
    }
}

/// Build an advert into `buf`; returns the number of bytes written. IPv4: the whole IP packet
/// (header, AH if any, VRRP), for a socket with IP_HDRINCL. IPv6: the VRRP message only.
///
/// IPv4 header as keepalived sends it: IHL 5, TOS 0xC0, `tx.ip_id`, DF clear, `tx.ttl`,
/// protocol 112 (51 with AH), header checksum filled in (the kernel rewrites the same value).
/// Checksum: v2 over the message; v3 with the pseudo-header of the real source and
/// destination, or with 224.0.0.18 as destination for unicast with `old_unicast_checksum`,
/// or none with `v3_checksum_as_v2` (IPv4 only; IPv6 always has it).
pub fn emit_advert(tx: &AdvertTx<'_>, buf: &mut [u8]) -> Result<usize, EmitError> {
    let family = Family::of(&tx.src);
    let (dst, unicast) = match tx.dst {
        Destination::Multicast(d) => (d, false),
        Destination::Unicast(d) => (d, true),
    };
    if Family::of(&dst) != family
        || tx.addrs.len() > super::MAX_ADVERT_ADDRS
        || tx.addrs.iter().any(|a| Family::of(a) != family)
    {
        return Err(EmitError::BadAddresses);
    }
    let (auth_type, auth_data) = match (tx.auth, tx.version, family) {
        (TxAuth::None, _, _) => (vrrp::AUTH_NONE, [0; 8]),
        (TxAuth::Pass(p), 2, _) => (vrrp::AUTH_PASS, p),
        (TxAuth::Ah { .. }, 2, Family::V4) => (vrrp::AUTH_AH, [0; 8]),
        _ => return Err(EmitError::BadAuth),
    };
    let len = advert_len(tx);
    let buf = buf.get_mut(..len).ok_or(EmitError::BufferTooSmall)?;
    let header = vrrp::Header {
        version: tx.version,
        kind: vrrp::TYPE_ADVERTISEMENT,
        vrid: tx.vrid,
        priority: tx.priority,
        adver_int_cs: tx.adver_int_cs,
        auth_type,
        auth_data,
    };
    let msg_len = vrrp::message_len(tx.version, family, tx.addrs.len());
    let ph_dst = if unicast && tx.old_unicast_checksum {
        default_group(&tx.src)
    } else {
        dst
    };
    // IPv6 always has the pseudo-header (the kernel fills it in via IPV6_CHECKSUM anyway).
    let ph = if family == Family::V4 && (tx.version == 2 || tx.v3_checksum_as_v2) {
        0
    } else {
        pseudo(tx.src, ph_dst, msg_len).ok_or(EmitError::BadAddresses)?
    };

    let (IpAddr::V4(src4), IpAddr::V4(dst4)) = (tx.src, dst) else {
        // IPv6: the kernel builds the IP header.
        return vrrp::emit_message(&header, family, tx.addrs, ph, buf);
    };
    let ah_key = match tx.auth {
        TxAuth::Ah { key, seq } => Some((key, seq)),
        _ => None,
    };
    let off = ipv4::HEADER_LEN + if ah_key.is_some() { ah::HEADER_LEN } else { 0 };
    let msg = buf.get_mut(off..).ok_or(EmitError::BufferTooSmall)?;
    vrrp::emit_message(&header, family, tx.addrs, ph, msg)?;
    let ip = ipv4::Repr {
        src_addr: src4,
        dst_addr: dst4,
        protocol: if ah_key.is_some() {
            ipv4::PROTO_AH
        } else {
            ipv4::PROTO_VRRP
        },
        tos: ipv4::TOS_NETWORK_CONTROL,
        ident: tx.ip_id,
        ttl: tx.ttl,
        payload_len: len - ipv4::HEADER_LEN,
    };
    ip.emit(&mut ipv4::Packet::new_unchecked(&mut *buf));
    if let Some((key, seq)) = ah_key {
        let mut a = ah::Repr {
            next_header: ipv4::PROTO_VRRP,
            spi: u32::from(src4),
            seq,
            icv: [0; ah::ICV_LEN],
        };
        let ah_buf = buf
            .get_mut(ipv4::HEADER_LEN..)
            .ok_or(EmitError::BufferTooSmall)?;
        a.emit(&mut ah::Packet::new_unchecked(&mut *ah_buf));
        a.icv = ah::compute_icv(&key, buf, ipv4::HEADER_LEN, unicast)
            .ok_or(EmitError::BufferTooSmall)?;
        let ah_buf = buf
            .get_mut(ipv4::HEADER_LEN..)
            .ok_or(EmitError::BufferTooSmall)?;
        ah::Packet::new_unchecked(ah_buf).set_icv(&a.icv);
    }
    Ok(len)
}

impl fmt::Display for RxAdvert<'_> {
    /// One line for logs, e.g. `VRRPv2 192.0.2.1 > 224.0.0.18 ttl 255 vrid 10 prio 200
    /// int 100cs auth none naddr 2 [192.0.2.100 192.0.2.101]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "VRRPv{} {} > {} ttl {}",
            self.version, self.src, self.dst, self.ttl
        )?;
        if let Some(ah) = self.ah {
            write!(f, " AH spi {} seq {}", Ipv4Addr::from(ah.spi), ah.seq)?;
            if ah.next_header != ipv4::PROTO_VRRP {
                write!(f, " next {}", ah.next_header)?;
            }
        }
        if self.kind != vrrp::TYPE_ADVERTISEMENT {
            write!(f, " type {}", self.kind)?;
        }
        write!(
            f,
            " vrid {} prio {} int {}cs",
            self.vrid, self.priority, self.adver_int_cs
        )?;
        if self.version == 2 {
            write!(f, " auth {}", vrrp::auth_type_name(self.auth_type))?;
        }
        write!(f, " naddr {} [", self.naddr)?;
        for (i, a) in self.addrs.iter().enumerate() {
            write!(f, "{}{}", if i == 0 { "" } else { " " }, a)?;
        }
        write!(f, "]")?;
        if !self.length_ok {
            write!(f, " bad-length {}", self.vrrp.len())?;
        }
        if !self.ip_len_ok {
            write!(f, " bad-ip-length")?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "advert_test.rs"]
mod test;
