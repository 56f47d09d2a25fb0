//! State and statistics dumps, in keepalived 2.2.7's formats, written on signals:
//! SIGUSR1 → `keepalived.data`, SIGUSR2 → `keepalived.stats`, SIGRTMIN+2 → `keepalived.json`
//! (in `$TMPDIR`, default `/tmp`).
//!
//! The writers take plain views ([`InstanceStatus`], `data::ProcessTrackerStatus`) that the
//! daemon fills from the core and the config, so this module knows nothing of either. JSON is
//! produced with serde + serde-json-core one instance at a time into a fixed buffer; files are
//! written to a temporary name and renamed, so a reader never sees half a dump.

pub mod data;
pub mod json;
pub mod stats;

use core::fmt::{self, Write as _};
use core::net::IpAddr;

use crate::config::{Route, Scope, Vip};

/// Per-instance counters, named as keepalived's JSON `stats` object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub advert_rcvd: u64,
    pub advert_sent: u64,
    pub become_master: u64,
    pub release_master: u64,
    pub packet_len_err: u64,
    pub advert_interval_err: u64,
    pub ip_ttl_err: u64,
    pub invalid_type_rcvd: u64,
    pub addr_list_err: u64,
    pub invalid_authtype: u64,
    pub authtype_mismatch: u64,
    pub auth_failure: u64,
    pub pri_zero_rcvd: u64,
    pub pri_zero_sent: u64,
    /// Ours (JSON only): drops keepalived counts only for SNMP (`chk_err`, `vers_err`) or not
    /// at all (a unicast advert from a non-peer).
    pub checksum_err: u64,
    pub version_err: u64,
    pub unicast_src_err: u64,
}

/// Everything the dumps show about one instance.
#[derive(Clone, Debug)]
pub struct InstanceStatus<'a> {
    pub iname: &'a str,
    pub ifname: Option<&'a str>,
    pub dont_track_primary: bool,
    pub skip_check_adv_addr: bool,
    pub strict_mode: bool,
    pub master_priority: u8,
    /// Wall-clock time of the last transition, seconds since the epoch (for humans only).
    pub last_transition: f64,
    pub garp_delay_s: f64,
    pub garp_refresh_s: u64,
    pub garp_rep: u32,
    pub garp_refresh_rep: u32,
    pub garp_lower_prio_delay_s: u64,
    pub garp_lower_prio_rep: u32,
    pub lower_prio_no_advert: bool,
    pub higher_prio_send_advert: bool,
    pub vrid: u8,
    pub base_priority: u8,
    pub effective_priority: u8,
    pub vipset: bool,
    pub adver_int_s: f64,
    pub master_adver_int_s: f64,
    pub accept: bool,
    pub nopreempt: bool,
    pub preempt_delay_s: u64,
    /// keepalived's numbers: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT.
    pub state: u8,
    pub wantstate: u8,
    pub version: u8,
    pub smtp_alert: bool,
    pub notify_deleted: bool,
    pub script_backup: Option<&'a str>,
    pub script_master: Option<&'a str>,
    pub script_fault: Option<&'a str>,
    pub script_stop: Option<&'a str>,
    pub script_deleted: Option<&'a str>,
    pub script: Option<&'a str>,
    pub script_master_rx_lower_pri: Option<&'a str>,
    pub vips: &'a [Vip],
    pub evips: &'a [Vip],
    /// `virtual_routes`.
    pub vroutes: &'a [Route],
    /// Interface name used for VIPs without `dev`.
    pub default_dev: &'a str,
    pub track_ifp: &'a [&'a str],
    pub track_script: &'a [&'a str],
    /// 0 none, 1 PASS, 2 AH.
    pub auth_type: u8,
    pub auth_data: Option<[u8; 8]>,
    /// Our addition: another master was heard for this VRID while we were master.
    pub split_brain: bool,
    pub split_brain_count: u64,
    pub stats: Counters,
}

/// Text form of an address as keepalived prints it in dumps:
/// `192.0.2.100 brd 192.0.2.255 dev eth0 scope global label eth0:0 set`.
pub struct VipText<'a> {
    pub vip: &'a Vip,
    pub default_dev: &'a str,
    pub set: bool,
}

