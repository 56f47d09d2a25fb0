//! Replay scenarios (holo style): `test/scenarios/<name>/scenario.txt` holds timestamped input
//! events and the config, either as a real `keepalived.conf` (+ `reload.conf`) next to it,
//! parsed by `config::parse_str`, or as compact `config ...` / `reload ...` lines; `expected.txt` the transcript of actions
//! with their times plus the final state. Before each input at time T the runner fires every
//! deadline ≤ T (at the deadline's own time), exactly as the daemon's timerfd would.
//! `UPDATE_GOLDEN=1 cargo test --test core_scenarios` regenerates the expected files.
//!
//! Input lines:
//! - `@T iface NAME IFINDEX up|down [IPV4] [LL6] [mac=XX:..]` (default MAC 02:00:00:00:00:01),
//!   `@T ifgone IFINDEX`, `@T start`, `@T end`, `@T shutdown`
//! - `@T advert key=value...` (src, prio, vrid, ttl, version, int (cs), addrs=a,b, naddr,
//!   type, auth, pass, dst, ifindex): an advert as decoded by the wire layer
//! - `@T script NAME exit N|signal N|timeout|nostart`, `@T file NAME VALUE`,
//!   `@T process NAME COUNT` (matching processes of a `vrrp_track_process`)
//! - `@T vipdel ADDR`, `@T reload` (applies the `reload ...` config lines)
//! - `@T socket IFINDEX v4|ah|v6 ok|fail`: the daemon could (not) open that raw socket
//! - `@T arp IFINDEX SENDER_IP SENDER_MAC`: an ARP request/reply seen on the interface (the
//!   scenario interfaces' MAC is 02:00:00:00:00:01 unless given)

mod common;

const MIN_SCENARIOS: usize = 30;

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::Path;

use common::*;
use keepalived_rs::config::{Auth, Config};
use keepalived_rs::core::{Actions, Core, Event, IfInfo, ScriptResult};
use keepalived_rs::time::{Duration, Instant};
use keepalived_rs::wire::{AddrList, RxAdvert};

fn parse_time(t: &str) -> Instant {
    let f: f64 = t.parse().expect("time");
    Instant::from_micros((f * 1_000_000.0).round() as u64)
}

