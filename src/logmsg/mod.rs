//! The one catalogue of user-visible log lines, with keepalived 2.2.7's exact texts
//! (reference §B.7), so that operators' grep rules keep working.
//!
//! A [`LogMsg`] holds only indices and numbers (no heap, no borrowed strings): it is rendered
//! against the [`Config`] it was produced from with [`LogMsg::display`], which writes straight
//! into a formatter. Each entry knows its syslog [`Level`] and whether keepalived prints it only
//! with `-D` (`--log-detail`), see [`LogMsg::detail`].

use core::fmt;
use core::net::{IpAddr, Ipv4Addr};

use crate::config::Config;

mod rx;
mod start_fault;
pub use rx::RxDrop;
pub use start_fault::StartFault;

/// Syslog severity of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Err,
    Warning,
    Notice,
    Info,
}

/// How a check script ended (for the `VRRP_Script(...)` lines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptEnd {
    Exited(i32),
    Signalled(i32),
    TimedOut,
    FailedToStart,
}

/// One catalogue entry. `inst` fields are indices into `Config::instances`, `script` into
/// `Config::scripts`, `ifname` is resolved from the instance's interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogMsg {
    /// `(VI_1) Entering MASTER STATE`
    EnteringMaster { inst: u16 },
    /// `(VI_1) Entering BACKUP STATE` / `... (init)`
    EnteringBackup { inst: u16, init: bool },
    /// `(VI_1) Entering FAULT STATE` / `... (init)`
    EnteringFault { inst: u16, init: bool },
    /// `(VI_1) received lower priority (102) advert from 192.0.2.11 - discarding`
    RxLowerPrioDiscard { inst: u16, prio: u8, from: IpAddr },
    /// `(VI_1) Backup received priority 0 advertisement` (-D)
    BackupRxPrioZero { inst: u16 },
    /// `(VI_1) Master received priority 0 message` (-D)
    MasterRxPrioZero { inst: u16 },
    /// `(VI_1) start preempt delay (5.000000)` (-D)
    PreemptDelayStart { inst: u16, micros: u64 },
    /// `(VI_1) stop preempt delay` (-D)
    PreemptDelayStop { inst: u16 },
    /// `(VI_1) Receive advertisement timeout` (-D)
    RxTimeout { inst: u16 },
    /// `(VI_1) Received advert from X with lower priority P, ours Q[, forcing new election]`
    MasterRxLower {
        inst: u16,
        from: IpAddr,
        prio: u8,
        ours: u8,
        forcing: bool,
    },
    /// `(VI_1) Master received advert from X with higher priority P, ours Q`
    MasterRxHigher {
        inst: u16,
        from: IpAddr,
        prio: u8,
        ours: u8,
    },
    /// `(VI_1) Master received advert from X with same priority P but higher IP address than ours`
    MasterRxSameHigherIp { inst: u16, from: IpAddr, prio: u8 },
    /// `(VI_1) WARNING - equal priority advert received from remote host with our IP address.`
    EqualPrioOurAddr { inst: u16 },
    /// Both address owners.
    OwnerClash { inst: u16 },
    /// `(VI_1) Changing effective priority from 104 to 100`
    PriorityChange { inst: u16, from: u8, to: u8 },
    /// `(VI_1): tracked file tf now FAULT state` / `... leaving FAULT state` (-D)
    TrackFileFault {
        inst: u16,
        file: u16,
        entering: bool,
    },
    /// `(VI_1) Setting effective priority to 90` (-D): a file leaving FAULT sets the
    /// priority without a "Changing effective priority" line
    SettingPriority { inst: u16, prio: u8 },
    /// `(VI_1) sent 0 priority` (-D)
    SentZeroPriority { inst: u16 },
    /// `(VI_1) removing VIPs.` (-D)
    RemovingVips { inst: u16 },
    /// `(VI_1) setting VIPs.` (-D)
    SettingVips { inst: u16 },
    /// `(VI_1) removing Virtual Routes` (-D)
    RemovingRoutes { inst: u16 },
    /// `(VI_1) setting Virtual Routes` (-D)
    SettingRoutes { inst: u16 },
    /// `(VI_1) Sending/queueing gratuitous ARPs on eth0 for 192.0.2.100` (-D)
    /// `vip` indexes `Config::vips`: the frames go out on the VIP's `dev` (keepalived 2.2.7).
    QueueingGarps { inst: u16, vip: u16, addr: IpAddr },
    /// `Sending gratuitous ARP on eth0 for 192.0.2.100` (-D)
    SendingGarp { inst: u16, vip: u16, addr: IpAddr },
    /// `Sending unsolicited Neighbour Advert on eth0 for fe80::1` (-D)
    SendingNa { inst: u16, vip: u16, addr: IpAddr },
    /// `VRRP_Script(chk) succeeded`
    ScriptSucceeded { script: u16 },
    /// `VRRP_Script(chk) failed (exited with status 1)` / `timed_out` / ...
    ScriptFailed { script: u16, how: ScriptEnd },
    /// ``Script `chk` now returning 1``
    ScriptNowReturning { script: u16, status: i32 },
    /// `Track script chk is already running, expect idle - skipping run`
    ScriptStillRunning { script: u16 },
    /// `VRRP_Script(chk) considered successful on reload`
    ScriptReloadOk { script: u16 },
    /// `Quorum gained for tracked process NAME` / `Quorum lost ...` (`process` indexes
    /// `Config::track_processes`)
    ProcessQuorum { process: u16, up: bool },
    /// A received advert dropped by the checks (`(VI_1) invalid TTL/HL. ...`, see [`RxDrop`]).
    Rx { inst: u16, why: RxDrop },
    /// `(VI_1) IPSEC-AH : Syncing seq_num - Increment seq`
    AhSync { inst: u16 },
    /// Split brain: a master heard another master (lower priority or other VIPs).
    SplitBrain { inst: u16, from: IpAddr },
    /// `(VI_1) split brain: 192.0.2.100 is also claimed by 5a:1d:27:1d:53:ba (another MASTER
    /// for VRID 50?)`: a master saw a foreign ARP for one of its VIPs (not in keepalived).
    SplitBrainArp {
        inst: u16,
        addr: Ipv4Addr,
        mac: [u8; 6],
    },
    /// `(VI_1) ip address 10.2.3.170/32 dev vA, no longer exist`
    VipGone { inst: u16, addr: IpAddr, prefix: u8 },
    /// `Netlink reflector reports IP 192.0.2.100 removed from eth0` (-D): someone else deleted
    /// one of our VIPs (`vip` indexes `cfg.vips`).
    VipRemoved { inst: u16, vip: u16 },
    /// `Removing route 203.0.113.0/25` (-D): a reload dropped the route
    RouteGone { addr: IpAddr, prefix: u8 },
    /// `Unknown VRID(51) received on interface(ifindex 2). ignoring...`
    UnknownVrid { vrid: u8, ifindex: u32 },
    /// What holds an instance in FAULT at start-up (`(VI_1): entering FAULT state
    /// (interface eth1 down)` ..., see [`StartFault`]).
    StartFault { inst: u16, why: StartFault },
    /// `VRRP_Group(VG_1) Syncing instances to MASTER state`: once per group move (keepalived
    /// vrrp_sync_master/backup/fault), before the members follow. `state` is MASTER, BACKUP
    /// or FAULT.
    SyncGroupFollow { group: u16, state: &'static str },
}

