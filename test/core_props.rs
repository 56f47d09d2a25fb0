//! Property tests over random event sequences (seeded xorshift, no extra crate):
//! no panic, no action overflow, deadlines always in the future after a timer, effective
//! priority in 1..=254 (255 only for owners), and exactly one master per VRID once the
//! network is connected and quiet.

mod common;

use std::net::IpAddr;

use common::sim::{Net, Rng};
use common::*;
use keepalived_rs::core::{Actions, Core, Event, IfInfo, ScriptResult, State};
use keepalived_rs::time::{Duration, Instant};
use keepalived_rs::wire::{AddrList, RxAdvert};

fn check_invariants(core: &Core) {
    for (i, r) in core.instances().iter().enumerate() {
        let base = core.config().instances[i].priority;
        if base == 255 && r.base_priority == 255 {
            assert_eq!(r.effective_priority, 255);
        } else {
            assert!((1..=254).contains(&r.effective_priority), "{r:?}");
        }
        if r.state == State::Master {
            assert!(r.advert_at.is_some(), "a master always has an advert timer");
        }
    }
}

fn random_advert(rng: &mut Rng) -> RxAdvert<'static> {
    let mut addrs = AddrList::new();
    for _ in 0..rng.below(4) {
        let a: IpAddr = if rng.chance(800) {
            IpAddr::V4([192, 0, 2, 100 + rng.below(3) as u8].into())
        } else {
            "2001:db8::1".parse().unwrap()
        };
        let _ = addrs.push(a);
    }
    let prios = [0u8, 1, 50, 100, 101, 150, 254, 255];
    RxAdvert {
        src: IpAddr::V4([192, 0, 2, rng.below(20) as u8].into()),
        dst: if rng.chance(900) {
            IpAddr::V4([224, 0, 0, 18].into())
        } else {
            IpAddr::V4([192, 0, 2, 10].into())
        },
        ttl: if rng.chance(900) {
            255
        } else {
            rng.below(256) as u8
        },
        ip_len_ok: rng.chance(950),
        ah: None,
        vrrp: &[],
        ip_packet: &[],
        version: if rng.chance(800) { 2 } else { 3 },
        kind: if rng.chance(950) {
            1
        } else {
            rng.below(16) as u8
        },
        vrid: [51u8, 52, 53, 7][rng.below(4) as usize],
        priority: prios[rng.below(prios.len() as u64) as usize],
        naddr: addrs.len() as u8 + if rng.chance(50) { 1 } else { 0 },
        auth_type: if rng.chance(900) {
            0
        } else {
            rng.below(4) as u8
        },
        adver_int_cs: if rng.chance(900) {
            100
        } else {
            rng.below(4096) as u16
        },
        auth_data: [0; 8],
        addrs,
        length_ok: rng.chance(970),
    }
}

