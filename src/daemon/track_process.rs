//! `vrrp_track_process`: count the running processes that match each tracker by scanning
//! /proc, and report the counts to the core as `Event::TrackProcess { process, count }`.
//!
//! keepalived 2.2.7 scans /proc once and then follows the kernel's proc connector (fork,
//! exec, comm and exit events). That connector only works in the initial network namespace
//! (elsewhere subscribing fails with ECONNREFUSED), so this daemon rescans /proc instead: at
//! start-up (before the instances start), right after a reload, and every [`SCAN_PERIOD`].
//! Exits matter most (a dead service must move the VIP), so every matching process is also
//! watched with a pidfd (up to `MAX_PROC_WATCHES` of them) in the poll set: its exit wakes
//! the loop at once and triggers a rescan that leaves that process out. A process that
//! appears, or one beyond the watch table, is seen within one period (plus the tracker's
//! own delays, applied by the core). Without pidfds (Linux < 5.3) only the period remains.
//!
//! Matching follows keepalived (`keepalived/core/track_process.c`, read for its rules):
//! - without `full_command` the process name (`comm`, from /proc/PID/stat, at most 15
//!   characters) must equal `process` exactly; zombies do not count;
//! - with `full_command` (implied by parameters or `param_match`) argv[0] of
//!   /proc/PID/cmdline must equal `process`, and the parameters are compared as
//!   `param_match` says: exact (all and only those), partial (the first ones) or initial
//!   (the first ones, the last one possibly longer);
//! - threads are not processes (/proc lists thread group leaders only).
//!
//! Cost: one `openat` + `read` + `close` of /proc/PID/stat per process per period (and of
//! /proc/PID/cmdline when some tracker uses the command line), one `pidfd_open` per newly
//! matching process, nothing at all when no tracker is configured. Steady state allocates
//! nothing: the buffers are on the stack and the watch table is fixed.

use heapless::Vec;

use super::run::Daemon;
use crate::config::{Config, ParamMatch, TrackProcess};
use crate::core::Event;
use crate::limits::{MAX_PROC_WATCHES, MAX_TRACK_PROCESSES};
use crate::sys::procfs::{pidfd_open, ProcDir};
use crate::sys::reactor::{Reactor, Slot};
use crate::sys::timerfd::now;
use crate::time::{Duration, Instant};

/// How often /proc is rescanned. One second: the advertisement interval most
/// configurations use, so a process exit costs at most about one advert of delay, while a
/// scan of a few hundred processes costs well under 1% of a core.
pub const SCAN_PERIOD: Duration = Duration::from_secs(1);

/// Counts per tracker, indexed like `Config::track_processes`.
pub type Counts = Vec<u32, MAX_TRACK_PROCESSES>;

/// Pids of matching processes (the first `MAX_PROC_WATCHES` of a scan).
pub type Pids = Vec<u32, MAX_PROC_WATCHES>;

/// The scanner's state in the daemon.
#[derive(Default)]
pub struct ProcScan {
    dir: Option<ProcDir>,
    /// The counts last reported to the core.
    reported: Counts,
    /// When the next periodic scan is due (`None`: no tracker).
    pub next_at: Option<Instant>,
    /// The processes with a [`Slot::ProcExit`] pidfd in the reactor.
    watched: Pids,
    /// pidfd_open is not available (old kernel, some qemu-user builds): the period alone.
    no_pidfd: bool,
}

/// The parameters of a command line after argv[0] (keepalived's `check_params`).
fn params_match(tp: &TrackProcess, params: &[u8]) -> bool {
    let want = tp.params.as_bytes();
    if tp.param_match == ParamMatch::Exact && !tp.has_params && params.is_empty() {
        return true;
    }
    if params.len() < want.len() {
        return false;
    }
    match tp.param_match {
        ParamMatch::None => true,
        ParamMatch::Exact => params.len() == want.len() && (!tp.has_params || params == want),
        _ if !tp.has_params => true,
        ParamMatch::Partial => params.get(..want.len()) == Some(want),
        ParamMatch::Initial => {
            // The last configured parameter may be a prefix: ignore its terminating NUL.
            want.len() <= 1 || params.get(..want.len() - 1) == want.get(..want.len() - 1)
        }
    }
}

