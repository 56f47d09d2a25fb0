//! `-d`: a [`Config`] printed back in canonical keepalived syntax.
//!
//! Every value the parser would otherwise default is written explicitly, so that parsing the
//! output gives an equal `Config` (tested over every seed and test config, and by the fuzzer).

use core::fmt::Write;

use super::model::*;
use super::parser::fmt_secs;

#[path = "dump_global.rs"]
mod global_defs;
use global_defs::global;

/// A word as the lexer will read it back: bare when safe, else double-quoted with escapes.
pub fn quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._:/+-=%,".contains(c))
        && !s.starts_with('-');
    if safe {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            // U+0080..U+00FF came from `\xHH` escapes (one char per byte value).
            c if (0x80..0x100).contains(&(c as u32)) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn b(v: bool) -> &'static str {
    if v {
        "true"
    } else {
        "false"
    }
}

fn cmd_line(c: &Config, id: CommandId) -> String {
    let Some(cmd) = c.command(id) else {
        return String::from("\"\"");
    };
    // Always quoted: an unquoted multi-word command would swallow the user/group words.
    let mut s = quote_always(&cmd.line);
    if let Some(u) = &cmd.user {
        s.push(' ');
        s.push_str(&quote(u));
        if let Some(g) = &cmd.group {
            s.push(' ');
            s.push_str(&quote(g));
        }
    }
    s
}

fn vip(v: &Vip) -> String {
    let mut s = format!("{}/{}", v.ip(), v.prefix);
    if let Some(x) = v.brd {
        let _ = write!(s, " brd {x}");
    }
    if let Some(x) = &v.dev {
        let _ = write!(s, " dev {}", quote(x));
    }
    if v.scope != Scope::GLOBAL {
        let _ = write!(s, " scope {}", v.scope.0);
    }
    if let Some(x) = &v.label {
        let _ = write!(s, " label {}", quote(x));
    }
    if let Some(x) = v.peer {
        let _ = write!(s, " peer {x}");
    }
    if v.no_track {
        s.push_str(" no_track");
    }
    if v.nodad {
        s.push_str(" nodad");
    }
    if v.noprefixroute {
        s.push_str(" noprefixroute");
    }
    s
}

fn route(r: &Route) -> String {
    let mut s = String::new();
    if let Some(x) = r.src {
        let _ = write!(s, "src {x} ");
    }
    match r.dst {
        Some(d) => {
            let _ = write!(s, "{d}/{}", r.prefix);
        }
        None => s.push_str("0.0.0.0/0"),
    }
    if let Some(x) = r.via {
        let _ = write!(s, " via {x}");
    }
    if let Some(x) = &r.dev {
        let _ = write!(s, " dev {}", quote(x));
    }
    if let Some(x) = r.scope {
        let _ = write!(s, " scope {}", x.0);
    }
    if let Some(x) = r.table {
        let _ = write!(s, " table {x}");
    }
    if let Some(x) = r.metric {
        let _ = write!(s, " metric {x}");
    }
    match r.kind {
        6 => s.push_str(" blackhole"),
        7 => s.push_str(" unreachable"),
        8 => s.push_str(" prohibit"),
        _ => {}
    }
    if r.no_track {
        s.push_str(" no_track");
    }
    s
}

/// The `reverse` of the tracker an entry names (what `NAME weight N` alone inherits).
fn own_reverse(c: &Config, t: &TrackTarget) -> bool {
    match t {
        TrackTarget::Script(i) => c.scripts.get(*i as usize).is_some_and(|s| s.weight_reverse),
        TrackTarget::File(i) => c
            .track_files
            .get(*i as usize)
            .is_some_and(|s| s.weight_reverse),
        TrackTarget::Process(i) => c
            .track_processes
            .get(*i as usize)
            .is_some_and(|s| s.weight_reverse),
        TrackTarget::Interface(_) => false,
    }
}

