//! `keepalived.data`: a readable dump of each instance's configuration and state (SIGUSR1).
//! keepalived calls this format unstable; ours keeps its headings and `key = value` style.

use core::fmt;
use std::io::{self, Write};

use super::{state_name, InstanceStatus, VipText};
use crate::config::ParamMatch;

/// Write one instance's block.
pub fn write_instance<W: Write>(st: &InstanceStatus<'_>, out: &mut W) -> io::Result<()> {
    writeln!(out, " VRRP Instance = {}", st.iname)?;
    writeln!(out, "   VRRP Version = {}", st.version)?;
    writeln!(out, "   State = {}", state_name(st.state))?;
    writeln!(out, "   Wantstate = {}", state_name(st.wantstate))?;
    if let Some(ifname) = st.ifname {
        writeln!(out, "   Interface = {ifname}")?;
    }
    writeln!(out, "   Virtual Router ID = {}", st.vrid)?;
    writeln!(out, "   Priority = {}", st.base_priority)?;
    writeln!(out, "   Effective priority = {}", st.effective_priority)?;
    writeln!(out, "   Master priority = {}", st.master_priority)?;
    writeln!(out, "   Advert interval = {}sec", st.adver_int_s)?;
    writeln!(
        out,
        "   Master advert interval = {}sec",
        st.master_adver_int_s
    )?;
    writeln!(
        out,
        "   Preempt = {}",
        if st.nopreempt { "disabled" } else { "enabled" }
    )?;
    writeln!(out, "   Preempt delay = {} secs", st.preempt_delay_s)?;
    writeln!(
        out,
        "   Send advert after receive lower priority advert = {}",
        !st.lower_prio_no_advert
    )?;
    writeln!(
        out,
        "   Send advert after receive higher priority advert = {}",
        st.higher_prio_send_advert
    )?;
    writeln!(out, "   Gratuitous ARP delay = {}", st.garp_delay_s)?;
    writeln!(out, "   Gratuitous ARP repeat = {}", st.garp_rep)?;
    writeln!(out, "   Gratuitous ARP refresh = {}", st.garp_refresh_s)?;
    writeln!(
        out,
        "   Gratuitous ARP refresh repeat = {}",
        st.garp_refresh_rep
    )?;
    let auth = match st.auth_type {
        1 => "PASS",
        2 => "AH",
        _ => "none",
    };
    writeln!(out, "   Authentication type = {auth}")?;
    writeln!(
        out,
        "   Split brain seen = {} ({} times)",
        st.split_brain, st.split_brain_count
    )?;
    if !st.vips.is_empty() {
        writeln!(out, "   Virtual IP ({}):", st.vips.len())?;
        for vip in st.vips {
            writeln!(
                out,
                "     {}",
                VipText {
                    vip,
                    default_dev: st.default_dev,
                    set: st.vipset
                }
            )?;
        }
    }
    if !st.evips.is_empty() {
        writeln!(out, "   Virtual IP Excluded ({}):", st.evips.len())?;
        for vip in st.evips {
            writeln!(
                out,
                "     {}",
                VipText {
                    vip,
                    default_dev: st.default_dev,
                    set: st.vipset
                }
            )?;
        }
    }
    for name in st.track_script {
        writeln!(out, "   Tracked script = {name}")?;
    }
    for name in st.track_ifp {
        writeln!(out, "   Tracked interface = {name}")?;
    }
    Ok(())
}

/// A tracker as a list line names it: `NAME, weight W` plus ` reverse` (an instance's
/// `Tracked processes`, a tracker's `Tracking instances`; keepalived 2.2.7
/// `vrrp_track.c:dump_track_process`, `vrrp_data.c:dump_tracking_vrrp`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeightedRef<'a> {
    pub name: &'a str,
    pub weight: i32,
    pub reverse: bool,
}

impl fmt::Display for WeightedRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, weight {}", self.name, self.weight)?;
        if self.reverse {
            f.write_str(" reverse")?;
        }
        Ok(())
    }
}

/// The `track_process` entries of one instance, after its block; nothing when it has none.
pub fn write_tracked_processes<'a, W: Write>(
    refs: impl IntoIterator<Item = WeightedRef<'a>>,
    out: &mut W,
) -> io::Result<()> {
    let mut refs = refs.into_iter().peekable();
    if refs.peek().is_some() {
        writeln!(out, "   Tracked processes :")?;
    }
    for r in refs {
        writeln!(out, "     {r}")?;
    }
    Ok(())
}

/// The heading of the `vrrp_track_process` section (after the instances).
pub const PROCESS_SECTION: &str = "------< VRRP Track processes >------";

/// Everything the data dump shows about one `vrrp_track_process`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcessTrackerStatus<'a> {
    pub name: &'a str,
    /// The process name, or argv[0] with `full_command`.
    pub process: &'a str,
    /// The configured parameters, each followed by a NUL; `None` when none were configured.
    pub params: Option<&'a str>,
    pub param_match: ParamMatch,
    pub quorum: u32,
    /// `None`: no upper bound.
    pub quorum_max: Option<u32>,
    /// Matching processes at the last scan.
    pub count: u32,
    /// The state the tracking instances see.
    pub have_quorum: bool,
    pub weight: i32,
    pub weight_reverse: bool,
    pub terminate_delay_s: f64,
    pub fork_delay_s: f64,
    pub full_command: bool,
}