fn fmt_time(t: Instant) -> String {
    let us = t.as_micros();
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

struct Runner {
    core: Core,
    out: Actions,
    log: String,
    now: Instant,
}

impl Runner {
    fn drain(&mut self) {
        while let Some(a) = self.out.pop() {
            let line = render(&self.core, &a);
            let _ = writeln!(self.log, "@{} {}", fmt_time(self.now), line);
        }
        assert_eq!(self.out.overflow, 0, "actions overflowed");
    }
    fn advance(&mut self, to: Instant) {
        while let Some(d) = self.core.next_deadline() {
            if d > to {
                break;
            }
            self.now = d.max(self.now);
            self.core.handle(self.now, Event::Timer, &mut self.out);
            self.drain();
        }
        self.now = to.max(self.now);
    }
}

fn advert(cfg: &Config, args: &[&str]) -> (u32, RxAdvert<'static>) {
    let inst = &cfg.instances[0];
    let mut src: IpAddr = "192.0.2.11".parse().unwrap();
    let mut prio = 100u8;
    let mut vrid = inst.vrid;
    let mut ttl = 255u8;
    let mut version = inst.version;
    let mut int_cs = if inst.version == 2 {
        (inst.advert_int.as_secs() * 100) as u16
    } else {
        inst.advert_int.as_centis() as u16
    };
    let mut addrs = AddrList::new();
    for v in cfg.vips_of(inst.vips) {
        let _ = addrs.push(v.ip());
    }
    let mut naddr: Option<u8> = None;
    let mut kind = 1u8;
    let (mut auth_type, mut auth_data) = match inst.auth {
        Auth::None => (0u8, [0u8; 8]),
        Auth::Pass(k) => (1, k),
        Auth::Ah(_) => (2, [0; 8]),
    };
    let mut dst: IpAddr = if inst.peers.is_empty() {
        inst.mcast_group
            .unwrap_or(IpAddr::V4(cfg.global.mcast_group4))
    } else {
        inst.src_ip.unwrap_or("192.0.2.10".parse().unwrap())
    };
    if inst.family == keepalived_rs::config::Family::V6 {
        dst = cfg.global.mcast_group6;
        src = "fe80::11".parse().unwrap();
    }
    let mut ifindex = 1u32;
    for kv in args {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        match k {
            "src" => src = v.parse().unwrap(),
            "prio" => prio = v.parse().unwrap(),
            "vrid" => vrid = v.parse().unwrap(),
            "ttl" => ttl = v.parse().unwrap(),
            "version" => version = v.parse().unwrap(),
            "int" => int_cs = v.parse().unwrap(),
            "addrs" => {
                addrs.clear();
                for a in v.split(',').filter(|a| !a.is_empty()) {
                    let _ = addrs.push(a.parse().unwrap());
                }
            }
            "naddr" => naddr = Some(v.parse().unwrap()),
            "type" => kind = v.parse().unwrap(),
            "auth" => auth_type = v.parse().unwrap(),
            "pass" => {
                auth_data = [0; 8];
                for (d, s) in auth_data.iter_mut().zip(v.bytes()) {
                    *d = s;
                }
            }
            "dst" => dst = v.parse().unwrap(),
            "ifindex" => ifindex = v.parse().unwrap(),
            _ => panic!("advert key {k}"),
        }
    }
    let rx = RxAdvert {
        src,
        dst,
        ttl,
        ip_len_ok: true,
        ah: None,
        vrrp: &[],
        ip_packet: &[],
        version,
        kind,
        vrid,
        priority: prio,
        naddr: naddr.unwrap_or(addrs.len() as u8),
        auth_type: if version == 3 { 0 } else { auth_type },
        adver_int_cs: int_cs,
        auth_data,
        addrs,
        length_ok: true,
    };
    (ifindex, rx)
}

fn run_scenario(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("scenario.txt")).expect("scenario.txt");
    let cfg_lines: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("config "))
        .collect();
    let reload_lines: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("reload "))
        .collect();
    // A real keepalived.conf (parsed by config::parse_str) when the scenario has one,
    // else the compact `config ...` lines.
    let conf = |file: &str| -> Option<Box<Config>> {
        let text = std::fs::read_to_string(dir.join(file)).ok()?;
        let loaded = keepalived_rs::config::parse_str(file, &text, &Default::default());
        Some(
            loaded
                .config
                .unwrap_or_else(|| panic!("{file}: {:?}", loaded.diags)),
        )
    };
    let cfg = conf("keepalived.conf").unwrap_or_else(|| build_config(&cfg_lines));
    let new_cfg = conf("reload.conf").or_else(|| {
        if reload_lines.is_empty() {
            None
        } else {
            Some(build_config(&reload_lines))
        }
    });
    let mut r = Runner {
        core: Core::new(&cfg),
        out: Actions::new(),
        log: String::new(),
        now: Instant::ZERO,
    };
    for line in text.lines() {
        let Some(rest) = line.strip_prefix('@') else {
            continue;
        };
        let mut w = rest.split_whitespace();
        let t = parse_time(w.next().expect("time"));
        r.advance(t);
        let words: Vec<&str> = w.collect();
        let now = r.now;
        match words.first().copied() {
            Some("iface") => {
                let (macw, pos): (Vec<&str>, Vec<&str>) =
                    words.iter().partition(|w| w.starts_with("mac="));
                let ipv4 = pos.get(4).and_then(|a| a.parse().ok());
                let ll6 = pos.get(5).and_then(|a| a.parse().ok());
                let mut mac = [2, 0, 0, 0, 0, 1];
                if let Some(m) = macw.first().and_then(|w| w.strip_prefix("mac=")) {
                    for (b, h) in mac.iter_mut().zip(m.split(':')) {
                        *b = u8::from_str_radix(h, 16).expect("mac");
                    }
                }
                let info = IfInfo {
                    name: pos[1],
                    ifindex: pos[2].parse().unwrap(),
                    up: pos[3] == "up",
                    ipv4,
                    ll6,
                    mac,
                };
                r.core.handle(now, Event::Interface(info), &mut r.out);
            }
            Some("start") => r.core.handle(now, Event::Start, &mut r.out),
            Some("ifgone") => {
                let ifindex = words[1].parse().unwrap();
                r.core
                    .handle(now, Event::InterfaceGone { ifindex }, &mut r.out);
            }
            Some("shutdown") => r.core.handle(now, Event::Shutdown, &mut r.out),
            Some("advert") => {
                let (ifindex, rx) = advert(r.core.config(), &words[1..]);
                r.core.handle(
                    now,
                    Event::Advert {
                        ifindex,
                        rx: &rx,
                        checksum_verified: true,
                    },
                    &mut r.out,
                );
            }
            Some("script") => {
                let idx = r
                    .core
                    .config()
                    .scripts
                    .iter()
                    .position(|s| s.name == words[1])
                    .unwrap() as u16;
                let result = match words[2] {
                    "exit" => ScriptResult::Exited(words[3].parse().unwrap()),
                    "signal" => ScriptResult::Signalled(words[3].parse().unwrap()),
                    "timeout" => ScriptResult::TimedOut,
                    _ => ScriptResult::FailedToStart,
                };
                r.core.handle(
                    now,
                    Event::Script {
                        script: idx,
                        result,
                    },
                    &mut r.out,
                );
            }
            Some("file") => {
                let idx = r
                    .core
                    .config()
                    .track_files
                    .iter()
                    .position(|s| s.name == words[1])
                    .unwrap() as u16;
                let value = words[2].parse().unwrap();
                r.core
                    .handle(now, Event::TrackFile { file: idx, value }, &mut r.out);
            }
            Some("process") => {
                let idx = r
                    .core
                    .config()
                    .track_processes
                    .iter()
                    .position(|s| s.name == words[1])
                    .unwrap() as u16;
                let count = words[2].parse().unwrap();
                let ev = Event::TrackProcess {
                    process: idx,
                    count,
                };
                r.core.handle(now, ev, &mut r.out);
            }
            Some("vipdel") => {
                let addr = words[1].parse().unwrap();
                r.core
                    .handle(now, Event::VipDeleted { ifindex: 1, addr }, &mut r.out);
            }
            Some("reload") => {
                let c = new_cfg.as_ref().expect("reload lines");
                r.core.handle(now, Event::Reload(c), &mut r.out);
            }
            Some("arp") => {
                let mut mac = [0u8; 6];
                for (m, h) in mac.iter_mut().zip(words[3].split(':')) {
                    *m = u8::from_str_radix(h, 16).expect("mac");
                }
                let ev = Event::Arp {
                    ifindex: words[1].parse().unwrap(),
                    sender_ip: words[2].parse().unwrap(),
                    sender_mac: mac,
                };
                r.core.handle(now, ev, &mut r.out);
            }
            Some("socket") => {
                let (family, ah) = match words[2] {
                    "v6" => (keepalived_rs::config::Family::V6, false),
                    "ah" => (keepalived_rs::config::Family::V4, true),
                    _ => (keepalived_rs::config::Family::V4, false),
                };
                let ev = Event::Socket {
                    ifindex: words[1].parse().unwrap(),
                    family,
                    ah,
                    ok: words[3] == "ok",
                };
                r.core.handle(now, ev, &mut r.out);
            }
            Some("end") => {}
            other => panic!("unknown input {other:?}"),
        }
        r.drain();
    }
    for (i, rt) in r.core.instances().iter().enumerate() {
        let name = &r.core.config().instances[i].name;
        let s = &rt.stats;
        let _ = writeln!(
            r.log,
            "final ({name}) {} eff={} base={} rcvd={} sent={} become_master={} release_master={} \
             len={} ttl={} type={} int={} addr={} authtype={} authmismatch={} authfail={} \
             pri0rcvd={} pri0sent={} version={} split_brain={}",
            state_name(rt.state),
            rt.effective_priority,
            rt.base_priority,
            s.advert_rcvd,
            s.advert_sent,
            s.become_master,
            s.release_master,
            s.packet_len_err,
            s.ip_ttl_err,
            s.invalid_type_rcvd,
            s.advert_interval_err,
            s.addr_list_err,
            s.invalid_authtype,
            s.authtype_mismatch,
            s.auth_failure,
            s.pri_zero_rcvd,
            s.pri_zero_sent,
            s.version_err,
            s.split_brain
        );
    }
    let _ = Duration::ZERO;
    r.log
}

