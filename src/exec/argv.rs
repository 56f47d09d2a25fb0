//! Command lines → argv, the way keepalived 2.2.7 does it, prepared once at config load.
//!
//! keepalived reads `script "cmd args"` in two passes: the config lexer removes the outer
//! quotes (that is [`crate::config::Command::line`]), then the line is split again into words
//! with the same quote- and escape-aware splitter (`lib/parser.c`
//! alloc_strvec_quoted_escaped). So inside the outer quotes, `'a b'` and `"a b"` make one word,
//! `\t`, `\n`, `\xHH`, `\ooo`, `\cX` are escapes (also inside single quotes), runs of white
//! space separate words (`"check.sh  courier  BACKUP"` has three words).
//!
//! Then keepalived decides how to run it (`lib/notify.c` check_script_secure, find_path):
//! - a first word starting with `<` then `/` (e.g. `</dev/tcp/...`) is a file test: run
//!   through the shell, the first word not quoted;
//! - a first word without `/` is searched in `PATH` (like execvp; "WARNING - script `killall`
//!   resolved by path search to `/usr/bin/killall`. Please specify full path."), not found ⇒
//!   the script is disabled;
//! - symbolic links are resolved (see [`prepare`] for how the program name is kept);
//! - a file that is an executable for the script's uid/gid is `execve`d directly when it is
//!   a binary or starts with `#!` (keepalived asks libmagic for " executable"); otherwise
//!   (a shell script without a shebang) it runs as `/bin/sh -c` with every word single-quoted.
//!
//! The result, a [`Prepared`] command, owns its words in a fixed buffer. At spawn time
//! [`Prepared::exec_args`] builds an [`ExecArgs`] on the stack: the program path and the
//! NUL-terminated argv (plus the generic notify's four extra words), ready for `execve` via
//! [`ExecArgs::fill_ptrs`]. Nothing allocates after load.

use core::ffi::{c_char, CStr};
use core::fmt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

pub use super::words::{split, SplitError, Words, MAX_WORDS, WORDS_BYTES};

/// Most argv entries at spawn time: words + the generic notify's 4 extra + the shell's 2.
pub const MAX_ARGS: usize = MAX_WORDS + 6;
/// Bytes of one spawn-time argv (program path + every argument, NUL-terminated).
pub const ARGS_BYTES: usize = 1536;

/// The shell keepalived's `system()` runs.
pub const SHELL: &[u8] = b"/bin/sh";

/// How a prepared command is started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `execve(words[0], words)`.
    Exec,
    /// `/bin/sh -c "'w0' 'w1' ..."` (a script without a shebang).
    Shell,
    /// `/bin/sh -c "<w0 'w1' ..."`: a `</path` file test; the first word is not quoted.
    FileTest,
}

/// Why a command cannot be run; the script is disabled (keepalived's log texts via Display).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrepareError {
    Split(SplitError),
    /// `Cannot find script %s in path - disabling`.
    NotInPath(String),
    /// `Permissions failure for script %s in path - disabling`.
    PathPermission(String),
    /// `Script %s cannot be accessed - %s`.
    CannotAccess(String, String),
    /// `WARNING - script '%s' is not executable for uid:gid %u:%u - disabling.`
    NotExecutable(String, u32, u32),
    /// Resolved path longer than the fixed buffer.
    TooLong,
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrepareError::Split(e) => write!(f, "Unable to parse script - {e}"),
            PrepareError::NotInPath(s) => write!(f, "Cannot find script {s} in path - disabling"),
            PrepareError::PathPermission(s) => {
                write!(f, "Permissions failure for script {s} in path - disabling")
            }
            PrepareError::CannotAccess(s, e) => write!(f, "Script {s} cannot be accessed - {e}"),
            PrepareError::NotExecutable(s, u, g) => write!(
                f,
                "WARNING - script '{s}' is not executable for uid:gid {u}:{g} - disabling."
            ),
            PrepareError::TooLong => f.write_str("script path too long"),
        }
    }
}

