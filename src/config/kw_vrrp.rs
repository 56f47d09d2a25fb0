//! `vrrp_instance NAME { ... }`: keyword table (sorted) and handlers. Values are recorded as
//! written in [`RawInstance`]; keepalived's completion rules run later in `validate`.

use super::addr::{parse_route, parse_vip, tracks};
use super::kw_global::command;
use super::model::{Family, InitialState, Peer};
use super::parser::{Ctx, Stmt, Table};
use super::raw::RawInstance;
use crate::limits::*;
use crate::time::Duration;

type I = RawInstance;

fn unsupported(c: &mut Ctx<'_>, _: &mut I, s: &Stmt) {
    c.unsupported(s)
}
fn silent(_: &mut Ctx<'_>, _: &mut I, _: &Stmt) {}

macro_rules! iflag {
    ($f:ident) => {
        |c: &mut Ctx<'_>, i: &mut I, s: &Stmt| {
            c.no_block(s);
            i.$f = Some(c.boolean(s));
        }
    };
}

macro_rules! igarp_t {
    ($f:ident) => {
        |c: &mut Ctx<'_>, i: &mut I, s: &Stmt| {
            if let Some(v) = c.timer_arg(s, 0, Duration::ZERO, Duration::from_secs(86_400)) {
                i.garp.$f = Some(v);
            }
        }
    };
}

macro_rules! igarp_n {
    ($f:ident) => {
        |c: &mut Ctx<'_>, i: &mut I, s: &Stmt| {
            if let Some(v) = c.num_arg(s, 0, 0, i64::from(u16::MAX)) {
                i.garp.$f = Some(v as u32);
            }
        }
    };
}

macro_rules! notify {
    ($f:ident) => {
        |c: &mut Ctx<'_>, i: &mut I, s: &Stmt| {
            i.notifies.$f = command(c, s);
        }
    };
}

fn state(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    let Some(w) = c.arg(s, 0) else { return };
    i.state = Some(match w.text.as_str() {
        "MASTER" => InitialState::Master,
        "BACKUP" => InitialState::Backup,
        other => {
            c.d.warn(
                w.span,
                format!(
                    "({}) unknown state '{}', defaulting to BACKUP",
                    i.name,
                    super::parser::trunc(other)
                ),
            );
            InitialState::Backup
        }
    });
}

fn interface(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    let Some(w) = c.arg(s, 0) else { return };
    if w.text == "lo" {
        c.d.warn(
            w.span,
            format!(
                "({}) cannot use a loopback interface (lo) for vrrp - ignoring",
                i.name
            ),
        );
        return;
    }
    if let Some(n) = c.text(w) {
        i.interface = Some((n, w.span));
    }
}

fn src_ip(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    if s.kw() == "unicast_src_ip" {
        i.unicast_kw.get_or_insert(s.span);
    }
    let Some(w) = c.arg(s, 0) else { return };
    if let Some(a) = c.ip(w) {
        i.src_ip = Some((a, w.span));
    }
}

fn mcast_dst_ip(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    let Some(w) = c.arg(s, 0) else { return };
    match c.ip(w) {
        Some(a) if a.is_multicast() => i.mcast_group = Some(a),
        Some(_) => c.d.warn(
            w.span,
            format!(
                "({}) mcast_dst_ip '{}' is not a multicast address - ignoring",
                i.name, w.text
            ),
        ),
        None => {}
    }
}

fn unicast_peer(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    i.unicast_kw.get_or_insert(s.span);
    for st in c.want_block(s) {
        let mut ws = st.words.iter();
        while let Some(w) = ws.next() {
            match w.text.as_str() {
                "min_ttl" | "max_ttl" => {
                    let Some(v) = ws.next() else {
                        c.d.warn(w.span, format!("({}) {} missing value", i.name, w.text));
                        break;
                    };
                    let Some(n) = c.num(v, 0, 255) else { continue };
                    match i.peers.last_mut() {
                        Some((p, _)) if w.text == "min_ttl" => p.min_ttl = n as u8,
                        Some((p, _)) => p.max_ttl = n as u8,
                        None => {}
                    }
                }
                _ => {
                    if c.full(
                        i.peers.len(),
                        MAX_PEERS,
                        w.span,
                        "unicast_peer entries",
                        "MAX_PEERS",
                    ) {
                        return;
                    }
                    if let Some(a) = c.ip(w) {
                        if i.peers.iter().any(|(p, _)| p.addr == a) {
                            c.d.warn(
                                w.span,
                                format!("({}) duplicate unicast peer {} - ignoring", i.name, a),
                            );
                        } else {
                            i.peers.push((
                                Peer {
                                    addr: a,
                                    min_ttl: 0,
                                    max_ttl: 255,
                                },
                                w.span,
                            ));
                        }
                    }
                }
            }
        }
    }
}

