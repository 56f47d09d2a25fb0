//! Figures for the protocol core: cost per advert handled (ns, median of batches) and memory
//! per instance (`size_of` of the runtime state). `cargo bench --bench core_advert`.

#[path = "../test/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::net::IpAddr;

use keepalived_rs::core::{Actions, Core, Event, IfInfo, InstanceRt};
use keepalived_rs::time::{Duration, Instant};
use keepalived_rs::wire::{AddrList, RxAdvert};

fn advert(prio: u8, vrid: u8, vips: &[IpAddr]) -> RxAdvert<'static> {
    let mut addrs = AddrList::new();
    for a in vips {
        let _ = addrs.push(*a);
    }
    RxAdvert {
        src: "192.0.2.11".parse().unwrap(),
        dst: "224.0.0.18".parse().unwrap(),
        ttl: 255,
        ip_len_ok: true,
        ah: None,
        vrrp: &[],
        ip_packet: &[],
        version: 2,
        kind: 1,
        vrid,
        priority: prio,
        naddr: vips.len() as u8,
        auth_type: 0,
        adver_int_cs: 100,
        auth_data: [0; 8],
        addrs,
        length_ok: true,
    }
}

fn measure(core: &mut Core, rx: &RxAdvert<'_>, label: &str) {
    let mut out = Actions::new();
    let mut now = Instant::from_secs(10);
    let batch = 1000u32;
    let mut samples = Vec::new();
    for _ in 0..300 {
        let t0 = std::time::Instant::now();
        for _ in 0..batch {
            now += Duration::from_micros(1000);
            core.handle(
                now,
                Event::Advert {
                    ifindex: 1,
                    rx: black_box(rx),
                    checksum_verified: true,
                },
                &mut out,
            );
            out.clear();
        }
        samples.push(t0.elapsed().as_nanos() as f64 / batch as f64);
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "{label}: median {:.0} ns/advert (p10 {:.0}, p90 {:.0})",
        samples[samples.len() / 2],
        samples[samples.len() / 10],
        samples[samples.len() * 9 / 10]
    );
}

fn measure_bytes(core: &mut Core, bytes: &[u8], label: &str) {
    let mut out = Actions::new();
    let mut now = Instant::from_secs(100);
    let batch = 1000u32;
    let mut samples = Vec::new();
    for _ in 0..300 {
        let t0 = std::time::Instant::now();
        for _ in 0..batch {
            now += Duration::from_micros(1000);
            core.handle(
                now,
                Event::Packet4 {
                    ifindex: 1,
                    bytes: black_box(bytes),
                },
                &mut out,
            );
            out.clear();
        }
        samples.push(t0.elapsed().as_nanos() as f64 / batch as f64);
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "{label}: median {:.0} ns/advert (p10 {:.0}, p90 {:.0})",
        samples[samples.len() / 2],
        samples[samples.len() / 10],
        samples[samples.len() * 9 / 10]
    );
}

fn main() {
    common::big(|| {
        let vips: Vec<IpAddr> = (0..4)
            .map(|i| format!("192.0.2.{}", 100 + i).parse().unwrap())
            .collect();
        let mut lines: Vec<String> = Vec::new();
        for k in 0..100u32 {
            let v: Vec<String> = vips.iter().map(|a| format!("vip={a}")).collect();
            lines.push(format!(
                "instance VI_{k} iface=eth0 vrid={} prio=100 {}",
                k + 1,
                v.join(" ")
            ));
        }
        let refs: Vec<&str> = lines.iter().map(|s| s.as_str()).collect();
        let cfg = common::build_config(&refs);
        let mut core = Core::new(&cfg);
        let mut out = Actions::new();
        let info = IfInfo {
            name: "eth0",
            ifindex: 1,
            up: true,
            ipv4: Some([192, 0, 2, 10].into()),
            ll6: None,
            mac: [0; 6],
        };
        core.handle(Instant::from_secs(10), Event::Interface(info), &mut out);
        core.handle(Instant::from_secs(10), Event::Start, &mut out);
        out.clear();
        // Backup accepting a higher-priority master (the steady-state hot path), first and
        // last of 100 instances (lookup by VRID is linear).
        measure(
            &mut core,
            &advert(150, 1, &vips),
            "backup accepts advert, instance 1/100, 4 VIPs",
        );
        measure(
            &mut core,
            &advert(150, 100, &vips),
            "backup accepts advert, instance 100/100, 4 VIPs",
        );
        measure(
            &mut core,
            &advert(150, 1, &vips[..1]),
            "rejected advert (address count), instance 1/100",
        );
        // Real bytes: parse_advert + checksum + the checks + the backup rule.
        let tx = keepalived_rs::wire::AdvertTx {
            version: 2,
            vrid: 1,
            priority: 150,
            adver_int_cs: 100,
            src: "192.0.2.11".parse().unwrap(),
            dst: keepalived_rs::wire::Destination::Multicast("224.0.0.18".parse().unwrap()),
            ttl: 255,
            ip_id: 1,
            auth: keepalived_rs::wire::TxAuth::None,
            v3_checksum_as_v2: false,
            old_unicast_checksum: false,
            addrs: &vips,
        };
        let mut buf = [0u8; 256];
        let n = keepalived_rs::wire::emit_advert(&tx, &mut buf).unwrap();
        let before = core.instance(0).unwrap().stats.advert_rcvd;
        measure_bytes(
            &mut core,
            &buf[..n],
            "real bytes (parse_advert + checksum + checks), instance 1/100, 4 VIPs",
        );
        let rt = *core.instance(0).unwrap();
        assert!(rt.stats.advert_rcvd > before && rt.stats.checksum_err == 0);
        println!(
            "size_of::<InstanceRt>() = {} bytes per instance",
            std::mem::size_of::<InstanceRt>()
        );
        println!(
            "size_of::<Core>() = {} bytes (+ boxed tables)",
            std::mem::size_of::<Core>()
        );
        println!(
            "size_of::<Actions>() = {} bytes ({} slots), size_of::<Action>() = {} bytes",
            std::mem::size_of::<Actions>(),
            keepalived_rs::core::action::ACTIONS_CAPACITY,
            std::mem::size_of::<keepalived_rs::core::Action>()
        );
        println!(
            "size_of::<Config>() = {} bytes (boxed, one copy per Core)",
            std::mem::size_of::<keepalived_rs::config::Config>()
        );
    });
}
