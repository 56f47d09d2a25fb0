//! The top level and the smaller blocks: `vrrp_script`, `track_file`/`vrrp_track_file`,
//! `vrrp_sync_group`, `static_ipaddress`, `static_routes`, and the blocks this daemon skips
//! (LVS, BFD, ...), which are warnings with their location, never fatal.

use super::addr::{parse_route, parse_vip, tracks};
use super::kw_global::{command, split_user_group, GLOBAL};
use super::kw_vrrp::INSTANCE;
use super::parser::{trunc, Ctx, Stmt, Table};
use super::raw::{RawGroup, RawInstance, RawNotifies, RawScript, RawTrackFile};
use crate::limits::*;
use crate::time::Duration;

fn block_name(c: &mut Ctx<'_>, s: &Stmt) -> Option<super::Name> {
    let Some(w) = s.arg(0) else {
        c.d.error(
            s.span,
            format!("'{}' without a name - block skipped", s.kw()),
        );
        return None;
    };
    c.text(w)
}

fn global_defs(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    c.raw.global_span.get_or_insert(s.span);
    let b = c.want_block(s);
    c.dispatch(GLOBAL, &mut (), b);
}

fn vrrp_instance(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    let n = c.raw.instances.len();
    if c.full(
        n,
        MAX_INSTANCES,
        s.span,
        "vrrp_instance blocks",
        "MAX_INSTANCES",
    ) {
        return;
    }
    let Some(name) = block_name(c, s) else { return };
    if c.raw.instances.iter().any(|i| i.name == name) {
        c.d.error(s.span, format!("vrrp instance {name} already defined"));
        return;
    }
    let mut inst = RawInstance::new(name, s.span);
    let b = c.want_block(s);
    c.dispatch(INSTANCE, &mut inst, b);
    c.raw.instances.push(inst);
}

fn vrrp_script(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    let n = c.raw.scripts.len();
    if c.full(n, MAX_SCRIPTS, s.span, "vrrp_script blocks", "MAX_SCRIPTS") {
        return;
    }
    let Some(name) = block_name(c, s) else { return };
    if c.raw.scripts.iter().any(|x| x.name == name) {
        c.d.error(
            s.span,
            format!("vrrp script {name} already defined - ignoring"),
        );
        return;
    }
    let mut sc = RawScript {
        name,
        span: s.span,
        cmd: None,
        interval: Duration::from_secs(1),
        timeout: None,
        weight: 0,
        reverse: false,
        rise: 1,
        fall: 1,
        init_fail: false,
        user: None,
    };
    let b = c.want_block(s);
    c.dispatch(SCRIPT, &mut sc, b);
    c.raw.scripts.push(sc);
}

fn script_cmd(c: &mut Ctx<'_>, sc: &mut RawScript, s: &Stmt) {
    // `script "cmd args"`: the first word is the command (keepalived ignores the rest; the user
    // comes from `user`).
    let mut only = s.clone();
    only.words.truncate(2);
    for w in s.args().get(1..).unwrap_or(&[]) {
        c.d.warn(
            w.span,
            format!(
                "({}) extra script parameter '{}' ignored - quote the command",
                sc.name,
                trunc(&w.text)
            ),
        );
    }
    sc.cmd = command(c, &only);
}

fn script_interval(c: &mut Ctx<'_>, sc: &mut RawScript, s: &Stmt) {
    let Some(w) = c.arg(s, 0) else { return };
    match super::parser::parse_secs(&w.text) {
        Some(d) if d.is_zero() => c.d.warn(
            w.span,
            format!(
                "({}): vrrp script interval must be greater than 0, setting to 1",
                sc.name
            ),
        ),
        Some(d) if d <= Duration::from_secs(4294) => sc.interval = d,
        parsed => {
            if parsed.is_none() {
                c.d.warn(w.span, format!("invalid number '{}'", trunc(&w.text)));
            }
            c.d.warn(
                w.span,
                format!(
                    "({}): vrrp script interval '{}' must be between 1 and 4294 - ignoring",
                    sc.name,
                    trunc(&w.text)
                ),
            );
        }
    }
}

fn script_timeout(c: &mut Ctx<'_>, sc: &mut RawScript, s: &Stmt) {
    let Some(w) = c.arg(s, 0) else { return };
    match super::parser::parse_secs(&w.text) {
        Some(d) if d.is_zero() => c.d.warn(
            w.span,
            format!(
                "({}): vrrp script timeout must be greater than 0, using interval",
                sc.name
            ),
        ),
        Some(d) if d <= Duration::from_secs(86_400) => sc.timeout = Some(d),
        _ => {
            let _ = c.num(w, 1, 86_400);
        }
    }
}