/// Whether a process with name `comm` and command line `cmdline` (the raw bytes of
/// /proc/PID/cmdline) matches `tp`.
pub fn matches(tp: &TrackProcess, comm: &[u8], cmdline: &[u8]) -> bool {
    if !tp.full_command {
        return comm == tp.process.as_bytes();
    }
    let argv0_len = cmdline
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(cmdline.len());
    if cmdline.get(..argv0_len) != Some(tp.process.as_bytes()) {
        return false;
    }
    if tp.param_match == ParamMatch::None {
        return true;
    }
    params_match(tp, cmdline.get(argv0_len + 1..).unwrap_or(&[]))
}

/// `comm` and whether the process is a zombie, from the text of /proc/PID/stat
/// ("PID (comm) S ...").
fn parse_stat(stat: &[u8]) -> Option<(&[u8], bool)> {
    let open = stat.iter().position(|&b| b == b'(')?;
    let close = stat.iter().rposition(|&b| b == b')')?;
    let comm = stat.get(open + 1..close)?;
    let zombie = stat.get(close + 2) == Some(&b'Z');
    Some((comm, zombie))
}

/// Count, for each tracker of `trackers`, the processes in /proc that match it, leaving out
/// `exited` (a process whose pidfd said it has exited: /proc may still show it running for
/// a moment). The first matching pids go to `matched`.
pub fn scan(
    dir: &ProcDir,
    trackers: &[TrackProcess],
    exited: Option<u32>,
    counts: &mut Counts,
    matched: &mut Pids,
) -> std::io::Result<()> {
    counts.clear();
    matched.clear();
    for _ in trackers {
        let _ = counts.push(0);
    }
    let cmdline_needed = trackers.iter().any(|t| t.full_command);
    let mut dents = [0u8; 4096];
    let mut stat = [0u8; 512];
    // Long enough for any configured command line (process + parameters ≤ 2 × 256 bytes)
    // plus the bytes that tell a longer one apart.
    let mut cmd = [0u8; 1024];
    dir.for_each_pid(&mut dents, |pid| {
        if exited == Some(pid) {
            return;
        }
        let Some(n) = dir.read(pid, "stat", &mut stat) else {
            return;
        };
        let Some((comm, zombie)) = parse_stat(stat.get(..n).unwrap_or(&[])) else {
            return;
        };
        if zombie {
            return;
        }
        let cmdline = if cmdline_needed {
            match dir.read(pid, "cmdline", &mut cmd) {
                Some(m) => cmd.get(..m).unwrap_or(&[]),
                None => return,
            }
        } else {
            &[]
        };
        let mut any = false;
        for (t, c) in trackers.iter().zip(counts.iter_mut()) {
            if matches(t, comm, cmdline) {
                *c = c.saturating_add(1);
                any = true;
            }
        }
        if any {
            // Beyond the table's capacity a process is only counted, not watched.
            let _ = matched.push(pid);
        }
    })
}

impl ProcScan {
    /// Scan /proc (leaving out `exited`) into `counts` and make the watched set follow the
    /// matching processes: pidfds of processes no longer matching are closed, new ones
    /// opened while the table has room. Returns whether a matching process vanished before
    /// its pidfd could be opened (its count is stale: scan again soon).
    pub fn rescan(
        &mut self,
        reactor: &mut Reactor,
        trackers: &[TrackProcess],
        exited: Option<u32>,
        counts: &mut Counts,
    ) -> std::io::Result<bool> {
        let Some(dir) = self.dir.as_ref() else {
            counts.clear();
            return Ok(false);
        };
        let mut matched = Pids::new();
        let res = scan(dir, trackers, exited, counts, &mut matched);
        let mut i = 0;
        while let Some(&pid) = self.watched.get(i) {
            if matched.contains(&pid) {
                i += 1;
            } else {
                reactor.remove(Slot::ProcExit { pid });
                self.watched.swap_remove(i);
            }
        }
        let mut stale = false;
        for &pid in matched.iter() {
            if self.no_pidfd || self.watched.is_full() {
                break;
            }
            if self.watched.contains(&pid) {
                continue;
            }
            match pidfd_open(pid) {
                Ok(fd) => {
                    if reactor.add(fd, Slot::ProcExit { pid }).is_ok() {
                        let _ = self.watched.push(pid);
                    }
                }
                Err(e) if e.raw_os_error() == Some(libc::ESRCH) => stale = true,
                Err(e) => {
                    log::debug!("track_process: no pidfd ({e}); exits are seen by the rescan");
                    self.no_pidfd = true;
                }
            }
        }
        res.map(|()| stale)
    }

    /// Close every pidfd (no tracker is configured any more).
    pub fn unwatch_all(&mut self, reactor: &mut Reactor) {
        for pid in self.watched.iter().copied() {
            reactor.remove(Slot::ProcExit { pid });
        }
        self.watched.clear();
    }

