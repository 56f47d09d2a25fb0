//! The four smoltcp test kinds for the VRRP message, with keepalived's bytes.

use super::*;

// keepalived v2 PASS advert (auth_pass 1111), VRRP part as captured.
static V2_PASS: [u8; 20] = [
    0x21, 0x0b, 0xc8, 0x01, 0x01, 0x01, 0xf1, 0x1f, 0xc0, 0x00, 0x02, 0x6f, 0x31, 0x31, 0x31, 0x31,
    0x00, 0x00, 0x00, 0x00,
];
// keepalived v3/IPv4 advert (checksum with pseudo-header 192.0.2.1 -> 224.0.0.18).
static V3_V4: [u8; 12] = [
    0x31, 0x0d, 0xc8, 0x01, 0x00, 0x32, 0xa1, 0xbc, 0xc0, 0x00, 0x02, 0x71,
];

fn v2_repr() -> Repr {
    let mut addrs = AddrList::new();
    addrs
        .push(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 111)))
        .unwrap();
    Repr {
        version: 2,
        kind: 1,
        vrid: 11,
        priority: 200,
        adver_int_cs: 100,
        auth_type: AUTH_PASS,
        auth_data: *b"1111\0\0\0\0",
        addrs,
    }
}

fn v3_pseudo() -> u16 {
    checksum::pseudo_header_v4(
        Ipv4Addr::new(192, 0, 2, 1),
        Ipv4Addr::new(224, 0, 0, 18),
        112,
        12,
    )
}

#[test]
fn test_deconstruct() {
    let p = Packet::new_checked(&V2_PASS[..]).unwrap();
    assert_eq!(p.version(), 2);
    assert_eq!(p.kind(), 1);
    assert_eq!(p.vrid(), 11);
    assert_eq!(p.priority(), 200);
    assert_eq!(p.naddr(), 1);
    assert_eq!(p.auth_type(), AUTH_PASS);
    assert_eq!(p.adver_int_v2(), 1);
    assert_eq!(p.adver_int_cs(), 100);
    assert_eq!(p.checksum(), 0xf11f);
    assert_eq!(
        p.addr(0, Family::V4),
        Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 111)))
    );
    assert_eq!(p.addr(1, Family::V4), None);
    assert_eq!(p.auth_data(Family::V4), *b"1111\0\0\0\0");
    assert_eq!(p.expected_len(Family::V4), 20);
    assert!(p.verify_checksum(0));

    let p = Packet::new_checked(&V3_V4[..]).unwrap();
    assert_eq!(p.version(), 3);
    assert_eq!(p.max_adver_int(), 50);
    assert_eq!(p.adver_int_cs(), 50);
    assert!(p.verify_checksum(v3_pseudo()));
    assert!(!p.verify_checksum(0));
}

#[test]
fn test_construct() {
    let mut b = [0xffu8; 20];
    let mut p = Packet::new_unchecked(&mut b[..]);
    p.set_version_kind(2, 1);
    p.set_vrid(11);
    p.set_priority(200);
    p.set_naddr(1);
    p.set_auth_type(AUTH_PASS);
    p.set_adver_int_v2(1);
    p.set_addr(0, &IpAddr::V4(Ipv4Addr::new(192, 0, 2, 111)));
    p.set_auth_data(Family::V4, b"1111\0\0\0\0");
    p.fill_checksum(0);
    assert_eq!(b, V2_PASS);

    let mut b = [0xffu8; 12];
    let mut p = Packet::new_unchecked(&mut b[..]);
    p.set_version_kind(3, 1);
    p.set_vrid(13);
    p.set_priority(200);
    p.set_naddr(1);
    p.set_max_adver_int(50);
    p.set_addr(0, &IpAddr::V4(Ipv4Addr::new(192, 0, 2, 113)));
    p.fill_checksum(v3_pseudo());
    assert_eq!(b, V3_V4);
}

#[test]
fn test_parse() {
    let p = Packet::new_checked(&V2_PASS[..]).unwrap();
    assert_eq!(Repr::parse(&p, Family::V4), Ok(v2_repr()));
    let p = Packet::new_checked(&V2_PASS[..19]).unwrap();
    assert_eq!(Repr::parse(&p, Family::V4), Err(ParseError::Truncated));
    let p = Packet::new_checked(&V3_V4[..]).unwrap();
    let r = Repr::parse(&p, Family::V4).unwrap();
    assert_eq!(
        (r.version, r.vrid, r.adver_int_cs, r.auth_type),
        (3, 13, 50, 0)
    );
    assert_eq!(
        Packet::new_checked(&V3_V4[..7]).err(),
        Some(ParseError::Truncated)
    );
}

#[test]
fn test_emit() {
    let mut b = [0u8; 20];
    assert_eq!(v2_repr().buffer_len(), 20);
    assert_eq!(v2_repr().emit(&mut b, 0), Ok(20));
    assert_eq!(b, V2_PASS);
    let mut small = [0u8; 19];
    assert_eq!(
        v2_repr().emit(&mut small, 0),
        Err(EmitError::BufferTooSmall)
    );
}

#[test]
fn emit_255_addresses() {
    let addrs = [IpAddr::V6(Ipv6Addr::LOCALHOST); 255];
    let h = v2_repr().header();
    let h = Header { version: 3, ..h };
    let mut buf = [0u8; 8 + 255 * 16];
    assert_eq!(
        emit_message(&h, Family::V6, &addrs, 0, &mut buf),
        Ok(buf.len())
    );
    let p = Packet::new_checked(&buf[..]).unwrap();
    assert_eq!(p.naddr(), 255);
    let r = Repr::parse(&p, Family::V6).unwrap();
    assert_eq!(r.addrs.len(), 255);
    assert!(p.verify_checksum(0));
    let too_many = [IpAddr::V6(Ipv6Addr::LOCALHOST); 256];
    assert_eq!(
        emit_message(&h, Family::V6, &too_many, 0, &mut buf),
        Err(EmitError::BadAddresses)
    );
    let mixed = [IpAddr::V4(Ipv4Addr::LOCALHOST)];
    assert_eq!(
        emit_message(&h, Family::V6, &mixed, 0, &mut buf),
        Err(EmitError::BadAddresses)
    );
}

#[test]
fn display() {
    let s = format!("{}", v2_repr());
    assert_eq!(
        s,
        "VRRPv2 type 1 vrid 11 prio 200 int 100cs auth PASS addrs [192.0.2.111]"
    );
}
