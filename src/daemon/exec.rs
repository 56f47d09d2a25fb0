//! Executing the core's actions: adverts, addresses, routes, GARP/NA, children, FIFO, logs.

use core::net::IpAddr;

use super::children::Kind;
use super::run::Daemon;
use crate::config::{Config, IfName};
use crate::core::{Action, Event, NotifyArgs, NotifyState, ScriptResult, SendAdvert, Subject};
use crate::logmsg::Level;
use crate::sys::netlink::{self, AddrReq, RouteReq};
use crate::sys::process::{self, Creds};
use crate::sys::reactor::Slot;
use crate::sys::timerfd::now;
use crate::sys::{packet, raw};
use crate::wire::{self, Destination};

/// The interface a pool VIP lives on: its `dev`, else its instance's interface, else the
/// global default interface (static addresses).
pub(super) fn vip_dev(cfg: &Config, vi: usize) -> Option<&IfName> {
    let v = cfg.vips.get(vi)?;
    if let Some(d) = &v.dev {
        return Some(d);
    }
    for inst in cfg.instances.iter() {
        if inst.vips.range().contains(&vi) || inst.evips.range().contains(&vi) {
            return inst.interface.as_ref();
        }
    }
    Some(&cfg.global.default_interface)
}

impl Daemon {
    pub(super) fn exec(&mut self, a: Action) {
        match a {
            Action::SendAdvert(s) => self.send_advert(&s),
            Action::AddVip { vip, .. } => self.vip_action(vip as usize, true, false),
            Action::DelVip { vip, .. } => {
                if !(self.stopping && self.opts.dont_release_vrrp) {
                    self.vip_action(vip as usize, false, false)
                }
            }
            Action::DelOldVip { vip } => self.vip_action(vip as usize, false, true),
            Action::AddRoute { route, .. } => self.route_action(route as usize, true, false),
            Action::DelRoute { route, .. } => {
                if !(self.stopping && self.opts.dont_release_vrrp) {
                    self.route_action(route as usize, false, false)
                }
            }
            Action::DelOldRoute { route } => self.route_action(route as usize, false, true),
            Action::SendGarp { ifindex, addr, .. } => {
                let mac = self.ifs.by_index(ifindex).map(|i| i.mac);
                if let Some(mac) = mac {
                    match wire::emit_garp(wire::MacAddr(mac), addr, &mut self.tx) {
                        Ok(n) => self.send_frame(ifindex, n),
                        Err(e) => log::debug!("GARP for {}: {:?}", addr, e),
                    }
                }
            }
            Action::SendNa { ifindex, addr, .. } => {
                let mac = self.ifs.by_index(ifindex).map(|i| i.mac);
                if let Some(mac) = mac {
                    // keepalived sends the NA from the VIP itself.
                    match wire::emit_na(wire::MacAddr(mac), addr, addr, &mut self.tx) {
                        Ok(n) => self.send_frame(ifindex, n),
                        Err(e) => log::debug!("NA for {}: {:?}", addr, e),
                    }
                }
            }
            Action::RunScript { script } => self.run_script(script),
            Action::RunNotify { command, args } => self.run_notify(command, args),
            Action::FifoLine(args) => self.fifo_line(&args),
            Action::SmtpAlert { subject, state } => self.smtp_alert(subject, state),
            Action::Log(l) => {
                let cfg = self.core.config();
                let m = l.msg.display(cfg);
                if l.detail {
                    log::debug!("{}", m);
                } else {
                    match l.level {
                        Level::Err => log::error!("{}", m),
                        Level::Warning => log::warn!("{}", m),
                        _ => log::info!("{}", m),
                    }
                }
            }
            Action::StateChanged { .. } => {}
            Action::InstanceDeleted { instance, priority } => {
                self.instance_deleted(instance, priority)
            }
            // Actions added to the core after this daemon was written (e.g. InstanceDeleted)
            // are logged rather than breaking the build at merge time.
            #[allow(unreachable_patterns)]
            other => log::debug!("action not executed by this daemon: {:?}", other),
        }
    }

    fn send_frame(&mut self, ifindex: u32, n: usize) {
        let Some(fd) = self.reactor.fd(Slot::Packet { ifindex }) else {
            return;
        };
        if let Err(e) = packet::send(fd, ifindex, self.tx.get(..n).unwrap_or(&[])) {
            log::debug!("packet send on ifindex {}: {}", ifindex, e);
        }
    }

