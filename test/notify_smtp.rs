//! The SMTP alert client over real TCP: scripted servers in threads (error reply, silent
//! server, refused connection) and a real SMTP server (Python's aiosmtpd, loopback only).
//!
//! aiosmtpd is installed on demand (`python3 -m pip install aiosmtpd`); if it cannot be, the
//! real-server test fails when `CI=true` and is reported as not run otherwise.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::BorrowedFd;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration as StdDuration;

use keepalived_rs::config::model::Text;
use keepalived_rs::notify::smtp::{server_label, Alert, Phase, Smtp, SmtpConfig};
use keepalived_rs::notify::smtp_conn::SmtpConn;
use keepalived_rs::notify::{Event, Subject};
use keepalived_rs::time::{Duration, Instant};
use nix::poll::{poll, PollFd, PollFlags};

fn text(s: &str) -> Text {
    let mut t = Text::new();
    t.push_str(s).unwrap();
    t
}

fn config(server: SocketAddr, to: &[&str], timeout: Duration) -> SmtpConfig {
    let mut v = heapless::Vec::new();
    for a in to {
        v.push(text(a)).unwrap();
    }
    SmtpConfig {
        helo_name: text("lb1.test"),
        from: text("keepalived@lb1.test"),
        to: v,
        server: server_label(server),
        connect_timeout: timeout,
        reply_timeout: timeout,
    }
}

fn alert(name: &str, event: Event) -> Alert {
    Alert::vrrp(
        "lb1",
        Subject::Instance,
        name,
        event,
        "Tue, 24 Nov 2026 19:40:00 +0000",
    )
    .unwrap()
}

/// Runs a poll loop around `conn` until `done` or `limit` (monotonic time from `origin`).
fn drive(conn: &mut SmtpConn, done: impl Fn(&SmtpConn) -> bool, limit: StdDuration) {
    let origin = std::time::Instant::now();
    let now = || Instant::from_micros(origin.elapsed().as_micros() as u64);
    conn.poll(now());
    while !done(conn) {
        assert!(
            origin.elapsed() < limit,
            "no progress: phase {:?}, log {:?}",
            conn.smtp().phase(),
            conn.smtp().last_log()
        );
        let t = now();
        let wait_ms = conn
            .next_deadline()
            .map(|d| (d.saturating_since(t).as_millis() + 1).min(200))
            .unwrap_or(50) as u16;
        let interest = conn.interest();
        let Some(raw) = conn.raw_fd() else {
            thread::sleep(StdDuration::from_millis(wait_ms as u64));
            conn.on_deadline(now());
            continue;
        };
        let mut flags = PollFlags::empty();
        if interest.readable {
            flags |= PollFlags::POLLIN;
        }
        if interest.writable {
            flags |= PollFlags::POLLOUT;
        }
        // SAFETY-free: the fd is owned by `conn` and stays open during this poll.
        let fd = unsafe_free_borrow(raw);
        let mut fds = [PollFd::new(fd, flags)];
        let n = poll(&mut fds, wait_ms).unwrap();
        let rev = fds[0].revents().unwrap_or(PollFlags::empty());
        let t = now();
        if n == 0 {
            conn.on_deadline(t);
        } else if rev.intersects(PollFlags::POLLERR | PollFlags::POLLHUP) {
            conn.on_error(t);
        } else if rev.contains(PollFlags::POLLIN) {
            conn.on_readable(t);
        } else if rev.contains(PollFlags::POLLOUT) {
            conn.on_writable(t);
        }
    }
}

/// Borrows a raw fd for one poll call. The test crate may use unsafe; this is the only place.
fn unsafe_free_borrow<'a>(raw: i32) -> BorrowedFd<'a> {
    #[allow(unsafe_code)]
    // SAFETY: the caller's SmtpConn owns `raw` and does not close it during the poll call.
    unsafe {
        BorrowedFd::borrow_raw(raw)
    }
}

/// A one-shot scripted SMTP server: sends `greeting`, then answers each command line with
/// the next reply from `replies` (None = stay silent). Returns what it received.
fn scripted(
    greeting: &'static str,
    replies: Vec<Option<&'static str>>,
) -> (SocketAddr, thread::JoinHandle<Vec<String>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let h = thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(StdDuration::from_secs(5))).unwrap();
        let mut w = s.try_clone().unwrap();
        let mut r = BufReader::new(s);
        w.write_all(greeting.as_bytes()).unwrap();
        let mut got = Vec::new();
        for reply in replies {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            got.push(line);
            match reply {
                Some(x) => w.write_all(x.as_bytes()).unwrap(),
                None => thread::sleep(StdDuration::from_millis(1500)),
            }
        }
        got
    });
    (addr, h)
}

#[test]
fn rejected_sender_is_logged_and_quit() {
    let (addr, h) = scripted(
        "220-mx first line\r\n220 mx ready\r\n",
        vec![
            Some("250 hi\r\n"),
            Some("553 5.1.8 sender rejected\r\n"),
            Some("221 bye\r\n"),
        ],
    );
    let mut c = SmtpConn::new(
        Smtp::new(config(addr, &["ops@x"], Duration::from_secs(5))),
        addr,
    );
    assert!(c.enqueue(alert("VI_1", Event::Master)));
    drive(
        &mut c,
        |c| c.smtp().phase() == Phase::Idle && c.smtp().stats().failed == 1,
        StdDuration::from_secs(10),
    );
    let got = h.join().unwrap();
    assert_eq!(
        got,
        [
            "HELO lb1.test\r\n",
            "MAIL FROM:<keepalived@lb1.test>\r\n",
            "QUIT\r\n"
        ]
    );
    assert_eq!(
        c.smtp().last_log(),
        format!(
            "Error processing MAIL cmd on SMTP server [127.0.0.1]:{}. SMTP status code = 553",
            addr.port()
        )
    );
    assert!(c.raw_fd().is_none());
}