#[test]
fn scenarios() {
    big(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("test/scenarios");
        let mut dirs: Vec<_> = std::fs::read_dir(&root)
            .expect("scenarios dir")
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.join("scenario.txt").exists())
            .collect();
        dirs.sort();
        assert!(
            dirs.len() >= MIN_SCENARIOS,
            "expected at least 20 scenarios"
        );
        let update = std::env::var_os("UPDATE_GOLDEN").is_some();
        let mut failed = Vec::new();
        for d in &dirs {
            let got = run_scenario(d);
            let exp_path = d.join("expected.txt");
            if update {
                std::fs::write(&exp_path, &got).unwrap();
                continue;
            }
            let exp = std::fs::read_to_string(&exp_path).unwrap_or_default();
            if exp != got {
                eprintln!("=== {} differs; got:\n{got}", d.display());
                failed.push(d.file_name().unwrap().to_string_lossy().to_string());
            }
        }
        assert!(failed.is_empty(), "scenarios differ: {failed:?}");
    });
}

/// A foreign ARP claim for a VIP sets the instance's `split_brain` flag (the JSON dump's
/// `split_brain`) on a master only; the next election clears it as for adverts.
#[test]
fn arp_split_brain_sets_the_flag_on_a_master_only() {
    big(|| {
        let text = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 50\n \
                    priority 100\n state BACKUP\n virtual_ipaddress {\n 192.0.2.100\n }\n}\n";
        let loaded = keepalived_rs::config::parse_str("t.conf", text, &Default::default());
        let cfg = loaded.config.expect("config");
        let mut core = Core::new(&cfg);
        let mut out = Actions::new();
        let info = IfInfo {
            name: "eth0",
            ifindex: 1,
            up: true,
            ipv4: Some("192.0.2.11".parse().unwrap()),
            ll6: None,
            mac: [2, 0, 0, 0, 0, 1],
        };
        let mut now = Instant::ZERO;
        core.handle(now, Event::Interface(info), &mut out);
        core.handle(now, Event::Start, &mut out);
        let arp = Event::Arp {
            ifindex: 1,
            sender_ip: "192.0.2.100".parse().unwrap(),
            sender_mac: [0x5a, 0x1d, 0x27, 0x1d, 0x53, 0xba],
        };
        core.handle(now, arp, &mut out);
        assert!(!core.instances()[0].split_brain, "backup: no split brain");
        while core.instances()[0].state != keepalived_rs::core::State::Master {
            now = core.next_deadline().expect("deadline");
            core.handle(now, Event::Timer, &mut out);
            while out.pop().is_some() {}
        }
        let own = Event::Arp {
            ifindex: 1,
            sender_ip: "192.0.2.100".parse().unwrap(),
            sender_mac: [2, 0, 0, 0, 0, 1],
        };
        core.handle(now, own, &mut out);
        assert!(!core.instances()[0].split_brain, "our own GARP");
        core.handle(now, arp, &mut out);
        assert!(core.instances()[0].split_brain);
        assert_eq!(core.instances()[0].stats.split_brain, 1);
    });
}

