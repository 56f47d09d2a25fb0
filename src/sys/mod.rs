//! The operating-system layer: the only code allowed `unsafe` and libc calls.
//!
//! Every file descriptor made here is `O_CLOEXEC | O_NONBLOCK` and returned as an
//! [`OwnedFd`] that the [`reactor::Reactor`] (or a short-lived start-up helper) owns.
//! Every `unsafe` block carries a `// SAFETY:` line. Nothing here allocates after start-up:
//! buffers are passed in by the caller, names are fixed-size arrays.
//!
//! Files:
//! - [`reactor`]: the one `poll(2)` loop over a fixed table of typed slots;
//! - [`timerfd`]: `CLOCK_MONOTONIC` timerfd armed at an absolute deadline, and [`timerfd::now`];
//! - [`signalfd`]: the signals keepalived handles, read as typed values;
//! - [`raw`]: IPPROTO_VRRP / IPPROTO_AH raw sockets for IPv4 and IPv6;
//! - [`packet`]: PF_PACKET sockets for gratuitous ARP and unsolicited NA frames, and the
//!   BPF-filtered ARP receive socket (split-brain reports);
//! - [`netlink`]: rtnetlink requests (addresses, links) and a pure parser of notifications;
//! - [`ioctl`]: interface index, MAC, flags, IPv4 address;
//! - [`inotify`]: directory watches for `track_file`;
//! - [`procfs`]: /proc process ids and pseudo files for `vrrp_track_process`;
//! - [`mem`]: the configuration built in place on the heap;
//! - [`process`]: fork/exec of scripts and notify hooks, reaping, killing;
//! - [`sched`]: real-time priority, RLIMIT_RTTIME, nice, mlockall;
//! - [`pidfile`], [`daemonize`]: process housekeeping.

pub mod alloc;
pub mod daemonize;
pub mod inotify;
pub mod ioctl;
pub mod mem;
pub mod netlink;
pub mod packet;
pub mod pidfile;
pub mod process;
pub mod procfs;
pub mod raw;
pub mod reactor;
pub mod sched;
pub mod signalfd;
pub mod timerfd;

use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// Turn a libc return value into `io::Result`, reading `errno` on -1.
pub(crate) fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// Like [`cvt`] for `ssize_t` results (read, recv, send).
pub(crate) fn cvt_size(ret: libc::ssize_t) -> io::Result<usize> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret as usize)
    }
}

/// Wrap a freshly created descriptor (`ret` from socket/timerfd_create/...) in an [`OwnedFd`].
pub(crate) fn owned(ret: libc::c_int) -> io::Result<OwnedFd> {
    let fd: RawFd = cvt(ret)?;
    // SAFETY: `fd` was just returned by the kernel as a new descriptor that nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `setsockopt` with a plain value.
pub(crate) fn setsockopt<T: Copy>(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: &T,
) -> io::Result<()> {
    // SAFETY: `value` points to a live `T` of the size we pass; the kernel only reads it.
    let r = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (value as *const T).cast(),
            core::mem::size_of::<T>() as libc::socklen_t,
        )
    };
    cvt(r).map(|_| ())
}

/// Whether an error is "try again later" on a non-blocking descriptor.
pub fn would_block(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EAGAIN) | Some(libc::EINTR))
}

/// Copy an interface name into a NUL-terminated `IFNAMSIZ` array (truncated if too long).
pub(crate) fn ifname_array(name: &str) -> [libc::c_char; libc::IFNAMSIZ] {
    let mut out = [0 as libc::c_char; libc::IFNAMSIZ];
    for (o, b) in out.iter_mut().zip(name.bytes().take(libc::IFNAMSIZ - 1)) {
        *o = b as libc::c_char;
    }
    out
}

/// Current process id.
pub fn getpid() -> i32 {
    // SAFETY: getpid has no preconditions.
    unsafe { libc::getpid() }
}

/// Write all of `buf` to a raw descriptor that we do not own (stderr, a pid file fd);
/// non-blocking failures are dropped.
pub fn write_fd(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: `buf` is a valid readable slice of `buf.len()` bytes.
    cvt_size(unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) })
}

