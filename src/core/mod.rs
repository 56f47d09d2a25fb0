//! The protocol, sans-IO: `Core::handle(now, event, &mut actions)` and `next_deadline()`.
//!
//! No clock, no fd, no libc and no allocation per event: the only time input is the
//! monotonic `now` argument; all tables are `heapless` and sized by [`crate::limits`].
//! Memory is allocated once in [`Core::new`] (the config copy and the runtime tables, boxed
//! because they are large) and again only on `Event::Reload`. `test/core_alloc.rs` proves
//! that every other event allocates nothing.
//!
//! ## Driving it (the daemon's loop)
//! ```text
//! let mut core = Core::new(&config);            // once; Box<Config> inside
//! for each interface: core.handle(now, Event::Interface(IfInfo{..}), &mut acts);
//! core.handle(now, Event::Start, &mut acts);    // after vrrp_startup_delay, if any
//! loop {
//!     execute(&core, &mut acts);                // drain in order (see below)
//!     timerfd.arm_at(core.next_deadline());     // None = disarm
//!     wait; now = CLOCK_MONOTONIC;
//!     timer fired    → core.handle(now, Event::Timer, ..)
//!     raw v4 packet  → Event::Packet4 { ifindex, bytes }
//!     raw v6 message → Event::Packet6 { ifindex, src, dst, hop_limit, bytes }
//!     ARP frame      → Event::Arp { ifindex, sender_ip, sender_mac } (split-brain report)
//!     netlink        → Event::Interface / InterfaceGone / VipDeleted (not ours)
//!     raw socket open → Event::Socket { ifindex, family, ah, ok } (at start, reload, new link)
//!     child exit     → Event::Script { script, result } (check scripts only)
//!     inotify        → Event::TrackFile { file, value }
//!     /proc scan     → Event::TrackProcess { process, count }
//!     SIGHUP         → Event::Reload(&new_config) (parsed and validated first)
//!     SIGTERM        → Event::Shutdown, execute, exit
//! }
//! ```
//! Executing actions: `SendAdvert(a)` → `core.advert_tx(&a)` → `wire::emit_advert` → send on
//! `a.ifindex`; `AddVip/DelVip{vip}` index `core.config().vips`, `DelOldVip{vip}` index
//! `core.previous_config().vips` (after a reload); routes likewise; `SendGarp/SendNa` one
//! packet each (spacing is already planned by the core); `RunScript{script}` spawns
//! `config.scripts[script]` and reports back with `Event::Script`; `RunNotify{command,args}`
//! runs `config.commands[command]` with the 4 extra argv items when `args` is set
//! (`Subject::kind()/name()`, `NotifyState` → `notify::Event`); `FifoLine(args)` → both FIFOs
//! (`action::fifo_line` renders it); `SmtpAlert` → mail queue (`action::smtp_subject`);
//! `Log(l)` → `l.msg.display(core.config())` at `l.level`, only with `-D` when `l.detail`;
//! `StateChanged` → refresh the JSON/state dump (`core.status(i, now, wall_now, ..)` fills
//! `status::InstanceStatus`; `core.track_names` the tracker name lists).
//!
//! Modules:
//! - [`event`] / [`action`]: the inputs and outputs;
//! - [`instance`]: per-instance runtime state, counters and the timer formulas;
//! - `fsm`: the one writer of `InstanceRt::state` (`transition()`, `(old,new)` match, RFC arms);
//! - `rx_check`: keepalived's validation order (§B.4) → counters (and rate-limited lines),
//!   then the state's rx rules; `split_brain`: another master heard or seen in ARP (reports);
//! - `track`: scripts, interfaces, files, processes → effective priority, FAULT, pending;
//!   `verdict`: what the trackers of one instance add up to (and its start-up FAULT lines);
//!   `track_process`: process counts → quorum, with fork/terminate delays;
//! - `socket`: instances whose raw socket could not be opened stay BACKUP;
//! - `garp`: GARP/NA burst plans; `sync_group`: members move together; `reload`: SIGHUP diff;
//! - `timer`: everything due at `now`; `status`: the dumps' view of an instance.

