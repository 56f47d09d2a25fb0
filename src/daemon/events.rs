//! Events from outside the loop's own timers: SIGHUP reloads and rtnetlink notifications.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::RawFd;

use heapless::Vec;

use super::iface::{is_vip_on, IfTable, Iface};
use super::resync::DIFF_MAX;
use super::run::Daemon;
use crate::core::{Event, State};
use crate::sys::netlink::{self, NlEvent};
use crate::sys::reactor::Slot;
use crate::sys::timerfd::now;

/// Max netlink datagrams read per loop turn.
const NL_BURST: usize = 32;
/// Max queued datagrams dropped before the re-dump after an overrun (the queue holds a
/// socket buffer's worth; a few ms).
const NL_DRAIN: usize = 8192;

impl Daemon {
    /// SIGHUP: parse and validate the file completely; only a usable config reaches the core,
    /// which keeps the state of unchanged instances and adds/removes only what changed.
    #[inline(never)]
    pub(super) fn reload(&mut self) {
        log::info!("Reloading ...");
        let opts = self.opts.load_opts.clone();
        log::info!("Opening file '{}'.", self.opts.config_path.display());
        let loaded = crate::config::load(&self.opts.config_path, &opts);
        for d in loaded.diags.iter() {
            log::warn!("{}", d);
        }
        let errors = loaded
            .diags
            .iter()
            .filter(|d| d.severity.is_error())
            .count();
        let Some(cfg) = loaded.config else {
            log::error!(
                "Reload refused: the new configuration is not usable; keeping the running one"
            );
            return;
        };
        // keepalived applies whatever survived the errors, which can silently drop an
        // instance and its VIPs on a typo. We keep the running configuration instead: a
        // reload is applied only when the new file has no error at all (warnings are fine).
        if errors > 0 {
            log::error!(
                "Reload refused: {} errors in the new configuration; keeping the running one",
                errors
            );
            return;
        }
        self.prepare_commands(&cfg);
        let t = now();
        let mut fresh = IfTable::from_config(&cfg);
        for old in self.ifs.ifs.iter() {
            if fresh.by_name(&old.name).is_none() {
                let _ = fresh.ifs.push(old.clone());
            }
        }
        self.ifs = fresh;
        if let Ok(fd) = self.cmd_fd() {
            let snap = &mut self.nl_snap;
            if let Err(e) = self.ifs.load(fd, &mut self.nl_seq, &mut self.nl_buf, snap) {
                log::error!("Netlink dump: {}", e);
            }
        }
        for k in 0..self.ifs.ifs.len() {
            self.report_iface(t, k);
        }
        // The core keeps script results by name; running scripts follow (before the core's
        // config is replaced, while it still names the old indices).
        self.children.remap_scripts(self.core.config(), &cfg);
        self.core.handle(t, Event::Reload(&cfg), &mut self.acts);
        self.disable_unrunnable_scripts();
        self.apply();
        self.track_files_setup(&cfg, true);
        self.track_processes_setup(&cfg);
        self.open_sockets();
        log::info!("Reload complete");
        // A reload allocates (the new config); the audit counts from here again.
        self.alloc_baseline = crate::sys::alloc::count();
    }

    /// Tell the core which check scripts cannot run (their command was refused when it was
    /// prepared); keepalived logs "Disabling track script NAME due to insecure" and drops
    /// them from tracking. After `prepare_commands`, at start and after a reload.
    pub(super) fn disable_unrunnable_scripts(&mut self) {
        let t = now();
        for s in 0..self.core.config().scripts.len() {
            let Some(sc) = self.core.config().scripts.get(s) else {
                continue;
            };
            let why = self.cmds.why(sc.command);
            let off = self.cmds.get(sc.command).is_none();
            if let Some(r) = why.and_then(|w| w.track_script_reason()) {
                log::warn!("Disabling track script {} {}", sc.name, r);
            }
            self.core
                .set_script_disabled(t, s as u16, off, &mut self.acts);
        }
    }

