//! Figure: time to load + validate a large config, and the peak RSS.
//!
//! Generates 255 instances × 20 VIPs (documentation addresses 192.0.2.0/24, 198.51.100.0/24,
//! 203.0.113.0/24 and 2001:db8::/32), spread over interfaces so that VRIDs stay unique per
//! interface and family, writes it to a temporary file, loads it N times through
//! `config::load` and prints the median and the process's peak RSS (VmHWM).
//!
//! `KEEPALIVED_RS_MAX_VIPS=8192 cargo bench --bench config_load` (release profile; the default
//! MAX_VIPS of 4096 is below 5100). `N` via `BENCH_ITERS` (default 21).

use std::fmt::Write;
use std::time::Instant;

use keepalived_rs::config::{self, LoadOptions};

fn generate() -> String {
    let mut s = String::from(
        "global_defs {\n    router_id bench\n    enable_script_security\n    script_user nobody\n}\n\n\
         vrrp_script chk {\n    script \"/bin/true\"\n    interval 2\n    weight 2\n}\n",
    );
    for n in 0..255u32 {
        // 6 interfaces; VRIDs 1..=255 unique over the whole file, so unique per interface.
        let ifname = format!("eth{}", n % 6);
        let v6 = n % 5 == 4;
        let _ = write!(
            s,
            "\nvrrp_instance VI_{n} {{\n    state BACKUP\n    interface {ifname}\n    \
             virtual_router_id {}\n    priority {}\n    advert_int 1\n    track_script {{\n        chk\n    }}\n    \
             virtual_ipaddress {{\n",
            n + 1,
            100 + (n % 50)
        );
        for k in 0..20u32 {
            let idx = n * 20 + k;
            if v6 {
                let _ = writeln!(
                    s,
                    "        2001:db8:{:x}::{:x}/64 dev {ifname}",
                    idx / 256,
                    idx % 256 + 1
                );
            } else {
                let net = ["192.0.2", "198.51.100", "203.0.113"][(idx % 3) as usize];
                let _ = writeln!(
                    s,
                    "        {net}.{}/24 dev {ifname} label {ifname}:{k}",
                    idx % 254 + 1
                );
            }
        }
        s.push_str("    }\n}\n");
    }
    s
}

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    if keepalived_rs::limits::MAX_VIPS < 255 * 20 {
        eprintln!(
            "config_load: 255 instances x 20 VIPs need MAX_VIPS >= 5100 (this build: {}); run\n  \
             KEEPALIVED_RS_MAX_VIPS=8192 cargo bench --bench config_load",
            keepalived_rs::limits::MAX_VIPS
        );
        return;
    }
    let text = generate();
    let path =
        std::env::temp_dir().join(format!("keepalived-rs-bench-{}.conf", std::process::id()));
    if let Err(e) = std::fs::write(&path, &text) {
        eprintln!("cannot write {}: {e}", path.display());
        std::process::exit(1);
    }
    let iters: usize = std::env::var("BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(21);
    let opts = LoadOptions {
        config_id: Some("bench".into()),
        all_config: false,
        iface_exists: None,
    };
    let hwm_before = vm_hwm_kib();
    let mut times = Vec::with_capacity(iters);
    let mut summary = String::new();
    for _ in 0..iters {
        let t = Instant::now();
        let l = config::load(&path, &opts);
        let dt = t.elapsed();
        let Some(c) = l.config.as_ref() else {
            eprintln!("bench config did not load:\n{}", l.diags);
            std::process::exit(1);
        };
        summary = format!(
            "instances {}, vips {}, tracks {}, diagnostics {}",
            c.instances.len(),
            c.vips.len(),
            c.tracks.len(),
            l.diags.len()
        );
        times.push(dt);
    }
    let _ = std::fs::remove_file(&path);
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "config_load: {} bytes, {} lines; {summary}",
        text.len(),
        text.lines().count()
    );
    println!(
        "config_load: load+validate median {:.2} ms over {iters} runs (min {:.2} ms, max {:.2} ms)",
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
    println!(
        "config_load: peak RSS (VmHWM) {} KiB (before loading {} KiB); size_of::<Config>() = {} bytes",
        vm_hwm_kib(),
        hwm_before,
        core::mem::size_of::<config::Config>()
    );
}
