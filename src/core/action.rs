//! Outputs of the core: every effect is one [`Action`]; the daemon executes them in order.
//!
//! [`Actions`] is a fixed-capacity queue ([`ACTIONS_CAPACITY`] entries, no heap). Passes over
//! every instance stop early when the next instance might not fit (`core::batch`), so the
//! queue only fills up for a single instance (or sync group) with more addresses than it
//! holds; then further actions are dropped and counted in [`Actions::overflow`].

use core::net::{Ipv4Addr, Ipv6Addr};

use heapless::Deque;

use crate::config::CommandId;
use crate::core::State;
use crate::logmsg::{Level, LogMsg};
use crate::wire::Destination;

/// Capacity of [`Actions`].
pub const ACTIONS_CAPACITY: usize = 1024;

/// Instance or sync group (notify's first extra argument, FIFO's first word).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// Index into `Config::instances`.
    Instance(u16),
    /// Index into `Config::sync_groups`.
    Group(u16),
}

/// The state word of notifies and FIFO lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotifyState {
    Master,
    Backup,
    Fault,
    Stop,
    Deleted,
    MasterRxLowerPri,
    MasterPriority,
    BackupPriority,
}

impl NotifyState {
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyState::Master => "MASTER",
            NotifyState::Backup => "BACKUP",
            NotifyState::Fault => "FAULT",
            NotifyState::Stop => "STOP",
            NotifyState::Deleted => "DELETED",
            NotifyState::MasterRxLowerPri => "MASTER_RX_LOWER_PRI",
            NotifyState::MasterPriority => "MASTER_PRIORITY",
            NotifyState::BackupPriority => "BACKUP_PRIORITY",
        }
    }
}

/// The four extra argv items of the generic `notify`: `INSTANCE|GROUP name STATE prio`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotifyArgs {
    pub subject: Subject,
    pub state: NotifyState,
    /// Effective priority (0 for groups).
    pub priority: u8,
}

/// One advert to send; [`crate::core::Core::advert_tx`] turns it into a `wire::AdvertTx`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendAdvert {
    pub instance: u16,
    /// Interface to send on (0 when the instance has none: unicast routed by the kernel).
    pub ifindex: u32,
    pub dst: Destination,
    pub priority: u8,
    pub ip_id: u16,
    /// AH sequence number (meaningful with auth_type AH only).
    pub ah_seq: u32,
    /// `instance` indexes `previous_config()`: the priority-0 advert of an instance a reload
    /// removed while it was master.
    pub prev: bool,
}

/// A log line with its level and `-D` flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Log {
    pub msg: LogMsg,
    pub level: Level,
    pub detail: bool,
}

/// One effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    SendAdvert(SendAdvert),
    /// Add `Config::vips[vip]` (a VIP or eVIP of `instance`).
    AddVip {
        instance: u16,
        vip: u16,
    },
    DelVip {
        instance: u16,
        vip: u16,
    },
    /// Remove `previous_config().vips[vip]` (a VIP dropped by a reload).
    DelOldVip {
        vip: u16,
    },
    /// Remove `previous_config().routes[route]` (a route dropped by a reload).
    DelOldRoute {
        route: u16,
    },
    /// A reload removed `previous_config().instances[instance]` (its VIPs are released by
    /// `DelOldVip`/`DelOldRoute`): run its notifies from the previous config, as keepalived
    /// does: `notify_deleted` → DELETED (script `deleted_cmd`), else FAULT (`notify_fault`),
    /// generic notify, FIFO line, SMTP, with `priority`.
    InstanceDeleted {
        instance: u16,
        priority: u8,
    },
    /// Add `Config::routes[route]` (a virtual route of `instance`).
    AddRoute {
        instance: u16,
        route: u16,
    },
    DelRoute {
        instance: u16,
        route: u16,
    },
    SendGarp {
        ifindex: u32,
        addr: Ipv4Addr,
        instance: u16,
    },
    SendNa {
        ifindex: u32,
        addr: Ipv6Addr,
        instance: u16,
    },
    /// Start the check script `Config::scripts[script]`.
    RunScript {
        script: u16,
    },
    /// Run `Config::commands[command]`, with the generic notify's extra args when given.
    RunNotify {
        command: CommandId,
        args: Option<NotifyArgs>,
    },
    /// Write `INSTANCE "VI_1" MASTER 100` to the notify FIFO(s).
    FifoLine(NotifyArgs),
    /// Queue an e-mail; subject per §B.5.
    SmtpAlert {
        subject: Subject,
        state: NotifyState,
    },
    Log(Log),
    /// For the JSON dump and the state file.
    StateChanged {
        instance: u16,
        state: State,
    },
}

impl Action {
    pub fn log(msg: LogMsg) -> Action {
        Action::Log(Log {
            level: msg.level(),
            detail: msg.detail(),
            msg,
        })
    }
}

