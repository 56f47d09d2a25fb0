//! Unit tests of the log catalogue: keepalived 2.2.7's texts and `-D` flags (included from
//! `mod.rs`, kept apart so that each file stays under about 600 lines).

use super::*;
use crate::config::{Instance, Script};

fn text(cfg: &Config, m: LogMsg) -> std::string::String {
    std::format!("{}", m.display(cfg))
}

#[test]
fn keepalived_227_texts() {
    // A Config is megabytes: build it on a big stack.
    let h = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| {
            let mut cfg = std::boxed::Box::<Config>::default();
            let mut name = crate::config::Name::new();
            let _ = name.push_str("VI_1");
            let mut ifn = crate::config::IfName::new();
            let _ = ifn.push_str("eth0");
            let inst = Instance {
                name,
                initial_state: Default::default(),
                interface: Some(ifn),
                src_ip: None,
                peers: Default::default(),
                mcast_group: None,
                unicast_ttl: 255,
                vrid: 51,
                priority: 100,
                advert_int: crate::time::Duration::from_secs(1),
                version: 2,
                family: Default::default(),
                nopreempt: false,
                preempt_delay: crate::time::Duration::ZERO,
                auth: Default::default(),
                vips: Default::default(),
                evips: Default::default(),
                vroutes: Default::default(),
                tracks: Default::default(),
                dont_track_primary: false,
                notifies: Default::default(),
                smtp_alert: false,
                garp: Default::default(),
                down_timer_adverts: 3,
                lower_prio_no_advert: false,
                higher_prio_send_advert: false,
                accept: true,
                strict: false,
                skip_check_adv_addr: false,
                check_unicast_src: false,
                v3_checksum_as_v2: false,
                old_unicast_checksum: false,
                notify_priority_changes: false,
                sync_group: None,
            };
            let _ = cfg.instances.push(inst);
            let mut sn = crate::config::Name::new();
            let _ = sn.push_str("chk_nginx");
            let _ = cfg.scripts.push(Script {
                name: sn,
                command: 0,
                interval: crate::time::Duration::from_secs(1),
                timeout: crate::time::Duration::from_secs(1),
                weight: 4,
                weight_reverse: false,
                rise: 1,
                fall: 1,
                init_fail: false,
            });
            let mut pn = crate::config::Name::new();
            let _ = pn.push_str("nginx");
            let _ = cfg.track_processes.push(crate::config::TrackProcess {
                name: pn,
                process: Default::default(),
                params: Default::default(),
                has_params: false,
                param_match: Default::default(),
                full_command: false,
                weight: 0,
                weight_reverse: false,
                quorum: 1,
                quorum_max: u32::MAX,
                fork_delay: Default::default(),
                terminate_delay: Default::default(),
            });
            let a: IpAddr = "192.0.2.11".parse().unwrap_or(IpAddr::V4([0; 4].into()));
            let v: IpAddr = "192.0.2.100".parse().unwrap_or(IpAddr::V4([0; 4].into()));
            let cases: &[(LogMsg, &str, bool)] = &[
                (LogMsg::EnteringMaster { inst: 0 }, "(VI_1) Entering MASTER STATE", false),
                (
                    LogMsg::ProcessQuorum { process: 0, up: false },
                    "Quorum lost for tracked process nginx",
                    false,
                ),
                (
                    LogMsg::ProcessQuorum { process: 0, up: true },
                    "Quorum gained for tracked process nginx",
                    false,
                ),
                (
                    LogMsg::EnteringBackup { inst: 0, init: true },
                    "(VI_1) Entering BACKUP STATE (init)",
                    false,
                ),
                (
                    LogMsg::RxLowerPrioDiscard { inst: 0, prio: 102, from: a },
                    "(VI_1) received lower priority (102) advert from 192.0.2.11 - discarding",
                    false,
                ),
                (
                    LogMsg::PriorityChange { inst: 0, from: 104, to: 100 },
                    "(VI_1) Changing effective priority from 104 to 100",
                    false,
                ),
                (LogMsg::SentZeroPriority { inst: 0 }, "(VI_1) sent 0 priority", true),
                (LogMsg::RemovingVips { inst: 0 }, "(VI_1) removing VIPs.", true),
                (LogMsg::SettingVips { inst: 0 }, "(VI_1) setting VIPs.", true),
                (LogMsg::RemovingRoutes { inst: 0 }, "(VI_1) removing Virtual Routes", true),
                (LogMsg::SettingRoutes { inst: 0 }, "(VI_1) setting Virtual Routes", true),
                (
                    LogMsg::RouteGone {
                        addr: IpAddr::V4(Ipv4Addr::new(203, 0, 113, 0)),
                        prefix: 25,
                    },
                    "Removing route 203.0.113.0/25",
                    true,
                ),
                (
                    LogMsg::SettingPriority { inst: 0, prio: 110 },
                    "(VI_1) Setting effective priority to 110",
                    true,
                ),
                (
                    LogMsg::SendingGarp { inst: 0, vip: 0, addr: v },
                    "Sending gratuitous ARP on eth0 for 192.0.2.100",
                    true,
                ),
                (
                    LogMsg::QueueingGarps { inst: 0, vip: 0, addr: v },
                    "(VI_1) Sending/queueing gratuitous ARPs on eth0 for 192.0.2.100",
                    true,
                ),
                (LogMsg::ScriptSucceeded { script: 0 }, "VRRP_Script(chk_nginx) succeeded", false),
                (
                    LogMsg::ScriptFailed { script: 0, how: ScriptEnd::Exited(1) },
                    "VRRP_Script(chk_nginx) failed (exited with status 1)",
                    false,
                ),
                (
                    LogMsg::ScriptNowReturning { script: 0, status: 1 },
                    "Script `chk_nginx` now returning 1",
                    false,
                ),
                (LogMsg::RxTimeout { inst: 0 }, "(VI_1) Receive advertisement timeout", true),
                (
                    LogMsg::MasterRxHigher { inst: 0, from: a, prio: 102, ours: 100 },
                    "(VI_1) Master received advert from 192.0.2.11 with higher priority 102, ours 100",
                    false,
                ),
                (
                    LogMsg::MasterRxLower { inst: 0, from: a, prio: 100, ours: 102, forcing: true },
                    "(VI_1) Received advert from 192.0.2.11 with lower priority 100, ours 102, forcing new election",
                    false,
                ),
                (
                    LogMsg::Rx { inst: 0, why: RxDrop::AddrCount { got: 1, want: 2 } },
                    "(VI_1) received an unexpected ip number count 1, expected 2!",
                    false,
                ),
                (
                    LogMsg::Rx { inst: 0, why: RxDrop::PacketLength { got: 40, want: 120 } },
                    "(VI_1) vrrp packet too short, length 40 and expect 120",
                    false,
                ),
                (
                    LogMsg::Rx { inst: 0, why: RxDrop::AhIcv },
                    "(VI_1) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !",
                    false,
                ),
                (
                    LogMsg::Rx { inst: 0, why: RxDrop::UnicastSrc { addr: a } },
                    "(VI_1) unicast source address 192.0.2.11 not a unicast peer",
                    false,
                ),
                (
                    LogMsg::Rx { inst: 0, why: RxDrop::AhSeqOld { seq: 5, local: 7 } },
                    "(VI_1) IPSEC-AH : sequence number 5 already processed. Packet dropped. Local(7)",
                    false,
                ),
                (
                    LogMsg::Rx { inst: 0, why: RxDrop::IntervalMismatch { mine: 1, rcvd: 2 } },
                    "(VI_1) advertisement interval mismatch mine=1 sec rcv'd=2 sec",
                    false,
                ),
                (
                    LogMsg::VipGone { inst: 0, addr: "10.2.3.170".parse().unwrap_or(v), prefix: 32 },
                    "(VI_1) ip address 10.2.3.170/32 dev eth0, no longer exist",
                    true,
                ),
            ];
            for (m, want, detail) in cases {
                assert_eq!(text(&cfg, *m), *want);
                assert_eq!(m.detail(), *detail, "{want}");
            }
        });
    assert!(h.is_ok_and(|h| h.join().is_ok()));
}
