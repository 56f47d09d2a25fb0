//! Child processes: check scripts and notify hooks.
//!
//! The argument vector is prepared once, at configuration time, into a fixed buffer
//! ([`Argv`]); spawning then needs no allocation at all (a script that runs every second is
//! steady state). The child: default signal mask, its own session and process group (so a
//! timeout can kill the whole group), `PR_SET_PDEATHSIG`, stdin/stdout/stderr on /dev/null,
//! optional setgroups/setgid/setuid, then `execvp` (or `/bin/sh -c LINE` when the line uses
//! shell syntax, as keepalived falls back to `system()`). All our descriptors are CLOEXEC.
//! The parent never waits: SIGCHLD arrives on the signalfd and [`reap`] collects with
//! `WNOHANG`.

use std::io;

use heapless::Vec;

use super::cvt;

/// Bytes of all words of one command, NUL-terminated each.
pub const ARGV_BYTES: usize = 768;
/// Words of one command (including the extra notify arguments).
pub const ARGV_WORDS: usize = 40;

/// A prepared argument vector in a fixed buffer.
#[derive(Clone)]
pub struct Argv {
    buf: [u8; ARGV_BYTES],
    len: usize,
    starts: Vec<u16, ARGV_WORDS>,
    /// Run through `/bin/sh -c` (the line has shell syntax); `buf` then holds the one line.
    shell: bool,
}

impl core::fmt::Debug for Argv {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.words()).finish()
    }
}

const SHELL_CHARS: &[u8] = b"|&;<>()$`\\*?[]{}~\n";

impl Argv {
    pub fn new() -> Argv {
        Argv {
            buf: [0; ARGV_BYTES],
            len: 0,
            starts: Vec::new(),
            shell: false,
        }
    }

    /// Split a command line as keepalived does: words separated by blanks, `'...'` and
    /// `"..."` quote a word. Lines with shell syntax run through `/bin/sh -c`.
    pub fn parse(line: &str) -> Option<Argv> {
        let mut a = Argv::new();
        let bytes = line.as_bytes();
        if bytes.iter().any(|b| SHELL_CHARS.contains(b) && *b != b'\\') {
            a.shell = true;
            a.push(line.trim())?;
            return Some(a);
        }
        let mut i = 0;
        while i < bytes.len() {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= bytes.len() {
                break;
            }
            a.begin()?;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                let c = bytes[i];
                if c == b'\'' || c == b'"' {
                    i += 1;
                    while i < bytes.len() && bytes[i] != c {
                        a.byte(bytes[i])?;
                        i += 1;
                    }
                    i += 1;
                } else {
                    a.byte(c)?;
                    i += 1;
                }
            }
            a.end()?;
        }
        (!a.starts.is_empty()).then_some(a)
    }

    fn begin(&mut self) -> Option<()> {
        self.starts.push(self.len as u16).ok()
    }
    fn byte(&mut self, b: u8) -> Option<()> {
        // keep one byte for the terminating NUL
        if self.len + 1 >= ARGV_BYTES || b == 0 {
            return None;
        }
        self.buf[self.len] = b;
        self.len += 1;
        Some(())
    }
    fn end(&mut self) -> Option<()> {
        if self.len >= ARGV_BYTES {
            return None;
        }
        self.buf[self.len] = 0;
        self.len += 1;
        Some(())
    }

    /// Append one word (the generic notify's `INSTANCE VI_1 MASTER 100`). For a shell line
    /// the word is appended to the line, single-quoted.
    pub fn push(&mut self, word: &str) -> Option<()> {
        if self.shell && !self.starts.is_empty() {
            // replace the NUL, add " 'word'"
            self.len -= 1;
            for b in b" '".iter().chain(word.as_bytes()).chain(b"'") {
                self.byte(*b)?;
            }
            return self.end();
        }
        self.begin()?;
        for b in word.bytes() {
            self.byte(b)?;
        }
        self.end()
    }

    pub fn words(&self) -> impl Iterator<Item = &str> + '_ {
        self.starts.iter().map(move |&s| {
            let s = s as usize;
            let rest = self.buf.get(s..self.len).unwrap_or(&[]);
            let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
            core::str::from_utf8(&rest[..end]).unwrap_or("")
        })
    }

    pub fn is_shell(&self) -> bool {
        self.shell
    }
}

