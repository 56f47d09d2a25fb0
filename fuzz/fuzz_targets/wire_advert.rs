//! parse_advert and every receive helper on arbitrary bytes: must never panic.
#![no_main]

use keepalived_rs::wire::{self, ChecksumFlavour};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rx) = wire::parse_advert(data) {
        assert!(rx.addrs.len() <= usize::from(rx.naddr));
        assert!(rx.vrrp.len() >= 8);
        for f in [
            ChecksumFlavour::NoPseudoHeader,
            ChecksumFlavour::PseudoHeader,
            ChecksumFlavour::OldUnicast,
        ] {
            let _ = wire::checksum_ok(&rx, f);
        }
        let _ = wire::ah_icv_ok(&rx, b"12345678", false);
        let _ = wire::ah_icv_ok(&rx, b"12345678", true);
        let _ = wire::ah_spi_ok(&rx);
        let _ = wire::pass_eq(&rx.auth_data, b"1111\0\0\0\0");
        let mut s = std::string::String::new();
        let _ = core::fmt::write(&mut s, format_args!("{rx}"));
    }
    // The views on their own, on the same bytes.
    if let Ok(p) = wire::vrrp::Packet::new_checked(data) {
        let _ = wire::vrrp::Repr::parse(&p, wire::vrrp::Family::V4);
        let _ = wire::vrrp::Repr::parse(&p, wire::vrrp::Family::V6);
        let _ = p.auth_data(wire::vrrp::Family::V6);
    }
    if let Ok(p) = wire::ipv4::Packet::new_checked(data) {
        let _ = wire::ipv4::Repr::parse(&p);
        let _ = p.verify_checksum();
    }
    if let Ok(p) = wire::arp::Packet::new_checked(data) {
        let _ = wire::arp::Repr::parse(&p);
    }
    if let Ok(p) = wire::ndisc::Packet::new_checked(data) {
        let _ = wire::ndisc::Repr::parse(&p);
    }
});
