//! keepalived 2.2.7's per-instance completion rules (its `vrrp_complete_instance`), applied
//! to one [`RawInstance`]: defaults, ranges that depend on the version, AH/state/preempt
//! interactions, family, unicast fallback, VIPs that do not fit in one advert, strict mode.
//! Texts of the warnings are keepalived's where users know them.

use core::net::IpAddr;

use super::diag::{Diagnostics, Span};
use super::model::*;
use super::parser::fmt_secs;
use super::raw::{RawInstance, RawNotifies, RawTarget, RawTrack};
use crate::time::Duration;

/// An instance after completion, its lists not yet placed in the pools.
pub struct Done {
    pub inst: Instance,
    pub span: Span,
    /// Where `interface` was given (the instance's span if not).
    pub iface_span: Span,
    pub vips: Vec<(Vip, Span)>,
    pub evips: Vec<(Vip, Span)>,
    pub vroutes: Vec<(Route, Span)>,
    pub tracks: Vec<(Track, Span)>,
    /// Its weighted trackers were settled for its sync group (see `validate`).
    pub weights_settled: bool,
    pub peers: Vec<(Peer, Span)>,
    pub notifies: RawNotifies,
}

/// Names of the scripts / track files that exist, in pool order.
/// Trackers by name, with their own weight and `reverse` (what an instance's entry inherits).
pub struct Names<'a> {
    pub scripts: &'a [(Name, i16, bool)],
    pub files: &'a [(Name, i16, bool)],
    pub processes: &'a [(Name, i16, bool)],
}

/// Ethernet MTU keepalived assumes when it checks that the VIPs fit in one advert.
const MTU: usize = 1500;

/// How many addresses fit in one advert (keepalived's arithmetic, MTU 1500).
pub fn max_vips(family: Family, ah: bool) -> usize {
    let fit = match family {
        // Ethernet header, IPv4 header, (AH), VRRP header, 8 auth bytes.
        Family::V4 => (MTU - 14 - 20 - if ah { 24 } else { 0 } - 8 - 8) / 4,
        Family::V6 => (MTU - 14 - 40 - 8) / 16,
    };
    fit.min(255)
}

fn family_of(a: IpAddr) -> Family {
    if a.is_ipv4() {
        Family::V4
    } else {
        Family::V6
    }
}

