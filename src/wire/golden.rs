//! Golden packets captured from real keepalived 2.2.7 (`test/wire/capture.sh`): every one
//! parses to the expected fields and is emitted back to identical bytes (IP ID and AH
//! sequence number taken from the capture).

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;

macro_rules! pcap {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/test/wire/",
            $name,
            ".pcap"
        ))
    };
}

/// The frames of a classic pcap file (either byte order; Ethernet link type).
pub(crate) fn pcap_frames(file: &[u8]) -> std::vec::Vec<&[u8]> {
    let magic = [file[0], file[1], file[2], file[3]];
    let be = match magic {
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => true,
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => false,
        _ => panic!("not a pcap file"),
    };
    let u32_at = |off: usize| {
        let b = [file[off], file[off + 1], file[off + 2], file[off + 3]];
        if be {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    };
    assert_eq!(u32_at(20), 1, "link type Ethernet");
    let mut frames = std::vec::Vec::new();
    let mut off = 24;
    while off + 16 <= file.len() {
        let caplen = u32_at(off + 8) as usize;
        frames.push(&file[off + 16..off + 16 + caplen]);
        off += 16 + caplen;
    }
    frames
}

const A: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const B: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
const MAC_A: MacAddr = MacAddr([2, 0, 0, 0, 0, 0x0a]);

fn v4(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
}

fn ah_key(vrid: u8) -> [u8; 8] {
    match vrid {
        12 => *b"12345678",
        17 => *b"secret\0\0",
        _ => panic!("no AH key for VRID {vrid}"),
    }
}

/// Parse an IPv4 advert frame, check what every capture shares, emit it back identically.
fn roundtrip_v4(frame: &[u8]) -> RxAdvert<'_> {
    let eth = ethernet::Frame::new_checked(frame).unwrap();
    assert_eq!(eth.src_addr(), MAC_A);
    assert_eq!(eth.ethertype(), ethernet::ETHERTYPE_IPV4);
    let ip = &frame[ethernet::HEADER_LEN..];
    let rx = parse_advert(ip).unwrap();
    assert_eq!(rx.src, IpAddr::V4(A));
    assert!(rx.ip_len_ok && rx.length_ok);
    assert_eq!(rx.kind, 1);
    assert_eq!(usize::from(rx.naddr), rx.addrs.len());
    let unicast = rx.dst == IpAddr::V4(B);
    if !unicast {
        assert_eq!(rx.dst, IpAddr::V4(ipv4::VRRP_GROUP));
        assert_eq!(rx.ttl, 255);
        assert_eq!(eth.dst_addr(), MacAddr::ipv4_multicast(ipv4::VRRP_GROUP));
    }
    let hdr = ipv4::Packet::new_checked(ip).unwrap();
    assert!(hdr.verify_checksum());
    assert_eq!(hdr.tos(), 0xc0);
    assert!(!hdr.dont_frag());

    let flavour = if rx.version == 2 {
        ChecksumFlavour::NoPseudoHeader
    } else {
        ChecksumFlavour::PseudoHeader
    };
    assert!(checksum_ok(&rx, flavour), "{rx}");
    let auth = match rx.auth_type {
        vrrp::AUTH_NONE => TxAuth::None,
        vrrp::AUTH_PASS => TxAuth::Pass(rx.auth_data),
        vrrp::AUTH_AH => {
            let key = ah_key(rx.vrid);
            let ah = rx.ah.unwrap();
            assert_eq!(ah.next_header, 112);
            assert!(ah_spi_ok(&rx));
            assert!(ah_icv_ok(&rx, &key, unicast), "{rx}");
            let mut wrong = key;
            wrong[0] ^= 1;
            assert!(!ah_icv_ok(&rx, &wrong, unicast));
            TxAuth::Ah { key, seq: ah.seq }
        }
        t => panic!("auth type {t}"),
    };
    let tx = AdvertTx {
        version: rx.version,
        vrid: rx.vrid,
        priority: rx.priority,
        adver_int_cs: rx.adver_int_cs,
        src: rx.src,
        dst: if unicast {
            Destination::Unicast(rx.dst)
        } else {
            Destination::Multicast(rx.dst)
        },
        ttl: rx.ttl,
        ip_id: hdr.ident(),
        auth,
        v3_checksum_as_v2: false,
        old_unicast_checksum: false,
        addrs: &rx.addrs,
    };
    let mut buf = [0u8; 1500];
    let n = emit_advert(&tx, &mut buf).unwrap();
    assert_eq!(&buf[..n], ip, "emitted {rx}");
    assert_eq!(advert_len(&tx), n);

    // The VRRP layer alone: message bytes -> vrrp::Repr -> the same bytes.
    let p = vrrp::Packet::new_checked(rx.vrrp).unwrap();
    let repr = vrrp::Repr::parse(&p, vrrp::Family::V4).unwrap();
    assert_eq!(repr.addrs, rx.addrs);
    let ph = if rx.version == 2 {
        0
    } else {
        checksum::pseudo_header_v4(A, hdr.dst_addr(), 112, rx.vrrp.len() as u16)
    };
    assert!(p.verify_checksum(ph));
    let mut msg = [0u8; 1100];
    let m = repr.emit(&mut msg, ph).unwrap();
    assert_eq!(&msg[..m], rx.vrrp);
    rx
}