#[test]
fn silent_server_times_out() {
    let (addr, h) = scripted("220 mx\r\n", vec![None, None]);
    let mut c = SmtpConn::new(
        Smtp::new(config(addr, &["ops@x"], Duration::from_millis(300))),
        addr,
    );
    c.enqueue(alert("VI_1", Event::Backup));
    drive(
        &mut c,
        |c| c.smtp().stats().failed == 1 && c.smtp().phase() == Phase::Idle,
        StdDuration::from_secs(10),
    );
    assert!(c
        .smtp()
        .last_log()
        .starts_with("Timeout reading data to remote SMTP server [127.0.0.1]:"));
    let got = h.join().unwrap();
    assert_eq!(got[0], "HELO lb1.test\r\n");
    assert_eq!(got.get(1).map(String::as_str), Some("QUIT\r\n"));
}

#[test]
fn refused_connection_fails_fast_and_moves_on() {
    // A port nobody listens on.
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut c = SmtpConn::new(
        Smtp::new(config(addr, &["ops@x"], Duration::from_secs(5))),
        addr,
    );
    c.enqueue(alert("VI_1", Event::Master));
    c.enqueue(alert("VI_1", Event::Backup));
    drive(
        &mut c,
        |c| c.smtp().stats().failed == 2 && c.smtp().phase() == Phase::Idle,
        StdDuration::from_secs(5),
    );
    assert_eq!(
        c.smtp().last_log(),
        format!("SMTP connection ERROR to [127.0.0.1]:{}.", addr.port())
    );
}

// ---------------------------------------------------------------------------------------
// A real SMTP server.

struct Server {
    child: Child,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        // Kill exactly the process we started, by its PID, and reap it.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn have_aiosmtpd() -> bool {
    Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn ensure_aiosmtpd() -> bool {
    if have_aiosmtpd() {
        return true;
    }
    // Debian's python refuses system-wide pip installs (PEP 668) unless told otherwise.
    for extra in [&[][..], &["--break-system-packages"][..]] {
        let _ = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "aiosmtpd"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if have_aiosmtpd() {
            return true;
        }
    }
    false
}

fn start_aiosmtpd() -> Option<(Server, SocketAddr)> {
    if !ensure_aiosmtpd() {
        let msg = "aiosmtpd is not available (install it: python3 -m pip install aiosmtpd)";
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{msg}");
        }
        eprintln!("NOT RUN: {msg}");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!("kars-smtp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let child = Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(dir.join("maildir"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn python3 -m aiosmtpd");
    let server = Server { child, dir };
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let start = std::time::Instant::now();
    while TcpStream::connect(addr).is_err() {
        assert!(
            start.elapsed() < StdDuration::from_secs(15),
            "aiosmtpd did not start listening"
        );
        thread::sleep(StdDuration::from_millis(50));
    }
    Some((server, addr))
}

#[test]
fn alerts_arrive_at_a_real_smtp_server() {
    let Some((server, addr)) = start_aiosmtpd() else {
        return;
    };
    let to = ["ops@example.com", "noc@example.com"];
    let mut c = SmtpConn::new(Smtp::new(config(addr, &to, Duration::from_secs(5))), addr);
    assert!(c.enqueue(alert("VI_1", Event::Master)));
    assert!(c.enqueue(
        Alert::vrrp(
            "lb1",
            Subject::Group,
            "VG_1",
            Event::Fault,
            "Tue, 24 Nov 2026 19:41:00 +0000"
        )
        .unwrap()
    ));
    drive(
        &mut c,
        |c| c.smtp().stats().sent == 2 && c.smtp().phase() == Phase::Idle,
        StdDuration::from_secs(20),
    );
    assert_eq!(c.smtp().stats().failed, 0);

    let new = server.dir.join("maildir").join("new");
    let start = std::time::Instant::now();
    let mut mails: Vec<String> = Vec::new();
    while mails.len() < 2 && start.elapsed() < StdDuration::from_secs(5) {
        mails = std::fs::read_dir(&new)
            .map(|d| {
                d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        thread::sleep(StdDuration::from_millis(20));
    }
    assert_eq!(mails.len(), 2, "two messages in {}", new.display());
    mails.sort_by_key(|m| m.contains("VRRP Group"));
    let (inst, group) = (&mails[0], &mails[1]);
    for m in &mails {
        assert!(m.contains("From: keepalived@lb1.test"), "{m}");
        assert!(m.contains("To: ops@example.com, noc@example.com"), "{m}");
        assert!(m.contains("X-Mailer: Keepalived-rs"), "{m}");
        assert!(m.contains("X-MailFrom: keepalived@lb1.test"), "{m}");
        assert!(
            m.contains("X-RcptTo: ops@example.com, noc@example.com"),
            "{m}"
        );
    }
    assert!(
        inst.contains("Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state"),
        "{inst}"
    );
    assert!(
        inst.contains("=> VRRP Instance is now owning VRRP VIPs <="),
        "{inst}"
    );
    assert!(
        inst.contains("Date: Tue, 24 Nov 2026 19:40:00 +0000"),
        "{inst}"
    );
    assert!(
        group.contains("Subject: [lb1] VRRP Group VG_1 - Entering FAULT state"),
        "{group}"
    );
    assert!(
        group.contains("=> All VRRP group instances are now in FAULT state <="),
        "{group}"
    );
    drop(server);
}
