//! The SIGUSR1 data dump (`keepalived.data`) from a real core: `daemon::dump::write_data`,
//! the function the daemon writes the file with, fed a core that saw interface and
//! process-count events. Checks the `vrrp_track_process` parts against keepalived 2.2.7's
//! texts (`vrrp_data.c:dump_vprocess`, `vrrp_track.c:dump_track_process`).

mod common;

use common::big;
use keepalived_rs::core::{Actions, Core, Event, IfInfo};
use keepalived_rs::time::Instant;

const CONF: &str = "\
vrrp_track_process pw {
    process /usr/bin/python3 -m http.server
    param_match partial
    weight 10
    quorum 2
    quorum_max 3
    fork_delay 0.5
    terminate_delay 2
}
vrrp_track_process pn {
    process never
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    virtual_ipaddress {
        192.0.2.100
    }
    track_process {
        pw
        pn weight -20 reverse
    }
}
vrrp_instance VI_2 {
    interface eth0
    virtual_router_id 52
    priority 100
    virtual_ipaddress {
        192.0.2.102
    }
}
vrrp_instance VI_3 {
    interface eth0
    virtual_router_id 53
    priority 100
    virtual_ipaddress {
        192.0.2.103
    }
}
vrrp_sync_group G {
    group {
        VI_2
        VI_3
    }
    track_process {
        pw
    }
}
";

fn data(core: &Core) -> String {
    let mut out = Vec::new();
    keepalived_rs::daemon::dump::write_data(core, Instant::ZERO, 1_700_000_000.0, &mut out)
        .expect("write");
    String::from_utf8(out).expect("utf-8")
}

/// The lines of the block that starts with `first` (up to the next line indented by one
/// space only, or a section heading).
fn block<'a>(text: &'a str, first: &str) -> Vec<&'a str> {
    let mut lines = text.lines().skip_while(|l| *l != first);
    let mut out: Vec<&str> = lines.next().into_iter().collect();
    out.extend(lines.take_while(|l| l.starts_with("  ")));
    out
}

#[test]
fn data_dump_shows_process_trackers_and_their_references() {
    big(|| {
        let loaded = keepalived_rs::config::parse_str("t.conf", CONF, &Default::default());
        let cfg = loaded
            .config
            .unwrap_or_else(|| panic!("{:?}", loaded.diags));
        let mut core = Core::new(&cfg);
        let mut out = Actions::new();
        let info = IfInfo {
            name: "eth0",
            ifindex: 1,
            up: true,
            ipv4: Some("192.0.2.11".parse().unwrap()),
            ll6: None,
            mac: [2, 0, 0, 0, 0, 1],
        };
        let now = Instant::ZERO;
        core.handle(now, Event::Interface(info), &mut out);
        let pw = Event::TrackProcess {
            process: 0,
            count: 2,
        };
        core.handle(now, pw, &mut out);
        let pn = Event::TrackProcess {
            process: 1,
            count: 0,
        };
        core.handle(now, pn, &mut out);
        core.handle(now, Event::Start, &mut out);
        let text = data(&core);

        // Each instance lists the trackers it names itself; group-level ones belong to the
        // group (keepalived prints them under the sync group, which our dump has not).
        let vi1 = block(&text, " VRRP Instance = VI_1");
        let at = vi1
            .iter()
            .position(|l| *l == "   Tracked processes :")
            .unwrap_or_else(|| panic!("no Tracked processes in {vi1:#?}"));
        assert_eq!(
            vi1[at..],
            [
                "   Tracked processes :",
                "     pw, weight 10",
                "     pn, weight -20 reverse"
            ]
        );
        assert!(!block(&text, " VRRP Instance = VI_2").contains(&"   Tracked processes :"));

        let section = text
            .split_once("------< VRRP Track processes >------\n")
            .map(|(_, s)| s)
            .unwrap_or_else(|| panic!("no process section in\n{text}"));
        let want = [
            " VRRP Track process = pw",
            "   Process = /usr/bin/python3",
            "   Parameters = -m http.server",
            "   Param match = partial",
            "   Min processes = 2",
            "   Max processes = 3",
            "   Current processes = 2",
            "   Have quorum = true",
            "   Weight = 10",
            "   Terminate delay = 2.000000s",
            "   Fork delay = 0.500000s",
            "   Full command = true",
            "   Tracking instances :",
            "     VI_1, weight 10",
            "     VI_2, weight 10",
            "     VI_3, weight 10",
            " VRRP Track process = pn",
            "   Process = never",
            "   Min processes = 1",
            "   Current processes = 0",
            "   Have quorum = false",
            "   Weight = 0",
            "   Terminate delay = 0.000000s",
            "   Fork delay = 0.000000s",
            "   Full command = false",
            "   Tracking instances :",
            "     VI_1, weight -20 reverse",
        ];
        assert_eq!(section.lines().collect::<Vec<_>>(), want);

        // The counts follow the core: a fourth process leaves the quorum band [2, 3]
        // after the 0.5 s fork delay.
        let four = Event::TrackProcess {
            process: 0,
            count: 4,
        };
        core.handle(now, four, &mut out);
        let text = data(&core);
        let pw = block(&text, " VRRP Track process = pw");
        assert!(pw.contains(&"   Current processes = 4"), "{pw:#?}");
        assert!(
            pw.contains(&"   Have quorum = true"),
            "delay pending: {pw:#?}"
        );
        let later = Instant::from_micros(500_000);
        core.handle(later, Event::Timer, &mut out);
        let text = data(&core);
        let pw = block(&text, " VRRP Track process = pw");
        assert!(pw.contains(&"   Have quorum = false"), "{pw:#?}");
    });
}

#[test]
fn data_dump_has_no_process_section_without_trackers() {
    big(|| {
        let conf = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n \
                    priority 100\n virtual_ipaddress {\n 192.0.2.100\n }\n}\n";
        let loaded = keepalived_rs::config::parse_str("t.conf", conf, &Default::default());
        let cfg = loaded.config.expect("config");
        let text = data(&Core::new(&cfg));
        assert!(text.starts_with(" VRRP Instance = VI_1\n"), "{text}");
        assert!(!text.contains("Track process"), "{text}");
        assert!(!text.contains("Tracked processes"), "{text}");
    });
}