fn each_v4(file: &[u8], check: impl Fn(&RxAdvert<'_>)) {
    let frames = pcap_frames(file);
    assert!(!frames.is_empty());
    for f in frames {
        check(&roundtrip_v4(f));
    }
}

#[test]
fn v2_no_auth() {
    each_v4(pcap!("v2-none"), |rx| {
        assert_eq!((rx.version, rx.vrid, rx.priority), (2, 10, 200));
        assert_eq!((rx.auth_type, rx.adver_int_cs, rx.naddr), (0, 100, 2));
        assert_eq!(rx.addrs.as_slice(), &[v4(100), v4(101)]);
        assert_eq!(rx.auth_data, [0; 8]);
        assert!(rx.ah.is_none());
        assert!(!checksum_ok(rx, ChecksumFlavour::PseudoHeader));
    });
}

#[test]
fn v2_pass() {
    each_v4(pcap!("v2-pass"), |rx| {
        assert_eq!(
            (rx.version, rx.vrid, rx.auth_type),
            (2, 11, vrrp::AUTH_PASS)
        );
        assert_eq!(rx.auth_data, *b"1111\0\0\0\0");
        assert!(pass_eq(&rx.auth_data, b"1111\0\0\0\0"));
        assert!(!pass_eq(&rx.auth_data, b"1112\0\0\0\0"));
        assert_eq!(rx.addrs.as_slice(), &[v4(111)]);
    });
}

#[test]
fn v2_ah_multicast() {
    let mut seqs = std::vec::Vec::new();
    each_v4(pcap!("v2-ah"), |rx| {
        assert_eq!((rx.version, rx.vrid, rx.auth_type), (2, 12, vrrp::AUTH_AH));
        assert_eq!(rx.ip_packet.len(), 64);
        assert_eq!(rx.auth_data, [0; 8]);
        assert_eq!(rx.ah.unwrap().spi, u32::from(A));
        // Multicast: the TTL is not a mutable field.
        assert!(!ah_icv_ok(rx, b"12345678", true));
    });
    for f in pcap_frames(pcap!("v2-ah")) {
        seqs.push(parse_advert(&f[14..]).unwrap().ah.unwrap().seq);
    }
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
}

#[test]
fn v2_unicast_ah_zeroes_ttl() {
    each_v4(pcap!("v2-unicast-ah"), |rx| {
        assert_eq!((rx.vrid, rx.ttl, rx.dst), (17, 77, IpAddr::V4(B)));
        // keepalived zeroes the TTL in the ICV input only for unicast.
        assert!(!ah_icv_ok(rx, b"secret\0\0", false));
    });
}

#[test]
fn v3_ipv4() {
    each_v4(pcap!("v3-ipv4"), |rx| {
        assert_eq!((rx.version, rx.vrid, rx.priority), (3, 13, 200));
        assert_eq!((rx.adver_int_cs, rx.auth_type), (50, 0));
        assert_eq!(rx.addrs.as_slice(), &[v4(113)]);
        assert!(!checksum_ok(rx, ChecksumFlavour::NoPseudoHeader));
    });
}

#[test]
fn v2_unicast() {
    each_v4(pcap!("v2-unicast"), |rx| {
        assert_eq!((rx.version, rx.vrid, rx.ttl), (2, 15, 255));
        assert_eq!(rx.dst, IpAddr::V4(B));
        assert_eq!(rx.addrs.as_slice(), &[v4(115)]);
    });
}

#[test]
fn v3_unicast_uses_real_destination() {
    each_v4(pcap!("v3-unicast"), |rx| {
        assert_eq!((rx.version, rx.vrid, rx.ttl), (3, 16, 64));
        assert_eq!(rx.dst, IpAddr::V4(B));
        assert!(!checksum_ok(rx, ChecksumFlavour::OldUnicast));
        assert!(!checksum_ok(rx, ChecksumFlavour::NoPseudoHeader));
    });
}

#[test]
fn priority_zero_on_stop() {
    let frames = pcap_frames(pcap!("prio0"));
    assert!(frames.len() >= 5);
    for f in frames {
        let rx = roundtrip_v4(f);
        assert_eq!(rx.priority, 0);
    }
}

#[test]
fn v3_ipv6() {
    let frames = pcap_frames(pcap!("v3-ipv6"));
    assert!(!frames.is_empty());
    for f in frames {
        let eth = ethernet::Frame::new_checked(f).unwrap();
        assert_eq!(eth.ethertype(), ethernet::ETHERTYPE_IPV6);
        assert_eq!(eth.dst_addr(), MacAddr::ipv6_multicast(ipv6::VRRP_GROUP));
        let ip = ipv6::Packet::new_checked(eth.payload()).unwrap();
        let ipr = ipv6::Repr::parse(&ip).unwrap();
        assert_eq!(
            (ipr.next_header, ipr.hop_limit, ipr.traffic_class),
            (112, 255, 0xc0)
        );
        assert_eq!(ipr.dst_addr, ipv6::VRRP_GROUP);
        let payload = ip.payload();
        let rx = parse_advert6(ipr.src_addr, ipr.dst_addr, ipr.hop_limit, payload).unwrap();
        assert_eq!(
            (rx.version, rx.vrid, rx.priority, rx.adver_int_cs),
            (3, 14, 200, 100)
        );
        let fe80_50 = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x50);
        let db8_50 = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x50);
        assert_eq!(
            rx.addrs.as_slice(),
            &[IpAddr::V6(fe80_50), IpAddr::V6(db8_50)]
        );
        assert!(rx.length_ok && rx.ip_len_ok && rx.ah.is_none());
        assert!(checksum_ok(&rx, ChecksumFlavour::PseudoHeader));
        assert!(!checksum_ok(&rx, ChecksumFlavour::NoPseudoHeader));
        let tx = AdvertTx {
            version: 3,
            vrid: rx.vrid,
            priority: rx.priority,
            adver_int_cs: rx.adver_int_cs,
            src: rx.src,
            dst: Destination::Multicast(rx.dst),
            ttl: 255,
            ip_id: 0,
            auth: TxAuth::None,
            v3_checksum_as_v2: false,
            old_unicast_checksum: false,
            addrs: &rx.addrs,
        };
        let mut buf = [0u8; 200];
        let n = emit_advert(&tx, &mut buf).unwrap();
        assert_eq!(&buf[..n], payload);
        assert_eq!(
            rx.to_string(),
            "VRRPv3 fe80::ff:fe00:a > ff02::12 ttl 255 vrid 14 prio 200 int 100cs naddr 2 \
             [fe80::50 2001:db8::50]"
        );
    }
}

