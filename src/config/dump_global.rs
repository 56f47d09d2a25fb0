//! `-d`'s `global_defs` section: the `global()` writer of `dump.rs`, kept in its own file
//! (a child module of `dump`) so that each stays under about 600 lines.

use core::fmt::Write;

use super::{b, cmd_line, quote};
use crate::config::parser::fmt_secs;
use crate::config::Config;

/// ` USER [GROUP]` after a FIFO path, then the end of the line.
fn fifo_owner(o: &mut String, owner: &Option<(crate::config::Name, Option<crate::config::Name>)>) {
    if let Some((u, grp)) = owner {
        let _ = write!(o, " {}", quote(u));
        if let Some(x) = grp {
            let _ = write!(o, " {}", quote(x));
        }
    }
    o.push('\n');
}

pub(super) fn global(o: &mut String, c: &Config) {
    let g = &c.global;
    o.push_str("global_defs {\n");
    if let Some(x) = &g.router_id {
        let _ = writeln!(o, "    router_id {}", quote(x));
    }
    if !g.notification_email.is_empty() {
        o.push_str("    notification_email {\n");
        for e in &g.notification_email {
            let _ = writeln!(o, "        {}", quote(e));
        }
        o.push_str("    }\n");
    }
    if let Some(x) = &g.notification_email_from {
        let _ = writeln!(o, "    notification_email_from {}", quote(x));
    }
    if let Some((h, p)) = &g.smtp_server {
        let _ = writeln!(o, "    smtp_server {} {p}", quote(h));
    }
    if let Some(x) = &g.smtp_helo_name {
        let _ = writeln!(o, "    smtp_helo_name {}", quote(x));
    }
    let _ = writeln!(
        o,
        "    smtp_connect_timeout {}",
        fmt_secs(g.smtp_connect_timeout)
    );
    if let Some(x) = g.smtp_alert {
        let _ = writeln!(o, "    smtp_alert {}", b(x));
    }
    if let Some(x) = g.smtp_alert_vrrp {
        let _ = writeln!(o, "    smtp_alert_vrrp {}", b(x));
    }
    let _ = writeln!(o, "    no_email_faults {}", b(g.no_email_faults));
    if let Some((u, grp)) = &g.script_user {
        let _ = write!(o, "    script_user {}", quote(u));
        if let Some(x) = grp {
            let _ = write!(o, " {}", quote(x));
        }
        o.push('\n');
    }
    let _ = writeln!(
        o,
        "    enable_script_security {}",
        b(g.enable_script_security)
    );
    let _ = writeln!(o, "    vrrp_version {}", g.vrrp_version);
    let _ = writeln!(o, "    vrrp_mcast_group4 {}", g.mcast_group4);
    let _ = writeln!(o, "    vrrp_mcast_group6 {}", g.mcast_group6);
    let gp = &g.garp;
    let _ = writeln!(
        o,
        "    vrrp_garp_master_delay {}",
        fmt_secs(gp.master_delay)
    );
    let _ = writeln!(o, "    vrrp_garp_master_repeat {}", gp.master_repeat);
    let _ = writeln!(
        o,
        "    vrrp_garp_master_refresh {}",
        fmt_secs(gp.master_refresh)
    );
    let _ = writeln!(
        o,
        "    vrrp_garp_master_refresh_repeat {}",
        gp.master_refresh_repeat
    );
    let _ = writeln!(
        o,
        "    vrrp_garp_lower_prio_delay {}",
        fmt_secs(gp.lower_prio_delay)
    );
    let _ = writeln!(
        o,
        "    vrrp_garp_lower_prio_repeat {}",
        gp.lower_prio_repeat
    );
    if !gp.interval.is_zero() {
        let _ = writeln!(o, "    vrrp_garp_interval {}", fmt_secs(gp.interval));
    }
    if !gp.na_interval.is_zero() {
        let _ = writeln!(o, "    vrrp_gna_interval {}", fmt_secs(gp.na_interval));
    }
    let _ = writeln!(o, "    vrrp_down_timer_adverts {}", g.down_timer_adverts);
    let _ = writeln!(
        o,
        "    vrrp_lower_prio_no_advert {}",
        b(g.lower_prio_no_advert)
    );
    let _ = writeln!(
        o,
        "    vrrp_higher_prio_send_advert {}",
        b(g.higher_prio_send_advert)
    );
    let _ = writeln!(o, "    vrrp_check_unicast_src {}", b(g.check_unicast_src));
    let _ = writeln!(
        o,
        "    vrrp_skip_check_adv_addr {}",
        b(g.skip_check_adv_addr)
    );
    let _ = writeln!(o, "    vrrp_strict {}", b(g.strict));
    if g.v3_checksum_as_v2 {
        o.push_str("    v3_checksum_as_v2\n");
    }
    if let Some(x) = &g.notify_fifo {
        let _ = write!(o, "    notify_fifo {}", quote(x));
        fifo_owner(o, &g.notify_fifo_owner);
    }
    if let Some(id) = g.notify_fifo_script {
        let _ = writeln!(o, "    notify_fifo_script {}", cmd_line(c, id));
    }
    if let Some(x) = &g.vrrp_notify_fifo {
        let _ = write!(o, "    vrrp_notify_fifo {}", quote(x));
        fifo_owner(o, &g.vrrp_notify_fifo_owner);
    }
    if let Some(id) = g.vrrp_notify_fifo_script {
        let _ = writeln!(o, "    vrrp_notify_fifo_script {}", cmd_line(c, id));
    }
    let _ = writeln!(
        o,
        "    vrrp_notify_priority_changes {}",
        b(g.notify_priority_changes)
    );
    if !g.startup_delay.is_zero() {
        let _ = writeln!(o, "    vrrp_startup_delay {}", fmt_secs(g.startup_delay));
    }
    let _ = writeln!(o, "    default_interface {}", quote(&g.default_interface));
    let _ = writeln!(o, "    log_unknown_vrids {}", b(g.log_unknown_vrids));
    if g.dynamic_interfaces {
        let _ = writeln!(o, "    dynamic_interfaces");
    }
    let sc = g.sched;
    if sc.rt_priority != 0 {
        let _ = writeln!(o, "    vrrp_rt_priority {}", sc.rt_priority);
    }
    let _ = writeln!(o, "    vrrp_rlimit_rttime {}", sc.rlimit_rttime);
    if sc.nice != 0 {
        let _ = writeln!(o, "    vrrp_priority {}", sc.nice);
    }
    let _ = writeln!(o, "    vrrp_no_swap {}", b(sc.no_swap));
    o.push_str("}\n");
}
