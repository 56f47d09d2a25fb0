//! The rtnetlink notification parser on arbitrary bytes (one datagram from the kernel), and
//! the request builders fed from the same bytes: must never panic, and whatever a builder
//! emits must parse back to the same address/link.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use keepalived_rs::sys::netlink::{self, AddrReq, NlEvent};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut n = 0usize;
    netlink::parse(data, |ev| {
        n += 1;
        if let NlEvent::Link { name, .. } = &ev {
            assert!(name.len() <= 16);
        }
    });
    // At most one event per 16-byte header.
    assert!(n <= data.len() / 16);

    // Builders: parameters taken from the input, buffers of every small size.
    if data.len() >= 24 {
        let ifindex = u32::from_ne_bytes([data[0], data[1], data[2], data[3]]);
        let addr = if data[4] & 1 == 0 {
            IpAddr::V4(Ipv4Addr::new(data[5], data[6], data[7], data[8]))
        } else {
            let mut o = [0u8; 16];
            o.copy_from_slice(&data[5..21]);
            IpAddr::V6(Ipv6Addr::from(o))
        };
        let label_len = usize::from(data[21] % 20);
        let label = core::str::from_utf8(data.get(24..24 + label_len).unwrap_or(&[])).ok();
        let req = AddrReq {
            ifindex,
            addr,
            prefix: data[22],
            brd: (data[4] & 2 != 0).then_some(Ipv4Addr::new(data[8], data[7], data[6], data[5])),
            peer: None,
            scope: data[23],
            label,
            flags: u32::from(data[4]),
        };
        let cap = usize::from(data[4]).min(255);
        let mut buf = [0u8; 256];
        if let Ok(len) = netlink::build_addr(&req, data[4] & 4 != 0, 7, &mut buf[..cap]) {
            assert!(len <= cap);
            let mut seen = None;
            netlink::parse(&buf[..len], |ev| seen = Some(ev));
            if let Some(NlEvent::Addr { ifindex: i, addr: a, prefix: p, .. }) = seen {
                assert_eq!((i, a, p), (ifindex, addr, req.prefix));
            } else {
                panic!("built address request does not parse back: {seen:?}");
            }
        }
        let _ = netlink::build_link_up(ifindex, data[4] & 8 != 0, 3, &mut buf[..cap]);
        let _ = netlink::build_dump(u16::from(data[22]), 4, &mut buf[..cap]);
    }
});