pub mod action;
mod batch;
pub mod event;
mod fsm;
mod garp;
pub mod instance;
mod reload;
mod rx_check;
mod socket;
mod split_brain;
mod status;
mod sync_group;
mod timer;
mod track;
mod track_process;
mod verdict;

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use heapless::Vec;

pub use action::{Action, Actions, NotifyArgs, NotifyState, SendAdvert, Subject};
pub use event::{Event, IfInfo, ScriptResult};
pub use fsm::Reason;
pub use instance::{InstanceRt, State, Stats};

use crate::config::{Auth, Config, Family, IfName, Instance};
use crate::limits::*;
use crate::time::{Duration, Instant};
use crate::wire::{AdvertTx, Destination, TxAuth};

/// A default `Config` on the heap. Out of line so that the large temporary (a `Config` is
/// megabytes) never lands in the stack frame of `handle()`.
/// Uses `config::new_config()`, which builds it in place on the heap.
#[inline(never)]
fn boxed_default_config() -> Box<Config> {
    crate::config::new_config()
}

/// `*dst = src.clone()` without a stack temporary of the whole `Config`.
#[inline(never)]
pub(crate) fn copy_config(dst: &mut Config, src: &Config) {
    fn copy<T: Clone, const N: usize>(d: &mut Vec<T, N>, s: &Vec<T, N>) {
        d.clear();
        for x in s.iter() {
            let _ = d.push(x.clone());
        }
    }
    dst.global = src.global.clone();
    copy(&mut dst.instances, &src.instances);
    copy(&mut dst.sync_groups, &src.sync_groups);
    copy(&mut dst.scripts, &src.scripts);
    copy(&mut dst.track_files, &src.track_files);
    copy(&mut dst.track_processes, &src.track_processes);
    copy(&mut dst.vips, &src.vips);
    copy(&mut dst.routes, &src.routes);
    copy(&mut dst.tracks, &src.tracks);
    copy(&mut dst.peers, &src.peers);
    copy(&mut dst.commands, &src.commands);
    dst.static_vips = src.static_vips;
    dst.static_routes = src.static_routes;
}

/// What the core knows about one interface.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IfRt {
    pub name: IfName,
    pub ifindex: u32,
    pub up: bool,
    pub ipv4: Option<Ipv4Addr>,
    pub ll6: Option<Ipv6Addr>,
    pub mac: [u8; 6],
}

/// The protocol engine for one configuration.
pub struct Core {
    cfg: Box<Config>,
    /// Previous configuration, kept after a reload until the next one so that actions about
    /// removed entries (`Action::DelOldVip`) can still be resolved.
    prev: Option<Box<Config>>,
    /// The address pool of `prev`.
    prev_addrs: Option<Box<Vec<IpAddr, MAX_VIPS>>>,
    /// `cfg.vips[i].ip()` for every pool entry (adverts borrow slices of it).
    addrs: Box<Vec<IpAddr, MAX_VIPS>>,
    inst: Box<Vec<InstanceRt, MAX_INSTANCES>>,
    ifs: Vec<IfRt, MAX_INTERFACES>,
    scripts: Box<Vec<track::ScriptRt, MAX_SCRIPTS>>,
    files: Vec<Option<i64>, MAX_TRACK_FILES>,
    procs: Vec<track_process::ProcRt, MAX_TRACK_PROCESSES>,
    groups: Vec<sync_group::GroupRt, MAX_SYNC_GROUPS>,
    /// Raw sockets that could not be opened: (ifindex, bits of `socket::sock_bit`).
    no_socket: Vec<(u32, u8), MAX_INTERFACES>,
    started: bool,
    stopped: bool,
    /// Last `Unknown VRID` line (`log_unknown_vrids`): at most one per second, so that a
    /// flood of adverts for other routers cannot flood the log.
    unknown_vrid_logged_at: Option<Instant>,
    /// A pass over the instances that stopped early for room in the action queue.
    pass: Option<(batch::Pass, Instant)>,
    /// GARP/NA pacing per interface.
    garpq: Box<garp::GarpQueue>,
}

