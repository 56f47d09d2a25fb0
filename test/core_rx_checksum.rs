//! The IPv4 checksum flavours the core accepts on receive (keepalived 2.2.7, §B.4 step 10):
//! a unicast VRRPv3 advert made with keepalived's OLD unicast checksum (pseudo-header with
//! 224.0.0.18 instead of the real destination) is still accepted; with `v3_checksum_as_v2`
//! a v3 advert's checksum leaves the pseudo-header out (RFC 9568, Cisco, Juniper).
//! Real bytes on the simulated wire: the sender emits, the receiver parses and checks.

mod common;

use common::sim::Net;
use common::*;
use keepalived_rs::time::Instant;

fn t(s: f64) -> Instant {
    Instant::from_micros((s * 1_000_000.0).round() as u64)
}

/// Two routers, the first (priority 200) with `tx_opts`, the second (100) with `rx_opts`;
/// returns (masters, the backup's advert_rcvd, its checksum_err) after 20 s.
fn pair(base: &str, tx_opts: &str, rx_opts: &str, peers: bool) -> (Vec<usize>, u64, u64) {
    let line = |p: u32, me: u8, peer: u8, opts: &str| {
        let uc = if peers {
            format!("src=192.0.2.{me} peer=192.0.2.{peer}")
        } else {
            String::new()
        };
        build_config(&[&format!(
            "instance VI_1 iface=eth0 vrid=51 prio={p} vip=192.0.2.100 garp_repeat=1 {uc} {base} {opts}"
        )])
    };
    let mut net = Net::new(
        vec![line(200, 1, 2, tx_opts), line(100, 2, 1, rx_opts)],
        Instant::ZERO,
    );
    net.run_until(t(20.0));
    let b = *net.nodes[1].core.as_ref().unwrap().instance(0).unwrap();
    (
        net.masters(0),
        b.stats.advert_rcvd as u64,
        b.stats.checksum_err as u64,
    )
}

#[test]
fn old_unicast_checksum_is_accepted_from_a_unicast_peer() {
    big(|| {
        // The sender uses the old checksum; the receiver is configured the current way.
        let (masters, rcvd, bad) = pair("version=3", "old_unicast_checksum", "", true);
        assert_eq!(
            masters,
            vec![0],
            "one master: the backup accepts the adverts"
        );
        assert!(rcvd > 10, "backup hears the master: {rcvd}");
        assert_eq!(bad, 0);
        // Control: the same checksum mistake on a v3 advert with the pseudo-header left out
        // is not accepted, so the check is not simply skipped for unicast.
        let (masters, _, bad) = pair("version=3", "v3_checksum_as_v2", "", true);
        assert_eq!(masters, vec![0, 1], "adverts dropped: both master");
        assert!(bad > 10, "checksum_err counted: {bad}");
    });
}

#[test]
fn v3_checksum_as_v2_is_checked_without_pseudo_header() {
    big(|| {
        let (masters, rcvd, bad) =
            pair("version=3", "v3_checksum_as_v2", "v3_checksum_as_v2", false);
        assert_eq!(masters, vec![0]);
        assert!(rcvd > 10, "backup hears the master: {rcvd}");
        assert_eq!(bad, 0);
        // A receiver without the option rejects such adverts (and the other way round).
        for (tx, rx) in [("v3_checksum_as_v2", ""), ("", "v3_checksum_as_v2")] {
            let (masters, _, bad) = pair("version=3", tx, rx, false);
            assert_eq!(masters, vec![0, 1], "tx '{tx}' rx '{rx}'");
            assert!(bad > 10, "tx '{tx}' rx '{rx}': checksum_err {bad}");
        }
    });
}
