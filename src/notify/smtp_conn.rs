//! The socket side of the SMTP alert client: one non-blocking TCP connection per alert,
//! driven by the daemon's poll loop. No thread, no blocking call: `connect` returns
//! EINPROGRESS and completes on writability (checked with `SO_ERROR`), reads and writes stop
//! at EAGAIN, and every wait is bounded by [`Smtp`]'s deadlines.
//!
//! Wiring in the poll loop, each turn:
//! ```text
//! conn.poll(now);                                   // after enqueue() too
//! if let Some(fd) = conn.raw_fd() { register fd with conn.interest() }   // fd changes per alert
//! timer = min(timer, conn.next_deadline())
//! ... poll(2) ...
//! readable → conn.on_readable(now); writable → conn.on_writable(now);
//! POLLERR/POLLHUP → conn.on_error(now)
//! deadline passed → conn.on_deadline(now)
//! ```
//! The address must be resolved at config load ([`resolve_server`]); name lookups block.

use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

use nix::errno::Errno;
use nix::sys::socket::{
    connect, getsockopt, recv, send, socket, sockopt, AddressFamily, MsgFlags, SockFlag,
    SockProtocol, SockType, SockaddrStorage,
};

use super::smtp::{Alert, Phase, Smtp};
use crate::time::Instant;

/// Resolves `smtp_server HOST [PORT]` (blocking; at load time only). The first address.
pub fn resolve_server(host: &str, port: u16) -> Option<SocketAddr> {
    use std::net::ToSocketAddrs;
    (host, port).to_socket_addrs().ok()?.next()
}

/// Which readiness the daemon should wait for on [`SmtpConn::raw_fd`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Interest {
    pub readable: bool,
    pub writable: bool,
}

/// The SMTP alert client with its socket.
pub struct SmtpConn {
    smtp: Smtp,
    server: SocketAddr,
    sock: Option<OwnedFd>,
    connecting: bool,
}

impl SmtpConn {
    pub fn new(smtp: Smtp, server: SocketAddr) -> Self {
        SmtpConn {
            smtp,
            server,
            sock: None,
            connecting: false,
        }
    }

    pub fn smtp(&self) -> &Smtp {
        &self.smtp
    }

    /// Queues an alert (call [`poll`](Self::poll) afterwards); `false` if dropped.
    pub fn enqueue(&mut self, alert: Alert) -> bool {
        self.smtp.enqueue(alert)
    }