impl Core {
    /// Build the engine for `config`. Nothing happens until `Event::Start` (report the
    /// interfaces with `Event::Interface` first).
    pub fn new(config: &Config) -> Core {
        let mut cfg = boxed_default_config();
        copy_config(&mut cfg, config);
        let mut core = Core {
            addrs: Box::new(Vec::new()),
            inst: Box::new(Vec::new()),
            ifs: Vec::new(),
            scripts: Box::new(Vec::new()),
            files: Vec::new(),
            procs: Vec::new(),
            groups: Vec::new(),
            no_socket: Vec::new(),
            started: false,
            stopped: false,
            unknown_vrid_logged_at: None,
            pass: None,
            prev: None,
            prev_addrs: None,
            garpq: Box::default(),
            cfg,
        };
        core.build_tables();
        core
    }

    fn build_tables(&mut self) {
        self.addrs.clear();
        for v in self.cfg.vips.iter() {
            let _ = self.addrs.push(v.ip());
        }
        self.inst.clear();
        for c in self.cfg.instances.iter() {
            let rt = InstanceRt {
                base_priority: c.priority,
                effective_priority: c.priority,
                master_adver_int: c.advert_int,
                ..Default::default()
            };
            let _ = self.inst.push(rt);
        }
        self.scripts.clear();
        for s in self.cfg.scripts.iter() {
            let _ = self.scripts.push(track::ScriptRt::new(s.init_fail));
        }
        self.files.clear();
        for _ in self.cfg.track_files.iter() {
            let _ = self.files.push(None);
        }
        self.procs.clear();
        for _ in self.cfg.track_processes.iter() {
            let _ = self.procs.push(track_process::ProcRt::default());
        }
        self.groups.clear();
        for _ in self.cfg.sync_groups.iter() {
            let _ = self.groups.push(sync_group::GroupRt::default());
        }
    }

    /// The configuration actions refer to (indices in actions are into its pools).
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The configuration before the last reload (for `Action::DelOldVip`/`DelOldRoute`).
    pub fn previous_config(&self) -> Option<&Config> {
        self.prev.as_deref()
    }

    /// Runtime state of instance `i` (JSON dump, tests).
    pub fn instance(&self, i: usize) -> Option<&InstanceRt> {
        self.inst.get(i)
    }

    pub fn instances(&self) -> &[InstanceRt] {
        &self.inst
    }

    /// STATS_CLEAR (SIGRTMAX-1): zero every instance's counters, after they were dumped.
    /// State, timers and the split-brain flag are untouched.
    pub fn clear_stats(&mut self) {
        for r in self.inst.iter_mut() {
            r.stats = Default::default();
        }
    }

    pub fn interfaces(&self) -> &[IfRt] {
        &self.ifs
    }

