//! The cost of one check-script run, fork to reap, through the daemon's own `sys::process`.
//!
//! `cargo bench --bench script_run` (std only). Spawns `/bin/true` (as a `vrrp_script`
//! would be: own session, /dev/null stdio, PDEATHSIG, execv) 2000 times, one at a time:
//! - parent: the time `spawn_exec` blocks the caller (fork in the parent) — what one script
//!   run costs the poll loop;
//! - fork→reap: until `reap()` (waitpid WNOHANG, polled) returns the child — the whole
//!   run of a trivial script, exec and exit included (the loop is free meanwhile).
//!   Figures: p50 / p99 / max in microseconds.

use std::time::Instant;

use keepalived_rs::sys::process::{self, Creds, Exit};

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i]
}

fn main() {
    let prog = c"/bin/true";
    let argv = [prog.as_ptr(), core::ptr::null()];
    let n = 2000;
    let mut parent = Vec::with_capacity(n);
    let mut total = Vec::with_capacity(n);
    for i in 0..n + 50 {
        let t0 = Instant::now();
        let pid = process::spawn_exec(prog, &argv, Creds::default()).expect("spawn");
        let t1 = Instant::now();
        loop {
            match process::reap().expect("reap") {
                Some((p, e)) if p == pid => {
                    assert_eq!(e, Exit::Code(0));
                    break;
                }
                _ => std::thread::yield_now(),
            }
        }
        let t2 = Instant::now();
        if i >= 50 {
            parent.push((t1 - t0).as_secs_f64() * 1e6);
            total.push((t2 - t0).as_secs_f64() * 1e6);
        }
    }
    for (name, v) in [
        ("parent (spawn_exec)", &mut parent),
        ("fork->reap", &mut total),
    ] {
        let (p50, p99, max) = (pct(v, 0.5), pct(v, 0.99), pct(v, 1.0));
        println!("script run, {name}: p50 {p50:.0} us, p99 {p99:.0} us, max {max:.0} us ({n} runs of /bin/true)");
    }
}