impl LogMsg {
    /// Syslog level keepalived uses for the line.
    pub fn level(&self) -> Level {
        use LogMsg::*;
        match self {
            OwnerClash { .. }
            | EqualPrioOurAddr { .. }
            | SplitBrain { .. }
            | SplitBrainArp { .. } => Level::Warning,
            _ => Level::Info,
        }
    }

    /// Printed only with `-D` (`--log-detail`).
    pub fn detail(&self) -> bool {
        use LogMsg::*;
        matches!(
            self,
            RxTimeout { .. }
                | BackupRxPrioZero { .. }
                | MasterRxPrioZero { .. }
                | PreemptDelayStart { .. }
                | PreemptDelayStop { .. }
                | SentZeroPriority { .. }
                | RemovingVips { .. }
                | SettingVips { .. }
                | RemovingRoutes { .. }
                | SettingRoutes { .. }
                | QueueingGarps { .. }
                | SendingGarp { .. }
                | SendingNa { .. }
                | VipGone { .. }
                | VipRemoved { .. }
                | RouteGone { .. }
                | TrackFileFault { .. }
                | SettingPriority { .. }
        )
    }

    /// Render against the configuration the message was produced from.
    pub fn display<'a>(&'a self, cfg: &'a Config) -> Display<'a> {
        Display { msg: self, cfg }
    }
}

