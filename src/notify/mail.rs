//! What an alert mail says and who gets it: the `global_defs` mail settings resolved at load
//! ([`SmtpConfig`]), one queued alert ([`Alert`]: subject, body, `Date:`), and the RFC 2822
//! date formatter. The dialogue that sends them is [`super::smtp`].

use core::fmt::Write as _;

use heapless::{String, Vec};

use super::{mail_subject, mail_texts, Event, Subject, BODY_MAX, SUBJECT_MAX};
use crate::config::model::{Global, Text};
use crate::limits::MAX_EMAILS;
use crate::time::Duration;

/// What the mailer needs from `global_defs`, resolved once at load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpConfig {
    /// `HELO` argument: `smtp_helo_name`, else the host name, else `localhost`.
    pub helo_name: Text,
    /// `notification_email_from`, else `<user>@<hostname>`.
    pub from: Text,
    pub to: Vec<Text, MAX_EMAILS>,
    /// The server as keepalived prints it in logs: `[192.0.2.1]:25`.
    pub server: String<64>,
    /// `smtp_connect_timeout`: connecting, and (as in keepalived) each reply.
    pub connect_timeout: Duration,
    pub reply_timeout: Duration,
}

pub(super) fn text(s: &str) -> Text {
    let mut t = Text::new();
    for c in s.chars() {
        if t.push(c).is_err() {
            break;
        }
    }
    t
}

impl SmtpConfig {
    /// From the config; `None` when no mail can be sent (no `notification_email` or no
    /// `smtp_server`), as keepalived's smtp_alert returns early then. `server` is the resolved
    /// address of `smtp_server`; `hostname` the local host name; `user` the daemon's user name
    /// (keepalived's default From is `<user>@<hostname>`).
    pub fn from_global(
        g: &Global,
        server: core::net::SocketAddr,
        hostname: &str,
        user: &str,
    ) -> Option<Self> {
        if g.notification_email.is_empty() || g.smtp_server.is_none() {
            return None;
        }
        let helo_name = match (&g.smtp_helo_name, hostname.is_empty()) {
            (Some(h), _) => h.clone(),
            (None, false) => text(hostname),
            (None, true) => text("localhost"),
        };
        let from = match &g.notification_email_from {
            Some(f) => f.clone(),
            None => {
                let mut t = Text::new();
                let _ = write!(t, "{user}@{hostname}");
                t
            }
        };
        Some(SmtpConfig {
            helo_name,
            from,
            to: g.notification_email.clone(),
            server: server_label(server),
            connect_timeout: g.smtp_connect_timeout,
            reply_timeout: g.smtp_connect_timeout,
        })
    }
}

/// `[addr]:port`, keepalived's inet_sockaddrtopair.
pub fn server_label(a: core::net::SocketAddr) -> String<64> {
    let mut s = String::new();
    let _ = write!(s, "[{}]:{}", a.ip(), a.port());
    s
}

/// One alert mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    pub subject: String<SUBJECT_MAX>,
    pub body: String<BODY_MAX>,
    /// RFC 2822 date, e.g. `Mon, 01 Mar 2021 09:44:08 +0000`.
    pub date: String<64>,
}

fn copy<const N: usize>(s: &str) -> String<N> {
    let mut t = String::new();
    for c in s.chars() {
        if t.len() + c.len_utf8() > N - 1 || t.push(c).is_err() {
            break;
        }
    }
    t
}

impl Alert {
    pub fn new(subject: &str, body: &str, date: &str) -> Self {
        Alert {
            subject: copy(subject),
            body: copy(body),
            date: copy(date),
        }
    }
    /// keepalived's VRRP alert: `[router_id] VRRP Instance VI_1 - Entering MASTER state` with
    /// its body; `None` for events keepalived sends no mail for.
    pub fn vrrp(
        router_id: &str,
        subject: Subject,
        name: &str,
        event: Event,
        date: &str,
    ) -> Option<Self> {
        let s = mail_subject(router_id, subject, name, event)?;
        let (_, body) = mail_texts(subject, event)?;
        Some(Alert {
            subject: s,
            body: copy(body),
            date: copy(date),
        })
    }
}

/// Formats a wall-clock time as RFC 2822 (`%a, %d %b %Y %H:%M:%S %z`), for the `Date:`
/// header. `unix_secs` = seconds since the epoch; `utc_offset_secs` = local offset.
pub fn rfc2822_date(unix_secs: i64, utc_offset_secs: i32) -> String<64> {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = unix_secs + utc_offset_secs as i64;
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    let wd = DAYS[days.rem_euclid(7) as usize];
    let off = utc_offset_secs / 60;
    let sign = if off < 0 { '-' } else { '+' };
    let off = off.abs();
    let mut s = String::new();
    let _ = write!(
        s,
        "{wd}, {d:02} {} {y} {:02}:{:02}:{:02} {sign}{:02}{:02}",
        MONTHS[(m - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        off / 60,
        off % 60
    );
    s
}