/// A command ready to spawn: resolved words, mode and credentials. Built once at load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    pub words: Words,
    pub mode: Mode,
    pub uid: u32,
    pub gid: u32,
    /// The file after resolving symbolic links, when it differs from `words[0]`; the
    /// security check looks at both (as keepalived does).
    pub real_path: Option<PathBuf>,
    /// The script runs with root privileges (uid or gid 0, or set-uid/gid root): the
    /// `enable_script_security` path check applies.
    pub needs_protection: bool,
}

/// keepalived's `is_executable`: may `uid:gid` execute a file with this mode/owner?
pub fn is_executable(mode: u32, file_uid: u32, file_gid: u32, uid: u32, gid: u32) -> bool {
    (uid == 0 && mode & 0o111 != 0)
        || (uid == file_uid && mode & 0o100 != 0)
        || (uid != file_uid
            && ((gid == file_gid && mode & 0o010 != 0) || (gid != file_gid && mode & 0o001 != 0)))
}

/// Searches `PATH` (`path_env`; `/bin:/usr/bin` when `None`, glibc's `_CS_PATH`) for an
/// executable regular file named `file`, as execvp does. `Err(true)` = found but not
/// executable (EACCES), `Err(false)` = not found.
pub fn find_in_path(
    file: &[u8],
    path_env: Option<&[u8]>,
    uid: u32,
    gid: u32,
) -> Result<PathBuf, bool> {
    use std::os::unix::ffi::OsStrExt;
    let path = path_env.unwrap_or(b"/bin:/usr/bin");
    let mut eacces = false;
    for dir in path.split(|&b| b == b':') {
        let mut full = Vec::with_capacity(dir.len() + 1 + file.len());
        full.extend_from_slice(dir);
        if !dir.is_empty() {
            full.push(b'/');
        }
        full.extend_from_slice(file);
        let p = PathBuf::from(std::ffi::OsStr::from_bytes(&full));
        if let Ok(md) = std::fs::metadata(&p) {
            if md.is_file() && is_executable(md.mode(), md.uid(), md.gid(), uid, gid) {
                return Ok(p);
            }
            eacces = true;
        }
    }
    Err(eacces)
}

