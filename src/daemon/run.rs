//! The daemon proper: start-up, the loop, shutdown.

use core::net::IpAddr;
use std::io;
use std::os::fd::RawFd;
use std::path::PathBuf;

use heapless::Vec;

use super::children::Children;
use super::dump::Dump;
use super::iface::IfTable;
use super::resync::Snapshot;
use crate::config::Config;
use crate::core::{Actions, Core, Event, IfInfo};
use crate::sys::netlink;
use crate::sys::process;
use crate::sys::raw;
use crate::sys::reactor::{Reactor, Ready, Slot};
use crate::sys::signalfd::Sig;
use crate::sys::timerfd::now;
use crate::time::Instant;

/// keepalived's exit codes.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FATAL: i32 = 3;
pub const EXIT_CONFIG: i32 = 4;
/// keepalived's KEEPALIVED_EXIT_MISSING_PERMISSION (measured: 2.2.7 exits 4 without
/// CAP_NET_RAW).
pub const EXIT_MISSING_PERMISSION: i32 = 4;

/// Start-up found an instance on an interface that does not exist (without
/// `dynamic_interfaces`): keepalived's "Non-existent interface specified in configuration".
#[derive(Debug)]
pub struct NonExistentInterface;

impl std::fmt::Display for NonExistentInterface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Non-existent interface specified in configuration")
    }
}

impl std::error::Error for NonExistentInterface {}

/// Start-up could not open a packet socket for lack of permission (no CAP_NET_RAW):
/// keepalived 2.2.7's VRRP process exits with "missing permission".
#[derive(Debug)]
pub struct MissingPermission;

impl std::fmt::Display for MissingPermission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pid {} exited with permanent error missing permission. Terminating",
            std::process::id()
        )
    }
}

impl std::error::Error for MissingPermission {}

/// How to run (from the command line).
#[derive(Clone, Debug, Default)]
pub struct RunOpts {
    /// `-V`: leave VIPs and routes in place at stop.
    pub dont_release_vrrp: bool,
    /// `-X`: release VIPs on reload-induced transitions (accepted).
    pub release_vips: bool,
    /// `--json-auth`: keepalived.json shows `auth_data` (the password) instead of `""`.
    pub json_auth: bool,
    /// `-p` (default /run/keepalived.pid) and `-r` (default /run/keepalived_vrrp.pid).
    pub pid_file: Option<PathBuf>,
    pub vrrp_pid_file: Option<PathBuf>,
    /// Config file and how to load it (`-i`, `-e`), for SIGHUP.
    pub config_path: PathBuf,
    pub load_opts: crate::config::LoadOptions,
}

/// Max packets read from one socket per loop turn (so one busy socket cannot starve others).
const RX_BURST: usize = 32;
/// Addresses we deleted ourselves whose RTM_DELADDR is still to come.
const MAX_EXPECTED_DELS: usize = 256;

/// Owns the core, the reactor and the buffers.
pub struct Daemon {
    pub(super) core: Core,
    pub(super) reactor: Reactor,
    pub(super) ifs: IfTable,
    pub(super) children: Children,
    pub(super) acts: Actions,
    pub(super) opts: RunOpts,
    pub(super) nl_seq: u32,
    pub(super) rx: [u8; 4096],
    pub(super) tx: [u8; 4096],
    pub(super) nl_buf: [u8; 16384],
    /// The last dump of links and addresses (at start, on reload, after a netlink overrun);
    /// allocated once.
    pub(super) nl_snap: Box<Snapshot>,
    pub(super) expected_dels: Vec<(u32, IpAddr), MAX_EXPECTED_DELS>,
    pub(super) stopping: bool,
    pub(super) alloc_baseline: Option<usize>,
    /// Where dumps go ($TMPDIR at start, default /tmp), read once: env lookups allocate.
    pub(super) dump_dir: heapless::String<256>,
    /// One `keepalived.json` instance object at a time (allocated once, at start).
    pub(super) json_buf: Box<[u8]>,
    /// Every configured command prepared by `crate::exec` (user, PATH, security) at load.
    pub(super) cmds: crate::exec::PreparedCommands,
    /// The previous config's commands (notifies of instances a reload deleted).
    pub(super) prev_cmds: crate::exec::PreparedCommands,
    /// notify_fifo / vrrp_notify_fifo.
    pub(super) fifos: crate::notify::fifo::Fifos,
    /// SMTP alerts (when `smtp_server` and `notification_email` are set).
    pub(super) smtp: Option<crate::notify::smtp_conn::SmtpConn>,
    pub(super) hostname: heapless::String<64>,
    /// The watched `track_file`s.
    pub(super) tfiles: super::track_file::TrackFiles,
    /// The /proc scanner of `vrrp_track_process`.
    pub(super) pscan: super::track_process::ProcScan,
    /// Pauses in long bursts while real-time (RLIMIT_RTTIME).
    pub(super) pacer: super::pace::Pacer,
}