    fn send_advert(&mut self, s: &SendAdvert) {
        let Some(tx) = self.core.advert_tx(s) else {
            log::debug!("advert of instance {}: no source address", s.instance);
            return;
        };
        let n = match wire::emit_advert(&tx, &mut self.tx) {
            Ok(n) => n,
            Err(e) => {
                log::debug!("advert of instance {}: {:?}", s.instance, e);
                return;
            }
        };
        let dst = match tx.dst {
            Destination::Multicast(a) | Destination::Unicast(a) => a,
        };
        let ifindex = s.ifindex;
        let bytes = self.tx.get(..n).unwrap_or(&[]);
        let r = match (dst, tx.src) {
            (IpAddr::V4(d), _) => {
                let fd = self
                    .reactor
                    .fd(Slot::Vrrp4 { ifindex })
                    .or_else(|| self.reactor.fd(Slot::Ah4 { ifindex }));
                fd.map(|fd| raw::send4(fd, bytes, d))
            }
            (IpAddr::V6(d), IpAddr::V6(src)) => self
                .reactor
                .fd(Slot::Vrrp6 { ifindex })
                .map(|fd| raw::send6(fd, bytes, src, d, ifindex)),
            _ => None,
        };
        match r {
            Some(Ok(_)) => {}
            Some(Err(e)) => log::debug!("advert send on ifindex {}: {}", ifindex, e),
            None => log::debug!("no socket for ifindex {}", ifindex),
        }
    }

    fn vip_action(&mut self, vi: usize, add: bool, old: bool) {
        let cfg = if old {
            match self.core.previous_config() {
                Some(c) => c,
                None => return,
            }
        } else {
            self.core.config()
        };
        let Some(v) = cfg.vips.get(vi) else { return };
        let Some(dev) = vip_dev(cfg, vi) else { return };
        let Some(ifindex) = self.ifs.index_of(dev) else {
            log::warn!(
                "cannot {} {}: interface {} doesn't exist",
                if add { "add" } else { "remove" },
                v.ip(),
                dev
            );
            return;
        };
        let _ = (v, ifindex);
        let _ = self.addr_op(ifindex, vi, add, old);
    }

    /// Add or remove pool VIP `vi` (of the current or previous config) on `ifindex`.
    pub(super) fn addr_op(&mut self, ifindex: u32, vi: usize, add: bool, old: bool) -> Option<()> {
        let cfg = if old {
            self.core.previous_config()?
        } else {
            self.core.config()
        };
        let v = cfg.vips.get(vi)?;
        let mut flags = 0;
        if v.nodad {
            flags |= netlink::IFA_F_NODAD;
        }
        if v.noprefixroute {
            flags |= netlink::IFA_F_NOPREFIXROUTE;
        }
        let req = AddrReq {
            ifindex,
            addr: v.ip(),
            prefix: v.prefix,
            brd: v.brd,
            peer: v.peer,
            scope: v.scope.0,
            label: v.label.as_ref().map(|l| l.as_str()),
            flags,
        };
        let mut msg = [0u8; 256];
        self.nl_seq = self.nl_seq.wrapping_add(1);
        let seq = self.nl_seq;
        let n = netlink::build_addr(&req, add, seq, &mut msg).ok()?;
        let addr = v.ip();
        let prefix = v.prefix;
        let fd = self.reactor.fd(Slot::NetlinkCmd)?;
        if !add {
            let _ = self.expected_dels.push((ifindex, addr));
        }
        match netlink::transact(fd, msg.get(..n)?, seq, &mut self.nl_buf, |_| {}) {
            Ok(0) => {}
            Ok(libc::EEXIST) if add => {
                log::debug!("{}/{} already present on ifindex {}", addr, prefix, ifindex)
            }
            Ok(libc::EADDRNOTAVAIL) | Ok(libc::ENOENT) | Ok(libc::ENODEV) if !add => {
                if let Some(p) = self
                    .expected_dels
                    .iter()
                    .position(|e| *e == (ifindex, addr))
                {
                    self.expected_dels.swap_remove(p);
                }
            }
            Ok(e) => log::error!(
                "cannot {} address {}/{} on ifindex {}: {}",
                if add { "add" } else { "remove" },
                addr,
                prefix,
                ifindex,
                std::io::Error::from_raw_os_error(e)
            ),
            Err(e) => log::error!("netlink: {}", e),
        }
        Some(())
    }