    pub(super) fn on_netlink(&mut self) {
        let Some(fd) = self.reactor.fd(Slot::Netlink) else {
            return;
        };
        let mut overrun = false;
        for _ in 0..NL_BURST {
            let n = match netlink::recv(fd, &mut self.nl_buf) {
                Ok(Some(n)) => n,
                Ok(None) => break,
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                    log::info!(
                        "Netlink: Receive buffer overrun on monitor socket - (No buffer space available)"
                    );
                    overrun = true;
                    break;
                }
                Err(e) => {
                    log::info!(
                        "Netlink: recvmsg error on monitor socket  - {} ({})",
                        e.raw_os_error().unwrap_or(0),
                        e
                    );
                    break;
                }
            };
            let mut evs: Vec<NlEvent, 64> = Vec::new();
            netlink::parse(self.nl_buf.get(..n).unwrap_or(&[]), |ev| {
                let _ = evs.push(ev);
            });
            for ev in evs {
                self.on_nl_event(&ev);
            }
        }
        if overrun {
            self.resync(fd);
        }
    }

    /// Notifications were lost (ENOBUFS on the monitor socket `mon`): re-read links and
    /// addresses and feed what changed to the handler of notifications (interfaces gone, back,
    /// up or down, addresses gained or lost, VIPs of a master deleted by someone else).
    /// keepalived 2.2.7 only logs the overrun.
    fn resync(&mut self, mon: RawFd) {
        let t0 = now();
        // What is still queued happened before the dump below, which shows its outcome.
        for _ in 0..NL_DRAIN {
            match netlink::recv(mon, &mut self.nl_buf) {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => {}
            }
        }
        let Ok(fd) = self.cmd_fd() else { return };
        let snap = &mut self.nl_snap;
        if let Err(e) = self.ifs.dump(fd, &mut self.nl_seq, &mut self.nl_buf, snap) {
            log::warn!("Netlink: re-reading interfaces and addresses failed: {}", e);
            return;
        }
        if self.nl_snap.truncated {
            log::warn!(
                "Netlink: more than {} addresses on our interfaces; lost ones go unnoticed",
                super::resync::SNAP_ADDRS
            );
        } else {
            // Deletions of ours whose notification was lost will not come any more.
            let snap = &self.nl_snap;
            self.expected_dels.retain(|(i, a)| snap.has(*i, *a));
        }
        let mut changes = 0;
        let mut evs: Vec<NlEvent, DIFF_MAX> = Vec::new();
        for k in 0..self.ifs.ifs.len() {
            let cfg = self.core.config();
            self.ifs
                .diff_iface(k, &self.nl_snap, |n, a| is_vip_on(cfg, n, a), &mut evs);
            changes += evs.len();
            for ev in evs.iter() {
                self.on_nl_event(ev);
            }
        }
        if !self.nl_snap.truncated {
            changes += self.resync_vips();
        }
        log::info!(
            "Netlink: interfaces and addresses re-read after the overrun: {} changes ({} ms)",
            changes,
            (now() - t0).as_millis()
        );
    }

    /// The VIPs of masters the dump no longer shows: deleted by someone else.
    fn resync_vips(&mut self) -> usize {
        let mut n = 0;
        for i in 0..self.core.config().instances.len() {
            let Some(inst) = self.core.config().instances.get(i) else {
                continue;
            };
            let (vips, evips) = (inst.vips.range(), inst.evips.range());
            for vi in vips.chain(evips) {
                if self.core.instance(i).map(|r| r.state) != Some(State::Master) {
                    break;
                }
                let cfg = self.core.config();
                let (Some(inst), Some(v)) = (cfg.instances.get(i), cfg.vips.get(vi)) else {
                    continue;
                };
                let dev = v.dev.as_ref().or(inst.interface.as_ref());
                let Some(ifindex) = dev.and_then(|d| self.ifs.index_of(d)) else {
                    continue;
                };
                let (addr, prefix) = (v.ip(), v.prefix);
                if self.nl_snap.has(ifindex, addr) {
                    continue;
                }
                n += 1;
                let ev = NlEvent::Addr {
                    deleted: true,
                    ifindex,
                    addr,
                    prefix,
                    scope: 0,
                };
                self.on_nl_event(&ev);
            }
        }
        n
    }

    fn on_nl_event(&mut self, ev: &NlEvent) {
        let t = now();
        let cfg = self.core.config();
        let ours = |n: &str, a| is_vip_on(cfg, n, a);
        match ev {
            NlEvent::Link {
                deleted, ifindex, ..
            } => {
                let was = self.ifs.by_index(*ifindex).map(|i| i.up && i.running);
                // A name we use that comes back under a new ifindex (deleted and recreated).
                let fresh = !*deleted && self.ifs.by_index(*ifindex).is_none();
                let Some(k) = self.ifs.apply(ev, ours) else {
                    return;
                };
                if *deleted {
                    if let Some(i) = self.ifs.ifs.get(k) {
                        log::info!("Interface {} deleted", i.name);
                    }
                    // Its sockets are bound to an ifindex that no longer exists: close them
                    // (a new interface of the same name gets new ones, below).
                    self.close_sockets(*ifindex);
                    self.core.handle(
                        t,
                        Event::InterfaceGone { ifindex: *ifindex },
                        &mut self.acts,
                    );
                } else {
                    if fresh {
                        if let Some(i) = self.ifs.ifs.get(k) {
                            log::debug!("Interface {} added", i.name);
                        }
                        self.open_sockets();
                    }
                    let now_up = self.ifs.ifs.get(k).map(|i| i.up && i.running);
                    if was != now_up {
                        if let Some(i) = self.ifs.ifs.get(k) {
                            log::info!(
                                "Netlink reports {} {}",
                                i.name,
                                if now_up == Some(true) { "up" } else { "down" }
                            );
                        }
                    }
                    self.report_iface(t, k);
                }
            }
            NlEvent::Addr {
                deleted,
                ifindex,
                addr,
                ..
            } => {
                let before = self.ifs.by_index(*ifindex).map(|i| (i.ipv4, i.ll6));
                let Some(k) = self.ifs.apply(ev, ours) else {
                    return;
                };
                if let (Some(b), Some(i)) = (before, self.ifs.ifs.get(k)) {
                    log_address_change(b, i, *addr);
                }
                if *deleted {
                    if let Some(p) = self
                        .expected_dels
                        .iter()
                        .position(|e| *e == (*ifindex, *addr))
                    {
                        self.expected_dels.swap_remove(p);
                    } else {
                        let e = Event::VipDeleted {
                            ifindex: *ifindex,
                            addr: *addr,
                        };
                        self.core.handle(t, e, &mut self.acts);
                    }
                }
                self.report_iface(t, k);
            }
            _ => {}
        }
        self.apply();
    }
}