fn errno_text(e: i32) -> io::Error {
    io::Error::from_raw_os_error(e)
}

impl Daemon {
    /// Open everything, resolve interfaces, remove stale VIPs, start the instances.
    #[inline(never)]
    pub fn start(cfg: &Config, opts: RunOpts) -> io::Result<Box<Daemon>> {
        let mut d = Box::new(Daemon {
            core: Core::new(cfg),
            reactor: Reactor::new()?,
            ifs: IfTable::from_config(cfg),
            children: Children::default(),
            acts: Actions::new(),
            opts,
            nl_seq: 0,
            rx: [0; 4096],
            tx: [0; 4096],
            nl_buf: [0; 16384],
            nl_snap: Box::default(),
            expected_dels: Vec::new(),
            stopping: false,
            alloc_baseline: None,
            dump_dir: heapless::String::new(),
            json_buf: vec![0; crate::status::json::OBJECT_BUF].into_boxed_slice(),
            cmds: Default::default(),
            prev_cmds: Default::default(),
            fifos: Default::default(),
            smtp: None,
            hostname: heapless::String::new(),
            tfiles: Default::default(),
            pscan: Default::default(),
            pacer: Default::default(),
        });
        if let Ok(h) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
            for c in h.trim().chars() {
                if d.hostname.push(c).is_err() {
                    break;
                }
            }
        }
        d.smtp = super::smtp::mailer(cfg);
        d.prepare_commands(cfg);
        d.disable_unrunnable_scripts();
        let tmp = std::env::var("TMPDIR").unwrap_or_else(|_| "/tmp".into());
        if d.dump_dir.push_str(&tmp).is_err() {
            let _ = d.dump_dir.push_str("/tmp");
        }
        log::info!("Registering Kernel netlink reflector");
        let mon = netlink::open(netlink::GROUPS_LINK_ADDR)?;
        d.reactor.add(mon, Slot::Netlink)?;
        log::info!("Registering Kernel netlink command channel");
        let cmd = netlink::open(0)?;
        d.reactor.add(cmd, Slot::NetlinkCmd)?;
        let fd = d.cmd_fd()?;
        d.ifs
            .load(fd, &mut d.nl_seq, &mut d.nl_buf, &mut d.nl_snap)?;
        for i in d.ifs.ifs.iter() {
            if i.ifindex == 0 {
                log::warn!("WARNING - interface {} doesn't exist", i.name);
            } else if let Some(a) = i.ipv4 {
                log::info!("Assigned address {} for interface {}", a, i.name);
            }
        }
        // keepalived 2.2.7 refuses to run an instance on an interface that does not exist
        // (its VRRP process exits with the CONFIG error) unless `dynamic_interfaces` lets the
        // instance wait for it in FAULT.
        let missing = cfg
            .instances
            .iter()
            .filter_map(|c| c.interface.as_ref())
            .find(|n| d.ifs.index_of(n.as_str()).is_none());
        if let (Some(name), false) = (missing, cfg.global.dynamic_interfaces) {
            log::warn!("WARNING - interface {name} for an instance doesn't exist");
            return Err(io::Error::other(NonExistentInterface));
        }
        Daemon::check_packet_permission(cfg)?;
        d.remove_stale_vips();
        d.open_sockets();
        d.pacer = super::pace::Pacer::new(super::events::apply_scheduling(&cfg.global.sched));
        let t = now();
        for k in 0..d.ifs.ifs.len() {
            d.report_iface(t, k);
        }
        // keepalived reads the track files before the instances start.
        d.track_files_setup(cfg, false);
        // Likewise the process counts (keepalived reads /proc before starting).
        d.track_processes_setup(cfg);
        let t = now();
        d.core.handle(t, Event::Start, &mut d.acts);
        d.apply();
        log::info!("Startup complete");
        d.alloc_baseline = crate::sys::alloc::count();
        Ok(d)
    }

    /// Prepare every command (user lookups, PATH, script security) and open the FIFOs; logs
    /// keepalived's lines about them. Start-up and reload only.
    pub(super) fn prepare_commands(&mut self, cfg: &Config) {
        let path_env = std::env::var_os("PATH");
        let path = path_env.as_ref().map(|p| {
            use std::os::unix::ffi::OsStrExt;
            p.as_bytes()
        });
        self.prev_cmds = core::mem::replace(
            &mut self.cmds,
            crate::exec::prepare_all(cfg, &crate::exec::security::SystemDb, path, process::ids()),
        );
        for l in self.cmds.log.iter() {
            log::warn!("{}", l);
        }
        self.stop_fifo_scripts();
        self.fifos.close();
        self.fifos.global = super::procs::fifo_writer(cfg, "");
        self.fifos.vrrp = super::procs::fifo_writer(cfg, "vrrp_");
        self.fifos.open();
        self.start_fifo_scripts(cfg);
    }

    pub(super) fn cmd_fd(&self) -> io::Result<RawFd> {
        self.reactor
            .fd(Slot::NetlinkCmd)
            .ok_or_else(|| errno_text(libc::EBADF))
    }

    pub(super) fn report_iface(&mut self, t: Instant, k: usize) {
        let Some(i) = self.ifs.ifs.get(k) else { return };
        if i.ifindex == 0 {
            return;
        }
        let info = IfInfo {
            name: i.name.as_str(),
            ifindex: i.ifindex,
            up: i.up && i.running,
            ipv4: i.ipv4,
            ll6: i.ll6,
            mac: i.mac,
        };
        self.core.handle(t, Event::Interface(info), &mut self.acts);
    }

    /// keepalived removes the VIPs a crashed run may have left ("(VI_1) removing VIPs.").
    fn remove_stale_vips(&mut self) {
        let cfg = self.core.config();
        let seen = &self.nl_snap.addrs;
        let mut stale: Vec<(u32, usize, u16), 256> = Vec::new();
        // The core logs "(VI_1) removing VIPs." when the instance starts; this only deletes.
        for (ii, inst) in cfg.instances.iter().enumerate() {
            for s in [inst.vips, inst.evips] {
                for vi in s.range() {
                    let Some(v) = cfg.vips.get(vi) else { continue };
                    let dev = v.dev.as_ref().or(inst.interface.as_ref());
                    let Some(ifindex) = dev.and_then(|d| self.ifs.index_of(d)) else {
                        continue;
                    };
                    if seen
                        .iter()
                        .any(|a| a.ifindex == ifindex && a.addr == v.ip())
                    {
                        log::debug!("({}) stale VIP {} removed", inst.name, v.ip());
                        let _ = stale.push((ifindex, vi, ii as u16));
                    }
                }
            }
        }
        for (ifindex, vi, _) in stale {
            let _ = self.addr_op(ifindex, vi, false, false);
        }
    }

    /// The loop. Returns the exit code.
    pub fn run(&mut self) -> i32 {
        let mut ready = Ready::new();
        loop {
            let deadline = [
                self.core.next_deadline(),
                self.children.next_deadline(),
                self.smtp_deadline(),
                self.pscan.next_at,
            ]
            .into_iter()
            .flatten()
            .min();
            if let Err(e) = self.reactor.timer.arm_at(deadline) {
                log::error!("timerfd: {}", e);
                return EXIT_FATAL;
            }
            if let Err(e) = self.reactor.wait(&mut ready, -1) {
                log::error!("poll: {}", e);
                return EXIT_FATAL;
            }
            for slot in ready.iter().copied() {
                self.pacer.between();
                self.on_ready(slot);
                if self.stopping {
                    break;
                }
            }
            if self.stopping {
                return self.finish();
            }
        }
    }

    fn on_ready(&mut self, slot: Slot) {
        match slot {
            Slot::Timer => {
                let _ = self.reactor.timer.drain();
                let t = now();
                // Children that exited before their deadline are collected first: when the
                // loop wakes late, the timer may be served before the SIGCHLD, and a script
                // that finished in time must not be signalled and counted as timed out.
                self.reap();
                self.kill_overdue(t);
                self.core.handle(t, Event::Timer, &mut self.acts);
                self.apply();
                self.smtp_timer(t);
                self.track_processes_due(t);
            }
            Slot::Smtp => {
                let r = self.reactor.extra_revents;
                self.on_smtp(r, now());
            }
            Slot::Signal => self.on_signals(),
            Slot::Netlink => self.on_netlink(),
            Slot::Inotify => self.on_inotify(),
            Slot::NetlinkCmd => {
                // Late replies to requests that timed out: drop them.
                if let Some(fd) = self.reactor.fd(slot) {
                    while let Ok(Some(_)) = netlink::recv(fd, &mut self.nl_buf) {}
                }
            }
            Slot::Vrrp4 { ifindex } | Slot::Ah4 { ifindex } => self.on_packets4(slot, ifindex),
            Slot::Vrrp6 { ifindex } => self.on_packets6(slot, ifindex),
            Slot::ArpRx { ifindex } => self.on_arp(slot, ifindex),
            Slot::ProcExit { pid } => self.on_process_exit(pid),
            Slot::Packet { .. } | Slot::Fifo { .. } => {}
        }
    }

    /// Drain (bounded) the ARP receive socket of `ifindex`: each foreign ARP request/reply
    /// becomes `Event::Arp` (the core decides whether it is a split brain).
    fn on_arp(&mut self, slot: Slot, ifindex: u32) {
        let Some(fd) = self.reactor.fd(slot) else {
            return;
        };
        for _ in 0..RX_BURST {
            match crate::sys::packet::recv_arp(fd, &mut self.rx) {
                Ok(Some(n)) => {
                    let frame = self.rx.get(..n).unwrap_or(&[]);
                    let Some((sender_ip, sender_mac)) = arp_sender(frame) else {
                        continue;
                    };
                    let ev = Event::Arp {
                        ifindex,
                        sender_ip,
                        sender_mac,
                    };
                    self.core.handle(now(), ev, &mut self.acts);
                    self.apply();
                }
                Ok(None) => break,
                Err(e) => {
                    log::debug!("ARP recv on ifindex {}: {}", ifindex, e);
                    break;
                }
            }
        }
    }

    fn on_packets4(&mut self, slot: Slot, ifindex: u32) {
        let Some(fd) = self.reactor.fd(slot) else {
            return;
        };
        for _ in 0..RX_BURST {
            match raw::recv4(fd, &mut self.rx) {
                Ok(Some(n)) => {
                    let t = now();
                    let bytes = self.rx.get(..n).unwrap_or(&[]);
                    self.core
                        .handle(t, Event::Packet4 { ifindex, bytes }, &mut self.acts);
                    self.apply();
                }
                Ok(None) => break,
                Err(e) => {
                    log::debug!("recv on ifindex {}: {}", ifindex, e);
                    break;
                }
            }
        }
    }

    fn on_packets6(&mut self, slot: Slot, ifindex: u32) {
        let Some(fd) = self.reactor.fd(slot) else {
            return;
        };
        for _ in 0..RX_BURST {
            match raw::recv6(fd, &mut self.rx) {
                Ok(Some(m)) => {
                    let t = now();
                    let bytes = self.rx.get(..m.len).unwrap_or(&[]);
                    let ev = Event::Packet6 {
                        ifindex,
                        src: m.src,
                        dst: m.dst,
                        hop_limit: m.hop_limit,
                        bytes,
                    };
                    self.core.handle(t, ev, &mut self.acts);
                    self.apply();
                }
                Ok(None) => break,
                Err(e) => {
                    log::debug!("recv6 on ifindex {}: {}", ifindex, e);
                    break;
                }
            }
        }
    }

    fn on_signals(&mut self) {
        for _ in 0..64 {
            let sig = match self.reactor.signals.read() {
                Ok(Some(s)) => s,
                _ => break,
            };
            match sig {
                Sig::Term | Sig::Int => {
                    log::info!("Stopping");
                    let t = now();
                    self.stopping = true;
                    self.core.handle(t, Event::Shutdown, &mut self.acts);
                    self.apply();
                    return;
                }
                Sig::Chld => self.reap(),
                Sig::Hup => {
                    self.reload();
                    // The loader's small allocations are freed now; give their pages back.
                    crate::sys::mem::release_free_heap();
                }
                Sig::Usr2 => {
                    self.report_allocs();
                    self.dump(Dump::Stats);
                }
                Sig::Usr1 => self.dump(Dump::Data),
                Sig::Json => self.dump(Dump::Json),
                Sig::StatsClear => {
                    self.dump(Dump::Stats);
                    self.core.clear_stats();
                }
                Sig::Xcpu => log::info!(
                    "VRRP process has used too much CPU time, vrrp_rlimit_rttime may need to be increased"
                ),
                Sig::Other(_) => {}
            }
        }
    }

    /// Start-up is over (called after the stack trim, which reads /proc): the allocation
    /// audit counts from here.
    pub fn startup_complete(&mut self) {
        self.alloc_baseline = crate::sys::alloc::count();
    }

    /// `alloc-audit`: allocations since start-up completed.
    pub(super) fn report_allocs(&self) {
        if let (Some(base), Some(now)) = (self.alloc_baseline, crate::sys::alloc::count()) {
            log::info!(
                "alloc-audit: {} allocations after start-up ({} in total)",
                now.saturating_sub(base),
                now
            );
        }
    }

    /// Execute every queued action.
    /// A pass over many instances may stop early for room in the queue (`Core::has_more`):
    /// it is resumed here until done, each round executed before the next (bounded: every
    /// round visits at least one instance).
    pub(super) fn apply(&mut self) {
        loop {
            while let Some(a) = self.acts.pop() {
                self.exec(a);
                self.pacer.between();
            }
            if !self.core.has_more() {
                break;
            }
            self.core.resume(&mut self.acts);
        }
        if self.acts.overflow > 0 {
            log::warn!("{} actions dropped (queue full)", self.acts.overflow);
            self.acts.overflow = 0;
        }
    }
}