fn script_weight(c: &mut Ctx<'_>, sc: &mut RawScript, s: &Stmt) {
    let Some(w) = c.arg(s, 0) else { return };
    match c.num(w, -253, 253) {
        Some(v) => sc.weight = v as i16,
        None => c.d.warn(
            w.span,
            format!(
                "vrrp_script {} weight {} must be in [-253, 253]",
                sc.name,
                trunc(&w.text)
            ),
        ),
    }
    match s.arg_str(1) {
        Some("reverse") => sc.reverse = true,
        Some("noreverse") | None => {}
        Some(o) => c.d.warn(
            s.span,
            format!("({}) unknown weight option '{}'", sc.name, trunc(o)),
        ),
    }
}

fn script_rise_fall(c: &mut Ctx<'_>, sc: &mut RawScript, s: &Stmt) {
    let Some(w) = c.arg(s, 0) else { return };
    match c.num(w, 1, i64::from(i32::MAX)) {
        Some(v) if s.kw() == "rise" => sc.rise = v as u32,
        Some(v) => sc.fall = v as u32,
        None => c.d.warn(
            w.span,
            format!(
                "({}): vrrp script {} value '{}' invalid, defaulting to 1",
                sc.name,
                s.kw(),
                trunc(&w.text)
            ),
        ),
    }
}

fn script_user(c: &mut Ctx<'_>, sc: &mut RawScript, s: &Stmt) {
    let Some(u) = c.text_arg(s, 0) else { return };
    let g = match s.arg(1) {
        Some(w) => c.text(w),
        None => None,
    };
    sc.user = Some(split_user_group(u, g));
}

fn script_init_fail(c: &mut Ctx<'_>, sc: &mut RawScript, s: &Stmt) {
    c.no_block(s);
    sc.init_fail = true;
}

static SCRIPT: &Table<RawScript> = &[
    ("fall", script_rise_fall),
    ("init_fail", script_init_fail),
    ("interval", script_interval),
    ("rise", script_rise_fall),
    ("script", script_cmd),
    ("timeout", script_timeout),
    ("user", script_user),
    ("weight", script_weight),
];

fn track_file(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    let n = c.raw.track_files.len();
    if c.full(
        n,
        MAX_TRACK_FILES,
        s.span,
        "track_file blocks",
        "MAX_TRACK_FILES",
    ) {
        return;
    }
    let Some(name) = block_name(c, s) else { return };
    if c.raw.track_files.iter().any(|x| x.name == name) {
        c.d.error(
            s.span,
            format!("track_file {name} already defined - ignoring"),
        );
        return;
    }
    let mut tf = RawTrackFile {
        name,
        span: s.span,
        file: None,
        weight: 1,
        reverse: false,
        init_value: None,
        init_overwrite: false,
    };
    let b = c.want_block(s);
    c.dispatch(TRACK_FILE, &mut tf, b);
    c.raw.track_files.push(tf);
}

fn tf_file(c: &mut Ctx<'_>, tf: &mut RawTrackFile, s: &Stmt) {
    tf.file = c.text_arg(s, 0);
}
fn tf_weight(c: &mut Ctx<'_>, tf: &mut RawTrackFile, s: &Stmt) {
    if let Some(v) = c.num_arg(s, 0, -254, 254) {
        tf.weight = v as i16;
    }
    tf.reverse = s.arg_str(1) == Some("reverse");
}
fn tf_init(c: &mut Ctx<'_>, tf: &mut RawTrackFile, s: &Stmt) {
    tf.init_value = Some(0);
    for w in s.args() {
        if w.text == "overwrite" {
            tf.init_overwrite = true;
        } else if let Some(v) = c.num(w, i64::from(i32::MIN), i64::from(i32::MAX)) {
            tf.init_value = Some(v as i32);
        }
    }
}

static TRACK_FILE: &Table<RawTrackFile> = &[
    ("file", tf_file),
    ("init_file", tf_init),
    ("weight", tf_weight),
];

fn sync_group(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    let n = c.raw.groups.len();
    if c.full(
        n,
        MAX_SYNC_GROUPS,
        s.span,
        "vrrp_sync_group blocks",
        "MAX_SYNC_GROUPS",
    ) {
        return;
    }
    let Some(name) = block_name(c, s) else { return };
    if c.raw.groups.iter().any(|g| g.name == name) {
        c.d.error(
            s.span,
            format!("vrrp sync group {name} already defined - ignoring"),
        );
        return;
    }
    let mut g = RawGroup {
        name,
        span: s.span,
        members: Vec::new(),
        tracks: Vec::new(),
        notifies: RawNotifies::default(),
        smtp_alert: None,
        sync_group_tracking_weight: false,
        notify_priority_changes: None,
    };
    let b = c.want_block(s);
    c.dispatch(GROUP, &mut g, b);
    c.raw.groups.push(g);
}

