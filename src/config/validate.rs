//! [`RawConfig`] → [`Config`]: instances completed (`complete`), cross-checks (duplicate
//! VRIDs, sync groups, script security), and every list placed in its fixed-capacity pool.
//! A config that does not fit a pool is fatal, at the offending line, naming the build-time
//! limit to raise.

use super::complete::{complete, effective_weight, resolve_tracks, Done, Names};
use super::diag::{Diagnostics, Severity, Span};
use super::model::*;
use super::raw::{RawCmd, RawConfig, RawNotifies};
use crate::limits::*;

/// A pool is full: the fatal diagnostic naming the limit.
pub(super) fn full(d: &mut Diagnostics, sp: Span, what: &str, limit: &str, now: usize) {
    d.fatal(
        sp,
        format!("too many {what}: raise KEEPALIVED_RS_{limit} (now {now})"),
    );
}

/// Pushes `items` into `pool`; returns the slice, or None after a fatal diagnostic.
fn push_all<T: Clone, const N: usize>(
    pool: &mut heapless::Vec<T, N>,
    items: &[(T, Span)],
    d: &mut Diagnostics,
    what: &str,
    limit: &str,
) -> Option<Slice> {
    let start = pool.len();
    for (x, sp) in items {
        if pool.len() >= u16::MAX as usize || pool.push(x.clone()).is_err() {
            full(d, *sp, what, limit, N.min(u16::MAX as usize));
            return None;
        }
    }
    Some(Slice {
        start: start as u16,
        len: (pool.len() - start) as u16,
    })
}

/// A sync group waiting for its trackers and notifies to be placed.
pub(super) type PendingGroup = (SyncGroup, Vec<(Track, Span)>, RawNotifies, Span);

struct Cmds<'a> {
    cfg: &'a mut Config,
    first: Option<Span>,
    ok: bool,
}

impl Cmds<'_> {
    fn add(&mut self, c: &Option<RawCmd>, d: &mut Diagnostics) -> Option<CommandId> {
        let rc = c.as_ref()?;
        self.first.get_or_insert(rc.span);
        let id = self.cfg.commands.len();
        if id >= u16::MAX as usize || self.cfg.commands.push(rc.cmd.clone()).is_err() {
            if self.ok {
                full(
                    d,
                    rc.span,
                    "script and notify commands",
                    "MAX_COMMANDS",
                    MAX_COMMANDS,
                );
            }
            self.ok = false;
            return None;
        }
        Some(id as CommandId)
    }

    fn notifies(&mut self, r: &RawNotifies, d: &mut Diagnostics) -> Notifies {
        Notifies {
            master: self.add(&r.master, d),
            backup: self.add(&r.backup, d),
            fault: self.add(&r.fault, d),
            stop: self.add(&r.stop, d),
            generic: self.add(&r.generic, d),
            master_rx_lower_pri: self.add(&r.master_rx_lower_pri, d),
            deleted: r.deleted,
            deleted_cmd: self.add(&r.deleted_cmd, d),
        }
    }
}

