//! keepalived's notify FIFO (`notify_fifo`, `vrrp_notify_fifo`): one line per event,
//! `INSTANCE "VI_1" MASTER 100\n`, `GROUP "VG_1" BACKUP 0\n`, written without ever blocking.
//!
//! Opening follows keepalived (`lib/notify.c` fifo_open): `mkfifo(path, 0644)` if missing
//! (then chown to the configured user/group; keepalived unlinks a FIFO it created when it
//! stops or cannot open it), then `open(O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)`.
//!
//! Two open modes:
//! - [`OpenMode::ReadWrite`] (keepalived's choice, the default): the daemon holds the FIFO
//!   open for reading too, so the open never fails for want of a reader, lines written
//!   before the reader (e.g. the `notify_fifo_script` keepalived starts with the FIFO path as
//!   its last argument) attaches are kept in the pipe buffer (64 KiB on Linux), and a reader
//!   that goes away never causes EPIPE/SIGPIPE.
//! - [`OpenMode::WriteOnly`]: `O_WRONLY`; with no reader the open fails (ENXIO) and is retried
//!   at the next line, so only readers present at the time get lines; EPIPE closes the fd
//!   and the next line reopens. (The process must ignore SIGPIPE; Rust's runtime does.)
//!
//! A line is at most [`LINE_MAX`] bytes, below `PIPE_BUF`, so each write is atomic: it goes
//! in whole or fails with EAGAIN (pipe full), in which case the line is dropped and counted.

use core::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::{Event, Subject};

/// Longest FIFO line (names are at most 64 bytes).
pub const LINE_MAX: usize = 128;

/// One FIFO line in a stack buffer.
pub type Line = heapless::String<LINE_MAX>;

/// `INSTANCE "VI_1" MASTER 100\n` (groups always report priority 0, as keepalived).
pub fn format_line(subject: Subject, name: &str, event: Event, priority: u8) -> Line {
    let mut l = Line::new();
    let prio = if subject == Subject::Group {
        0
    } else {
        priority
    };
    // The name is cut so the whole line always fits.
    let room = LINE_MAX - (subject.keyword().len() + event.word().len() + 3 + 6 + 1);
    let mut cut = name.len().min(room);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    let _ = writeln!(
        l,
        "{} \"{}\" {} {}",
        subject.keyword(),
        &name[..cut],
        event.word(),
        prio
    );
    l
}

/// How the FIFO is opened (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OpenMode {
    #[default]
    ReadWrite,
    WriteOnly,
}

/// Result of writing one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Written,
    /// Pipe full (EAGAIN): dropped.
    DroppedFull,
    /// No reader (write-only mode), or the FIFO could not be opened: dropped.
    DroppedNoReader,
    /// Another write error: dropped, the fd closed (reopened at the next line).
    DroppedError(i32),
}

/// Counters (for the stats dump and tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FifoStats {
    pub written: u64,
    pub dropped: u64,
    pub opens: u32,
}

/// A FIFO that lines are written to, never blocking.
#[derive(Debug)]
pub struct FifoWriter {
    path: PathBuf,
    mode: OpenMode,
    owner: Option<(u32, u32)>,
    file: Option<File>,
    created: bool,
    stats: FifoStats,
}

