//! The simulated wire: 2 to 8 cores at simulated time (see `common/sim.rs`).

mod common;

use common::sim::Net;
use common::*;
use keepalived_rs::core::State;
use keepalived_rs::time::{Duration, Instant};

fn t(s: f64) -> Instant {
    Instant::from_micros((s * 1_000_000.0).round() as u64)
}

fn cfg(extra: &str) -> Box<keepalived_rs::config::Config> {
    build_config(&[&format!(
        "instance VI_1 iface=eth0 vrid=51 vip=192.0.2.100 garp_repeat=1 garp_delay=0 {extra}"
    )])
}

#[test]
fn exactly_one_master_2_to_8_nodes() {
    big(|| {
        for n in 2..=8usize {
            let cfgs = (0..n)
                .map(|i| cfg(&format!("prio={}", 100 + i * 7)))
                .collect();
            let mut net = Net::new(cfgs, Instant::ZERO);
            net.run_until(t(20.0));
            assert_eq!(
                net.masters(0),
                vec![n - 1],
                "{n} nodes: highest priority wins"
            );
        }
    });
}

#[test]
fn failover_after_crash_is_master_down_interval_exactly() {
    big(|| {
        // master 200, backup 100, v2 1 s: takeover = last advert received + 3 s + 156/256 s.
        let mut net = Net::new(vec![cfg("prio=200"), cfg("prio=100")], Instant::ZERO);
        net.run_until(t(10.0));
        assert_eq!(net.masters(0), vec![0]);
        net.crash(0);
        let last = net.nodes[1].last_rx.expect("heard the master");
        net.run_until(t(20.0));
        let became = net.last_entered(1, 0, State::Master).expect("took over");
        assert_eq!((became - last).as_micros(), 3_609_375);
    });
}

#[test]
fn failover_v3_uses_master_interval_exactly() {
    big(|| {
        // v3: the backup's own interval is 1 s but the master's 0.5 s is adopted:
        // 3 × 0.5 s + (256-100) × 0.5 s / 256 = 1.5 s + 0.3046875 s.
        let mut net = Net::new(
            vec![
                cfg("prio=200 version=3 advert_int=0.5"),
                cfg("prio=100 version=3 advert_int=1"),
            ],
            Instant::ZERO,
        );
        net.run_until(t(10.0));
        net.crash(0);
        let last = net.nodes[1].last_rx.expect("heard the master");
        net.run_until(t(20.0));
        let became = net.last_entered(1, 0, State::Master).expect("took over");
        assert_eq!((became - last).as_micros(), 1_804_687);
    });
}

#[test]
fn graceful_stop_fails_over_after_skew_time() {
    big(|| {
        let mut net = Net::new(vec![cfg("prio=200"), cfg("prio=102")], Instant::ZERO);
        net.run_until(t(10.2));
        net.stop(0);
        net.run_until(t(10.2) + Duration::from_micros(100));
        let last = net.nodes[1].last_rx.expect("priority 0 received");
        net.run_until(t(20.0));
        let became = net.last_entered(1, 0, State::Master).expect("took over");
        // (256-102)/256 s = 0.6015625 s, floored to µs.
        assert_eq!((became - last).as_micros(), 601_562);
    });
}

#[test]
fn reload_removing_the_master_instance_fails_over_after_skew_time() {
    big(|| {
        let mut net = Net::new(vec![cfg("prio=200"), cfg("prio=100")], Instant::ZERO);
        net.run_until(t(10.3));
        // Node 0 reloads without VI_1 (only another VRID): priority 0 for VI_1.
        net.reload(
            0,
            build_config(&["instance VI_9 iface=eth0 vrid=99 prio=100 vip=192.0.2.199"]),
        );
        net.run_until(t(10.3) + Duration::from_micros(100));
        let last = net.nodes[1].last_rx.expect("priority 0 received");
        net.run_until(t(20.0));
        let became = net.last_entered(1, 0, State::Master).expect("took over");
        assert_eq!((became - last).as_micros(), 609_375);
    });
}