/// The sender of an Ethernet frame carrying an ARP request or reply (Ethernet/IPv4), parsed
/// with the wire layer; `None` for anything else (also checked here in case the BPF filter
/// could not be attached).
fn arp_sender(frame: &[u8]) -> Option<(core::net::Ipv4Addr, [u8; 6])> {
    use crate::wire::{arp, ethernet};
    let eth = ethernet::Frame::new_checked(frame).ok()?;
    if eth.ethertype() != crate::sys::packet::ETH_P_ARP {
        return None;
    }
    let p = arp::Packet::new_checked(eth.payload()).ok()?;
    let r = arp::Repr::parse(&p).ok()?;
    if r.operation != 1 && r.operation != 2 {
        return None;
    }
    Some((r.source_protocol_addr, r.source_hardware_addr.0))
}

#[cfg(test)]
mod arp_tests {
    use super::arp_sender;
    use crate::wire::{emit_garp, MacAddr};
    use core::net::Ipv4Addr;

    #[test]
    fn a_garp_frame_names_its_sender() {
        let mut buf = [0u8; 64];
        let mac = [0x5a, 0x1d, 0x27, 0x1d, 0x53, 0xba];
        let vip = Ipv4Addr::new(192, 0, 2, 100);
        let n = emit_garp(MacAddr(mac), vip, &mut buf).expect("emit");
        assert_eq!(arp_sender(&buf[..n]), Some((vip, mac)));
        assert_eq!(arp_sender(&buf[..20]), None);
        buf[12] = 0x08;
        buf[13] = 0x00;
        assert_eq!(arp_sender(&buf[..n]), None);
    }
}
