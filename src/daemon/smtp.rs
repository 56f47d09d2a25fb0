//! SMTP alerts (`smtp_alert`): the core's `SmtpAlert` actions become mails queued on
//! `crate::notify::smtp_conn`, whose non-blocking socket the reactor polls as `Slot::Smtp`.
//! The server is resolved once at start-up (name lookups block).

use super::run::Daemon;
use crate::config::Config;
use crate::core::{NotifyState, Subject};
use crate::notify::smtp::{rfc2822_date, Alert, Smtp, SmtpConfig};
use crate::notify::smtp_conn::{resolve_server, SmtpConn};

use crate::time::Instant;

/// The local host name (start-up only).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Build the mailer when `smtp_server` and `notification_email` are configured.
pub(super) fn mailer(cfg: &Config) -> Option<SmtpConn> {
    let (host, port) = cfg.global.smtp_server.as_ref()?;
    let Some(addr) = resolve_server(host.as_str(), *port) else {
        log::warn!("Unable to resolve smtp_server {}", host);
        return None;
    };
    let user = if crate::sys::process::ids().0 == 0 {
        "root"
    } else {
        "keepalived"
    };
    let sc = SmtpConfig::from_global(&cfg.global, addr, &hostname(), user)?;
    Some(SmtpConn::new(Smtp::new(sc), addr))
}

impl Daemon {
    pub(super) fn smtp_alert(&mut self, subject: Subject, state: NotifyState) {
        let cfg = self.core.config();
        let (subj, name) = match subject {
            Subject::Instance(i) => (
                crate::notify::Subject::Instance,
                cfg.instances.get(i as usize).map(|x| x.name.as_str()),
            ),
            Subject::Group(g) => (
                crate::notify::Subject::Group,
                cfg.sync_groups.get(g as usize).map(|x| x.name.as_str()),
            ),
        };
        let Some(conn) = self.smtp.as_mut() else {
            return;
        };
        let router_id = cfg
            .global
            .router_id
            .as_ref()
            .map(|r| r.as_str())
            .unwrap_or(self.hostname.as_str());
        let date = rfc2822_date(crate::sys::realtime_secs() as i64, 0);
        let event = super::exec::event_of(state);
        if let Some(alert) = Alert::vrrp(router_id, subj, name.unwrap_or("?"), event, &date) {
            if !conn.enqueue(alert) {
                log::warn!("SMTP alert queue full: alert dropped");
            }
            conn.poll(crate::sys::timerfd::now());
        }
        self.smtp_sync();
    }

    /// Tell the reactor what the SMTP connection waits for; log its progress lines.
    pub(super) fn smtp_sync(&mut self) {
        let Some(conn) = self.smtp.as_ref() else {
            return;
        };
        let i = conn.interest();
        let mut ev = 0;
        if i.readable {
            ev |= libc::POLLIN;
        }
        if i.writable {
            ev |= libc::POLLOUT;
        }
        self.reactor.set_extra(conn.raw_fd(), ev);
        let line = conn.smtp().last_log();
        if !line.is_empty() && line != self.smtp_logged.as_str() {
            log::info!("{}", line);
            self.smtp_logged.clear();
            let _ = self.smtp_logged.push_str(line);
        }
    }

    /// Readiness of the SMTP socket.
    pub(super) fn on_smtp(&mut self, revents: i16, now: Instant) {
        if let Some(c) = self.smtp.as_mut() {
            if revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0
                && revents & libc::POLLIN == 0
            {
                c.on_error(now);
            } else {
                if revents & libc::POLLIN != 0 {
                    c.on_readable(now);
                }
                if revents & libc::POLLOUT != 0 {
                    c.on_writable(now);
                }
            }
            c.poll(now);
        }
        self.smtp_sync();
    }

    /// Timer turn: a passed SMTP deadline.
    pub(super) fn smtp_timer(&mut self, now: Instant) {
        if let Some(c) = self.smtp.as_mut() {
            if c.next_deadline().is_some_and(|d| d <= now) {
                c.on_deadline(now);
                c.poll(now);
            }
        }
        self.smtp_sync();
    }

    pub(super) fn smtp_deadline(&self) -> Option<Instant> {
        self.smtp.as_ref().and_then(|c| c.next_deadline())
    }
}