/// Does the file start like something `execve` can run (`#!` or an ELF header)?
/// Unreadable files are assumed executable (keepalived without libmagic).
fn looks_execable(p: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 4];
    match std::fs::File::open(p) {
        Ok(mut f) => {
            let mut got = 0;
            while got < head.len() {
                match f.read(&mut head[got..]) {
                    Ok(0) => break,
                    Ok(k) => got += k,
                    Err(_) => return true,
                }
            }
            head[..got].starts_with(b"#!") || head[..got] == *b"\x7fELF"
        }
        Err(_) => true,
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Prepares a command line for spawning as `uid:gid` (load time; touches the file system).
///
/// Program name rule: when the first word is a symbolic link to a file of another name (a
/// busybox applet on OpenWrt: `/usr/bin/killall -> /bin/busybox`), keepalived would exec the
/// link target under the target's name, which breaks multi-call binaries; here the program
/// keeps the name it was given (the kernel follows the link), and the security check still
/// inspects both the link and its target.
pub fn prepare(
    line: &[u8],
    path_env: Option<&[u8]>,
    uid: u32,
    gid: u32,
) -> Result<Prepared, PrepareError> {
    use std::os::unix::ffi::OsStrExt;
    let words = split(line).map_err(PrepareError::Split)?;
    let first: heapless::Vec<u8, WORDS_BYTES> =
        heapless::Vec::from_slice(words.get(0).unwrap_or(&[]))
            .map_err(|_| PrepareError::TooLong)?;
    let first = first.as_slice();
    // `</path`: a file test through the shell.
    if first.first() == Some(&b'<') {
        let rest = &first[1..];
        let skip = rest
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        if rest.get(skip) == Some(&b'/') {
            return Ok(Prepared {
                words,
                mode: Mode::FileTest,
                uid,
                gid,
                real_path: None,
                needs_protection: false,
            });
        }
    }
    let mut words = words;
    let mut program: PathBuf = if first.contains(&b'/') {
        PathBuf::from(std::ffi::OsStr::from_bytes(first))
    } else {
        match find_in_path(first, path_env, uid, gid) {
            Ok(p) => {
                log::info!(
                    "WARNING - script `{}` resolved by path search to `{}`. Please specify full path.",
                    lossy(first),
                    p.display()
                );
                words = words
                    .with_replaced(0, p.as_os_str().as_bytes())
                    .map_err(|_| PrepareError::TooLong)?;
                p
            }
            Err(true) => return Err(PrepareError::PathPermission(lossy(first))),
            Err(false) => return Err(PrepareError::NotInPath(lossy(first))),
        }
    };
    let real = std::fs::canonicalize(&program)
        .map_err(|e| PrepareError::CannotAccess(program.display().to_string(), e.to_string()))?;
    let mut real_path = None;
    if real.as_os_str() != program.as_os_str() {
        if real.file_name() == program.file_name() {
            // Same name, only the directories differ (`/./`, `..`, linked dirs): use it.
            program = real.clone();
            words = words
                .with_replaced(0, program.as_os_str().as_bytes())
                .map_err(|_| PrepareError::TooLong)?;
        } else {
            // Keep the given name; `dir(real)/name` if that is the same file.
            if let (Some(dir), Some(name)) = (real.parent(), program.file_name()) {
                let cand = dir.join(name);
                let same = match (std::fs::metadata(&cand), std::fs::metadata(&real)) {
                    (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
                    _ => false,
                };
                if same && cand.as_os_str() != program.as_os_str() {
                    program = cand;
                    words = words
                        .with_replaced(0, program.as_os_str().as_bytes())
                        .map_err(|_| PrepareError::TooLong)?;
                }
            }
            if program.as_os_str() != real.as_os_str() {
                real_path = Some(real.clone());
            }
        }
    }
    let md = std::fs::metadata(&real)
        .map_err(|e| PrepareError::CannotAccess(program.display().to_string(), e.to_string()))?;
    if !is_executable(md.mode(), md.uid(), md.gid(), uid, gid) {
        return Err(PrepareError::NotExecutable(
            program.display().to_string(),
            uid,
            gid,
        ));
    }
    let mode_bits = md.mode();
    let needs_protection = uid == 0
        || gid == 0
        || (md.uid() == 0 && mode_bits & 0o100 != 0 && mode_bits & 0o4000 != 0)
        || (md.gid() == 0 && mode_bits & 0o010 != 0 && mode_bits & 0o2000 != 0);
    let mode = if looks_execable(&real) {
        Mode::Exec
    } else {
        Mode::Shell
    };
    Ok(Prepared {
        words,
        mode,
        uid,
        gid,
        real_path,
        needs_protection,
    })
}

/// Why spawn-time argv building failed (only when the fixed buffers are too small).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArgsTooLong;

/// The program and argv of one spawn, NUL-terminated in a stack buffer.
#[derive(Clone)]
pub struct ExecArgs {
    buf: [u8; ARGS_BYTES],
    len: usize,
    /// Number of entries: the program path + the argv items.
    count: usize,
}

impl fmt::Debug for ExecArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecArgs")
            .field("program", &self.program())
            .field("argv", &self.argv().collect::<heapless::Vec<_, MAX_ARGS>>())
            .finish()
    }
}

