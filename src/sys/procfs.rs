//! Reading /proc without allocating, for `vrrp_track_process`: the process ids listed in
//! /proc (`getdents64` on a directory descriptor kept open, into the caller's buffer) and the
//! start of a pseudo file `/proc/PID/NAME` (`openat` relative to that descriptor, one
//! `read`, `close`), and a pidfd per watched process, which polls readable when it exits.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

use super::{cvt_size, owned};

/// An open /proc directory.
pub struct ProcDir {
    fd: OwnedFd,
}

/// Offset of `d_reclen` and `d_name` in `struct linux_dirent64` (after d_ino, d_off).
const RECLEN_AT: usize = 16;
const NAME_AT: usize = 19;

impl ProcDir {
    /// `open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)`.
    pub fn open() -> io::Result<ProcDir> {
        let path = c"/proc";
        // SAFETY: `path` is a NUL-terminated static string; the result is a new descriptor.
        let fd = owned(unsafe {
            libc::open(
                path.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
            )
        })?;
        Ok(ProcDir { fd })
    }

    /// Call `f` with every process id in /proc (the entries whose name is a number), reading
    /// the directory from its start in chunks of `buf`.
    pub fn for_each_pid(&self, buf: &mut [u8], mut f: impl FnMut(u32)) -> io::Result<()> {
        let fd = self.fd.as_raw_fd();
        // SAFETY: lseek on a descriptor we own; no memory involved.
        if unsafe { libc::lseek(fd, 0, libc::SEEK_SET) } < 0 {
            return Err(io::Error::last_os_error());
        }
        loop {
            // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`, which is valid
            // and writable for that length during the call.
            let n = cvt_size(unsafe {
                libc::syscall(
                    libc::SYS_getdents64,
                    fd,
                    buf.as_mut_ptr(),
                    buf.len() as libc::c_ulong,
                ) as libc::ssize_t
            })?;
            if n == 0 {
                return Ok(());
            }
            let mut rest = buf.get(..n).unwrap_or(&[]);
            while rest.len() > NAME_AT {
                let reclen = rest
                    .get(RECLEN_AT..RECLEN_AT + 2)
                    .map_or(0, |b| u16::from_ne_bytes([b[0], b[1]]) as usize);
                if reclen <= NAME_AT || reclen > rest.len() {
                    break;
                }
                let name = rest.get(NAME_AT..reclen).unwrap_or(&[]);
                let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
                if let Some(pid) = parse_pid(name.get(..end).unwrap_or(&[])) {
                    f(pid);
                }
                rest = rest.get(reclen..).unwrap_or(&[]);
            }
        }
    }

    /// Read up to `buf.len()` bytes of `/proc/PID/NAME` (`name` is a short file name such as
    /// "stat"); `None` when it cannot be opened or read (the process is gone, or hidden).
    pub fn read(&self, pid: u32, name: &str, buf: &mut [u8]) -> Option<usize> {
        // "PID/NAME\0" on the stack.
        let mut path = [0u8; 64];
        let mut len = 0;
        let mut digits = [0u8; 10];
        let mut d = 0;
        let mut v = pid;
        loop {
            *digits.get_mut(d)? = b'0' + (v % 10) as u8;
            d += 1;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        for k in (0..d).rev() {
            *path.get_mut(len)? = *digits.get(k)?;
            len += 1;
        }
        *path.get_mut(len)? = b'/';
        len += 1;
        for &b in name.as_bytes() {
            if b == 0 {
                return None;
            }
            *path.get_mut(len)? = b;
            len += 1;
        }
        // One byte left for the NUL (the array is zeroed).
        path.get(len + 1)?;
        // SAFETY: `path` is NUL-terminated (zeroed past `len`) and outlives the call; the
        // directory descriptor is ours.
        let fd = owned(unsafe {
            libc::openat(
                self.fd.as_raw_fd(),
                path.as_ptr().cast(),
                libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOFOLLOW,
            )
        })
        .ok()?;
        // SAFETY: `buf` is valid and writable for `buf.len()` bytes.
        let n = cvt_size(unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) });
        n.ok()
    }
}

/// `pidfd_open(pid, 0)` (Linux 5.3): a close-on-exec descriptor that polls readable once
/// process `pid` has exited. It names that process, not the number, so a reused pid cannot
/// be mistaken for it. ENOSYS on older kernels (and some qemu-user builds).
pub fn pidfd_open(pid: u32) -> io::Result<OwnedFd> {
    let pid = libc::pid_t::try_from(pid).map_err(|_| io::Error::from_raw_os_error(libc::ESRCH))?;
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let r = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    owned(i32::try_from(r).unwrap_or(-1))
}

fn parse_pid(name: &[u8]) -> Option<u32> {
    if name.is_empty() || name.len() > 10 || !name.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for &b in name {
        v = v * 10 + u64::from(b - b'0');
    }
    u32::try_from(v).ok().filter(|&p| p > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_our_own_pid_and_reads_its_stat() {
        let dir = ProcDir::open().expect("/proc");
        let me = std::process::id();
        let mut buf = [0u8; 2048];
        let mut seen = false;
        let mut n = 0;
        dir.for_each_pid(&mut buf, |p| {
            n += 1;
            seen |= p == me;
        })
        .expect("getdents64");
        assert!(seen && n >= 1);
        let mut stat = [0u8; 512];
        let len = dir.read(me, "stat", &mut stat).expect("stat");
        let text = std::str::from_utf8(&stat[..len]).unwrap_or("");
        assert!(text.starts_with(&format!("{me} (")), "{text}");
        assert!(dir.read(me, "no-such-file", &mut stat).is_none());
        assert_eq!(parse_pid(b"self"), None);
        assert_eq!(parse_pid(b"0"), None);
        assert_eq!(parse_pid(b"42"), Some(42));
    }

    /// A pidfd stays quiet while its process runs and polls readable once it has exited.
    #[test]
    fn pidfd_polls_readable_on_exit() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep");
        let fd = match pidfd_open(child.id()) {
            Ok(fd) => fd,
            Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("pidfd_open is not supported by this kernel: {e}");
            }
            Err(e) => panic!("pidfd_open: {e}"),
        };
        let poll = |ms: i32| {
            let mut p = libc::pollfd {
                fd: fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            unsafe { libc::poll(&mut p, 1, ms) }
        };
        assert_eq!(poll(0), 0, "readable while the process runs");
        let _ = child.kill();
        assert_eq!(poll(10_000), 1, "not readable 10 s after SIGKILL");
        let _ = child.wait();
        assert!(pidfd_open(u32::MAX).is_err());
    }
}
