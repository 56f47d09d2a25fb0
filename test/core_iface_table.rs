//! The core's interface table after reloads: names no config uses any more (left by earlier
//! configs) never keep a used interface out. Load refuses more than MAX_INTERFACES names, so
//! a full table always holds a stale slot to reuse; before, the new interface was dropped
//! and its instance never ran.

mod common;

use common::*;
use keepalived_rs::core::{Actions, Core, Event, IfInfo, State};
use keepalived_rs::limits::MAX_INTERFACES;
use keepalived_rs::time::Instant;

fn info(name: &str, ifindex: u32) -> IfInfo<'_> {
    IfInfo {
        name,
        ifindex,
        up: true,
        ipv4: Some([192, 0, 2, 1].into()),
        ll6: None,
        mac: [2, 0, 0, 0, 0, 1],
    }
}

#[test]
fn a_full_table_of_stale_interfaces_still_takes_a_used_one() {
    big(|| {
        let cfg = build_config(&["instance VI_1 iface=eth0 vrid=51 prio=100 vip=192.0.2.100"]);
        let mut core = Core::new(&cfg);
        let mut out = Actions::new();
        // Interfaces an earlier config used fill the table.
        let stale: Vec<String> = (0..MAX_INTERFACES).map(|i| format!("old{i}")).collect();
        for (i, n) in stale.iter().enumerate() {
            core.handle(
                Instant::ZERO,
                Event::Interface(info(n, 100 + i as u32)),
                &mut out,
            );
        }
        core.handle(Instant::ZERO, Event::Interface(info("eth0", 2)), &mut out);
        core.handle(Instant::ZERO, Event::Start, &mut out);
        let mut now = Instant::ZERO;
        for _ in 0..100 {
            let Some(d) = core.next_deadline() else { break };
            if d > Instant::from_secs(10) {
                break;
            }
            now = d;
            core.handle(now, Event::Timer, &mut out);
            out.clear();
        }
        let st = core.instance(0).map(|r| r.state);
        assert_eq!(st, Some(State::Master), "at {now:?}");
    });
}
