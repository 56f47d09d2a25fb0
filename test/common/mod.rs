//! Shared test support for the core tests: a compact config builder (until `config::parse_str`
//! lands on main), a transcript renderer, and a big-stack runner (a `Config` is ~2.7 MB).
#![allow(dead_code)]

pub mod sim;

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};

use keepalived_rs::config::*;
use keepalived_rs::core::{Action, Core, State};
use keepalived_rs::time::Duration;
use keepalived_rs::wire::Destination;

/// Run `f` on a thread with a large stack (Config values are big; debug builds copy them).
pub fn big<F: FnOnce() + Send + 'static>(f: F) {
    let h = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(f)
        .expect("spawn");
    if let Err(e) = h.join() {
        std::panic::resume_unwind(e);
    }
}

fn s16(s: &str) -> IfName {
    let mut n = IfName::new();
    let _ = n.push_str(s);
    n
}
fn name(s: &str) -> Name {
    let mut n = Name::new();
    let _ = n.push_str(s);
    n
}

pub fn instance_default(n: &str) -> Instance {
    Instance {
        name: name(n),
        initial_state: InitialState::Backup,
        interface: Some(s16("eth0")),
        src_ip: None,
        peers: Slice::default(),
        mcast_group: None,
        unicast_ttl: 255,
        vrid: 51,
        priority: 100,
        advert_int: Duration::from_secs(1),
        version: 2,
        family: Family::V4,
        nopreempt: false,
        preempt_delay: Duration::ZERO,
        auth: Auth::None,
        vips: Slice::default(),
        evips: Slice::default(),
        vroutes: Slice::default(),
        tracks: Slice::default(),
        dont_track_primary: false,
        notifies: Notifies::default(),
        smtp_alert: false,
        garp: GarpParams::default(),
        down_timer_adverts: 3,
        lower_prio_no_advert: false,
        higher_prio_send_advert: false,
        accept: true,
        strict: false,
        skip_check_adv_addr: false,
        check_unicast_src: false,
        v3_checksum_as_v2: false,
        old_unicast_checksum: false,
        notify_priority_changes: false,
        sync_group: None,
    }
}

fn secs(v: &str) -> Duration {
    let f: f64 = v.parse().unwrap_or(0.0);
    Duration::from_micros((f * 1_000_000.0).round() as u64)
}

fn command(cfg: &mut Config, line: &str) -> CommandId {
    let mut l = CommandLine::new();
    let _ = l.push_str(line);
    let _ = cfg.commands.push(Command {
        line: l,
        user: None,
        group: None,
    });
    (cfg.commands.len() - 1) as CommandId
}

fn vip(addr: &str) -> Vip {
    let (a, p) = match addr.split_once('/') {
        Some((a, p)) => (a, p.parse().unwrap_or(32)),
        None => (addr, if addr.contains(':') { 128 } else { 32 }),
    };
    Vip {
        addr: a.parse().ok(),
        prefix: p,
        ..Default::default()
    }
}

