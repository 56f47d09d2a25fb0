//! What the parser collects before validation: the keyword values as written, each with the
//! location it came from, in growable load-time vectors. `validate` turns this into the
//! fixed-capacity [`super::Config`] (pools, indices, defaults, keepalived's completion rules).

use super::diag::Span;
use super::model::*;
use crate::time::Duration;

/// A command with where it was written.
#[derive(Clone, Debug, Default)]
pub struct RawCmd {
    pub cmd: Command,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct RawScript {
    pub name: Name,
    pub span: Span,
    pub cmd: Option<RawCmd>,
    pub interval: Duration,
    pub timeout: Option<Duration>,
    pub weight: i16,
    pub reverse: bool,
    pub rise: u32,
    pub fall: u32,
    pub init_fail: bool,
    pub user: Option<(Name, Option<Name>)>,
}

#[derive(Clone, Debug)]
pub struct RawTrackFile {
    pub name: Name,
    pub span: Span,
    pub file: Option<CommandLine>,
    pub weight: i16,
    pub reverse: bool,
    pub init_value: Option<i32>,
    pub init_overwrite: bool,
}

#[derive(Clone, Debug)]
pub struct RawTrackProcess {
    pub span: Span,
    /// `process` given (else the block is dropped at the end).
    pub have_process: bool,
    pub tp: TrackProcess,
}

/// A tracked thing by name (resolved in validation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawTarget {
    Script(Name),
    File(Name),
    Process(Name),
    Interface(IfName),
}

#[derive(Clone, Debug)]
pub struct RawTrack {
    pub target: RawTarget,
    pub weight: Option<i16>,
    /// `reverse` / `noreverse` as written; `None`: the tracker's own.
    pub reverse: Option<bool>,
    pub span: Span,
}

/// Notify commands of an instance or a group, as written.
#[derive(Clone, Debug, Default)]
pub struct RawNotifies {
    pub master: Option<RawCmd>,
    pub backup: Option<RawCmd>,
    pub fault: Option<RawCmd>,
    pub stop: Option<RawCmd>,
    pub generic: Option<RawCmd>,
    pub master_rx_lower_pri: Option<RawCmd>,
    pub deleted: bool,
    pub deleted_cmd: Option<RawCmd>,
}

/// GARP overrides of one instance (None = the global value).
#[derive(Clone, Copy, Debug, Default)]
pub struct RawGarp {
    pub master_delay: Option<Duration>,
    pub master_repeat: Option<u32>,
    pub master_refresh: Option<Duration>,
    pub master_refresh_repeat: Option<u32>,
    pub lower_prio_delay: Option<Duration>,
    pub lower_prio_repeat: Option<u32>,
    pub interval: Option<Duration>,
    pub na_interval: Option<Duration>,
}

#[derive(Clone, Debug)]
pub struct RawInstance {
    pub name: Name,
    pub span: Span,
    pub state: Option<InitialState>,
    pub interface: Option<(IfName, Span)>,
    pub src_ip: Option<IpAddrSpan>,
    pub unicast_kw: Option<Span>,
    pub peers: Vec<(Peer, Span)>,
    pub mcast_group: Option<core::net::IpAddr>,
    pub unicast_ttl: Option<u8>,
    pub vrid: Option<u8>,
    pub priority: Option<u8>,
    /// advert_int in microseconds as written.
    pub advert_int: Option<(Duration, Span)>,
    pub version: Option<u8>,
    pub nopreempt: bool,
    pub preempt_delay: Option<Duration>,
    /// (type 1 PASS / 2 AH, span of auth_type)
    pub auth_type: Option<(u8, Span)>,
    pub auth_pass: Option<[u8; 8]>,
    pub vips: Vec<(Vip, Span)>,
    pub evips: Vec<(Vip, Span)>,
    pub vroutes: Vec<(Route, Span)>,
    pub tracks: Vec<RawTrack>,
    pub dont_track_primary: bool,
    pub notifies: RawNotifies,
    pub smtp_alert: Option<bool>,
    pub garp: RawGarp,
    pub down_timer_adverts: Option<u8>,
    pub lower_prio_no_advert: Option<bool>,
    pub higher_prio_send_advert: Option<bool>,
    pub accept: Option<bool>,
    pub strict: Option<bool>,
    pub skip_check_adv_addr: Option<bool>,
    pub check_unicast_src: Option<bool>,
    pub v3_checksum_as_v2: Option<bool>,
    pub old_unicast_checksum: bool,
    pub notify_priority_changes: Option<bool>,
    /// `native_ipv6`: IPv6 when no address says otherwise.
    pub native_ipv6: bool,
}

pub type IpAddrSpan = (core::net::IpAddr, Span);

impl RawInstance {
    pub fn new(name: Name, span: Span) -> Self {
        RawInstance {
            name,
            span,
            state: None,
            interface: None,
            src_ip: None,
            unicast_kw: None,
            peers: Vec::new(),
            mcast_group: None,
            unicast_ttl: None,
            vrid: None,
            priority: None,
            advert_int: None,
            version: None,
            nopreempt: false,
            preempt_delay: None,
            auth_type: None,
            auth_pass: None,
            vips: Vec::new(),
            evips: Vec::new(),
            vroutes: Vec::new(),
            tracks: Vec::new(),
            dont_track_primary: false,
            notifies: RawNotifies::default(),
            smtp_alert: None,
            garp: RawGarp::default(),
            down_timer_adverts: None,
            lower_prio_no_advert: None,
            higher_prio_send_advert: None,
            accept: None,
            strict: None,
            skip_check_adv_addr: None,
            check_unicast_src: None,
            v3_checksum_as_v2: None,
            old_unicast_checksum: false,
            notify_priority_changes: None,
            native_ipv6: false,
        }
    }
}

#[derive(Clone, Debug)]
pub struct RawGroup {
    pub name: Name,
    pub span: Span,
    pub members: Vec<(Name, Span)>,
    pub tracks: Vec<RawTrack>,
    pub notifies: RawNotifies,
    pub smtp_alert: Option<bool>,
    pub sync_group_tracking_weight: bool,
    pub notify_priority_changes: Option<bool>,
}

/// Everything parsed from the files.
#[derive(Clone, Debug, Default)]
pub struct RawConfig {
    pub global: Global,
    pub global_span: Option<Span>,
    pub notify_fifo_script: Option<RawCmd>,
    pub vrrp_notify_fifo_script: Option<RawCmd>,
    pub scripts: Vec<RawScript>,
    pub track_files: Vec<RawTrackFile>,
    pub track_processes: Vec<RawTrackProcess>,
    pub instances: Vec<RawInstance>,
    pub groups: Vec<RawGroup>,
    pub static_vips: Vec<(Vip, Span)>,
    pub static_routes: Vec<(Route, Span)>,
}
