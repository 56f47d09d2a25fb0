//! One-line, allocation-free descriptions of whole Ethernet frames (smoltcp's
//! `PrettyPrinter` idea): for debug logs, tools and test failure messages. Never panics on
//! any input; unknown or broken layers are described, not refused.

use core::fmt;

use super::ethernet;
use super::{arp, ipv4, ipv6, ndisc, parse_advert, parse_advert6};

/// `Display`s an Ethernet frame, e.g. `02:00:00:00:00:0a > 01:00:5e:00:00:12 VRRPv2
/// 192.0.2.1 > 224.0.0.18 ttl 255 vrid 10 prio 200 ...`.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a>(pub &'a [u8]);

impl fmt::Display for Frame<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(eth) = ethernet::Frame::new_checked(self.0) else {
            return write!(f, "truncated frame ({} bytes)", self.0.len());
        };
        write!(f, "{} > {} ", eth.src_addr(), eth.dst_addr())?;
        let payload = eth.payload();
        match eth.ethertype() {
            ethernet::ETHERTYPE_IPV4 => Ipv4(payload).fmt(f),
            ethernet::ETHERTYPE_IPV6 => Ipv6(payload).fmt(f),
            ethernet::ETHERTYPE_ARP => Arp(payload).fmt(f),
            t => write!(f, "ethertype 0x{t:04x} ({} bytes)", payload.len()),
        }
    }
}

/// `Display`s an IPv4 packet (VRRP, AH+VRRP, or just the header).
#[derive(Debug, Clone, Copy)]
pub struct Ipv4<'a>(pub &'a [u8]);

impl fmt::Display for Ipv4<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Ok(rx) = parse_advert(self.0) {
            return rx.fmt(f);
        }
        match ipv4::Packet::new_checked(self.0) {
            Ok(p) => write!(
                f,
                "IPv4 {} > {} proto {} ttl {} len {}/{}",
                p.src_addr(),
                p.dst_addr(),
                p.protocol(),
                p.ttl(),
                p.total_len(),
                self.0.len()
            ),
            Err(e) => write!(f, "IPv4 {e:?} ({} bytes)", self.0.len()),
        }
    }
}

/// `Display`s an IPv6 packet (VRRP, neighbour advertisement, or just the header).
#[derive(Debug, Clone, Copy)]
pub struct Ipv6<'a>(pub &'a [u8]);

impl fmt::Display for Ipv6<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(p) = ipv6::Packet::new_checked(self.0) else {
            return write!(f, "IPv6 truncated ({} bytes)", self.0.len());
        };
        let (src, dst, hl) = (p.src_addr(), p.dst_addr(), p.hop_limit());
        match p.next_header() {
            ipv4::PROTO_VRRP => match parse_advert6(src, dst, hl, p.payload()) {
                Ok(rx) => rx.fmt(f),
                Err(e) => write!(f, "IPv6 {src} > {dst} VRRP {e:?}"),
            },
            ipv6::NEXT_HEADER_ICMPV6 => {
                let na = ndisc::Packet::new_checked(p.payload());
                match na.as_ref().map(ndisc::Repr::parse) {
                    Ok(Ok(r)) => write!(
                        f,
                        "IPv6 {src} > {dst} hlim {hl} NA target {} lladdr {} flags 0x{:02x}{}",
                        r.target_addr,
                        r.lladdr,
                        r.flags,
                        if na.is_ok_and(|n| n.verify_checksum(src, dst)) {
                            ""
                        } else {
                            " bad-checksum"
                        }
                    ),
                    _ => write!(f, "IPv6 {src} > {dst} ICMPv6 ({} bytes)", p.payload().len()),
                }
            }
            nh => write!(f, "IPv6 {src} > {dst} next header {nh}"),
        }
    }
}

/// `Display`s an ARP packet.
#[derive(Debug, Clone, Copy)]
pub struct Arp<'a>(pub &'a [u8]);

impl fmt::Display for Arp<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = arp::Packet::new_checked(self.0).and_then(|p| arp::Repr::parse(&p));
        match r {
            Ok(r) if r.operation == arp::OP_REQUEST => {
                write!(
                    f,
                    "ARP request who-has {} ({}) tell {} ({})",
                    r.target_protocol_addr,
                    r.target_hardware_addr,
                    r.source_protocol_addr,
                    r.source_hardware_addr
                )?;
                if r.source_protocol_addr == r.target_protocol_addr {
                    write!(f, " gratuitous")?;
                }
                Ok(())
            }
            Ok(r) => write!(
                f,
                "ARP op {} {} is-at {}",
                r.operation, r.source_protocol_addr, r.source_hardware_addr
            ),
            Err(e) => write!(f, "ARP {e:?} ({} bytes)", self.0.len()),
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::wire::golden::pcap_frames;

    fn first(file: &[u8]) -> std::string::String {
        Frame(pcap_frames(file)[0]).to_string()
    }

    #[test]
    fn golden_frames() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/test/wire/");
        let read = |n: &str| std::fs::read(std::format!("{root}{n}.pcap")).unwrap();
        assert_eq!(
            first(&read("v2-none")),
            "02:00:00:00:00:0a > 01:00:5e:00:00:12 VRRPv2 192.0.2.1 > 224.0.0.18 ttl 255 \
             vrid 10 prio 200 int 100cs auth none naddr 2 [192.0.2.100 192.0.2.101]"
        );
        assert_eq!(
            first(&read("garp")),
            "02:00:00:00:00:0a > ff:ff:ff:ff:ff:ff ARP request who-has 192.0.2.100 \
             (ff:ff:ff:ff:ff:ff) tell 192.0.2.100 (02:00:00:00:00:0a) gratuitous"
        );
        assert_eq!(
            first(&read("na")),
            "02:00:00:00:00:0a > 33:33:00:00:00:01 IPv6 fe80::50 > ff02::1 hlim 255 NA \
             target fe80::50 lladdr 02:00:00:00:00:0a flags 0x20"
        );
        assert!(first(&read("v3-ipv6")).contains("VRRPv3 fe80::ff:fe00:a > ff02::12"));
        assert!(first(&read("v2-ah")).contains("AH spi 192.0.2.1 seq"));
    }

    #[test]
    fn broken_frames_are_described() {
        assert_eq!(Frame(&[1, 2, 3]).to_string(), "truncated frame (3 bytes)");
        let mut b = [0u8; 40];
        b[12] = 0x08;
        let s = Frame(&b).to_string();
        assert!(
            s.ends_with("IPv4 Truncated (26 bytes)") || s.contains("IPv4"),
            "{s}"
        );
        b[13] = 0x06;
        assert!(Frame(&b).to_string().contains("ARP"));
        b[12] = 0x86;
        b[13] = 0xdd;
        assert!(Frame(&b).to_string().contains("IPv6"));
        b[12] = 0x12;
        assert!(Frame(&b).to_string().contains("ethertype 0x12dd"));
    }

    #[test]
    fn random_frames_never_panic() {
        let mut x: u32 = 1;
        let mut b = [0u8; 128];
        for round in 0..20_000u32 {
            for v in b.iter_mut() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *v = x as u8;
            }
            let types: [[u8; 2]; 3] = [[0x08, 0x00], [0x08, 0x06], [0x86, 0xdd]];
            b[12..14].copy_from_slice(&types[(round % 3) as usize]);
            let len = (x as usize) % b.len();
            let _ = Frame(&b[..len]).to_string();
        }
    }
}