/// The output queue.
pub struct Actions {
    q: Deque<Action, ACTIONS_CAPACITY>,
    /// Actions dropped because the queue was full.
    pub overflow: u32,
}

impl Default for Actions {
    fn default() -> Self {
        Self::new()
    }
}

impl Actions {
    pub const fn new() -> Self {
        Actions {
            q: Deque::new(),
            overflow: 0,
        }
    }
    pub fn push(&mut self, a: Action) {
        if self.q.push_back(a).is_err() {
            self.overflow = self.overflow.saturating_add(1);
        }
    }
    pub fn pop(&mut self) -> Option<Action> {
        let a = self.q.pop_front();
        if self.q.is_empty() {
            // Start again at slot 0: only as many slots as were ever queued at once are
            // touched (resident), not the whole ring.
            self.q.clear();
        }
        a
    }
    /// Free slots.
    pub fn free(&self) -> usize {
        ACTIONS_CAPACITY - self.q.len()
    }
    pub fn len(&self) -> usize {
        self.q.len()
    }
    pub fn is_empty(&self) -> bool {
        self.q.is_empty()
    }
    pub fn clear(&mut self) {
        self.q.clear();
    }
    pub fn iter(&self) -> impl Iterator<Item = &Action> {
        self.q.iter()
    }
}

/// Render the FIFO line for `args` (`INSTANCE "VI_1" MASTER 100`), without the newline.
pub fn fifo_line(
    cfg: &crate::config::Config,
    args: &NotifyArgs,
    f: &mut impl core::fmt::Write,
) -> core::fmt::Result {
    let (kind, name) = match args.subject {
        Subject::Instance(i) => (
            "INSTANCE",
            cfg.instances
                .get(i as usize)
                .map(|x| x.name.as_str())
                .unwrap_or("?"),
        ),
        Subject::Group(g) => (
            "GROUP",
            cfg.sync_groups
                .get(g as usize)
                .map(|x| x.name.as_str())
                .unwrap_or("?"),
        ),
    };
    write!(
        f,
        "{kind} \"{name}\" {} {}",
        args.state.as_str(),
        args.priority
    )
}

/// Subject line of an SMTP alert: `[router_id] VRRP Instance VI_1 - Entering MASTER state`.
pub fn smtp_subject(
    cfg: &crate::config::Config,
    subject: Subject,
    state: NotifyState,
    f: &mut impl core::fmt::Write,
) -> core::fmt::Result {
    let (kind, name) = match subject {
        Subject::Instance(i) => (
            "Instance",
            cfg.instances
                .get(i as usize)
                .map(|x| x.name.as_str())
                .unwrap_or("?"),
        ),
        Subject::Group(g) => (
            "Group",
            cfg.sync_groups
                .get(g as usize)
                .map(|x| x.name.as_str())
                .unwrap_or("?"),
        ),
    };
    let what = match state {
        NotifyState::Master => "Entering MASTER state",
        NotifyState::Backup => "Entering BACKUP state",
        NotifyState::Fault => "Entering FAULT state",
        NotifyState::Stop => "Stopping",
        NotifyState::Deleted => "Deleted",
        _ => "Priority change",
    };
    let rid = cfg
        .global
        .router_id
        .as_ref()
        .map(|s| s.as_str())
        .unwrap_or("");
    write!(f, "[{rid}] VRRP {kind} {name} - {what}")
}

impl From<NotifyState> for crate::notify::Event {
    fn from(s: NotifyState) -> Self {
        use crate::notify::Event as E;
        match s {
            NotifyState::Master => E::Master,
            NotifyState::Backup => E::Backup,
            NotifyState::Fault => E::Fault,
            NotifyState::Stop => E::Stop,
            NotifyState::Deleted => E::Deleted,
            NotifyState::MasterRxLowerPri => E::MasterRxLowerPri,
            NotifyState::MasterPriority => E::MasterPriority,
            NotifyState::BackupPriority => E::BackupPriority,
        }
    }
}

impl Subject {
    /// The `notify` module's kind (INSTANCE / GROUP).
    pub fn kind(self) -> crate::notify::Subject {
        match self {
            Subject::Instance(_) => crate::notify::Subject::Instance,
            Subject::Group(_) => crate::notify::Subject::Group,
        }
    }

    /// The instance's or group's name in `cfg`.
    pub fn name(self, cfg: &crate::config::Config) -> &str {
        match self {
            Subject::Instance(i) => cfg
                .instances
                .get(i as usize)
                .map(|x| x.name.as_str())
                .unwrap_or(""),
            Subject::Group(g) => cfg
                .sync_groups
                .get(g as usize)
                .map(|x| x.name.as_str())
                .unwrap_or(""),
        }
    }
}