impl fmt::Display for VipText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.vip;
        let ip = v.ip();
        f.write_fmt(format_args!("{ip}"))?;
        let host_len = if matches!(ip, IpAddr::V4(_)) { 32 } else { 128 };
        if v.prefix != host_len {
            write!(f, "/{}", v.prefix)?;
        }
        if let Some(brd) = v.brd {
            write!(f, " brd {brd}")?;
        }
        let dev = v
            .dev
            .as_ref()
            .map(|d| d.as_str())
            .unwrap_or(self.default_dev);
        write!(f, " dev {dev} scope {}", ScopeName(v.scope))?;
        if let Some(label) = &v.label {
            write!(f, " label {label}")?;
        }
        if let Some(peer) = v.peer {
            write!(f, " peer {peer}/{}", v.prefix)?;
        }
        if v.nodad {
            f.write_str(" -nodad")?;
        }
        if v.noprefixroute {
            f.write_str(" noprefixroute")?;
        }
        if v.no_track {
            f.write_str(" no_track")?;
        }
        if self.set {
            f.write_str(" set")?;
        }
        Ok(())
    }
}

/// Text form of a virtual route as keepalived 2.2.7 prints it in `keepalived.json`
/// (`format_iproute`), for the options a route of ours can have:
/// `prepend 198.51.100.0/24 via inet 192.0.2.1 dev eth0 proto 18 metric 5`.
pub struct RouteText<'a>(pub &'a Route);

impl fmt::Display for RouteText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        // keepalived's "add" flag is the same bit as its "type given" flag, so a route with a
        // type word prints "add"; any other prints the kernel's default, "prepend".
        let kind = match r.kind {
            6 => Some("blackhole"),
            7 => Some("unreachable"),
            8 => Some("prohibit"),
            _ => None,
        };
        match kind {
            Some(k) => write!(f, "add {k} ")?,
            None => f.write_str("prepend ")?,
        }
        match r.dst {
            Some(dst) => {
                write!(f, "{dst}")?;
                let host_len = if matches!(dst, IpAddr::V4(_)) {
                    32
                } else {
                    128
                };
                if r.prefix != host_len {
                    write!(f, "/{}", r.prefix)?;
                }
            }
            None => f.write_str("default")?,
        }
        if let Some(src) = r.src {
            write!(f, " src {src}")?;
        }
        if let Some(via) = r.via {
            let fam = if via.is_ipv6() { "inet6" } else { "inet" };
            write!(f, " via {fam} {via}")?;
        }
        if let Some(dev) = &r.dev {
            write!(f, " dev {dev}")?;
        }
        if let Some(t) = r.table.filter(|&t| t != 254) {
            write!(f, " table {t}")?;
        }
        // A tracked route is installed with protocol 18 (keepalived); keepalived tracks only
        // routes with a `dev` and marks the others no_track after setting the protocol.
        if !r.no_track {
            f.write_str(" proto 18")?;
        }
        if let Some(s) = r.scope {
            write!(f, " scope {}", s.0)?;
        }
        if let Some(m) = r.metric {
            write!(f, " metric {m}")?;
        }
        if r.no_track || r.dev.is_none() {
            f.write_str(" no_track")?;
        }
        Ok(())
    }
}

/// `scope` as `ip` names it.
pub struct ScopeName(pub Scope);

impl fmt::Display for ScopeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Scope::GLOBAL => f.write_str("global"),
            Scope::SITE => f.write_str("site"),
            Scope::LINK => f.write_str("link"),
            Scope::HOST => f.write_str("host"),
            Scope::NOWHERE => f.write_str("nowhere"),
            Scope(n) => write!(f, "{n}"),
        }
    }
}

/// Format into a fixed string; text that does not fit is cut (dumps are for humans and tools,
/// never for the protocol).
pub(crate) fn fixed<const N: usize>(args: fmt::Arguments<'_>) -> heapless::String<N> {
    let mut s = heapless::String::new();
    let _ = s.write_fmt(args);
    s
}

