//! Every kind of packet our emitters build is decoded by tshark (Wireshark's dissectors):
//! VRRP checksum good, ICMPv6 checksum good, no expert warnings, nothing malformed.
//!
//! Skipped (with a note) when tshark is not installed, unless `CI` is set: then it fails.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::Command;

use keepalived_rs::wire::{
    self, emit_advert, emit_garp, emit_na, ethernet, ipv4, ipv6, AdvertTx, Destination, MacAddr,
    TxAuth,
};

const MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 0x0a]);
const SRC4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const PEER4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
const SRC6: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 0x0a);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Vrrp(u8),
    Na,
    Arp,
}

/// A classic little-endian pcap file, link type Ethernet.
fn write_pcap(path: &Path, frames: &[Vec<u8>]) {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (i, f) in frames.iter().enumerate() {
        out.extend_from_slice(&(i as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
    std::fs::File::create(path)
        .and_then(|mut file| file.write_all(&out))
        .expect("write pcap");
}

fn tx<'a>(
    version: u8,
    vrid: u8,
    dst: Destination,
    auth: TxAuth,
    addrs: &'a [IpAddr],
) -> AdvertTx<'a> {
    let src = match addrs.first() {
        Some(IpAddr::V6(_)) => IpAddr::V6(SRC6),
        _ => IpAddr::V4(SRC4),
    };
    AdvertTx {
        version,
        vrid,
        priority: 100 + vrid,
        adver_int_cs: if version == 2 { 100 } else { 50 },
        src,
        dst,
        ttl: if matches!(dst, Destination::Unicast(_)) {
            64
        } else {
            255
        },
        ip_id: u16::from(vrid) + 1,
        auth,
        v3_checksum_as_v2: false,
        old_unicast_checksum: false,
        addrs,
    }
}

/// Emit an advert and put it in an Ethernet frame (IPv6: behind the header the kernel
/// would write).
fn frame(t: &AdvertTx<'_>) -> Vec<u8> {
    let mut pkt = [0u8; 4096];
    let n = emit_advert(t, &mut pkt).expect("emit");
    let dst = match t.dst {
        Destination::Multicast(d) | Destination::Unicast(d) => d,
    };
    let mut out = vec![0u8; 14 + 40 + n];
    match dst {
        IpAddr::V4(d) => {
            let eth = ethernet::Repr {
                src_addr: MAC,
                dst_addr: if d.is_multicast() {
                    MacAddr::ipv4_multicast(d)
                } else {
                    MacAddr([0x02, 0, 0, 0, 0, 0x0b])
                },
                ethertype: ethernet::ETHERTYPE_IPV4,
            };
            let len = ethernet::wrap(&eth, &pkt[..n], &mut out).unwrap();
            out.truncate(len);
        }
        IpAddr::V6(d) => {
            let eth = ethernet::Repr {
                src_addr: MAC,
                dst_addr: MacAddr::ipv6_multicast(d),
                ethertype: ethernet::ETHERTYPE_IPV6,
            };
            let ip = ipv6::Repr {
                src_addr: SRC6,
                dst_addr: d,
                next_header: ipv4::PROTO_VRRP,
                hop_limit: 255,
                traffic_class: 0xc0,
                payload_len: n,
            };
            let mut body = vec![0u8; 40 + n];
            ip.emit(&mut ipv6::Packet::new_unchecked(&mut body[..]));
            body[40..].copy_from_slice(&pkt[..n]);
            let len = ethernet::wrap(&eth, &body, &mut out).unwrap();
            out.truncate(len);
        }
    }
    out
}

fn tshark() -> Option<PathBuf> {
    let found = Command::new("tshark").arg("--version").output().is_ok();
    if found {
        return Some(PathBuf::from("tshark"));
    }
    if std::env::var_os("CI").is_some() {
        panic!("tshark is not installed but CI is set: install it (test/tools/install-deps.sh)");
    }
    eprintln!("wire_tshark: tshark not installed, skipping (set CI to make this fatal)");
    None
}

/// Run tshark on `frames`, check every frame decodes cleanly as `kinds` says.
fn check(tshark: &Path, name: &str, v3_as_v2: bool, frames: &[(Kind, Vec<u8>)]) {
    let dir = std::env::temp_dir().join(format!("krsw-tshark-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.pcap"));
    let bytes: Vec<Vec<u8>> = frames.iter().map(|(_, f)| f.clone()).collect();
    write_pcap(&path, &bytes);
    let pref = format!(
        "vrrp.v3_checksum_as_in_v2:{}",
        if v3_as_v2 { "TRUE" } else { "FALSE" }
    );
    let out = Command::new(tshark)
        .args(["-n", "-r"])
        .arg(&path)
        .args(["-o", &pref, "-T", "fields", "-E", "separator=|"])
        .args([
            "-e",
            "frame.number",
            "-e",
            "vrrp.virt_rtr_id",
            "-e",
            "vrrp.checksum.status",
        ])
        .args([
            "-e",
            "icmpv6.checksum.status",
            "-e",
            "arp.opcode",
            "-e",
            "_ws.expert.severity",
        ])
        .args(["-e", "_ws.expert.message", "-e", "_ws.malformed"])
        .output()
        .expect("run tshark");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), frames.len(), "{name}: {text}");
    for ((kind, _), line) in frames.iter().zip(&lines) {
        let f: Vec<&str> = line.split('|').collect();
        assert_eq!(f.len(), 8, "{name}: {line}");
        match kind {
            Kind::Vrrp(vrid) => {
                assert_eq!(f[1], vrid.to_string(), "{name}: vrid: {line}");
                assert_eq!(f[2], "1", "{name}: VRRP checksum not good: {line}");
            }
            Kind::Na => assert_eq!(f[3], "1", "{name}: ICMPv6 checksum not good: {line}"),
            Kind::Arp => assert_eq!(f[4], "1", "{name}: not an ARP request: {line}"),
        }
        assert!(
            f[5].is_empty() && f[6].is_empty(),
            "{name}: expert info: {line}"
        );
        assert!(f[7].is_empty(), "{name}: malformed: {line}");
    }
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir(&dir);
}

