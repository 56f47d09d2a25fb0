//! Parse + validate rate of the wire layer, packets per second on one core.
//!
//! `cargo bench --bench wire_parse` (std only: no bench framework). Each case runs for
//! about one second after a warm-up; the figure is the best of three runs.
//! - v2 PASS: parse_advert + v2 checksum + constant-time password compare;
//! - v2 AH: parse_advert + v2 checksum + SPI + HMAC-MD5-96 ICV verification;
//! - v3: parse_advert + checksum with the IPv4 pseudo-header;
//! - v3 IPv6: parse_advert6 + checksum with the IPv6 pseudo-header;
//! - emit v2 AH: building one AH advert (for comparison).

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use keepalived_rs::wire::{
    ah_icv_ok, ah_spi_ok, checksum_ok, emit_advert, parse_advert, parse_advert6, pass_eq, AdvertTx,
    ChecksumFlavour, Destination, TxAuth,
};

fn advert(version: u8, auth: TxAuth, addrs: &[IpAddr]) -> Vec<u8> {
    let src = match addrs[0] {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
    };
    let dst = match addrs[0] {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18)),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12)),
    };
    let tx = AdvertTx {
        version,
        vrid: 51,
        priority: 100,
        adver_int_cs: 100,
        src,
        dst: Destination::Multicast(dst),
        ttl: 255,
        ip_id: 1,
        auth,
        v3_checksum_as_v2: false,
        old_unicast_checksum: false,
        addrs,
    };
    let mut buf = vec![0u8; 2048];
    let n = emit_advert(&tx, &mut buf).expect("emit");
    buf.truncate(n);
    buf
}

/// Calls per second of `f` (best of three ~1 s runs). Under `cargo test` (no `--bench`
/// argument) every case runs once as a smoke test instead.
fn rate(mut f: impl FnMut() -> bool) -> f64 {
    if !std::env::args().any(|a| a == "--bench") {
        assert!(f());
        return 0.0;
    }
    for _ in 0..10_000 {
        assert!(f());
    }
    let mut best: f64 = 0.0;
    for _ in 0..3 {
        let start = Instant::now();
        let mut n: u64 = 0;
        while start.elapsed() < Duration::from_millis(1000) {
            for _ in 0..1000 {
                assert!(black_box(f()));
            }
            n += 1000;
        }
        best = best.max(n as f64 / start.elapsed().as_secs_f64());
    }
    best
}

fn report(name: &str, len: usize, pps: f64) {
    if pps == 0.0 {
        println!("{name:<28} {len:>5} B  ok (smoke test; run `cargo bench` for figures)");
        return;
    }
    println!(
        "{name:<28} {len:>5} B  {:>12.0} packets/s  {:>8.1} ns/packet",
        pps,
        1e9 / pps
    );
}

fn main() {
    let one = [IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100))];
    let six = [
        IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x50)),
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x50)),
    ];
    let key = *b"12345678";
    let pass = *b"1111\0\0\0\0";

    let v2_pass = advert(2, TxAuth::Pass(pass), &one);
    let pps = rate(|| {
        let rx = parse_advert(black_box(&v2_pass)).unwrap();
        checksum_ok(&rx, ChecksumFlavour::NoPseudoHeader) && pass_eq(&rx.auth_data, &pass)
    });
    report("v2 PASS parse+validate", v2_pass.len(), pps);

    let v2_ah = advert(2, TxAuth::Ah { key, seq: 1 }, &one);
    let pps = rate(|| {
        let rx = parse_advert(black_box(&v2_ah)).unwrap();
        checksum_ok(&rx, ChecksumFlavour::NoPseudoHeader)
            && ah_spi_ok(&rx)
            && ah_icv_ok(&rx, &key, false)
    });
    report("v2 AH parse+validate+ICV", v2_ah.len(), pps);

    let v3 = advert(3, TxAuth::None, &one);
    let pps = rate(|| {
        let rx = parse_advert(black_box(&v3)).unwrap();
        checksum_ok(&rx, ChecksumFlavour::PseudoHeader)
    });
    report("v3 IPv4 parse+validate", v3.len(), pps);

    let v3_6 = advert(3, TxAuth::None, &six);
    let src = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
    let dst = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
    let pps = rate(|| {
        let rx = parse_advert6(src, dst, 255, black_box(&v3_6)).unwrap();
        checksum_ok(&rx, ChecksumFlavour::PseudoHeader)
    });
    report("v3 IPv6 parse+validate", v3_6.len(), pps);

    let many: Vec<IpAddr> = (0..=254u8)
        .map(|i| IpAddr::V4(Ipv4Addr::new(192, 0, 2, i)))
        .collect();
    let v3_many = advert(3, TxAuth::None, &many);
    let pps = rate(|| {
        let rx = parse_advert(black_box(&v3_many)).unwrap();
        checksum_ok(&rx, ChecksumFlavour::PseudoHeader)
    });
    report("v3 IPv4 255 addrs", v3_many.len(), pps);

    let mut buf = [0u8; 128];
    let tx = AdvertTx {
        version: 2,
        vrid: 51,
        priority: 100,
        adver_int_cs: 100,
        src: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        dst: Destination::Multicast(IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18))),
        ttl: 255,
        ip_id: 1,
        auth: TxAuth::Ah { key, seq: 1 },
        v3_checksum_as_v2: false,
        old_unicast_checksum: false,
        addrs: &one,
    };
    let pps = rate(|| emit_advert(black_box(&tx), &mut buf).is_ok());
    report("emit v2 AH", v2_ah.len(), pps);
}