fn tracks(o: &mut String, c: &Config, list: &[Track], ind: &str) {
    for kind in [
        "track_script",
        "track_file",
        "track_process",
        "track_interface",
    ] {
        let mut body = String::new();
        for t in list {
            let name = match (&t.target, kind) {
                (TrackTarget::Script(i), "track_script") => {
                    c.scripts.get(*i as usize).map(|s| s.name.as_str())
                }
                (TrackTarget::File(i), "track_file") => {
                    c.track_files.get(*i as usize).map(|s| s.name.as_str())
                }
                (TrackTarget::Process(i), "track_process") => {
                    c.track_processes.get(*i as usize).map(|s| s.name.as_str())
                }
                (TrackTarget::Interface(n), "track_interface") => Some(n.as_str()),
                _ => None,
            };
            let Some(name) = name else { continue };
            let _ = write!(body, "{ind}    {}", quote(name));
            // Without a weight the entry inherits the tracker's own weight and `reverse`.
            if let Some(w) = t.weight {
                let _ = write!(body, " weight {w}");
                if t.reverse {
                    body.push_str(" reverse");
                } else if own_reverse(c, &t.target) {
                    body.push_str(" noreverse");
                }
            }
            body.push('\n');
        }
        if !body.is_empty() {
            let _ = writeln!(o, "{ind}{kind} {{\n{body}{ind}}}");
        }
    }
}

fn notifies(o: &mut String, c: &Config, n: &Notifies) {
    let pairs = [
        ("notify_master", n.master),
        ("notify_backup", n.backup),
        ("notify_fault", n.fault),
        ("notify_stop", n.stop),
        ("notify", n.generic),
        ("notify_master_rx_lower_pri", n.master_rx_lower_pri),
    ];
    for (k, id) in pairs {
        if let Some(id) = id {
            let _ = writeln!(o, "    {k} {}", cmd_line(c, id));
        }
    }
    if n.deleted {
        match n.deleted_cmd {
            Some(id) => {
                let _ = writeln!(o, "    notify_deleted {}", cmd_line(c, id));
            }
            None => o.push_str("    notify_deleted\n"),
        }
    }
}

