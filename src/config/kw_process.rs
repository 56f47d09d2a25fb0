//! `vrrp_track_process NAME { ... }`, with keepalived 2.2.7's defaults, ranges and messages
//! (`keepalived/vrrp/vrrp_parser.c`, read for its rules): quorum 1, quorum_max unlimited,
//! weight 0, no delays, the process name matched unless parameters, `param_match` or
//! `full_command` ask for the command line.

use super::parser::{parse_secs, trunc, Ctx, Stmt, Table};
use super::raw::RawTrackProcess;
use super::{ParamMatch, TrackProcess};
use crate::limits::MAX_TRACK_PROCESSES;
use crate::time::Duration;

/// The top-level `vrrp_track_process` block.
pub fn track_process(c: &mut Ctx<'_>, _: &mut (), s: &Stmt) {
    let n = c.raw.track_processes.len();
    if c.full(
        n,
        MAX_TRACK_PROCESSES,
        s.span,
        "vrrp_track_process blocks",
        "MAX_TRACK_PROCESSES",
    ) {
        return;
    }
    let Some(w) = s.arg(0) else {
        c.d.error(
            s.span,
            format!("'{}' without a name - block skipped", s.kw()),
        );
        return;
    };
    let Some(name) = c.text(w) else { return };
    let mut p = RawTrackProcess {
        span: s.span,
        have_process: false,
        tp: TrackProcess::with_defaults(name),
    };
    let b = c.want_block(s);
    c.dispatch(TRACK_PROCESS, &mut p, b);
    if !p.have_process {
        c.d.error(
            s.span,
            format!("track process '{}' process name not specified", p.tp.name),
        );
        return;
    }
    c.raw.track_processes.push(p);
}

fn process(c: &mut Ctx<'_>, p: &mut RawTrackProcess, s: &Stmt) {
    let name = p.tp.name.clone();
    if p.have_process {
        let what = s.arg_str(0).map(trunc).unwrap_or("");
        c.d.error(
            s.span,
            format!("Process already set for track process {name} - ignoring {what}"),
        );
        return;
    }
    let Some(w) = c.arg(s, 0) else { return };
    let Some(path) = c.text(w) else { return };
    p.tp.process = path;
    p.have_process = true;
    let params = s.args().get(1..).unwrap_or(&[]);
    if params.is_empty() {
        return;
    }
    for w in params {
        let fits = p.tp.params.push_str(&w.text).is_ok() && p.tp.params.push('\0').is_ok();
        if !fits {
            c.d.error(
                w.span,
                format!("track process {name} parameters too long - ignoring the process"),
            );
            p.have_process = false;
            return;
        }
    }
    p.tp.has_params = true;
    if p.tp.param_match == ParamMatch::None {
        p.tp.param_match = ParamMatch::Exact;
    }
    p.tp.full_command = true;
}

fn param_match(c: &mut Ctx<'_>, p: &mut RawTrackProcess, s: &Stmt) {
    // keepalived 2.2.7 knows `initial` and `partial`; alone it means exact ("exact" itself
    // is not a keyword there).
    let m = match s.arg_str(0) {
        None => ParamMatch::Exact,
        Some("initial") => ParamMatch::Initial,
        Some("partial") => ParamMatch::Partial,
        Some(other) => {
            let sp = s.arg(0).map_or(s.span, |w| w.span);
            c.d.warn(
                sp,
                format!("Invalid param_match type {} - ignoring", trunc(other)),
            );
            return;
        }
    };
    p.tp.param_match = m;
    p.tp.full_command = true;
}

fn weight(c: &mut Ctx<'_>, p: &mut RawTrackProcess, s: &Stmt) {
    let name = p.tp.name.clone();
    let Some(w) = s.arg(0) else {
        c.d.warn(
            s.span,
            format!("No weight specified for track process {name} - ignoring"),
        );
        return;
    };
    if p.tp.weight != 0 {
        c.d.warn(
            w.span,
            format!(
                "Weight already set for track process {name} - ignoring {}",
                trunc(&w.text)
            ),
        );
        return;
    }
    let v = match w.text.parse::<i64>() {
        Ok(v) if (-254..=254).contains(&v) => v as i16,
        _ => {
            c.d.warn(
                w.span,
                format!(
                    "Weight ({}) for vrrp_track_process {name} must be between [-254..254] inclusive. Ignoring...",
                    trunc(&w.text)
                ),
            );
            return;
        }
    };
    if let Some(o) = s.arg(1) {
        if o.text == "reverse" {
            p.tp.weight_reverse = true;
        } else {
            c.d.warn(
                o.span,
                format!(
                    "vrrp_track_process {name} unknown weight option {}",
                    trunc(&o.text)
                ),
            );
        }
    }
    p.tp.weight = v;
}

