//! Child processes: check scripts and notify hooks.
//!
//! The argument vector is prepared once, at configuration time, by `crate::exec` (user,
//! PATH, script security, shell or direct exec) into fixed buffers; spawning then needs no
//! allocation at all (a script that runs every second is steady state). The child: default
//! signal mask, normal (not real-time) scheduling, its own session and process group (so a
//! timeout can kill the whole group), `PR_SET_PDEATHSIG`, stdin/stdout/stderr on /dev/null,
//! optional setgroups/setgid/setuid, then `execve` with [`CHILD_ENV`] only: nothing of the
//! daemon's own environment (an init system's or an operator's variables) reaches a script.
//! All our descriptors are CLOEXEC.
//! The parent never waits: SIGCHLD arrives on the signalfd and [`reap`] collects with
//! `WNOHANG`.

use std::io;

use super::cvt;

/// Credentials for a child (`script_user`, `user USER GROUP`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Creds {
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

/// The whole environment of every child: a fixed `PATH` (what `/bin/sh -c` and the scripts
/// themselves search), as a clean login would have it.
pub const CHILD_ENV: &[&core::ffi::CStr] =
    &[c"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];

/// Fork and `execve(program, argv, CHILD_ENV)` with an argv prepared by `crate::exec`
/// (NULL-terminated pointer array borrowing a live `ExecArgs`); `creds` are applied only
/// where they differ from ours. Returns the child's pid (also its process group id).
pub fn spawn_exec(
    program: &core::ffi::CStr,
    argv: &[*const libc::c_char],
    creds: Creds,
) -> io::Result<i32> {
    if argv.last().is_none_or(|p| !p.is_null()) {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    let (our_uid, our_gid) = ids();
    let devnull: &core::ffi::CStr = c"/dev/null";
    // Built before the fork (the child only execs); static strings, no allocation.
    let mut envp = [core::ptr::null::<libc::c_char>(); CHILD_ENV.len() + 1];
    for (p, e) in envp.iter_mut().zip(CHILD_ENV) {
        *p = e.as_ptr();
    }
    // SAFETY: single-threaded process; the child only makes async-signal-safe calls on memory
    // prepared before the fork (`program`, `argv`, `envp` and the strings they point to).
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        super::signalfd::unblock_all_in_child();
        // SAFETY: as above; `argv` is NULL-terminated (checked) and points into live buffers.
        unsafe {
            // A daemon run with real-time scheduling (chrt, an init system) must not hand it
            // to its scripts: a busy check could starve the loop (keepalived's
            // reset_process_priorities does the same for its own vrrp_rt_priority).
            let policy = libc::sched_getscheduler(0) & !libc::SCHED_RESET_ON_FORK;
            if policy == libc::SCHED_FIFO || policy == libc::SCHED_RR {
                let sp = super::sched::zeroed_param();
                libc::sched_setscheduler(0, libc::SCHED_OTHER, &sp);
            }
            libc::setsid();
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong);
            let fd = libc::open(devnull.as_ptr(), libc::O_RDWR);
            if fd >= 0 {
                libc::dup2(fd, 0);
                libc::dup2(fd, 1);
                libc::dup2(fd, 2);
                if fd > 2 {
                    libc::close(fd);
                }
            }
            if let Some(g) = creds.gid.filter(|&g| g != our_gid) {
                let groups = [g as libc::gid_t];
                libc::setgroups(1, groups.as_ptr());
                if libc::setgid(g) != 0 {
                    libc::_exit(126);
                }
            }
            if let Some(u) = creds.uid.filter(|&u| u != our_uid) {
                if libc::setuid(u) != 0 {
                    libc::_exit(126);
                }
            }
            libc::execve(program.as_ptr(), argv.as_ptr(), envp.as_ptr());
            libc::_exit(127);
        }
    }
    Ok(pid)
}

/// Our effective uid and gid.
pub fn ids() -> (u32, u32) {
    // SAFETY: geteuid/getegid have no preconditions.
    unsafe { (libc::geteuid(), libc::getegid()) }
}

/// How a child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

/// Reap one exited child without blocking: `Ok(None)` when none is waiting.
pub fn reap() -> io::Result<Option<(i32, Exit)>> {
    let mut status = 0;
    // SAFETY: `status` is a valid int to write.
    let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
    if pid < 0 {
        let e = io::Error::last_os_error();
        return if e.raw_os_error() == Some(libc::ECHILD) {
            Ok(None)
        } else {
            Err(e)
        };
    }
    if pid == 0 {
        return Ok(None);
    }
    let exit = if libc::WIFEXITED(status) {
        Exit::Code(libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        Exit::Signal(libc::WTERMSIG(status))
    } else {
        return Ok(None);
    };
    Ok(Some((pid, exit)))
}

/// Signal a child's whole process group (it is its own session leader).
pub fn kill_group(pid: i32, sig: i32) -> io::Result<()> {
    if pid <= 0 {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    // SAFETY: plain kill(2) on a process group we created.
    cvt(unsafe { libc::kill(-pid, sig) }).map(|_| ())
}

/// Whether a process exists (`kill(pid, 0)`; EPERM counts as alive).
pub fn alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks for existence.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Look up a user's uid and primary gid by name (start-up only: getpwnam_r into a stack buffer).
pub fn lookup_user(name: &str) -> Option<(u32, u32)> {
    let mut cname = [0u8; 65];
    let n = name.len().min(64);
    cname[..n].copy_from_slice(&name.as_bytes()[..n]);
    let mut buf = [0u8; 2048];
    // SAFETY: passwd is plain data.
    let mut pw: libc::passwd = unsafe { core::mem::zeroed() };
    let mut res: *mut libc::passwd = core::ptr::null_mut();
    // SAFETY: all pointers are valid for the sizes given; `cname` is NUL-terminated.
    let r = unsafe {
        libc::getpwnam_r(
            cname.as_ptr().cast(),
            &mut pw,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut res,
        )
    };
    (r == 0 && !res.is_null()).then_some((pw.pw_uid, pw.pw_gid))
}

/// Look up a group id by name (start-up only).
pub fn lookup_group(name: &str) -> Option<u32> {
    let mut cname = [0u8; 65];
    let n = name.len().min(64);
    cname[..n].copy_from_slice(&name.as_bytes()[..n]);
    let mut buf = [0u8; 2048];
    // SAFETY: group is plain data.
    let mut gr: libc::group = unsafe { core::mem::zeroed() };
    let mut res: *mut libc::group = core::ptr::null_mut();
    // SAFETY: all pointers are valid for the sizes given; `cname` is NUL-terminated.
    let r = unsafe {
        libc::getgrnam_r(
            cname.as_ptr().cast(),
            &mut gr,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut res,
        )
    };
    (r == 0 && !res.is_null()).then_some(gr.gr_gid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spawn_and_reap_exit_codes() {
        let argv = [
            c"sh".as_ptr(),
            c"-c".as_ptr(),
            c"exit 3".as_ptr(),
            core::ptr::null(),
        ];
        let pid = spawn_exec(c"/bin/sh", &argv, Creds::default()).expect("spawn");
        let mut got = None;
        for _ in 0..500 {
            // SAFETY: waiting for our own child only.
            let mut st = 0;
            let r = unsafe { libc::waitpid(pid, &mut st, libc::WNOHANG) };
            if r == pid {
                got = Some(libc::WEXITSTATUS(st));
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(got, Some(3));
        assert!(!alive(-1));
    }
}