/// One tracker's block (keepalived 2.2.7 `vrrp_data.c:dump_vprocess`); `tracking` lists the
/// instances it affects.
///
/// keepalived also prints "Fork delay timer [not ]running" and "Terminate delay timer
/// [not ]running" here. The core keeps one pending deadline per tracker without recording
/// which of the two delays started it, so those two lines are left out rather than guessed.
pub fn write_process_tracker<'a, W: Write>(
    t: &ProcessTrackerStatus<'_>,
    tracking: impl IntoIterator<Item = WeightedRef<'a>>,
    out: &mut W,
) -> io::Result<()> {
    writeln!(out, " VRRP Track process = {}", t.name)?;
    writeln!(out, "   Process = {}", t.process)?;
    if let Some(params) = t.params {
        // Shown space-separated: each parameter's NUL but the last becomes a space.
        let params = params.strip_suffix('\0').unwrap_or(params);
        write!(out, "   Parameters = ")?;
        for (i, p) in params.split('\0').enumerate() {
            if i > 0 {
                out.write_all(b" ")?;
            }
            out.write_all(p.as_bytes())?;
        }
        writeln!(out)?;
    }
    match t.param_match {
        ParamMatch::None => {}
        ParamMatch::Exact => writeln!(out, "   Param match")?,
        ParamMatch::Partial => writeln!(out, "   Param match = partial")?,
        ParamMatch::Initial => writeln!(out, "   Param match = initial")?,
    }
    writeln!(out, "   Min processes = {}", t.quorum)?;
    if let Some(max) = t.quorum_max {
        writeln!(out, "   Max processes = {max}")?;
    }
    writeln!(out, "   Current processes = {}", t.count)?;
    writeln!(out, "   Have quorum = {}", t.have_quorum)?;
    writeln!(
        out,
        "   Weight = {}{}",
        t.weight,
        if t.weight_reverse { " reverse" } else { "" }
    )?;
    writeln!(out, "   Terminate delay = {:.6}s", t.terminate_delay_s)?;
    writeln!(out, "   Fork delay = {:.6}s", t.fork_delay_s)?;
    writeln!(out, "   Full command = {}", t.full_command)?;
    let mut tracking = tracking.into_iter().peekable();
    if tracking.peek().is_some() {
        writeln!(out, "   Tracking instances :")?;
    }
    for r in tracking {
        writeln!(out, "     {r}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &ProcessTrackerStatus<'_>, tracking: &[WeightedRef<'_>]) -> String {
        let mut out = Vec::new();
        write_process_tracker(t, tracking.iter().copied(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn tracker() -> ProcessTrackerStatus<'static> {
        ProcessTrackerStatus {
            name: "web",
            process: "nginx",
            params: None,
            param_match: ParamMatch::None,
            quorum: 1,
            quorum_max: None,
            count: 0,
            have_quorum: false,
            weight: 0,
            weight_reverse: false,
            terminate_delay_s: 0.0,
            fork_delay_s: 0.0,
            full_command: false,
        }
    }

    #[test]
    fn process_tracker_block_with_defaults() {
        assert_eq!(
            text(&tracker(), &[]),
            " VRRP Track process = web\n   Process = nginx\n   Min processes = 1\n   \
             Current processes = 0\n   Have quorum = false\n   Weight = 0\n   \
             Terminate delay = 0.000000s\n   Fork delay = 0.000000s\n   Full command = false\n"
        );
    }

    #[test]
    fn process_tracker_block_with_everything() {
        let t = ProcessTrackerStatus {
            process: "/usr/bin/python3",
            params: Some("-m\0http.server\08080\0"),
            param_match: ParamMatch::Partial,
            quorum: 2,
            quorum_max: Some(4),
            count: 3,
            have_quorum: true,
            weight: -20,
            weight_reverse: true,
            terminate_delay_s: 2.5,
            fork_delay_s: 0.000001,
            full_command: true,
            ..tracker()
        };
        let tracking = [
            WeightedRef {
                name: "VI_1",
                weight: 10,
                reverse: false,
            },
            WeightedRef {
                name: "VI_2",
                weight: 5,
                reverse: true,
            },
        ];
        let want = [
            " VRRP Track process = web",
            "   Process = /usr/bin/python3",
            "   Parameters = -m http.server 8080",
            "   Param match = partial",
            "   Min processes = 2",
            "   Max processes = 4",
            "   Current processes = 3",
            "   Have quorum = true",
            "   Weight = -20 reverse",
            "   Terminate delay = 2.500000s",
            "   Fork delay = 0.000001s",
            "   Full command = true",
            "   Tracking instances :",
            "     VI_1, weight 10",
            "     VI_2, weight 5 reverse",
        ];
        assert_eq!(text(&t, &tracking).lines().collect::<Vec<_>>(), want);
        // Exact and initial matching; one empty parameter prints as nothing after " = ".
        let exact = ProcessTrackerStatus {
            params: Some("\0"),
            param_match: ParamMatch::Exact,
            ..tracker()
        };
        let s = text(&exact, &[]);
        assert!(
            s.contains("\n   Parameters = \n   Param match\n   Min"),
            "{s}"
        );
        let initial = ProcessTrackerStatus {
            param_match: ParamMatch::Initial,
            ..tracker()
        };
        assert!(text(&initial, &[]).contains("\n   Param match = initial\n"));
    }

    #[test]
    fn tracked_processes_of_an_instance() {
        let mut out = Vec::new();
        write_tracked_processes([], &mut out).unwrap();
        assert!(out.is_empty(), "no heading without entries");
        let refs = [
            WeightedRef {
                name: "web",
                weight: 0,
                reverse: false,
            },
            WeightedRef {
                name: "db",
                weight: -10,
                reverse: true,
            },
        ];
        write_tracked_processes(refs, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "   Tracked processes :\n     web, weight 0\n     db, weight -10 reverse\n"
        );
    }
}