#[test]
fn real_bytes_pass_ah_ipv6_unicast() {
    big(|| {
        let variants = [
            "pass=secret",
            "ah=12345678",
            "version=3",
            "version=3 advert_int=0.1",
        ];
        for v in variants {
            let mut net = Net::new(
                vec![cfg(&format!("prio=200 {v}")), cfg(&format!("prio=100 {v}"))],
                Instant::ZERO,
            );
            net.run_until(t(20.0));
            assert_eq!(net.masters(0), vec![0], "{v}");
            let b = *net.nodes[1].core.as_ref().unwrap().instance(0).unwrap();
            assert!(b.stats.advert_rcvd > 10, "{v}: backup hears the master");
            assert_eq!(b.stats.auth_failure + b.stats.checksum_err, 0, "{v}");
        }
        // IPv6 (v3 from the link-local) and unicast peers.
        let v6 = |p: u32| {
            build_config(&[&format!(
                "instance VI_6 iface=eth0 vrid=60 prio={p} vip=fe80::100 vip=2001:db8::100 garp_repeat=1"
            )])
        };
        let mut net = Net::new(vec![v6(200), v6(100)], Instant::ZERO);
        net.run_until(t(20.0));
        assert_eq!(net.masters(0), vec![0], "IPv6");
        let uc = |p: u32, me: u8, peer: u8| {
            build_config(&[&format!(
                "instance VI_1 iface=eth0 vrid=51 prio={p} src=192.0.2.{me} peer=192.0.2.{peer} vip=192.0.2.100 version=3"
            )])
        };
        let mut net = Net::new(vec![uc(200, 1, 2), uc(100, 2, 1)], Instant::ZERO);
        net.run_until(t(20.0));
        assert_eq!(net.masters(0), vec![0], "unicast");
    });
}

#[test]
fn wrong_password_is_split_brain() {
    big(|| {
        let mut net = Net::new(
            vec![cfg("prio=200 pass=aaaa"), cfg("prio=100 pass=bbbb")],
            Instant::ZERO,
        );
        net.run_until(t(20.0));
        assert_eq!(net.masters(0).len(), 2);
        let b = *net.nodes[1].core.as_ref().unwrap().instance(0).unwrap();
        assert!(b.stats.auth_failure > 0);
    });
}

#[test]
fn no_flapping_at_equal_priorities() {
    big(|| {
        let cfgs = (0..4).map(|_| cfg("prio=100")).collect();
        let mut net = Net::new(cfgs, Instant::ZERO);
        net.jitter = Duration::from_millis(3);
        net.run_until(t(15.0));
        // Highest address (192.0.2.4) wins the tie.
        assert_eq!(net.masters(0), vec![3]);
        let settle = t(15.0);
        net.run_until(t(300.0));
        for i in 0..4 {
            assert_eq!(net.transitions_after(i, settle), 0, "node {i} flapped");
        }
    });
}

#[test]
fn split_brain_heals_within_one_advert() {
    big(|| {
        let mut net = Net::new(vec![cfg("prio=150"), cfg("prio=100")], Instant::ZERO);
        net.run_until(t(10.0));
        net.partition = vec![0, 1];
        net.run_until(t(20.0));
        assert_eq!(net.masters(0).len(), 2, "partitioned: both master");
        let heal = t(20.0);
        net.partition = vec![0, 0];
        // One advert interval (1 s) plus the wire delay.
        net.run_until(heal + Duration::from_secs(1) + Duration::from_micros(100));
        assert_eq!(net.masters(0), vec![0]);
        let stepped = net.last_entered(1, 0, State::Backup).expect("stepped down");
        assert!(stepped > heal);
        net.run_until(t(60.0));
        assert_eq!(net.masters(0), vec![0]);
    });
}

#[test]
fn split_brain_with_different_vip_lists_is_recorded() {
    big(|| {
        let a = build_config(&["instance VI_1 iface=eth0 vrid=51 prio=150 vip=192.0.2.100"]);
        let b = build_config(&["instance VI_1 iface=eth0 vrid=51 prio=100 vip=192.0.2.200"]);
        let mut net = Net::new(vec![a, b], Instant::ZERO);
        net.run_until(t(30.0));
        // Each drops the other's adverts (address list), so both are master: split brain.
        assert_eq!(net.masters(0).len(), 2);
        for i in 0..2 {
            let r = *net.nodes[i].core.as_ref().unwrap().instance(0).unwrap();
            assert!(r.split_brain);
            assert!(r.stats.split_brain > 0);
            assert!(r.stats.addr_list_err > 0);
        }
    });
}

