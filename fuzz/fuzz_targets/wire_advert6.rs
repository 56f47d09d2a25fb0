//! parse_advert6 (the VRRP payload of an IPv6 raw socket) on arbitrary bytes; the first 33
//! bytes choose source, destination and hop limit. The same bytes also go through the
//! whole-frame pretty-printer (Ethernet → IPv4/IPv6/ARP → VRRP/AH/NA).
#![no_main]

use core::net::Ipv6Addr;

use keepalived_rs::wire::{self, ChecksumFlavour};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut a = [0u8; 16];
    let mut b = [0u8; 16];
    let (head, rest) = data.split_at(data.len().min(33));
    for (i, x) in head.iter().enumerate() {
        match i {
            0..=15 => a[i] = *x,
            16..=31 => b[i - 16] = *x,
            _ => {}
        }
    }
    let hop = head.get(32).copied().unwrap_or(255);
    if let Ok(rx) = wire::parse_advert6(Ipv6Addr::from(a), Ipv6Addr::from(b), hop, rest) {
        assert!(rx.addrs.len() <= usize::from(rx.naddr));
        let _ = wire::checksum_ok(&rx, ChecksumFlavour::PseudoHeader);
        let _ = wire::checksum_ok(&rx, ChecksumFlavour::OldUnicast);
        let _ = wire::checksum_ok(&rx, ChecksumFlavour::NoPseudoHeader);
        let _ = wire::ah_icv_ok(&rx, b"12345678", true);
        let _ = wire::ah_spi_ok(&rx);
        let _ = format!("{rx}");
    }
    if let Ok(p) = wire::ipv6::Packet::new_checked(rest) {
        let _ = wire::ipv6::Repr::parse(&p);
    }
    let _ = format!("{}", wire::pretty::Frame(data));
});
