//! `track_file`: files holding an integer, watched with inotify, fed to the core as
//! `Event::TrackFile { file, value }`.
//!
//! Behaviour follows keepalived 2.2.7 (`keepalived/trackers/track_file.c`, read for its
//! semantics):
//! - `init_file [VAL] [overwrite]` writes `VAL\n` (default 0) at start-up when the file is
//!   missing (or always with `overwrite`); never over an existing file on reload;
//! - the file's directory is watched (the path resolved once, symlinks included); a missing
//!   file or directory is not an error while the directory exists: the value is 0;
//! - a close-after-write or a move into the directory re-reads the file; a delete or a move
//!   away sets the value to 0;
//! - the content is read like `strtol(buf, NULL, 0)` (leading blanks, sign, `0x` hex, `0`
//!   octal, trailing junk ignored, no digits = 0); a number outside the 32-bit range is
//!   logged ("Invalid number N read from PATH - ignoring") and ignored;
//! - a file whose directory does not exist is dropped with "Track file directory for NAME
//!   does not exist - removing".
//!
//! Steady state allocates nothing: the resolved paths are built at start-up/reload, the
//! event and file buffers are on the stack, and `File::open` of a short path converts it on
//! the stack.

use std::io::Read as _;
use std::os::fd::AsRawFd as _;
use std::path::{Path, PathBuf};

use heapless::Vec;

use super::run::Daemon;
use crate::config::Config;
use crate::core::Event;
use crate::limits::MAX_TRACK_FILES;
use crate::sys::inotify;
use crate::sys::reactor::Slot;
use crate::sys::timerfd::now;

/// One watched file: its index in `Config::track_files`, the watch, its resolved path and
/// where the file name starts in it.
pub struct Watched {
    pub file: u16,
    pub wd: i32,
    pub path: PathBuf,
    pub name_at: usize,
}

/// Every track file being watched.
#[derive(Default)]
pub struct TrackFiles {
    pub list: Vec<Watched, MAX_TRACK_FILES>,
}

/// What reading a track file gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    Value(i64),
    /// Outside the 32-bit range keepalived accepts: logged and ignored.
    Invalid(i64),
}

/// Parse like `strtol(s, NULL, 0)`, then apply keepalived's range check
/// (`INT32_MIN ..= INT32_MAX + 1`). Overflow of the 64-bit accumulator (strtol's ERANGE) is
/// reported as invalid with the saturated value.
pub fn parse_value(s: &[u8]) -> Reading {
    let mut i = 0;
    while s.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
        i += 1;
    }
    let mut neg = false;
    if let Some(&c @ (b'+' | b'-')) = s.get(i) {
        neg = c == b'-';
        i += 1;
    }
    let mut radix = 10u32;
    if s.get(i) == Some(&b'0') {
        let hex = matches!(s.get(i + 1), Some(b'x' | b'X'))
            && s.get(i + 2).is_some_and(|b| b.is_ascii_hexdigit());
        if hex {
            radix = 16;
            i += 2;
        } else {
            radix = 8;
        }
    }
    let mut v: i64 = 0;
    let mut overflow = false;
    while let Some(d) = s.get(i).and_then(|&b| (b as char).to_digit(radix)) {
        match v
            .checked_mul(radix as i64)
            .and_then(|x| x.checked_add(d as i64))
        {
            Some(x) => v = x,
            None => overflow = true,
        }
        i += 1;
    }
    if overflow {
        return Reading::Invalid(if neg { i64::MIN } else { i64::MAX });
    }
    let v = if neg { -v } else { v };
    if v < i64::from(i32::MIN) || v > i64::from(i32::MAX) + 1 {
        Reading::Invalid(v)
    } else {
        Reading::Value(v)
    }
}

/// Read a track file: `None` when it cannot be opened or is empty (value 0).
fn read_file(path: &Path) -> Option<Reading> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut buf = [0u8; 128];
    let n = f.read(&mut buf[..127]).ok()?;
    if n == 0 {
        return None;
    }
    Some(parse_value(buf.get(..n).unwrap_or(&[])))
}

/// `init_file`: write the initial value when the file is missing (or always with
/// `overwrite`, but never on a reload).
fn init_file(name: &str, path: &Path, value: i32, overwrite: bool, reload: bool) {
    if let Ok(m) = std::fs::metadata(path) {
        if !overwrite || reload {
            return;
        }
        if !m.file_type().is_file() {
            log::error!("Cannot initialise track file {name} - it is not a regular file");
            return;
        }
    }
    if std::fs::write(path, format!("{value}\n")).is_err() {
        log::error!("Unable to initialise track file {name}");
    }
}

/// The resolved path (symlinks of the file or, when it is missing, of its directory).
fn resolve(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let name = path.file_name()?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let d = std::fs::canonicalize(dir).ok()?;
    if !d.is_dir() {
        return None;
    }
    Some(d.join(name))
}