#[test]
fn nopreempt_keeps_the_current_master() {
    big(|| {
        let mut net = Net::new(
            vec![cfg("prio=100"), cfg("prio=200 nopreempt")],
            Instant::ZERO,
        );
        net.crash(1);
        net.run_until(t(10.0));
        assert_eq!(net.masters(0), vec![0]);
        net.boot(1);
        net.run_until(t(60.0));
        assert_eq!(net.masters(0), vec![0], "nopreempt: stays backup");
        // Without nopreempt the higher priority takes over.
        let mut net = Net::new(vec![cfg("prio=100"), cfg("prio=200")], Instant::ZERO);
        net.crash(1);
        net.run_until(t(10.0));
        net.boot(1);
        net.run_until(t(60.0));
        assert_eq!(net.masters(0), vec![1]);
    });
}

#[test]
fn crash_and_restart_preempts_back() {
    big(|| {
        let mut net = Net::new(
            vec![cfg("prio=200"), cfg("prio=150"), cfg("prio=100")],
            Instant::ZERO,
        );
        net.run_until(t(10.0));
        assert_eq!(net.masters(0), vec![0]);
        net.crash(0);
        net.run_until(t(20.0));
        assert_eq!(net.masters(0), vec![1]);
        net.boot(0);
        net.run_until(t(40.0));
        assert_eq!(net.masters(0), vec![0]);
        assert_eq!(net.state(1, 0), Some(State::Backup));
    });
}

#[test]
fn ah_restart_with_a_fresh_counter_is_accepted_by_the_peer() {
    // keepalived keeps one AH counter per instance for both directions: a restarted node
    // learns the master's count while backup and continues above it once master again.
    big(|| {
        let mut net = Net::new(
            vec![cfg("prio=200 ah=12345678"), cfg("prio=100 ah=12345678")],
            Instant::ZERO,
        );
        net.run_until(t(10.0));
        assert_eq!(net.masters(0), vec![0]);
        net.crash(0);
        net.run_until(t(30.0));
        assert_eq!(net.masters(0), vec![1]);
        net.boot(0);
        net.run_until(t(50.0));
        assert_eq!(net.masters(0), vec![0], "the restarted node preempts back");
        let b = *net.nodes[1].core.as_ref().unwrap().instance(0).unwrap();
        assert_eq!(
            b.stats.auth_failure, 0,
            "no advert of the restarted node was refused"
        );
    });
}

#[test]
fn loss_and_delay_then_convergence() {
    big(|| {
        let cfgs = (0..5).map(|i| cfg(&format!("prio={}", 100 + i))).collect();
        let mut net = Net::new(cfgs, Instant::ZERO);
        net.loss_per_mille = 300;
        net.delay = Duration::from_millis(20);
        net.jitter = Duration::from_millis(30);
        net.run_until(t(120.0));
        net.loss_per_mille = 0;
        net.run_until(t(130.0));
        assert_eq!(net.masters(0), vec![4]);
    });
}

/// The only time input is the monotonic `now`: shifting the origin by ~31 years (as a
/// wall-clock jump would) shifts every transition by exactly that much and changes nothing else.
#[test]
fn time_origin_changes_nothing() {
    big(|| {
        let run = |origin: Instant| {
            let mut net = Net::new(vec![cfg("prio=200"), cfg("prio=100")], origin);
            net.run_until(origin + Duration::from_secs(10));
            net.crash(0);
            net.run_until(origin + Duration::from_secs(20));
            net.nodes[1]
                .transitions
                .iter()
                .map(|(t, i, s)| ((*t - origin).as_micros(), *i, *s))
                .collect::<Vec<_>>()
        };
        let a = run(Instant::ZERO);
        let b = run(Instant::from_secs(1_000_000_000));
        assert_eq!(a, b);
        assert!(!a.is_empty());
    });
}

