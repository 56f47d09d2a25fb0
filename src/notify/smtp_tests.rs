use super::*;
use crate::config::model::Global;
use crate::notify::mail::text;
use crate::notify::{Event, Subject};
use crate::time::Duration;

fn cfg(to: &[&str]) -> SmtpConfig {
    let mut v = Vec::new();
    for t in to {
        v.push(text(t)).unwrap();
    }
    SmtpConfig {
        helo_name: text("lb1.example"),
        from: text("keepalived@lb1.example"),
        to: v,
        server: server_label("192.0.2.25:25".parse().unwrap()),
        connect_timeout: Duration::from_secs(30),
        reply_timeout: Duration::from_secs(10),
    }
}

fn alert() -> Alert {
    Alert::vrrp(
        "lb1",
        Subject::Instance,
        "VI_1",
        Event::Master,
        "Tue, 24 Nov 2026 19:40:00 +0000",
    )
    .unwrap()
}

fn t(s: u64) -> Instant {
    Instant::from_secs(s)
}

/// Takes everything the client wants written.
fn take(s: &mut Smtp) -> std::string::String {
    let out = std::string::String::from_utf8(s.output().to_vec()).unwrap();
    let n = out.len();
    s.consumed(n);
    out
}

fn start(s: &mut Smtp) {
    assert!(s.enqueue(alert()));
    assert_eq!(s.poll(t(0)), Phase::Connecting);
    assert_eq!(s.next_deadline(), Some(t(30)));
    s.connected(t(1));
    assert_eq!(s.phase(), Phase::Talking);
    assert_eq!(take(s), "");
}

#[test]
fn good_path_two_recipients_multiline() {
    let mut s = Smtp::new(cfg(&["ops@example.com", "noc@example.com"]));
    start(&mut s);
    s.received(t(1), b"220 mx ESMTP ready\r\n");
    assert_eq!(take(&mut s), "HELO lb1.example\r\n");
    // Multi-line reply in two reads.
    s.received(t(2), b"250-mx.example\r\n250-PIPELIN");
    assert_eq!(take(&mut s), "");
    s.received(t(2), b"ING\r\n250 8BITMIME\r\n");
    assert_eq!(take(&mut s), "MAIL FROM:<keepalived@lb1.example>\r\n");
    s.received(t(3), b"250 OK\r\n");
    assert_eq!(take(&mut s), "RCPT TO:<ops@example.com>\r\n");
    s.received(t(3), b"250 OK\r\n");
    assert_eq!(take(&mut s), "RCPT TO:<noc@example.com>\r\n");
    s.received(t(3), b"250 OK\r\n");
    assert_eq!(take(&mut s), "DATA\r\n");
    s.received(t(4), b"354 go ahead\r\n");
    assert_eq!(
        take(&mut s),
        "Date: Tue, 24 Nov 2026 19:40:00 +0000\r\n\
         From: keepalived@lb1.example\r\n\
         Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state\r\n\
         X-Mailer: Keepalived-rs\r\n\
         To: ops@example.com, noc@example.com\r\n\r\n\
         => VRRP Instance is now owning VRRP VIPs <=\r\n\r\n.\r\n"
    );
    assert_eq!(s.next_deadline(), Some(t(14)));
    s.received(t(5), b"250 queued as 1\r\n");
    assert_eq!(s.last_log(), "SMTP alert successfully sent.");
    assert_eq!(take(&mut s), "QUIT\r\n");
    s.received(t(5), b"221 bye\r\n");
    assert_eq!(s.phase(), Phase::Closing);
    s.closed();
    assert_eq!(s.poll(t(6)), Phase::Idle);
    assert_eq!(
        s.stats(),
        SmtpStats {
            sent: 1,
            failed: 0,
            dropped: 0
        }
    );
}

#[test]
fn error_reply_logs_and_quits_then_next_alert() {
    let mut s = Smtp::new(cfg(&["ops@example.com"]));
    start(&mut s);
    assert!(s.enqueue(alert()));
    s.received(t(1), b"220 hi\r\n");
    take(&mut s);
    s.received(t(1), b"250 ok\r\n");
    take(&mut s);
    s.received(t(1), b"550 5.7.1 relaying denied\r\n");
    assert_eq!(
        s.last_log(),
        "Error processing MAIL cmd on SMTP server [192.0.2.25]:25. SMTP status code = 550"
    );
    assert_eq!(take(&mut s), "QUIT\r\n");
    s.received(t(2), b"221 bye\r\n");
    assert_eq!(s.phase(), Phase::Closing);
    assert_eq!(s.stats().failed, 1);
    s.closed();
    // The queued one starts.
    assert_eq!(s.poll(t(3)), Phase::Connecting);
    s.connected(t(3));
    s.received(t(3), b"421 4.3.2 busy\r\n");
    assert_eq!(
        s.last_log(),
        "Error processing (E)SMTP cmd on SMTP server [192.0.2.25]:25. SMTP status code = 421"
    );
    assert_eq!(take(&mut s), "QUIT\r\n");
    s.peer_closed(t(3));
    assert_eq!(s.phase(), Phase::Closing);
    assert_eq!(s.stats().failed, 2);
}

