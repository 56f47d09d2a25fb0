//! Pauses in long bursts of work while the daemon runs real-time (`vrrp_rt_priority`).
//!
//! Under SCHED_RR the kernel enforces RLIMIT_RTTIME (`vrrp_rlimit_rttime`, 10 ms by default)
//! on the CPU time used *without blocking*: SIGXCPU at the soft limit, SIGKILL at the hard one.
//! It counts scheduler ticks while the task is running and resets the count only when the task
//! sleeps and is woken. A burst that is legitimate but long (50 instances becoming master at
//! the same instant: 300 adverts and gratuitous ARPs, each sent frame also forwarded by the
//! kernel in the sender's context on a bridge or veth) measured 8–10 ms on a 2-core VM and got
//! the daemon SIGKILLed at start-up — a router without VRRP until it is restarted.
//!
//! So between two actions and between two ready descriptors the daemon sleeps briefly (a real
//! sleep, which resets the count) once it has run longer than a budget under the limit
//! without blocking. The budget is a quarter of the limit, not less: each pause lets other
//! tasks in, and on a loaded VM resuming can take milliseconds, which showed as late adverts
//! at advert_int 0.01 when the steady passes (50 adverts) were paced every millisecond.
//! Without real-time scheduling nothing is paused (the budget is `None`).

use std::time::{Duration, Instant};

/// How long the daemon may run without blocking before it checks whether to pause: a quarter
/// of the limit (2.5 ms by default), at least 100 µs. A stretch then runs at most two budgets
/// (half the limit) unpaused: at HZ 100 or 250 it is current at two ticks at most, under both
/// limits; at HZ 1000 it may reach the soft limit (a logged SIGXCPU), not the hard one.
pub fn budget(rlimit_rttime_us: u32) -> Duration {
    Duration::from_micros(u64::from(rlimit_rttime_us / 4).max(100))
}

/// How long a pause lasts: long enough that the task really blocks (the timer cannot fire
/// before it is switched out), short against any advert interval.
pub const PAUSE: Duration = Duration::from_micros(50);

/// Tracks how long the thread has run since it last blocked.
#[derive(Debug, Default)]
pub struct Pacer {
    budget: Option<Duration>,
    /// The thread's voluntary context switches when last looked at, and since when that count
    /// has not moved (the thread has been running without blocking).
    switches: u64,
    since: Option<Instant>,
}

impl Pacer {
    /// Pausing with `budget` (real-time), or never (`None`).
    pub fn new(budget: Option<Duration>) -> Pacer {
        Pacer {
            budget,
            switches: 0,
            since: None,
        }
    }

    /// Called between two units of work (loop turns, actions): pauses when the thread has run
    /// past the budget without blocking. Returns whether it paused.
    pub fn between(&mut self) -> bool {
        if self.budget.is_none() {
            return false;
        }
        self.between_with(crate::sys::sched::voluntary_switches, std::thread::sleep)
    }

    fn between_with(&mut self, switches: impl Fn() -> u64, sleep: impl FnOnce(Duration)) -> bool {
        let Some(b) = self.budget else {
            return false;
        };
        // The clock first (vDSO, cheap); the switch count (a system call) only once the budget
        // seems spent, so a steady loop pays it about once per budget, not once per action.
        if let Some(t) = self.since {
            if t.elapsed() < b {
                return false;
            }
        }
        let n = switches();
        if self.since.is_none() || n != self.switches {
            // Blocked since the last look (poll slept, a write waited): a new stretch. It may
            // have begun up to one budget ago, so a stretch runs at most two budgets unpaused.
            self.switches = n;
            self.since = Some(Instant::now());
            return false;
        }
        sleep(PAUSE);
        self.switches = switches();
        self.since = Some(Instant::now());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::Cell;

    #[test]
    fn budget_is_a_quarter_of_the_limit_within_bounds() {
        assert_eq!(budget(10_000), Duration::from_micros(2500)); // keepalived's default
        assert_eq!(budget(2_000), Duration::from_micros(500));
        assert_eq!(budget(2), Duration::from_micros(100));
        assert_eq!(budget(1_000_000), Duration::from_micros(250_000));
    }

    #[test]
    fn never_pauses_without_real_time() {
        let mut p = Pacer::new(None);
        assert!(!p.between_with(|| 0, |_| panic!("slept")));
        std::thread::sleep(Duration::from_millis(2));
        assert!(!p.between_with(|| 0, |_| panic!("slept")));
    }

    #[test]
    fn pauses_once_the_budget_is_spent_without_blocking_then_starts_over() {
        let mut p = Pacer::new(Some(Duration::from_micros(200)));
        let n = Cell::new(7u64);
        assert!(!p.between_with(|| n.get(), |_| panic!("slept at the first look")));
        assert!(!p.between_with(
            || panic!("asked the kernel within the budget"),
            |_| panic!()
        ));
        // Busy (the switch count does not move) past the budget.
        std::thread::sleep(Duration::from_micros(300));
        let mut slept = None;
        assert!(p.between_with(|| n.get(), |d| slept = Some(d)));
        assert_eq!(slept, Some(PAUSE));
        // The stretch counts again from the pause.
        assert!(!p.between_with(|| n.get(), |_| panic!("slept right after a pause")));
    }

    #[test]
    fn blocking_in_between_starts_a_new_stretch() {
        let mut p = Pacer::new(Some(Duration::from_micros(200)));
        let n = Cell::new(1u64);
        p.between_with(|| n.get(), |_| {});
        std::thread::sleep(Duration::from_micros(300));
        n.set(2); // the thread blocked meanwhile (in poll, say)
        assert!(!p.between_with(|| n.get(), |_| panic!("slept after blocking")));
    }

    /// A real pause blocks: the thread is switched out (a voluntary context switch), which is
    /// what resets the kernel's RLIMIT_RTTIME count, and what the pacer watches.
    #[test]
    fn the_pause_is_a_real_sleep() {
        use crate::sys::sched::voluntary_switches;
        let before = voluntary_switches();
        std::thread::sleep(PAUSE);
        assert!(voluntary_switches() > before);
    }
}