/// Builds the validated configuration. None when something fatal was found.
/// `iface_exists`: with `-t`, interfaces the config names are looked up (keepalived's `-t`
/// reports the missing ones).
pub fn validate(
    raw: RawConfig,
    iface_exists: Option<fn(&str) -> bool>,
    d: &mut Diagnostics,
) -> Option<Box<Config>> {
    let mut cfg = super::new_config();
    cfg.global = raw.global.clone();
    let mut cmds = Cmds {
        cfg: &mut cfg,
        first: None,
        ok: true,
    };
    let nf = cmds.add(&raw.notify_fifo_script, d);
    let vnf = cmds.add(&raw.vrrp_notify_fifo_script, d);
    cmds.cfg.global.notify_fifo_script = nf;
    cmds.cfg.global.vrrp_notify_fifo_script = vnf;

    // Scripts.
    let mut script_names: Vec<(Name, i16, bool)> = Vec::new();
    for s in &raw.scripts {
        let Some(c) = &s.cmd else {
            d.error(
                s.span,
                format!("vrrp_script {} has no script - ignoring", s.name),
            );
            continue;
        };
        let mut rc = c.clone();
        if let Some((u, g)) = &s.user {
            rc.cmd.user = Some(u.clone());
            rc.cmd.group = g.clone();
        }
        let Some(id) = cmds.add(&Some(rc), d) else {
            continue;
        };
        let script = Script {
            name: s.name.clone(),
            command: id,
            interval: s.interval,
            timeout: s.timeout.unwrap_or(s.interval),
            weight: s.weight,
            weight_reverse: s.reverse,
            rise: s.rise,
            fall: s.fall,
            init_fail: s.init_fail,
        };
        if cmds.cfg.scripts.push(script).is_err() {
            full(d, s.span, "vrrp_script blocks", "MAX_SCRIPTS", MAX_SCRIPTS);
            return None;
        }
        script_names.push((s.name.clone(), s.weight, s.reverse));
    }

    // Track files.
    let mut file_names: Vec<(Name, i16, bool)> = Vec::new();
    for t in &raw.track_files {
        let Some(path) = &t.file else {
            d.error(
                t.span,
                format!("track_file {} has no file - ignoring", t.name),
            );
            continue;
        };
        let tf = TrackFile {
            name: t.name.clone(),
            path: path.clone(),
            weight: t.weight,
            weight_reverse: t.reverse,
            init_value: t.init_value,
            init_overwrite: t.init_overwrite,
        };
        if cmds.cfg.track_files.push(tf).is_err() {
            full(
                d,
                t.span,
                "track_file blocks",
                "MAX_TRACK_FILES",
                MAX_TRACK_FILES,
            );
            return None;
        }
        file_names.push((t.name.clone(), t.weight, t.reverse));
    }
    // Process trackers (keepalived finds a tracker by the first block of that name).
    let mut process_names: Vec<(Name, i16, bool)> = Vec::new();
    for p in &raw.track_processes {
        if cmds.cfg.track_processes.push(p.tp.clone()).is_err() {
            full(
                d,
                p.span,
                "vrrp_track_process blocks",
                "MAX_TRACK_PROCESSES",
                MAX_TRACK_PROCESSES,
            );
            return None;
        }
        process_names.push((p.tp.name.clone(), p.tp.weight, p.tp.weight_reverse));
    }
    let names = Names {
        scripts: &script_names,
        files: &file_names,
        processes: &process_names,
    };

    // Script security (keepalived reports it before completing the instances).
    let has_scripts = cmds.first.is_some()
        || raw.instances.iter().any(|i| has_cmd(&i.notifies))
        || raw.groups.iter().any(|g| has_cmd(&g.notifies));
    if has_scripts && !raw.global.enable_script_security {
        let sp = cmds
            .first
            .or_else(|| {
                raw.instances
                    .iter()
                    .find(|i| has_cmd(&i.notifies))
                    .map(|i| i.span)
            })
            .or_else(|| raw.groups.first().map(|g| g.span))
            .unwrap_or_default();
        d.push(
            sp,
            Severity::Security,
            "SECURITY VIOLATION - scripts are being executed but script_security not enabled.",
        );
    }

    // Instances.
    let mut done: Vec<Done> = Vec::new();
    for ri in raw.instances {
        if let Some(x) = complete(ri, &raw.global, &names, d) {
            done.push(x);
        }
    }
    check_duplicate_vrids(&mut done, d);

    // Sync groups: membership, weighted trackers.
    let mut groups: Vec<PendingGroup> = Vec::new();
    for rg in raw.groups {
        let mut members: heapless::Vec<u16, MAX_SYNC_MEMBERS> = heapless::Vec::new();
        for (m, sp) in &rg.members {
            match done.iter().position(|x| &x.inst.name == m) {
                None => d.warn(
                    *sp,
                    format!(
                        "Virtual router {m} specified in sync group {} doesn't exist - ignoring",
                        rg.name
                    ),
                ),
                Some(i) => {
                    let gi = groups.len() as u16;
                    let inst = done.get_mut(i).map(|x| &mut x.inst);
                    match inst {
                        Some(inst) if inst.sync_group.is_some() => d.warn(
                            *sp,
                            format!(
                                "({m}) is already in a sync group - ignoring for sync group {}",
                                rg.name
                            ),
                        ),
                        Some(inst) => {
                            if members.push(i as u16).is_err() {
                                full(
                                    d,
                                    *sp,
                                    &format!("members in sync group {}", rg.name),
                                    "MAX_SYNC_MEMBERS",
                                    MAX_SYNC_MEMBERS,
                                );
                                return None;
                            }
                            inst.sync_group = Some(gi);
                        }
                        None => {}
                    }
                }
            }
        }
        if members.len() < 2 {
            d.warn(rg.span, format!("Sync group {} has only {} virtual router(s) - this probably isn't what you want", rg.name, members.len()));
        }
        if !rg.sync_group_tracking_weight {
            for &m in &members {
                if let Some(x) = done.get_mut(m as usize) {
                    settle_weights(x, NoWeights::SyncGroup, &names, d);
                    x.weights_settled = true;
                }
            }
        }
        let tracks = resolve_tracks(&rg.name, rg.tracks, &names, d);
        let sg = SyncGroup {
            name: rg.name,
            members,
            tracks: Slice::default(),
            notifies: Notifies::default(),
            smtp_alert: rg
                .smtp_alert
                .or(raw.global.smtp_alert_vrrp)
                .or(raw.global.smtp_alert)
                .unwrap_or(false),
            sync_group_tracking_weight: rg.sync_group_tracking_weight,
        };
        groups.push((sg, tracks, rg.notifies, rg.span));
    }

    // An address owner's priority never moves: its weighted trackers get the same
    // treatment (unless its sync group already gave it).
    for x in done.iter_mut() {
        if x.inst.priority == 255 && !x.weights_settled {
            settle_weights(x, NoWeights::Owner, &names, d);
        }
    }

    let uses = super::ifaces::uses(&done, &groups);
    if !super::ifaces::fit(&uses, d) {
        return None;
    }
    if let Some(exists) = iface_exists {
        super::ifaces::report_missing(&uses, exists, d);
    }

    // Place instances into the pools.
    for x in done {
        let mut inst = x.inst;
        let pools = (|| {
            inst.vips = push_all(
                &mut cmds.cfg.vips,
                &x.vips,
                d,
                "virtual_ipaddress entries",
                "MAX_VIPS",
            )?;
            inst.evips = push_all(
                &mut cmds.cfg.vips,
                &x.evips,
                d,
                "virtual_ipaddress_excluded entries",
                "MAX_VIPS",
            )?;
            inst.vroutes = push_all(
                &mut cmds.cfg.routes,
                &x.vroutes,
                d,
                "virtual_routes entries",
                "MAX_ROUTES",
            )?;
            inst.tracks = push_all(
                &mut cmds.cfg.tracks,
                &x.tracks,
                d,
                "track_script/track_interface/track_file/track_process entries",
                "MAX_TRACKS",
            )?;
            inst.peers = push_all(
                &mut cmds.cfg.peers,
                &x.peers,
                d,
                "unicast_peer entries",
                "MAX_PEERS",
            )?;
            Some(())
        })();
        pools?;
        inst.notifies = cmds.notifies(&x.notifies, d);
        if cmds.cfg.instances.push(inst).is_err() {
            full(
                d,
                x.span,
                "vrrp_instance blocks",
                "MAX_INSTANCES",
                MAX_INSTANCES,
            );
            return None;
        }
    }
    for (mut sg, tracks, notifies, span) in groups {
        sg.tracks = push_all(
            &mut cmds.cfg.tracks,
            &tracks,
            d,
            "track_script/track_interface/track_file/track_process entries",
            "MAX_TRACKS",
        )?;
        sg.notifies = cmds.notifies(&notifies, d);
        if cmds.cfg.sync_groups.push(sg).is_err() {
            full(
                d,
                span,
                "vrrp_sync_group blocks",
                "MAX_SYNC_GROUPS",
                MAX_SYNC_GROUPS,
            );
            return None;
        }
    }
    cmds.cfg.static_vips = push_all(
        &mut cmds.cfg.vips,
        &raw.static_vips,
        d,
        "static_ipaddress entries",
        "MAX_VIPS",
    )?;
    cmds.cfg.static_routes = push_all(
        &mut cmds.cfg.routes,
        &raw.static_routes,
        d,
        "static_routes entries",
        "MAX_ROUTES",
    )?;
    if !cmds.ok {
        return None;
    }
    Some(cfg)
}