/// Build a Config from compact lines (the scenario files' header):
/// `global key=value...`, `script NAME weight=N rise=N fall=N interval=S init_fail reverse`,
/// `file NAME weight=N`, `group NAME members=VI_1,VI_2 [track_script=..]`,
/// `instance NAME key=value...` (see `apply_instance_kv`).
pub fn build_config(lines: &[&str]) -> Box<Config> {
    let mut cfg = Box::<Config>::default();
    // First pass: scripts, files (instances refer to them by name).
    for l in lines {
        let mut w = l.split_whitespace();
        match w.next() {
            Some("script") => {
                let n = w.next().unwrap_or("chk");
                let cmd = command(&mut cfg, &format!("/bin/{n}"));
                let mut s = Script {
                    name: name(n),
                    command: cmd,
                    interval: Duration::from_secs(1),
                    timeout: Duration::from_secs(1),
                    weight: 0,
                    weight_reverse: false,
                    rise: 1,
                    fall: 1,
                    init_fail: false,
                };
                for kv in w {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    match k {
                        "weight" => s.weight = v.parse().unwrap_or(0),
                        "rise" => s.rise = v.parse().unwrap_or(1),
                        "fall" => s.fall = v.parse().unwrap_or(1),
                        "interval" => s.interval = secs(v),
                        "init_fail" => s.init_fail = true,
                        "reverse" => s.weight_reverse = true,
                        _ => panic!("script key {k}"),
                    }
                }
                let _ = cfg.scripts.push(s);
            }
            Some("file") => {
                let n = w.next().unwrap_or("f");
                let mut f = TrackFile {
                    name: name(n),
                    path: CommandLine::new(),
                    weight: 0,
                    weight_reverse: false,
                    init_value: None,
                    init_overwrite: false,
                };
                for kv in w {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    match k {
                        "weight" => f.weight = v.parse().unwrap_or(0),
                        "reverse" => f.weight_reverse = true,
                        _ => panic!("file key {k}"),
                    }
                }
                let _ = cfg.track_files.push(f);
            }
            _ => {}
        }
    }
    for l in lines {
        let mut w = l.split_whitespace();
        match w.next() {
            Some("global") => {
                for kv in w {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    let g = &mut cfg.global;
                    match k {
                        "notify_fifo" => {
                            let mut c = CommandLine::new();
                            let _ = c.push_str(v);
                            g.notify_fifo = Some(c);
                        }
                        "router_id" => g.router_id = Some(name(v)),
                        "no_email_faults" => g.no_email_faults = true,
                        "log_unknown_vrids" => g.log_unknown_vrids = true,
                        "notify_priority_changes" => g.notify_priority_changes = true,
                        _ => panic!("global key {k}"),
                    }
                }
            }
            Some("instance") => {
                let n = w.next().unwrap_or("VI_1");
                let mut inst = instance_default(n);
                let vip_start = cfg.vips.len() as u16;
                let mut evips: Vec<Vip> = Vec::new();
                let mut tracks: Vec<Track> = Vec::new();
                let mut peers: Vec<Peer> = Vec::new();
                let mut routes: Vec<Route> = Vec::new();
                for kv in w {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    match k {
                        "iface" => inst.interface = if v == "none" { None } else { Some(s16(v)) },
                        "vrid" => inst.vrid = v.parse().unwrap(),
                        "prio" => inst.priority = v.parse().unwrap(),
                        "state" => {
                            inst.initial_state = if v == "MASTER" {
                                InitialState::Master
                            } else {
                                InitialState::Backup
                            }
                        }
                        "version" => inst.version = v.parse().unwrap(),
                        "advert_int" => inst.advert_int = secs(v),
                        "src" => inst.src_ip = v.parse().ok(),
                        "vip" => {
                            let x = vip(v);
                            if x.ip().is_ipv6() {
                                inst.family = Family::V6;
                                inst.version = 3;
                            }
                            let _ = cfg.vips.push(x);
                        }
                        "evip" => evips.push(vip(v)),
                        "route" => routes.push(Route {
                            dst: v.split('/').next().and_then(|a| a.parse().ok()),
                            prefix: v
                                .split('/')
                                .nth(1)
                                .and_then(|p| p.parse().ok())
                                .unwrap_or(32),
                            kind: 1,
                            ..Default::default()
                        }),
                        "peer" => peers.push(Peer {
                            addr: v.parse().unwrap(),
                            min_ttl: 0,
                            max_ttl: 0,
                        }),
                        "nopreempt" => inst.nopreempt = true,
                        "preempt_delay" => inst.preempt_delay = secs(v),
                        "pass" => {
                            let mut k = [0u8; 8];
                            for (d, s) in k.iter_mut().zip(v.bytes()) {
                                *d = s;
                            }
                            inst.auth = Auth::Pass(k);
                        }
                        "ah" => {
                            let mut k = [0u8; 8];
                            for (d, s) in k.iter_mut().zip(v.bytes()) {
                                *d = s;
                            }
                            inst.auth = Auth::Ah(k);
                        }
                        "lower_prio_no_advert" => inst.lower_prio_no_advert = true,
                        "higher_prio_send_advert" => inst.higher_prio_send_advert = true,
                        "strict" => inst.strict = true,
                        "skip_check_adv_addr" => inst.skip_check_adv_addr = true,
                        "check_unicast_src" => inst.check_unicast_src = true,
                        "old_unicast_checksum" => inst.old_unicast_checksum = true,
                        "v3_checksum_as_v2" => inst.v3_checksum_as_v2 = true,
                        "dont_track_primary" => inst.dont_track_primary = true,
                        "smtp_alert" => inst.smtp_alert = true,
                        "down_timer_adverts" => inst.down_timer_adverts = v.parse().unwrap(),
                        "garp_delay" => inst.garp.master_delay = secs(v),
                        "garp_repeat" => inst.garp.master_repeat = v.parse().unwrap(),
                        "garp_refresh" => inst.garp.master_refresh = secs(v),
                        "garp_interval" => inst.garp.interval = secs(v),
                        "garp_lower_prio_repeat" => {
                            inst.garp.lower_prio_repeat = v.parse().unwrap()
                        }
                        "garp_lower_prio_delay" => inst.garp.lower_prio_delay = secs(v),
                        "notify_priority_changes" => inst.notify_priority_changes = true,
                        "notify" => inst.notifies.generic = Some(command(&mut cfg, v)),
                        "notify_master" => inst.notifies.master = Some(command(&mut cfg, v)),
                        "notify_backup" => inst.notifies.backup = Some(command(&mut cfg, v)),
                        "notify_fault" => inst.notifies.fault = Some(command(&mut cfg, v)),
                        "notify_stop" => inst.notifies.stop = Some(command(&mut cfg, v)),
                        "notify_master_rx_lower_pri" => {
                            inst.notifies.master_rx_lower_pri = Some(command(&mut cfg, v))
                        }
                        "track_script" | "track_file" | "track_interface" => {
                            let mut parts = v.split(':');
                            let tn = parts.next().unwrap_or("");
                            let weight = parts.next().map(|x| x.parse().unwrap());
                            let reverse = parts.next() == Some("reverse");
                            let target = match k {
                                "track_script" => TrackTarget::Script(
                                    cfg.scripts.iter().position(|s| s.name == tn).unwrap() as u16,
                                ),
                                "track_file" => TrackTarget::File(
                                    cfg.track_files.iter().position(|s| s.name == tn).unwrap()
                                        as u16,
                                ),
                                _ => TrackTarget::Interface(s16(tn)),
                            };
                            tracks.push(Track {
                                target,
                                weight,
                                reverse,
                            });
                        }
                        _ => panic!("instance key {k}"),
                    }
                }
                inst.vips = Slice {
                    start: vip_start,
                    len: cfg.vips.len() as u16 - vip_start,
                };
                let s = cfg.vips.len() as u16;
                for e in evips {
                    let _ = cfg.vips.push(e);
                }
                inst.evips = Slice {
                    start: s,
                    len: cfg.vips.len() as u16 - s,
                };
                let s = cfg.tracks.len() as u16;
                for t in tracks {
                    let _ = cfg.tracks.push(t);
                }
                inst.tracks = Slice {
                    start: s,
                    len: cfg.tracks.len() as u16 - s,
                };
                let s = cfg.peers.len() as u16;
                for p in peers {
                    let _ = cfg.peers.push(p);
                }
                inst.peers = Slice {
                    start: s,
                    len: cfg.peers.len() as u16 - s,
                };
                let s = cfg.routes.len() as u16;
                for r in routes {
                    let _ = cfg.routes.push(r);
                }
                inst.vroutes = Slice {
                    start: s,
                    len: cfg.routes.len() as u16 - s,
                };
                if inst.priority == 255 && inst.initial_state == InitialState::Backup {
                    // keepalived: absent `state` with priority 255 means MASTER.
                }
                let _ = cfg.instances.push(inst);
            }
            Some("group") => {
                let n = w.next().unwrap_or("VG_1");
                let mut g = SyncGroup {
                    name: name(n),
                    members: heapless::Vec::new(),
                    tracks: Slice::default(),
                    notifies: Notifies::default(),
                    smtp_alert: false,
                    sync_group_tracking_weight: false,
                };
                let gi = cfg.sync_groups.len() as u16;
                for kv in w {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    match k {
                        "members" => {
                            for m in v.split(',') {
                                let idx = cfg.instance_by_name(m).unwrap();
                                let _ = g.members.push(idx as u16);
                                cfg.instances[idx].sync_group = Some(gi);
                            }
                        }
                        "notify" => g.notifies.generic = Some(command(&mut cfg, v)),
                        "tracking_weight" => g.sync_group_tracking_weight = true,
                        _ => panic!("group key {k}"),
                    }
                }
                let _ = cfg.sync_groups.push(g);
            }
            _ => {}
        }
    }
    cfg
}

