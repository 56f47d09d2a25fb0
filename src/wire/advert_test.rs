//! Edge cases of the whole-advert functions (the golden captures are in `golden.rs`).

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;
use crate::wire::{ah, ipv4, vrrp, AdvertTx, ChecksumFlavour, Destination, EmitError};
use crate::wire::{ParseError, TxAuth};

const SRC: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const PEER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
const ONE: [IpAddr; 1] = [IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100))];

fn tx(version: u8, auth: TxAuth, dst: Destination) -> AdvertTx<'static> {
    AdvertTx {
        version,
        vrid: 50,
        priority: 100,
        adver_int_cs: 100,
        src: IpAddr::V4(SRC),
        dst,
        ttl: 255,
        ip_id: 7,
        auth,
        v3_checksum_as_v2: false,
        old_unicast_checksum: false,
        addrs: &ONE,
    }
}

fn mcast() -> Destination {
    Destination::Multicast(IpAddr::V4(ipv4::VRRP_GROUP))
}

fn uni() -> Destination {
    Destination::Unicast(IpAddr::V4(PEER))
}

fn emit(t: &AdvertTx<'_>) -> ([u8; 256], usize) {
    let mut b = [0u8; 256];
    let n = emit_advert(t, &mut b).unwrap();
    (b, n)
}

/// A tiny deterministic generator for the no-panic sweeps.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u8 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u8
    }
}