#[test]
fn tshark_accepts_everything_we_emit() {
    let Some(tshark) = tshark() else { return };
    let mcast4 = Destination::Multicast(IpAddr::V4(ipv4::VRRP_GROUP));
    let uni4 = Destination::Unicast(IpAddr::V4(PEER4));
    let mcast6 = Destination::Multicast(IpAddr::V6(ipv6::VRRP_GROUP));
    let one = [IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100))];
    let two = [
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100)),
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 101)),
    ];
    let many4: Vec<IpAddr> = (0..=254u8)
        .map(|i| IpAddr::V4(Ipv4Addr::new(192, 0, 2, i)))
        .collect();
    let six = [
        IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x50)),
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x50)),
    ];
    let many6: Vec<IpAddr> = (0..89u16)
        .map(|i| IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, i)))
        .collect();
    let pass = TxAuth::Pass(*b"1111\0\0\0\0");
    let ah = TxAuth::Ah {
        key: *b"12345678",
        seq: 7,
    };

    let mut adverts = vec![
        tx(2, 1, mcast4, TxAuth::None, &one),
        tx(2, 2, mcast4, TxAuth::None, &two),
        tx(2, 3, mcast4, pass, &one),
        tx(2, 4, mcast4, ah, &one),
        tx(2, 5, uni4, ah, &one),
        tx(2, 6, uni4, pass, &two),
        tx(3, 7, mcast4, TxAuth::None, &one),
        tx(3, 8, uni4, TxAuth::None, &two),
        tx(3, 9, mcast6, TxAuth::None, &six),
        tx(3, 10, mcast4, TxAuth::None, &many4),
        tx(3, 11, mcast6, TxAuth::None, &many6),
        tx(2, 12, mcast4, TxAuth::None, &many4),
        tx(3, 13, mcast4, TxAuth::None, &[]),
    ];
    let mut stop = tx(2, 14, mcast4, pass, &one);
    stop.priority = 0;
    adverts.push(stop);
    let mut owner = tx(3, 15, mcast6, TxAuth::None, &six);
    owner.priority = 255;
    adverts.push(owner);

    let mut frames: Vec<(Kind, Vec<u8>)> = adverts
        .iter()
        .map(|t| (Kind::Vrrp(t.vrid), frame(t)))
        .collect();
    let mut buf = [0u8; 128];
    let n = emit_garp(MAC, Ipv4Addr::new(192, 0, 2, 100), &mut buf).unwrap();
    frames.push((Kind::Arp, buf[..n].to_vec()));
    for vip in six {
        let IpAddr::V6(vip) = vip else { unreachable!() };
        let n = emit_na(MAC, vip, vip, &mut buf).unwrap();
        frames.push((Kind::Na, buf[..n].to_vec()));
    }
    check(&tshark, "emitted", false, &frames);

    // v3_checksum_as_v2 (RFC 9568 / Cisco / Juniper): tshark's matching preference.
    let mut legacy = tx(3, 16, mcast4, TxAuth::None, &two);
    legacy.v3_checksum_as_v2 = true;
    let mut legacy_uni = tx(3, 17, uni4, TxAuth::None, &one);
    legacy_uni.v3_checksum_as_v2 = true;
    let frames = vec![
        (Kind::Vrrp(16), frame(&legacy)),
        (Kind::Vrrp(17), frame(&legacy_uni)),
    ];
    check(&tshark, "v3-as-v2", true, &frames);

    // The parser agrees with what we sent.
    for t in &adverts {
        let mut pkt = [0u8; 4096];
        let n = emit_advert(t, &mut pkt).unwrap();
        if t.src.is_ipv4() {
            let rx = wire::parse_advert(&pkt[..n]).unwrap();
            assert_eq!(
                (rx.vrid, rx.priority, rx.addrs.as_slice()),
                (t.vrid, t.priority, t.addrs)
            );
        }
    }
}
