//! Running children (check scripts and notify hooks) with their kill deadlines.
//!
//! A check script past its `timeout` gets SIGTERM to its process group, then SIGKILL 2 s
//! later (keepalived's vrrp_scheduler); its result is then "timed out". Notify hooks are
//! fire-and-forget except `notify_stop`, which is killed after 1 s at shutdown.

use heapless::Vec;

use crate::limits::MAX_CHILDREN;
use crate::time::{Duration, Instant};

/// Why a child runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `Config::scripts[id]`.
    Script(u16),
    Notify,
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

    /// Forget a reaped child; returns its record (with `term_sent` = timed out).
    pub fn remove(&mut self, pid: i32) -> Option<Child> {
        let i = self.list.iter().position(|c| c.pid == pid)?;
        Some(self.list.swap_remove(i))
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
}
