//! The diff of the table against a re-dump: applying its notifications in order must give the
//! table a fresh load of the same dump gives, and nothing when nothing changed.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use heapless::Vec;

use super::*;
use crate::config::IfName;

fn name(s: &str) -> IfName {
    let mut n = IfName::new();
    let _ = n.push_str(s);
    n
}

fn v4(d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, d))
}

fn ll(d: u16) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, d))
}

fn link(n: &str, ifindex: u32, up: bool) -> NlEvent {
    NlEvent::Link {
        deleted: false,
        ifindex,
        name: name(n),
        up,
        running: up,
        mac: Some([2, 0, 0, 0, 0, ifindex as u8]),
    }
}

fn seen(ifindex: u32, addr: IpAddr) -> SeenAddr {
    let scope = if addr.is_ipv6() { RT_SCOPE_LINK } else { 0 };
    SeenAddr {
        ifindex,
        addr,
        prefix: 24,
        scope,
    }
}

fn snap(links: &[NlEvent], addrs: &[SeenAddr]) -> Box<Snapshot> {
    let mut s = Box::<Snapshot>::default();
    for l in links {
        s.links.push(l.clone()).expect("links");
    }
    for a in addrs {
        s.addrs.push(*a).expect("addrs");
    }
    s
}

/// The VIP of the tests: 192.0.2.100 on eth0.
fn vip(n: &str, a: IpAddr) -> bool {
    n == "eth0" && a == v4(100)
}

/// A table of eth0 and eth1 loaded from `s` the way notifications would fill it.
fn loaded(s: &Snapshot) -> IfTable {
    let mut t = IfTable::default();
    t.add_name(&name("eth0"));
    t.add_name(&name("eth1"));
    for l in s.links.iter() {
        t.apply(l, vip);
    }
    for a in s.addrs.iter() {
        t.apply(&a.added(), vip);
    }
    t
}

/// The notifications for every entry, applied to `t` as they come; returns them all.
fn resync(t: &mut IfTable, s: &Snapshot) -> std::vec::Vec<NlEvent> {
    let mut all = std::vec::Vec::new();
    let mut evs: Vec<NlEvent, DIFF_MAX> = Vec::new();
    for k in 0..t.ifs.len() {
        t.diff_iface(k, s, vip, &mut evs);
        for ev in evs.iter() {
            t.apply(ev, vip);
            all.push(ev.clone());
        }
    }
    all
}

fn del(ifindex: u32, addr: IpAddr) -> NlEvent {
    NlEvent::Addr {
        deleted: true,
        ifindex,
        addr,
        prefix: 0,
        scope: if addr.is_ipv6() { RT_SCOPE_LINK } else { 0 },
    }
}

fn add(ifindex: u32, addr: IpAddr) -> NlEvent {
    let a = seen(ifindex, addr);
    NlEvent::Addr {
        deleted: false,
        ifindex,
        addr,
        prefix: a.prefix,
        scope: a.scope,
    }
}

#[test]
fn nothing_changed_gives_no_notification() {
    let s = snap(
        &[link("eth0", 4, true), link("eth1", 5, true)],
        &[
            seen(4, v4(1)),
            seen(4, v4(2)),
            seen(4, v4(100)),
            seen(4, ll(1)),
        ],
    );
    let mut t = loaded(&s);
    assert!(resync(&mut t, &s).is_empty());
}