    /// Whether `Event::Shutdown` was handled.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// The earliest instant at which `handle(now, Event::Timer, ..)` has work.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.stopped || !self.started {
            return None;
        }
        let a = self.inst.iter().filter_map(|r| r.next_deadline()).min();
        let b = self.scripts.iter().filter_map(|s| s.next_run_at).min();
        [a, b, self.process_deadline(), self.garp_deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Handle one event at monotonic time `now`, appending the effects to `out`.
    pub fn handle(&mut self, now: Instant, event: Event<'_>, out: &mut Actions) {
        if self.stopped {
            return;
        }
        match event {
            Event::Start => self.start(now, out),
            Event::Timer => self.on_timer(now, out),
            Event::Packet4 { ifindex, bytes } => match crate::wire::parse_advert(bytes) {
                Ok(rx) => self.on_advert(now, ifindex, &rx, false, out),
                Err(e) => self.on_parse_error(ifindex, bytes, e),
            },
            Event::Packet6 {
                ifindex,
                src,
                dst,
                hop_limit,
                bytes,
            } => match crate::wire::parse_advert6(src, dst, hop_limit, bytes) {
                Ok(rx) => self.on_advert(now, ifindex, &rx, true, out),
                Err(e) => self.on_parse_error(ifindex, bytes, e),
            },
            Event::Advert {
                ifindex,
                rx,
                checksum_verified,
            } => self.on_advert(now, ifindex, rx, checksum_verified, out),
            Event::Arp {
                ifindex,
                sender_ip,
                sender_mac,
            } => self.on_arp(now, ifindex, sender_ip, sender_mac, out),
            Event::Interface(info) => self.on_interface(now, &info, out),
            Event::InterfaceGone { ifindex } => {
                self.forget_sockets(ifindex);
                self.on_interface_gone(now, ifindex, out)
            }
            Event::Script { script, result } => self.on_script(now, script, result, out),
            Event::TrackFile { file, value } => self.on_track_file(now, file, value, out),
            Event::TrackProcess { process, count } => {
                self.on_track_process(now, process, count, out)
            }
            Event::VipDeleted { ifindex, addr } => self.on_vip_deleted(now, ifindex, addr, out),
            Event::Socket {
                ifindex,
                family,
                ah,
                ok,
            } => self.on_socket(now, ifindex, family, ah, ok),
            Event::Shutdown => self.shutdown(now, out),
            Event::Reload(cfg) => self.reload(now, cfg, out),
        }
    }

    /// Turn a `SendAdvert` action into what `wire::emit_advert` needs. `None` when the
    /// instance has no source address (interface without address and no `*_src_ip`).
    pub fn advert_tx(&self, a: &SendAdvert) -> Option<AdvertTx<'_>> {
        let (cfg, pool) = if a.prev {
            (self.prev.as_deref()?, self.prev_addrs.as_deref()?)
        } else {
            (&*self.cfg, &*self.addrs)
        };
        let c = cfg.instances.get(a.instance as usize)?;
        let src = self.src_addr_of(c)?;
        let addrs = pool.get(c.vips.range()).unwrap_or(&[]);
        let ttl = match a.dst {
            Destination::Unicast(_) => c.unicast_ttl,
            Destination::Multicast(_) => 255,
        };
        let auth = match c.auth {
            Auth::None => TxAuth::None,
            Auth::Pass(k) => TxAuth::Pass(k),
            Auth::Ah(key) => TxAuth::Ah { key, seq: a.ah_seq },
        };
        let adver_int_cs = if c.version == 2 {
            (c.advert_int.as_secs().min(255) * 100) as u16
        } else {
            c.advert_int.as_centis().min(4095) as u16
        };
        Some(AdvertTx {
            version: c.version,
            vrid: c.vrid,
            priority: a.priority,
            adver_int_cs,
            src,
            dst: a.dst,
            ttl,
            ip_id: a.ip_id,
            auth: if c.version == 3 { TxAuth::None } else { auth },
            v3_checksum_as_v2: c.v3_checksum_as_v2,
            old_unicast_checksum: c.old_unicast_checksum,
            addrs,
        })
    }

    // ===== helpers shared by the submodules =====

    fn icfg(&self, i: usize) -> Option<&Instance> {
        self.cfg.instances.get(i)
    }

    fn iface_of(&self, i: usize) -> Option<&IfRt> {
        let name = self.icfg(i)?.interface.as_ref()?;
        self.ifs.iter().find(|f| f.name == *name)
    }

    fn ifindex_of(&self, i: usize) -> u32 {
        self.iface_of(i).map(|f| f.ifindex).unwrap_or(0)
    }

    /// Our advert source: `mcast_src_ip`/`unicast_src_ip`, else the interface's primary
    /// IPv4 / IPv6 link-local address.
    fn src_addr(&self, i: usize) -> Option<IpAddr> {
        self.src_addr_of(self.icfg(i)?)
    }

    fn src_addr_of(&self, c: &Instance) -> Option<IpAddr> {
        if let Some(a) = c.src_ip {
            return Some(a);
        }
        let name = c.interface.as_ref()?;
        let f = self.ifs.iter().find(|f| f.name == *name)?;
        match c.family {
            Family::V4 => f.ipv4.map(IpAddr::V4),
            Family::V6 => f.ll6.map(IpAddr::V6),
        }
    }

    /// Own advert interval of instance `i`.
    fn adver_int(&self, i: usize) -> Duration {
        self.icfg(i)
            .map(|c| c.advert_int)
            .unwrap_or(Duration::from_secs(1))
    }

    fn down_timer_adverts(&self, i: usize) -> u8 {
        match self.icfg(i) {
            Some(c) if c.strict => 3,
            Some(c) => c.down_timer_adverts,
            None => 3,
        }
    }

    fn lower_prio_no_advert(&self, i: usize) -> bool {
        self.icfg(i)
            .map(|c| c.lower_prio_no_advert || c.strict)
            .unwrap_or(false)
    }

    fn higher_prio_send_advert(&self, i: usize) -> bool {
        self.icfg(i)
            .map(|c| c.higher_prio_send_advert && !c.strict)
            .unwrap_or(false)
    }

    /// Master_Down_Interval of instance `i` with its current effective priority.
    pub fn master_down_interval(&self, i: usize) -> Duration {
        let (v, p, m) = match (self.icfg(i), self.inst.get(i)) {
            (Some(c), Some(r)) => (c.version, r.effective_priority, r.master_adver_int),
            _ => return Duration::from_secs(3),
        };
        instance::master_down_interval(v, p, m, self.down_timer_adverts(i))
    }

    /// Skew_Time of instance `i`.
    pub fn skew_time(&self, i: usize) -> Duration {
        match (self.icfg(i), self.inst.get(i)) {
            (Some(c), Some(r)) => {
                instance::skew_time(c.version, r.effective_priority, r.master_adver_int)
            }
            _ => Duration::ZERO,
        }
    }

    fn arm_down_timer(&mut self, now: Instant, i: usize) {
        let d = self.master_down_interval(i);
        if let Some(r) = self.inst.get_mut(i) {
            r.down_armed_at = now;
            r.master_down_at = Some(now + d);
        }
    }

    /// Queue adverts of instance `i` with `priority` to every destination.
    fn send_advert(&mut self, i: usize, priority: u8, out: &mut Actions) {
        let ifindex = self.ifindex_of(i);
        let Some(c) = self.cfg.instances.get(i) else {
            return;
        };
        let mcast = c.mcast_group.unwrap_or(match c.family {
            Family::V4 => IpAddr::V4(self.cfg.global.mcast_group4),
            Family::V6 => self.cfg.global.mcast_group6,
        });
        let peers = c.peers;
        let Some(r) = self.inst.get_mut(i) else {
            return;
        };
        let mut push = |dst: Destination, r: &mut InstanceRt| {
            let ip_id = r.next_ip_id();
            r.ah_seq = r.ah_seq.wrapping_add(1);
            r.stats.advert_sent += 1;
            if priority == 0 {
                r.stats.pri_zero_sent += 1;
            }
            out.push(Action::SendAdvert(SendAdvert {
                instance: i as u16,
                ifindex,
                dst,
                priority,
                ip_id,
                ah_seq: r.ah_seq,
                prev: false,
            }));
        };
        if peers.is_empty() {
            push(Destination::Multicast(mcast), r);
        } else {
            for p in self.cfg.peers_of(peers) {
                push(Destination::Unicast(p.addr), r);
            }
        }
    }
}
