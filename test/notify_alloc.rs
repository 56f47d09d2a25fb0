//! The spawn/notify/mail paths the poll loop runs allocate nothing: a counting global
//! allocator (per thread) around each path.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use keepalived_rs::config::model::Text;
use keepalived_rs::exec::argv::{split, Mode, Prepared};
use keepalived_rs::notify::fifo::{format_line, FifoWriter, OpenMode, Outcome};
use keepalived_rs::notify::smtp::{rfc2822_date, Alert, Phase, Smtp, SmtpConfig};
use keepalived_rs::notify::{Event, NotifyArgs, Subject};
use keepalived_rs::time::{Duration, Instant};

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

struct Counting;

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn allocs<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let before = ALLOCS.with(|c| c.get());
    let r = f();
    (r, ALLOCS.with(|c| c.get()) - before)
}

#[test]
fn counter_works() {
    let (_, n) = allocs(|| vec![1u8; 10]);
    assert!(n >= 1);
}

#[test]
fn building_argv_allocates_nothing() {
    let exec = Prepared::from_words(
        split(b"/etc/keepalived/notify.sh courier  MASTER").unwrap(),
        Mode::Exec,
        0,
        0,
    );
    let shell = Prepared::from_words(
        split(b"/etc/keepalived/plain 'a b'").unwrap(),
        Mode::Shell,
        0,
        0,
    );
    let ((), n) = allocs(|| {
        let extra = NotifyArgs::new(Subject::Instance, "VI_1", Event::Master, 104);
        for p in [&exec, &shell] {
            let a = p.exec_args(&extra.words()).unwrap();
            let mut ptrs = [core::ptr::null(); 80];
            assert!(a.fill_ptrs(&mut ptrs).is_some());
            assert!(!a.program().to_bytes().is_empty());
        }
    });
    assert_eq!(n, 0);
}

#[test]
fn fifo_lines_allocate_nothing_once_open() {
    let dir = std::env::temp_dir().join(format!("kars-alloc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut w = FifoWriter::new(dir.join("f"), OpenMode::ReadWrite, None);
    assert!(w.open().unwrap());
    let (outcomes, n) = allocs(|| {
        let l = format_line(Subject::Group, "VG_1", Event::Backup, 0);
        [
            w.write_line(l.as_bytes()),
            w.notify(Subject::Instance, "VI_1", Event::Master, 100),
        ]
    });
    assert_eq!(outcomes, [Outcome::Written, Outcome::Written]);
    assert_eq!(n, 0);
    w.close();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn smtp_dialogue_allocates_nothing() {
    let mut to = heapless::Vec::new();
    to.push(Text::try_from("ops@example.com").unwrap()).unwrap();
    let cfg = SmtpConfig {
        helo_name: Text::try_from("lb1").unwrap(),
        from: Text::try_from("ka@lb1").unwrap(),
        to,
        server: heapless::String::try_from("[192.0.2.1]:25").unwrap(),
        connect_timeout: Duration::from_secs(30),
        reply_timeout: Duration::from_secs(30),
    };
    let mut s = Box::new(Smtp::new(cfg));
    let (sent, n) = allocs(|| {
        let date = rfc2822_date(1_700_000_000, 0);
        let a = Alert::vrrp("lb1", Subject::Instance, "VI_1", Event::Master, &date).unwrap();
        assert!(s.enqueue(a));
        let t = Instant::from_secs(1);
        assert_eq!(s.poll(t), Phase::Connecting);
        s.connected(t);
        for reply in [
            &b"220 x\r\n"[..],
            b"250 x\r\n",
            b"250 x\r\n",
            b"250 x\r\n",
            b"354 x\r\n",
            b"250 x\r\n",
            b"221 x\r\n",
        ] {
            s.received(t, reply);
            let k = s.output().len();
            s.consumed(k);
        }
        s.closed();
        s.poll(t);
        s.stats().sent
    });
    assert_eq!(sent, 1);
    assert_eq!(n, 0);
}