    /// A watched process has exited: close its pidfd (it would stay readable).
    pub fn exited(&mut self, reactor: &mut Reactor, pid: u32) {
        reactor.remove(Slot::ProcExit { pid });
        self.watched.retain(|&p| p != pid);
    }

    /// The pids watched now.
    pub fn watched(&self) -> &[u32] {
        &self.watched
    }
}

impl Daemon {
    /// Start-up (before `Event::Start`) and reload (after `Event::Reload`): open /proc when
    /// some tracker is configured, scan it and report every count.
    pub(super) fn track_processes_setup(&mut self, cfg: &Config) {
        self.pscan.reported.clear();
        self.pscan.next_at = None;
        if cfg.track_processes.is_empty() {
            self.pscan.unwatch_all(&mut self.reactor);
            self.pscan.dir = None;
            return;
        }
        if self.pscan.dir.is_none() {
            match ProcDir::open() {
                Ok(d) => self.pscan.dir = Some(d),
                Err(e) => {
                    log::error!("track_process: cannot open /proc: {e}");
                    return;
                }
            }
        }
        self.scan_processes(true, None);
    }

    /// The periodic scan, when due.
    pub(super) fn track_processes_due(&mut self, t: Instant) {
        if self.pscan.next_at.is_some_and(|at| at <= t) {
            self.scan_processes(false, None);
        }
    }

    /// A watched process has exited (its pidfd polled readable): count again now.
    pub(super) fn on_process_exit(&mut self, pid: u32) {
        self.pscan.exited(&mut self.reactor, pid);
        self.scan_processes(false, Some(pid));
    }

