//! Address-like lines shared by several blocks: VIPs (`virtual_ipaddress`,
//! `virtual_ipaddress_excluded`, `static_ipaddress`), routes (`virtual_routes`,
//! `static_routes`) and tracker lists (`track_script`, `track_interface`, `track_file`).

use core::net::IpAddr;

use super::model::{Route, Scope, Vip};
use super::parser::{parse_ip, trunc, Ctx, Stmt, Word};
use super::raw::{RawTarget, RawTrack};

/// `ADDR[/LEN]` → (address, prefix); the prefix defaults to the full length.
fn addr_prefix(c: &mut Ctx<'_>, w: &Word) -> Option<(IpAddr, u8)> {
    let (a, len) = match w.text.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (w.text.as_str(), None),
    };
    let Some(ip) = parse_ip(a) else {
        c.d.error(
            w.span,
            format!("invalid address '{}' - ignoring", trunc(&w.text)),
        );
        return None;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match len {
        None => max,
        Some(l) => match l.parse::<u8>() {
            Ok(p) if p <= max => p,
            _ => {
                c.d.error(
                    w.span,
                    format!("invalid prefix length in '{}' - ignoring", trunc(&w.text)),
                );
                return None;
            }
        },
    };
    Some((ip, prefix))
}

/// `global|site|link|host|nowhere|N`.
pub fn parse_scope(s: &str) -> Option<Scope> {
    Some(match s {
        "global" | "universe" => Scope::GLOBAL,
        "site" => Scope::SITE,
        "link" => Scope::LINK,
        "host" => Scope::HOST,
        "nowhere" => Scope::NOWHERE,
        n => Scope(n.parse().ok()?),
    })
}

/// The value word after an option keyword, or a warning.
fn value<'w>(
    c: &mut Ctx<'_>,
    it: &mut core::slice::Iter<'w, Word>,
    opt: &Word,
) -> Option<&'w Word> {
    let v = it.next();
    if v.is_none() {
        c.d.warn(opt.span, format!("'{}' missing value - ignoring", opt.text));
    }
    v
}

fn unsupported_opt(c: &mut Ctx<'_>, w: &Word) {
    c.d.warn(
        w.span,
        format!(
            "VIP option '{}' is not supported by keepalived-rs - ignoring",
            w.text
        ),
    );
}

/// One VIP line: `ADDR[/LEN] [brd IP] [dev IF] [scope S] [label L] [peer IP] [no_track]
/// [-nodad] [noprefixroute] [home] [mngtmpaddr] [autojoin] [preferred_lft N]`.
pub fn parse_vip(c: &mut Ctx<'_>, words: &[Word]) -> Option<Vip> {
    let mut it = words.iter();
    let first = it.next()?;
    let (ip, prefix) = addr_prefix(c, first)?;
    let mut v = Vip {
        addr: Some(ip),
        prefix,
        ..Vip::default()
    };
    while let Some(w) = it.next() {
        match w.text.as_str() {
            "brd" | "broadcast" => {
                let Some(x) = value(c, &mut it, w) else { break };
                match parse_ip(&x.text) {
                    Some(IpAddr::V4(b)) => v.brd = Some(b),
                    _ => c.d.warn(
                        x.span,
                        format!("invalid broadcast address '{}' - ignoring", trunc(&x.text)),
                    ),
                }
            }
            "dev" => {
                let Some(x) = value(c, &mut it, w) else { break };
                v.dev = c.text(x);
            }
            "label" => {
                let Some(x) = value(c, &mut it, w) else { break };
                v.label = c.text(x);
            }
            "scope" => {
                let Some(x) = value(c, &mut it, w) else { break };
                match parse_scope(&x.text) {
                    Some(s) => v.scope = s,
                    None => c.d.warn(
                        x.span,
                        format!("invalid scope '{}' - ignoring", trunc(&x.text)),
                    ),
                }
            }
            "peer" => {
                let Some(x) = value(c, &mut it, w) else { break };
                v.peer = c.ip(x);
            }
            "no_track" => v.no_track = true,
            "-nodad" | "nodad" => v.nodad = true,
            "noprefixroute" => v.noprefixroute = true,
            // IPv6 address flags and a lifetime this daemon does not set: say so, where.
            // (keepalived 2.2.7 knows no `valid_lft` or `track`: unknown, as below.)
            "home" | "mngtmpaddr" | "autojoin" => unsupported_opt(c, w),
            "preferred_lft" => {
                unsupported_opt(c, w);
                let _ = value(c, &mut it, w);
            }
            other => c.d.warn(
                w.span,
                format!("unknown VIP option '{}' - ignoring", trunc(other)),
            ),
        }
    }
    Some(v)
}

