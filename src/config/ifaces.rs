//! The interfaces a config names: instance `interface`s, `track_interface`s (instances and
//! sync groups), VIP / eVIP / virtual route `dev`s. The daemon's interface table and the
//! core's hold each distinct name once, so one more than `MAX_INTERFACES` is fatal at load
//! (at the name that does not fit), never dropped at run time. With `-t` the names are also
//! looked up, as keepalived 2.2.7's `-t` does.

use super::complete::Done;
use super::diag::{Diagnostics, Span};
use super::model::*;
use super::validate::{full, PendingGroup};
use crate::limits::MAX_INTERFACES;

/// Where a name is used (for keepalived's wording of a missing interface).
pub enum Use<'a> {
    Instance(&'a Name),
    Track(&'a Name),
    Vip(&'a Vip),
    Route,
}

/// Every use of an interface name, instance by instance in config order, then the groups'.
pub fn uses<'a>(done: &'a [Done], groups: &'a [PendingGroup]) -> Vec<(&'a str, Span, Use<'a>)> {
    let mut v = Vec::new();
    let tracks = |v: &mut Vec<_>, owner: &'a Name, ts: &'a [(Track, Span)]| {
        for (t, sp) in ts {
            if let TrackTarget::Interface(n) = &t.target {
                v.push((n.as_str(), *sp, Use::Track(owner)));
            }
        }
    };
    for x in done {
        let name = &x.inst.name;
        if let Some(n) = &x.inst.interface {
            v.push((n.as_str(), x.iface_span, Use::Instance(name)));
        }
        tracks(&mut v, name, &x.tracks);
        for (vip, sp) in x.vips.iter().chain(&x.evips) {
            if let Some(n) = &vip.dev {
                v.push((n.as_str(), *sp, Use::Vip(vip)));
            }
        }
        for (r, sp) in &x.vroutes {
            if let Some(n) = &r.dev {
                v.push((n.as_str(), *sp, Use::Route));
            }
        }
    }
    for (g, ts, _, _) in groups {
        tracks(&mut v, &g.name, ts);
    }
    v
}

/// False (after a fatal diagnostic naming `MAX_INTERFACES`) when there are too many names.
pub fn fit(uses: &[(&str, Span, Use<'_>)], d: &mut Diagnostics) -> bool {
    let mut seen: Vec<&str> = Vec::new();
    for (n, sp, _) in uses {
        if seen.contains(n) {
            continue;
        }
        if seen.len() >= MAX_INTERFACES {
            full(
                d,
                *sp,
                "distinct interfaces",
                "MAX_INTERFACES",
                MAX_INTERFACES,
            );
            return false;
        }
        seen.push(n);
    }
    true
}

/// `-t`: a warning, in keepalived 2.2.7's words, at each use of a name that `exists` does
/// not know (keepalived's `-t` then exits 5, measured: the daemon would still start).
pub fn report_missing(
    uses: &[(&str, Span, Use<'_>)],
    exists: fn(&str) -> bool,
    d: &mut Diagnostics,
) {
    let mut known: Vec<(&str, bool)> = Vec::new();
    for (n, sp, u) in uses {
        let ok = match known.iter().find(|k| k.0 == *n) {
            Some(k) => k.1,
            None => {
                let ok = exists(n);
                known.push((n, ok));
                ok
            }
        };
        if ok {
            continue;
        }
        let msg = match u {
            Use::Instance(i) => {
                format!("WARNING - interface {n} for vrrp_instance {i} doesn't exist")
            }
            Use::Track(o) => format!("({o}) tracked interface {n} doesn't exist"),
            Use::Vip(v) => format!(
                "WARNING - interface {n} for ip address {}/{} doesn't exist",
                v.ip(),
                v.prefix
            ),
            Use::Route => format!("WARNING - interface {n} for VROUTE nexthop doesn't exist"),
        };
        d.warn(*sp, msg);
    }
}
