//! `test/configs/good/full.conf`: every implemented keyword lands in the right field of the
//! model, with includes, `$NAME` definitions (multi-line), `@id` conditionals, a brace on the
//! next line and inline blocks. Also the `-t`/`-d`/`-v`/`--signum` command line.

use std::net::IpAddr;
use std::path::Path;
use std::process::Command;

use keepalived_rs::config::{
    self, Auth, Family, InitialState, LoadOptions, ParamMatch, Scope, TrackTarget,
};
use keepalived_rs::time::Duration;

fn ip(s: &str) -> IpAddr {
    s.parse()
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

fn full(id: &str) -> config::Loaded {
    config::load(
        Path::new("test/configs/good/full.conf"),
        &LoadOptions {
            config_id: Some(id.into()),
            all_config: false,
            iface_exists: None,
        },
    )
}

#[test]
fn full_config_fields() {
    let l = full("test");
    assert!(l.diags.is_empty(), "{}", l.diags);
    let Some(c) = l.config else {
        panic!("no config")
    };
    let g = &c.global;
    assert_eq!(g.router_id.as_deref(), Some("lab-router"));
    let emails: Vec<&str> = g.notification_email.iter().map(|e| e.as_str()).collect();
    assert_eq!(
        emails,
        [
            "ops@example.org",
            "Night Shift <night@example.org>",
            "admin@example.org"
        ]
    );
    assert_eq!(
        g.smtp_server.as_ref().map(|(h, p)| (h.as_str(), *p)),
        Some(("192.0.2.25", 2525))
    );
    assert_eq!(g.smtp_connect_timeout, Duration::from_secs(12));
    assert_eq!(
        (g.smtp_alert, g.smtp_alert_vrrp, g.no_email_faults),
        (Some(true), Some(false), true)
    );
    assert_eq!(
        g.script_user
            .as_ref()
            .map(|(u, gr)| (u.as_str(), gr.as_deref())),
        Some(("nobody", Some("nogroup")))
    );
    assert!(g.enable_script_security);
    assert_eq!(
        g.mcast_group4,
        "224.0.0.19"
            .parse::<std::net::Ipv4Addr>()
            .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED)
    );
    assert_eq!(g.mcast_group6, ip("ff02::13"));
    assert_eq!(g.garp.master_delay, Duration::from_secs(3));
    assert_eq!(g.garp.interval, Duration::from_millis(1));
    assert_eq!(g.garp.na_interval, Duration::from_millis(2));
    assert_eq!(g.down_timer_adverts, 4);
    assert!(
        g.lower_prio_no_advert
            && g.higher_prio_send_advert
            && g.check_unicast_src
            && g.skip_check_adv_addr
    );
    assert!(
        g.v3_checksum_as_v2
            && g.notify_priority_changes
            && g.log_unknown_vrids
            && g.dynamic_interfaces
            && !g.strict
    );
    assert_eq!(g.notify_fifo.as_deref(), Some("/run/keepalived.fifo"));
    assert!(g.notify_fifo_owner.is_none());
    let owner = g.vrrp_notify_fifo_owner.as_ref();
    assert_eq!(
        owner.map(|(u, grp)| (u.as_str(), grp.as_deref())),
        Some(("nobody", Some("nogroup")))
    );
    let vf = g.vrrp_notify_fifo_script.and_then(|id| c.command(id));
    assert_eq!(
        vf.map(|x| (x.line.as_str(), x.user.as_deref())),
        Some(("/usr/local/bin/vfifo.sh", Some("root")))
    );
    assert_eq!(g.startup_delay, Duration::from_millis(2500));
    assert_eq!(
        g.sched,
        config::Scheduling {
            rt_priority: 20,
            rlimit_rttime: 20_000,
            nice: -5,
            no_swap: true
        }
    );
    assert_eq!(g.default_interface.as_str(), "eth9");

    // Script.
    let s = &c.scripts[0];
    let cmd = c.command(s.command);
    assert_eq!(
        cmd.map(|x| x.line.as_str()),
        Some("/usr/bin/curl -sf 'http://127.0.0.1/health check'")
    );
    assert_eq!(cmd.and_then(|x| x.user.as_deref()), Some("www-data"));
    assert_eq!(
        (s.interval, s.timeout),
        (Duration::from_secs(3), Duration::from_secs(7))
    );
    assert_eq!(
        (s.weight, s.weight_reverse, s.rise, s.fall, s.init_fail),
        (-20, true, 3, 4, true)
    );
    // Track files.
    assert_eq!(c.track_files.len(), 2);
    let tf = &c.track_files[0];
    assert_eq!(
        (tf.path.as_str(), tf.weight, tf.weight_reverse),
        ("/run/maint", -2, true)
    );
    assert_eq!((tf.init_value, tf.init_overwrite), (Some(5), true));
    assert_eq!(c.track_files[1].weight, 1);
    // Process trackers.
    assert_eq!(c.track_processes.len(), 2);
    let p = &c.track_processes[0];
    assert_eq!(
        (p.name.as_str(), p.process.as_str(), p.params.as_str()),
        ("tp_web", "/usr/sbin/web server", "-f\0/etc/web 1.conf\0")
    );
    assert_eq!(
        (p.param_match, p.full_command, p.has_params),
        (ParamMatch::Initial, true, true)
    );
    assert_eq!(
        (p.weight, p.weight_reverse, p.quorum, p.quorum_max),
        (-5, true, 2, 4)
    );
    assert_eq!(
        (p.fork_delay, p.terminate_delay),
        (Duration::from_millis(1500), Duration::from_secs(2))
    );
    let q = &c.track_processes[1];
    assert_eq!(
        (q.process.as_str(), q.full_command, q.param_match, q.weight),
        ("sleeper", false, ParamMatch::None, 0)
    );
    assert_eq!((q.quorum, q.quorum_max), (1, u32::MAX));

    // Instances: VI_LAB_ONLY is @lab only, VI_NOT_IN_TEST is @^test.
    let names: Vec<&str> = c.instances.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["VI_MCAST", "VI_UNICAST", "VI_V6"]);
    let m = &c.instances[0];
    assert_eq!(
        (m.initial_state, m.priority, m.vrid),
        (InitialState::Master, 150, 10)
    );
    assert_eq!(m.interface.as_deref(), Some("eth1"));
    assert_eq!(m.src_ip, Some(ip("192.0.2.2")));
    assert_eq!(m.mcast_group, Some(ip("224.0.0.20")));
    assert_eq!(m.advert_int, Duration::from_secs(2));
    assert_eq!(m.auth, Auth::Pass(*b"s3cr3t\0\0"));
    let v = c.vips_of(m.vips);
    assert_eq!(v.len(), 2);
    assert_eq!(
        (v[0].ip(), v[0].prefix, v[0].brd),
        (ip("192.0.2.100"), 24, "192.0.2.255".parse().ok())
    );
    assert_eq!(
        (
            v[0].dev.as_deref(),
            v[0].scope,
            v[0].label.as_deref(),
            v[0].no_track
        ),
        (Some("eth2"), Scope::LINK, Some("eth2:vip"), true)
    );
    assert_eq!((v[1].prefix, v[1].dev.as_deref()), (32, None));
    let e = c.vips_of(m.evips);
    assert_eq!((e.len(), e[0].nodad, e[0].noprefixroute), (1, true, true));
    let r = c.routes_of(m.vroutes);
    assert_eq!(r.len(), 3);
    assert_eq!(
        (r[0].src, r[0].dst, r[0].prefix, r[0].via),
        (
            Some(ip("192.0.2.100")),
            Some(ip("203.0.113.0")),
            24,
            Some(ip("192.0.2.1"))
        )
    );
    assert_eq!(
        (r[0].table, r[0].metric, r[0].kind),
        (Some(100), Some(5), 1)
    );
    assert_eq!(r[1].kind, 6);
    assert_eq!((r[2].dst, r[2].prefix), (Some(ip("0.0.0.0")), 0));
    let t = c.tracks_of(m.tracks);
    assert_eq!(t.len(), 6);
    assert_eq!(
        (t[0].target.clone(), t[0].weight, t[0].reverse),
        (TrackTarget::Script(0), Some(10), false)
    );
    assert_eq!(
        (t[1].target.clone(), t[1].weight, t[1].reverse),
        (TrackTarget::File(0), Some(3), true)
    );
    assert_eq!(
        (t[2].target.clone(), t[2].weight, t[2].reverse),
        (TrackTarget::Process(1), Some(7), true)
    );
    assert_eq!(
        (t[3].target.clone(), t[3].weight),
        (TrackTarget::Process(0), None)
    );
    assert!(matches!(&t[4].target, TrackTarget::Interface(n) if n.as_str() == "eth2"));
    assert_eq!(t[4].weight, Some(-30));
    assert!(m.dont_track_primary);
    let n = &m.notifies;
    let master = n.master.and_then(|id| c.command(id));
    assert_eq!(
        master.map(|x| (x.line.as_str(), x.user.as_deref(), x.group.as_deref())),
        Some((
            "/etc/keepalived/notify.sh master",
            Some("root"),
            Some("root")
        ))
    );
    assert_eq!(
        n.backup
            .and_then(|id| c.command(id))
            .map(|x| x.line.as_str()),
        Some("/etc/keepalived/notify-backup.sh")
    );
    assert!(
        n.fault.is_some()
            && n.stop.is_some()
            && n.generic.is_some()
            && n.master_rx_lower_pri.is_some()
    );
    assert!(n.deleted && n.deleted_cmd.is_none());
    assert!(m.smtp_alert, "instance smtp_alert wins");
    assert_eq!(m.garp.master_delay, Duration::from_secs(1));
    assert_eq!(
        (
            m.garp.master_repeat,
            m.garp.master_refresh_repeat,
            m.garp.lower_prio_repeat
        ),
        (3, 2, 1)
    );
    assert_eq!(
        m.garp.interval,
        Duration::from_millis(1),
        "global garp interval inherited"
    );
    assert_eq!(m.down_timer_adverts, 5);
    assert!(
        !m.lower_prio_no_advert
            && !m.higher_prio_send_advert
            && !m.accept
            && !m.skip_check_adv_addr
    );
    assert!(
        m.check_unicast_src && m.v3_checksum_as_v2,
        "global defaults inherited"
    );
    assert_eq!(m.sync_group, Some(0));

    let u = &c.instances[1];
    let peers: Vec<IpAddr> = c.peers_of(u.peers).iter().map(|p| p.addr).collect();
    assert_eq!(
        peers,
        [ip("198.51.100.2"), ip("198.51.100.3"), ip("198.51.100.4")]
    );
    let p3 = &c.peers_of(u.peers)[2];
    assert_eq!((p3.min_ttl, p3.max_ttl), (250, 255));
    assert_eq!(
        (u.unicast_ttl, u.version, u.advert_int),
        (64, 3, Duration::from_centis(25))
    );
    assert_eq!(
        (u.initial_state, u.priority, u.nopreempt),
        (InitialState::Backup, 100, true)
    );
    assert!(u.old_unicast_checksum && u.check_unicast_src && u.accept);
    assert!(!u.smtp_alert, "smtp_alert_vrrp false beats smtp_alert true");
    assert_eq!(u.sync_group, Some(0));

    let v6 = &c.instances[2];
    assert_eq!((v6.family, v6.version, v6.vrid), (Family::V6, 3, 10));
    assert_eq!(v6.preempt_delay, Duration::from_secs(15));
    assert_eq!(v6.sync_group, None);

    let sg = &c.sync_groups[0];
    assert_eq!(sg.name.as_str(), "VG_1");
    assert_eq!(sg.members.as_slice(), &[0, 1]);
    assert_eq!(c.tracks_of(sg.tracks).len(), 1);
    assert!(sg.notifies.master.is_some() && sg.notifies.generic.is_some());
    assert!(!sg.smtp_alert && sg.sync_group_tracking_weight);

    let sv = c.vips_of(c.static_vips);
    assert_eq!((sv.len(), sv[0].ip()), (1, ip("203.0.113.1")));
    assert_eq!(c.routes_of(c.static_routes).len(), 1);
}

