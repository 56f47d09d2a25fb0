//! Every configuration of the seed guide loads with no error, with exactly the expected
//! warnings (keepalived 2.2.7's, see keepalived-behaviour.md §A.7), and means what it says.

#[path = "golden.rs"]
mod golden;

use std::path::Path;

use keepalived_rs::config::{Auth, Config, Family, InitialState, Severity, TrackTarget};
use keepalived_rs::time::Duration;

fn load_ok(name: &str) -> Box<Config> {
    let p = format!("test/configs/seed/{name}");
    let l = golden::load(Path::new(&p));
    let errors: Vec<String> = l
        .diags
        .iter()
        .filter(|d| d.severity == Severity::Error || d.severity == Severity::Fatal)
        .map(|d| d.to_string())
        .collect();
    assert!(errors.is_empty(), "{name}: unexpected errors: {errors:#?}");
    match l.config {
        Some(c) => c,
        None => panic!("{name}: no config"),
    }
}

#[test]
fn seed_goldens() {
    let all = golden::confs("test/configs/seed");
    assert_eq!(all.len(), 9, "the seed guide has 9 configurations");
    let fails: Vec<String> = all.iter().filter_map(|p| golden::check(p)).collect();
    assert!(fails.is_empty(), "{}", fails.join("\n"));
}

#[test]
fn web1_master_ah() {
    let c = load_ok("02-web1-master.conf");
    let l = golden::load(Path::new("test/configs/seed/02-web1-master.conf"));
    assert_eq!(
        l.diags.exit_code(),
        6,
        "keepalived -t exits 6 on WEB1 (script security)"
    );
    let i = &c.instances[0];
    assert_eq!(i.name.as_str(), "VI_1");
    // AH clears state MASTER (keepalived 2.x).
    assert_eq!(i.initial_state, InitialState::Backup);
    assert_eq!(i.priority, 100);
    assert_eq!(i.vrid, 50);
    assert_eq!(i.interface.as_deref(), Some("eth0"));
    assert_eq!(i.src_ip, "10.2.3.110".parse().ok());
    assert_eq!(i.auth, Auth::Ah(*b"12345678"));
    assert_eq!(i.advert_int, Duration::from_secs(1));
    assert_eq!(i.family, Family::V4);
    assert_eq!(i.version, 2);
    let vips = c.vips_of(i.vips);
    assert_eq!(vips.len(), 1);
    assert_eq!(
        vips[0].ip(),
        "10.2.3.169".parse::<std::net::IpAddr>().unwrap()
    );
    assert_eq!(vips[0].prefix, 32);
    // track_script with its brace on the next line.
    let t = c.tracks_of(i.tracks);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].target, TrackTarget::Script(0));
    let s = &c.scripts[0];
    assert_eq!(s.name.as_str(), "chk_nginx");
    assert_eq!(
        c.command(s.command).map(|x| x.line.as_str()),
        Some("killall -0 nginx")
    );
    assert_eq!(s.interval, Duration::from_secs(2));
    assert_eq!(s.timeout, Duration::from_secs(2));
    assert_eq!(s.weight, 4);
    assert_eq!((s.rise, s.fall), (1, 1));
}

#[test]
fn web2_backup_and_nopreempt() {
    let c = load_ok("03-web2-backup.conf");
    let i = &c.instances[0];
    assert_eq!(
        (i.initial_state, i.priority, i.nopreempt),
        (InitialState::Backup, 98, false)
    );
    let c = load_ok("04-web2-nopreempt.conf");
    let i = &c.instances[0];
    assert_eq!(i.interface.as_deref(), Some("ens32"));
    assert!(i.nopreempt);
}

#[test]
fn courier_scripts_unicast_pass() {
    let c = load_ok("06-courier.conf");
    assert_eq!(c.scripts.len(), 3);
    let f = &c.scripts[0];
    assert_eq!(f.name.as_str(), "chk_courier_F");
    assert_eq!(
        c.command(f.command).map(|x| x.line.as_str()),
        Some("/etc/keepalived/check_script.sh  courier FAULT")
    );
    assert_eq!(
        (f.timeout, f.rise, f.interval),
        (Duration::from_secs(35), 2, Duration::from_secs(5))
    );
    assert_eq!(c.scripts[1].weight, 1);
    assert_eq!(c.scripts[2].fall, 7);
    let i = &c.instances[0];
    assert_eq!(
        (i.initial_state, i.priority, i.vrid),
        (InitialState::Master, 100, 25)
    );
    assert_eq!(i.advert_int, Duration::from_secs(5));
    assert_eq!(i.auth, Auth::Pass(*b"1111\0\0\0\0"));
    let peers = c.peers_of(i.peers);
    assert_eq!(peers.len(), 1);
    assert_eq!(
        peers[0].addr,
        "100.77.189.137".parse::<std::net::IpAddr>().unwrap()
    );
    assert_eq!(i.src_ip, "100.77.189.139".parse().ok());
    assert!(i.vips.is_empty());
    assert_eq!(c.tracks_of(i.tracks).len(), 3);
    let m = i
        .notifies
        .master
        .and_then(|id| c.command(id))
        .map(|x| x.line.as_str());
    assert_eq!(m, Some("/etc/keepalived/notify.sh courier  MASTER"));
    assert!(i.notifies.backup.is_some() && i.notifies.fault.is_some());
}

#[test]
fn haproxy_vips_with_options() {
    for f in ["08-haproxy-master.conf", "09-haproxy-backup.conf"] {
        let c = load_ok(f);
        let i = &c.instances[0];
        let vips = c.vips_of(i.vips);
        assert_eq!(vips.len(), 3);
        for (k, v) in vips.iter().enumerate() {
            assert_eq!(v.prefix, 32);
            assert_eq!(v.brd, "192.0.2.255".parse().ok());
            assert_eq!(v.dev.as_deref(), Some("eth0"));
            assert_eq!(
                v.label.as_deref().map(String::from),
                Some(format!("eth0:{k}"))
            );
        }
        assert_eq!(c.peers_of(i.peers).len(), 1);
        assert_eq!(i.auth, Auth::Pass(*b"1111\0\0\0\0"));
        assert_eq!(i.interface.as_deref(), Some("eth1"));
    }
}

#[test]
fn unicast_vi01_and_script_only() {
    let c = load_ok("07-unicast-vi01.conf");
    assert_eq!(c.instances[0].priority, 100);
    assert_eq!(c.peers_of(c.instances[0].peers).len(), 1);
    let c = load_ok("05-chk-myscript.conf");
    assert_eq!(c.scripts[0].fall, 2);
    assert!(c.instances.is_empty());
}
