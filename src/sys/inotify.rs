//! inotify for `track_file`: one non-blocking descriptor, a watch per tracked file's
//! directory, and a parser of the event records read from it (no allocation: the caller
//! passes the buffer and gets borrowed names back).
//!
//! The directory is watched rather than the file (as keepalived 2.2.7 does) so that a file
//! that is created later, replaced by `mv`, or deleted is still seen: close-after-write and
//! moved-in mean "read it again", deleted and moved-away mean "value 0".

use std::io;
use std::os::fd::{OwnedFd, RawFd};
use std::path::Path;

use super::{cvt, cvt_size, owned};

/// The events a track file's directory is watched for.
pub const WATCH_MASK: u32 = libc::IN_CLOSE_WRITE | libc::IN_DELETE | libc::IN_MOVE;

/// `inotify_init1(IN_CLOEXEC | IN_NONBLOCK)`.
pub fn init() -> io::Result<OwnedFd> {
    // SAFETY: inotify_init1 has no memory preconditions; the result is a new descriptor.
    owned(unsafe { libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK) })
}

/// Watch directory `dir` for [`WATCH_MASK`]; returns the watch descriptor. Watching the same
/// directory twice returns the same descriptor.
pub fn add_watch(fd: RawFd, dir: &Path) -> io::Result<i32> {
    use std::os::unix::ffi::OsStrExt;
    let bytes = dir.as_os_str().as_bytes();
    if bytes.len() >= 4095 || bytes.contains(&0) {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    let mut c = [0u8; 4096];
    c[..bytes.len()].copy_from_slice(bytes);
    // SAFETY: `c` is NUL-terminated and outlives the call.
    cvt(unsafe { libc::inotify_add_watch(fd, c.as_ptr().cast(), WATCH_MASK) })
}

/// Read pending event records into `buf`; `None` when there are none (EAGAIN).
pub fn read(fd: RawFd, buf: &mut [u8]) -> io::Result<Option<usize>> {
    // SAFETY: `buf` is a valid writable slice of `buf.len()` bytes.
    match cvt_size(unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) }) {
        Ok(n) => Ok(Some(n)),
        Err(e) if super::would_block(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// One inotify record: the watch, the event bits and the name within the directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    pub wd: i32,
    pub mask: u32,
    /// The file name (NUL padding removed); empty for events on the directory itself.
    pub name: &'a [u8],
}

/// Size of `struct inotify_event` without its name.
const HEADER: usize = 16;

/// Walk the records in `buf` (as filled by [`read`]); a truncated tail is ignored.
pub fn parse<'a>(buf: &'a [u8], mut f: impl FnMut(Record<'a>)) {
    let mut rest = buf;
    while rest.len() >= HEADER {
        let word = |i: usize| -> [u8; 4] {
            let mut w = [0u8; 4];
            if let Some(s) = rest.get(i..i + 4) {
                w.copy_from_slice(s);
            }
            w
        };
        let wd = i32::from_ne_bytes(word(0));
        let mask = u32::from_ne_bytes(word(4));
        let len = u32::from_ne_bytes(word(12)) as usize;
        let Some(name) = rest.get(HEADER..HEADER + len) else {
            return;
        };
        let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        f(Record {
            wd,
            mask,
            name: name.get(..end).unwrap_or(&[]),
        });
        rest = rest.get(HEADER + len..).unwrap_or(&[]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(out: &mut std::vec::Vec<u8>, wd: i32, mask: u32, name: &[u8], pad: usize) {
        out.extend_from_slice(&wd.to_ne_bytes());
        out.extend_from_slice(&mask.to_ne_bytes());
        out.extend_from_slice(&0u32.to_ne_bytes());
        out.extend_from_slice(&((name.len() + pad) as u32).to_ne_bytes());
        out.extend_from_slice(name);
        out.extend(core::iter::repeat_n(0u8, pad));
    }

    #[test]
    fn parses_records_and_strips_padding() {
        let mut b = std::vec::Vec::new();
        rec(&mut b, 1, libc::IN_CLOSE_WRITE, b"prio", 12);
        rec(&mut b, 2, libc::IN_DELETE, b"", 0);
        let mut got = std::vec::Vec::new();
        parse(&b, |r| got.push((r.wd, r.mask, r.name.to_vec())));
        assert_eq!(
            got,
            vec![
                (1, libc::IN_CLOSE_WRITE, b"prio".to_vec()),
                (2, libc::IN_DELETE, vec![])
            ]
        );
        // a truncated record is ignored
        let mut got = 0;
        parse(&b[..20], |_| got += 1);
        assert_eq!(got, 0);
    }

    #[test]
    fn sees_a_write_in_a_watched_directory() {
        use std::os::fd::AsRawFd;
        let dir = std::env::temp_dir().join(format!("krs-inotify-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let fd = init().expect("inotify");
        let wd = add_watch(fd.as_raw_fd(), &dir).expect("watch");
        std::fs::write(dir.join("value"), b"5\n").expect("write");
        let mut buf = [0u8; 1024];
        let n = read(fd.as_raw_fd(), &mut buf)
            .expect("read")
            .expect("events");
        let mut seen = false;
        parse(&buf[..n], |r| {
            seen |= r.wd == wd && r.name == b"value" && r.mask & libc::IN_CLOSE_WRITE != 0
        });
        assert!(seen);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
