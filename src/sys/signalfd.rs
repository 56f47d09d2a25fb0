//! The signals keepalived handles, blocked and read through one signalfd.
//!
//! TERM/INT stop, HUP reloads, USR1 dumps data, USR2 dumps stats, CHLD reaps children,
//! SIGRTMIN+2 writes the JSON dump (36 on glibc, 37 on musl: computed at run time), and
//! SIGRTMAX-1 clears the stats.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::{cvt, cvt_size, owned};

/// A signal the daemon acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sig {
    Term,
    Int,
    Hup,
    Usr1,
    Usr2,
    Chld,
    /// SIGRTMIN+2: JSON dump.
    Json,
    /// SIGRTMAX-1: stats, then clear them.
    StatsClear,
    /// SIGXCPU: the soft RLIMIT_RTTIME was reached (real-time scheduling only).
    Xcpu,
    Other(i32),
}

impl Sig {
    pub fn from_raw(n: i32) -> Sig {
        match n {
            libc::SIGTERM => Sig::Term,
            libc::SIGINT => Sig::Int,
            libc::SIGHUP => Sig::Hup,
            libc::SIGUSR1 => Sig::Usr1,
            libc::SIGUSR2 => Sig::Usr2,
            libc::SIGCHLD => Sig::Chld,
            libc::SIGXCPU => Sig::Xcpu,
            n if n == libc::SIGRTMIN() + 2 => Sig::Json,
            n if n == libc::SIGRTMAX() - 1 => Sig::StatsClear,
            n => Sig::Other(n),
        }
    }
}

/// The signal numbers handled here.
pub fn handled() -> [i32; 9] {
    [
        libc::SIGXCPU,
        libc::SIGTERM,
        libc::SIGINT,
        libc::SIGHUP,
        libc::SIGUSR1,
        libc::SIGUSR2,
        libc::SIGCHLD,
        libc::SIGRTMIN() + 2,
        libc::SIGRTMAX() - 1,
    ]
}

fn handled_set() -> libc::sigset_t {
    // SAFETY: sigset_t is plain data; sigemptyset initialises it fully.
    let mut set: libc::sigset_t = unsafe { core::mem::zeroed() };
    // SAFETY: `set` is a valid sigset_t; the numbers are valid signals.
    unsafe {
        libc::sigemptyset(&mut set);
        for s in handled() {
            libc::sigaddset(&mut set, s);
        }
    }
    set
}

/// A non-blocking signalfd for [`handled`]; the signals are blocked for normal delivery.
pub struct SignalFd {
    fd: OwnedFd,
}

impl SignalFd {
    /// Block the handled signals and open the signalfd. Also ignores SIGPIPE (FIFO writes).
    pub fn new() -> io::Result<SignalFd> {
        let set = handled_set();
        // SAFETY: `set` is initialised; the old mask pointer may be null.
        cvt(unsafe { libc::sigprocmask(libc::SIG_BLOCK, &set, core::ptr::null_mut()) })?;
        // SAFETY: setting SIGPIPE to SIG_IGN has no memory-safety preconditions.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
        // SAFETY: -1 asks for a new fd; `set` is valid; flags are valid.
        let r = unsafe { libc::signalfd(-1, &set, libc::SFD_NONBLOCK | libc::SFD_CLOEXEC) };
        Ok(SignalFd { fd: owned(r)? })
    }

    /// Read one pending signal, `Ok(None)` when none is pending.
    pub fn read(&mut self) -> io::Result<Option<Sig>> {
        // SAFETY: signalfd_siginfo is plain data.
        let mut info: libc::signalfd_siginfo = unsafe { core::mem::zeroed() };
        let size = core::mem::size_of::<libc::signalfd_siginfo>();
        // SAFETY: `info` is `size` writable bytes.
        let r = unsafe {
            libc::read(
                self.fd.as_raw_fd(),
                (&mut info as *mut libc::signalfd_siginfo).cast(),
                size,
            )
        };
        match cvt_size(r) {
            Ok(n) if n == size => Ok(Some(Sig::from_raw(info.ssi_signo as i32))),
            Ok(_) => Ok(None),
            Err(e) if super::would_block(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Restore the default mask in a child after fork (signals blocked in the parent stay
/// blocked across exec otherwise). Async-signal-safe.
pub fn unblock_all_in_child() {
    // SAFETY: plain data, initialised by sigemptyset; sigprocmask is async-signal-safe.
    unsafe {
        let mut set: libc::sigset_t = core::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigprocmask(libc::SIG_SETMASK, &set, core::ptr::null_mut());
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

impl AsRawFd for SignalFd {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rt_numbers_are_computed() {
        assert_eq!(Sig::from_raw(libc::SIGRTMIN() + 2), Sig::Json);
        assert_eq!(Sig::from_raw(libc::SIGTERM), Sig::Term);
        assert_eq!(Sig::from_raw(libc::SIGRTMAX() - 1), Sig::StatsClear);
    }
}
