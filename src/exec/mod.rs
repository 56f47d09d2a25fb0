//! Running configured commands: command lines → words (`words`) → argv (`argv`), and keepalived's script
//! security rules and script users (`security`).
//!
//! Everything here runs at config load; the loop then spawns from the prepared, fixed-size
//! [`argv::Prepared`] values without allocating.

pub mod argv;
pub mod security;
pub mod words;

use core::fmt;

use crate::config::model::{Command, CommandId, Config};
use argv::{PrepareError, Prepared};
use security::{check_script, security_violation_line, ScriptUsers, UserDb, UserError, Verdict};

/// Why a configured command will not run (log it with Display; keepalived's texts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Disabled {
    User(UserError),
    Prepare(PrepareError),
    /// Refused by `enable_script_security` (the issue lines are in the [`Verdict`]).
    Insecure,
}

impl Disabled {
    /// keepalived's reason when a `vrrp_script` with this command is dropped from tracking
    /// ("Disabling track script %s due to insecure"); `None`: dropped without a line (e.g. not
    /// executable: the line above already said "disabling").
    pub fn track_script_reason(&self) -> Option<&'static str> {
        match self {
            Disabled::Insecure => Some("due to insecure"),
            Disabled::Prepare(
                PrepareError::NotInPath(_)
                | PrepareError::PathPermission(_)
                | PrepareError::CannotAccess(..),
            ) => Some("since not found/accessible"),
            _ => None,
        }
    }
}

impl fmt::Display for Disabled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Disabled::User(e) => e.fmt(f),
            Disabled::Prepare(e) => e.fmt(f),
            Disabled::Insecure => f.write_str("script disabled due to insecure permissions"),
        }
    }
}

/// One command: its user, its argv, its security verdict. `path_env` = the daemon's `PATH`.
pub fn prepare_command(
    cmd: &Command,
    users: &mut ScriptUsers<'_>,
    path_env: Option<&[u8]>,
    script_security: bool,
) -> (Result<Prepared, Disabled>, Verdict) {
    let (uid, gid) = match users.for_command(cmd.user.as_deref(), cmd.group.as_deref()) {
        Ok(x) => x,
        Err(e) => return (Err(Disabled::User(e)), Verdict::default()),
    };
    let p = match argv::prepare(cmd.line.as_bytes(), path_env, uid, gid) {
        Ok(p) => p,
        Err(e) => return (Err(Disabled::Prepare(e)), Verdict::default()),
    };
    let v = check_script(&p, script_security);
    if v.allowed() {
        (Ok(p), v)
    } else {
        (Err(Disabled::Insecure), v)
    }
}

/// Every command of a config prepared at load time, indexed by [`CommandId`]. (Heap use at
/// load only; the loop then spawns from these without allocating.)
#[derive(Debug, Default)]
pub struct PreparedCommands {
    pub commands: std::vec::Vec<Option<Prepared>>,
    /// Why each `None` in `commands` will not run (same indices).
    pub why: std::vec::Vec<Option<Disabled>>,
    /// Lines to log, in keepalived's order (the user lookups' lines, per-command problems,
    /// then the SECURITY VIOLATION summary).
    pub log: std::vec::Vec<std::string::String>,
    pub any_insecure: bool,
}

impl PreparedCommands {
    pub fn get(&self, id: CommandId) -> Option<&Prepared> {
        self.commands.get(id as usize).and_then(Option::as_ref)
    }

    pub fn why(&self, id: CommandId) -> Option<&Disabled> {
        self.why.get(id as usize).and_then(Option::as_ref)
    }
}

