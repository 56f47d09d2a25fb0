//! Running children (check scripts and notify hooks) with their kill deadlines.
//!
//! A check script past its `timeout` gets SIGTERM to its process group, then SIGKILL 2 s
//! later (keepalived's vrrp_scheduler); its result is then "timed out". Notify hooks are
//! fire-and-forget, except the STOP notifies: shutdown waits for them (at most 1 s, then
//! their groups get SIGKILL, as keepalived's child_killed_thread). The `*_fifo_script`s run
//! until the FIFO is closed (reload, stop).

use heapless::Vec;

use crate::config::Config;
use crate::limits::MAX_CHILDREN;
use crate::time::{Duration, Instant};

/// Why a child runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `Config::scripts[id]`.
    Script(u16),
    /// A check script that a reload removed while it ran: still timed out and reaped, its
    /// result ignored.
    RemovedScript,
    Notify,
    /// A notify started by the shutdown (specific `notify_stop` or the generic one).
    StopNotify,
    /// `notify_fifo_script` / `vrrp_notify_fifo_script`.
    FifoScript,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Child {
    pub pid: i32,
    pub kind: Kind,
    /// When to signal the group next (SIGTERM first, then SIGKILL).
    pub kill_at: Option<Instant>,
    pub term_sent: bool,
}

/// The grace period between SIGTERM and SIGKILL.
pub const KILL_GRACE: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct Children {
    pub list: Vec<Child, MAX_CHILDREN>,
}

/// What to do with a child whose deadline passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kill {
    Term(i32),
    Kill(i32),
}

impl Children {
    /// Whether a check script is still running (keepalived skips a run then).
    pub fn script_running(&self, id: u16) -> bool {
        self.list.iter().any(|c| c.kind == Kind::Script(id))
    }

    /// Record a new child; `false` when the table is full (the caller kills it).
    pub fn add(&mut self, pid: i32, kind: Kind, kill_at: Option<Instant>) -> bool {
        self.list
            .push(Child {
                pid,
                kind,
                kill_at,
                term_sent: false,
            })
            .is_ok()
    }

    /// A reload renumbers `Config::scripts` (the core keeps results by name): a running check
    /// script follows its name to the new index, or becomes `RemovedScript` when the new
    /// configuration no longer has it, so its late result never lands on another script.
    pub fn remap_scripts(&mut self, old: &Config, new: &Config) {
        for c in self.list.iter_mut() {
            let Kind::Script(id) = c.kind else {
                continue;
            };
            let name = old.scripts.get(id as usize).map(|s| s.name.as_str());
            let to = name.and_then(|n| new.scripts.iter().position(|s| s.name.as_str() == n));
            c.kind = match to.and_then(|i| u16::try_from(i).ok()) {
                Some(i) => Kind::Script(i),
                None => Kind::RemovedScript,
            };
        }
    }

    /// Forget a reaped child; returns its record (with `term_sent` = timed out).
    pub fn remove(&mut self, pid: i32) -> Option<Child> {
        let i = self.list.iter().position(|c| c.pid == pid)?;
        Some(self.list.swap_remove(i))
    }

    /// Whether a child of this kind is still running.
    pub fn any(&self, kind: Kind) -> bool {
        self.list.iter().any(|c| c.kind == kind)
    }

    /// The earliest kill deadline.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.list.iter().filter_map(|c| c.kill_at).min()
    }

    /// Children whose deadline passed at `now`: SIGTERM first, SIGKILL after the grace.
    pub fn due(&mut self, now: Instant, out: &mut Vec<Kill, MAX_CHILDREN>) {
        for c in self.list.iter_mut() {
            match c.kill_at {
                Some(t) if t <= now => {
                    if c.term_sent {
                        let _ = out.push(Kill::Kill(c.pid));
                        c.kill_at = None;
                    } else {
                        let _ = out.push(Kill::Term(c.pid));
                        c.term_sent = true;
                        c.kill_at = Some(now + KILL_GRACE);
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_then_kill() {
        let mut c = Children::default();
        assert!(c.add(10, Kind::Script(0), Some(Instant::from_secs(5))));
        assert!(c.script_running(0));
        let mut out = Vec::new();
        c.due(Instant::from_secs(4), &mut out);
        assert!(out.is_empty());
        c.due(Instant::from_secs(5), &mut out);
        assert_eq!(out.as_slice(), &[Kill::Term(10)]);
        assert_eq!(c.next_deadline(), Some(Instant::from_secs(7)));
        out.clear();
        c.due(Instant::from_secs(7), &mut out);
        assert_eq!(out.as_slice(), &[Kill::Kill(10)]);
        let r = c.remove(10).expect("child");
        assert!(r.term_sent);
        assert!(!c.script_running(0));
    }

    fn cfg(scripts: &[&str]) -> Box<Config> {
        let mut text = String::new();
        for s in scripts {
            text.push_str(&format!("vrrp_script {s} {{\n script \"/bin/true\"\n}}\n"));
        }
        text.push_str("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n");
        text.push_str(" priority 100\n virtual_ipaddress {\n 192.0.2.100/32\n }\n}\n");
        let opts = crate::config::LoadOptions::default();
        crate::config::parse_str("t.conf", &text, &opts)
            .config
            .expect("config")
    }

    #[test]
    fn reload_remaps_running_scripts_by_name() {
        let old = cfg(&["chk_slow", "chk_fast", "chk_gone"]);
        let new = cfg(&["chk_fast", "chk_new", "chk_slow"]);
        let mut c = Children::default();
        assert!(c.add(10, Kind::Script(0), Some(Instant::from_secs(5))));
        assert!(c.add(11, Kind::Script(2), Some(Instant::from_secs(5))));
        assert!(c.add(12, Kind::Notify, None));
        c.remap_scripts(&old, &new);
        // chk_slow is now index 2: its result is credited to it, and it still blocks a rerun.
        assert!(c.script_running(2));
        assert!(!c.script_running(0));
        // chk_gone is not in the new config: its late result is ignored, its kill kept.
        let gone = c.remove(11).expect("child");
        assert_eq!(gone.kind, Kind::RemovedScript);
        assert_eq!(gone.kill_at, Some(Instant::from_secs(5)));
        assert_eq!(c.remove(10).map(|x| x.kind), Some(Kind::Script(2)));
        assert_eq!(c.remove(12).map(|x| x.kind), Some(Kind::Notify));
    }
}
