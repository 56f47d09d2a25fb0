//! `global_defs { ... }`: keyword table (sorted; a unit test checks it) and handlers.
//!
//! Known keywords this daemon does not implement (SNMP, D-Bus, firewalls, LVS, ...) are
//! accepted with a "not supported" warning; process-scheduling knobs that have no meaning for a
//! single-threaded daemon are accepted silently.

use super::parser::{Ctx, Stmt, Table};
use super::raw::RawCmd;
use crate::time::Duration;

const MAX_DELAY: Duration = Duration::from_secs(86_400);

fn silent(_: &mut Ctx<'_>, _: &mut (), _: &Stmt) {}
/// `dynamic_interfaces [allow_if_changes]`: a flag, not a boolean. `allow_if_changes` (keep
/// an instance across an interface's ifindex change) is what the daemon does anyway.
fn dynamic_interfaces(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    c.no_block(s);
    match s.words.get(1) {
        None => {}
        Some(w) if w.text == "allow_if_changes" => {}
        Some(w) => c.d.warn(
            w.span,
            format!("unknown dynamic_interfaces option '{}' - ignoring", w.text),
        ),
    }
    c.raw.global.dynamic_interfaces = true;
}

fn unsupported(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    c.unsupported(s)
}

macro_rules! gflag {
    ($($f:ident).+) => {
        |c: &mut Ctx<'_>, _: &mut (), s: &Stmt| {
            c.no_block(s);
            c.raw.global.$($f).+ = c.boolean(s);
        }
    };
}

macro_rules! gtimer {
    ($($f:ident).+) => {
        |c: &mut Ctx<'_>, _: &mut (), s: &Stmt| {
            if let Some(v) = c.timer_arg(s, 0, Duration::ZERO, MAX_DELAY) {
                c.raw.global.$($f).+ = v;
            }
        }
    };
}

macro_rules! gcount {
    ($($f:ident).+) => {
        |c: &mut Ctx<'_>, _: &mut (), s: &Stmt| {
            if let Some(v) = c.num_arg(s, 0, 0, i64::from(u16::MAX)) {
                c.raw.global.$($f).+ = v as u32;
            }
        }
    };
}

/// `vrrp_rt_priority N`: SCHED_RR priority, clamped to 1..99 with a warning.
fn rt_priority(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    let Some(w) = c.arg(s, 0) else { return };
    let Some(v) = c.num(w, i64::from(i32::MIN), i64::from(i32::MAX)) else {
        return;
    };
    let clamped = v.clamp(1, 99);
    if clamped != v {
        let side = if v < 1 {
            "below the minimum"
        } else {
            "above the maximum"
        };
        c.d.warn(
            w.span,
            format!("vrrp_rt_priority {v} is {side}; using {clamped}"),
        );
    }
    c.raw.global.sched.rt_priority = clamped as u8;
}

/// `vrrp_priority N`: nice value −20..19.
fn nice(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    if let Some(v) = c.num_arg(s, 0, -20, 19) {
        c.raw.global.sched.nice = v as i8;
    }
}

/// `vrrp_rlimit_rttime USEC` (the old spelling `vrrp_rlimit_rtime` too): at least 2, as the
/// soft limit is half of it.
fn rlimit_rttime(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    if let Some(v) = c.num_arg(s, 0, 1, i64::from(u32::MAX)) {
        c.raw.global.sched.rlimit_rttime = (v as u32).max(2);
    }
}

/// `notification_email { a@b c@d }`: every word of the block is an address.
fn notification_email(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    for st in c.want_block(s) {
        for w in &st.words {
            let Some(t) = c.text(w) else { continue };
            if c.raw.global.notification_email.push(t).is_err() {
                c.d.fatal(
                    w.span,
                    format!(
                        "too many notification_email entries: raise KEEPALIVED_RS_MAX_EMAILS (now {})",
                        crate::limits::MAX_EMAILS
                    ),
                );
                return;
            }
        }
    }
}

fn smtp_server(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    let Some(host) = c.text_arg(s, 0) else { return };
    let port = match s.arg(1) {
        Some(w) => match c.num(w, 1, 65535) {
            Some(p) => p as u16,
            None => return,
        },
        None => 25,
    };
    c.raw.global.smtp_server = Some((host, port));
}

