//! Notifications of state changes: the generic notify's extra arguments, FIFO lines
//! ([`fifo`]), SMTP alerts ([`smtp`] state machine, [`smtp_conn`] socket driver), and the
//! mail texts, all with keepalived 2.2.7's externally visible strings
//! (`keepalived/vrrp/vrrp_notify.c`, `keepalived/core/smtp.c`).
//!
//! Order per transition (keepalived's send_instance_notifies): the specific `notify_<state>`
//! script, the generic `notify` script (extra args `INSTANCE|GROUP name STATE prio`), the FIFO
//! line, then the SMTP alert. A deleted instance is reported as FAULT unless `notify_deleted`.

use core::fmt::Write;

pub mod fifo;
pub mod mail;
pub mod smtp;
pub mod smtp_conn;

/// Instance or sync group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Instance,
    Group,
}

impl Subject {
    /// `INSTANCE` / `GROUP`: the first extra argument of the generic notify and FIFO lines.
    pub const fn keyword(self) -> &'static str {
        match self {
            Subject::Instance => "INSTANCE",
            Subject::Group => "GROUP",
        }
    }
    /// `VRRP Instance` / `VRRP Group`, as in mail subjects.
    pub const fn mail_name(self) -> &'static str {
        match self {
            Subject::Instance => "VRRP Instance",
            Subject::Group => "VRRP Group",
        }
    }
}

/// What is being reported: a state (scripts, FIFO, mail) or an event (FIFO only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Master,
    Backup,
    Fault,
    Stop,
    Deleted,
    /// A master heard a lower-priority advert (`notify_master_rx_lower_pri`).
    MasterRxLowerPri,
    /// Priority changed while master (`vrrp_notify_priority_changes`).
    MasterPriority,
    /// Priority changed while backup (`vrrp_notify_priority_changes`).
    BackupPriority,
}

impl Event {
    /// The word used in the generic notify's argv and in FIFO lines.
    pub const fn word(self) -> &'static str {
        match self {
            Event::Master => "MASTER",
            Event::Backup => "BACKUP",
            Event::Fault => "FAULT",
            Event::Stop => "STOP",
            Event::Deleted => "DELETED",
            Event::MasterRxLowerPri => "MASTER_RX_LOWER_PRI",
            Event::MasterPriority => "MASTER_PRIORITY",
            Event::BackupPriority => "BACKUP_PRIORITY",
        }
    }
    /// keepalived reports DELETED as FAULT unless the instance has `notify_deleted`.
    pub const fn as_reported(self, notify_deleted: bool) -> Event {
        match self {
            Event::Deleted if !notify_deleted => Event::Fault,
            e => e,
        }
    }
}

/// The four extra argv items of the generic `notify` script:
/// `INSTANCE|GROUP name STATE priority` (priority 0 for groups), in a fixed buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifyArgs {
    subject: Subject,
    name: heapless::String<64>,
    event: Event,
    prio: heapless::String<4>,
}

impl NotifyArgs {
    pub fn new(subject: Subject, name: &str, event: Event, priority: u8) -> Self {
        let mut n = heapless::String::new();
        for c in name.chars() {
            if n.push(c).is_err() {
                break;
            }
        }
        let mut prio = heapless::String::new();
        let p = if subject == Subject::Group {
            0
        } else {
            priority
        };
        let _ = write!(prio, "{p}");
        NotifyArgs {
            subject,
            name: n,
            event,
            prio,
        }
    }
    /// The four words, for [`crate::exec::argv::Prepared::exec_args`].
    pub fn words(&self) -> [&[u8]; 4] {
        [
            self.subject.keyword().as_bytes(),
            self.name.as_bytes(),
            self.event.word().as_bytes(),
            self.prio.as_bytes(),
        ]
    }
}

/// Subject suffix and body of an alert mail, or `None` if keepalived sends none for it
/// (events, and DELETED for groups).
pub const fn mail_texts(subject: Subject, event: Event) -> Option<(&'static str, &'static str)> {
    match (subject, event) {
        (Subject::Instance, Event::Master) => Some((
            "Entering MASTER state",
            "=> VRRP Instance is now owning VRRP VIPs <=",
        )),
        (Subject::Instance, Event::Backup) => Some((
            "Entering BACKUP state",
            "=> VRRP Instance is no longer owning VRRP VIPs <=",
        )),
        (Subject::Instance, Event::Fault) => Some((
            "Entering FAULT state",
            "=> VRRP Instance is no longer owning VRRP VIPs <=",
        )),
        (Subject::Instance, Event::Stop) => Some(("Stopping", "=> VRRP Instance stopping <=")),
        (Subject::Instance, Event::Deleted) => Some(("Deleted", "=> VRRP Deleted at reload <=")),
        (Subject::Group, Event::Master) => Some((
            "Entering MASTER state",
            "=> All VRRP group instances are now in MASTER state <=",
        )),
        (Subject::Group, Event::Backup) => Some((
            "Entering BACKUP state",
            "=> All VRRP group instances are now in BACKUP state <=",
        )),
        (Subject::Group, Event::Fault) => Some((
            "Entering FAULT state",
            "=> All VRRP group instances are now in FAULT state <=",
        )),
        (Subject::Group, Event::Stop) => Some((
            "Stopping",
            "=> All VRRP group instances are now stopping <=",
        )),
        _ => None,
    }
}

