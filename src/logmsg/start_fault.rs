//! The lines keepalived 2.2.7 logs at start-up for each tracker that holds an instance in
//! FAULT (`initialise_tracking_priorities` in vrrp_track.c), before "Entering FAULT STATE".
//! Scripts have none: a failed weight-0 script shows only in its own lines.

use core::fmt;

use crate::config::{Config, TrackTarget};

/// What holds an instance in FAULT at start-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartFault {
    /// `(VI_1): entering FAULT state (interface eth1 down)`: the instance's own interface
    /// (`track: None`) or a `track_interface` entry (an index into `Config::tracks`).
    InterfaceDown { track: Option<u16> },
    /// `(VI_1): entering FAULT state (tracked file tf has status -254)`: weight 0 gives
    /// -254; a weighted file its value × weight when that is -254 or less.
    File { file: u16, status: i64 },
    /// `(VI_1) entering FAULT state (tracked process nginx quorum not achieved)`
    Process { process: u16 },
    /// `(VI_1) entering FAULT state (no IPv4 address for interface)`
    NoAddress { v6: bool },
}

impl StartFault {
    /// keepalived logs all interface lines, then files, then processes, then the address
    /// check.
    pub fn rank(&self) -> u8 {
        match self {
            StartFault::InterfaceDown { .. } => 0,
            StartFault::File { .. } => 1,
            StartFault::Process { .. } => 2,
            StartFault::NoAddress { .. } => 3,
        }
    }

    pub(super) fn write(
        &self,
        f: &mut fmt::Formatter<'_>,
        cfg: &Config,
        inst: u16,
        iname: &str,
    ) -> fmt::Result {
        match *self {
            StartFault::InterfaceDown { track } => {
                let own = cfg
                    .instances
                    .get(inst as usize)
                    .and_then(|c| c.interface.as_ref())
                    .map(|s| s.as_str());
                let name = match track.and_then(|t| cfg.tracks.get(t as usize)) {
                    Some(t) => match &t.target {
                        TrackTarget::Interface(n) => Some(n.as_str()),
                        _ => None,
                    },
                    None => own,
                };
                write!(
                    f,
                    "({iname}): entering FAULT state (interface {} down)",
                    name.unwrap_or("?")
                )
            }
            StartFault::File { file, status } => write!(
                f,
                "({iname}): entering FAULT state (tracked file {} has status {status})",
                cfg.track_files
                    .get(file as usize)
                    .map_or("?", |t| t.name.as_str())
            ),
            StartFault::Process { process } => write!(
                f,
                "({iname}) entering FAULT state (tracked process {} quorum not achieved)",
                cfg.track_processes
                    .get(process as usize)
                    .map_or("?", |t| t.name.as_str())
            ),
            StartFault::NoAddress { v6 } => write!(
                f,
                "({iname}) entering FAULT state (no IPv{} address for interface)",
                if v6 { 6 } else { 4 }
            ),
        }
    }
}