/// keepalived's detail lines when an interface gets its first address of a family, or loses
/// its last one (a replacement taking over is not logged).
fn log_address_change(before: (Option<Ipv4Addr>, Option<Ipv6Addr>), i: &Iface, addr: IpAddr) {
    let (had, has) = match addr {
        IpAddr::V4(_) => (before.0.is_some(), i.ipv4.is_some()),
        IpAddr::V6(_) => (before.1.is_some(), i.ll6.is_some()),
    };
    if !had && has {
        log::debug!("Assigned address {} for interface {}", addr, i.name);
    } else if had && !has {
        log::debug!("Deassigned address {} from interface {}", addr, i.name);
    }
}

/// `vrrp_rt_priority`, `vrrp_rlimit_rttime`, `vrrp_priority`, `vrrp_no_swap`, applied at
/// start (as keepalived's VRRP process does); a failure is logged and the daemon goes on.
/// Returns the pacing budget when the daemon now runs real-time (see [`super::pace`]).
pub(super) fn apply_scheduling(s: &crate::config::Scheduling) -> Option<core::time::Duration> {
    use crate::sys::sched;
    let mut pace = None;
    if s.rt_priority > 0 {
        match sched::set_realtime(s.rt_priority) {
            Ok(()) => {
                pace = Some(super::pace::budget(s.rlimit_rttime));
                if let Err(e) = sched::set_rttime_limit(s.rlimit_rttime) {
                    log::warn!("Unable to set the real-time CPU limit - {}", e);
                }
            }
            Err(e) => log::warn!("Unable to set real-time priority {} - {}", s.rt_priority, e),
        }
    } else if s.nice != 0 {
        if let Err(e) = sched::set_nice(s.nice) {
            log::info!("Unable to set process priority to {} - {}", s.nice, e);
        }
    }
    if s.no_swap {
        if let Err(e) = sched::lock_memory() {
            log::info!("Unable to lock process in memory - {}", e);
        }
    }
    pace
}
