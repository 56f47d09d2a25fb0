//! The notify FIFO against a real FIFO and a reader thread.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use keepalived_rs::notify::fifo::{FifoWriter, OpenMode, Outcome};
use keepalived_rs::notify::{Event, Subject};

struct Dir(PathBuf);
impl Dir {
    fn new(tag: &str) -> Dir {
        let p = std::env::temp_dir().join(format!("kars-fifo-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }
}
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Reads `n` lines from the FIFO in a thread; the result arrives on the channel.
fn reader(path: PathBuf, n: usize) -> mpsc::Receiver<Vec<String>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let f = std::fs::File::open(&path).unwrap();
        let mut lines = Vec::new();
        let mut r = BufReader::new(f);
        while lines.len() < n {
            let mut l = String::new();
            if r.read_line(&mut l).unwrap() == 0 {
                break;
            }
            lines.push(l);
        }
        drop(r); // closed before the lines are reported
        let _ = tx.send(lines);
    });
    rx
}

#[test]
fn read_write_mode_creates_buffers_and_unlinks() {
    let d = Dir::new("rw");
    let path = d.0.join("notify.fifo");
    let mut w = FifoWriter::new(&path, OpenMode::ReadWrite, None);
    assert!(w.open().unwrap());
    assert!(w.created());
    use std::os::unix::fs::FileTypeExt;
    let md = std::fs::metadata(&path).unwrap();
    assert!(md.file_type().is_fifo());
    use std::os::unix::fs::PermissionsExt;
    // 0644 (as keepalived) less the umask: never more than that.
    assert_eq!(md.permissions().mode() & 0o777 & !0o644, 0);
    assert_ne!(md.permissions().mode() & 0o600, 0);

    // Written before any reader: kept in the pipe.
    assert_eq!(
        w.notify(Subject::Instance, "VI_1", Event::Backup, 100),
        Outcome::Written
    );
    assert_eq!(
        w.notify(Subject::Group, "VG_1", Event::Master, 7),
        Outcome::Written
    );
    let rx = reader(path.clone(), 3);
    assert_eq!(
        w.notify(Subject::Instance, "VI_1", Event::MasterRxLowerPri, 104),
        Outcome::Written
    );
    let got = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("reader got the lines");
    assert_eq!(
        got,
        [
            "INSTANCE \"VI_1\" BACKUP 100\n",
            "GROUP \"VG_1\" MASTER 0\n",
            "INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 104\n"
        ]
    );
    assert_eq!(w.stats().written, 3);
    w.close();
    assert!(!path.exists(), "a FIFO we created is unlinked at close");
}