/// A check script whose command cannot run (refused by script security, not found) is dropped
/// from tracking as keepalived does: never run, and a weight-0 tracker that would otherwise
/// hold the instance in FAULT (pending) lets it become MASTER.
#[test]
fn a_disabled_check_script_neither_runs_nor_counts() {
    big(|| {
        let text = "vrrp_script chk {\n script \"/nonexistent/chk.sh\"\n interval 1\n}\n\
                    vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 50\n \
                    priority 100\n state BACKUP\n virtual_ipaddress {\n 192.0.2.100\n }\n \
                    track_script {\n chk\n }\n}\n";
        let loaded = keepalived_rs::config::parse_str("t.conf", text, &Default::default());
        let cfg = loaded.config.expect("config");
        let mut core = Core::new(&cfg);
        let mut out = Actions::new();
        let info = IfInfo {
            name: "eth0",
            ifindex: 1,
            up: true,
            ipv4: Some("192.0.2.11".parse().unwrap()),
            ll6: None,
            mac: [2, 0, 0, 0, 0, 1],
        };
        let mut now = Instant::ZERO;
        core.handle(now, Event::Interface(info), &mut out);
        core.set_script_disabled(now, 0, true, &mut out);
        core.handle(now, Event::Start, &mut out);
        let mut ran = 0;
        for _ in 0..50 {
            while let Some(a) = out.pop() {
                if matches!(a, keepalived_rs::core::Action::RunScript { .. }) {
                    ran += 1;
                }
            }
            if core.instances()[0].state == keepalived_rs::core::State::Master {
                break;
            }
            now = core.next_deadline().expect("deadline");
            core.handle(now, Event::Timer, &mut out);
        }
        assert_eq!(ran, 0, "a disabled script is never run");
        assert_eq!(
            core.instances()[0].state,
            keepalived_rs::core::State::Master
        );
        // Enabled again (a reload fixed it): it runs and, unreported, holds the instance.
        core.set_script_disabled(now, 0, false, &mut out);
        let mut runs = 0;
        while let Some(a) = out.pop() {
            runs += matches!(a, keepalived_rs::core::Action::RunScript { .. }) as u32;
        }
        now = core.next_deadline().expect("deadline");
        core.handle(now, Event::Timer, &mut out);
        while let Some(a) = out.pop() {
            runs += matches!(a, keepalived_rs::core::Action::RunScript { .. }) as u32;
        }
        assert_eq!(runs, 1);
        assert!(core.instances()[0].pending);
    });
}