fn script_user(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    let Some(user) = c.text_arg(s, 0) else { return };
    let group = match s.arg(1) {
        Some(w) => c.text(w),
        None => None,
    };
    // `user:group` in one word is accepted too.
    let (user, group) = split_user_group(user, group);
    c.raw.global.script_user = Some((user, group));
}

/// `USER:GROUP` → (USER, GROUP) when no separate group word was given.
pub fn split_user_group(
    user: super::Name,
    group: Option<super::Name>,
) -> (super::Name, Option<super::Name>) {
    if group.is_some() {
        return (user, group);
    }
    match user.split_once(':') {
        Some((u, g)) if !u.is_empty() && !g.is_empty() => {
            let mut un = super::Name::new();
            let mut gn = super::Name::new();
            let _ = un.push_str(u);
            let _ = gn.push_str(g);
            (un, Some(gn))
        }
        _ => (user, None),
    }
}

fn vrrp_version(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    if let Some(v) = c.num_arg(s, 0, 2, 3) {
        c.raw.global.vrrp_version = v as u8;
    }
}

fn mcast_group4(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    let Some(w) = c.arg(s, 0) else { return };
    match c.ip(w) {
        Some(core::net::IpAddr::V4(a)) if a.is_multicast() => c.raw.global.mcast_group4 = a,
        Some(_) => c.d.warn(
            w.span,
            format!(
                "vrrp_mcast_group4 '{}' is not an IPv4 multicast address - ignoring",
                w.text
            ),
        ),
        None => {}
    }
}

fn mcast_group6(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    let Some(w) = c.arg(s, 0) else { return };
    match c.ip(w) {
        Some(a @ core::net::IpAddr::V6(v6)) if v6.is_multicast() => c.raw.global.mcast_group6 = a,
        Some(_) => c.d.warn(
            w.span,
            format!(
                "vrrp_mcast_group6 '{}' is not an IPv6 multicast address - ignoring",
                w.text
            ),
        ),
        None => {}
    }
}

fn down_timer_adverts(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    if let Some(v) = c.num_arg(s, 0, 1, 100) {
        c.raw.global.down_timer_adverts = v as u8;
    }
}

fn min_garp(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    if c.boolean(s) {
        let g = &mut c.raw.global.garp;
        g.master_repeat = 1;
        g.master_delay = Duration::ZERO;
        g.master_refresh = Duration::ZERO;
        g.master_refresh_repeat = 1;
        g.lower_prio_repeat = 1;
        g.lower_prio_delay = Duration::ZERO;
    }
}

/// `notify_fifo FIFO [USER [GROUP]]` and `vrrp_notify_fifo`: the path and the owner a FIFO
/// the daemon creates gets. As keepalived, a second one is ignored with an error.
type FifoSpec = (
    Option<super::CommandLine>,
    Option<(super::Name, Option<super::Name>)>,
);

fn fifo_spec(c: &mut Ctx<'_>, s: &Stmt, kw: &str, have: bool) -> Option<FifoSpec> {
    if have {
        if let Some(w) = s.arg(0) {
            c.d.error(
                w.span,
                format!("{kw} already specified - ignoring {}", w.text),
            );
        }
        return None;
    }
    // A refused path (already reported) takes its owner with it: an owner without a FIFO
    // would be dropped by `-d` and is meaningless anyway.
    let path = Some(c.text_arg(s, 0)?);
    let owner = match s.arg(1) {
        Some(w) => {
            let user = c.text(w)?;
            let group = match s.arg(2) {
                Some(g) => Some(c.text(g)?),
                None => None,
            };
            Some(split_user_group(user, group))
        }
        None => None,
    };
    Some((path, owner))
}

fn notify_fifo(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    let have = c.raw.global.notify_fifo.is_some();
    if let Some((path, owner)) = fifo_spec(c, s, "notify_fifo", have) {
        c.raw.global.notify_fifo = path;
        c.raw.global.notify_fifo_owner = owner;
    }
}
fn vrrp_notify_fifo(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    let have = c.raw.global.vrrp_notify_fifo.is_some();
    if let Some((path, owner)) = fifo_spec(c, s, "vrrp_notify_fifo", have) {
        c.raw.global.vrrp_notify_fifo = path;
        c.raw.global.vrrp_notify_fifo_owner = owner;
    }
}
fn notify_fifo_script(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    c.raw.notify_fifo_script = command(c, s);
}
fn vrrp_notify_fifo_script(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    c.raw.vrrp_notify_fifo_script = command(c, s);
}