#[test]
fn every_truncation_is_an_error_or_flagged() {
    for t in [
        tx(2, TxAuth::None, mcast()),
        tx(2, TxAuth::Pass(*b"abcdefgh"), uni()),
        tx(
            2,
            TxAuth::Ah {
                key: *b"k\0\0\0\0\0\0\0",
                seq: 3,
            },
            mcast(),
        ),
        tx(3, TxAuth::None, uni()),
    ] {
        let (b, n) = emit(&t);
        for len in 0..n {
            match parse_advert(&b[..len]) {
                Err(_) => {}
                Ok(rx) => {
                    assert!(!rx.ip_len_ok, "len {len}");
                    assert!(!rx.length_ok || rx.vrrp.len() == len, "len {len}");
                    let _ = checksum_ok(&rx, ChecksumFlavour::PseudoHeader);
                    let _ = ah_icv_ok(&rx, b"k\0\0\0\0\0\0\0", false);
                }
            }
        }
        assert!(parse_advert(&b[..n]).unwrap().length_ok);
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut g = Lcg(0x5eed);
    let mut buf = [0u8; 300];
    for round in 0..20_000 {
        let len = usize::from(g.next()) + usize::from(g.next() & 0x1f);
        for b in buf.iter_mut().take(len) {
            *b = g.next();
        }
        // Make half of them look like IPv4 VRRP/AH so the deeper paths run.
        if round % 2 == 0 && len > 20 {
            buf[0] = 0x45 + (g.next() & 0x03);
            buf[6] = 0;
            buf[7] = 0;
            buf[9] = if g.next() & 1 == 0 { 112 } else { 51 };
        }
        if let Ok(rx) = parse_advert(&buf[..len]) {
            assert!(rx.addrs.len() <= usize::from(rx.naddr));
            let _ = checksum_ok(&rx, ChecksumFlavour::OldUnicast);
            let _ = ah_icv_ok(&rx, b"12345678", true);
            let _ = rx.to_string();
        }
        let a = Ipv6Addr::LOCALHOST;
        if let Ok(rx) = parse_advert6(a, a, 255, &buf[..len]) {
            let _ = checksum_ok(&rx, ChecksumFlavour::PseudoHeader);
        }
    }
}

#[test]
fn structural_errors() {
    let (b, n) = emit(&tx(2, TxAuth::None, mcast()));
    assert_eq!(parse_advert(&b[..19]).err(), Some(ParseError::Truncated));
    assert_eq!(parse_advert(&b[..27]).err(), Some(ParseError::Truncated));
    let mut x = b;
    x[0] = 0x65;
    assert_eq!(parse_advert(&x[..n]).err(), Some(ParseError::BadIpHeader));
    let mut x = b;
    x[0] = 0x43;
    assert_eq!(parse_advert(&x[..n]).err(), Some(ParseError::BadIpHeader));
    let mut x = b;
    x[7] = 1; // fragment offset
    assert_eq!(parse_advert(&x[..n]).err(), Some(ParseError::BadIpHeader));
    let mut x = b;
    x[6] = 0x20; // more fragments
    assert_eq!(parse_advert(&x[..n]).err(), Some(ParseError::BadIpHeader));
    let mut x = b;
    x[6] = 0x40; // DF alone is fine
    assert!(parse_advert(&x[..n]).is_ok());
    let mut x = b;
    x[9] = 17;
    assert_eq!(parse_advert(&x[..n]).err(), Some(ParseError::NotVrrp));
    let (a, _) = emit(&tx(
        2,
        TxAuth::Ah {
            key: [1; 8],
            seq: 1,
        },
        mcast(),
    ));
    assert_eq!(parse_advert(&a[..43]).err(), Some(ParseError::Truncated));
    assert_eq!(parse_advert(&a[..51]).err(), Some(ParseError::Truncated));
    assert!(parse_advert(&a[..52]).is_ok());
}

#[test]
fn ip_options_are_skipped() {
    let (b, n) = emit(&tx(3, TxAuth::None, mcast()));
    let mut x = [0u8; 256];
    x[..20].copy_from_slice(&b[..20]);
    x[0] = 0x46;
    x[20..24].copy_from_slice(&[0x94, 0x04, 0, 0]); // router alert
    x[24..n + 4].copy_from_slice(&b[20..n]);
    let total = (n + 4) as u16;
    x[2..4].copy_from_slice(&total.to_be_bytes());
    let rx = parse_advert(&x[..n + 4]).unwrap();
    assert_eq!(rx.vrrp, &b[20..n]);
    assert!(rx.ip_len_ok && rx.length_ok);
    assert!(checksum_ok(&rx, ChecksumFlavour::PseudoHeader));
}

#[test]
fn counts_and_lengths_are_reported_not_refused() {
    let (b, n) = emit(&tx(2, TxAuth::None, mcast()));
    // Count says 3 addresses, only 1 address + 8 auth bytes are there: 3 fit.
    let mut x = b;
    x[23] = 3;
    let rx = parse_advert(&x[..n]).unwrap();
    assert_eq!((rx.naddr, rx.addrs.len(), rx.length_ok), (3, 3, false));
    x[23] = 9;
    let rx = parse_advert(&x[..n]).unwrap();
    assert_eq!((rx.naddr, rx.addrs.len()), (9, 3));
    assert_eq!(rx.auth_data, [0; 8]);
    // Trailing garbage: IP length still matches the buffer, VRRP length does not.
    let mut y = [0u8; 256];
    y[..n].copy_from_slice(&b[..n]);
    y[2..4].copy_from_slice(&((n + 2) as u16).to_be_bytes());
    let rx = parse_advert(&y[..n + 2]).unwrap();
    assert!(rx.ip_len_ok && !rx.length_ok);
    // keepalived checksums the message as the count sizes it: still right.
    assert!(checksum_ok(&rx, ChecksumFlavour::NoPseudoHeader));
    // IP total length disagreeing with the bytes received.
    let mut z = b;
    z[3] += 4;
    assert!(!parse_advert(&z[..n]).unwrap().ip_len_ok);
}

#[test]
fn checksum_flavours() {
    let mut t = tx(3, TxAuth::None, uni());
    let (b, n) = emit(&t);
    let rx = parse_advert(&b[..n]).unwrap();
    assert!(checksum_ok(&rx, ChecksumFlavour::PseudoHeader));
    assert!(!checksum_ok(&rx, ChecksumFlavour::OldUnicast));
    assert!(!checksum_ok(&rx, ChecksumFlavour::NoPseudoHeader));

    t.old_unicast_checksum = true;
    let (b, n) = emit(&t);
    let rx = parse_advert(&b[..n]).unwrap();
    assert_eq!(rx.dst, IpAddr::V4(PEER));
    assert!(checksum_ok(&rx, ChecksumFlavour::OldUnicast));
    assert!(!checksum_ok(&rx, ChecksumFlavour::PseudoHeader));

    t.old_unicast_checksum = false;
    t.v3_checksum_as_v2 = true;
    let (b, n) = emit(&t);
    let rx = parse_advert(&b[..n]).unwrap();
    assert!(checksum_ok(&rx, ChecksumFlavour::NoPseudoHeader));
    assert!(!checksum_ok(&rx, ChecksumFlavour::PseudoHeader));

    // old_unicast_checksum only applies to unicast.
    let mut m = tx(3, TxAuth::None, mcast());
    m.old_unicast_checksum = true;
    let (b, n) = emit(&m);
    assert!(checksum_ok(
        &parse_advert(&b[..n]).unwrap(),
        ChecksumFlavour::PseudoHeader
    ));

    // Mixed families in a hand-made RxAdvert: never a panic, never "ok".
    let mut rx = parse_advert(&b[..n]).unwrap();
    rx.dst = IpAddr::V6(Ipv6Addr::LOCALHOST);
    assert!(!checksum_ok(&rx, ChecksumFlavour::PseudoHeader));
}

#[test]
fn ipv6_emits_the_message_only() {
    let addrs = [IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1))];
    let src = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
    let t = AdvertTx {
        src: IpAddr::V6(src),
        dst: Destination::Multicast(IpAddr::V6(ipv6::VRRP_GROUP)),
        addrs: &addrs,
        ..tx(3, TxAuth::None, mcast())
    };
    let (b, n) = emit(&t);
    assert_eq!(n, 8 + 16);
    assert_eq!(advert_len(&t), n);
    let rx = parse_advert6(src, ipv6::VRRP_GROUP, 255, &b[..n]).unwrap();
    assert!(checksum_ok(&rx, ChecksumFlavour::PseudoHeader));
    assert_eq!(rx.adver_int_cs, 100);
    // Unicast IPv6 uses the real destination too.
    let peer = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2);
    let t = AdvertTx {
        dst: Destination::Unicast(IpAddr::V6(peer)),
        ..t
    };
    let (b, n) = emit(&t);
    let rx = parse_advert6(src, peer, 255, &b[..n]).unwrap();
    assert!(checksum_ok(&rx, ChecksumFlavour::PseudoHeader));
}

