//! SIGUSR1 / SIGUSR2 / SIGRTMIN+2 / SIGRTMAX-1: `keepalived.data`, `.stats`, `.json` in the
//! dump directory ($TMPDIR at start, default /tmp), written by `crate::status`.

use std::io::{self, Write};
use std::path::Path;

use heapless::Vec;

use super::run::Daemon;
use crate::config::{Auth, Config, Instance, Track, TrackTarget};
use crate::core::{Core, InstanceRt};
use crate::status::data::{ProcessTrackerStatus, WeightedRef};
use crate::status::{self, InstanceStatus};
use crate::time::Instant;

/// Which dump.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dump {
    Data,
    Stats,
    Json,
}

fn secs(d: crate::time::Duration) -> f64 {
    d.as_micros() as f64 / 1e6
}

fn build<'a>(
    cfg: &'a Config,
    inst: &'a Instance,
    rt: &InstanceRt,
    ifps: &'a [&'a str],
    scripts: &'a [&'a str],
    mono_now: Instant,
    wall_now: f64,
) -> InstanceStatus<'a> {
    let line = |id: Option<u16>| id.and_then(|c| cfg.command(c)).map(|c| c.line.as_str());
    let n = &inst.notifies;
    let (auth_type, auth_data) = match inst.auth {
        Auth::None => (0, None),
        Auth::Pass(k) => (1, Some(k)),
        Auth::Ah(k) => (2, Some(k)),
    };
    InstanceStatus {
        iname: inst.name.as_str(),
        ifname: inst.interface.as_ref().map(|i| i.as_str()),
        dont_track_primary: inst.dont_track_primary,
        skip_check_adv_addr: inst.skip_check_adv_addr,
        strict_mode: inst.strict,
        master_priority: rt.master_priority,
        last_transition: wall_now - secs(mono_now - rt.last_transition),
        garp_delay_s: secs(inst.garp.master_delay),
        garp_refresh_s: inst.garp.master_refresh.as_secs(),
        garp_rep: inst.garp.master_repeat,
        garp_refresh_rep: inst.garp.master_refresh_repeat,
        garp_lower_prio_delay_s: inst.garp.lower_prio_delay.as_secs(),
        garp_lower_prio_rep: inst.garp.lower_prio_repeat,
        lower_prio_no_advert: inst.lower_prio_no_advert,
        higher_prio_send_advert: inst.higher_prio_send_advert,
        vrid: inst.vrid,
        base_priority: rt.base_priority,
        effective_priority: rt.effective_priority,
        vipset: rt.vipset,
        adver_int_s: secs(inst.advert_int),
        master_adver_int_s: secs(rt.master_adver_int),
        accept: inst.accept,
        nopreempt: inst.nopreempt,
        preempt_delay_s: inst.preempt_delay.as_secs(),
        state: rt.state as u8,
        wantstate: rt.wantstate as u8,
        version: inst.version,
        smtp_alert: inst.smtp_alert,
        notify_deleted: n.deleted,
        script_backup: line(n.backup),
        script_master: line(n.master),
        script_fault: line(n.fault),
        script_stop: line(n.stop),
        script_deleted: line(n.deleted_cmd),
        script: line(n.generic),
        script_master_rx_lower_pri: line(n.master_rx_lower_pri),
        vips: cfg.vips_of(inst.vips),
        evips: cfg.vips_of(inst.evips),
        vroutes: cfg.routes_of(inst.vroutes),
        default_dev: inst.interface.as_ref().map(|i| i.as_str()).unwrap_or(""),
        track_ifp: ifps,
        track_script: scripts,
        auth_type,
        auth_data,
        split_brain: rt.split_brain,
        split_brain_count: rt.stats.split_brain,
        stats: rt.stats.counters(),
    }
}

impl Daemon {
    /// Write one dump file; failures are logged.
    #[inline(never)]
    pub(super) fn dump(&mut self, which: Dump) {
        // Operator-requested dumps may allocate (file paths); the allocation audit excludes
        // them, as it excludes reloads.
        let before = crate::sys::alloc::count();
        self.write_dump(which);
        if let (Some(b), Some(a), Some(base)) =
            (before, crate::sys::alloc::count(), self.alloc_baseline)
        {
            self.alloc_baseline = Some(base + a.saturating_sub(b));
        }
    }

    fn write_dump(&mut self, which: Dump) {
        let dir_buf = self.dump_dir.clone();
        let dir = Path::new(dir_buf.as_str());
        let cfg = self.core.config();
        let rts = self.core.instances();
        let mono_now = crate::sys::timerfd::now();
        let wall_now = crate::sys::realtime_secs() as f64;
        let name = match which {
            Dump::Data => "keepalived.data",
            Dump::Stats => "keepalived.stats",
            Dump::Json => "keepalived.json",
        };
        let show_auth = self.opts.json_auth;
        let json_buf = &mut self.json_buf;
        let r = status::write_atomically(dir, name, |w| {
            if which == Dump::Json {
                return write_json(&self.core, mono_now, wall_now, show_auth, json_buf, w);
            }
            if which == Dump::Data {
                return write_data(&self.core, mono_now, wall_now, w);
            }
            for (inst, rt) in cfg.instances.iter().zip(rts.iter()) {
                let (ifps, scripts) = tracks(cfg, inst);
                let st = build(cfg, inst, rt, &ifps, &scripts, mono_now, wall_now);
                status::stats::write_instance(&st, w)?;
            }
            Ok(())
        });
        match r {
            Ok(()) => log::info!("Writing {}/{}", dir.display(), name),
            Err(e) => log::error!("cannot write {}/{}: {}", dir.display(), name, e),
        }
    }
}