#[test]
fn gratuitous_arp() {
    let frames = pcap_frames(pcap!("garp"));
    let f = frames[0];
    let mut buf = [0u8; 64];
    let n = emit_garp(MAC_A, Ipv4Addr::new(192, 0, 2, 100), &mut buf).unwrap();
    assert_eq!(&buf[..n], f);
    let eth = ethernet::Frame::new_checked(f).unwrap();
    let arp = arp::Repr::parse(&arp::Packet::new_checked(eth.payload()).unwrap()).unwrap();
    assert_eq!(
        arp,
        arp::Repr::gratuitous(MAC_A, Ipv4Addr::new(192, 0, 2, 100))
    );
}

#[test]
fn neighbour_advertisements() {
    let frames = pcap_frames(pcap!("na"));
    assert_eq!(frames.len(), 2);
    for f in frames {
        let eth = ethernet::Frame::new_checked(f).unwrap();
        let ip = ipv6::Packet::new_checked(eth.payload()).unwrap();
        let ipr = ipv6::Repr::parse(&ip).unwrap();
        let na = ndisc::Packet::new_checked(ip.payload()).unwrap();
        assert!(na.verify_checksum(ipr.src_addr, ipr.dst_addr));
        let r = ndisc::Repr::parse(&na).unwrap();
        assert_eq!(r.flags, ndisc::FLAG_OVERRIDE);
        assert_eq!(r.lladdr, MAC_A);
        assert_eq!(ipr.src_addr, r.target_addr);
        let mut buf = [0u8; 100];
        let n = emit_na(MAC_A, ipr.src_addr, r.target_addr, &mut buf).unwrap();
        assert_eq!(&buf[..n], f);
    }
}

#[test]
fn display_v2() {
    let f = pcap_frames(pcap!("v2-ah"))[0];
    let rx = parse_advert(&f[14..]).unwrap();
    assert_eq!(
        rx.to_string(),
        "VRRPv2 192.0.2.1 > 224.0.0.18 ttl 255 AH spi 192.0.2.1 seq 1 vrid 12 prio 200 \
         int 100cs auth AH naddr 1 [192.0.2.112]"
    );
}