/// An unsigned in `[min, max]` or keepalived's "must be between" warning.
fn unsigned(c: &mut Ctx<'_>, s: &Stmt, what: &str, name: &str, min: u32, max: u32) -> Option<u32> {
    let text = s.arg_str(0).unwrap_or("");
    match text.parse::<u64>() {
        Ok(v) if v >= u64::from(min) && v <= u64::from(max) => Some(v as u32),
        _ => {
            let sp = s.arg(0).map_or(s.span, |w| w.span);
            c.d.warn(
                sp,
                format!(
                    "{what} ({}) for vrrp_track_process {name} must be between [{min}..{max}] inclusive. Ignoring...",
                    trunc(text)
                ),
            );
            None
        }
    }
}

fn quorum(c: &mut Ctx<'_>, p: &mut RawTrackProcess, s: &Stmt) {
    let name = p.tp.name.clone();
    let Some(q) = unsigned(c, s, "Quorum", &name, 1, 65535) else {
        return;
    };
    if q > p.tp.quorum_max {
        c.d.warn(s.span, "Quorum is greater than quorum_max - ignoring");
        return;
    }
    p.tp.quorum = q;
}

fn quorum_max(c: &mut Ctx<'_>, p: &mut RawTrackProcess, s: &Stmt) {
    let name = p.tp.name.clone();
    let Some(q) = unsigned(c, s, "quorum_max", &name, 0, 65535) else {
        return;
    };
    // quorum_max 0 is allowed when quorum was left at its default.
    if (q != 0 || p.tp.quorum > 1) && q < p.tp.quorum {
        c.d.warn(s.span, "quorum_max is less than quorum - ignoring");
        return;
    }
    p.tp.quorum_max = q;
    if q == 0 {
        p.tp.quorum = 0;
    } else if p.tp.quorum == 0 {
        p.tp.quorum = 1;
    }
}

fn delay_of(c: &mut Ctx<'_>, p: &mut RawTrackProcess, s: &Stmt, prefix: &str) -> Option<Duration> {
    let text = s.arg_str(0).unwrap_or("");
    match parse_secs(text) {
        Some(d) if d >= Duration::from_micros(1) && d <= Duration::from_secs(3600) => Some(d),
        _ => {
            let sp = s.arg(0).map_or(s.span, |w| w.span);
            c.d.warn(
                sp,
                format!(
                    "{prefix}delay ({}) for vrrp_track_process {} must be between [0.000001..3600] inclusive. Ignoring...",
                    trunc(text),
                    p.tp.name
                ),
            );
            None
        }
    }
}

fn delay(c: &mut Ctx<'_>, p: &mut RawTrackProcess, s: &Stmt) {
    if let Some(d) = delay_of(c, p, s, "") {
        p.tp.fork_delay = d;
        p.tp.terminate_delay = d;
    }
}
fn fork_delay(c: &mut Ctx<'_>, p: &mut RawTrackProcess, s: &Stmt) {
    if let Some(d) = delay_of(c, p, s, "fork_") {
        p.tp.fork_delay = d;
    }
}
fn terminate_delay(c: &mut Ctx<'_>, p: &mut RawTrackProcess, s: &Stmt) {
    if let Some(d) = delay_of(c, p, s, "terminate_") {
        p.tp.terminate_delay = d;
    }
}
fn full_command(_: &mut Ctx<'_>, p: &mut RawTrackProcess, _: &Stmt) {
    p.tp.full_command = true;
}

static TRACK_PROCESS: &Table<RawTrackProcess> = &[
    ("delay", delay),
    ("fork_delay", fork_delay),
    ("full_command", full_command),
    ("param_match", param_match),
    ("process", process),
    ("quorum", quorum),
    ("quorum_max", quorum_max),
    ("terminate_delay", terminate_delay),
    ("weight", weight),
];

#[cfg(test)]
mod tests {
    #[test]
    fn table_is_sorted() {
        assert!(super::TRACK_PROCESS.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