impl Default for Argv {
    fn default() -> Self {
        Argv::new()
    }
}

/// Credentials for a child (`script_user`, `user USER GROUP`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Creds {
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

/// Fork and exec `argv`; returns the child's pid (also its process group id).
pub fn spawn(argv: &Argv, creds: Creds) -> io::Result<i32> {
    let sh: &core::ffi::CStr = c"/bin/sh";
    let sh_arg0: &core::ffi::CStr = c"sh";
    let dash_c: &core::ffi::CStr = c"-c";
    let mut ptrs = [core::ptr::null::<libc::c_char>(); ARGV_WORDS + 4];
    let base = argv.buf.as_ptr() as *const libc::c_char;
    if argv.starts.is_empty() {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    let mut n = 0;
    if argv.shell {
        ptrs[0] = sh_arg0.as_ptr();
        ptrs[1] = dash_c.as_ptr();
        n = 2;
    }
    for &s in argv.starts.iter() {
        // SAFETY: `s` < ARGV_BYTES is an offset inside `buf`; the word there is NUL-terminated.
        ptrs[n] = unsafe { base.add(s as usize) };
        n += 1;
    }
    let devnull: &core::ffi::CStr = c"/dev/null";
    // SAFETY: the process is single-threaded; the child only makes async-signal-safe calls
    // (sigprocmask, setsid, prctl, open, dup2, setgroups, setgid, setuid, execv, _exit) on
    // memory prepared before the fork.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        super::signalfd::unblock_all_in_child();
        // SAFETY: see the fork comment above; all pointers are valid NUL-terminated strings
        // and `ptrs` is NULL-terminated (it has 4 spare entries).
        unsafe {
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
            if let Some(g) = creds.gid {
                let groups = [g as libc::gid_t];
                libc::setgroups(1, groups.as_ptr());
                if libc::setgid(g) != 0 {
                    libc::_exit(126);
                }
            }
            if let Some(u) = creds.uid {
                if libc::setuid(u) != 0 {
                    libc::_exit(126);
                }
            }
            if argv.shell {
                libc::execv(sh.as_ptr(), ptrs.as_ptr());
            } else {
                libc::execvp(ptrs[0], ptrs.as_ptr());
            }
            libc::_exit(127);
        }
    }
    Ok(pid)
}

/// Fork and `execv(program, argv)` with an argv prepared by `crate::exec` (NULL-terminated
/// pointer array borrowing a live `ExecArgs`); `creds` are applied only where they differ
/// from ours. Returns the child's pid (also its process group id).
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
    // SAFETY: single-threaded process; the child only makes async-signal-safe calls on memory
    // prepared before the fork (`program`, `argv` and the strings it points to).
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        super::signalfd::unblock_all_in_child();
        // SAFETY: as above; `argv` is NULL-terminated (checked) and points into live buffers.
        unsafe {
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
            libc::execv(program.as_ptr(), argv.as_ptr());
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
    fn splits_words_and_quotes() {
        let a = Argv::parse("/etc/keepalived/check.sh courier 'a b' \"FAULT\"").expect("argv");
        let w: std::vec::Vec<&str> = a.words().collect();
        assert_eq!(w, ["/etc/keepalived/check.sh", "courier", "a b", "FAULT"]);
        assert!(!a.is_shell());
        let s = Argv::parse("test -f /x && exit 1").expect("argv");
        assert!(s.is_shell());
        assert!(Argv::parse("   ").is_none());
    }

    #[test]
    fn notify_words_are_appended() {
        let mut a = Argv::parse("/bin/echo A").expect("argv");
        for w in ["INSTANCE", "VI_1", "MASTER", "100"] {
            a.push(w).expect("push");
        }
        let w: std::vec::Vec<&str> = a.words().collect();
        assert_eq!(w, ["/bin/echo", "A", "INSTANCE", "VI_1", "MASTER", "100"]);
    }

    #[test]
    fn spawn_and_reap_exit_codes() {
        let a = Argv::parse("sh -c 'exit 3'").expect("argv");
        let pid = spawn(&a, Creds::default()).expect("spawn");
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