fn instance(o: &mut String, c: &Config, i: &Instance) {
    let _ = writeln!(o, "\nvrrp_instance {} {{", quote(&i.name));
    let st = if i.initial_state == InitialState::Master {
        "MASTER"
    } else {
        "BACKUP"
    };
    let _ = writeln!(o, "    state {st}");
    if let Some(x) = &i.interface {
        let _ = writeln!(o, "    interface {}", quote(x));
    }
    let peers = c.peers_of(i.peers);
    if let Some(x) = i.src_ip {
        let k = if peers.is_empty() {
            "mcast_src_ip"
        } else {
            "unicast_src_ip"
        };
        let _ = writeln!(o, "    {k} {x}");
    }
    if !peers.is_empty() {
        o.push_str("    unicast_peer {\n");
        for p in peers {
            let _ = writeln!(
                o,
                "        {} min_ttl {} max_ttl {}",
                p.addr, p.min_ttl, p.max_ttl
            );
        }
        o.push_str("    }\n");
        let _ = writeln!(o, "    unicast_ttl {}", i.unicast_ttl);
    }
    if let Some(x) = i.mcast_group {
        let _ = writeln!(o, "    mcast_dst_ip {x}");
    }
    if i.family == Family::V6 {
        o.push_str("    native_ipv6\n");
    }
    let _ = writeln!(o, "    virtual_router_id {}", i.vrid);
    let _ = writeln!(o, "    priority {}", i.priority);
    let _ = writeln!(o, "    version {}", i.version);
    let _ = writeln!(o, "    advert_int {}", fmt_secs(i.advert_int));
    if i.nopreempt {
        o.push_str("    nopreempt\n");
    }
    if !i.preempt_delay.is_zero() {
        let _ = writeln!(o, "    preempt_delay {}", fmt_secs(i.preempt_delay));
    }
    let key = match i.auth {
        Auth::None => None,
        Auth::Pass(k) => Some(("PASS", k)),
        Auth::Ah(k) => Some(("AH", k)),
    };
    if let Some((ty, k)) = key {
        let end = k.iter().rposition(|&x| x != 0).map_or(0, |p| p + 1);
        let pass: String = k
            .get(..end)
            .unwrap_or(&[])
            .iter()
            .map(|&x| char::from(x))
            .collect();
        let pass = String::from_utf8(k.get(..end).unwrap_or(&[]).to_vec()).unwrap_or(pass);
        let _ = writeln!(
            o,
            "    authentication {{\n        auth_type {ty}\n        auth_pass {}\n    }}",
            quote(&pass)
        );
    }
    for (k, s) in [
        ("virtual_ipaddress", i.vips),
        ("virtual_ipaddress_excluded", i.evips),
    ] {
        if !s.is_empty() {
            let _ = writeln!(o, "    {k} {{");
            for v in c.vips_of(s) {
                let _ = writeln!(o, "        {}", vip(v));
            }
            o.push_str("    }\n");
        }
    }
    if !i.vroutes.is_empty() {
        o.push_str("    virtual_routes {\n");
        for r in c.routes_of(i.vroutes) {
            let _ = writeln!(o, "        {}", route(r));
        }
        o.push_str("    }\n");
    }
    tracks(o, c, c.tracks_of(i.tracks), "    ");
    if i.dont_track_primary {
        o.push_str("    dont_track_primary\n");
    }
    notifies(o, c, &i.notifies);
    let gp = &i.garp;
    let _ = writeln!(o, "    smtp_alert {}", b(i.smtp_alert));
    let _ = writeln!(o, "    garp_master_delay {}", fmt_secs(gp.master_delay));
    let _ = writeln!(o, "    garp_master_repeat {}", gp.master_repeat);
    let _ = writeln!(o, "    garp_master_refresh {}", fmt_secs(gp.master_refresh));
    let _ = writeln!(
        o,
        "    garp_master_refresh_repeat {}",
        gp.master_refresh_repeat
    );
    let _ = writeln!(
        o,
        "    garp_lower_prio_delay {}",
        fmt_secs(gp.lower_prio_delay)
    );
    let _ = writeln!(o, "    garp_lower_prio_repeat {}", gp.lower_prio_repeat);
    let _ = writeln!(o, "    down_timer_adverts {}", i.down_timer_adverts);
    let _ = writeln!(o, "    lower_prio_no_advert {}", b(i.lower_prio_no_advert));
    let _ = writeln!(
        o,
        "    higher_prio_send_advert {}",
        b(i.higher_prio_send_advert)
    );
    let _ = writeln!(o, "    {}", if i.accept { "accept" } else { "no_accept" });
    let _ = writeln!(o, "    strict_mode {}", b(i.strict));
    let _ = writeln!(o, "    skip_check_adv_addr {}", b(i.skip_check_adv_addr));
    if i.check_unicast_src {
        o.push_str("    check_unicast_src\n");
    }
    if i.v3_checksum_as_v2 {
        o.push_str("    v3_checksum_as_v2\n");
    }
    if i.old_unicast_checksum {
        o.push_str("    old_unicast_checksum\n");
    }
    let _ = writeln!(
        o,
        "    notify_priority_changes {}",
        b(i.notify_priority_changes)
    );
    o.push_str("}\n");
}