/// Why an instance's weighted trackers cannot move its priority.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NoWeights {
    /// A member of a sync group without `sync_group_tracking_weight`.
    SyncGroup,
    /// Priority 255.
    Owner,
}

/// keepalived 2.2.7's rules (vrrp_complete_instance) for such an instance's weighted
/// trackers, with its warnings in its order (interfaces, scripts, files): a weighted
/// interface becomes weight 0 in a sync group (its loss faults the group) and is dropped
/// for an owner; weighted scripts are dropped; a file with the default weight 1 becomes
/// weight 0 and any other weighted file is dropped; process trackers keep their weight.
fn settle_weights(x: &mut Done, why: NoWeights, names: &Names<'_>, d: &mut Diagnostics) {
    let iname = x.inst.name.clone();
    let cause = match why {
        NoWeights::SyncGroup => "SYNC group",
        NoWeights::Owner => "address_owner",
    };
    for pass in 0..3 {
        x.tracks.retain_mut(|(t, sp)| {
            let w = effective_weight(t, names);
            let kind = match t.target {
                TrackTarget::Interface(_) => 0,
                TrackTarget::Script(_) => 1,
                TrackTarget::File(_) => 2,
                TrackTarget::Process(_) => 3,
            };
            if w == 0 || kind != pass {
                return true;
            }
            match &t.target {
                TrackTarget::Interface(ifn) if why == NoWeights::SyncGroup => {
                    let m = format!("({iname}) ignoring {ifn} tracked interface weight due to SYNC group");
                    d.warn(*sp, m);
                    t.weight = Some(0);
                    true
                }
                TrackTarget::Interface(ifn) => {
                    let m = format!("({iname}) ignoring {ifn} tracked interface due to address owner");
                    d.warn(*sp, m);
                    false
                }
                TrackTarget::Script(si) => {
                    let sn = names.scripts.get(*si as usize).map_or("", |s| s.0.as_str());
                    let m = format!("({iname}) ignoring tracked script {sn} with weights due to {cause}");
                    d.warn(*sp, m);
                    false
                }
                TrackTarget::File(fi) => {
                    let fname = names.files.get(*fi as usize).map_or("", |f| f.0.as_str());
                    if w == 1 {
                        let m = format!("({iname}) ignoring weight from tracked file {fname} due to {cause}. specify weight 0");
                        d.warn(*sp, m);
                        t.weight = Some(0);
                        true
                    } else {
                        let m = format!("({iname}) ignoring tracked file {fname} with weight {w} due to {cause}");
                        d.warn(*sp, m);
                        false
                    }
                }
                TrackTarget::Process(_) => true,
            }
        });
    }
}