    fn route_action(&mut self, ri: usize, add: bool, old: bool) {
        let cfg = if old {
            match self.core.previous_config() {
                Some(c) => c,
                None => return,
            }
        } else {
            self.core.config()
        };
        let Some(r) = cfg.routes.get(ri) else { return };
        let Some(dst) = r.dst else { return };
        let oif = r.dev.as_ref().and_then(|d| self.ifs.index_of(d));
        let req = RouteReq {
            dst,
            prefix: r.prefix,
            via: r.via,
            oif,
            src: r.src,
            table: r.table.unwrap_or(254),
            metric: r.metric,
            scope: r
                .scope
                .map(|s| s.0)
                .unwrap_or(if r.via.is_some() { 0 } else { 253 }),
            kind: if r.kind == 0 { 1 } else { r.kind },
        };
        let mut msg = [0u8; 256];
        self.nl_seq = self.nl_seq.wrapping_add(1);
        let seq = self.nl_seq;
        let Ok(n) = netlink::build_route(&req, add, seq, &mut msg) else {
            return;
        };
        let Some(fd) = self.reactor.fd(Slot::NetlinkCmd) else {
            return;
        };
        match netlink::transact(
            fd,
            msg.get(..n).unwrap_or(&[]),
            seq,
            &mut self.nl_buf,
            |_| {},
        ) {
            Ok(0) => {}
            // Removing a route that is not there (the start-up cleanup of a clean start, or
            // one the admin already deleted) is the expected case, as for addresses above.
            Ok(libc::ESRCH) | Ok(libc::ENOENT) if !add => {}
            Ok(e) => log::error!(
                "cannot {} route {}/{}: {}",
                if add { "add" } else { "remove" },
                dst,
                r.prefix,
                std::io::Error::from_raw_os_error(e)
            ),
            Err(e) => log::error!("netlink: {}", e),
        }
    }

    /// A reload removed `previous_config().instances[inst]`: keepalived runs its DELETED
    /// (with `notify_deleted`) or FAULT notifies from the old configuration, then the FIFO line.
    fn instance_deleted(&mut self, inst: u16, priority: u8) {
        let Some(prev) = self.core.previous_config() else {
            return;
        };
        let Some(i) = prev.instances.get(inst as usize) else {
            return;
        };
        let n = &i.notifies;
        let (event, specific) = if n.deleted {
            (crate::notify::Event::Deleted, n.deleted_cmd)
        } else {
            (crate::notify::Event::Fault, n.fault)
        };
        let words = crate::notify::NotifyArgs::new(
            crate::notify::Subject::Instance,
            i.name.as_str(),
            event,
            priority,
        );
        let generic = n.generic;
        let name: heapless::String<64> = i.name.clone();
        let mut pids: heapless::Vec<i32, 2> = heapless::Vec::new();
        if let Some(c) = specific {
            if let Ok(pid) = self.spawn_with(true, c, &[]) {
                let _ = pids.push(pid);
            }
        }
        if let Some(c) = generic {
            if let Ok(pid) = self.spawn_with(true, c, &words.words()) {
                let _ = pids.push(pid);
            }
        }
        for pid in pids {
            let _ = self.children.add(pid, Kind::Notify, None);
        }
        self.fifos.notify(
            crate::notify::Subject::Instance,
            name.as_str(),
            event,
            priority,
        );
    }

    /// Spawn command `id` with the generic notify's extra words; returns the pid.
    fn spawn_command(&self, id: u16, extra: &[&[u8]]) -> Result<i32, ()> {
        self.spawn_with(false, id, extra)
    }