fn unicast_ttl(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    if let Some(v) = c.num_arg(s, 0, 1, 255) {
        i.unicast_ttl = Some(v as u8);
    }
}

fn vrid(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    let Some(w) = c.arg(s, 0) else { return };
    match c.num(w, 1, 255) {
        Some(v) => i.vrid = Some(v as u8),
        None => c.d.warn(
            w.span,
            format!(
                "({}): VRID '{}' not valid - must be between 1 & 255",
                i.name,
                super::parser::trunc(&w.text)
            ),
        ),
    }
}

fn priority(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    let Some(w) = c.arg(s, 0) else { return };
    match c.num(w, 1, 255) {
        Some(v) => i.priority = Some(v as u8),
        None => {
            c.d.warn(
                w.span,
                format!(
                    "({}) Priority not valid! must be between 1 & 255. Using default 100",
                    i.name
                ),
            );
            i.priority = Some(100);
        }
    }
}

fn advert_int(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    let Some(w) = c.arg(s, 0) else { return };
    match super::parser::parse_secs(&w.text) {
        Some(v) if !v.is_zero() && v <= Duration::from_secs(255) => {
            i.advert_int = Some((v, w.span))
        }
        parsed => {
            if parsed.is_none() {
                c.d.warn(
                    w.span,
                    format!("invalid number '{}'", super::parser::trunc(&w.text)),
                );
            }
            c.d.warn(
                w.span,
                format!(
                    "({}) Advert interval ({}) not valid! Must be > 0 - ignoring",
                    i.name,
                    super::parser::trunc(&w.text)
                ),
            );
        }
    }
}

fn version(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    if let Some(v) = c.num_arg(s, 0, 2, 3) {
        i.version = Some(v as u8);
    }
}

fn nopreempt(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    c.no_block(s);
    i.nopreempt = s.kw() == "nopreempt";
}

fn preempt_delay(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    if let Some(v) = c.timer_arg(s, 0, Duration::ZERO, Duration::from_secs(1000)) {
        i.preempt_delay = Some(v);
    }
}

fn authentication(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    for st in c.want_block(s) {
        match st.kw() {
            "auth_type" => {
                let Some(w) = c.arg(st, 0) else { continue };
                match w.text.as_str() {
                    "PASS" => i.auth_type = Some((1, st.span)),
                    "AH" => i.auth_type = Some((2, st.span)),
                    other => c.d.warn(
                        w.span,
                        format!(
                            "({}) unknown authentication type '{}'",
                            i.name,
                            super::parser::trunc(other)
                        ),
                    ),
                }
            }
            "auth_pass" => {
                let Some(w) = c.arg(st, 0) else { continue };
                let bytes = w.text.as_bytes();
                if bytes.len() > 8 {
                    c.d.warn(w.span, "Truncating auth_pass to 8 characters");
                }
                let mut key = [0u8; 8];
                for (k, b) in key.iter_mut().zip(bytes) {
                    *k = *b;
                }
                // An empty password is no password (keepalived ignores the block).
                i.auth_pass = (!bytes.is_empty()).then_some(key);
            }
            _ => c.unknown(st),
        }
    }
}

/// `virtual_ipaddress` / `virtual_ipaddress_excluded`: one address per line.
fn vips(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    let excluded = s.kw() == "virtual_ipaddress_excluded";
    for st in c.want_block(s) {
        let n = i.vips.len() + i.evips.len();
        if c.full(
            n,
            MAX_VIPS,
            st.span,
            "virtual_ipaddress entries",
            "MAX_VIPS",
        ) {
            return;
        }
        let Some(v) = parse_vip(c, &st.words) else {
            continue;
        };
        let fam = if v.ip().is_ipv4() {
            Family::V4
        } else {
            Family::V6
        };
        if !excluded {
            // keepalived: the first VIP decides the instance's family.
            if let Some((first, _)) = i.vips.first() {
                let first_fam = if first.ip().is_ipv4() {
                    Family::V4
                } else {
                    Family::V6
                };
                if first_fam != fam {
                    c.d.warn(
                        st.span,
                        format!(
                            "({}): address family must match VRRP instance [{}] - ignoring",
                            i.name,
                            v.ip()
                        ),
                    );
                    continue;
                }
            }
            i.vips.push((v, st.span));
        } else {
            i.evips.push((v, st.span));
        }
    }
}