/// One route line: `[src IP] [to] DEST[/LEN] [via|gw GW] [dev IF] [scope S] [table T]
/// [metric M] [blackhole|unreachable|prohibit] [no_track]`.
pub fn parse_route(c: &mut Ctx<'_>, words: &[Word]) -> Option<Route> {
    let mut r = Route {
        kind: 1,
        ..Route::default()
    };
    let mut it = words.iter();
    let mut have_dst = false;
    while let Some(w) = it.next() {
        match w.text.as_str() {
            "src" | "from" => {
                let Some(x) = value(c, &mut it, w) else { break };
                r.src = c.ip(x);
            }
            "via" | "gw" => {
                let Some(x) = value(c, &mut it, w) else { break };
                r.via = c.ip(x);
            }
            "dev" | "oif" => {
                let Some(x) = value(c, &mut it, w) else { break };
                r.dev = c.text(x);
            }
            "scope" => {
                let Some(x) = value(c, &mut it, w) else { break };
                r.scope = parse_scope(&x.text);
                if r.scope.is_none() {
                    c.d.warn(
                        x.span,
                        format!("invalid scope '{}' - ignoring", trunc(&x.text)),
                    );
                }
            }
            "table" => {
                let Some(x) = value(c, &mut it, w) else { break };
                r.table = c.num(x, 0, i64::from(u32::MAX)).map(|t| t as u32);
            }
            "metric" | "preference" | "priority" => {
                let Some(x) = value(c, &mut it, w) else { break };
                r.metric = c.num(x, 0, i64::from(u32::MAX)).map(|t| t as u32);
            }
            "blackhole" => r.kind = 6,
            "unreachable" => r.kind = 7,
            "prohibit" => r.kind = 8,
            "unicast" => r.kind = 1,
            "no_track" => r.no_track = true,
            "to" => {}
            "default" if !have_dst => {
                r.dst = Some(IpAddr::V4(core::net::Ipv4Addr::UNSPECIFIED));
                r.prefix = 0;
                have_dst = true;
            }
            _ if !have_dst => {
                let (ip, p) = addr_prefix(c, w)?;
                r.dst = Some(ip);
                r.prefix = p;
                have_dst = true;
            }
            other => c.d.warn(
                w.span,
                format!("unknown route option '{}' - ignoring", trunc(other)),
            ),
        }
    }
    if !have_dst {
        let sp = words.first().map(|w| w.span).unwrap_or_default();
        c.d.error(sp, "route without destination - ignoring");
        return None;
    }
    Some(r)
}

/// `track_script|track_interface|track_file|track_process { NAME [weight N [reverse|noreverse]] ... }`.
pub fn tracks(c: &mut Ctx<'_>, s: &Stmt, owner: &str, out: &mut Vec<RawTrack>) {
    let kind = s.kw().to_string();
    for st in c.want_block(s) {
        let cap = crate::limits::MAX_TRACKS;
        let what = "track_script/track_interface/track_file/track_process entries";
        if c.full(out.len(), cap, st.span, what, "MAX_TRACKS") {
            return;
        }
        let Some(first) = st.words.first() else {
            continue;
        };
        let target = match kind.as_str() {
            "track_script" => c.text(first).map(RawTarget::Script),
            "track_file" => c.text(first).map(RawTarget::File),
            "track_process" => c.text(first).map(RawTarget::Process),
            _ => c.text(first).map(RawTarget::Interface),
        };
        let Some(target) = target else { continue };
        let mut t = RawTrack {
            target,
            weight: None,
            reverse: None,
            span: st.span,
        };
        let mut it = st.words.iter().skip(1);
        let (lo, hi) = if kind == "track_file" || kind == "track_process" {
            (-254, 254)
        } else {
            (-253, 253)
        };
        while let Some(w) = it.next() {
            match w.text.as_str() {
                "weight" => {
                    let Some(x) = it.next() else {
                        c.d.warn(
                            w.span,
                            format!("({owner}) {kind} {} weight missing value", first.text),
                        );
                        break;
                    };
                    match c.num(x, lo, hi) {
                        Some(n) => t.weight = Some(n as i16),
                        None => c.d.warn(
                            x.span,
                            format!(
                                "({owner}) {kind} {} weight {} must be in [{lo}, {hi}] - ignoring",
                                first.text,
                                trunc(&x.text)
                            ),
                        ),
                    }
                }
                // keepalived reads reverse/noreverse only after `weight N`; alone it
                // would change nothing there, so it must change nothing here either.
                "reverse" | "noreverse" if t.weight.is_none() => c.d.warn(
                    w.span,
                    format!(
                        "({owner}) {kind} {} {} without weight - ignoring",
                        first.text, w.text
                    ),
                ),
                "reverse" => t.reverse = Some(true),
                "noreverse" => t.reverse = Some(false),
                other => c.d.warn(
                    w.span,
                    format!(
                        "({owner}) unknown {kind} option '{}' - ignoring",
                        trunc(other)
                    ),
                ),
            }
        }
        out.push(t);
    }
}