pub fn complete(
    ri: RawInstance,
    g: &Global,
    names: &Names<'_>,
    d: &mut Diagnostics,
) -> Option<Done> {
    let n = ri.name.clone();
    let Some(vrid) = ri.vrid else {
        d.error(ri.span, format!("({n}) the virtual router id must be set"));
        return None;
    };

    // Family: the first VIP, else an excluded one, else the unicast addresses.
    let family = ri
        .vips
        .first()
        .or(ri.evips.first())
        .map(|(v, _)| family_of(v.ip()))
        .or(ri.src_ip.map(|(a, _)| family_of(a)))
        .or(ri.peers.first().map(|(p, _)| family_of(p.addr)))
        .unwrap_or(if ri.native_ipv6 {
            Family::V6
        } else {
            Family::V4
        });

    // Unicast peers of the other family are dropped.
    let mut peers = Vec::new();
    for (p, sp) in ri.peers {
        if family_of(p.addr) != family {
            d.warn(
                sp,
                format!(
                    "({n}) unicast peer {} does not match the instance's address family - ignoring",
                    p.addr
                ),
            );
        } else {
            peers.push((p, sp));
        }
    }
    let mut src_ip = ri.src_ip.map(|(a, _)| a);
    if let Some((a, sp)) = ri.src_ip {
        if family_of(a) != family {
            d.warn(sp, format!("({n}) source address {a} does not match the instance's address family - ignoring"));
            src_ip = None;
        }
    }

    let strict = ri.strict.unwrap_or(g.strict);

    // Version: IPv6 is always VRRPv3.
    let mut version = ri.version.unwrap_or(g.vrrp_version);
    if family == Family::V6 && version == 2 {
        if ri.version.is_some() {
            d.warn(
                ri.span,
                format!("({n}) IPv6 requires VRRP version 3 - setting version 3"),
            );
        }
        version = 3;
    }

    // Advert interval.
    let advert_int = advert_int(&n, version, ri.advert_int, d);

    // Priority default depends on the wanted state (keepalived: 255 for MASTER).
    let mut state = ri.state.unwrap_or(if ri.priority == Some(255) {
        InitialState::Master
    } else {
        InitialState::Backup
    });
    let priority = ri
        .priority
        .unwrap_or(if ri.state == Some(InitialState::Master) {
            255
        } else {
            100
        });

    // Authentication.
    let mut auth = Auth::None;
    if let Some((ty, sp)) = ri.auth_type {
        if version == 3 {
            d.warn(
                sp,
                format!("({n}) VRRP version 3 does not support authentication. Ignoring."),
            );
        } else if strict {
            d.warn(
                sp,
                format!("({n}) strict mode does not support authentication. Ignoring."),
            );
        } else if ty == 2 && family == Family::V6 {
            d.warn(
                sp,
                format!("({n}) AH authentication is not supported with IPv6. Ignoring."),
            );
        } else {
            // keepalived 2.2.7: no (or an empty) auth_pass means no authentication at all.
            match ri.auth_pass {
                Some(key) if ty == 1 => auth = Auth::Pass(key),
                Some(key) => auth = Auth::Ah(key),
                None => d.warn(
                    sp,
                    format!("({n}) Authentication specified but no password given. Ignoring"),
                ),
            }
        }
    }
    // An owner (255) may start as MASTER with AH: keepalived 2.2.7 clears only the others.
    if matches!(auth, Auth::Ah(_)) && state == InitialState::Master && priority != 255 {
        d.warn(
            ri.span,
            format!("({n}) Initial state master is incompatible with AH authentication - clearing"),
        );
        state = InitialState::Backup;
    }

    // Preemption.
    let mut nopreempt = ri.nopreempt;
    if nopreempt && priority == 255 {
        d.warn(
            ri.span,
            format!("({n}) nopreempt is incompatible with priority 255. resetting nopreempt"),
        );
        nopreempt = false;
    }
    if nopreempt && state == InitialState::Master {
        d.warn(
            ri.span,
            format!("({n}) Warning - nopreempt will not work with initial state MASTER - clearing"),
        );
        nopreempt = false;
    }
    let mut preempt_delay = ri.preempt_delay.unwrap_or(Duration::ZERO);
    if !preempt_delay.is_zero() && state == InitialState::Master {
        d.warn(
            ri.span,
            format!(
                "({n}) Warning - preempt delay will not work with initial state MASTER - clearing"
            ),
        );
        preempt_delay = Duration::ZERO;
    }
    if !preempt_delay.is_zero() && nopreempt {
        d.warn(
            ri.span,
            format!("({n}) preempt_delay is incompatible with nopreempt - clearing preempt_delay"),
        );
        preempt_delay = Duration::ZERO;
    }
    if !preempt_delay.is_zero() && strict {
        d.warn(
            ri.span,
            format!("({n}) preempt_delay is incompatible with strict mode - clearing"),
        );
        preempt_delay = Duration::ZERO;
    }

    // Unicast keyword without peers: multicast (keepalived 2.2.7's deprecated fallback).
    if peers.is_empty() {
        if let Some(sp) = ri.unicast_kw {
            d.warn(sp, format!("({n}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration."));
        }
    } else if strict {
        let sp = peers.first().map_or(ri.span, |p| p.1);
        d.error(
            sp,
            format!("({n}) Unicast peers are not supported in strict mode - using multicast"),
        );
        peers.clear();
    }

    let mut unicast_ttl = ri.unicast_ttl.unwrap_or(255);
    if peers.is_empty() && unicast_ttl != 255 {
        d.warn(
            ri.span,
            format!("({n}): Cannot use unicast_ttl without unicast peers - resetting"),
        );
        unicast_ttl = 255;
    }

    // Interface: required for multicast (keepalived: a config error, the instance is dropped).
    let iface_span = ri.interface.as_ref().map_or(ri.span, |(_, sp)| *sp);
    let interface = match ri.interface {
        Some((i, _)) => Some(i),
        None if peers.is_empty() => {
            d.error(ri.span, format!("({n}) Unknown interface!"));
            return None;
        }
        None => None,
    };

    // Strict mode (B.8): MASTER only for the owner, IPv6 VIP lists start with a link-local.
    if strict && state == InitialState::Master && priority != 255 {
        d.error(
            ri.span,
            format!("({n}) State MASTER must match being address owner"),
        );
        state = InitialState::Backup;
    }
    if strict && family == Family::V6 {
        let first_ll = ri.vips.first().is_some_and(|(v, _)| match v.ip() {
            IpAddr::V6(a) => (a.segments()[0] & 0xffc0) == 0xfe80,
            IpAddr::V4(_) => false,
        });
        if !first_ll && !ri.vips.is_empty() {
            d.error(
                ri.span,
                format!("({n}) the first IPv6 VIP address must be link local"),
            );
        }
    }

    // VIPs: none is odd; too many for one advert go to the excluded list.
    let mut vips = ri.vips;
    let mut evips = ri.evips;
    if vips.is_empty() {
        // keepalived 2.2.7 (measured): v3, IPv6 and strict mode need one; it is an error and
        // the instance is not run (keepalived then stops completing its VRRP config at all).
        if version == 3 || family == Family::V6 || strict {
            d.error(
                ri.span,
                format!("({n}) No VIP specified; at least one is required"),
            );
            return None;
        }
        d.warn(
            ri.span,
            format!("({n}) No VIP specified; at least one is sensible"),
        );
    }
    let max = max_vips(family, matches!(auth, Auth::Ah(_)));
    if vips.len() > max {
        let extra = vips.split_off(max);
        if let Some((_, sp)) = extra.first() {
            d.error(*sp, format!("({n}) Number of VIPs ({}) exceeds the {max} that fit in an advert - moving the excess to virtual_ipaddress_excluded", vips.len() + extra.len()));
        }
        let mut moved = extra;
        moved.append(&mut evips);
        evips = moved;
    }

    // Trackers: resolve names.
    let tracks = resolve_tracks(&n, ri.tracks, names, d);

    let mut garp = GarpParams {
        master_delay: ri.garp.master_delay.unwrap_or(g.garp.master_delay),
        master_repeat: ri.garp.master_repeat.unwrap_or(g.garp.master_repeat),
        master_refresh: ri.garp.master_refresh.unwrap_or(g.garp.master_refresh),
        master_refresh_repeat: ri
            .garp
            .master_refresh_repeat
            .unwrap_or(g.garp.master_refresh_repeat),
        lower_prio_delay: ri.garp.lower_prio_delay.unwrap_or(g.garp.lower_prio_delay),
        lower_prio_repeat: ri
            .garp
            .lower_prio_repeat
            .unwrap_or(g.garp.lower_prio_repeat),
        interval: ri.garp.interval.unwrap_or(g.garp.interval),
        na_interval: ri.garp.na_interval.unwrap_or(g.garp.na_interval),
    };
    let mut down_timer_adverts = ri.down_timer_adverts.unwrap_or(g.down_timer_adverts);
    let mut lower_prio_no_advert = ri.lower_prio_no_advert.unwrap_or(g.lower_prio_no_advert);
    let mut higher_prio_send_advert = ri
        .higher_prio_send_advert
        .unwrap_or(g.higher_prio_send_advert);
    let mut accept = ri.accept.unwrap_or(true);
    if strict {
        // RFC-strict: keepalived forces these (B.8).
        down_timer_adverts = 3;
        lower_prio_no_advert = true;
        higher_prio_send_advert = false;
        garp.lower_prio_repeat = 0;
        accept = ri.accept.unwrap_or(priority == 255);
        if accept && version == 2 && priority != 255 {
            d.warn(
                ri.span,
                format!("({n}) accept mode is not supported with VRRPv2 in strict mode - clearing"),
            );
            accept = false;
        }
    }

    let inst = Instance {
        name: n,
        initial_state: state,
        interface,
        src_ip,
        peers: Slice::default(),
        mcast_group: if peers.is_empty() {
            ri.mcast_group.filter(|a| family_of(*a) == family)
        } else {
            None
        },
        unicast_ttl,
        vrid,
        priority,
        advert_int,
        version,
        family,
        nopreempt,
        preempt_delay,
        auth,
        vips: Slice::default(),
        evips: Slice::default(),
        vroutes: Slice::default(),
        tracks: Slice::default(),
        dont_track_primary: ri.dont_track_primary,
        notifies: Notifies::default(),
        smtp_alert: ri
            .smtp_alert
            .or(g.smtp_alert_vrrp)
            .or(g.smtp_alert)
            .unwrap_or(false),
        garp,
        down_timer_adverts,
        lower_prio_no_advert,
        higher_prio_send_advert,
        accept,
        strict,
        skip_check_adv_addr: ri.skip_check_adv_addr.unwrap_or(g.skip_check_adv_addr),
        check_unicast_src: ri.check_unicast_src.unwrap_or(g.check_unicast_src),
        v3_checksum_as_v2: ri.v3_checksum_as_v2.unwrap_or(g.v3_checksum_as_v2),
        old_unicast_checksum: ri.old_unicast_checksum,
        notify_priority_changes: ri
            .notify_priority_changes
            .unwrap_or(g.notify_priority_changes),
        sync_group: None,
    };
    Some(Done {
        inst,
        span: ri.span,
        iface_span,
        vips,
        evips,
        vroutes: ri.vroutes,
        tracks,
        weights_settled: false,
        peers,
        notifies: ri.notifies,
    })
}