#[test]
fn timeouts() {
    // Connect timeout.
    let mut s = Smtp::new(cfg(&["a@b"]));
    s.enqueue(alert());
    s.poll(t(0));
    assert_eq!(s.poll(t(29)), Phase::Connecting);
    assert_eq!(s.poll(t(30)), Phase::Closing);
    assert_eq!(
        s.last_log(),
        "Timeout opening connection to remote SMTP server [192.0.2.25]:25."
    );
    assert_eq!(s.stats().failed, 1);

    // Reply timeout: QUIT, then another timeout closes.
    let mut s = Smtp::new(cfg(&["a@b"]));
    start(&mut s);
    assert_eq!(s.next_deadline(), Some(t(11)));
    assert_eq!(s.poll(t(11)), Phase::Talking);
    assert_eq!(
        s.last_log(),
        "Timeout reading data to remote SMTP server [192.0.2.25]:25."
    );
    assert_eq!(take(&mut s), "QUIT\r\n");
    assert_eq!(s.next_deadline(), Some(t(21)));
    assert_eq!(s.poll(t(21)), Phase::Closing);
    assert_eq!(s.next_deadline(), None);
    assert_eq!(s.stats().failed, 1);
}

#[test]
fn connect_error_and_queue_bound() {
    let mut s = Smtp::new(cfg(&["a@b"]));
    for _ in 0..MAX_SMTP_QUEUE {
        assert!(s.enqueue(alert()));
    }
    assert!(!s.enqueue(alert()));
    assert_eq!(s.stats().dropped, 1);
    s.poll(t(0));
    s.connect_failed(t(0));
    assert_eq!(s.last_log(), "SMTP connection ERROR to [192.0.2.25]:25.");
    assert_eq!(s.phase(), Phase::Closing);
    s.closed();
    assert_eq!(s.poll(t(0)), Phase::Connecting);
    assert_eq!(s.queued(), MAX_SMTP_QUEUE - 2);
}

#[test]
fn overlong_reply_is_an_error() {
    let mut s = Smtp::new(cfg(&["a@b"]));
    start(&mut s);
    s.received(t(1), &[b'x'; RX_MAX + 10]);
    assert!(s.last_log().contains("overflow our get read buffer length"));
    assert_eq!(take(&mut s), "QUIT\r\n");
}

#[test]
fn dot_stuffing_and_header_hygiene() {
    let mut s = Smtp::new(cfg(&["a@b"]));
    s.enqueue(Alert::new(
        "x\r\nBcc: evil@x",
        ".first\n.\nmid\r\n..two",
        "d",
    ));
    s.poll(t(0));
    s.connected(t(0));
    for r in [&b"220 x\r\n"[..], b"250 x\r\n", b"250 x\r\n", b"250 x\r\n"] {
        s.received(t(0), r);
        take(&mut s);
    }
    s.received(t(0), b"354 x\r\n");
    let m = take(&mut s);
    assert!(m.contains("Subject: x  Bcc: evil@x\r\n"), "{m}");
    assert!(
        m.ends_with("\r\n\r\n..first\r\n..\r\nmid\r\n...two\r\n\r\n.\r\n"),
        "{m}"
    );
}

#[test]
fn arbitrary_server_bytes_never_panic() {
    let mut seed: u64 = 42;
    for _ in 0..2_000 {
        let mut s = Smtp::new(cfg(&["a@b", "c@d"]));
        start(&mut s);
        for _ in 0..20 {
            let mut buf = [0u8; 64];
            for b in buf.iter_mut() {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let alpha = b"0123452-\r\n x";
                *b = alpha[(seed >> 60) as usize % alpha.len()];
            }
            let n = (seed >> 58) as usize;
            s.received(t(1), &buf[..n]);
            let k = s.output().len();
            s.consumed(k);
            if s.phase() == Phase::Closing {
                s.closed();
                break;
            }
        }
        assert!(s.stats().sent + s.stats().failed <= 1);
    }
}

#[test]
fn date_format() {
    assert_eq!(
        rfc2822_date(0, 0).as_str(),
        "Thu, 01 Jan 1970 00:00:00 +0000"
    );
    assert_eq!(
        rfc2822_date(1_614_591_848, 0).as_str(),
        "Mon, 01 Mar 2021 09:44:08 +0000"
    );
    assert_eq!(
        rfc2822_date(1_614_591_848, -5 * 3600 - 1800).as_str(),
        "Mon, 01 Mar 2021 04:14:08 -0530"
    );
    assert_eq!(
        rfc2822_date(951_782_400, 0).as_str(),
        "Tue, 29 Feb 2000 00:00:00 +0000"
    );
}

#[test]
fn config_from_global_defaults() {
    let mut g = Global::default();
    let addr: core::net::SocketAddr = "[2001:db8::1]:2525".parse().unwrap();
    assert!(SmtpConfig::from_global(&g, addr, "lb1", "root").is_none());
    g.notification_email.push(text("ops@example.com")).unwrap();
    g.smtp_server = Some((text("2001:db8::1"), 2525));
    let c = SmtpConfig::from_global(&g, addr, "lb1", "root").unwrap();
    assert_eq!(c.helo_name.as_str(), "lb1");
    assert_eq!(c.from.as_str(), "root@lb1");
    assert_eq!(c.server.as_str(), "[2001:db8::1]:2525");
    assert_eq!(c.connect_timeout, Duration::from_secs(30));
    g.smtp_helo_name = Some(text("mx-helo"));
    g.notification_email_from = Some(text("ka@x"));
    let c = SmtpConfig::from_global(&g, addr, "", "root").unwrap();
    assert_eq!((c.helo_name.as_str(), c.from.as_str()), ("mx-helo", "ka@x"));
    g.smtp_helo_name = None;
    let c = SmtpConfig::from_global(&g, addr, "", "root").unwrap();
    assert_eq!(c.helo_name.as_str(), "localhost");
}
