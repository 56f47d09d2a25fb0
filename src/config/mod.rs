//! `keepalived.conf` → a typed, validated, fixed-capacity [`Config`].
//!
//! Layers: [`lexer`] (tokens with file:line:col spans, quotes, comments, includes, `$NAME`
//! definitions, `@id` conditionals) → [`parser`] (statement tree, sorted keyword tables per
//! block in `kw_*`) → [`validate`] (keepalived 2.2.7's load-time rules and cross-checks, pools)
//! → [`Config`]. Diagnostics are collected, all of them, and printed as
//! `FILE:LINE:COL: error|warning: message`; [`Diagnostics::exit_code`] gives keepalived's `-t`
//! exit class. [`dump`] prints a `Config` back in canonical keepalived syntax.
//!
//! Loading allocates (load time is not steady state); the result is one boxed [`Config`].
//!
//! ## API
//! - [`load`]`(path, &LoadOptions) -> Loaded` and [`parse_str`]`(name, text, &LoadOptions)`;
//!   [`Loaded`]`{ config: Option<Box<Config>>, diags: Diagnostics }`, config None when fatal.
//! - [`Diagnostics`]: iterable, `Display` per line, [`Diagnostics::exit_code`] = `-t` class.
//! - [`dump::dump`]`(&Config) -> String`: `-d`, parses back to an equal `Config`.
//!
//! ## What the rest of the program can rely on
//! - Commands ([`Command::line`]) are the first word after the keyword, quotes removed and
//!   escapes applied; single-quoted parts inside stay as written for the exec layer to split
//!   (keepalived's rule); further words are user and group. A script's user is on its command.
//! - Command ids are assigned in a fixed order: `notify_fifo_script`,
//!   `vrrp_notify_fifo_script`, scripts, instances (master, backup, fault, stop, notify,
//!   master_rx_lower_pri, deleted), sync groups.
//! - An instance's trackers are ordered scripts, files, interfaces (each as written); weighted
//!   trackers of sync-group members are removed unless `sync_group_tracking_weight`.
//! - Every instance has a VRID, a version (3 for IPv6), a family, an interface unless it is
//!   unicast, and an `advert_int` valid for its version; `unicast_ttl` is 255 without peers.
//!
//! ## Deliberate differences from keepalived 2.2.7
//! - A missing or unreadable main file is fatal (exit 4; keepalived says 0).
//! - A config that exceeds a build-time capacity is fatal, naming the limit.
//! - Of two instances with the same VRID, interface and family, the later one is dropped.
//! - Interfaces, users and script paths are not looked up at load time (the daemon does that
//!   when it starts), so `-t` does not report non-existent interfaces.
//! - A plain `include` that matches nothing is a warning (keepalived is silent).
//! - Not implemented: `~SEQ`/`~LST` line replication and the predefined `${_...}` names.

pub mod addr;
pub mod complete;
pub mod diag;
pub mod dump;
pub mod glob;
pub mod ifaces;
pub mod kw_global;
pub mod kw_other;
pub mod kw_process;
pub mod kw_vrrp;
pub mod lexer;
pub mod model;
pub mod parser;
pub mod raw;
pub mod validate;

use std::path::Path;

pub use diag::{Diagnostic, Diagnostics, Severity, Span};
pub use model::*;

/// How to load.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// The config id for `@ID` lines (`-i`); None = first label of the host name.
    pub config_id: Option<String>,
    /// `-e/--all-config`: a missing include file is an error, not a warning.
    pub all_config: bool,
    /// `-t` only: whether an interface exists (`sys::ioctl::ifindex`); each name the config
    /// uses that does not is warned, as keepalived's `-t` does. None: not looked up (the
    /// daemon follows interfaces that appear later).
    pub iface_exists: Option<fn(&str) -> bool>,
}

impl LoadOptions {
    fn id(&self) -> String {
        self.config_id
            .clone()
            .unwrap_or_else(lexer::default_config_id)
    }
}

/// The result of a load: the config (None when something fatal was found) and every
/// diagnostic.
#[derive(Debug)]
pub struct Loaded {
    pub config: Option<Box<Config>>,
    pub diags: Diagnostics,
}

/// Loads `path` and everything it includes.
pub fn load(path: &Path, opts: &LoadOptions) -> Loaded {
    let mut diags = Diagnostics::new();
    let name = path.to_string_lossy().into_owned();
    let file = diags.add_file(&name);
    let id = opts.id();
    let tokens = {
        let mut lx = lexer::Lexer::new(&mut diags, &id);
        lx.all_config = opts.all_config;
        if !lx.lex_file(
            path,
            0,
            Span {
                file,
                line: 0,
                col: 0,
            },
        ) {
            drop(lx);
            return Loaded {
                config: None,
                diags,
            };
        }
        core::mem::take(&mut lx.tokens)
    };
    finish(tokens, diags, opts)
}

/// Parses `text` as if it were the file `name`; includes resolve relative to the current
/// directory. For tests and fuzzing.
pub fn parse_str(name: &str, text: &str, opts: &LoadOptions) -> Loaded {
    let mut diags = Diagnostics::new();
    let id = opts.id();
    let tokens = {
        let mut lx = lexer::Lexer::new(&mut diags, &id);
        lx.all_config = opts.all_config;
        lx.lex_text(name, text, Path::new(""), 0);
        core::mem::take(&mut lx.tokens)
    };
    finish(tokens, diags, opts)
}

fn finish(mut tokens: Vec<lexer::Token>, mut diags: Diagnostics, opts: &LoadOptions) -> Loaded {
    if diags.has_fatal() {
        return Loaded {
            config: None,
            diags,
        };
    }
    let tree = parser::build_tree(&mut tokens, &mut diags);
    drop(tokens);
    let mut ctx = parser::Ctx {
        d: &mut diags,
        raw: raw::RawConfig::default(),
    };
    ctx.dispatch(kw_other::TOP, &mut (), &tree);
    let raw = core::mem::take(&mut ctx.raw);
    let config = if diags.has_fatal() {
        None
    } else {
        validate::validate(raw, opts.iface_exists, &mut diags)
    };
    let config = if diags.has_fatal() { None } else { config };
    Loaded { config, diags }
}

/// An empty configuration on the heap.
///
/// `Config` is megabytes (its pools are inline `heapless` vectors), so it is built in place
/// on the heap by [`crate::sys::mem::empty_config`] rather than on the stack: the daemon
/// stays single-threaded and a small stack (a router's, a test thread's) is enough.
pub fn new_config() -> Box<Config> {
    crate::sys::mem::empty_config()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_box_is_built_without_stack_overflow() {
        let c = new_config();
        eprintln!("size_of::<Config>() = {}", core::mem::size_of::<Config>());
        assert!(c.instances.is_empty());
    }
}