/// keepalived's advert_int rules: v2 whole seconds 1..255, v3 centiseconds 1..4095.
fn advert_int(
    n: &str,
    version: u8,
    raw: Option<(Duration, Span)>,
    d: &mut Diagnostics,
) -> Duration {
    let Some((v, sp)) = raw else {
        return Duration::from_secs(1);
    };
    if version == 2 {
        let us = v.as_micros();
        let secs = ((us + 500_000) / 1_000_000).clamp(1, 255);
        if us % 1_000_000 != 0 {
            d.warn(
                sp,
                format!(
                    "({n}) VRRPv2 advert_int must be whole seconds - rounding {} to {secs}",
                    fmt_secs(v)
                ),
            );
        }
        Duration::from_secs(secs)
    } else {
        let us = v.as_micros();
        let cs = (us + 5_000) / 10_000;
        if !(1..=4095).contains(&cs) {
            d.warn(
                sp,
                format!(
                    "({n}) VRRPv3 advert_int {} outside [0.01, 40.95] - using 1",
                    fmt_secs(v)
                ),
            );
            return Duration::from_secs(1);
        }
        if us % 10_000 != 0 {
            d.warn(
                sp,
                format!(
                    "({n}) VRRPv3 advert_int {} rounded to {} (centisecond units)",
                    fmt_secs(v),
                    fmt_secs(Duration::from_centis(cs))
                ),
            );
        }
        Duration::from_centis(cs)
    }
}