/// Names of tracked interfaces and scripts of an instance (first 16 of each).
fn tracks<'a>(cfg: &'a Config, inst: &Instance) -> (Vec<&'a str, 16>, Vec<&'a str, 16>) {
    let mut ifps = Vec::new();
    let mut scripts = Vec::new();
    for t in cfg.tracks_of(inst.tracks) {
        match &t.target {
            TrackTarget::Interface(n) => {
                let _ = ifps.push(n.as_str());
            }
            TrackTarget::Script(s) => {
                if let Some(s) = cfg.scripts.get(*s as usize) {
                    let _ = scripts.push(s.name.as_str());
                }
            }
            // Processes: listed by `write_data` after the block. Files: not dumped yet.
            TrackTarget::File(_) | TrackTarget::Process(_) => {}
        }
    }
    (ifps, scripts)
}

/// The whole `keepalived.json` array, one instance at a time through `buf`
/// ([`status::json::OBJECT_BUF`] bytes, allocated once at start-up).
pub fn write_json<W: Write>(
    core: &Core,
    mono_now: Instant,
    wall_now: f64,
    show_auth: bool,
    buf: &mut [u8],
    w: &mut W,
) -> io::Result<()> {
    let cfg = core.config();
    w.write_all(b"[")?;
    for (i, (inst, rt)) in cfg.instances.iter().zip(core.instances()).enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        let (ifps, scripts) = tracks(cfg, inst);
        let st = build(cfg, inst, rt, &ifps, &scripts, mono_now, wall_now);
        status::json::write_instance(&st, show_auth, buf, w)?;
    }
    w.write_all(b"]\n")
}

/// The whole `keepalived.data` text: each instance's block with its `track_process` entries,
/// then (keepalived 2.2.7's order, `vrrp_data.c:dump_vrrp_data`) the process trackers.
pub fn write_data<W: Write>(
    core: &Core,
    mono_now: Instant,
    wall_now: f64,
    w: &mut W,
) -> io::Result<()> {
    let cfg = core.config();
    for (inst, rt) in cfg.instances.iter().zip(core.instances()) {
        let (ifps, scripts) = tracks(cfg, inst);
        let st = build(cfg, inst, rt, &ifps, &scripts, mono_now, wall_now);
        status::data::write_instance(&st, w)?;
        let refs = cfg.tracks_of(inst.tracks).iter().filter_map(|t| {
            let (p, weight, reverse) = process_weight(cfg, t)?;
            let name = cfg.track_processes.get(p as usize)?.name.as_str();
            Some(WeightedRef {
                name,
                weight,
                reverse,
            })
        });
        status::data::write_tracked_processes(refs, w)?;
    }
    write_process_trackers(core, w)
}

/// (tracker, weight, reverse) of a `track_process` line as the core applies it: the line's
/// own weight, else the tracker's. `None` for other kinds of tracker.
fn process_weight(cfg: &Config, t: &Track) -> Option<(u16, i32, bool)> {
    let TrackTarget::Process(p) = t.target else {
        return None;
    };
    let pc = cfg.track_processes.get(p as usize)?;
    let (weight, reverse) = match t.weight {
        Some(w) => (w, t.reverse),
        None => (pc.weight, pc.weight_reverse),
    };
    Some((p, weight.into(), reverse))
}

/// How `tracks` refers to tracker `p`, if it does.
fn weight_in(cfg: &Config, tracks: &[Track], p: u16) -> Option<(i32, bool)> {
    tracks
        .iter()
        .filter_map(|t| process_weight(cfg, t))
        .find(|&(q, _, _)| q == p)
        .map(|(_, w, r)| (w, r))
}