#[test]
fn random_events_single_core() {
    big(|| {
        let lines = [
            "script chk weight=0 rise=2 fall=2",
            "script w weight=-30 init_fail",
            "file f weight=7",
            "instance VI_1 iface=eth0 vrid=51 prio=100 vip=192.0.2.100 track_script=chk garp_interval=0.05",
            "instance VI_2 iface=eth0 vrid=52 prio=255 state=MASTER vip=192.0.2.101 track_script=w track_file=f",
            "instance VI_3 iface=eth1 vrid=53 prio=200 vip=192.0.2.102 version=3 advert_int=0.3 preempt_delay=2",
            "group VG members=VI_1,VI_3",
        ];
        let cfg = build_config(&lines);
        let cfg2 = build_config(&lines[..5]);
        for seed in 1..=40u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
            let mut core = Core::new(&cfg);
            let mut out = Actions::new();
            let mut now = Instant::from_secs(5);
            let ifs = [("eth0", 1u32), ("eth1", 2)];
            for (n, i) in ifs {
                let info = IfInfo {
                    name: n,
                    ifindex: i,
                    up: true,
                    ipv4: Some([192, 0, 2, 10].into()),
                    ll6: None,
                    mac: [0; 6],
                };
                core.handle(now, Event::Interface(info), &mut out);
            }
            core.handle(now, Event::Start, &mut out);
            for _ in 0..3000 {
                now += Duration::from_micros(rng.below(400_000));
                // Fire every deadline that passed first, as the daemon does.
                while let Some(d) = core.next_deadline() {
                    if d > now {
                        break;
                    }
                    core.handle(d.max(now), Event::Timer, &mut out);
                    if let Some(n) = core.next_deadline() {
                        assert!(n > d.max(now), "deadline not in the future after a timer");
                    }
                    out.clear();
                }
                match rng.below(100) {
                    0..=54 => {
                        let rx = random_advert(&mut rng);
                        let ifindex = 1 + rng.below(2) as u32;
                        core.handle(
                            now,
                            Event::Advert {
                                ifindex,
                                rx: &rx,
                                checksum_verified: true,
                            },
                            &mut out,
                        );
                    }
                    55..=69 => {
                        let result = match rng.below(4) {
                            0 => ScriptResult::Exited(rng.below(3) as i32),
                            1 => ScriptResult::Signalled(9),
                            2 => ScriptResult::TimedOut,
                            _ => ScriptResult::Exited(0),
                        };
                        let script = rng.below(3) as u16; // 2 is out of range: must be ignored
                        core.handle(now, Event::Script { script, result }, &mut out);
                    }
                    70..=74 => {
                        let value = rng.below(80) as i64 - 40;
                        core.handle(
                            now,
                            Event::TrackFile {
                                file: rng.below(2) as u16,
                                value,
                            },
                            &mut out,
                        );
                    }
                    75..=84 => {
                        let (n, i) = ifs[rng.below(2) as usize];
                        let info = IfInfo {
                            name: n,
                            ifindex: i,
                            up: rng.chance(600),
                            ipv4: if rng.chance(900) {
                                Some([192, 0, 2, 10].into())
                            } else {
                                None
                            },
                            ll6: None,
                            mac: [0; 6],
                        };
                        core.handle(now, Event::Interface(info), &mut out);
                    }
                    85..=89 => {
                        let addr = IpAddr::V4([192, 0, 2, 100 + rng.below(3) as u8].into());
                        core.handle(now, Event::VipDeleted { ifindex: 1, addr }, &mut out);
                    }
                    90..=91 => {
                        let c = if rng.chance(500) { &cfg2 } else { &cfg };
                        core.handle(now, Event::Reload(c), &mut out);
                    }
                    92 => core.handle(now, Event::InterfaceGone { ifindex: 2 }, &mut out),
                    _ => core.handle(now, Event::Timer, &mut out),
                }
                assert_eq!(out.overflow, 0);
                out.clear();
                check_invariants(&core);
            }
            core.handle(now, Event::Shutdown, &mut out);
            assert!(core.next_deadline().is_none());
            for r in core.instances() {
                assert!(r.state != State::Master || r.advert_at.is_none());
            }
        }
    });
}

#[test]
fn random_network_chaos_then_one_master_per_vrid() {
    big(|| {
        for seed in 1..=12u64 {
            let mut rng = Rng(seed.wrapping_mul(0xd1b5_4a32_d192_ed03) | 1);
            let n = 2 + rng.below(5) as usize;
            let cfgs = (0..n)
                .map(|_| {
                    let p1 = 1 + rng.below(254);
                    let p2 = 1 + rng.below(254);
                    let np = if rng.chance(300) { "nopreempt" } else { "" };
                    build_config(&[
                        &format!("instance VI_1 iface=eth0 vrid=51 prio={p1} vip=192.0.2.100 garp_repeat=1 {np}"),
                        &format!("instance VI_2 iface=eth0 vrid=52 prio={p2} vip=192.0.2.101 version=3 advert_int=0.2 garp_repeat=1"),
                    ])
                })
                .collect();
            let mut net = Net::new(cfgs, Instant::ZERO);
            net.rng = Rng(seed | 1);
            let mut t = Instant::ZERO;
            for _ in 0..60 {
                t += Duration::from_micros(rng.below(2_000_000));
                match rng.below(10) {
                    0 => {
                        let i = rng.below(n as u64) as usize;
                        if net.nodes[i].core.is_some() {
                            net.crash(i)
                        } else {
                            net.boot(i)
                        }
                    }
                    1 => {
                        let i = rng.below(n as u64) as usize;
                        if net.nodes[i].core.is_some() {
                            net.stop(i)
                        } else {
                            net.boot(i)
                        }
                    }
                    2 => net.partition = (0..n).map(|_| rng.below(2) as u8).collect(),
                    3 => net.loss_per_mille = rng.below(500),
                    4 => net.delay = Duration::from_micros(rng.below(50_000)),
                    _ => {}
                }
                net.run_until(t);
                for node in &net.nodes {
                    if let Some(c) = node.core.as_ref() {
                        check_invariants(c);
                    }
                }
            }
            // Connect, quiet the wire, make sure somebody runs, and let it settle.
            net.partition = vec![0; n];
            net.loss_per_mille = 0;
            net.delay = Duration::from_micros(100);
            if net.nodes.iter().all(|x| x.core.is_none()) {
                net.boot(0);
            }
            net.run_until(t + Duration::from_secs(60));
            for inst in 0..2 {
                assert_eq!(
                    net.masters(inst).len(),
                    1,
                    "seed {seed} VI_{}: one master",
                    inst + 1
                );
            }
        }
    });
}