pub fn resolve_tracks(
    owner: &str,
    list: Vec<RawTrack>,
    names: &Names<'_>,
    d: &mut Diagnostics,
) -> Vec<(Track, Span)> {
    let mut out = Vec::new();
    for t in list {
        let target = match &t.target {
            RawTarget::Script(s) => match names.scripts.iter().position(|(x, ..)| x == s) {
                Some(i) => TrackTarget::Script(i as u16),
                None => {
                    d.warn(
                        t.span,
                        format!("({owner}) track script {s} not found, ignoring..."),
                    );
                    continue;
                }
            },
            RawTarget::File(s) => match names.files.iter().position(|(x, ..)| x == s) {
                Some(i) => TrackTarget::File(i as u16),
                None => {
                    d.warn(
                        t.span,
                        format!("({owner}) track file {s} not found, ignoring..."),
                    );
                    continue;
                }
            },
            RawTarget::Process(s) => match names.processes.iter().position(|(x, ..)| x == s) {
                Some(i) => TrackTarget::Process(i as u16),
                None => {
                    d.warn(
                        t.span,
                        format!("({owner}) track process {s} not found, ignoring..."),
                    );
                    continue;
                }
            },
            RawTarget::Interface(i) => TrackTarget::Interface(i.clone()),
        };
        if out.iter().any(|(x, _): &(Track, Span)| x.target == target) {
            d.warn(
                t.span,
                format!(
                    "({owner}) duplicate tracker {} - ignoring",
                    target_name(&t.target)
                ),
            );
            continue;
        }
        // keepalived: `NAME weight N` without reverse/noreverse keeps the tracker's own
        // `reverse` (alloc_track_script/_file/_process start from it).
        let own_reverse = match target {
            TrackTarget::Script(i) => names.scripts.get(i as usize).is_some_and(|x| x.2),
            TrackTarget::File(i) => names.files.get(i as usize).is_some_and(|x| x.2),
            TrackTarget::Process(i) => names.processes.get(i as usize).is_some_and(|x| x.2),
            TrackTarget::Interface(_) => false,
        };
        out.push((
            Track {
                target,
                weight: t.weight,
                reverse: t.reverse.unwrap_or(own_reverse),
            },
            t.span,
        ));
    }
    // Canonical order (scripts, files, processes, interfaces; each as written) so that `-d`
    // round-trips.
    out.sort_by_key(|(t, _)| match t.target {
        TrackTarget::Script(_) => 0,
        TrackTarget::File(_) => 1,
        TrackTarget::Process(_) => 2,
        TrackTarget::Interface(_) => 3,
    });
    out
}

fn target_name(t: &RawTarget) -> &str {
    match t {
        RawTarget::Script(s) | RawTarget::File(s) | RawTarget::Process(s) => s,
        RawTarget::Interface(i) => i,
    }
}

/// The weight a tracker contributes with (instance override, else the script's/file's own).
pub fn effective_weight(t: &Track, names: &Names<'_>) -> i16 {
    if let Some(w) = t.weight {
        return w;
    }
    match t.target {
        TrackTarget::Script(i) => names.scripts.get(i as usize).map_or(0, |x| x.1),
        TrackTarget::File(i) => names.files.get(i as usize).map_or(0, |x| x.1),
        TrackTarget::Process(i) => names.processes.get(i as usize).map_or(0, |x| x.1),
        TrackTarget::Interface(_) => 0,
    }
}
