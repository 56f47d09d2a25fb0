//! One `CLOCK_MONOTONIC` timerfd armed at an absolute deadline, and the monotonic clock.
//!
//! The daemon reads [`now`] once per loop turn and arms the timer at the core's
//! `next_deadline()`; wall-clock jumps cannot move either.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::{cvt, cvt_size, owned};
use crate::time::Instant;

/// The monotonic clock in microseconds as a [`crate::time::Instant`].
pub fn now() -> Instant {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    let us = (ts.tv_sec as u64)
        .saturating_mul(1_000_000)
        .saturating_add(ts.tv_nsec as u64 / 1000);
    Instant::from_micros(us)
}

/// A non-blocking, close-on-exec `CLOCK_MONOTONIC` timerfd.
pub struct TimerFd {
    fd: OwnedFd,
    armed: Option<Instant>,
}

impl TimerFd {
    pub fn new() -> io::Result<TimerFd> {
        // SAFETY: plain syscall, flags are valid.
        let r = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        Ok(TimerFd {
            fd: owned(r)?,
            armed: None,
        })
    }

    /// Arm at an absolute monotonic deadline, or disarm with `None`. Re-arming at the same
    /// deadline is skipped (no syscall).
    pub fn arm_at(&mut self, at: Option<Instant>) -> io::Result<()> {
        if at == self.armed {
            return Ok(());
        }
        let mut spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
        };
        if let Some(t) = at {
            // A zero it_value disarms; the origin of our clock is never exactly 0 µs, but be safe.
            let us = t.as_micros().max(1);
            spec.it_value.tv_sec = (us / 1_000_000) as _;
            spec.it_value.tv_nsec = ((us % 1_000_000) * 1000) as _;
        }
        // SAFETY: `spec` is a valid itimerspec; old value pointer may be null.
        let r = unsafe {
            libc::timerfd_settime(
                self.fd.as_raw_fd(),
                libc::TFD_TIMER_ABSTIME,
                &spec,
                core::ptr::null_mut(),
            )
        };
        cvt(r)?;
        self.armed = at;
        Ok(())
    }

    /// Read the expiry count (clears readiness). `Ok(0)` when it had not expired.
    pub fn drain(&mut self) -> io::Result<u64> {
        let mut buf = [0u8; 8];
        // SAFETY: `buf` is 8 writable bytes, the size timerfd reads require.
        let r = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), 8) };
        match cvt_size(r) {
            Ok(8) => {
                self.armed = None;
                Ok(u64::from_ne_bytes(buf))
            }
            Ok(_) => Ok(0),
            Err(e) if super::would_block(&e) => Ok(0),
            Err(e) => Err(e),
        }
    }

    pub fn into_fd(self) -> OwnedFd {
        self.fd
    }
}

impl AsRawFd for TimerFd {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Duration;

    #[test]
    fn fires_at_absolute_deadline() {
        let mut t = TimerFd::new().expect("timerfd");
        let start = now();
        t.arm_at(Some(start + Duration::from_millis(20)))
            .expect("arm");
        assert_eq!(t.drain().expect("drain"), 0);
        let mut pfd = libc::pollfd {
            fd: t.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut pfd, 1, 1000) };
        assert_eq!(n, 1);
        assert!(now() - start >= Duration::from_millis(20));
        assert_eq!(t.drain().expect("drain"), 1);
        t.arm_at(None).expect("disarm");
    }
}