/// No clock in the core: its sources never name std::time, SystemTime or a clock call.
#[test]
fn core_sources_read_no_clock() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core");
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        for bad in [
            "std::time",
            "SystemTime",
            "Instant::now",
            "clock_gettime",
            "libc::",
        ] {
            assert!(!text.contains(bad), "{} mentions {bad}", p.display());
        }
    }
}

fn single(cfg_line: &str, addr: [u8; 4]) -> keepalived_rs::core::Core {
    use keepalived_rs::core::{Actions, Core, Event, IfInfo};
    let cfg = build_config(&[cfg_line]);
    let mut core = Core::new(&cfg);
    let mut out = Actions::new();
    let info = IfInfo {
        name: "eth0",
        ifindex: 1,
        up: true,
        ipv4: Some(addr.into()),
        ll6: None,
        mac: [0; 6],
    };
    core.handle(Instant::ZERO, Event::Interface(info), &mut out);
    core.handle(Instant::ZERO, Event::Start, &mut out);
    core
}

/// Run `core` to `to`, returning the bytes of every advert it sent.
fn adverts(core: &mut keepalived_rs::core::Core, to: Instant) -> Vec<Vec<u8>> {
    use keepalived_rs::core::{Action, Actions, Event};
    let mut out = Actions::new();
    let mut v = Vec::new();
    while let Some(d) = core.next_deadline() {
        if d > to {
            break;
        }
        core.handle(d, Event::Timer, &mut out);
        while let Some(a) = out.pop() {
            if let Action::SendAdvert(sa) = a {
                let tx = core.advert_tx(&sa).unwrap();
                let mut buf = [0u8; 512];
                let n = keepalived_rs::wire::emit_advert(&tx, &mut buf).unwrap();
                v.push(buf[..n].to_vec());
            }
        }
    }
    v
}

#[test]
fn ah_replay_dropped_and_sequence_resynced() {
    big(|| {
        use keepalived_rs::core::{Actions, Event};
        let line = "instance VI_1 iface=eth0 vrid=51 vip=192.0.2.100 ah=k3y garp_repeat=0";
        let mut a = single(&format!("{line} prio=255 state=MASTER"), [192, 0, 2, 1]);
        let mut b = single(&format!("{line} prio=100"), [192, 0, 2, 2]);
        let pkts = adverts(&mut a, t(3.5));
        assert!(pkts.len() >= 3);
        let mut out = Actions::new();
        let now = t(3.6);
        b.handle(
            now,
            Event::Packet4 {
                ifindex: 1,
                bytes: &pkts[1],
            },
            &mut out,
        );
        b.handle(
            now,
            Event::Packet4 {
                ifindex: 1,
                bytes: &pkts[1],
            },
            &mut out,
        ); // replay
        b.handle(
            now,
            Event::Packet4 {
                ifindex: 1,
                bytes: &pkts[0],
            },
            &mut out,
        ); // older
        b.handle(
            now,
            Event::Packet4 {
                ifindex: 1,
                bytes: &pkts[2],
            },
            &mut out,
        );
        let rb = *b.instance(0).unwrap();
        assert_eq!(
            rb.stats.auth_failure, 2,
            "replayed and older sequence numbers dropped"
        );
        assert_eq!(rb.stats.advert_rcvd, 2);
        // A lower-priority advert (from b, now forced to master with a big sequence number)
        // makes the master resynchronise its AH counter past the peer's.
        let mut c = single(&format!("{line} prio=100"), [192, 0, 2, 3]);
        let cp = adverts(&mut c, t(30.0)); // c becomes master alone and sends many
        let last = cp.last().unwrap();
        let seq_rx = keepalived_rs::wire::parse_advert(last)
            .unwrap()
            .ah
            .unwrap()
            .seq;
        a.handle(
            t(30.0),
            Event::Packet4 {
                ifindex: 1,
                bytes: last,
            },
            &mut out,
        );
        let ra = *a.instance(0).unwrap();
        assert!(seq_rx > 3);
        // a re-advertised ("forcing new election") with seq_rx + 1 + 1.
        assert_eq!(ra.ah_seq, seq_rx + 2);
    });
}

