//! `Core::handle` allocates nothing in steady state: a counting global allocator (per
//! thread) around every event kind except `Reload` (which builds the new tables).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::IpAddr;

use common::*;
use keepalived_rs::core::{Actions, Core, Event, IfInfo, ScriptResult, State};
use keepalived_rs::time::{Duration, Instant};
use keepalived_rs::wire::{AddrList, RxAdvert};

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

struct Counting;

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn count() -> u64 {
    ALLOCS.with(|c| c.get())
}

fn advert(prio: u8, src: &str) -> RxAdvert<'static> {
    let mut addrs = AddrList::new();
    let _ = addrs.push("192.0.2.100".parse().unwrap());
    RxAdvert {
        src: src.parse().unwrap(),
        dst: "224.0.0.18".parse().unwrap(),
        ttl: 255,
        ip_len_ok: true,
        ah: None,
        vrrp: &[],
        ip_packet: &[],
        version: 2,
        kind: 1,
        vrid: 51,
        priority: prio,
        naddr: 1,
        auth_type: 0,
        adver_int_cs: 100,
        auth_data: [0; 8],
        addrs,
        length_ok: true,
    }
}

#[test]
fn handle_allocates_nothing_in_steady_state() {
    big(|| {
        let cfg = build_config(&[
            "global notify_fifo=/run/f",
            "script chk weight=0",
            "script w weight=5",
            "instance VI_1 iface=eth0 vrid=51 prio=100 vip=192.0.2.100 evip=192.0.2.200 route=198.51.100.0/24 track_script=chk track_script=w notify=/bin/n smtp_alert",
            "instance VI_2 iface=eth1 vrid=52 prio=100 vip=198.51.100.1",
            "group VG members=VI_1,VI_2 notify=/bin/g",
        ]);
        let mut core = Core::new(&cfg);
        let mut out = Actions::new();
        let eth = |n: &'static str, i: u32, up: bool| IfInfo {
            name: n,
            ifindex: i,
            up,
            ipv4: Some([192, 0, 2, 10].into()),
            ll6: None,
            mac: [0; 6],
        };
        // Interfaces reported once before the run (the table fills here).
        core.handle(
            Instant::ZERO,
            Event::Interface(eth("eth0", 1, true)),
            &mut out,
        );
        core.handle(
            Instant::ZERO,
            Event::Interface(eth("eth1", 2, true)),
            &mut out,
        );
        out.clear();
        let before = count();
        let mut now = Instant::from_secs(1);
        core.handle(now, Event::Start, &mut out);
        out.clear();
        let ok = ScriptResult::Exited(0);
        core.handle(
            now,
            Event::Script {
                script: 0,
                result: ok,
            },
            &mut out,
        );
        core.handle(
            now,
            Event::Script {
                script: 1,
                result: ok,
            },
            &mut out,
        );
        let higher = advert(200, "192.0.2.11");
        let lower = advert(50, "192.0.2.11");
        let zero = advert(0, "192.0.2.11");
        for step in 0..2000u32 {
            now += Duration::from_millis(50);
            while let Some(d) = core.next_deadline() {
                if d > now {
                    break;
                }
                core.handle(d, Event::Timer, &mut out);
                out.clear();
            }
            let rx = match step % 97 {
                0..=40 => None,
                41..=60 => Some(&higher),
                61..=70 => Some(&lower),
                _ => Some(&zero),
            };
            if let Some(rx) = rx {
                if step % 400 < 200 {
                    core.handle(
                        now,
                        Event::Advert {
                            ifindex: 1,
                            rx,
                            checksum_verified: true,
                        },
                        &mut out,
                    );
                }
            }
            if step % 333 == 0 {
                core.handle(
                    now,
                    Event::Interface(eth("eth1", 2, step % 666 != 0)),
                    &mut out,
                );
            }
            if step % 250 == 0 {
                let result = ScriptResult::Exited((step / 250 % 2) as i32);
                core.handle(now, Event::Script { script: 1, result }, &mut out);
            }
            if step % 500 == 7 {
                let addr: IpAddr = "192.0.2.100".parse().unwrap();
                core.handle(now, Event::VipDeleted { ifindex: 1, addr }, &mut out);
            }
            out.clear();
        }
        let seen_master = core.instances().iter().any(|r| r.stats.become_master > 0);
        core.handle(now, Event::Shutdown, &mut out);
        let n = count() - before;
        assert!(seen_master, "the run went through MASTER");
        assert_eq!(n, 0, "allocations in steady state");
        let _ = State::Init;
    });
}

/// `Core::new` and a reload work on an ordinary 2 MiB test thread (no megabyte stack copies).
#[test]
fn core_new_and_reload_on_a_small_stack() {
    let h = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let text = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n virtual_ipaddress {\n 192.0.2.100\n }\n}\n";
            let loaded = keepalived_rs::config::parse_str("t.conf", text, &Default::default());
            let cfg = loaded.config.expect("config");
            let mut core = Core::new(&cfg);
            let mut out = Actions::new();
            core.handle(Instant::ZERO, Event::Start, &mut out);
            core.handle(Instant::from_secs(1), Event::Reload(&cfg), &mut out);
            core.handle(Instant::from_secs(2), Event::Reload(&cfg), &mut out);
            core.instances().len()
        })
        .expect("spawn");
    assert_eq!(h.join().expect("no stack overflow"), 1);
}

/// Process counts (`vrrp_track_process`), with their delays and the FAULT they cause,
/// allocate nothing either.
#[test]
fn track_process_events_allocate_nothing() {
    big(|| {
        let text = "vrrp_track_process p {\n process srv\n delay 0.5\n}\n\
                    vrrp_track_process q {\n process web\n weight 10 reverse\n quorum 2\n}\n\
                    vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n \
                    virtual_ipaddress {\n 192.0.2.100\n }\n track_process {\n p\n q\n }\n}\n";
        let loaded = keepalived_rs::config::parse_str("t.conf", text, &Default::default());
        let cfg = loaded.config.expect("config");
        let mut core = Core::new(&cfg);
        let mut out = Actions::new();
        let eth0 = IfInfo {
            name: "eth0",
            ifindex: 1,
            up: true,
            ipv4: Some([192, 0, 2, 10].into()),
            ll6: None,
            mac: [0; 6],
        };
        core.handle(Instant::ZERO, Event::Interface(eth0), &mut out);
        let ev = |process, count| Event::TrackProcess { process, count };
        core.handle(Instant::ZERO, ev(0, 1), &mut out);
        out.clear();
        let before = count();
        let mut now = Instant::from_secs(1);
        core.handle(now, Event::Start, &mut out);
        out.clear();
        let mut faults = 0;
        for step in 0..2000u32 {
            now += Duration::from_millis(100);
            while let Some(d) = core.next_deadline() {
                if d > now {
                    break;
                }
                core.handle(d, Event::Timer, &mut out);
                out.clear();
            }
            if step % 50 == 0 {
                core.handle(now, ev(0, step / 50 % 2), &mut out);
            }
            if step % 30 == 0 {
                core.handle(now, ev(1, step / 30 % 4), &mut out);
            }
            if core.instances().first().map(|r| r.state) == Some(State::Fault) {
                faults += 1;
            }
            out.clear();
        }
        let n = count() - before;
        assert!(faults > 0, "the run went through FAULT");
        assert_eq!(n, 0, "allocations in steady state");
    });
}
