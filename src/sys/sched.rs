//! How the daemon is scheduled: keepalived's `vrrp_rt_priority`, `vrrp_rlimit_rttime`,
//! `vrrp_priority` and `vrrp_no_swap`.
//!
//! Real-time scheduling keeps adverts on time when other processes load every core (an
//! advert_int of 10 ms leaves no room for a time slice of a CPU hog). SCHED_RR is set with
//! SCHED_RESET_ON_FORK so that check scripts and notify hooks run at normal priority, and
//! RLIMIT_RTTIME bounds how long the loop may run without blocking: SIGXCPU at half of the
//! limit (logged), SIGKILL by the kernel at the limit, so a runaway real-time loop cannot
//! starve the router.

use std::io;

use super::cvt;

/// Run the calling process SCHED_RR at `priority` (1..99), not inherited by children.
pub fn set_realtime(priority: u8) -> io::Result<()> {
    let mut param = zeroed_param();
    param.sched_priority = i32::from(priority);
    // SAFETY: `param` is a valid sched_param; pid 0 is the calling process.
    cvt(unsafe {
        libc::sched_setscheduler(0, libc::SCHED_RR | libc::SCHED_RESET_ON_FORK, &param)
    })?;
    Ok(())
}

/// A zeroed `sched_param` (musl's has more fields than glibc's: the SCHED_SPORADIC ones).
pub(crate) fn zeroed_param() -> libc::sched_param {
    // SAFETY: sched_param is plain integers (and timespecs of integers); zero is valid.
    unsafe { core::mem::zeroed() }
}

/// RLIMIT_RTTIME: hard limit `usec` of CPU time without a blocking system call while
/// real-time, soft limit (SIGXCPU) half of it.
pub fn set_rttime_limit(usec: u32) -> io::Result<()> {
    let lim = libc::rlimit {
        rlim_cur: libc::rlim_t::from(usec / 2),
        rlim_max: libc::rlim_t::from(usec),
    };
    // SAFETY: `lim` is a valid rlimit.
    cvt(unsafe { libc::setrlimit(libc::RLIMIT_RTTIME, &lim) })?;
    Ok(())
}

/// The nice value of the calling process (−20..19).
pub fn set_nice(nice: i8) -> io::Result<()> {
    // SAFETY: plain call; PRIO_PROCESS with who 0 is the calling process. The `as _` casts
    // cover libc's differing parameter types across targets (glibc, musl).
    cvt(unsafe { libc::setpriority(libc::PRIO_PROCESS as _, 0, libc::c_int::from(nice)) })?;
    Ok(())
}

/// Lock current and future pages in memory, faulted in on first use (no up-front RSS).
pub fn lock_memory() -> io::Result<()> {
    // SAFETY: plain call with valid flags.
    cvt(unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE | libc::MCL_ONFAULT) })?;
    Ok(())
}

/// How many times the calling thread has blocked (voluntary context switches,
/// `getrusage(RUSAGE_THREAD)`): the kernel resets its RLIMIT_RTTIME count on each.
pub fn voluntary_switches() -> u64 {
    // SAFETY: all-zero is a valid rusage (integers and timevals).
    let mut ru: libc::rusage = unsafe { core::mem::zeroed() };
    // SAFETY: `ru` is a valid out-parameter; RUSAGE_THREAD is the calling thread.
    if unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) } != 0 {
        return 0;
    }
    ru.ru_nvcsw as u64
}

/// The calling process's scheduling policy (without the reset-on-fork flag) and priority.
pub fn current() -> io::Result<(i32, i32)> {
    let mut param = zeroed_param();
    // SAFETY: pid 0 is the calling process; `param` is a valid out-parameter.
    let policy = cvt(unsafe { libc::sched_getscheduler(0) })?;
    // SAFETY: as above.
    cvt(unsafe { libc::sched_getparam(0, &mut param) })?;
    Ok((policy & !libc::SCHED_RESET_ON_FORK, param.sched_priority))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A child started after set_realtime runs SCHED_OTHER (reset on fork). Needs
    /// CAP_SYS_NICE; without it the call fails with EPERM and there is nothing to check.
    #[test]
    fn realtime_is_not_inherited_by_children() {
        if set_realtime(1).is_err() {
            return;
        }
        assert_eq!(current().unwrap(), (libc::SCHED_RR, 1));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg("cat /proc/self/sched | grep -E '^policy' | tr -s ' '")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("policy : 0"), "child policy: {text}");
        // Back to normal for the other tests of this process.
        let param = zeroed_param();
        // SAFETY: valid sched_param; pid 0 is the calling process.
        unsafe { libc::sched_setscheduler(0, libc::SCHED_OTHER, &param) };
    }
}
