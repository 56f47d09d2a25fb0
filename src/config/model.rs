//! The typed, validated configuration: what `keepalived.conf` means after parsing.
//!
//! Everything lives in fixed-capacity pools on [`Config`] (capacities from `build.rs`):
//! an instance does not own a `Vec` of VIPs, it owns a [`Slice`] (start, len) into
//! `Config::vips`. That keeps a 1000-instance build small: the memory is paid per VIP
//! actually configured, not per instance times the worst case.
//!
//! The parser (`config::parse`) fills these tables and applies keepalived 2.2.7's defaults and
//! load-time rules; the protocol core and the daemon only read them. Durations are
//! [`crate::time::Duration`] (microseconds).

use core::net::{IpAddr, Ipv4Addr};

use heapless::{String, Vec};

use crate::limits::*;
use crate::time::Duration;

/// Interface names: IFNAMSIZ is 16 including the NUL.
pub type IfName = String<16>;
/// Names of instances, scripts, groups, track files.
pub type Name = String<64>;
/// A whole command line as written in the config (script or notify), at most 255 bytes.
pub type CommandLine = String<256>;
/// An e-mail address or host name.
pub type Text = String<128>;

/// A range in one of the pools of [`Config`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Slice {
    pub start: u16,
    pub len: u16,
}

impl Slice {
    pub fn range(self) -> core::ops::Range<usize> {
        self.start as usize..self.start as usize + self.len as usize
    }
    pub fn is_empty(self) -> bool {
        self.len == 0
    }
}

/// Address family of an instance (derived from its VIPs, as keepalived does).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Family {
    #[default]
    V4,
    V6,
}

/// `state MASTER|BACKUP`: the state the instance wants at start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InitialState {
    #[default]
    Backup,
    Master,
}

/// VRRPv2 authentication. The key is `auth_pass` truncated to 8 bytes and zero-padded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Auth {
    #[default]
    None,
    Pass([u8; 8]),
    Ah([u8; 8]),
}

/// Address scope as `ip addr` takes it (`scope global|site|link|host|nowhere|N`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope(pub u8);

impl Scope {
    pub const GLOBAL: Scope = Scope(0);
    pub const SITE: Scope = Scope(200);
    pub const LINK: Scope = Scope(253);
    pub const HOST: Scope = Scope(254);
    pub const NOWHERE: Scope = Scope(255);
}

impl Default for Scope {
    fn default() -> Self {
        Scope::GLOBAL
    }
}

/// One address of `virtual_ipaddress`, `virtual_ipaddress_excluded` or `static_ipaddress`:
/// `ADDR[/LEN] [brd IP] [dev IF] [scope S] [label L] [peer IP] [no_track] ...`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vip {
    pub addr: Option<IpAddr>,
    /// Prefix length; /32 or /128 when not given.
    pub prefix: u8,
    pub brd: Option<Ipv4Addr>,
    /// `dev`: when absent the instance's interface (or `default_interface` for static ones).
    pub dev: Option<IfName>,
    pub scope: Scope,
    pub label: Option<IfName>,
    pub peer: Option<IpAddr>,
    /// `no_track`: deletion by someone else does not make the instance leave MASTER.
    pub no_track: bool,
    /// `-nodad` (IPv6).
    pub nodad: bool,
    /// `noprefixroute`.
    pub noprefixroute: bool,
}

impl Vip {
    /// The address; the parser never stores a VIP without one.
    pub fn ip(&self) -> IpAddr {
        self.addr.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }
}

/// One entry of `virtual_routes` / `static_routes`: `[src IP] DEST/LEN [via|gw GW] [dev IF]
/// [scope S] [table T] [metric M] [blackhole|unreachable|prohibit] [no_track]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Route {
    pub dst: Option<IpAddr>,
    pub prefix: u8,
    pub src: Option<IpAddr>,
    pub via: Option<IpAddr>,
    pub dev: Option<IfName>,
    pub scope: Option<Scope>,
    pub table: Option<u32>,
    pub metric: Option<u32>,
    /// rtnetlink route type (1 unicast, 6 blackhole, 7 unreachable, 8 prohibit).
    pub kind: u8,
    pub no_track: bool,
}

