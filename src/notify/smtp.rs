//! A sans-IO SMTP client for alert mails, following keepalived 2.2.7 (`keepalived/core/smtp.c`).
//!
//! Dialogue per alert (one TCP connection each, alerts sent one after another from a bounded
//! queue): connect → `220` → `HELO <smtp_helo_name>` → `250` → `MAIL FROM:<from>` → `250` →
//! `RCPT TO:<addr>` → `250` (for each address) → `DATA` → `354` → headers and body, `.` →
//! `250` → `QUIT` → `221`. Multi-line replies (`250-...`) are read to their last line. A
//! wrong reply code logs keepalived's "Error processing HELO cmd on SMTP server `[ip]:port`.
//! SMTP status code = 550" and ends with `QUIT`; a timeout waiting for a reply logs "Timeout
//! reading data to remote SMTP server ..." and also sends `QUIT`; connection errors end the
//! alert at once. Then the next queued alert goes.
//!
//! The state machine takes no clock: every input carries `now` (monotonic) and
//! [`Smtp::next_deadline`] says when to call [`Smtp::poll`] again. It never touches a socket:
//! the driver ([`super::smtp_conn::SmtpConn`], or a test) opens the connection when
//! [`Smtp::phase`] is [`Phase::Connecting`], reports [`Smtp::connected`], feeds received bytes
//! to [`Smtp::received`], writes [`Smtp::output`] and reports [`Smtp::consumed`], and closes
//! the socket when the phase is [`Phase::Closing`] (then [`Smtp::closed`]).
//!
//! The `Date:` header is a string the daemon formats from the wall clock when it queues the
//! alert ([`rfc2822_date`] helps); keepalived's `X-Mailer: Keepalived` is
//! `X-Mailer: Keepalived-rs` here.

use core::fmt::Write as _;

use heapless::{Deque, String, Vec};

use crate::limits::MAX_SMTP_QUEUE;
use crate::time::Instant;

/// keepalived's receive buffer (SMTP_BUFFER_MAX); a longer pending reply is an error.
pub const RX_MAX: usize = 1024;
/// The largest command or message we send (headers for 16 recipients + a dot-stuffed body).
pub const TX_MAX: usize = 4608;
/// keepalived caps the `To:` header at SMTP_BUFFER_MAX - 1 bytes.
pub const TO_HEADER_MAX: usize = 1023;
/// The `X-Mailer` header value.
pub const MAILER: &str = "Keepalived-rs";

pub use super::mail::{rfc2822_date, server_label, Alert, SmtpConfig};

/// Where the client is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Nothing to send.
    Idle,
    /// The driver must connect (non-blocking) and report `connected` or `connect_failed`.
    Connecting,
    /// Connected: read replies, write [`Smtp::output`].
    Talking,
    /// The driver must close the socket and call [`Smtp::closed`].
    Closing,
}

/// The command whose reply is awaited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Greeting,
    Helo,
    Mail,
    Rcpt,
    Data,
    Body,
    Quit,
}

impl Stage {
    const fn expected(self) -> u16 {
        match self {
            Stage::Greeting => 220,
            Stage::Data => 354,
            Stage::Quit => 221,
            _ => 250,
        }
    }
    /// The name keepalived uses in "Error processing %s cmd".
    const fn name(self) -> &'static str {
        match self {
            Stage::Greeting => "(E)SMTP",
            Stage::Helo => "HELO",
            Stage::Mail => "MAIL",
            Stage::Rcpt => "RCPT",
            Stage::Data => "DATA",
            Stage::Body => "BODY",
            Stage::Quit => "QUIT",
        }
    }
}

/// Counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SmtpStats {
    /// Alerts accepted by the server (250 after the message).
    pub sent: u32,
    /// Alerts given up (connection error, timeout, error reply).
    pub failed: u32,
    /// Alerts dropped because the queue was full.
    pub dropped: u32,
}

/// The SMTP alert client (see the module docs).
pub struct Smtp {
    cfg: SmtpConfig,
    queue: Deque<Alert, MAX_SMTP_QUEUE>,
    current: Option<Alert>,
    phase: Phase,
    stage: Stage,
    /// Index of the next recipient to send `RCPT TO` for.
    rcpt: usize,
    /// The current alert was accepted by the server.
    done: bool,
    rx: Vec<u8, RX_MAX>,
    tx: Vec<u8, TX_MAX>,
    tx_pos: usize,
    deadline: Option<Instant>,
    stats: SmtpStats,
    last_log: String<256>,
}