/// `KEYWORD "cmd args" [user [group]]`, keepalived's rule: the first word is the whole command
/// line (quote it when it has arguments; single quotes inside keep an argument together and
/// stay in [`super::Command::line`] for the exec layer to split); further words are the user
/// and group to run it as.
pub fn command(c: &mut Ctx<'_>, s: &Stmt) -> Option<RawCmd> {
    c.no_block(s);
    let first = c.arg(s, 0)?;
    let user_words = s.args().get(1..).unwrap_or(&[]);
    let line = first.text.clone();
    if line.trim().is_empty() {
        c.d.warn(
            s.span,
            format!("'{}' with an empty command - ignoring", s.kw()),
        );
        return None;
    }
    let mut cmd = super::Command::default();
    if cmd.line.push_str(&line).is_err() {
        c.d.error(
            first.span,
            format!(
                "'{}' command is too long (at most 255 bytes) - ignoring",
                s.kw()
            ),
        );
        return None;
    }
    if let Some(u) = user_words.first() {
        cmd.user = c.text(u);
        if let (Some(g), true) = (user_words.get(1), cmd.user.is_some()) {
            cmd.group = c.text(g);
        }
        if let Some(extra) = user_words.get(2) {
            c.d.warn(
                extra.span,
                format!("'{}': extra parameter '{}' ignored", s.kw(), extra.text),
            );
        }
    }
    Some(RawCmd { cmd, span: s.span })
}

fn router_id(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    c.raw.global.router_id = c.text_arg(s, 0);
}
fn email_from(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    c.raw.global.notification_email_from = c.text_arg(s, 0);
}
fn helo(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    c.raw.global.smtp_helo_name = c.text_arg(s, 0);
}
fn smtp_timeout(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    if let Some(v) = c.timer_arg(s, 0, Duration::from_secs(1), Duration::from_secs(86_400)) {
        c.raw.global.smtp_connect_timeout = v;
    }
}
fn smtp_alert(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    c.raw.global.smtp_alert = Some(c.boolean(s));
}
fn smtp_alert_vrrp(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    c.raw.global.smtp_alert_vrrp = Some(c.boolean(s));
}
fn default_interface(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    if let Some(v) = c.text_arg(s, 0) {
        c.raw.global.default_interface = v;
    }
}

