//! The `sys` layer against a real kernel, inside a fresh network namespace that only the test
//! thread enters (`unshare(CLONE_NEWNET)`): the host's interfaces are never touched. Needs
//! root (CI runs as root); skipped with a message otherwise.

use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::AsRawFd;

use keepalived_rs::sys::{ioctl, netlink, raw};

fn in_fresh_netns(f: impl FnOnce() + Send + 'static) {
    let h = std::thread::spawn(move || {
        if let Err(e) = keepalived_rs::sys::unshare_netns() {
            eprintln!("skipped: cannot unshare a network namespace ({e}); run as root");
            return;
        }
        f();
    });
    h.join().expect("test thread");
}

#[test]
fn netlink_addresses_ioctl_and_raw_vrrp_on_loopback() {
    in_fresh_netns(|| {
        let lo = ioctl::ifindex("lo").expect("lo exists in a new netns");
        let cmd = netlink::open(0).expect("netlink");
        let fd = cmd.as_raw_fd();
        let mut req = [0u8; 256];
        let mut buf = [0u8; 8192];
        let n = netlink::build_link_up(lo, true, 1, &mut req).expect("build");
        let e = netlink::transact(fd, &req[..n], 1, &mut buf, |_| {}).expect("link up");
        assert_eq!(e, 0, "link up errno");

        let vip = Ipv4Addr::new(192, 0, 2, 100);
        let add = netlink::AddrReq {
            ifindex: lo,
            addr: IpAddr::V4(vip),
            prefix: 32,
            brd: None,
            peer: None,
            scope: 0,
            label: Some("lo:1"),
            flags: 0,
        };
        let n = netlink::build_addr(&add, true, 2, &mut req).expect("build");
        assert_eq!(
            netlink::transact(fd, &req[..n], 2, &mut buf, |_| {}).expect("add"),
            0
        );
        // adding it again: EEXIST, reported as an errno, not an I/O error
        let n = netlink::build_addr(&add, true, 3, &mut req).expect("build");
        assert_eq!(
            netlink::transact(fd, &req[..n], 3, &mut buf, |_| {}).expect("add"),
            libc::EEXIST
        );

        // the dump sees it
        let n = netlink::build_dump(netlink::RTM_GETADDR, 4, &mut req).expect("build");
        let mut seen = false;
        netlink::transact(fd, &req[..n], 4, &mut buf, |ev| {
            if let netlink::NlEvent::Addr { addr, .. } = ev {
                seen |= addr == IpAddr::V4(vip);
            }
        })
        .expect("dump");
        assert!(seen, "VIP in the address dump");

        let facts = ioctl::facts("lo").expect("facts");
        assert!(facts.up);

        // a VRRP packet to ourselves through the raw socket (unicast on lo)
        let (sock, _) = raw::open4("lo", lo, raw::IPPROTO_VRRP, None, None).expect("raw");
        let mut pkt = [0u8; 40];
        pkt[0] = 0x45;
        pkt[1] = 0xc0;
        pkt[2..4].copy_from_slice(&40u16.to_be_bytes());
        pkt[8] = 255;
        pkt[9] = 112;
        pkt[12..16].copy_from_slice(&vip.octets());
        pkt[16..20].copy_from_slice(&vip.octets());
        pkt[20] = 0x21;
        pkt[21] = 51;
        raw::send4(sock.as_raw_fd(), &pkt, vip).expect("send");
        let mut rx = [0u8; 2048];
        let mut got = None;
        for _ in 0..100 {
            if let Some(n) = raw::recv4(sock.as_raw_fd(), &mut rx).expect("recv") {
                got = Some(n);
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let n = got.expect("packet looped back");
        assert_eq!(n, 40);
        assert_eq!(rx[9], 112);
        assert_eq!(rx[21], 51);

        let n = netlink::build_addr(&add, false, 5, &mut req).expect("build");
        assert_eq!(
            netlink::transact(fd, &req[..n], 5, &mut buf, |_| {}).expect("del"),
            0
        );
    });
}
