//! Detach from the terminal: fork, setsid, fork again, chdir /, std streams on /dev/null.
//! Called before any descriptor is opened, so nothing but the std streams needs care.

use core::ffi::c_int;

use std::io;

use super::cvt;

/// Make sure descriptors 0, 1 and 2 are open, on /dev/null where they were closed. An init
/// script or CI harness may start us with them closed; the first socket would then take one
/// and the console logger (`-l`) would write log lines into it, onto the wire. Async-signal
/// safe (only open/fcntl), and called first thing in `main`.
pub fn open_std_streams() {
    for fd in 0..=2 as c_int {
        // SAFETY: F_GETFD only queries the descriptor.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } >= 0 {
            continue;
        }
        // SAFETY: NUL-terminated literal; open returns the lowest free descriptor, which is
        // `fd` itself as the lower ones were checked open already.
        let got = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
        if got >= 0 && got != fd {
            // SAFETY: moving our own descriptor into place.
            unsafe {
                libc::dup2(got, fd);
                libc::close(got);
            }
        }
    }
}

/// Mark every descriptor above 2 that we inherited close-on-exec. A shell, an init script or a
/// CI harness may start us with extra descriptors open (bash keeps its own on 10 and up);
/// without this every check script and notify hook would inherit them. Ours are opened with
/// `*_CLOEXEC` already, so this is a no-op for them. Called once at start.
pub fn cloexec_inherited() {
    let mut mark = |fd: c_int| {
        // SAFETY: F_GETFD/F_SETFD only change the flags of a descriptor of ours.
        unsafe {
            let fl = libc::fcntl(fd, libc::F_GETFD);
            if fl >= 0 && fl & libc::FD_CLOEXEC == 0 {
                libc::fcntl(fd, libc::F_SETFD, fl | libc::FD_CLOEXEC);
            }
        }
    };
    match std::fs::read_dir("/proc/self/fd") {
        Ok(dir) => dir
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<c_int>().ok())
            .filter(|&fd| fd > 2)
            .for_each(&mut mark),
        // No /proc (an early boot, a chroot): the usual descriptor range.
        Err(_) => (3..1024).for_each(&mut mark),
    }
}

/// Daemonise. Returns in the grandchild only; the parents exit 0.
pub fn daemonize() -> io::Result<()> {
    // SAFETY: called while single-threaded, before the reactor exists.
    let pid = cvt(unsafe { libc::fork() })?;
    if pid > 0 {
        // SAFETY: leaving the original process without running atexit handlers twice.
        unsafe { libc::_exit(0) };
    }
    // SAFETY: we are the child of the first fork.
    cvt(unsafe { libc::setsid() })?;
    // SAFETY: as above, single-threaded.
    let pid = cvt(unsafe { libc::fork() })?;
    if pid > 0 {
        // SAFETY: as above.
        unsafe { libc::_exit(0) };
    }
    // SAFETY: NUL-terminated literals; dup2 on the standard descriptors.
    unsafe {
        libc::chdir(c"/".as_ptr());
        libc::umask(0o022);
        let fd = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if fd >= 0 {
            libc::dup2(fd, 0);
            libc::dup2(fd, 1);
            libc::dup2(fd, 2);
            if fd > 2 {
                libc::close(fd);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In a forked child (only async-signal-safe calls there): with stdin and stderr closed,
    /// both come back on /dev/null and the next descriptor opened is above 2.
    #[test]
    fn closed_std_streams_are_reopened() {
        // SAFETY: the child only calls close/open/fcntl/fstat/_exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            // SAFETY: as above.
            unsafe {
                libc::close(0);
                libc::close(2);
                open_std_streams();
                let ok = [0, 1, 2]
                    .iter()
                    .all(|&fd| libc::fcntl(fd, libc::F_GETFD) >= 0);
                let mut st: libc::stat = core::mem::zeroed();
                let null = libc::fstat(0, &mut st) == 0
                    && (st.st_mode & libc::S_IFMT) == libc::S_IFCHR
                    && st.st_rdev == libc::makedev(1, 3);
                let next = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
                libc::_exit(if ok && null && next > 2 { 0 } else { 1 });
            }
        }
        let mut status = 0;
        // SAFETY: waiting for our own child.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "{status:#x}"
        );
    }

    /// An inherited descriptor without FD_CLOEXEC gets it; the std streams keep theirs.
    #[test]
    fn inherited_descriptors_become_cloexec() {
        // SAFETY: plain descriptor calls on descriptors this test opens.
        unsafe {
            let fd = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
            assert!(fd > 2);
            assert_eq!(libc::fcntl(fd, libc::F_GETFD) & libc::FD_CLOEXEC, 0);
            let std0 = libc::fcntl(0, libc::F_GETFD);
            cloexec_inherited();
            assert_ne!(libc::fcntl(fd, libc::F_GETFD) & libc::FD_CLOEXEC, 0);
            assert_eq!(libc::fcntl(0, libc::F_GETFD), std0);
            libc::close(fd);
        }
    }
}