/// Sorted by keyword (byte order): binary-searched.
pub static GLOBAL: &Table<()> = &[
    ("checker_log_all_failures", unsupported),
    ("checker_no_swap", unsupported),
    ("checker_priority", unsupported),
    ("checker_process_name", unsupported),
    ("checker_rt_priority", unsupported),
    ("child_wait_time", silent),
    ("config_save_dir", unsupported),
    ("data_use_instance", unsupported),
    ("default_interface", default_interface),
    ("dynamic_interfaces", dynamic_interfaces),
    ("enable_dbus", unsupported),
    ("enable_script_security", gflag!(enable_script_security)),
    ("enable_snmp_checker", unsupported),
    ("enable_snmp_rfc", unsupported),
    ("enable_snmp_rfcv2", unsupported),
    ("enable_snmp_rfcv3", unsupported),
    ("enable_snmp_vrrp", unsupported),
    ("enable_traps", unsupported),
    ("fifo_write_vrrp_states_on_reload", unsupported),
    ("include_check", unsupported),
    ("instance", unsupported),
    ("linkbeat_use_polling", unsupported),
    ("log_unknown_vrids", gflag!(log_unknown_vrids)),
    ("lvs_flush", unsupported),
    ("lvs_id", unsupported),
    ("lvs_sync_daemon", unsupported),
    ("lvs_timeouts", unsupported),
    ("max_auto_priority", silent),
    ("min_auto_priority_delay", silent),
    ("net_namespace", unsupported),
    ("nftables", unsupported),
    ("nftables_counters", unsupported),
    ("nftables_ifindex", unsupported),
    ("nftables_priority", unsupported),
    ("no_email_faults", gflag!(no_email_faults)),
    ("notification_email", notification_email),
    ("notification_email_from", email_from),
    ("notify_fifo", notify_fifo),
    ("notify_fifo_script", notify_fifo_script),
    ("process_names", silent),
    ("random_seed", silent),
    ("reload_check_config", unsupported),
    ("reload_file", unsupported),
    ("reload_repeat", unsupported),
    ("reload_time_file", unsupported),
    ("router_id", router_id),
    ("script_user", script_user),
    ("shutdown_script", unsupported),
    ("shutdown_script_timeout", unsupported),
    ("smtp_alert", smtp_alert),
    ("smtp_alert_checker", unsupported),
    ("smtp_alert_vrrp", smtp_alert_vrrp),
    ("smtp_connect_timeout", smtp_timeout),
    ("smtp_helo_name", helo),
    ("smtp_server", smtp_server),
    ("snmp_socket", unsupported),
    ("startup_script", unsupported),
    ("startup_script_timeout", unsupported),
    ("tmp_config_directory", unsupported),
    ("umask", unsupported),
    ("use_pid_dir", unsupported),
    ("v3_checksum_as_v2", gflag!(v3_checksum_as_v2)),
    ("vmac_addr_prefix", unsupported),
    ("vmac_prefix", unsupported),
    ("vrrp_check_unicast_src", gflag!(check_unicast_src)),
    ("vrrp_cpu_affinity", silent),
    ("vrrp_down_timer_adverts", down_timer_adverts),
    ("vrrp_garp_extra_if", unsupported),
    ("vrrp_garp_interval", gtimer!(garp.interval)),
    ("vrrp_garp_lower_prio_delay", gtimer!(garp.lower_prio_delay)),
    (
        "vrrp_garp_lower_prio_repeat",
        gcount!(garp.lower_prio_repeat),
    ),
    ("vrrp_garp_master_delay", gtimer!(garp.master_delay)),
    ("vrrp_garp_master_refresh", gtimer!(garp.master_refresh)),
    (
        "vrrp_garp_master_refresh_repeat",
        gcount!(garp.master_refresh_repeat),
    ),
    ("vrrp_garp_master_repeat", gcount!(garp.master_repeat)),
    ("vrrp_gna_interval", gtimer!(garp.na_interval)),
    (
        "vrrp_higher_prio_send_advert",
        gflag!(higher_prio_send_advert),
    ),
    ("vrrp_ipsets", unsupported),
    ("vrrp_iptables", unsupported),
    ("vrrp_lower_prio_no_advert", gflag!(lower_prio_no_advert)),
    ("vrrp_mcast_group4", mcast_group4),
    ("vrrp_mcast_group6", mcast_group6),
    ("vrrp_min_garp", min_garp),
    ("vrrp_netlink_cmd_rcv_bufs", silent),
    ("vrrp_netlink_cmd_rcv_bufs_force", silent),
    ("vrrp_netlink_monitor_rcv_bufs", silent),
    ("vrrp_netlink_monitor_rcv_bufs_force", silent),
    ("vrrp_no_swap", gflag!(sched.no_swap)),
    ("vrrp_notify_fifo", vrrp_notify_fifo),
    ("vrrp_notify_fifo_script", vrrp_notify_fifo_script),
    (
        "vrrp_notify_priority_changes",
        gflag!(notify_priority_changes),
    ),
    ("vrrp_priority", nice),
    ("vrrp_process_name", silent),
    ("vrrp_rlimit_rtime", rlimit_rttime),
    ("vrrp_rlimit_rttime", rlimit_rttime),
    ("vrrp_rt_priority", rt_priority),
    ("vrrp_rx_bufs_multiplier", silent),
    ("vrrp_rx_bufs_policy", silent),
    ("vrrp_skip_check_adv_addr", gflag!(skip_check_adv_addr)),
    ("vrrp_startup_delay", gtimer!(startup_delay)),
    ("vrrp_strict", gflag!(strict)),
    ("vrrp_version", vrrp_version),
];

#[cfg(test)]
mod tests {
    #[test]
    fn table_is_sorted() {
        assert!(super::GLOBAL.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
