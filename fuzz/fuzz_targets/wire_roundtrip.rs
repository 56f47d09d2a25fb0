//! Round trip: whatever parse_advert accepts as a well-formed advert is emitted back and
//! re-parsed to the same fields, with a checksum (and AH ICV) that verifies.
#![no_main]

use keepalived_rs::wire::{self, AdvertTx, ChecksumFlavour, Destination, TxAuth};
use libfuzzer_sys::fuzz_target;

const KEY: [u8; 8] = *b"12345678";

fuzz_target!(|data: &[u8]| {
    let Ok(rx) = wire::parse_advert(data) else {
        return;
    };
    if !rx.length_ok || !(rx.version == 2 || rx.version == 3) {
        return;
    }
    let unicast = !rx.dst.is_multicast();
    let auth = match (rx.version, rx.auth_type, rx.ah) {
        (3, _, None) => TxAuth::None,
        (2, 0, None) => TxAuth::None,
        (2, 1, None) => TxAuth::Pass(rx.auth_data),
        (2, 2, Some(ah)) => TxAuth::Ah { key: KEY, seq: ah.seq },
        _ => return,
    };
    // Odd-length inputs also exercise v3_checksum_as_v2.
    let v3_as_v2 = rx.version == 3 && data.len() % 2 == 1;
    let tx = AdvertTx {
        version: rx.version,
        vrid: rx.vrid,
        priority: rx.priority,
        adver_int_cs: if rx.version == 2 { rx.adver_int_cs } else { rx.adver_int_cs & 0xfff },
        src: rx.src,
        dst: if unicast { Destination::Unicast(rx.dst) } else { Destination::Multicast(rx.dst) },
        ttl: rx.ttl,
        ip_id: 1,
        auth,
        v3_checksum_as_v2: v3_as_v2,
        old_unicast_checksum: false,
        addrs: &rx.addrs,
    };
    let mut buf = [0u8; 2048];
    let n = wire::emit_advert(&tx, &mut buf).expect("a parsed advert can be emitted");
    assert_eq!(n, wire::advert_len(&tx));
    let back = wire::parse_advert(&buf[..n]).expect("emitted adverts parse");
    assert_eq!(
        (back.version, back.vrid, back.priority, back.naddr, back.auth_type, back.adver_int_cs),
        (rx.version, rx.vrid, rx.priority, rx.naddr, rx.auth_type, rx.adver_int_cs)
    );
    assert_eq!(back.addrs, rx.addrs);
    assert!(back.length_ok && back.ip_len_ok);
    let flavour = if rx.version == 2 || v3_as_v2 {
        ChecksumFlavour::NoPseudoHeader
    } else {
        ChecksumFlavour::PseudoHeader
    };
    assert!(wire::checksum_ok(&back, flavour));
    if rx.ah.is_some() {
        assert!(wire::ah_icv_ok(&back, &KEY, unicast));
        assert!(wire::ah_spi_ok(&back));
    }
});