#[test]
fn json_dump_from_core_status() {
    big(|| {
        let mut net = Net::new(
            vec![cfg("prio=200 notify=/bin/n"), cfg("prio=100")],
            Instant::ZERO,
        );
        net.run_until(t(10.0));
        let core = net.nodes[0].core.as_ref().unwrap();
        let mut ifp: heapless::Vec<&str, 8> = heapless::Vec::new();
        let mut scr: heapless::Vec<&str, 8> = heapless::Vec::new();
        core.track_names(0, &mut ifp, &mut scr);
        let st = core
            .status(0, t(10.0), 1_700_000_010.0, &ifp, &scr)
            .expect("status");
        let mut buf = [0u8; 8192];
        let mut out = Vec::new();
        keepalived_rs::status::json::write_all(std::iter::once(st), false, &mut buf, &mut out)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        for want in [
            "\"iname\":\"VI_1\"",
            "\"state\":2",
            "\"effective_priority\":200",
            "\"become_master\":1",
            "\"vipset\":true",
        ] {
            assert!(text.contains(want), "{want} in {text}");
        }
        let b = net.nodes[1].core.as_ref().unwrap();
        let st = b.status(0, t(10.0), 0.0, &[], &[]).unwrap();
        assert_eq!((st.state, st.master_priority), (1, 200));
        assert!(st.stats.advert_rcvd > 0);
    });
}

#[test]
fn stats_clear_zeroes_counters_and_keeps_state() {
    big(|| {
        let mut net = Net::new(vec![cfg("prio=200"), cfg("prio=100")], Instant::ZERO);
        net.run_until(t(10.0));
        let before = net.nodes[1]
            .core
            .as_ref()
            .unwrap()
            .instance(0)
            .unwrap()
            .stats;
        assert!(before.advert_rcvd > 3);
        net.nodes[1].core.as_mut().unwrap().clear_stats();
        let after = *net.nodes[1].core.as_ref().unwrap().instance(0).unwrap();
        assert_eq!(after.stats.advert_rcvd, 0);
        assert_eq!(net.state(1, 0), Some(State::Backup), "state untouched");
        net.run_until(t(13.0));
        let later = net.nodes[1]
            .core
            .as_ref()
            .unwrap()
            .instance(0)
            .unwrap()
            .stats;
        assert!(
            (2..=4).contains(&later.advert_rcvd),
            "counting goes on from zero"
        );
        assert_eq!(net.masters(0), vec![0]);
    });
}

/// 250 instances (VRIDs 1..250, one VIP each, default gratuitous ARP bursts) on three
/// nodes. Becoming master at the same instant queues far more actions than the queue holds;
/// the passes run in batches (`Core::has_more`/`resume`, as the daemon does) and nothing is
/// dropped (the simulator asserts `overflow == 0` after every drain). All 250 elect the
/// highest node, fail over together after a crash, and an orderly stop hands all 250 over
/// within Skew_Time, which proves every priority-0 advert went out.
#[test]
fn many_instances_elect_fail_over_and_stop_in_batches() {
    big(|| {
        const N: usize = 250;
        let node = |prio: u32| {
            let lines: Vec<String> = (1..=N)
                .map(|v| {
                    format!("instance VI_{v} iface=eth0 vrid={v} vip=198.51.100.{v} prio={prio}")
                })
                .collect();
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            build_config(&refs)
        };
        let mut net = Net::new(vec![node(200), node(150), node(100)], Instant::ZERO);
        net.run_until(t(10.0));
        for k in 0..N {
            assert_eq!(net.masters(k), vec![0], "instance {k} after election");
        }
        net.crash(0);
        net.run_until(t(20.0));
        for k in 0..N {
            assert_eq!(net.masters(k), vec![1], "instance {k} after the crash");
        }
        net.stop(1);
        let stopped = t(20.0);
        net.run_until(t(22.0));
        for k in 0..N {
            assert_eq!(net.masters(k), vec![2], "instance {k} after the stop");
            let took = net
                .last_entered(2, k as u16, State::Master)
                .expect("took over");
            // Skew_Time of priority 100 (v2): (256 − 100) / 256 s = 0.609375 s.
            assert!(
                took - stopped <= Duration::from_millis(610),
                "instance {k}: {:?}",
                took - stopped
            );
        }
    });
}