    /// The socket to watch, if any (a new one for every alert).
    pub fn fd(&self) -> Option<BorrowedFd<'_>> {
        self.sock.as_ref().map(|s| s.as_fd())
    }
    pub fn raw_fd(&self) -> Option<RawFd> {
        self.sock.as_ref().map(|s| s.as_raw_fd())
    }

    /// What to wait for on the socket.
    pub fn interest(&self) -> Interest {
        match (&self.sock, self.smtp.phase()) {
            (None, _) => Interest::default(),
            (Some(_), _) if self.connecting => Interest {
                readable: false,
                writable: true,
            },
            (Some(_), Phase::Talking) => Interest {
                readable: true,
                writable: !self.smtp.output().is_empty(),
            },
            _ => Interest::default(),
        }
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        self.smtp.next_deadline()
    }

    /// Advances: starts connections for queued alerts, writes pending output, closes
    /// finished connections. Call after every event and when the deadline has passed.
    pub fn poll(&mut self, now: Instant) {
        // Bounded: each pass either waits on I/O or finishes one alert.
        for _ in 0..(crate::limits::MAX_SMTP_QUEUE + 2) * 2 {
            match self.smtp.poll(now) {
                Phase::Idle => return,
                Phase::Connecting => {
                    if self.sock.is_some() {
                        return;
                    }
                    self.start_connect(now);
                }
                Phase::Talking => {
                    self.flush(now);
                    if self.smtp.phase() == Phase::Talking {
                        return;
                    }
                }
                Phase::Closing => {
                    self.sock = None;
                    self.connecting = false;
                    self.smtp.closed();
                }
            }
        }
    }

    fn start_connect(&mut self, now: Instant) {
        let family = match self.server {
            SocketAddr::V4(_) => AddressFamily::Inet,
            SocketAddr::V6(_) => AddressFamily::Inet6,
        };
        let fd = match socket(
            family,
            SockType::Stream,
            SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
            SockProtocol::Tcp,
        ) {
            Ok(fd) => fd,
            Err(_) => {
                self.smtp.connect_failed(now);
                return;
            }
        };
        let addr = SockaddrStorage::from(self.server);
        match connect(fd.as_raw_fd(), &addr) {
            Ok(()) => {
                self.sock = Some(fd);
                self.connecting = false;
                self.smtp.connected(now);
            }
            Err(Errno::EINPROGRESS) | Err(Errno::EINTR) => {
                self.sock = Some(fd);
                self.connecting = true;
            }
            Err(_) => {
                // Kept until the state machine says Closing, so the loop sees one fd life.
                self.sock = Some(fd);
                self.connecting = false;
                self.smtp.connect_failed(now);
            }
        }
    }

    /// Writes as much pending output as the socket takes.
    fn flush(&mut self, now: Instant) {
        let Some(fd) = self.sock.as_ref().map(|s| s.as_raw_fd()) else {
            return;
        };
        if self.connecting {
            return;
        }
        loop {
            let out = self.smtp.output();
            if out.is_empty() {
                return;
            }
            match send(fd, out, MsgFlags::MSG_NOSIGNAL | MsgFlags::MSG_DONTWAIT) {
                Ok(0) => return,
                Ok(n) => self.smtp.consumed(n),
                Err(Errno::EAGAIN) => return,
                Err(Errno::EINTR) => continue,
                Err(_) => {
                    self.smtp.io_error(now, true);
                    return;
                }
            }
        }
    }

    /// The socket is readable.
    pub fn on_readable(&mut self, now: Instant) {
        let Some(fd) = self.sock.as_ref().map(|s| s.as_raw_fd()) else {
            return;
        };
        if self.connecting {
            return self.on_writable(now);
        }
        let mut buf = [0u8; 512];
        loop {
            match recv(fd, &mut buf, MsgFlags::MSG_DONTWAIT) {
                Ok(0) => {
                    self.smtp.peer_closed(now);
                    break;
                }
                Ok(n) => {
                    self.smtp.received(now, &buf[..n]);
                    if self.smtp.phase() != Phase::Talking {
                        break;
                    }
                }
                Err(Errno::EAGAIN) => break,
                Err(Errno::EINTR) => continue,
                Err(_) => {
                    self.smtp.io_error(now, false);
                    break;
                }
            }
        }
        self.poll(now);
    }

    /// The socket is writable (or the connect finished).
    pub fn on_writable(&mut self, now: Instant) {
        if self.sock.is_none() {
            return;
        }
        if self.connecting {
            let err = match self.sock.as_ref() {
                Some(s) => getsockopt(s, sockopt::SocketError).unwrap_or(libc::EIO),
                None => libc::EIO,
            };
            self.connecting = false;
            if err == 0 {
                self.smtp.connected(now);
            } else {
                self.smtp.connect_failed(now);
            }
        }
        self.poll(now);
    }

    /// POLLERR/POLLHUP on the socket: finishes a pending connect (as failed), otherwise reads
    /// (which reports the error or the close).
    pub fn on_error(&mut self, now: Instant) {
        if self.connecting {
            self.on_writable(now)
        } else {
            self.on_readable(now)
        }
    }

    /// The deadline from [`next_deadline`](Self::next_deadline) has passed.
    pub fn on_deadline(&mut self, now: Instant) {
        self.poll(now);
    }
}