fn errno(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

impl FifoWriter {
    /// A writer for `path` (not opened yet). `owner` = uid/gid given to a FIFO we create.
    pub fn new(path: impl Into<PathBuf>, mode: OpenMode, owner: Option<(u32, u32)>) -> Self {
        FifoWriter {
            path: path.into(),
            mode,
            owner,
            file: None,
            created: false,
            stats: FifoStats::default(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
    pub fn is_open(&self) -> bool {
        self.file.is_some()
    }
    pub fn stats(&self) -> FifoStats {
        self.stats
    }
    /// Did we create the FIFO (it is unlinked at [`close`](Self::close))?
    pub fn created(&self) -> bool {
        self.created
    }

    /// Creates the FIFO if missing and opens it. In write-only mode "no reader yet" is not an
    /// error: `Ok(false)`, retried at the next line. Errors carry keepalived's log text via
    /// [`open_error_line`](Self::open_error_line).
    pub fn open(&mut self) -> io::Result<bool> {
        if self.file.is_some() {
            return Ok(true);
        }
        match std::fs::symlink_metadata(&self.path) {
            Ok(md)
                if !md.file_type().is_fifo()
                    && !md.file_type().is_char_device()
                    && !md.is_file() =>
            {
                return Err(io::Error::from_raw_os_error(libc::EINVAL));
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let mode = nix::sys::stat::Mode::from_bits_truncate(0o644);
                match nix::unistd::mkfifo(&self.path, mode) {
                    Ok(()) => {
                        self.created = true;
                        if let Some((uid, gid)) = self.owner {
                            if std::os::unix::fs::chown(&self.path, Some(uid), Some(gid)).is_err() {
                                log::info!(
                                    "Failed to set uid:gid for fifo {}",
                                    self.path.display()
                                );
                            }
                        }
                    }
                    Err(nix::errno::Errno::EEXIST) => {}
                    Err(e) => {
                        log::info!("Unable to create notify fifo {}", self.path.display());
                        return Err(io::Error::from_raw_os_error(e as i32));
                    }
                }
            }
            Err(e) => return Err(e),
        }
        let mut oo = OpenOptions::new();
        oo.write(true)
            .read(self.mode == OpenMode::ReadWrite)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
        match oo.open(&self.path) {
            Ok(f) => {
                self.file = Some(f);
                self.stats.opens += 1;
                Ok(true)
            }
            Err(e) if self.mode == OpenMode::WriteOnly && errno(&e) == libc::ENXIO => Ok(false),
            Err(e) => {
                log::info!("{}", Self::open_error_line(&self.path, &e));
                if self.created && self.mode == OpenMode::ReadWrite {
                    let _ = std::fs::remove_file(&self.path);
                    self.created = false;
                }
                Err(e)
            }
        }
    }

    /// `Unable to open notify fifo %s - errno %d`.
    pub fn open_error_line(path: &Path, e: &io::Error) -> heapless::String<256> {
        let mut s = heapless::String::new();
        let _ = write!(
            s,
            "Unable to open notify fifo {} - errno {}",
            path.display(),
            errno(e)
        );
        s
    }

    /// Writes one whole line, or drops it (counted). Never blocks.
    pub fn write_line(&mut self, line: &[u8]) -> Outcome {
        if self.file.is_none() {
            match self.open() {
                Ok(true) => {}
                Ok(false) | Err(_) => {
                    self.stats.dropped += 1;
                    return Outcome::DroppedNoReader;
                }
            }
        }
        let Some(f) = self.file.as_mut() else {
            self.stats.dropped += 1;
            return Outcome::DroppedNoReader;
        };
        match f.write(line) {
            Ok(n) if n == line.len() => {
                self.stats.written += 1;
                Outcome::Written
            }
            Ok(_) => {
                // Cannot happen for lines below PIPE_BUF; treat as a drop.
                self.stats.dropped += 1;
                Outcome::DroppedFull
            }
            Err(e) if errno(&e) == libc::EAGAIN => {
                self.stats.dropped += 1;
                Outcome::DroppedFull
            }
            Err(e) if errno(&e) == libc::EPIPE => {
                self.file = None;
                self.stats.dropped += 1;
                Outcome::DroppedNoReader
            }
            Err(e) => {
                self.file = None;
                self.stats.dropped += 1;
                Outcome::DroppedError(errno(&e))
            }
        }
    }

    /// Formats and writes one event line.
    pub fn notify(&mut self, subject: Subject, name: &str, event: Event, priority: u8) -> Outcome {
        let l = format_line(subject, name, event, priority);
        self.write_line(l.as_bytes())
    }

    /// Closes the fd; unlinks the FIFO first if we created it (so a reader looping on
    /// reopen cannot reopen it), as keepalived does.
    pub fn close(&mut self) {
        if self.created {
            let _ = std::fs::remove_file(&self.path);
            self.created = false;
        }
        self.file = None;
    }
}

impl Drop for FifoWriter {
    fn drop(&mut self) {
        self.close();
    }
}

/// keepalived's two FIFOs: `notify_fifo` (all events) and `vrrp_notify_fifo` (VRRP only);
/// every VRRP line goes to both.
#[derive(Debug, Default)]
pub struct Fifos {
    pub global: Option<FifoWriter>,
    pub vrrp: Option<FifoWriter>,
}

impl Fifos {
    /// Opens both (errors are logged by [`FifoWriter::open`]; a failed one is retried at the
    /// next line).
    pub fn open(&mut self) {
        for w in [self.global.as_mut(), self.vrrp.as_mut()]
            .into_iter()
            .flatten()
        {
            let _ = w.open();
        }
    }
    /// Writes one event line to each configured FIFO; returns how many took it.
    pub fn notify(&mut self, subject: Subject, name: &str, event: Event, priority: u8) -> usize {
        let l = format_line(subject, name, event, priority);
        [self.global.as_mut(), self.vrrp.as_mut()]
            .into_iter()
            .flatten()
            .filter_map(|w| (w.write_line(l.as_bytes()) == Outcome::Written).then_some(()))
            .count()
    }
    pub fn close(&mut self) {
        for w in [self.global.as_mut(), self.vrrp.as_mut()]
            .into_iter()
            .flatten()
        {
            w.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_formats() {
        assert_eq!(
            format_line(Subject::Instance, "VI_1", Event::Master, 100).as_str(),
            "INSTANCE \"VI_1\" MASTER 100\n"
        );
        assert_eq!(
            format_line(Subject::Group, "VG_1", Event::Backup, 100).as_str(),
            "GROUP \"VG_1\" BACKUP 0\n"
        );
        assert_eq!(
            format_line(Subject::Instance, "VI_1", Event::MasterRxLowerPri, 254).as_str(),
            "INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 254\n"
        );
        assert_eq!(
            format_line(Subject::Instance, "VI_1", Event::BackupPriority, 98).as_str(),
            "INSTANCE \"VI_1\" BACKUP_PRIORITY 98\n"
        );
        let long = "n".repeat(200);
        let l = format_line(Subject::Instance, &long, Event::MasterRxLowerPri, 255);
        assert!(l.ends_with("\" MASTER_RX_LOWER_PRI 255\n"), "{l}");
    }
}