/// The instances tracker `p` affects, as keepalived 2.2.7 lists them (`vrrp.c`:
/// `add_vrrp_to_track_process`): first those naming it themselves, in config order, then the
/// members of sync groups naming it. An instance is listed once; when both it and its group
/// name the tracker, a non-zero weight of its own shows as the group's. (Our core applies
/// both lines; keepalived keeps the merged one.)
fn tracking_of(cfg: &Config, p: u16) -> impl Iterator<Item = WeightedRef<'_>> {
    let group_weight = move |inst: &Instance| {
        let g = cfg.sync_groups.get(inst.sync_group? as usize)?;
        weight_in(cfg, cfg.tracks_of(g.tracks), p)
    };
    let direct = cfg.instances.iter().filter_map(move |inst| {
        let (mut weight, reverse) = weight_in(cfg, cfg.tracks_of(inst.tracks), p)?;
        if weight != 0 {
            if let Some((gw, _)) = group_weight(inst) {
                weight = gw;
            }
        }
        Some(WeightedRef {
            name: inst.name.as_str(),
            weight,
            reverse,
        })
    });
    let via_groups = cfg.sync_groups.iter().flat_map(move |g| {
        let by_group = weight_in(cfg, cfg.tracks_of(g.tracks), p);
        g.members.iter().filter_map(move |&m| {
            let (weight, reverse) = by_group?;
            let inst = cfg.instances.get(m as usize)?;
            if weight_in(cfg, cfg.tracks_of(inst.tracks), p).is_some() {
                return None;
            }
            Some(WeightedRef {
                name: inst.name.as_str(),
                weight,
                reverse,
            })
        })
    });
    direct.chain(via_groups)
}

/// The `vrrp_track_process` section, after the instances; nothing without trackers.
fn write_process_trackers<W: Write>(core: &Core, w: &mut W) -> io::Result<()> {
    let cfg = core.config();
    let rts = core.process_trackers();
    if cfg.track_processes.is_empty() {
        return Ok(());
    }
    writeln!(w, "{}", status::data::PROCESS_SECTION)?;
    for (p, (pc, rt)) in cfg.track_processes.iter().zip(rts).enumerate() {
        let st = ProcessTrackerStatus {
            name: pc.name.as_str(),
            process: pc.process.as_str(),
            params: pc.has_params.then_some(pc.params.as_str()),
            param_match: pc.param_match,
            quorum: pc.quorum,
            quorum_max: (pc.quorum_max < u32::MAX).then_some(pc.quorum_max),
            count: rt.count,
            have_quorum: rt.up,
            weight: pc.weight.into(),
            weight_reverse: pc.weight_reverse,
            terminate_delay_s: secs(pc.terminate_delay),
            fork_delay_s: secs(pc.fork_delay),
            full_command: pc.full_command,
        };
        status::data::write_process_tracker(&st, tracking_of(cfg, p as u16), w)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Entry<'a> {
        #[serde(borrow)]
        data: Data<'a>,
    }

    #[derive(Deserialize)]
    struct Data<'a> {
        iname: &'a str,
        #[serde(borrow)]
        vips: heapless::Vec<&'a str, { crate::wire::MAX_ADVERT_ADDRS }>,
        auth_type: u8,
        auth_data: &'a str,
    }

    #[test]
    fn json_keeps_an_instance_with_a_full_advert_of_vips() {
        // The most VIPs one advert carries, each with every option that lengthens its text.
        let dev = "vrrp-uplink-0a1";
        let mut text = format!(
            "vrrp_instance VI_1 {{\n interface {dev}\n virtual_router_id 1\n priority 100\n\
             authentication {{\n auth_type PASS\n auth_pass 1111\n }}\n virtual_ipaddress {{\n"
        );
        for i in 0..crate::wire::MAX_ADVERT_ADDRS {
            let (net, host) = if i < 250 {
                ("203.0.113", i + 1)
            } else {
                ("198.51.100", i)
            };
            text.push_str(&format!(
                " {net}.{host}/24 brd {net}.255 dev {dev} scope global label {dev} no_track\n"
            ));
        }
        text.push_str(" }\n}\n");
        let opts = crate::config::LoadOptions::default();
        let loaded = crate::config::parse_str("t.conf", &text, &opts);
        let cfg = loaded.config.expect("config");
        let core = Core::new(&cfg);
        let mut buf = vec![0u8; status::json::OBJECT_BUF];
        let mut out = std::vec::Vec::new();
        write_json(&core, Instant::from_secs(1), 1.0, false, &mut buf, &mut out).expect("write");
        let (list, _): (heapless::Vec<Entry<'_>, 1>, usize) =
            serde_json_core::from_slice(&out).expect("keepalived.json parses");
        let data = &list[0].data;
        assert_eq!(data.iname, "VI_1");
        assert_eq!(data.vips.len(), crate::wire::MAX_ADVERT_ADDRS);
        assert_eq!(
            data.vips[0],
            "203.0.113.1/24 brd 203.0.113.255 dev vrrp-uplink-0a1 scope global \
             label vrrp-uplink-0a1 no_track"
        );
        assert_eq!((data.auth_type, data.auth_data), (1, ""));
        // --json-auth: the password, as keepalived writes it.
        let mut shown = std::vec::Vec::new();
        write_json(
            &core,
            Instant::from_secs(1),
            1.0,
            true,
            &mut buf,
            &mut shown,
        )
        .expect("write");
        let (list, _): (heapless::Vec<Entry<'_>, 1>, usize) =
            serde_json_core::from_slice(&shown).expect("keepalived.json parses");
        assert_eq!(list[0].data.auth_data, "1111");
    }
}