/// keepalived's subject buffer size (MAX_HEADERS_LENGTH).
pub const SUBJECT_MAX: usize = 256;
/// keepalived's body buffer size (MAX_BODY_LENGTH).
pub const BODY_MAX: usize = 512;

/// `[<router_id>] VRRP Instance <name> - Entering MASTER state`, truncated to
/// [`SUBJECT_MAX`]` - 1` bytes like keepalived's snprintf.
pub fn mail_subject(
    router_id: &str,
    subject: Subject,
    name: &str,
    event: Event,
) -> Option<heapless::String<SUBJECT_MAX>> {
    let (what, _) = mail_texts(subject, event)?;
    let mut s = heapless::String::new();
    for part in [
        "[",
        router_id,
        "] ",
        subject.mail_name(),
        " ",
        name,
        " - ",
        what,
    ] {
        for c in part.chars() {
            if s.len() + c.len_utf8() > SUBJECT_MAX - 1 || s.push(c).is_err() {
                return Some(s);
            }
        }
    }
    Some(s)
}

/// Should a mail be sent for this transition? (keepalived's vrrp_smtp_notifier: alerts
/// enabled, FAULT not suppressed by `no_email_faults`, and the state differs from the last
/// one mailed.) The caller then records `event` as the last mailed state.
pub fn should_mail(
    smtp_alert: bool,
    no_email_faults: bool,
    last_mailed: Option<Event>,
    event: Event,
) -> bool {
    smtp_alert
        && (!no_email_faults || event != Event::Fault)
        && last_mailed != Some(event)
        && matches!(
            event,
            Event::Master | Event::Backup | Event::Fault | Event::Stop | Event::Deleted
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_notify_words() {
        let a = NotifyArgs::new(Subject::Instance, "VI_1", Event::Master, 104);
        assert_eq!(a.words(), [&b"INSTANCE"[..], b"VI_1", b"MASTER", b"104"]);
        let g = NotifyArgs::new(Subject::Group, "VG_1", Event::Stop, 200);
        assert_eq!(g.words(), [&b"GROUP"[..], b"VG_1", b"STOP", b"0"]);
        assert_eq!(Event::Deleted.as_reported(false), Event::Fault);
        assert_eq!(Event::Deleted.as_reported(true), Event::Deleted);
    }

    #[test]
    fn subjects_and_bodies() {
        let s = mail_subject("lb1", Subject::Instance, "VI_1", Event::Master).unwrap();
        assert_eq!(
            s.as_str(),
            "[lb1] VRRP Instance VI_1 - Entering MASTER state"
        );
        let s = mail_subject("lb1", Subject::Group, "VG_1", Event::Fault).unwrap();
        assert_eq!(s.as_str(), "[lb1] VRRP Group VG_1 - Entering FAULT state");
        assert_eq!(
            mail_texts(Subject::Instance, Event::Backup).unwrap().1,
            "=> VRRP Instance is no longer owning VRRP VIPs <="
        );
        assert_eq!(
            mail_texts(Subject::Instance, Event::Deleted).unwrap(),
            ("Deleted", "=> VRRP Deleted at reload <=")
        );
        assert_eq!(
            mail_texts(Subject::Group, Event::Stop).unwrap().1,
            "=> All VRRP group instances are now stopping <="
        );
        assert!(mail_texts(Subject::Group, Event::Deleted).is_none());
        assert!(mail_subject("x", Subject::Instance, "VI_1", Event::MasterRxLowerPri).is_none());
        let long = "r".repeat(300);
        assert_eq!(
            mail_subject(&long, Subject::Instance, "VI_1", Event::Stop)
                .unwrap()
                .len(),
            255
        );
    }

    #[test]
    fn mail_filter() {
        assert!(should_mail(true, false, None, Event::Master));
        assert!(!should_mail(false, false, None, Event::Master));
        assert!(!should_mail(
            true,
            false,
            Some(Event::Master),
            Event::Master
        ));
        assert!(!should_mail(true, true, None, Event::Fault));
        assert!(should_mail(true, true, None, Event::Backup));
        assert!(!should_mail(true, false, None, Event::MasterPriority));
    }
}