/// A `unicast_peer` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peer {
    pub addr: IpAddr,
    /// `min_ttl`/`max_ttl`: when set, the received TTL must lie in this range.
    pub min_ttl: u8,
    pub max_ttl: u8,
}

/// A command from the config (a check script, a notify hook), with the user to run it as.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Command {
    /// The command line as written (quotes removed, escapes applied).
    pub line: CommandLine,
    /// `user USER [GROUP]` given on this command, else the global `script_user` applies.
    pub user: Option<Name>,
    pub group: Option<Name>,
}

/// Index into `Config::commands`.
pub type CommandId = u16;

/// A `vrrp_script` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    pub name: Name,
    pub command: CommandId,
    /// Run period; keepalived 2.2.7 default 1 s.
    pub interval: Duration,
    /// Kill after this; default = interval.
    pub timeout: Duration,
    /// −253..253; 0 = a failure puts tracking instances in FAULT.
    pub weight: i16,
    pub weight_reverse: bool,
    pub rise: u32,
    pub fall: u32,
    pub init_fail: bool,
}

/// A `track_file` block: an integer in a file, watched with inotify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackFile {
    pub name: Name,
    pub path: CommandLine,
    pub weight: i16,
    pub weight_reverse: bool,
    /// `init_file [VAL] [overwrite]`: create the file with VAL if missing (or always).
    pub init_value: Option<i32>,
    pub init_overwrite: bool,
}

/// `param_match` of a `vrrp_track_process` (keepalived's PARAM_MATCH_*).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ParamMatch {
    /// No parameters compared (only the name / argv[0]).
    #[default]
    None,
    /// The parameters must be exactly the configured ones.
    Exact,
    /// The configured parameters are the first ones of the process.
    Partial,
    /// Like `Partial`, but the last configured parameter may be a prefix.
    Initial,
}

/// A `vrrp_track_process` block: how many running processes match (found by scanning /proc).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackProcess {
    pub name: Name,
    /// The process name (`comm`) or, with `full_command`, argv[0].
    pub process: CommandLine,
    /// The configured parameters, each followed by a NUL (keepalived's layout); empty = none.
    pub params: CommandLine,
    /// Whether parameters were configured (`params` may be empty only when none were).
    pub has_params: bool,
    pub param_match: ParamMatch,
    /// Match /proc/PID/cmdline instead of the process name.
    pub full_command: bool,
    /// −254..254; 0 = losing quorum puts tracking instances in FAULT. Default 0.
    pub weight: i16,
    pub weight_reverse: bool,
    /// Up while `quorum <= count <= quorum_max` (defaults 1 and u32::MAX).
    pub quorum: u32,
    pub quorum_max: u32,
    /// Delay before quorum gained by a rising count counts (`fork_delay`/`delay`).
    pub fork_delay: Duration,
    /// Delay before quorum lost by a falling count counts (`terminate_delay`/`delay`).
    pub terminate_delay: Duration,
}

impl TrackProcess {
    /// A tracker with keepalived 2.2.7's defaults: no process yet, no parameters, weight 0,
    /// quorum 1 with no upper bound, no delays.
    pub fn with_defaults(name: Name) -> TrackProcess {
        TrackProcess {
            name,
            process: Default::default(),
            params: Default::default(),
            has_params: false,
            param_match: ParamMatch::None,
            full_command: false,
            weight: 0,
            weight_reverse: false,
            quorum: 1,
            quorum_max: u32::MAX,
            fork_delay: Duration::ZERO,
            terminate_delay: Duration::ZERO,
        }
    }
}

