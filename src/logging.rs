//! The `log` backend: syslog (ident `Keepalived_vrrp`) and/or the console, with no allocation.
//!
//! - syslog: `libc::syslog(pri, "%s", line)` — the C library formats nothing of ours, so a
//!   message costs no heap; `openlog` once at start with `LOG_PID | LOG_NDELAY` and the
//!   facility of `-S` (default `daemon`). Disabled by `-G`.
//! - console (`-l`): `HH:MM:SS message` on stderr, UTC, no colour, short enough for an
//!   80-column serial console where the message allows.
//! - detail (`-D`): keepalived's detail lines are logged at `Debug` level and only shown with
//!   `-D`; `Trace` is never shown.
//!
//! Why not the `syslog` crate: measured in `shared/reference/cross-builds.md` §1/§9, it makes
//! 58 allocations per 100 messages and adds +41 KB to an aarch64 binary (pulls `time` and
//! `hostname`), while `libc::syslog` makes 0 allocations and reaches /dev/log the same way.
//!
//! Every line is formatted into a 512-byte stack buffer (`core::fmt::Write`); longer lines are
//! truncated.

use core::fmt::{self, Write as _};
use core::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use log::{Level, LevelFilter, Log, Metadata, Record};

/// Where log lines go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogConfig {
    /// `-l`: also to the console (stderr).
    pub console: bool,
    /// Not `-G`: to syslog.
    pub syslog: bool,
    /// `-D`: detail lines (Debug level).
    pub detail: bool,
    /// syslog facility (`LOG_DAEMON` unless `-S`).
    pub facility: i32,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            console: false,
            syslog: true,
            detail: false,
            facility: libc::LOG_DAEMON,
        }
    }
}

static CONSOLE: AtomicBool = AtomicBool::new(true);
static SYSLOG: AtomicBool = AtomicBool::new(false);
/// stderr is a terminal: wrap console lines at [`CONSOLE_WIDTH`].
static CONSOLE_TTY: AtomicBool = AtomicBool::new(false);
static FACILITY: AtomicI32 = AtomicI32::new(libc::LOG_DAEMON);

struct Logger;
static LOGGER: Logger = Logger;

/// A fixed buffer that `write!` appends to, truncating at capacity.
pub struct StackBuf<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> StackBuf<N> {
    pub const fn new() -> Self {
        StackBuf {
            buf: [0; N],
            len: 0,
        }
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
    pub fn as_str(&self) -> &str {
        // Only whole &str pieces are appended, but truncation may cut a UTF-8 sequence.
        match core::str::from_utf8(self.as_bytes()) {
            Ok(s) => s,
            Err(e) => core::str::from_utf8(&self.buf[..e.valid_up_to()]).unwrap_or(""),
        }
    }
    pub fn clear(&mut self) {
        self.len = 0;
    }
}

impl<const N: usize> Default for StackBuf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Write for StackBuf<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = N.saturating_sub(self.len);
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

fn syslog_priority(l: Level) -> i32 {
    match l {
        Level::Error => libc::LOG_ERR,
        Level::Warn => libc::LOG_WARNING,
        Level::Info => libc::LOG_INFO,
        Level::Debug | Level::Trace => libc::LOG_DEBUG,
    }
}

/// Seconds of the day (UTC) from CLOCK_REALTIME, for console timestamps only.
fn time_of_day() -> (u64, u64, u64) {
    let s = crate::sys::realtime_secs() % 86_400;
    (s / 3600, s / 60 % 60, s % 60)
}

impl Log for Logger {
    fn enabled(&self, m: &Metadata<'_>) -> bool {
        m.level() <= log::max_level()
    }

    fn log(&self, r: &Record<'_>) {
        if !self.enabled(r.metadata()) {
            return;
        }
        let mut line = StackBuf::<512>::new();
        let _ = write!(line, "{}", r.args());
        if SYSLOG.load(Ordering::Relaxed) {
            let pri = FACILITY.load(Ordering::Relaxed) | syslog_priority(r.level());
            crate::sys::syslog(pri, line.as_bytes());
        }
        if CONSOLE.load(Ordering::Relaxed) {
            let (h, m, s) = time_of_day();
            let mut stamp = StackBuf::<16>::new();
            let _ = write!(stamp, "{h:02}:{m:02}:{s:02} ");
            let mut out = StackBuf::<640>::new();
            // A terminal (the serial console) gets 80 columns; a file or a pipe keeps one
            // line per message, so grep and log collectors see whole messages.
            let width = if CONSOLE_TTY.load(Ordering::Relaxed) {
                CONSOLE_WIDTH
            } else {
                usize::MAX / 2
            };
            console_lines(stamp.as_str(), line.as_str(), width, &mut out);
            let _ = crate::sys::write_fd(2, out.as_bytes());
        }
    }