/// `openlog(ident, LOG_PID | LOG_NDELAY, facility)` with a static ident.
pub fn openlog(ident: &'static core::ffi::CStr, facility: i32) {
    // SAFETY: the ident is 'static and NUL-terminated, as openlog keeps the pointer.
    unsafe { libc::openlog(ident.as_ptr(), libc::LOG_PID | libc::LOG_NDELAY, facility) };
}

/// `syslog(pri, "%s", msg)`: `msg` is copied into a NUL-terminated stack buffer (truncated
/// at 1023 bytes). No allocation.
pub fn syslog(pri: i32, msg: &[u8]) {
    let mut c = [0u8; 1024];
    let n = msg.len().min(1023);
    c[..n].copy_from_slice(&msg[..n]);
    // SAFETY: "%s" with one NUL-terminated string argument.
    unsafe { libc::syslog(pri, c"%s".as_ptr(), c.as_ptr()) };
}

/// `closelog()`.
pub fn closelog() {
    // SAFETY: no preconditions.
    unsafe { libc::closelog() };
}

/// Wall-clock seconds since the epoch (for human-readable timestamps only, never timing).
pub fn realtime_secs() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: valid timespec to write.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) };
    ts.tv_sec.max(0) as u64
}

/// Move the calling thread into a new, empty network namespace (tests: CI runs as root).
/// Only this thread is affected; the namespace disappears when the thread exits.
pub fn unshare_netns() -> io::Result<()> {
    // SAFETY: unshare has no memory-safety preconditions.
    cvt(unsafe { libc::unshare(libc::CLONE_NEWNET) }).map(|_| ())
}

/// Open (creating it with mode 0600 if missing) a notify FIFO for writing, non-blocking.
/// Opened `O_RDWR` so that opening never fails for want of a reader and writes never raise
/// SIGPIPE; a full FIFO drops the line (EAGAIN).
pub fn open_fifo(path: &std::path::Path) -> io::Result<OwnedFd> {
    use std::os::unix::ffi::OsStrExt;
    let bytes = path.as_os_str().as_bytes();
    if bytes.len() >= 4095 || bytes.contains(&0) {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    let mut c = [0u8; 4096];
    c[..bytes.len()].copy_from_slice(bytes);
    // SAFETY: `c` is NUL-terminated.
    let r = unsafe { libc::mkfifo(c.as_ptr().cast(), 0o600) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EEXIST) {
            return Err(e);
        }
    }
    // SAFETY: `c` is NUL-terminated; flags are valid.
    owned(unsafe {
        libc::open(
            c.as_ptr().cast(),
            libc::O_RDWR | libc::O_NONBLOCK | libc::O_CLOEXEC,
        )
    })
}

/// Give back the stack pages start-up touched below the current frame (configuration loading
/// and table building run deep and wide on the stack; the loop needs a few KB). Reads the
/// `[stack]` line of /proc/self/maps (start-up only: it allocates) and applies
/// `MADV_DONTNEED` from the stack's lowest page up to 64 KiB below the current frame.
/// Returns the bytes advised, 0 when nothing could be done.
#[inline(never)]
pub fn trim_stack() -> usize {
    let marker = 0u8;
    let sp = core::ptr::addr_of!(marker) as usize;
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return 0;
    };
    let Some(line) = maps.lines().find(|l| l.ends_with("[stack]")) else {
        return 0;
    };
    let Some(lo) = line
        .split('-')
        .next()
        .and_then(|s| usize::from_str_radix(s, 16).ok())
    else {
        return 0;
    };
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as usize;
    let hi = sp.saturating_sub(64 * 1024) & !(page - 1);
    if hi <= lo {
        return 0;
    }
    // SAFETY: [lo, hi) lies inside our own stack mapping, strictly below every live frame
    // (64 KiB under the current one); MADV_DONTNEED only drops those pages, which read back as
    // zeros if the stack grows into them again.
    let r = unsafe { libc::madvise(lo as *mut libc::c_void, hi - lo, libc::MADV_DONTNEED) };
    if r == 0 {
        hi - lo
    } else {
        0
    }
}

/// `umask(mask)` (`-u`).
pub fn set_umask(mask: u32) {
    // SAFETY: umask has no preconditions.
    unsafe { libc::umask(mask as libc::mode_t) };
}