impl ExecArgs {
    fn new() -> Self {
        ExecArgs {
            buf: [0; ARGS_BYTES],
            len: 0,
            count: 0,
        }
    }
    fn push_parts(&mut self, parts: &[&[u8]]) -> Result<(), ArgsTooLong> {
        let total: usize = parts.iter().map(|p| p.len()).sum();
        if self.count > MAX_ARGS || self.len + total + 1 > ARGS_BYTES {
            return Err(ArgsTooLong);
        }
        for p in parts {
            if p.contains(&0) {
                return Err(ArgsTooLong);
            }
            self.buf[self.len..self.len + p.len()].copy_from_slice(p);
            self.len += p.len();
        }
        self.buf[self.len] = 0;
        self.len += 1;
        self.count += 1;
        Ok(())
    }
    fn push(&mut self, word: &[u8]) -> Result<(), ArgsTooLong> {
        self.push_parts(&[word])
    }
    /// Appends to the last entry (before its NUL).
    fn extend_last(&mut self, bytes: &[u8]) -> Result<(), ArgsTooLong> {
        if self.count == 0 || self.len + bytes.len() > ARGS_BYTES || bytes.contains(&0) {
            return Err(ArgsTooLong);
        }
        let at = self.len - 1;
        self.buf[at..at + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
        self.buf[self.len - 1] = 0;
        Ok(())
    }
    fn entries(&self) -> impl Iterator<Item = &CStr> + '_ {
        self.buf[..self.len]
            .split_inclusive(|&b| b == 0)
            .filter_map(|s| CStr::from_bytes_with_nul(s).ok())
    }
    /// The file to `execve`.
    pub fn program(&self) -> &CStr {
        self.entries().next().unwrap_or(c"")
    }
    /// argv, `argv[0]` first.
    pub fn argv(&self) -> impl Iterator<Item = &CStr> + '_ {
        self.entries().skip(1)
    }
    pub fn argc(&self) -> usize {
        self.count.saturating_sub(1)
    }
    /// Writes the NULL-terminated `argv` pointer array for `execve` into `out` and returns
    /// the number of arguments; `None` if `out` is too short (needs `argc() + 1`). The
    /// pointers borrow `self`: keep it alive and unmoved until `execve`.
    pub fn fill_ptrs(&self, out: &mut [*const c_char]) -> Option<usize> {
        let n = self.argc();
        if out.len() < n + 1 {
            return None;
        }
        for (slot, arg) in out.iter_mut().zip(self.argv()) {
            *slot = arg.as_ptr();
        }
        out[n] = core::ptr::null();
        Some(n)
    }
}

/// Appends `'word'` to `out`, an embedded `'` written as `'\''`. (keepalived wraps without
/// escaping, so a quote inside a word broke its command; this is the intended meaning.)
fn push_quoted(
    out: &mut ExecArgs,
    word: &[u8],
    first: bool,
    quote: bool,
) -> Result<(), ArgsTooLong> {
    if !first {
        out.extend_last(b" ")?;
    }
    if !quote {
        return out.extend_last(word);
    }
    out.extend_last(b"'")?;
    for part in word.split_inclusive(|&b| b == b'\'') {
        match part.split_last() {
            Some((b'\'', head)) => {
                out.extend_last(head)?;
                out.extend_last(b"'\\''")?;
            }
            _ => out.extend_last(part)?,
        }
    }
    out.extend_last(b"'")
}

impl Prepared {
    /// A prepared command with the given words and mode and no file-system checks (tests,
    /// or a caller that resolved the program itself).
    pub fn from_words(words: Words, mode: Mode, uid: u32, gid: u32) -> Self {
        Prepared {
            words,
            mode,
            uid,
            gid,
            real_path: None,
            needs_protection: uid == 0 || gid == 0,
        }
    }

    /// The program and argv for one spawn, `extra` appended (the generic notify's
    /// `INSTANCE VI_1 MASTER 104`; see [`crate::notify::NotifyArgs`]).
    pub fn exec_args(&self, extra: &[&[u8]]) -> Result<ExecArgs, ArgsTooLong> {
        let mut out = ExecArgs::new();
        match self.mode {
            Mode::Exec => {
                out.push(self.words.get(0).unwrap_or(&[]))?;
                for w in self.words.iter().chain(extra.iter().copied()) {
                    out.push(w)?;
                }
            }
            Mode::Shell | Mode::FileTest => {
                out.push(SHELL)?;
                out.push(b"sh")?;
                out.push(b"-c")?;
                out.push(b"")?;
                for (i, w) in self.words.iter().chain(extra.iter().copied()).enumerate() {
                    let quote = !(i == 0 && self.mode == Mode::FileTest);
                    push_quoted(&mut out, w, i == 0, quote)?;
                }
            }
        }
        Ok(out)
    }

    /// The command as keepalived prints it (`cmd_str`): every word single-quoted.
    pub fn display(&self) -> heapless::String<1024> {
        let mut s = heapless::String::new();
        for (i, w) in self.words.iter().enumerate() {
            if i > 0 {
                let _ = s.push(' ');
            }
            let q = !(i == 0 && (w.first() == Some(&b'<') || w.first() == Some(&b'>')));
            if q {
                let _ = s.push('\'');
            }
            let _ = s.push_str(&String::from_utf8_lossy(w));
            if q {
                let _ = s.push('\'');
            }
        }
        s
    }
}

#[cfg(test)]
#[path = "argv_tests.rs"]
mod tests;