/// What a [`Track`] points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrackTarget {
    /// Index into `Config::scripts`.
    Script(u16),
    /// Index into `Config::track_files`.
    File(u16),
    /// Index into `Config::track_processes`.
    Process(u16),
    /// An interface by name.
    Interface(IfName),
}

/// One line of `track_script`, `track_interface`, `track_file` or `track_process` in an
/// instance or group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Track {
    pub target: TrackTarget,
    /// Instance-level weight override; `None` means the script's / file's own weight (0 for
    /// interfaces).
    pub weight: Option<i16>,
    pub reverse: bool,
}

/// The notify hooks of an instance or a sync group (indices into `Config::commands`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notifies {
    pub master: Option<CommandId>,
    pub backup: Option<CommandId>,
    pub fault: Option<CommandId>,
    pub stop: Option<CommandId>,
    /// The generic `notify`, given `INSTANCE|GROUP name STATE priority` as extra arguments.
    pub generic: Option<CommandId>,
    pub master_rx_lower_pri: Option<CommandId>,
    /// `notify_deleted [cmd]`: report DELETED (instead of FAULT) when a reload removes the
    /// instance; the command is optional.
    pub deleted: bool,
    pub deleted_cmd: Option<CommandId>,
}

/// Gratuitous ARP / unsolicited NA timing (global defaults, per-instance overrides).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GarpParams {
    /// Delay of the second burst after becoming master; zero = no second burst.
    pub master_delay: Duration,
    pub master_repeat: u32,
    /// Periodic refresh while master; zero = off.
    pub master_refresh: Duration,
    pub master_refresh_repeat: u32,
    pub lower_prio_delay: Duration,
    pub lower_prio_repeat: u32,
    /// Spacing between individual GARPs on one interface.
    pub interval: Duration,
    /// Spacing between individual NAs on one interface.
    pub na_interval: Duration,
}

impl Default for GarpParams {
    fn default() -> Self {
        GarpParams {
            master_delay: Duration::from_secs(5),
            master_repeat: 5,
            master_refresh: Duration::ZERO,
            master_refresh_repeat: 1,
            lower_prio_delay: Duration::from_secs(5),
            lower_prio_repeat: 5,
            interval: Duration::ZERO,
            na_interval: Duration::ZERO,
        }
    }
}

/// A `vrrp_instance` block after keepalived's load-time rules were applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    pub name: Name,
    pub initial_state: InitialState,
    /// `interface`; may be absent for unicast instances.
    pub interface: Option<IfName>,
    /// `mcast_src_ip` / `unicast_src_ip`.
    pub src_ip: Option<IpAddr>,
    /// `unicast_peer` entries (pool `Config::peers`); empty = multicast.
    pub peers: Slice,
    /// `mcast_dst_ip`, else the global group for the family.
    pub mcast_group: Option<IpAddr>,
    pub unicast_ttl: u8,
    pub vrid: u8,
    /// Base priority 1..255.
    pub priority: u8,
    /// `advert_int`; v2 whole seconds, v3 centiseconds.
    pub advert_int: Duration,
    /// 2 or 3.
    pub version: u8,
    pub family: Family,
    pub nopreempt: bool,
    pub preempt_delay: Duration,
    pub auth: Auth,
    /// `virtual_ipaddress` (pool `Config::vips`), the ones carried in adverts.
    pub vips: Slice,
    /// `virtual_ipaddress_excluded` plus VIPs that did not fit in an advert.
    pub evips: Slice,
    /// `virtual_routes` (pool `Config::routes`).
    pub vroutes: Slice,
    /// `track_script`, `track_interface`, `track_file`, `track_process` (pool `Config::tracks`).
    pub tracks: Slice,
    pub dont_track_primary: bool,
    pub notifies: Notifies,
    /// `smtp_alert`, resolved against the global defaults.
    pub smtp_alert: bool,
    pub garp: GarpParams,
    pub down_timer_adverts: u8,
    pub lower_prio_no_advert: bool,
    pub higher_prio_send_advert: bool,
    pub accept: bool,
    pub strict: bool,
    pub skip_check_adv_addr: bool,
    pub check_unicast_src: bool,
    /// VRRPv3 over IPv4: checksum without the pseudo-header (RFC 9568, Cisco, Juniper).
    pub v3_checksum_as_v2: bool,
    /// Send unicast v3 checksums the pre-1.3.6 way (pseudo-header with 224.0.0.18).
    pub old_unicast_checksum: bool,
    pub notify_priority_changes: bool,
    /// Index into `Config::sync_groups`, if a member.
    pub sync_group: Option<u16>,
}