fn vroutes(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    for st in c.want_block(s) {
        if c.full(
            i.vroutes.len(),
            MAX_ROUTES,
            st.span,
            "virtual_routes entries",
            "MAX_ROUTES",
        ) {
            return;
        }
        if let Some(r) = parse_route(c, &st.words) {
            i.vroutes.push((r, st.span));
        }
    }
}

fn track(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    let name = i.name.clone();
    tracks(c, s, &name, &mut i.tracks);
}

fn notify_deleted(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    i.notifies.deleted = true;
    if s.arg(0).is_some() {
        i.notifies.deleted_cmd = command(c, s);
    }
}

fn accept(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    c.no_block(s);
    i.accept = Some(s.kw() == "accept");
}

fn down_timer_adverts(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    if let Some(v) = c.num_arg(s, 0, 1, 100) {
        i.down_timer_adverts = Some(v as u8);
    }
}

fn old_unicast_checksum(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    c.no_block(s);
    i.old_unicast_checksum = s.arg_str(0) != Some("never");
}

fn native_ipv6(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    c.no_block(s);
    i.native_ipv6 = true;
}

fn dont_track_primary(c: &mut Ctx<'_>, i: &mut I, s: &Stmt) {
    c.no_block(s);
    i.dont_track_primary = true;
}

/// Sorted by keyword (byte order): binary-searched.
pub static INSTANCE: &Table<I> = &[
    ("accept", accept),
    ("advert_int", advert_int),
    ("authentication", authentication),
    ("check_unicast_src", iflag!(check_unicast_src)),
    ("debug", silent),
    ("dont_track_primary", dont_track_primary),
    ("down_timer_adverts", down_timer_adverts),
    ("garp_extra_if", unsupported),
    ("garp_lower_prio_delay", igarp_t!(lower_prio_delay)),
    ("garp_lower_prio_repeat", igarp_n!(lower_prio_repeat)),
    ("garp_master_delay", igarp_t!(master_delay)),
    ("garp_master_refresh", igarp_t!(master_refresh)),
    (
        "garp_master_refresh_repeat",
        igarp_n!(master_refresh_repeat),
    ),
    ("garp_master_repeat", igarp_n!(master_repeat)),
    ("higher_prio_send_advert", iflag!(higher_prio_send_advert)),
    ("interface", interface),
    ("kernel_rx_buf_size", silent),
    ("linkbeat_use_polling", unsupported),
    ("lower_prio_no_advert", iflag!(lower_prio_no_advert)),
    ("lvs_sync_daemon_interface", unsupported),
    ("mcast_dst_ip", mcast_dst_ip),
    ("mcast_src_ip", src_ip),
    ("native_ipv6", native_ipv6),
    ("no_accept", accept),
    ("nopreempt", nopreempt),
    ("notify", notify!(generic)),
    ("notify_backup", notify!(backup)),
    ("notify_deleted", notify_deleted),
    ("notify_fault", notify!(fault)),
    ("notify_master", notify!(master)),
    ("notify_master_rx_lower_pri", notify!(master_rx_lower_pri)),
    ("notify_priority_changes", iflag!(notify_priority_changes)),
    ("notify_stop", notify!(stop)),
    ("old_unicast_checksum", old_unicast_checksum),
    ("preempt", nopreempt),
    ("preempt_delay", preempt_delay),
    ("priority", priority),
    ("promote_secondaries", unsupported),
    ("skip_check_adv_addr", iflag!(skip_check_adv_addr)),
    ("smtp_alert", iflag!(smtp_alert)),
    ("state", state),
    ("strict_mode", iflag!(strict)),
    ("track_bfd", unsupported),
    ("track_file", track),
    ("track_interface", track),
    ("track_process", track),
    ("track_script", track),
    ("track_src_ip", unsupported),
    ("unicast_fault_no_peer", unsupported),
    ("unicast_peer", unicast_peer),
    ("unicast_src_ip", src_ip),
    ("unicast_ttl", unicast_ttl),
    ("use_ipvlan", unsupported),
    ("use_vmac", unsupported),
    ("use_vmac_addr", unsupported),
    ("v3_checksum_as_v2", iflag!(v3_checksum_as_v2)),
    ("version", version),
    ("virtual_ipaddress", vips),
    ("virtual_ipaddress_excluded", vips),
    ("virtual_router_id", vrid),
    ("virtual_routes", vroutes),
    ("virtual_rules", unsupported),
    ("vmac_garp_intvl", unsupported),
    ("vmac_xmit_base", unsupported),
    ("vrf", unsupported),
];

#[cfg(test)]
mod tests {
    #[test]
    fn table_is_sorted() {
        assert!(super::INSTANCE.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