    /// Spawn command `id` of the current (or previous) configuration.
    pub(super) fn spawn_with(&self, prev: bool, id: u16, extra: &[&[u8]]) -> Result<i32, ()> {
        let cmds = if prev { &self.prev_cmds } else { &self.cmds };
        let Some(p) = cmds.get(id) else {
            return Err(());
        };
        let args = p.exec_args(extra).map_err(|_| ())?;
        let mut ptrs = [core::ptr::null::<libc::c_char>(); 48];
        let n = args.fill_ptrs(&mut ptrs).ok_or(())?;
        let creds = Creds {
            uid: Some(p.uid),
            gid: Some(p.gid),
        };
        process::spawn_exec(args.program(), ptrs.get(..=n).ok_or(())?, creds).map_err(|e| {
            // EINVAL is our own argument check; anything else is fork(2) failing, which
            // keepalived reports with this line (lib/notify.c).
            if e.raw_os_error() == Some(libc::EINVAL) {
                log::error!("cannot run {}: {}", p.display(), e);
            } else {
                log::info!("Failed fork process");
                log::debug!("fork for {}: {}", p.display(), e);
            }
        })
    }

    fn run_script(&mut self, script: u16) {
        if self.children.script_running(script) {
            let name = self.core.config().scripts.get(script as usize);
            let name = name.map_or("?", |s| s.name.as_str());
            log::debug!("Track script {name} is already running, expect idle - skipping run");
            return;
        }
        let cfg = self.core.config();
        let Some(s) = cfg.scripts.get(script as usize) else {
            return;
        };
        let (timeout, command) = (s.timeout, s.command);
        let t = now();
        match self.spawn_command(command, &[]) {
            Ok(pid) => {
                if !self
                    .children
                    .add(pid, Kind::Script(script), Some(t + timeout))
                {
                    let _ = process::kill_group(pid, libc::SIGKILL);
                }
            }
            Err(()) => {
                let ev = Event::Script {
                    script,
                    result: ScriptResult::FailedToStart,
                };
                self.core.handle(t, ev, &mut self.acts);
            }
        }
    }

    fn notify_words(&self, args: &NotifyArgs) -> crate::notify::NotifyArgs {
        let cfg = self.core.config();
        let (subject, name) = match args.subject {
            Subject::Instance(i) => (
                crate::notify::Subject::Instance,
                cfg.instances.get(i as usize).map(|x| x.name.as_str()),
            ),
            Subject::Group(g) => (
                crate::notify::Subject::Group,
                cfg.sync_groups.get(g as usize).map(|x| x.name.as_str()),
            ),
        };
        crate::notify::NotifyArgs::new(
            subject,
            name.unwrap_or("?"),
            event_of(args.state),
            args.priority,
        )
    }

    fn run_notify(&mut self, command: u16, args: Option<NotifyArgs>) {
        let words = args.map(|a| self.notify_words(&a));
        let extra: [&[u8]; 4];
        let extra_slice: &[&[u8]] = match &words {
            Some(w) => {
                extra = w.words();
                &extra
            }
            None => &[],
        };
        if let Ok(pid) = self.spawn_command(command, extra_slice) {
            // Shutdown waits for the STOP notifies (bounded, see `procs`).
            let kind = if self.stopping {
                Kind::StopNotify
            } else {
                Kind::Notify
            };
            let _ = self.children.add(pid, kind, None);
        }
    }

    fn fifo_line(&mut self, args: &NotifyArgs) {
        let cfg = self.core.config();
        let (subject, name) = match args.subject {
            Subject::Instance(i) => (
                crate::notify::Subject::Instance,
                cfg.instances.get(i as usize).map(|x| x.name.as_str()),
            ),
            Subject::Group(g) => (
                crate::notify::Subject::Group,
                cfg.sync_groups.get(g as usize).map(|x| x.name.as_str()),
            ),
        };
        self.fifos.notify(
            subject,
            name.unwrap_or("?"),
            event_of(args.state),
            args.priority,
        );
    }
}

pub(super) fn event_of(s: NotifyState) -> crate::notify::Event {
    use crate::notify::Event as E;
    match s {
        NotifyState::Master => E::Master,
        NotifyState::Backup => E::Backup,
        NotifyState::Fault => E::Fault,
        NotifyState::Stop => E::Stop,
        NotifyState::Deleted => E::Deleted,
        NotifyState::MasterRxLowerPri => E::MasterRxLowerPri,
        NotifyState::MasterPriority => E::MasterPriority,
        NotifyState::BackupPriority => E::BackupPriority,
    }
}
