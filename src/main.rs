//! `keepalived-rs`: keepalived's command line in front of the VRRP daemon.

fn main() {
    eprintln!("keepalived-rs {}", env!("CARGO_PKG_VERSION"));
}