#[test]
fn conditional_config_id() {
    let l = full("lab");
    assert!(l.diags.is_empty(), "{}", l.diags);
    let Some(c) = l.config else {
        panic!("no config")
    };
    let names: Vec<&str> = c.instances.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "VI_MCAST",
            "VI_UNICAST",
            "VI_V6",
            "VI_LAB_ONLY",
            "VI_NOT_IN_TEST"
        ]
    );
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_keepalived-rs"))
}

#[test]
fn cli_config_test_exit_codes() {
    let run = |args: &[&str]| {
        let o = bin().args(args).output().ok();
        o.map(|o| {
            (
                o.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        })
        .unwrap_or((-1, String::new()))
    };
    let (code, err) = run(&["-t", "-f", "test/configs/seed/02-web1-master.conf"]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("02-web1-master.conf:7:1: warning: (VI_1) Initial state master is incompatible with AH authentication - clearing"), "{err}");
    assert_eq!(
        clean_or_missing_ifaces(run(&[
            "-t",
            "-f",
            "test/configs/seed/08-haproxy-master.conf"
        ])),
        0
    );
    assert_eq!(
        run(&["-t", "-f", "test/configs/seed/07-unicast-vi01.conf"]).0,
        5
    );
    assert_eq!(run(&["-t", "-f", "/nonexistent/keepalived.conf"]).0, 4);
    assert_eq!(
        clean_or_missing_ifaces(run(&[
            "--config-test",
            "--use-file=test/configs/good/full.conf",
            "-i",
            "test"
        ])),
        0
    );
    // LOGFILE variant.
    let log = std::env::temp_dir().join(format!("krs-t-{}.log", std::process::id()));
    let arg = format!("-t{}", log.display());
    assert_eq!(
        run(&[&arg, "-f", "test/configs/seed/07-unicast-vi01.conf"]).0,
        5
    );
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(text.contains("No VIP specified"), "{text}");
    let _ = std::fs::remove_file(&log);
}

/// `-t` looks the config's interfaces up on this host (keepalived does): a clean config whose
/// interfaces are not all here gives exit 5 and only "doesn't exist" warnings, each naming an
/// interface that really is absent. Returns the exit code as if they were all present.
fn clean_or_missing_ifaces((code, err): (i32, String)) -> i32 {
    let lines: Vec<&str> = err.lines().collect();
    if lines.is_empty() {
        return code;
    }
    for l in &lines {
        assert!(l.ends_with("doesn't exist"), "{err}");
        let name = l
            .split("interface ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .unwrap_or("");
        assert!(
            !Path::new("/sys/class/net").join(name).exists(),
            "{name} exists: {err}"
        );
    }
    assert_eq!(code, 5, "{err}");
    0
}

/// `-t` (only) reports each use of an interface that does not exist, in keepalived 2.2.7's
/// words and at its line, and exits 5 as keepalived does; loading for the daemon does not
/// look (an interface may appear later).
#[test]
fn config_test_reports_missing_interfaces() {
    let f = "test/configs/good/missing-interfaces.conf";
    let o = bin()
        .args(["-t", "-f", f])
        .output()
        .expect("run the binary");
    let err = String::from_utf8_lossy(&o.stderr);
    let want = [
        "2:15: warning: WARNING - interface krs-absent0 for vrrp_instance VI_1 doesn't exist",
        "6:9: warning: (VI_1) tracked interface krs-absent1 doesn't exist",
        "9:9: warning: WARNING - interface krs-absent2 for ip address 192.0.2.10/24 doesn't exist",
        "12:9: warning: WARNING - interface krs-absent3 for VROUTE nexthop doesn't exist",
        "16:15: warning: WARNING - interface krs-absent0 for vrrp_instance VI_2 doesn't exist",
        "29:9: warning: (G) tracked interface krs-absent0 doesn't exist",
    ]
    .map(|w| format!("{f}:{w}\n"))
    .concat();
    assert_eq!(err, want);
    assert_eq!(o.status.code(), Some(5));
    let l = load(f);
    assert!(l.diags.is_empty(), "{}", l.diags);
}

/// Without `-t`, a file the daemon cannot start from exits with keepalived's
/// KEEPALIVED_EXIT_CONFIG (4) and says why; nothing is opened before that check.
#[test]
fn daemon_refuses_an_unloadable_config_with_exit_4() {
    let o = bin()
        .args(["-n", "-l", "-f", "test/configs/does-not-exist.conf"])
        .output()
        .expect("run the binary");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("does-not-exist.conf"), "{err}");
}

#[test]
fn cli_dump_signum_version_help() {
    let o = bin()
        .args(["-t", "-d", "-f", "test/configs/seed/06-courier.conf"])
        .output();
    let out = o
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert!(
        out.contains("vrrp_instance courier {") && out.contains("auth_pass 1111"),
        "{out}"
    );
    let sig = |n: &str| {
        bin()
            .arg(format!("--signum={n}"))
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    assert_eq!(sig("STOP"), "15");
    assert_eq!(sig("RELOAD"), "1");
    assert_eq!(sig("DATA"), "10");
    assert_eq!(sig("STATS"), "12");
    assert_eq!(sig("JSON"), (libc::SIGRTMIN() + 2).to_string());
    assert_eq!(sig("STATS_CLEAR"), (libc::SIGRTMAX() - 1).to_string());
    let v = bin()
        .arg("-v")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert!(
        v.contains("MAX_VIPS = ") && v.starts_with("Keepalived-rs v"),
        "{v}"
    );
    let h = bin()
        .arg("-h")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert!(h.contains("--config-test"), "{h}");
    let bad = bin()
        .arg("-Q")
        .output()
        .map(|o| o.status.code())
        .ok()
        .flatten();
    assert_eq!(bad, Some(1));
}

#[test]
fn twenty_five_vips_and_long_auth_pass() {
    let l = config::load(
        Path::new("test/configs/good/vips25.conf"),
        &LoadOptions {
            config_id: Some("test".into()),
            all_config: false,
            iface_exists: None,
        },
    );
    assert_eq!(
        l.diags.to_string(),
        "test/configs/good/vips25.conf:10:19: warning: Truncating auth_pass to 8 characters\n"
    );
    let Some(c) = l.config else {
        panic!("no config")
    };
    let i = &c.instances[0];
    assert_eq!(c.vips_of(i.vips).len(), 25);
    assert!(i.evips.is_empty());
    assert_eq!(i.auth, Auth::Pass(*b"12345678"));
}

/// `vrrp_rt_priority` outside 1..99 is clamped with a located warning; `vrrp_rlimit_rttime 1`
/// becomes 2 (its soft limit is half of it); the defaults are no RT, 10 ms, nice 0.
#[test]
fn scheduling_keywords_clamp_and_default() {
    let dir = std::env::temp_dir().join(format!("kars-sched-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let load = |name: &str, body: &str| {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        config::load(&p, &LoadOptions::default())
    };
    let hi = load(
        "hi.conf",
        "global_defs {\n  vrrp_rt_priority 150\n  vrrp_rlimit_rttime 1\n}\n",
    );
    let c = hi.config.as_ref().expect("config");
    assert_eq!(c.global.sched.rt_priority, 99);
    assert_eq!(c.global.sched.rlimit_rttime, 2);
    let text = hi.diags.to_string();
    assert!(
        text.contains("hi.conf:2:20: warning: vrrp_rt_priority 150 is above the maximum; using 99"),
        "{text}"
    );
    let lo = load("lo.conf", "global_defs {\n  vrrp_rt_priority 0\n}\n");
    assert_eq!(
        lo.config.as_ref().expect("config").global.sched.rt_priority,
        1
    );
    let none = load("none.conf", "global_defs {\n}\n");
    assert_eq!(
        none.config.as_ref().expect("config").global.sched,
        config::Scheduling::default()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `NAME weight N` without reverse/noreverse inherits the tracker's `reverse`, as keepalived
/// 2.2.7 does; `noreverse` overrides it; no weight at all takes both from the tracker.
#[test]
fn instance_weight_keeps_the_trackers_reverse() {
    let loaded = config::load(
        Path::new("test/configs/good/track-reverse-inherit.conf"),
        &LoadOptions::default(),
    );
    let cfg = loaded.config.expect("config loads");
    let inst = &cfg.instances[0];
    let t = cfg.tracks_of(inst.tracks);
    let got: Vec<_> = t
        .iter()
        .map(|t| (t.target.clone(), t.weight, t.reverse))
        .collect();
    assert_eq!(
        got,
        vec![
            (TrackTarget::Script(0), Some(20), true),
            (TrackTarget::File(0), Some(7), false),
            (TrackTarget::Process(0), None, true),
        ]
    );
}

fn load(p: &str) -> config::Loaded {
    config::load(Path::new(p), &LoadOptions::default())
}

/// keepalived 2.2.7's load rules (measured with its `-t`): an owner keeps MASTER with AH,
/// silently; a password-less authentication block means no authentication (so AH does not
/// clear MASTER); a v3 or IPv6 instance without VIPs is not run, a v2 IPv4 one is.
#[test]
fn owner_ah_master_no_password_and_vipless_v3() {
    let l = load("test/configs/good/ah-owner-master.conf");
    assert!(l.diags.is_empty(), "{}", l.diags);
    let c = l.config.expect("config loads");
    for i in c.instances.iter() {
        assert_eq!(i.initial_state, InitialState::Master, "{}", i.name);
        assert_eq!(i.priority, 255, "{}", i.name);
        assert_eq!(i.auth, Auth::Ah(*b"12345678"), "{}", i.name);
    }
    assert_eq!(c.instances.len(), 2);

    let c = load("test/configs/bad/auth-no-pass.conf")
        .config
        .expect("config loads");
    let got: Vec<_> = c
        .instances
        .iter()
        .map(|i| (i.name.as_str(), i.auth, i.initial_state))
        .collect();
    assert_eq!(
        got,
        vec![
            ("VI_1", Auth::None, InitialState::Backup),
            ("VI_2", Auth::None, InitialState::Master),
        ]
    );

    let c = load("test/configs/bad/no-vip-v3-ipv6.conf")
        .config
        .expect("config loads");
    let names: Vec<_> = c.instances.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, vec!["VI_3"]);
}