/// The state name keepalived prints for its state numbers.
pub fn state_name(state: u8) -> &'static str {
    match state {
        0 => "INIT",
        1 => "BACKUP",
        2 => "MASTER",
        3 => "FAULT",
        _ => "UNKNOWN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::IfName;

    fn name(s: &str) -> IfName {
        let mut n = IfName::new();
        n.push_str(s).unwrap();
        n
    }

    #[test]
    fn vip_text_matches_keepalived_layout() {
        let vip = Vip {
            addr: Some("192.0.2.100".parse().unwrap()),
            prefix: 32,
            brd: Some("192.0.2.255".parse().unwrap()),
            dev: Some(name("eth0")),
            label: Some(name("eth0:0")),
            ..Vip::default()
        };
        let s: heapless::String<128> = fixed(format_args!(
            "{}",
            VipText {
                vip: &vip,
                default_dev: "eth1",
                set: true
            }
        ));
        assert_eq!(
            s,
            "192.0.2.100 brd 192.0.2.255 dev eth0 scope global label eth0:0 set"
        );

        let v6 = Vip {
            addr: Some("2001:db8::10".parse().unwrap()),
            prefix: 64,
            ..Vip::default()
        };
        let s: heapless::String<128> = fixed(format_args!(
            "{}",
            VipText {
                vip: &v6,
                default_dev: "eth1",
                set: false
            }
        ));
        assert_eq!(s, "2001:db8::10/64 dev eth1 scope global");
    }

    fn route(words: &str) -> crate::config::Route {
        let text = format!(
            "vrrp_instance I {{\ninterface eth0\nvirtual_router_id 1\npriority 100\n\
             virtual_ipaddress {{\n192.0.2.100\n}}\nvirtual_routes {{\n{words}\n}}\n}}\n"
        );
        let loaded = crate::config::parse_str("t.conf", &text, &Default::default());
        let cfg = loaded.config.expect("config");
        cfg.routes_of(cfg.instances[0].vroutes)[0].clone()
    }

    #[test]
    fn route_text_matches_keepalived_json() {
        // Measured with keepalived 2.2.7 (SIGRTMIN+2) for the same `virtual_routes` lines.
        for (cfg, ka) in [
            (
                "198.51.100.0/24 via 192.0.2.1 dev eth0",
                "prepend 198.51.100.0/24 via inet 192.0.2.1 dev eth0 proto 18",
            ),
            (
                "203.0.113.0/24 dev eth0 metric 5",
                "prepend 203.0.113.0/24 dev eth0 proto 18 metric 5",
            ),
            (
                "src 192.0.2.100 203.0.113.7/32 via 192.0.2.1",
                "prepend 203.0.113.7 src 192.0.2.100 via inet 192.0.2.1 proto 18 no_track",
            ),
            (
                "blackhole 198.51.100.128/25",
                "add blackhole 198.51.100.128/25 proto 18 no_track",
            ),
        ] {
            let r = route(cfg);
            let s: heapless::String<256> = fixed(format_args!("{}", RouteText(&r)));
            assert_eq!(s, ka, "{cfg}");
        }
    }
}

/// A writer that buffers on the stack and writes to a file in 4 KiB chunks (no heap).
pub struct StackWriter<'f> {
    file: &'f mut std::fs::File,
    buf: [u8; 4096],
    len: usize,
}

impl<'f> StackWriter<'f> {
    pub fn new(file: &'f mut std::fs::File) -> Self {
        StackWriter {
            file,
            buf: [0; 4096],
            len: 0,
        }
    }
}

impl std::io::Write for StackWriter<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.len + data.len() > self.buf.len() {
            self.flush()?;
        }
        if data.len() >= self.buf.len() {
            return self.file.write(data);
        }
        self.buf[self.len..self.len + data.len()].copy_from_slice(data);
        self.len += data.len();
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let pending = &self.buf[..self.len];
        self.len = 0;
        self.file.write_all(pending)
    }
}

/// Write `dir/name` atomically: fill `dir/.name.tmp`, then rename it over `dir/name`, so a
/// reader sees the old file or the new one, never half of one.
pub fn write_atomically(
    dir: &std::path::Path,
    name: &str,
    fill: impl FnOnce(&mut StackWriter<'_>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::Write as _;
    let tmp_name: heapless::String<128> = fixed(format_args!(".{name}.tmp"));
    let tmp = dir.join(tmp_name.as_str());
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        {
            let mut w = StackWriter::new(&mut file);
            fill(&mut w)?;
            w.flush()?;
        }
        file.sync_data()?;
        std::fs::rename(&tmp, dir.join(name))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod file_tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_cleans_up() {
        let dir = std::env::temp_dir().join(format!("krs-status-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        write_atomically(&dir, "keepalived.stats", |w| {
            use std::io::Write as _;
            for i in 0..2000 {
                writeln!(w, "line {i}")?;
            }
            Ok(())
        })
        .unwrap();
        let text = std::fs::read_to_string(dir.join("keepalived.stats")).unwrap();
        assert_eq!(text.lines().count(), 2000);
        assert!(text.ends_with("line 1999\n"));
        let failed = write_atomically(&dir, "keepalived.stats", |_| {
            Err(std::io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert!(!dir.join(".keepalived.stats.tmp").exists());
        assert_eq!(
            std::fs::read_to_string(dir.join("keepalived.stats")).unwrap(),
            text
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
