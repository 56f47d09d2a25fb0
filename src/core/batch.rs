//! Passes over every instance (start, timers, shutdown) in bounded batches.
//!
//! The action queue has a fixed capacity. A pass that would not fit (a thousand instances
//! becoming master at the same instant: VIPs, gratuitous ARPs, notifies, log lines) stops
//! before the instance whose worst case no longer fits, and remembers where it stopped; the
//! caller executes the queue and calls [`Core::resume`] until [`Core::has_more`] is false
//! (the pass goes on at the `now` of the event that started it). Executed in between, the result is the same as one big pass
//! with an unbounded queue, in the same order.

use super::{Actions, Core};
use crate::config::Config;
use crate::time::Instant;

/// A pass that stopped early: which one, and the next instance to visit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pass {
    Cleanup(u16),
    Start(u16),
    Timer(u16),
    Shutdown(u16),
}

/// Actions every instance may queue besides the per-address ones (state-change log lines,
/// notifies, FIFO line, mail, adverts to the multicast group, priority changes, up to 8
/// start-up FAULT reasons).
const FIXED_PER_INSTANCE: usize = 40;

/// The most actions instance `i` can queue in one visit of a pass: the fixed part, one
/// advert per unicast peer, and per address its add/remove, its log lines and every
/// gratuitous ARP or NA of the largest burst; times the size of its sync group, whose members
/// follow it in the same visit.
pub(super) fn worst_case(cfg: &Config, i: usize) -> usize {
    let one = |c: &crate::config::Instance| {
        let g = c.garp;
        let burst = g.master_repeat.max(g.lower_prio_repeat).max(1) as usize;
        let addrs = c.vips.len as usize + c.evips.len as usize;
        FIXED_PER_INSTANCE
            + c.peers.len as usize
            + 2 * c.vroutes.len as usize
            + addrs * (3 + 2 * burst)
    };
    let Some(c) = cfg.instances.get(i) else {
        return 0;
    };
    match c.sync_group.and_then(|g| cfg.sync_groups.get(g as usize)) {
        Some(g) => g
            .members
            .iter()
            .filter_map(|&m| cfg.instances.get(m as usize))
            .map(one)
            .sum(),
        None => one(c),
    }
}

impl Core {
    /// Whether a pass stopped early: execute the queued actions, then call [`Core::resume`].
    pub fn has_more(&self) -> bool {
        self.pass.is_some()
    }

    /// Continue the pass that stopped early, at the `now` of the event that started it.
    pub fn resume(&mut self, out: &mut Actions) {
        match self.pass.take() {
            Some((Pass::Cleanup(from), now)) => self.cleanup_from(now, from as usize, out),
            Some((Pass::Start(from), now)) => self.start_from(now, from as usize, out),
            Some((Pass::Timer(from), now)) => self.timers_from(now, from as usize, out),
            Some((Pass::Shutdown(from), now)) => self.shutdown_from(now, from as usize, out),
            None => {}
        }
    }

    /// Stop the current pass before instance `i`, to be resumed there.
    pub(super) fn pause(&mut self, pass: Pass, now: Instant) {
        self.pass = Some((pass, now));
    }

    /// Room for instance `i`'s worst case? An empty queue always takes one instance, so a
    /// pass always makes progress (an instance larger than the queue overflows, counted).
    pub(super) fn room_for(&self, i: usize, out: &Actions) -> bool {
        out.is_empty() || out.free() >= worst_case(&self.cfg, i)
    }
}