#[test]
fn lost_notifications_are_rebuilt_in_order() {
    let old = snap(
        &[link("eth0", 4, true), link("eth1", 5, true)],
        &[
            seen(4, v4(1)),
            seen(4, v4(2)),
            seen(4, v4(3)),
            seen(4, ll(1)),
            seen(5, v4(9)),
        ],
    );
    let mut t = loaded(&old);
    // Meanwhile: eth0 went down, lost 192.0.2.1 (in use) and .3, gained .4 and the VIP;
    // eth1 was deleted and recreated as ifindex 7 with another address.
    let new = snap(
        &[link("eth0", 4, false), link("eth1", 7, true)],
        &[
            seen(4, v4(2)),
            seen(4, v4(4)),
            seen(4, v4(100)),
            seen(4, ll(1)),
            seen(7, v4(8)),
        ],
    );
    let evs = resync(&mut t, &new);
    let gone = NlEvent::Link {
        deleted: true,
        ifindex: 5,
        name: name("eth1"),
        up: false,
        running: false,
        mac: None,
    };
    assert_eq!(
        evs,
        [
            link("eth0", 4, false),
            add(4, v4(4)),
            del(4, v4(3)),
            del(4, v4(1)),
            gone,
            link("eth1", 7, true),
            add(7, v4(8)),
        ]
    );
    // The address in use went: the last other one takes over, as a notification would have
    // done; the VIP is not taken.
    assert_eq!(t.ifs[0].ipv4, Some(Ipv4Addr::new(192, 0, 2, 4)));
    assert_eq!(t.ifs[0].extra4.as_slice(), &[Ipv4Addr::new(192, 0, 2, 2)]);
    assert!(!t.ifs[0].up);
    assert_eq!(
        (t.ifs[1].ifindex, t.ifs[1].ipv4),
        (7, Some(Ipv4Addr::new(192, 0, 2, 8)))
    );
    // A second pass finds nothing more.
    assert!(resync(&mut t, &new).is_empty());
}

#[test]
fn every_address_lost_and_the_interface_gone() {
    let old = snap(&[link("eth0", 4, true)], &[seen(4, v4(1)), seen(4, ll(1))]);
    let mut t = loaded(&old);
    let no_addr = snap(&[link("eth0", 4, true)], &[]);
    assert_eq!(resync(&mut t, &no_addr), [del(4, v4(1)), del(4, ll(1))]);
    assert_eq!((t.ifs[0].ipv4, t.ifs[0].ll6), (None, None));
    let no_link = snap(&[], &[]);
    let evs = resync(&mut t, &no_link);
    assert!(matches!(
        evs.as_slice(),
        [NlEvent::Link {
            deleted: true,
            ifindex: 4,
            ..
        }]
    ));
    assert_eq!(t.ifs[0].ifindex, 0);
    // Back: the link and its address.
    let back = snap(&[link("eth0", 6, true)], &[seen(6, v4(1))]);
    assert_eq!(
        resync(&mut t, &back),
        [link("eth0", 6, true), add(6, v4(1))]
    );
    assert_eq!(t.ifs[0].ipv4, Some(Ipv4Addr::new(192, 0, 2, 1)));
}

#[test]
fn a_truncated_dump_reports_no_loss() {
    let old = snap(&[link("eth0", 4, true)], &[seen(4, v4(1))]);
    let mut t = loaded(&old);
    let mut partial = snap(&[link("eth0", 4, true)], &[seen(4, v4(2))]);
    partial.truncated = true;
    assert_eq!(resync(&mut t, &partial), [add(4, v4(2))]);
    assert_eq!(t.ifs[0].ipv4, Some(Ipv4Addr::new(192, 0, 2, 1)));
}

#[test]
fn gained_addresses_are_bounded_by_what_the_table_tracks() {
    let old = snap(&[link("eth0", 4, true)], &[]);
    let mut t = loaded(&old);
    let many: std::vec::Vec<SeenAddr> = (1..=60).map(|d| seen(4, v4(d))).collect();
    let new = snap(&[link("eth0", 4, true)], &many);
    let evs = resync(&mut t, &new);
    assert_eq!(evs.len(), 1 + MAX_EXTRA_ADDRS);
    assert_eq!(t.ifs[0].ipv4, Some(Ipv4Addr::new(192, 0, 2, 1)));
    assert!(t.ifs[0].extra4.is_full());
}

#[test]
fn a_replaced_address_leaves_no_moment_without_one() {
    // 192.0.2.1 was replaced by 192.0.2.2 while the notifications were lost: applying the
    // diff must never leave eth0 without an address (that would be a FAULT).
    let old = snap(&[link("eth0", 4, true)], &[seen(4, v4(1))]);
    let mut t = loaded(&old);
    let new = snap(&[link("eth0", 4, true)], &[seen(4, v4(2))]);
    let mut evs: Vec<NlEvent, DIFF_MAX> = Vec::new();
    t.diff_iface(0, &new, vip, &mut evs);
    assert_eq!(evs.as_slice(), &[add(4, v4(2)), del(4, v4(1))]);
    for ev in evs.iter() {
        t.apply(ev, vip);
        assert!(t.ifs[0].ipv4.is_some());
    }
    assert_eq!(t.ifs[0].ipv4, Some(Ipv4Addr::new(192, 0, 2, 2)));
}