/// Prepares every command of `config` (check scripts, notify hooks, FIFO scripts) with
/// keepalived's user, path and security rules. `our` = the daemon's euid/egid.
pub fn prepare_all(
    config: &Config,
    db: &dyn UserDb,
    path_env: Option<&[u8]>,
    our: (u32, u32),
) -> PreparedCommands {
    let g = &config.global;
    let global_user = g
        .script_user
        .as_ref()
        .map(|(u, grp)| (u.as_str(), grp.as_ref().map(|x| x.as_str())));
    let mut users = ScriptUsers::new(db, global_user, g.enable_script_security, our);
    let mut out = PreparedCommands::default();
    let mut lines = std::vec::Vec::new();
    let mut any_script = false;
    for cmd in config.commands.iter() {
        let (r, v) = prepare_command(cmd, &mut users, path_env, g.enable_script_security);
        for i in v.issues.iter() {
            lines.push(i.to_string());
        }
        out.any_insecure |= v.insecure();
        match r {
            Ok(p) => {
                any_script = true;
                out.commands.push(Some(p));
                out.why.push(None);
            }
            Err(e) => {
                if !matches!(e, Disabled::Insecure) {
                    lines.push(e.to_string());
                }
                out.commands.push(None);
                out.why.push(Some(e));
            }
        }
    }
    // keepalived logs the user lookups while parsing, before the security pass.
    out.log.extend(users.log_lines().map(str::to_string));
    out.log.extend(lines);
    if let Some(l) = security_violation_line(any_script, out.any_insecure, g.enable_script_security)
    {
        out.log.push(l.to_string());
    }
    out
}

/// A fresh empty directory under the system temp dir for tests (removed on drop).
#[cfg(test)]
pub(crate) struct TestDir(pub std::path::PathBuf);

#[cfg(test)]
impl TestDir {
    pub(crate) fn new(tag: &str) -> TestDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "kars-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TestDir(std::fs::canonicalize(&p).unwrap())
    }
    pub(crate) fn file(&self, name: &str, body: &str, mode: u32) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = self.0.join(name);
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }
}

#[cfg(test)]
impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::CommandLine;

    struct Db;
    impl UserDb for Db {
        fn user(&self, name: &str) -> Result<Option<(u32, u32)>, security::LookupFailed> {
            Ok((name == "nobody").then_some((65534, 65534)))
        }
        fn group(&self, _: &str) -> Result<Option<u32>, security::LookupFailed> {
            Ok(None)
        }
    }

    fn cmd(line: &str, user: Option<&str>) -> Command {
        let mut l = CommandLine::new();
        l.push_str(line).unwrap();
        Command {
            line: l,
            user: user.map(|u| u.try_into().unwrap()),
            group: None,
        }
    }

    fn run(security: bool) -> PreparedCommands {
        // Config is large: build it on a big stack.
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || {
                let d = TestDir::new("load");
                let script = d.file("notify.sh", "#!/bin/sh\n", 0o755);
                let mut c = Box::new(Config::default());
                c.global.enable_script_security = security;
                c.commands.push(cmd("true", None)).unwrap();
                c.commands.push(cmd("nosuchcmd_kars x", None)).unwrap();
                let line = format!("{}  courier  MASTER", script.display());
                c.commands.push(cmd(&line, Some("nobody"))).unwrap();
                prepare_all(&c, &Db, Some(b"/usr/bin:/bin"), (0, 0))
            })
            .unwrap()
            .join()
            .unwrap()
    }

    #[test]
    fn prepare_all_applies_users_paths_and_security() {
        let p = run(false);
        assert_eq!(p.commands.len(), 3);
        let t = p.get(0).unwrap();
        assert_eq!((t.uid, t.gid), (0, 0));
        assert!(t.words.get(0).unwrap().ends_with(b"/true"));
        assert!(p.get(1).is_none());
        let n = p.get(2).unwrap();
        assert_eq!((n.uid, n.gid), (65534, 65534));
        assert_eq!(
            n.words.iter().skip(1).collect::<std::vec::Vec<_>>(),
            [&b"courier"[..], b"MASTER"]
        );
        assert_eq!(p.log[0], "Script user 'keepalived_script' does not exist");
        assert_eq!(
            p.log[1],
            "Cannot find script nosuchcmd_kars in path - disabling"
        );
        assert_eq!(
            p.log.last().unwrap(),
            "SECURITY VIOLATION - scripts are being executed but script_security not enabled."
        );

        // With enable_script_security and no keepalived_script user: user-less scripts go.
        let p = run(true);
        assert!(p.get(0).is_none() && p.get(1).is_none());
        assert!(p.get(2).is_some());
        assert_eq!(
            p.log,
            [
                "Script user 'keepalived_script' does not exist",
                "Unable to set default user keepalived_script for script",
                "Failed to set default user for script - ignoring",
                "Failed to set default user for script - ignoring",
            ]
        );
    }
}