    fn flush(&self) {}
}

/// Serial consoles on small gateways are 80 columns wide.
const CONSOLE_WIDTH: usize = 80;

/// Lay a message out for the console: `stamp` then the message, wrapped at word boundaries
/// so that no line is wider than `width` (a word longer than a line is cut), continuation
/// lines indented under the message. Control characters (colour codes, a stray escape from
/// config text) become `?`, so nothing can drive the terminal.
fn console_lines<const N: usize>(stamp: &str, msg: &str, width: usize, out: &mut StackBuf<N>) {
    let indent = stamp.len();
    let room = width.saturating_sub(indent).max(1);
    let _ = out.write_str(stamp);
    let mut col = 0;
    for word in msg.split(' ') {
        let mut word = word;
        if col > 0 && col + 1 + word.chars().count() > room {
            let _ = out.write_str("\n");
            for _ in 0..indent {
                let _ = out.write_str(" ");
            }
            col = 0;
        } else if col > 0 {
            let _ = out.write_str(" ");
            col += 1;
        }
        while !word.is_empty() {
            let take = word
                .char_indices()
                .nth(room - col)
                .map_or(word.len(), |(i, _)| i);
            let (head, rest) = word.split_at(take);
            for c in head.chars() {
                let _ = out.write_char(if c.is_control() { '?' } else { c });
            }
            col += head.chars().count();
            word = rest;
            if !word.is_empty() {
                let _ = out.write_str("\n");
                for _ in 0..indent {
                    let _ = out.write_str(" ");
                }
                col = 0;
            }
        }
    }
    let _ = out.write_str("\n");
}

/// Install the logger (once; later calls only change the settings).
pub fn init(cfg: LogConfig) {
    CONSOLE.store(cfg.console, Ordering::Relaxed);
    CONSOLE_TTY.store(
        nix::unistd::isatty(std::io::stderr()).unwrap_or(false),
        Ordering::Relaxed,
    );
    FACILITY.store(cfg.facility, Ordering::Relaxed);
    if cfg.syslog && !SYSLOG.swap(true, Ordering::Relaxed) {
        crate::sys::openlog(c"Keepalived_vrrp", cfg.facility);
    } else if !cfg.syslog {
        SYSLOG.store(false, Ordering::Relaxed);
    }
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(if cfg.detail {
        LevelFilter::Debug
    } else {
        LevelFilter::Info
    });
}

/// Close syslog (at exit).
pub fn close() {
    if SYSLOG.swap(false, Ordering::Relaxed) {
        crate::sys::closelog();
    }
}

/// `-S` argument: `0`..`7` (local0..local7), `local0`..`local7`, `user`, `daemon`.
pub fn parse_facility(s: &str) -> Option<i32> {
    const LOCAL: [i32; 8] = [
        libc::LOG_LOCAL0,
        libc::LOG_LOCAL1,
        libc::LOG_LOCAL2,
        libc::LOG_LOCAL3,
        libc::LOG_LOCAL4,
        libc::LOG_LOCAL5,
        libc::LOG_LOCAL6,
        libc::LOG_LOCAL7,
    ];
    let n = s.strip_prefix("local").unwrap_or(s);
    match s {
        "user" => Some(libc::LOG_USER),
        "daemon" => Some(libc::LOG_DAEMON),
        _ => n.parse::<usize>().ok().and_then(|i| LOCAL.get(i).copied()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facilities() {
        assert_eq!(parse_facility("0"), Some(libc::LOG_LOCAL0));
        assert_eq!(parse_facility("local7"), Some(libc::LOG_LOCAL7));
        assert_eq!(parse_facility("daemon"), Some(libc::LOG_DAEMON));
        assert_eq!(parse_facility("8"), None);
        assert_eq!(parse_facility("kern"), None);
    }

    #[test]
    fn stack_buffer_truncates() {
        let mut b = StackBuf::<8>::new();
        let _ = write!(b, "(VI_1) Entering MASTER STATE");
        assert_eq!(b.as_str(), "(VI_1) E");
    }

    fn console(msg: &str) -> String {
        let mut out = StackBuf::<640>::new();
        console_lines("21:00:05 ", msg, CONSOLE_WIDTH, &mut out);
        out.as_str().to_string()
    }

    #[test]
    fn console_lines_fit_80_columns() {
        assert_eq!(
            console("(VI_1) Entering MASTER STATE"),
            "21:00:05 (VI_1) Entering MASTER STATE\n"
        );
        let long = "VRRP sockpool: [ifindex(  2), family(IPv4), proto(112), fd(7) multicast, address(224.0.0.18)]";
        let text = console(long);
        assert!(text.lines().count() > 1, "{text}");
        for l in text.lines() {
            assert!(
                l.chars().count() <= 80,
                "{l:?} is {} wide",
                l.chars().count()
            );
        }
        assert!(
            text.lines().skip(1).all(|l| l.starts_with("         ")),
            "{text}"
        );
        // Nothing is lost: the words come back when the lines are joined.
        let joined: Vec<&str> = text.split_whitespace().skip(1).collect();
        assert_eq!(joined, long.split_whitespace().collect::<Vec<_>>());
        // A word longer than a line is cut, not overflowed.
        let word = "x".repeat(200);
        assert!(console(&word).lines().all(|l| l.chars().count() <= 80));
    }

    #[test]
    fn console_lines_carry_no_control_codes() {
        let text = console("(VI\u{1b}[31m_1) Entering\tMASTER STATE");
        assert!(!text.trim_end().chars().any(|c| c.is_control()), "{text:?}");
        assert!(
            text.contains("(VI?[31m_1) Entering?MASTER STATE"),
            "{text:?}"
        );
    }
}