/// A `vrrp_sync_group` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncGroup {
    pub name: Name,
    /// Member instances, indices into `Config::instances`.
    pub members: Vec<u16, MAX_SYNC_MEMBERS>,
    pub tracks: Slice,
    pub notifies: Notifies,
    pub smtp_alert: bool,
    pub sync_group_tracking_weight: bool,
}

/// `global_defs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Global {
    pub router_id: Option<Name>,
    pub notification_email: Vec<Text, MAX_EMAILS>,
    pub notification_email_from: Option<Text>,
    pub smtp_server: Option<(Text, u16)>,
    pub smtp_helo_name: Option<Text>,
    pub smtp_connect_timeout: Duration,
    pub smtp_alert: Option<bool>,
    pub smtp_alert_vrrp: Option<bool>,
    pub no_email_faults: bool,
    pub script_user: Option<(Name, Option<Name>)>,
    pub enable_script_security: bool,
    pub vrrp_version: u8,
    pub mcast_group4: Ipv4Addr,
    pub mcast_group6: IpAddr,
    pub garp: GarpParams,
    pub down_timer_adverts: u8,
    pub lower_prio_no_advert: bool,
    pub higher_prio_send_advert: bool,
    pub check_unicast_src: bool,
    pub skip_check_adv_addr: bool,
    pub strict: bool,
    pub v3_checksum_as_v2: bool,
    pub notify_fifo: Option<CommandLine>,
    /// `notify_fifo FIFO USER [GROUP]`: who owns the FIFO when the daemon creates it (else
    /// the default script user, as keepalived does).
    pub notify_fifo_owner: Option<(Name, Option<Name>)>,
    pub notify_fifo_script: Option<CommandId>,
    pub vrrp_notify_fifo: Option<CommandLine>,
    pub vrrp_notify_fifo_owner: Option<(Name, Option<Name>)>,
    pub vrrp_notify_fifo_script: Option<CommandId>,
    pub notify_priority_changes: bool,
    pub startup_delay: Duration,
    pub default_interface: IfName,
    pub log_unknown_vrids: bool,
    /// `dynamic_interfaces`: an instance whose interface does not exist yet waits in FAULT
    /// for it; without it the daemon refuses to start (keepalived's CONFIG exit).
    pub dynamic_interfaces: bool,
    /// How the daemon itself is scheduled.
    pub sched: Scheduling,
}

/// `vrrp_rt_priority`, `vrrp_rlimit_rttime`, `vrrp_priority`, `vrrp_no_swap`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scheduling {
    /// SCHED_RR priority 1..99; 0 = normal scheduling.
    pub rt_priority: u8,
    /// RLIMIT_RTTIME hard limit in µs while real-time (the soft limit, half of it, warns).
    pub rlimit_rttime: u32,
    /// Nice value −20..19 when not real-time.
    pub nice: i8,
    /// Lock the process in memory (mlockall).
    pub no_swap: bool,
}

impl Default for Scheduling {
    fn default() -> Self {
        Scheduling {
            rt_priority: 0,
            rlimit_rttime: 10_000,
            nice: 0,
            no_swap: false,
        }
    }
}