#[test]
fn emit_errors() {
    let mut small = [0u8; 39];
    assert_eq!(
        emit_advert(&tx(2, TxAuth::None, mcast()), &mut small),
        Err(EmitError::BufferTooSmall)
    );
    let mut buf = [0u8; 256];
    assert_eq!(
        emit_advert(&tx(3, TxAuth::Pass([1; 8]), mcast()), &mut buf),
        Err(EmitError::BadAuth)
    );
    assert_eq!(
        emit_advert(
            &tx(
                3,
                TxAuth::Ah {
                    key: [1; 8],
                    seq: 1
                },
                mcast()
            ),
            &mut buf
        ),
        Err(EmitError::BadAuth)
    );
    let six = [IpAddr::V6(Ipv6Addr::LOCALHOST)];
    let t = AdvertTx {
        addrs: &six,
        ..tx(2, TxAuth::None, mcast())
    };
    assert_eq!(emit_advert(&t, &mut buf), Err(EmitError::BadAddresses));
    let t = tx(
        2,
        TxAuth::None,
        Destination::Multicast(IpAddr::V6(ipv6::VRRP_GROUP)),
    );
    assert_eq!(emit_advert(&t, &mut buf), Err(EmitError::BadAddresses));
    let t = AdvertTx {
        src: IpAddr::V6(Ipv6Addr::LOCALHOST),
        dst: Destination::Multicast(IpAddr::V6(ipv6::VRRP_GROUP)),
        addrs: &six,
        ..tx(
            2,
            TxAuth::Ah {
                key: [1; 8],
                seq: 1,
            },
            mcast(),
        )
    };
    assert_eq!(emit_advert(&t, &mut buf), Err(EmitError::BadAuth));
}