    /// Scan /proc and report the counts that changed (all of them with `all`).
    fn scan_processes(&mut self, all: bool, exited: Option<u32>) {
        let mut counts = Counts::new();
        let trackers = &self.core.config().track_processes;
        let stale = match self
            .pscan
            .rescan(&mut self.reactor, trackers, exited, &mut counts)
        {
            Ok(stale) => stale,
            Err(e) => {
                log::error!("track_process: cannot read /proc: {e}");
                false
            }
        };
        // A process that vanished between the scan and its pidfd: look again right away.
        let wait = if stale { Duration::ZERO } else { SCAN_PERIOD };
        self.pscan.next_at = Some(now() + wait);
        for (p, &count) in counts.iter().enumerate() {
            if !all && self.pscan.reported.get(p) == Some(&count) {
                continue;
            }
            let ev = Event::TrackProcess {
                process: p as u16,
                count,
            };
            self.core.handle(now(), ev, &mut self.acts);
            self.apply();
        }
        self.pscan.reported = counts;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(process: &str, params: &[&str], pm: ParamMatch, full: bool) -> TrackProcess {
        let mut t = TrackProcess::with_defaults("t".try_into().unwrap_or_default());
        t.process = process.try_into().unwrap_or_default();
        t.has_params = !params.is_empty();
        t.param_match = pm;
        t.full_command = full;
        for p in params {
            let _ = t.params.push_str(p);
            let _ = t.params.push('\0');
        }
        t
    }

    #[test]
    fn matches_like_keepalived() {
        let name = tp("sleep", &[], ParamMatch::None, false);
        assert!(matches(&name, b"sleep", b"/bin/sleep\x0010\x00"));
        assert!(!matches(&name, b"sleeper", b""));
        assert!(!matches(&name, b"slee", b""));
        let full = tp("/bin/sleep", &[], ParamMatch::None, true);
        assert!(matches(&full, b"x", b"/bin/sleep\x0010\x00"));
        assert!(!matches(&full, b"sleep", b"sleep\x0010\x00"));
        // `param_match` alone: no parameters at all.
        let none = tp("/bin/sleep", &[], ParamMatch::Exact, true);
        assert!(matches(&none, b"", b"/bin/sleep\x00"));
        assert!(!matches(&none, b"", b"/bin/sleep\x0010\x00"));
        let exact = tp("/bin/sleep", &["10", "x"], ParamMatch::Exact, true);
        assert!(matches(&exact, b"", b"/bin/sleep\x0010\x00x\x00"));
        assert!(!matches(&exact, b"", b"/bin/sleep\x0010\x00x\x00y\x00"));
        assert!(!matches(&exact, b"", b"/bin/sleep\x0010\x00"));
        let partial = tp("/bin/sleep", &["10"], ParamMatch::Partial, true);
        assert!(matches(&partial, b"", b"/bin/sleep\x0010\x00x\x00"));
        assert!(!matches(&partial, b"", b"/bin/sleep\x00100\x00"));
        let initial = tp("/bin/sleep", &["10"], ParamMatch::Initial, true);
        assert!(matches(&initial, b"", b"/bin/sleep\x00100\x00"));
        assert!(!matches(&initial, b"", b"/bin/sleep\x001\x00"));
    }

    #[test]
    fn stat_comm_and_zombies() {
        assert_eq!(parse_stat(b"12 (a) b) S 1"), Some((&b"a) b"[..], false)));
        assert_eq!(parse_stat(b"12 (sleep) Z 1"), Some((&b"sleep"[..], true)));
        assert_eq!(parse_stat(b"garbage"), None);
    }

    /// A child named uniquely (a symlink to `sleep`: the kernel names a process after the
    /// file it executes), the tracker that matches it by name, and the symlink's directory.
    fn unique_child(tag: &str) -> (std::process::Child, TrackProcess, std::path::PathBuf) {
        let sleep = std::fs::canonicalize("/bin/sleep").expect("/bin/sleep");
        let name = format!("krs-{tag}{}", std::process::id() % 100_000_000);
        let dir = std::env::temp_dir().join(format!("krs-{tag}-test-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let link = dir.join(&name);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&sleep, &link).expect("symlink");
        let child = std::process::Command::new(&link)
            .arg("30")
            .spawn()
            .expect("spawn");
        (child, tp(&name, &[], ParamMatch::None, false), dir)
    }

    /// Scan until the child has exec'd (bounded: 100 × 20 ms); the last count.
    fn scan_until_seen(ps: &mut ProcScan, reactor: &mut Reactor, t: &[TrackProcess]) -> u32 {
        let mut counts = Counts::new();
        for _ in 0..100 {
            ps.rescan(reactor, t, None, &mut counts).expect("scan");
            if counts.first() == Some(&1) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        counts.first().copied().unwrap_or(0)
    }

    /// The child is counted while it runs and not after it is killed and reaped; the watch
    /// table follows.
    #[test]
    fn scan_sees_a_child_come_and_go() {
        let mut reactor = Reactor::new().expect("reactor");
        let mut ps = ProcScan {
            dir: Some(ProcDir::open().expect("/proc")),
            ..Default::default()
        };
        let (mut child, t, dir) = unique_child("tp");
        let trackers = [t];
        assert_eq!(scan_until_seen(&mut ps, &mut reactor, &trackers), 1);
        assert_eq!(ps.watched(), &[child.id()]);
        let _ = child.kill();
        let _ = child.wait();
        let mut counts = Counts::new();
        ps.rescan(&mut reactor, &trackers, None, &mut counts)
            .expect("scan");
        assert_eq!(counts.first(), Some(&0));
        assert!(ps.watched().is_empty());
        assert!(reactor.fd(Slot::ProcExit { pid: child.id() }).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The exit of a watched process wakes the poll loop by itself (no rescan, no timer),
    /// and the rescan it triggers leaves that process out even before it is reaped.
    #[test]
    fn a_watched_exit_wakes_the_loop() {
        let mut reactor = Reactor::new().expect("reactor");
        let mut ps = ProcScan {
            dir: Some(ProcDir::open().expect("/proc")),
            ..Default::default()
        };
        let (mut child, t, dir) = unique_child("tpx");
        let trackers = [t];
        assert_eq!(scan_until_seen(&mut ps, &mut reactor, &trackers), 1);
        let pid = child.id();
        let mut ready = crate::sys::reactor::Ready::new();
        let exit = Slot::ProcExit { pid };
        // (A SIGCHLD may show up on the signalfd too: only the pidfd is looked at.)
        reactor.wait(&mut ready, 0).expect("poll");
        assert!(!ready.contains(&exit), "ready before the exit");
        let _ = child.kill();
        // Bounded: poll wakes at the exit; 10 s only guards against a hang.
        reactor.wait(&mut ready, 10_000).expect("poll");
        assert!(ready.contains(&exit), "not woken by the exit: {ready:?}");
        ps.exited(&mut reactor, pid);
        let mut counts = Counts::new();
        // Not reaped yet: the scan must not count it however /proc shows it.
        ps.rescan(&mut reactor, &trackers, Some(pid), &mut counts)
            .expect("scan");
        assert_eq!(counts.first(), Some(&0));
        assert!(ps.watched().is_empty());
        reactor.wait(&mut ready, 0).expect("poll");
        assert!(
            !ready.contains(&exit),
            "still ready after the exit was handled"
        );
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
