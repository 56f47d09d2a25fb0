//! The validator: the core's receive path (keepalived's checks in order, the counters, the
//! rate-limited drop lines, then the state rules) on arbitrary packets, timers and ARP frames,
//! against five instances (v2 PASS, v2 AH, v2 unicast with vrrp_check_unicast_src, v3 IPv4,
//! v3 IPv6). Must never panic, and the AH master must never leave MASTER: without the key no
//! input can pass its ICV (a replayed advert fails the sequence check).
//!
//! Input: records `[kind][len hi][len lo][bytes...]`; kind < 128 an IPv4 packet, < 192 an IPv6
//! VRRP message (the first 33 bytes: source, destination, hop limit), < 224 time passes (the
//! length field is the milliseconds), else an ARP claim (sender IP and MAC from the bytes).
#![no_main]

use std::net::Ipv6Addr;
use std::sync::OnceLock;

use keepalived_rs::config::{self, Config};
use keepalived_rs::core::{Actions, Core, Event, IfInfo, State};
use keepalived_rs::time::{Duration, Instant};
use libfuzzer_sys::fuzz_target;

const CONF: &str = "global_defs {\n vrrp_check_unicast_src\n}\n\
vrrp_instance V2PASS {\n interface eth0\n virtual_router_id 51\n priority 100\n advert_int 1\n\
 authentication {\n auth_type PASS\n auth_pass secret12\n }\n\
 virtual_ipaddress {\n 192.0.2.100\n }\n}\n\
vrrp_instance V2AH {\n state MASTER\n interface eth0\n virtual_router_id 52\n priority 200\n\
 advert_int 1\n authentication {\n auth_type AH\n auth_pass ahsecret\n }\n\
 virtual_ipaddress {\n 192.0.2.101\n 192.0.2.102\n }\n}\n\
vrrp_instance V2UNI {\n interface eth0\n virtual_router_id 53\n priority 100\n\
 unicast_src_ip 192.0.2.11\n unicast_peer {\n 192.0.2.12 min_ttl 10 max_ttl 250\n }\n\
 virtual_ipaddress {\n 192.0.2.103\n }\n}\n\
vrrp_instance V3 {\n interface eth0\n virtual_router_id 54\n version 3\n priority 100\n\
 advert_int 0.5\n virtual_ipaddress {\n 192.0.2.104\n }\n}\n\
vrrp_instance V6 {\n interface eth0\n virtual_router_id 55\n version 3\n priority 100\n\
 virtual_ipaddress {\n 2001:db8::100\n }\n}\n";

/// Index of V2AH.
const AH: usize = 1;

fn config() -> &'static Config {
    static CFG: OnceLock<Box<Config>> = OnceLock::new();
    CFG.get_or_init(|| {
        let loaded = config::parse_str("core_rx.conf", CONF, &Default::default());
        loaded.config.expect("the fuzz config loads")
    })
}

/// Fire every deadline up to `to` (as the daemon's timerfd would).
fn advance(core: &mut Core, now: &mut Instant, to: Instant, out: &mut Actions) {
    while let Some(d) = core.next_deadline() {
        if d > to {
            break;
        }
        *now = d.max(*now);
        core.handle(*now, Event::Timer, out);
        while out.pop().is_some() {}
    }
    *now = to.max(*now);
}

fuzz_target!(|data: &[u8]| {
    let cfg = config();
    let mut core = Core::new(cfg);
    let mut out = Actions::new();
    let mut now = Instant::from_secs(1);
    let eth0 = IfInfo {
        name: "eth0",
        ifindex: 2,
        up: true,
        ipv4: Some("192.0.2.11".parse().unwrap()),
        ll6: Some("fe80::11".parse().unwrap()),
        mac: [2, 0, 0, 0, 0, 0x11],
    };
    core.handle(now, Event::Interface(eth0), &mut out);
    core.handle(now, Event::Start, &mut out);
    while out.pop().is_some() {}
    // Let the AH instance become master (down timer) before the input starts.
    let to = now + Duration::from_secs(5);
    advance(&mut core, &mut now, to, &mut out);
    assert_eq!(core.instances()[AH].state, State::Master);

    let mut rest = data;
    while rest.len() >= 3 {
        let kind = rest[0];
        let len = usize::from(u16::from_be_bytes([rest[1], rest[2]]));
        rest = &rest[3..];
        if kind >= 192 && kind < 224 {
            let to = now + Duration::from_millis(len as u64);
            advance(&mut core, &mut now, to, &mut out);
            continue;
        }
        let n = len.min(rest.len());
        let (bytes, tail) = rest.split_at(n);
        rest = tail;
        if kind < 128 {
            core.handle(now, Event::Packet4 { ifindex: 2, bytes }, &mut out);
        } else if kind < 192 {
            let mut a = [0u8; 16];
            let mut b = [0u8; 16];
            let head = bytes.get(..33).unwrap_or(&[]);
            if head.len() == 33 {
                a.copy_from_slice(&head[..16]);
                b.copy_from_slice(&head[16..32]);
            }
            let ev = Event::Packet6 {
                ifindex: 2,
                src: Ipv6Addr::from(a),
                dst: Ipv6Addr::from(b),
                hop_limit: head.get(32).copied().unwrap_or(255),
                bytes: bytes.get(33..).unwrap_or(&[]),
            };
            core.handle(now, ev, &mut out);
        } else if bytes.len() >= 10 {
            let ev = Event::Arp {
                ifindex: 2,
                sender_ip: [bytes[0], bytes[1], bytes[2], bytes[3]].into(),
                sender_mac: [bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9]],
            };
            core.handle(now, ev, &mut out);
        }
        while out.pop().is_some() {}
        assert_eq!(
            core.instances()[AH].state,
            State::Master,
            "the AH master yielded to an input without the key"
        );
        now = now + Duration::from_micros(100);
    }
    assert_eq!(core.instances()[AH].state, State::Master);
});