#[test]
fn full_pipe_drops_and_counts_without_blocking() {
    let d = Dir::new("full");
    let path = d.0.join("f");
    let mut w = FifoWriter::new(&path, OpenMode::ReadWrite, None);
    w.open().unwrap();
    let start = Instant::now();
    let mut dropped = 0;
    for _ in 0..5000 {
        match w.notify(Subject::Instance, "VI_1", Event::MasterPriority, 200) {
            Outcome::Written => {}
            Outcome::DroppedFull => dropped += 1,
            o => panic!("unexpected {o:?}"),
        }
    }
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(dropped > 0, "the 64 KiB pipe must fill up");
    assert_eq!(w.stats().dropped, dropped);
    assert_eq!(w.stats().written + w.stats().dropped, 5000);

    // Drain what is there through a second reader fd; the lines are whole.
    let mut r = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags_nonblock()
        .open(&path)
        .unwrap();
    let mut all = Vec::new();
    let mut buf = [0u8; 65536];
    while let Ok(n) = r.read(&mut buf) {
        if n == 0 {
            break;
        }
        all.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8(all).unwrap();
    assert_eq!(text.lines().count() as u64, w.stats().written);
    assert!(text
        .lines()
        .all(|l| l == "INSTANCE \"VI_1\" MASTER_PRIORITY 200"));
    // Room again.
    assert_eq!(
        w.notify(Subject::Instance, "VI_1", Event::Fault, 1),
        Outcome::Written
    );
}

trait NonBlock {
    fn custom_flags_nonblock(&mut self) -> &mut Self;
}
impl NonBlock for std::fs::OpenOptions {
    fn custom_flags_nonblock(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.custom_flags(libc::O_NONBLOCK)
    }
}

#[test]
fn write_only_mode_waits_for_a_reader_and_survives_it_leaving() {
    let d = Dir::new("wo");
    let path = d.0.join("f");
    let mut w = FifoWriter::new(&path, OpenMode::WriteOnly, None);
    // No reader: not an error, nothing opened, the line is dropped and counted.
    assert!(!w.open().unwrap());
    assert!(path.exists() && w.created());
    assert_eq!(
        w.notify(Subject::Instance, "VI_1", Event::Backup, 100),
        Outcome::DroppedNoReader
    );
    assert_eq!(w.stats().dropped, 1);

    // A reader appears (blocked in open until we open for writing).
    let rx = reader(path.clone(), 1);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match w.notify(Subject::Instance, "VI_1", Event::Master, 104) {
            Outcome::Written => break,
            Outcome::DroppedNoReader if Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(5))
            }
            o => panic!("unexpected {o:?}"),
        }
    }
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(5)).unwrap(),
        ["INSTANCE \"VI_1\" MASTER 104\n"]
    );
    // The reader has closed its fd: EPIPE, then no reader.
    assert_eq!(
        w.notify(Subject::Instance, "VI_1", Event::Stop, 0),
        Outcome::DroppedNoReader
    );
    assert!(!w.is_open());
    assert_eq!(
        w.notify(Subject::Instance, "VI_1", Event::Stop, 0),
        Outcome::DroppedNoReader
    );
}

#[test]
fn existing_fifo_is_kept_and_regular_dirs_refused() {
    let d = Dir::new("exist");
    let path = d.0.join("f");
    nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let mut w = FifoWriter::new(&path, OpenMode::ReadWrite, None);
    assert!(w.open().unwrap());
    assert!(!w.created());
    w.close();
    assert!(path.exists(), "a FIFO we did not create stays");
    let mut bad = FifoWriter::new(&d.0, OpenMode::ReadWrite, None);
    assert!(bad.open().is_err());
    assert_eq!(
        bad.notify(Subject::Instance, "VI_1", Event::Master, 1),
        Outcome::DroppedNoReader
    );
}

#[test]
fn created_fifo_gets_the_configured_owner() {
    if !nix::unistd::geteuid().is_root() {
        assert!(std::env::var("CI").is_err(), "chown test needs root in CI");
        return;
    }
    use std::os::unix::fs::MetadataExt;
    let d = Dir::new("owner");
    let path = d.0.join("f");
    let mut w = FifoWriter::new(&path, OpenMode::ReadWrite, Some((65534, 65533)));
    assert!(w.open().unwrap());
    let md = std::fs::metadata(&path).unwrap();
    assert_eq!((md.uid(), md.gid()), (65534, 65533));
}

#[test]
fn both_fifos_get_every_line() {
    use keepalived_rs::notify::fifo::Fifos;
    let d = Dir::new("both");
    let (a, b) = (d.0.join("global"), d.0.join("vrrp"));
    let mut f = Fifos {
        global: Some(FifoWriter::new(&a, OpenMode::ReadWrite, None)),
        vrrp: Some(FifoWriter::new(&b, OpenMode::ReadWrite, None)),
    };
    f.open();
    assert_eq!(f.notify(Subject::Instance, "VI_1", Event::Fault, 100), 2);
    let (ra, rb) = (reader(a.clone(), 1), reader(b.clone(), 1));
    let want = ["INSTANCE \"VI_1\" FAULT 100\n"];
    assert_eq!(ra.recv_timeout(Duration::from_secs(5)).unwrap(), want);
    assert_eq!(rb.recv_timeout(Duration::from_secs(5)).unwrap(), want);
    f.close();
    assert!(!a.exists() && !b.exists());
}
