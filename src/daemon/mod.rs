//! The glue between the sans-IO protocol core and the operating system.
//!
//! The daemon owns the [`crate::sys::reactor::Reactor`] (every descriptor) and the core. Each
//! loop turn: read the monotonic clock once, turn readiness into core events, execute the
//! actions the core returns (adverts, addresses, GARP/NA frames, children, FIFO lines, log
//! lines), and arm the one timerfd at the earliest of the core's deadline and the children's
//! kill deadlines.
//!
//! - [`iface`]: interfaces named by the configuration (netlink dump + notifications);
//! - [`children`]: running scripts and hooks with their kill deadlines.

pub mod children;
pub mod iface;