impl Smtp {
    pub fn new(cfg: SmtpConfig) -> Self {
        Smtp {
            cfg,
            queue: Deque::new(),
            current: None,
            phase: Phase::Idle,
            stage: Stage::Greeting,
            rcpt: 0,
            done: false,
            rx: Vec::new(),
            tx: Vec::new(),
            tx_pos: 0,
            deadline: None,
            stats: SmtpStats::default(),
            last_log: String::new(),
        }
    }

    pub fn config(&self) -> &SmtpConfig {
        &self.cfg
    }
    pub fn phase(&self) -> Phase {
        self.phase
    }
    /// The awaited reply (meaningful while [`Phase::Talking`]).
    pub fn stage(&self) -> Stage {
        self.stage
    }
    pub fn stats(&self) -> SmtpStats {
        self.stats
    }
    /// Alerts waiting (not counting the one being sent).
    pub fn queued(&self) -> usize {
        self.queue.len()
    }
    /// The last line logged (keepalived's text), for tests and status dumps.
    pub fn last_log(&self) -> &str {
        &self.last_log
    }
    /// When [`poll`](Self::poll) must be called at the latest.
    pub fn next_deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::Connecting | Phase::Talking => self.deadline,
            _ => None,
        }
    }

    fn log(&mut self, args: core::fmt::Arguments<'_>) {
        self.last_log.clear();
        let _ = self.last_log.write_fmt(args);
        log::info!("{}", self.last_log);
    }

    /// Queues an alert; `false` (and counted) if the queue is full.
    pub fn enqueue(&mut self, alert: Alert) -> bool {
        if self.queue.push_back(alert).is_err() {
            self.stats.dropped += 1;
            log::warn!("SMTP alert queue full - dropping alert");
            return false;
        }
        true
    }

    /// Starts the next alert when idle, and handles an expired deadline. Call after every
    /// event and whenever [`next_deadline`](Self::next_deadline) has passed.
    pub fn poll(&mut self, now: Instant) -> Phase {
        if let Some(d) = self.next_deadline() {
            if now >= d {
                self.timeout(now);
            }
        }
        if self.phase == Phase::Idle {
            if let Some(a) = self.queue.pop_front() {
                self.current = Some(a);
                self.phase = Phase::Connecting;
                self.stage = Stage::Greeting;
                self.rcpt = 0;
                self.done = false;
                self.rx.clear();
                self.tx.clear();
                self.tx_pos = 0;
                self.deadline = Some(now + self.cfg.connect_timeout);
            }
        }
        self.phase
    }

    fn timeout(&mut self, now: Instant) {
        let server = self.cfg.server.clone();
        match self.phase {
            Phase::Connecting => {
                self.log(format_args!(
                    "Timeout opening connection to remote SMTP server {server}."
                ));
                self.give_up();
            }
            Phase::Talking => {
                self.log(format_args!(
                    "Timeout reading data to remote SMTP server {server}."
                ));
                if self.stage == Stage::Quit {
                    self.give_up();
                } else {
                    self.send_quit(now);
                }
            }
            _ => {}
        }
    }

    /// Ends the current alert: counted as failed unless the server accepted it.
    fn give_up(&mut self) {
        if self.current.take().is_some() && !self.done {
            self.stats.failed += 1;
        }
        self.phase = Phase::Closing;
        self.deadline = None;
        self.tx.clear();
        self.tx_pos = 0;
    }

    /// The TCP connection is established.
    pub fn connected(&mut self, now: Instant) {
        if self.phase != Phase::Connecting {
            return;
        }
        log::debug!("Remote SMTP server {} connected.", self.cfg.server);
        self.phase = Phase::Talking;
        self.stage = Stage::Greeting;
        self.deadline = Some(now + self.cfg.reply_timeout);
    }

    /// The connection could not be made.
    pub fn connect_failed(&mut self, _now: Instant) {
        if self.phase != Phase::Connecting {
            return;
        }
        let server = self.cfg.server.clone();
        self.log(format_args!("SMTP connection ERROR to {server}."));
        self.give_up();
    }

    /// The server closed the connection (read returned 0).
    pub fn peer_closed(&mut self, _now: Instant) {
        if self.phase != Phase::Talking {
            return;
        }
        if !(self.stage == Stage::Quit && self.done) {
            let server = self.cfg.server.clone();
            self.log(format_args!(
                "Remote SMTP server {server} has closed the connection."
            ));
        }
        self.give_up();
    }

    /// A read or write on the socket failed.
    pub fn io_error(&mut self, _now: Instant, writing: bool) {
        if self.phase != Phase::Talking {
            return;
        }
        let server = self.cfg.server.clone();
        if writing {
            self.log(format_args!(
                "Cannot send data to remote SMTP server {server}."
            ));
        } else {
            self.log(format_args!(
                "Error reading data from remote SMTP server {server}."
            ));
        }
        self.give_up();
    }

    /// The driver closed the socket; the next alert may start.
    pub fn closed(&mut self) {
        if self.phase == Phase::Closing {
            self.phase = Phase::Idle;
        }
    }

    /// Bytes to write now.
    pub fn output(&self) -> &[u8] {
        if self.phase != Phase::Talking {
            return &[];
        }
        self.tx.get(self.tx_pos..).unwrap_or(&[])
    }

    /// `n` bytes of [`output`](Self::output) were written.
    pub fn consumed(&mut self, n: usize) {
        self.tx_pos = (self.tx_pos + n).min(self.tx.len());
        if self.tx_pos == self.tx.len() {
            self.tx.clear();
            self.tx_pos = 0;
        }
    }

    /// Bytes read from the socket.
    pub fn received(&mut self, now: Instant, mut data: &[u8]) {
        while self.phase == Phase::Talking && !data.is_empty() {
            let room = RX_MAX - self.rx.len();
            if room == 0 {
                let server = self.cfg.server.clone();
                self.log(format_args!(
                    "Received buffer from remote SMTP server {server} overflow our get read buffer length."
                ));
                self.rx.clear();
                if self.stage == Stage::Quit {
                    self.give_up();
                } else {
                    self.send_quit(now);
                }
                return;
            }
            let take = room.min(data.len());
            let _ = self.rx.extend_from_slice(&data[..take]);
            data = &data[take..];
            self.process(now);
        }
    }

    /// Handles every complete reply in the receive buffer.
    fn process(&mut self, now: Instant) {
        loop {
            if self.phase != Phase::Talking {
                return;
            }
            // Find the last line of one reply.
            let mut start = 0;
            let mut status = None;
            while let Some(nl) = self.rx[start..].iter().position(|&b| b == b'\n') {
                let line = &self.rx[start..start + nl];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                start += nl + 1;
                if line.get(3) == Some(&b'-') {
                    continue;
                }
                status = Some(parse_code(line));
                break;
            }
            let Some(code) = status else {
                return;
            };
            // Drop the consumed reply.
            let rest = self.rx.len() - start;
            self.rx.copy_within(start.., 0);
            self.rx.truncate(rest);
            self.reply(now, code);
        }
    }

    fn reply(&mut self, now: Instant, code: u16) {
        let stage = self.stage;
        if code != stage.expected() {
            let server = self.cfg.server.clone();
            self.log(format_args!(
                "Error processing {} cmd on SMTP server {server}. SMTP status code = {code}",
                stage.name()
            ));
            if stage == Stage::Quit {
                self.give_up();
            } else {
                self.send_quit(now);
            }
            return;
        }
        match stage {
            Stage::Greeting => {
                let helo = self.cfg.helo_name.clone();
                self.send(now, Stage::Helo, &[b"HELO ", helo.as_bytes(), b"\r\n"]);
            }
            Stage::Helo => {
                let from = self.cfg.from.clone();
                self.send(
                    now,
                    Stage::Mail,
                    &[b"MAIL FROM:<", from.as_bytes(), b">\r\n"],
                );
            }
            Stage::Mail | Stage::Rcpt => {
                if let Some(to) = self.cfg.to.get(self.rcpt).cloned() {
                    self.rcpt += 1;
                    self.send(now, Stage::Rcpt, &[b"RCPT TO:<", to.as_bytes(), b">\r\n"]);
                } else {
                    self.send(now, Stage::Data, &[b"DATA\r\n"]);
                }
            }
            Stage::Data => self.send_message(now),
            Stage::Body => {
                self.done = true;
                self.stats.sent += 1;
                self.log(format_args!("SMTP alert successfully sent."));
                self.send_quit(now);
            }
            Stage::Quit => self.give_up(),
        }
    }

    fn send(&mut self, now: Instant, stage: Stage, parts: &[&[u8]]) {
        self.tx.clear();
        self.tx_pos = 0;
        for p in parts {
            if self.tx.extend_from_slice(p).is_err() {
                self.tx.clear();
                self.give_up();
                return;
            }
        }
        self.stage = stage;
        self.deadline = Some(now + self.cfg.reply_timeout);
    }

    fn send_quit(&mut self, now: Instant) {
        self.send(now, Stage::Quit, &[b"QUIT\r\n"]);
    }

    fn send_message(&mut self, now: Instant) {
        let Some(alert) = self.current.clone() else {
            self.give_up();
            return;
        };
        self.tx.clear();
        self.tx_pos = 0;
        let mut m = Msg {
            buf: &mut self.tx,
            ok: true,
        };
        m.put(b"Date: ");
        m.header(alert.date.as_bytes());
        m.put(b"\r\nFrom: ");
        m.header(self.cfg.from.as_bytes());
        m.put(b"\r\nSubject: ");
        m.header(alert.subject.as_bytes());
        m.put(b"\r\nX-Mailer: ");
        m.put(MAILER.as_bytes());
        m.put(b"\r\nTo: ");
        let mut to_len = 0;
        for (i, addr) in self.cfg.to.iter().enumerate() {
            let sep = if i > 0 { 2 } else { 0 };
            if to_len + sep + addr.len() > TO_HEADER_MAX {
                break;
            }
            if i > 0 {
                m.put(b", ");
            }
            m.header(addr.as_bytes());
            to_len += sep + addr.len();
        }
        m.put(b"\r\n\r\n");
        m.body(alert.body.as_bytes());
        m.put(b"\r\n\r\n.\r\n");
        if !m.ok {
            self.tx.clear();
            self.log(format_args!("SMTP alert too long - dropping"));
            self.give_up();
            return;
        }
        self.stage = Stage::Body;
        self.deadline = Some(now + self.cfg.reply_timeout);
    }
}