fn has_cmd(n: &RawNotifies) -> bool {
    n.master.is_some()
        || n.backup.is_some()
        || n.fault.is_some()
        || n.stop.is_some()
        || n.generic.is_some()
        || n.master_rx_lower_pri.is_some()
        || n.deleted_cmd.is_some()
}

/// Two instances with the same VRID on the same interface and family (and both multicast, or
/// unicast with a common peer) cannot both run: the later one is dropped with an error.
fn check_duplicate_vrids(done: &mut Vec<Done>, d: &mut Diagnostics) {
    let mut keep = vec![true; done.len()];
    for (j, b) in done.iter().enumerate() {
        for a in done.iter().take(j) {
            let (ia, ib) = (&a.inst, &b.inst);
            if ia.vrid != ib.vrid || ia.family != ib.family || ia.interface != ib.interface {
                continue;
            }
            let clash = match (a.peers.is_empty(), b.peers.is_empty()) {
                (true, true) => true,
                (false, false) => a
                    .peers
                    .iter()
                    .any(|(p, _)| b.peers.iter().any(|(q, _)| p.addr == q.addr)),
                _ => false,
            };
            if clash {
                let fam = if ia.family == Family::V4 {
                    "IPv4"
                } else {
                    "IPv6"
                };
                let ifn = ib
                    .interface
                    .as_ref()
                    .map(|s| s.as_str())
                    .unwrap_or("(none)");
                d.error(
                    b.span,
                    format!(
                        "{} and {} both use VRID {} with {fam} on interface {ifn}",
                        ia.name, ib.name, ib.vrid
                    ),
                );
                if let Some(k) = keep.get_mut(j) {
                    *k = false;
                }
                break;
            }
        }
    }
    let mut it = keep.into_iter();
    done.retain(|_| it.next().unwrap_or(true));
}