#[test]
fn ah_fields_and_checks() {
    let key = *b"12345678";
    let (b, n) = emit(&tx(2, TxAuth::Ah { key, seq: 41 }, uni()));
    assert_eq!(n, 20 + ah::HEADER_LEN + 20);
    let rx = parse_advert(&b[..n]).unwrap();
    let a = rx.ah.unwrap();
    assert_eq!((a.next_header, a.spi, a.seq), (112, u32::from(SRC), 41));
    assert_eq!(rx.auth_type, vrrp::AUTH_AH);
    assert!(ah_icv_ok(&rx, &key, true));
    assert!(!ah_icv_ok(&rx, &key, false));
    assert!(ah_spi_ok(&rx));
    // The TTL changes in flight for unicast: still valid.
    let mut x = b;
    x[8] = 17;
    assert!(ah_icv_ok(&parse_advert(&x[..n]).unwrap(), &key, true));
    // Any change to an immutable byte breaks it.
    for i in [0, 2, 4, 9, 12, 16, 20, 24, 28, 44, 45, 50, 63] {
        let mut y = b;
        y[i] ^= 0x10;
        if let Ok(rx) = parse_advert(&y[..n]) {
            assert!(!ah_icv_ok(&rx, &key, true), "byte {i}");
        }
    }
    // A different SPI.
    let mut y = b;
    y[27] ^= 1;
    assert!(!ah_spi_ok(&parse_advert(&y[..n]).unwrap()));
    // Without AH.
    let (p, m) = emit(&tx(2, TxAuth::None, uni()));
    let rx = parse_advert(&p[..m]).unwrap();
    assert!(!ah_icv_ok(&rx, &key, true) && !ah_spi_ok(&rx));
    // AH next header other than VRRP is reported (keepalived: an auth failure).
    let mut z = b;
    z[20] = 6;
    assert_eq!(parse_advert(&z[..n]).unwrap().ah.unwrap().next_header, 6);
}

#[test]
fn v2_interval_and_v3_reserved_bits() {
    let mut t = tx(2, TxAuth::None, mcast());
    t.adver_int_cs = 500;
    let (b, n) = emit(&t);
    assert_eq!(b[25], 5);
    assert_eq!(parse_advert(&b[..n]).unwrap().adver_int_cs, 500);
    let mut t = tx(3, TxAuth::None, mcast());
    t.adver_int_cs = 4095;
    let (b, n) = emit(&t);
    assert_eq!(&b[24..26], &[0x0f, 0xff]);
    let mut x = b;
    x[24] |= 0xf0; // reserved bits set by a peer: ignored
    assert_eq!(parse_advert(&x[..n]).unwrap().adver_int_cs, 4095);
}

#[test]
fn display_flags_problems() {
    let (b, n) = emit(&tx(2, TxAuth::Pass(*b"secret!!"), mcast()));
    let mut x = b;
    x[20] = 0x22; // type 2
    x[3] += 1;
    let s = parse_advert(&x[..n]).unwrap().to_string();
    assert!(s.contains("type 2") && s.contains("bad-ip-length"), "{s}");
    assert!(!s.contains("secret"), "the password is never printed: {s}");
}

#[test]
fn hand_made_adverts_never_panic() {
    // RxAdvert's fields are public: the helpers must cope with any combination.
    let (b, n) = emit(&tx(
        2,
        TxAuth::Ah {
            key: [1; 8],
            seq: 1,
        },
        mcast(),
    ));
    let good = parse_advert(&b[..n]).unwrap();
    let short: &[u8] = &[0x41, 0, 0];
    for ip_packet in [short, &[], &b[..n]] {
        for vrrp in [short, &[], &b[44..n]] {
            let mut rx = good.clone();
            rx.ip_packet = ip_packet;
            rx.vrrp = vrrp;
            for f in [
                ChecksumFlavour::NoPseudoHeader,
                ChecksumFlavour::PseudoHeader,
                ChecksumFlavour::OldUnicast,
            ] {
                let _ = checksum_ok(&rx, f);
            }
            let _ = ah_icv_ok(&rx, &[1; 8], false);
            let _ = rx.to_string();
        }
    }
}