impl Default for Global {
    fn default() -> Self {
        let mut default_interface = IfName::new();
        let _ = default_interface.push_str("eth0");
        Global {
            router_id: None,
            notification_email: Vec::new(),
            notification_email_from: None,
            smtp_server: None,
            smtp_helo_name: None,
            smtp_connect_timeout: Duration::from_secs(30),
            smtp_alert: None,
            smtp_alert_vrrp: None,
            no_email_faults: false,
            script_user: None,
            enable_script_security: false,
            vrrp_version: 2,
            mcast_group4: Ipv4Addr::new(224, 0, 0, 18),
            mcast_group6: IpAddr::V6(core::net::Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12)),
            garp: GarpParams::default(),
            down_timer_adverts: 3,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            check_unicast_src: false,
            skip_check_adv_addr: false,
            strict: false,
            v3_checksum_as_v2: false,
            notify_fifo: None,
            notify_fifo_owner: None,
            notify_fifo_script: None,
            vrrp_notify_fifo: None,
            vrrp_notify_fifo_owner: None,
            vrrp_notify_fifo_script: None,
            notify_priority_changes: false,
            startup_delay: Duration::ZERO,
            default_interface,
            log_unknown_vrids: false,
            dynamic_interfaces: false,
            sched: Scheduling::default(),
        }
    }
}

/// The whole configuration. Large: keep it boxed (`Box<Config>`), built once per load.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub global: Global,
    pub instances: Vec<Instance, MAX_INSTANCES>,
    pub sync_groups: Vec<SyncGroup, MAX_SYNC_GROUPS>,
    pub scripts: Vec<Script, MAX_SCRIPTS>,
    pub track_files: Vec<TrackFile, MAX_TRACK_FILES>,
    pub track_processes: Vec<TrackProcess, MAX_TRACK_PROCESSES>,
    pub vips: Vec<Vip, MAX_VIPS>,
    pub routes: Vec<Route, MAX_ROUTES>,
    pub tracks: Vec<Track, MAX_TRACKS>,
    pub peers: Vec<Peer, MAX_PEERS>,
    pub commands: Vec<Command, MAX_COMMANDS>,
    /// `static_ipaddress` (pool `vips`).
    pub static_vips: Slice,
    /// `static_routes` (pool `routes`).
    pub static_routes: Slice,
}

impl Config {
    pub fn vips_of(&self, s: Slice) -> &[Vip] {
        self.vips.get(s.range()).unwrap_or(&[])
    }
    pub fn routes_of(&self, s: Slice) -> &[Route] {
        self.routes.get(s.range()).unwrap_or(&[])
    }
    pub fn tracks_of(&self, s: Slice) -> &[Track] {
        self.tracks.get(s.range()).unwrap_or(&[])
    }
    pub fn peers_of(&self, s: Slice) -> &[Peer] {
        self.peers.get(s.range()).unwrap_or(&[])
    }
    pub fn command(&self, id: CommandId) -> Option<&Command> {
        self.commands.get(id as usize)
    }
    pub fn instance_by_name(&self, name: &str) -> Option<usize> {
        self.instances.iter().position(|i| i.name.as_str() == name)
    }
    /// Whether the interface table needs `name`: an instance's `interface`, a VIP / eVIP /
    /// virtual route `dev`, a `track_interface` (at most `MAX_INTERFACES` such names, load
    /// refuses more).
    pub fn uses_interface(&self, name: &str) -> bool {
        let is = |d: &Option<IfName>| d.as_ref().is_some_and(|d| d.as_str() == name);
        self.instances.iter().any(|i| {
            is(&i.interface)
                || self
                    .vips_of(i.vips)
                    .iter()
                    .chain(self.vips_of(i.evips))
                    .any(|v| is(&v.dev))
                || self.routes_of(i.vroutes).iter().any(|r| is(&r.dev))
        }) || self
            .tracks
            .iter()
            .any(|t| matches!(&t.target, TrackTarget::Interface(n) if n.as_str() == name))
    }
}
