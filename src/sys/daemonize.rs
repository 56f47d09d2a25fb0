//! Detach from the terminal: fork, setsid, fork again, chdir /, std streams on /dev/null.
//! Called before any descriptor is opened, so nothing but the std streams needs care.

use std::io;

use super::cvt;

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