/// `Display` adaptor returned by [`LogMsg::display`].
pub struct Display<'a> {
    msg: &'a LogMsg,
    cfg: &'a Config,
}

fn iname(cfg: &Config, i: u16) -> &str {
    cfg.instances
        .get(i as usize)
        .map(|x| x.name.as_str())
        .unwrap_or("?")
}

fn ifname(cfg: &Config, i: u16) -> &str {
    cfg.instances
        .get(i as usize)
        .and_then(|x| x.interface.as_ref())
        .map(|s| s.as_str())
        .unwrap_or(cfg.global.default_interface.as_str())
}

/// A VIP's interface: its `dev`, else the instance's.
fn vip_ifname(cfg: &Config, i: u16, vip: u16) -> &str {
    match cfg.vips.get(vip as usize).and_then(|v| v.dev.as_ref()) {
        Some(d) => d.as_str(),
        None => ifname(cfg, i),
    }
}

fn sname(cfg: &Config, s: u16) -> &str {
    cfg.scripts
        .get(s as usize)
        .map(|x| x.name.as_str())
        .unwrap_or("?")
}

impl fmt::Display for Display<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use LogMsg::*;
        let c = self.cfg;
        match *self.msg {
            EnteringMaster { inst } => write!(f, "({}) Entering MASTER STATE", iname(c, inst)),
            EnteringBackup { inst, init } => write!(
                f,
                "({}) Entering BACKUP STATE{}",
                iname(c, inst),
                if init { " (init)" } else { "" }
            ),
            EnteringFault { inst, init } => write!(
                f,
                "({}) Entering FAULT STATE{}",
                iname(c, inst),
                if init { " (init)" } else { "" }
            ),
            RxLowerPrioDiscard { inst, prio, from } => write!(
                f,
                "({}) received lower priority ({}) advert from {} - discarding",
                iname(c, inst),
                prio,
                from
            ),
            BackupRxPrioZero { inst } => write!(
                f,
                "({}) Backup received priority 0 advertisement",
                iname(c, inst)
            ),
            MasterRxPrioZero { inst } => {
                write!(f, "({}) Master received priority 0 message", iname(c, inst))
            }
            PreemptDelayStart { inst, micros } => write!(
                f,
                "({}) start preempt delay ({}.{:06})",
                iname(c, inst),
                micros / 1_000_000,
                micros % 1_000_000
            ),
            PreemptDelayStop { inst } => write!(f, "({}) stop preempt delay", iname(c, inst)),
            RxTimeout { inst } => write!(f, "({}) Receive advertisement timeout", iname(c, inst)),
            MasterRxLower {
                inst,
                from,
                prio,
                ours,
                forcing,
            } => write!(
                f,
                "({}) Received advert from {} with lower priority {}, ours {}{}",
                iname(c, inst),
                from,
                prio,
                ours,
                if forcing { ", forcing new election" } else { "" }
            ),
            MasterRxHigher {
                inst,
                from,
                prio,
                ours,
            } => write!(
                f,
                "({}) Master received advert from {} with higher priority {}, ours {}",
                iname(c, inst),
                from,
                prio,
                ours
            ),
            MasterRxSameHigherIp { inst, from, prio } => write!(
                f,
                "({}) Master received advert from {} with same priority {} but higher IP address than ours",
                iname(c, inst),
                from,
                prio
            ),
            EqualPrioOurAddr { inst } => write!(
                f,
                "({}) WARNING - equal priority advert received from remote host with our IP address.",
                iname(c, inst)
            ),
            OwnerClash { inst } => write!(
                f,
                "({}) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority",
                iname(c, inst)
            ),
            TrackFileFault {
                inst,
                file,
                entering,
            } => write!(
                f,
                "({}): tracked file {} {} FAULT state",
                iname(c, inst),
                c.track_files
                    .get(file as usize)
                    .map_or("?", |t| t.name.as_str()),
                if entering { "now" } else { "leaving" }
            ),
            SettingPriority { inst, prio } => write!(
                f,
                "({}) Setting effective priority to {}",
                iname(c, inst),
                prio
            ),
            PriorityChange { inst, from, to } => write!(
                f,
                "({}) Changing effective priority from {} to {}",
                iname(c, inst),
                from,
                to
            ),
            SentZeroPriority { inst } => write!(f, "({}) sent 0 priority", iname(c, inst)),
            RemovingVips { inst } => write!(f, "({}) removing VIPs.", iname(c, inst)),
            SettingVips { inst } => write!(f, "({}) setting VIPs.", iname(c, inst)),
            RemovingRoutes { inst } => {
                write!(f, "({}) removing Virtual Routes", iname(c, inst))
            }
            SettingRoutes { inst } => write!(f, "({}) setting Virtual Routes", iname(c, inst)),
            QueueingGarps { inst, vip, addr } => write!(
                f,
                "({}) Sending/queueing {} on {} for {}",
                iname(c, inst),
                if addr.is_ipv4() {
                    "gratuitous ARPs"
                } else {
                    "Unsolicited Neighbour Adverts"
                },
                vip_ifname(c, inst, vip),
                addr
            ),
            SendingGarp { inst, vip, addr } => write!(
                f,
                "Sending gratuitous ARP on {} for {}",
                vip_ifname(c, inst, vip),
                addr
            ),
            SendingNa { inst, vip, addr } => write!(
                f,
                "Sending unsolicited Neighbour Advert on {} for {}",
                vip_ifname(c, inst, vip),
                addr
            ),
            ScriptSucceeded { script } => {
                write!(f, "VRRP_Script({}) succeeded", sname(c, script))
            }
            ScriptFailed { script, how } => {
                let n = sname(c, script);
                match how {
                    ScriptEnd::Exited(s) => {
                        write!(f, "VRRP_Script({n}) failed (exited with status {s})")
                    }
                    ScriptEnd::Signalled(s) => {
                        write!(f, "VRRP_Script({n}) failed (due to signal {s})")
                    }
                    ScriptEnd::TimedOut => write!(f, "VRRP_Script({n}) timed_out"),
                    ScriptEnd::FailedToStart => {
                        write!(f, "VRRP_Script({n}) failed (failed to start)")
                    }
                }
            }
            ScriptNowReturning { script, status } => {
                write!(f, "Script `{}` now returning {}", sname(c, script), status)
            }
            ScriptReloadOk { script } => write!(
                f,
                "VRRP_Script({}) considered successful on reload",
                sname(c, script)
            ),
            Rx { inst, why } => why.write(f, iname(c, inst)),
            StartFault { inst, why } => why.write(f, c, inst, iname(c, inst)),
            ScriptStillRunning { script } => write!(
                f,
                "Track script {} is already running, expect idle - skipping run",
                sname(c, script)
            ),
            ProcessQuorum { process, up } => write!(
                f,
                "Quorum {} for tracked process {}",
                if up { "gained" } else { "lost" },
                c.track_processes
                    .get(process as usize)
                    .map(|p| p.name.as_str())
                    .unwrap_or("?")
            ),
            AhSync { inst } => write!(
                f,
                "({}) IPSEC-AH : Syncing seq_num - Increment seq",
                iname(c, inst)
            ),
            SplitBrain { inst, from } => write!(
                f,
                "({}) split brain: another master {} advertises this VRID",
                iname(c, inst),
                from
            ),
            SplitBrainArp { inst, addr, mac } => write!(
                f,
                "({}) split brain: {} is also claimed by {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x} \
                 (another MASTER for VRID {}?)",
                iname(c, inst),
                addr,
                mac[0],
                mac[1],
                mac[2],
                mac[3],
                mac[4],
                mac[5],
                c.instances.get(inst as usize).map(|x| x.vrid).unwrap_or(0)
            ),
            VipGone { inst, addr, prefix } => write!(
                f,
                "({}) ip address {}/{} dev {}, no longer exist",
                iname(c, inst),
                addr,
                prefix,
                ifname(c, inst)
            ),
            VipRemoved { inst, vip } => write!(
                f,
                "Netlink reflector reports IP {} removed from {}",
                c.vips.get(vip as usize).map(|v| v.ip()).unwrap_or(IpAddr::from([0u8; 4])),
                vip_ifname(c, inst, vip)
            ),
            RouteGone { addr, prefix } => write!(f, "Removing route {}/{}", addr, prefix),
            UnknownVrid { vrid, ifindex } => write!(
                f,
                "Unknown VRID({}) received on interface(ifindex {}). ignoring...",
                vrid, ifindex
            ),
            SyncGroupFollow { group, state } => write!(
                f,
                "VRRP_Group({}) Syncing instances to {} state",
                c.sync_groups
                    .get(group as usize)
                    .map(|g| g.name.as_str())
                    .unwrap_or("?"),
                state
            ),
        }
    }
}

#[cfg(test)]
mod tests;