/// Builds the DATA part; remembers overflow instead of failing at each step.
struct Msg<'a> {
    buf: &'a mut Vec<u8, TX_MAX>,
    ok: bool,
}

impl Msg<'_> {
    fn put(&mut self, b: &[u8]) {
        if self.ok && self.buf.extend_from_slice(b).is_err() {
            self.ok = false;
        }
    }
    /// A header value: CR and LF become spaces (no header injection from names).
    fn header(&mut self, v: &[u8]) {
        for &c in v {
            self.put(&[if c == b'\r' || c == b'\n' { b' ' } else { c }]);
        }
    }
    /// The body: line ends normalised to CRLF, a leading `.` doubled (RFC 5321 4.5.2).
    fn body(&mut self, v: &[u8]) {
        let mut line_start = true;
        let mut i = 0;
        while i < v.len() {
            let c = v[i];
            if line_start && c == b'.' {
                self.put(b".");
            }
            line_start = false;
            match c {
                b'\r' if v.get(i + 1) == Some(&b'\n') => {
                    self.put(b"\r\n");
                    i += 1;
                    line_start = true;
                }
                b'\r' | b'\n' => {
                    self.put(b"\r\n");
                    line_start = true;
                }
                _ => self.put(&[c]),
            }
            i += 1;
        }
    }
}

/// The 3-digit code at the start of a reply line; 0 if malformed.
fn parse_code(line: &[u8]) -> u16 {
    match line {
        [a, b, c, ..] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => {
            (a - b'0') as u16 * 100 + (b - b'0') as u16 * 10 + (c - b'0') as u16
        }
        _ => 0,
    }
}

#[cfg(test)]
#[path = "smtp_tests.rs"]
mod tests;