/// The whole configuration in keepalived syntax.
pub fn dump(c: &Config) -> String {
    let mut o = String::new();
    o.push_str("# keepalived-rs: parsed configuration (canonical form)\n");
    global(&mut o, c);
    for s in &c.scripts {
        let _ = writeln!(o, "\nvrrp_script {} {{", quote(&s.name));
        if let Some(cmd) = c.command(s.command) {
            let _ = writeln!(o, "    script {}", quote_always(&cmd.line));
            if let Some(u) = &cmd.user {
                let _ = write!(o, "    user {}", quote(u));
                if let Some(g) = &cmd.group {
                    let _ = write!(o, " {}", quote(g));
                }
                o.push('\n');
            }
        }
        let _ = writeln!(o, "    interval {}", fmt_secs(s.interval));
        let _ = writeln!(o, "    timeout {}", fmt_secs(s.timeout));
        let _ = writeln!(
            o,
            "    weight {}{}",
            s.weight,
            if s.weight_reverse { " reverse" } else { "" }
        );
        let _ = writeln!(o, "    rise {}\n    fall {}", s.rise, s.fall);
        if s.init_fail {
            o.push_str("    init_fail\n");
        }
        o.push_str("}\n");
    }
    for t in &c.track_files {
        let _ = writeln!(o, "\ntrack_file {} {{", quote(&t.name));
        let _ = writeln!(o, "    file {}", quote(&t.path));
        let _ = writeln!(
            o,
            "    weight {}{}",
            t.weight,
            if t.weight_reverse { " reverse" } else { "" }
        );
        if let Some(v) = t.init_value {
            let _ = writeln!(
                o,
                "    init_file {v}{}",
                if t.init_overwrite { " overwrite" } else { "" }
            );
        }
        o.push_str("}\n");
    }
    for p in &c.track_processes {
        track_process(&mut o, p);
    }
    for i in &c.instances {
        instance(&mut o, c, i);
    }
    for g in &c.sync_groups {
        let _ = writeln!(o, "\nvrrp_sync_group {} {{\n    group {{", quote(&g.name));
        for &m in &g.members {
            if let Some(i) = c.instances.get(m as usize) {
                let _ = writeln!(o, "        {}", quote(&i.name));
            }
        }
        o.push_str("    }\n");
        tracks(&mut o, c, c.tracks_of(g.tracks), "    ");
        notifies(&mut o, c, &g.notifies);
        let _ = writeln!(o, "    smtp_alert {}", b(g.smtp_alert));
        if g.sync_group_tracking_weight {
            o.push_str("    sync_group_tracking_weight\n");
        }
        o.push_str("}\n");
    }
    if !c.static_vips.is_empty() {
        o.push_str("\nstatic_ipaddress {\n");
        for v in c.vips_of(c.static_vips) {
            let _ = writeln!(o, "    {}", vip(v));
        }
        o.push_str("}\n");
    }
    if !c.static_routes.is_empty() {
        o.push_str("\nstatic_routes {\n");
        for r in c.routes_of(c.static_routes) {
            let _ = writeln!(o, "    {}", route(r));
        }
        o.push_str("}\n");
    }
    o
}

/// Double-quoted even when it would be safe bare.
fn quote_always(s: &str) -> String {
    let q = quote(s);
    if q.starts_with('"') {
        q
    } else {
        format!("\"{q}\"")
    }
}

/// A `vrrp_track_process` block, in the form the parser reads back.
fn track_process(o: &mut String, p: &crate::config::TrackProcess) {
    use crate::config::ParamMatch;
    let _ = writeln!(o, "\nvrrp_track_process {} {{", quote(&p.name));
    let _ = write!(o, "    process {}", quote(&p.process));
    for a in p.params.split('\0').filter(|a| !a.is_empty()) {
        let _ = write!(o, " {}", quote(a));
    }
    o.push('\n');
    match p.param_match {
        ParamMatch::None => {}
        ParamMatch::Exact => o.push_str("    param_match\n"),
        ParamMatch::Partial => o.push_str("    param_match partial\n"),
        ParamMatch::Initial => o.push_str("    param_match initial\n"),
    }
    if p.full_command {
        o.push_str("    full_command\n");
    }
    if p.weight != 0 || p.weight_reverse {
        let rev = if p.weight_reverse { " reverse" } else { "" };
        let _ = writeln!(o, "    weight {}{rev}", p.weight);
    }
    if p.quorum_max != u32::MAX {
        let _ = writeln!(o, "    quorum_max {}", p.quorum_max);
    }
    if p.quorum != 1 && p.quorum_max != 0 {
        let _ = writeln!(o, "    quorum {}", p.quorum);
    }
    if !p.fork_delay.is_zero() {
        let _ = writeln!(
            o,
            "    fork_delay {}",
            super::parser::fmt_secs(p.fork_delay)
        );
    }
    if !p.terminate_delay.is_zero() {
        let _ = writeln!(
            o,
            "    terminate_delay {}",
            super::parser::fmt_secs(p.terminate_delay)
        );
    }
    o.push_str("}\n");
}