fn group_members(c: &mut Ctx<'_>, g: &mut RawGroup, s: &Stmt) {
    for st in c.want_block(s) {
        // Counted against MAX_SYNC_MEMBERS in validate: names that are no instance or
        // already in a group are ignored there, not counted.
        for w in &st.words {
            if let Some(n) = c.text(w) {
                g.members.push((n, w.span));
            }
        }
    }
}

fn group_track(c: &mut Ctx<'_>, g: &mut RawGroup, s: &Stmt) {
    let name = g.name.clone();
    tracks(c, s, &name, &mut g.tracks);
}

macro_rules! gnotify {
    ($f:ident) => {
        |c: &mut Ctx<'_>, g: &mut RawGroup, s: &Stmt| {
            g.notifies.$f = command(c, s);
        }
    };
}

fn group_smtp(c: &mut Ctx<'_>, g: &mut RawGroup, s: &Stmt) {
    g.smtp_alert = Some(c.boolean(s));
}
fn group_weight(c: &mut Ctx<'_>, g: &mut RawGroup, s: &Stmt) {
    g.sync_group_tracking_weight = c.boolean(s);
}
fn group_prio(c: &mut Ctx<'_>, g: &mut RawGroup, s: &Stmt) {
    g.notify_priority_changes = Some(c.boolean(s));
}
fn group_silent(_: &mut Ctx<'_>, _: &mut RawGroup, _: &Stmt) {}
fn group_unsupported(c: &mut Ctx<'_>, _: &mut RawGroup, s: &Stmt) {
    c.unsupported(s)
}

static GROUP: &Table<RawGroup> = &[
    ("global_tracking", group_silent),
    ("group", group_members),
    ("notify", gnotify!(generic)),
    ("notify_backup", gnotify!(backup)),
    ("notify_fault", gnotify!(fault)),
    ("notify_master", gnotify!(master)),
    ("notify_priority_changes", group_prio),
    ("notify_stop", gnotify!(stop)),
    ("smtp_alert", group_smtp),
    ("sync_group_tracking_weight", group_weight),
    ("track_bfd", group_unsupported),
    ("track_file", group_track),
    ("track_interface", group_track),
    ("track_process", group_track),
    ("track_script", group_track),
];

fn static_ipaddress(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    for st in c.want_block(s) {
        if c.full(
            c.raw.static_vips.len(),
            MAX_VIPS,
            st.span,
            "static_ipaddress entries",
            "MAX_VIPS",
        ) {
            return;
        }
        if let Some(v) = parse_vip(c, &st.words) {
            c.raw.static_vips.push((v, st.span));
        }
    }
}

fn static_routes(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    for st in c.want_block(s) {
        if c.full(
            c.raw.static_routes.len(),
            MAX_ROUTES,
            st.span,
            "static_routes entries",
            "MAX_ROUTES",
        ) {
            return;
        }
        if let Some(r) = parse_route(c, &st.words) {
            c.raw.static_routes.push((r, st.span));
        }
    }
}

fn lvs(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    c.d.warn(
        s.span,
        format!(
            "LVS configuration '{}' is not supported by keepalived-rs - block skipped",
            s.kw()
        ),
    );
}
fn top_unsupported(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    c.unsupported(s)
}
fn top_silent(_: &mut Ctx<'_>, _: &mut (), _: &Stmt) {}

/// Top-level blocks, sorted.
pub static TOP: &Table<()> = &[
    ("bfd_instance", top_unsupported),
    ("child_wait_time", top_silent),
    ("garp_group", top_unsupported),
    ("global_defs", global_defs),
    ("instance", top_unsupported),
    ("interface_up_down_delays", top_unsupported),
    ("linkbeat_interfaces", top_unsupported),
    ("net_namespace", top_unsupported),
    ("net_namespace_ipvs", top_unsupported),
    ("static_ipaddress", static_ipaddress),
    ("static_routes", static_routes),
    ("static_rules", top_unsupported),
    ("track_file", track_file),
    ("track_group", top_unsupported),
    ("use_pid_dir", top_unsupported),
    ("virtual_server", lvs),
    ("virtual_server_group", lvs),
    ("vrrp_instance", vrrp_instance),
    ("vrrp_script", vrrp_script),
    ("vrrp_sync_group", sync_group),
    ("vrrp_track_file", track_file),
    ("vrrp_track_process", super::kw_process::track_process),
];

#[cfg(test)]
mod tests {
    #[test]
    fn tables_are_sorted() {
        assert!(super::TOP.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(super::SCRIPT.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(super::GROUP.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(super::TRACK_FILE.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