/// Render one action as a transcript line (logs with their catalogue text).
pub fn render(core: &Core, a: &Action) -> String {
    let cfg = core.config();
    let iname = |i: u16| cfg.instances[i as usize].name.as_str().to_string();
    let mut s = String::new();
    match a {
        Action::SendAdvert(x) => {
            let dst = match x.dst {
                Destination::Multicast(a) => format!("mcast {a}"),
                Destination::Unicast(a) => format!("ucast {a}"),
            };
            let src = core
                .advert_tx(x)
                .map(|t| t.src.to_string())
                .unwrap_or_else(|| "-".into());
            let name = if x.prev {
                let old = core.previous_config().expect("previous config");
                format!("old {}", old.instances[x.instance as usize].name)
            } else {
                iname(x.instance)
            };
            let _ = write!(
                s,
                "advert ({}) prio={} src={} dst={} ip_id={}",
                name, x.priority, src, dst, x.ip_id
            );
        }
        Action::AddVip { instance, vip } => {
            let _ = write!(
                s,
                "add-vip ({}) {}",
                iname(*instance),
                cfg.vips[*vip as usize].ip()
            );
        }
        Action::DelVip { instance, vip } => {
            let _ = write!(
                s,
                "del-vip ({}) {}",
                iname(*instance),
                cfg.vips[*vip as usize].ip()
            );
        }
        Action::DelOldVip { vip } => {
            let old = core.previous_config().expect("previous config");
            let _ = write!(s, "del-old-vip {}", old.vips[*vip as usize].ip());
        }
        Action::AddRoute { instance, route } => {
            let r = route_text(&cfg.routes[*route as usize]);
            let _ = write!(s, "add-route ({}) {r}", iname(*instance));
        }
        Action::DelRoute { instance, route } => {
            let r = route_text(&cfg.routes[*route as usize]);
            let _ = write!(s, "del-route ({}) {r}", iname(*instance));
        }
        Action::InstanceDeleted { instance, priority } => {
            let old = core.previous_config().expect("previous config");
            let _ = write!(
                s,
                "instance-deleted ({}) prio={priority}",
                old.instances[*instance as usize].name
            );
        }
        Action::DelOldRoute { route } => {
            let old = core.previous_config().expect("previous config");
            let _ = write!(
                s,
                "del-old-route {}",
                route_text(&old.routes[*route as usize])
            );
        }
        Action::SendGarp { ifindex, addr, .. } => {
            let _ = write!(s, "garp if={ifindex} {addr}");
        }
        Action::SendNa { ifindex, addr, .. } => {
            let _ = write!(s, "na if={ifindex} {addr}");
        }
        Action::RunScript { script } => {
            let _ = write!(s, "run-script {}", cfg.scripts[*script as usize].name);
        }
        Action::RunNotify { command, args } => {
            let _ = write!(s, "notify {}", cfg.commands[*command as usize].line);
            if let Some(a) = args {
                let mut l = String::new();
                let _ = keepalived_rs::core::action::fifo_line(cfg, a, &mut l);
                let l = l.replace('"', "");
                let _ = write!(s, " {l}");
            }
        }
        Action::FifoLine(a) => {
            let mut l = String::new();
            let _ = keepalived_rs::core::action::fifo_line(cfg, a, &mut l);
            let _ = write!(s, "fifo {l}");
        }
        Action::SmtpAlert { subject, state } => {
            let mut l = String::new();
            let _ = keepalived_rs::core::action::smtp_subject(cfg, *subject, *state, &mut l);
            let _ = write!(s, "smtp {l}");
        }
        Action::Log(l) => {
            let _ = write!(
                s,
                "log{} {}",
                if l.detail { "-D" } else { "" },
                l.msg.display(cfg)
            );
        }
        Action::StateChanged { instance, state } => {
            let _ = write!(s, "state ({}) {:?}", iname(*instance), state);
        }
    }
    s
}

pub fn state_name(s: State) -> &'static str {
    match s {
        State::Init => "INIT",
        State::Backup => "BACKUP",
        State::Master => "MASTER",
        State::Fault => "FAULT",
    }
}

pub fn v4(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}
pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A route as `ip route` would show its key: `DST/LEN [via GW] [dev IF] [metric M]`.
fn route_text(r: &keepalived_rs::config::Route) -> String {
    let mut t = match r.dst {
        Some(d) => format!("{d}/{}", r.prefix),
        None => format!("?/{}", r.prefix),
    };
    if let Some(v) = r.via {
        let _ = write!(t, " via {v}");
    }
    if let Some(d) = &r.dev {
        let _ = write!(t, " dev {d}");
    }
    if let Some(m) = r.metric {
        let _ = write!(t, " metric {m}");
    }
    t
}