impl Daemon {
    /// Start-up (before `Event::Start`) and reload (after `Event::Reload`): create init
    /// files, (re)build the watches and feed every file's current value to the core.
    pub(super) fn track_files_setup(&mut self, cfg: &Config, reload: bool) {
        self.reactor.remove(Slot::Inotify);
        self.tfiles.list.clear();
        if cfg.track_files.is_empty() {
            return;
        }
        let fd = match inotify::init() {
            Ok(fd) => fd,
            Err(e) => {
                log::info!("Unable to monitor track files: {e}");
                return;
            }
        };
        let raw = fd.as_raw_fd();
        if let Err(e) = self.reactor.add(fd, Slot::Inotify) {
            log::info!("Unable to monitor track files: {e}");
            return;
        }
        for (i, tf) in cfg.track_files.iter().enumerate() {
            let path = Path::new(tf.path.as_str());
            if let Some(v) = tf.init_value {
                init_file(tf.name.as_str(), path, v, tf.init_overwrite, reload);
            }
            let Some(resolved) = resolve(path) else {
                log::error!(
                    "Track file directory for {} does not exist - removing",
                    tf.name
                );
                continue;
            };
            let Some(dir) = resolved.parent() else {
                continue;
            };
            let wd = match inotify::add_watch(raw, dir) {
                Ok(wd) => wd,
                Err(e) => {
                    log::error!("track file {} is not accessible ({e}) - ignoring", tf.name);
                    continue;
                }
            };
            let name_at = resolved.as_os_str().len() - resolved.file_name().map_or(0, |n| n.len());
            let _ = self.tfiles.list.push(Watched {
                file: i as u16,
                wd,
                path: resolved,
                name_at,
            });
        }
        for k in 0..self.tfiles.list.len() {
            self.track_file_read(k);
        }
    }

    /// Read watched file `k` and report its value to the core.
    fn track_file_read(&mut self, k: usize) {
        let Some(w) = self.tfiles.list.get(k) else {
            return;
        };
        let file = w.file;
        let value = match read_file(&w.path) {
            None => 0,
            Some(Reading::Value(v)) => v,
            Some(Reading::Invalid(v)) => {
                log::info!(
                    "Invalid number {} read from {} - ignoring",
                    v,
                    w.path.display()
                );
                return;
            }
        };
        self.track_file_value(file, value);
    }

    fn track_file_value(&mut self, file: u16, value: i64) {
        let t = now();
        self.core
            .handle(t, Event::TrackFile { file, value }, &mut self.acts);
        self.apply();
    }

    /// The inotify descriptor is readable.
    pub(super) fn on_inotify(&mut self) {
        let Some(fd) = self.reactor.fd(Slot::Inotify) else {
            return;
        };
        let mut buf = [0u8; 4096];
        for _ in 0..16 {
            let n = match inotify::read(fd, &mut buf) {
                Ok(Some(n)) => n,
                Ok(None) => break,
                Err(e) => {
                    log::info!("inotify read() returned error {e}");
                    break;
                }
            };
            // (watched index, re-read or gone) for each record about one of our files.
            let mut hits: Vec<(usize, bool), 64> = Vec::new();
            inotify::parse(buf.get(..n).unwrap_or(&[]), |r| {
                if r.mask & libc::IN_ISDIR != 0 || r.mask & inotify::WATCH_MASK == 0 {
                    return;
                }
                for (k, w) in self.tfiles.list.iter().enumerate() {
                    use std::os::unix::ffi::OsStrExt;
                    let name = w.path.as_os_str().as_bytes().get(w.name_at..);
                    if w.wd == r.wd && name == Some(r.name) {
                        let gone = r.mask & (libc::IN_DELETE | libc::IN_MOVED_FROM) != 0;
                        let _ = hits.push((k, gone));
                    }
                }
            });
            for (k, gone) in hits {
                if gone {
                    if let Some(file) = self.tfiles.list.get(k).map(|w| w.file) {
                        self.track_file_value(file, 0);
                    }
                } else {
                    self.track_file_read(k);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtol_base_0() {
        assert_eq!(parse_value(b"5\n"), Reading::Value(5));
        assert_eq!(parse_value(b"  -12 junk"), Reading::Value(-12));
        assert_eq!(parse_value(b"+7"), Reading::Value(7));
        assert_eq!(parse_value(b"0x1F"), Reading::Value(31));
        assert_eq!(parse_value(b"010"), Reading::Value(8));
        assert_eq!(parse_value(b"0x"), Reading::Value(0));
        assert_eq!(parse_value(b"09"), Reading::Value(0));
        assert_eq!(parse_value(b"abc"), Reading::Value(0));
        assert_eq!(parse_value(b""), Reading::Value(0));
        assert_eq!(parse_value(b"2147483648"), Reading::Value(2147483648));
        assert_eq!(parse_value(b"2147483649"), Reading::Invalid(2147483649));
        assert_eq!(parse_value(b"-2147483649"), Reading::Invalid(-2147483649));
        assert_eq!(
            parse_value(b"99999999999999999999"),
            Reading::Invalid(i64::MAX)
        );
    }

    #[test]
    fn resolves_a_missing_file_through_its_directory() {
        let dir = std::env::temp_dir();
        let p = dir.join(format!("krs-tf-missing-{}", std::process::id()));
        let r = resolve(&p).expect("directory exists");
        assert_eq!(r.file_name(), p.file_name());
        assert!(resolve(Path::new("/nonexistent-krs-dir/x")).is_none());
    }

    #[test]
    fn init_file_creates_but_does_not_overwrite() {
        let p = std::env::temp_dir().join(format!("krs-tf-init-{}", std::process::id()));
        let _ = std::fs::remove_file(&p);
        init_file("t", &p, 3, false, false);
        assert_eq!(read_file(&p), Some(Reading::Value(3)));
        init_file("t", &p, 4, false, false);
        assert_eq!(read_file(&p), Some(Reading::Value(3)));
        init_file("t", &p, 4, true, true);
        assert_eq!(read_file(&p), Some(Reading::Value(3)));
        init_file("t", &p, 4, true, false);
        assert_eq!(read_file(&p), Some(Reading::Value(4)));
        let _ = std::fs::remove_file(&p);
    }
}
