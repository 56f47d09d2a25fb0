//! keepalived's script security (`enable_script_security`) and script users (`script_user`,
//! per-script `user USER [GROUP]`), as in keepalived 2.2.7 `lib/notify.c`
//! (check_security, check_script_secure, get_default_script_user, set_uid_gid) and
//! `keepalived/vrrp/vrrp.c` (check_vrrp_script_security).
//!
//! Rules:
//! - A script run with root privileges (uid or gid 0, or a set-uid/set-gid root file) is
//!   *insecure* when the file or any directory on its path (and on the path of its symlink
//!   target) is owned by a non-root user, or is group-writable with a non-root group, or
//!   world-writable (directories with the sticky bit, like `/tmp`, excepted for the write
//!   bits). Insecure scripts are logged ("Unsafe permissions found for script '%s'.") and,
//!   with `enable_script_security`, not run (" - disabling").
//! - The default script user is `script_user` if given, else `keepalived_script` if that user
//!   exists, else the daemon's own uid/gid (root) — but not with `enable_script_security`,
//!   where scripts without a user are then dropped.
//! - If any script will run and security is not enabled, one line is logged:
//!   "SECURITY VIOLATION - scripts are being executed but script_security not enabled."
//!
//! All of this runs at config load time.

use core::fmt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use super::argv::{Mode, Prepared};

/// The user keepalived looks for when no `script_user` is configured.
pub const DEFAULT_SCRIPT_USER: &str = "keepalived_script";

/// A problem found on a script's path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Issue {
    /// `check_script_secure could not find script '%s' - disabling`
    NotFound(String),
    /// `check_script_secure('%s') returned errno %d - %s - disabling`
    Errno(String, i32, String),
    /// `Wrong file type found in script path '%s'.`
    WrongType(String),
    /// `Unsafe permissions found for script '%s'[ - disabling].`
    Unsafe { script: String, enforcing: bool },
}

impl Issue {
    /// Does this issue stop the script from running?
    pub fn disables(&self) -> bool {
        match self {
            Issue::Unsafe { enforcing, .. } => *enforcing,
            _ => true,
        }
    }
    pub fn is_insecure(&self) -> bool {
        matches!(self, Issue::Unsafe { .. })
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Issue::NotFound(s) => write!(
                f,
                "check_script_secure could not find script '{s}' - disabling"
            ),
            Issue::Errno(s, n, m) => {
                write!(
                    f,
                    "check_script_secure('{s}') returned errno {n} - {m} - disabling"
                )
            }
            Issue::WrongType(s) => write!(f, "Wrong file type found in script path '{s}'."),
            Issue::Unsafe { script, enforcing } => write!(
                f,
                "Unsafe permissions found for script '{script}'{}.",
                if *enforcing { " - disabling" } else { "" }
            ),
        }
    }
}

/// Is this one path element unsafe for a root-run script (keepalived's test)?
pub fn element_unsafe(mode: u32, uid: u32, gid: u32) -> bool {
    let fmt = mode & 0o170000;
    let is_dir = fmt == 0o040000;
    let is_reg = fmt == 0o100000;
    let sticky = mode & 0o1000 != 0;
    uid != 0
        || (((is_dir && !sticky) || is_reg)
            && ((gid != 0 && mode & 0o020 != 0) || mode & 0o002 != 0))
}

/// Checks `/`, every directory on the way and the file itself (symlinks not followed).
/// `None` = secure. The path should be absolute; a relative one is checked from `.`.
pub fn check_path(filename: &Path, script_security: bool) -> Option<Issue> {
    use std::os::unix::ffi::OsStrExt;
    let bytes = filename.as_os_str().as_bytes();
    let name = || filename.display().to_string();
    // Prefixes: "/" first for absolute paths, then up to each later '/', then the whole.
    let mut cuts: heapless::Vec<usize, 256> = heapless::Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'/' {
            let end = if i == 0 { 1 } else { i };
            if cuts.last() != Some(&end) && cuts.push(end).is_err() {
                return Some(Issue::WrongType(name()));
            }
        }
    }
    let total = cuts.len() + 1;
    for k in 0..total {
        let last = k + 1 == total;
        let prefix = if last { bytes } else { &bytes[..cuts[k]] };
        if prefix.is_empty() {
            continue;
        }
        let p = Path::new(std::ffi::OsStr::from_bytes(prefix));
        let md = match std::fs::symlink_metadata(p) {
            Ok(m) => m,
            Err(e) => {
                let n = e.raw_os_error().unwrap_or(0);
                return Some(
                    if [libc::EACCES, libc::ELOOP, libc::ENOENT, libc::ENOTDIR].contains(&n) {
                        Issue::NotFound(name())
                    } else {
                        Issue::Errno(name(), n, e.to_string())
                    },
                );
            }
        };
        let ft = md.file_type();
        if (!last && !ft.is_dir()) || (last && !ft.is_file() && !ft.is_symlink()) {
            return Some(Issue::WrongType(name()));
        }
        if element_unsafe(md.permissions().mode(), md.uid(), md.gid()) {
            return Some(Issue::Unsafe {
                script: name(),
                enforcing: script_security,
            });
        }
    }
    None
}

/// The outcome of the security check of one prepared script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Issues found, in keepalived's order (the given path, then the symlink target).
    pub issues: heapless::Vec<Issue, 2>,
}

impl Verdict {
    /// May the script run?
    pub fn allowed(&self) -> bool {
        !self.issues.iter().any(Issue::disables)
    }
    pub fn insecure(&self) -> bool {
        self.issues.iter().any(Issue::is_insecure)
    }
}

/// keepalived's check of one prepared script (only scripts running with root privileges are
/// inspected). Log every issue's Display text.
pub fn check_script(p: &Prepared, script_security: bool) -> Verdict {
    let mut v = Verdict::default();
    if p.mode == Mode::FileTest || !p.needs_protection {
        return v;
    }
    use std::os::unix::ffi::OsStrExt;
    let first = p.words.get(0).unwrap_or(&[]);
    if let Some(i) = check_path(
        Path::new(std::ffi::OsStr::from_bytes(first)),
        script_security,
    ) {
        let _ = v.issues.push(i);
        if v.issues.iter().any(Issue::disables) {
            return v;
        }
    }
    if let Some(real) = &p.real_path {
        if let Some(i) = check_path(real, script_security) {
            let _ = v.issues.push(i);
        }
    }
    v
}

/// The line logged at the end of the check when scripts run without `enable_script_security`.
pub fn security_violation_line(
    any_script: bool,
    any_insecure: bool,
    script_security: bool,
) -> Option<&'static str> {
    if script_security || !any_script {
        return None;
    }
    Some(if any_insecure {
        "SECURITY VIOLATION - scripts are being executed but script_security not enabled. There are insecure scripts."
    } else {
        "SECURITY VIOLATION - scripts are being executed but script_security not enabled."
    })
}

/// Why a user/group name could not be resolved (keepalived's texts via Display).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserError {
    /// `Unable to resolve script username '%s' - ignoring`
    UserLookup(String),
    /// `Script user '%s' does not exist`
    NoUser(String),
    /// `Unable to resolve script group name '%s' - ignoring`
    GroupLookup(String),
    /// `Script group '%s' does not exist`
    NoGroup(String),
    /// No `user` on the command and no usable default user: keepalived ignores the script
    /// ("Failed to set default user for %s script %s - ignoring").
    NoDefaultUser,
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserError::UserLookup(u) => {
                write!(f, "Unable to resolve script username '{u}' - ignoring")
            }
            UserError::NoUser(u) => write!(f, "Script user '{u}' does not exist"),
            UserError::GroupLookup(g) => {
                write!(f, "Unable to resolve script group name '{g}' - ignoring")
            }
            UserError::NoGroup(g) => write!(f, "Script group '{g}' does not exist"),
            UserError::NoDefaultUser => {
                f.write_str("Failed to set default user for script - ignoring")
            }
        }
    }
}

/// The user database could not be asked (not the same as "no such user").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LookupFailed;

/// Looks users and groups up; [`SystemDb`] asks the system (NSS via nix), tests fake it.
pub trait UserDb {
    /// `Ok(Some((uid, primary gid)))`, `Ok(None)` if no such user, `Err` on lookup failure.
    fn user(&self, name: &str) -> Result<Option<(u32, u32)>, LookupFailed>;
    fn group(&self, name: &str) -> Result<Option<u32>, LookupFailed>;
}

/// The system's user database (`getpwnam_r` / `getgrnam_r`).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemDb;

impl UserDb for SystemDb {
    fn user(&self, name: &str) -> Result<Option<(u32, u32)>, LookupFailed> {
        nix::unistd::User::from_name(name)
            .map(|u| u.map(|u| (u.uid.as_raw(), u.gid.as_raw())))
            .map_err(|_| LookupFailed)
    }
    fn group(&self, name: &str) -> Result<Option<u32>, LookupFailed> {
        nix::unistd::Group::from_name(name)
            .map(|g| g.map(|g| g.gid.as_raw()))
            .map_err(|_| LookupFailed)
    }
}

/// `USER [GROUP]` → uid/gid: the user's uid and primary group unless a group is named.
pub fn resolve_user(
    db: &dyn UserDb,
    user: &str,
    group: Option<&str>,
) -> Result<(u32, u32), UserError> {
    let (uid, mut gid) = match db.user(user) {
        Err(LookupFailed) => return Err(UserError::UserLookup(user.into())),
        Ok(None) => return Err(UserError::NoUser(user.into())),
        Ok(Some(x)) => x,
    };
    if let Some(g) = group {
        gid = match db.group(g) {
            Err(LookupFailed) => return Err(UserError::GroupLookup(g.into())),
            Ok(None) => return Err(UserError::NoGroup(g.into())),
            Ok(Some(x)) => x,
        };
    }
    Ok((uid, gid))
}

/// Resolves the user every script runs as, with keepalived's default-user rules. The default
/// is computed once, on first use (keepalived logs its lines only if a script needs it).
pub struct ScriptUsers<'a> {
    db: &'a dyn UserDb,
    script_security: bool,
    global: Option<(&'a str, Option<&'a str>)>,
    our: (u32, u32),
    /// `Some(None)` = computed, unusable.
    default: Option<Option<(u32, u32)>>,
    log: heapless::Vec<heapless::String<160>, 4>,
}

impl<'a> ScriptUsers<'a> {
    /// `global` = `script_user USER [GROUP]`; `our` = the daemon's euid/egid.
    pub fn new(
        db: &'a dyn UserDb,
        global: Option<(&'a str, Option<&'a str>)>,
        script_security: bool,
        our: (u32, u32),
    ) -> Self {
        ScriptUsers {
            db,
            script_security,
            global,
            our,
            default: None,
            log: heapless::Vec::new(),
        }
    }

    fn note(&mut self, line: fmt::Arguments<'_>) {
        let mut s = heapless::String::new();
        let _ = fmt::write(&mut s, line);
        let _ = self.log.push(s);
    }

    /// The default user, or `Err(NoDefaultUser)` if scripts without their own user must be
    /// dropped.
    pub fn default_user(&mut self) -> Result<(u32, u32), UserError> {
        if let Some(d) = self.default {
            return d.ok_or(UserError::NoDefaultUser);
        }
        let d = if let Some((u, g)) = self.global {
            match resolve_user(self.db, u, g) {
                Ok(x) => Some(x),
                Err(e) => {
                    self.note(format_args!("{e}"));
                    self.note(format_args!("Error setting global script uid/gid"));
                    None
                }
            }
        } else {
            match resolve_user(self.db, DEFAULT_SCRIPT_USER, None) {
                Ok(x) => Some(x),
                Err(e) => {
                    self.note(format_args!("{e}"));
                    if self.script_security {
                        self.note(format_args!(
                            "Unable to set default user {DEFAULT_SCRIPT_USER} for script"
                        ));
                        None
                    } else {
                        Some(self.our)
                    }
                }
            }
        };
        self.default = Some(d);
        d.ok_or(UserError::NoDefaultUser)
    }

    /// The uid/gid of a command: its own `user [group]`, else the default. The error is the
    /// line to log (the command is then ignored).
    pub fn for_command(
        &mut self,
        user: Option<&str>,
        group: Option<&str>,
    ) -> Result<(u32, u32), UserError> {
        match user {
            Some(u) => resolve_user(self.db, u, group),
            None => self.default_user(),
        }
    }

    /// The lines to log so far (in order), e.g. "Script user 'keepalived_script' does not
    /// exist".
    pub fn log_lines(&self) -> impl Iterator<Item = &str> {
        self.log.iter().map(|s| s.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::argv::prepare;
    use crate::exec::TestDir;
    use std::fs::Permissions;
    use std::os::unix::fs::chown;

    fn chmod(p: &Path, m: u32) {
        std::fs::set_permissions(p, Permissions::from_mode(m)).unwrap();
    }

    #[test]
    fn element_rule() {
        assert!(!element_unsafe(0o040755, 0, 0));
        assert!(element_unsafe(0o040755, 1000, 0)); // non-root owner
        assert!(element_unsafe(0o040775, 0, 100)); // group-writable, non-root group
        assert!(!element_unsafe(0o040775, 0, 0)); // group root may write
        assert!(element_unsafe(0o040757, 0, 0)); // world-writable
        assert!(!element_unsafe(0o041777, 0, 0)); // /tmp: sticky
        assert!(element_unsafe(0o100666, 0, 0));
        assert!(!element_unsafe(0o120777, 0, 0)); // a root symlink
    }

    /// Needs root (chown); the test suite runs as root in CI and in the dev containers.
    fn is_root() -> bool {
        nix::unistd::geteuid().is_root()
    }

    #[test]
    fn unsafe_paths_are_refused_with_keepalived_texts() {
        if !is_root() {
            assert!(
                std::env::var("CI").is_err(),
                "security tests need root in CI"
            );
            return;
        }
        let d = TestDir::new("sec");
        chmod(&d.0, 0o755);
        // The temp root itself must be safe for the positive case: /tmp is 1777 root.
        let dir = d.0.join("etc");
        std::fs::create_dir(&dir).unwrap();
        chmod(&dir, 0o755);
        let script = d.file("etc/check.sh", "#!/bin/sh\nexit 0\n", 0o755);
        let line = script.to_str().unwrap();
        let p = prepare(line.as_bytes(), None, 0, 0).unwrap();
        assert!(check_script(&p, true).allowed());
        assert!(check_script(&p, true).issues.is_empty());

        // World-writable file.
        chmod(&script, 0o757);
        let v = check_script(&p, true);
        assert!(!v.allowed() && v.insecure());
        assert_eq!(
            v.issues[0].to_string(),
            format!("Unsafe permissions found for script '{line}' - disabling.")
        );
        // Without enable_script_security: logged, still runs.
        let v = check_script(&p, false);
        assert!(v.allowed() && v.insecure());
        assert_eq!(
            v.issues[0].to_string(),
            format!("Unsafe permissions found for script '{line}'.")
        );
        chmod(&script, 0o755);

        // Group-writable directory with a non-root group.
        chown(&dir, None, Some(100)).unwrap();
        chmod(&dir, 0o775);
        assert!(!check_script(&p, true).allowed());
        // Same with group root: fine.
        chown(&dir, None, Some(0)).unwrap();
        assert!(check_script(&p, true).allowed());
        chmod(&dir, 0o755);

        // A directory owned by a non-root user, even with no write bits for others.
        chown(&dir, Some(1000), None).unwrap();
        assert!(!check_script(&p, true).allowed());
        chown(&dir, Some(0), None).unwrap();

        // A root-owned symlink to a file in an unsafe directory: the target is checked.
        let evil = d.0.join("evil");
        std::fs::create_dir(&evil).unwrap();
        chmod(&evil, 0o777);
        let target = d.file("evil/real.sh", "#!/bin/sh\n", 0o755);
        std::os::unix::fs::symlink(&target, dir.join("link.sh")).unwrap();
        let p2 = prepare(dir.join("link.sh").to_str().unwrap().as_bytes(), None, 0, 0).unwrap();
        let v = check_script(&p2, true);
        assert!(!v.allowed());
        assert_eq!(
            v.issues.last().unwrap().to_string(),
            format!(
                "Unsafe permissions found for script '{}' - disabling.",
                target.display()
            )
        );

        // A non-root script user: no check at all.
        chmod(&script, 0o777);
        let p3 = prepare(line.as_bytes(), None, 1000, 1000).unwrap();
        assert!(check_script(&p3, true).issues.is_empty());

        // Missing path element and wrong type.
        let v = check_path(&d.0.join("etc/check.sh/x"), true).unwrap();
        assert_eq!(
            v.to_string(),
            format!(
                "Wrong file type found in script path '{}/etc/check.sh/x'.",
                d.0.display()
            )
        );
        let v = check_path(&d.0.join("nope/x"), true).unwrap();
        assert!(matches!(v, Issue::NotFound(_)) && v.disables());
    }

    struct FakeDb {
        ka_script: bool,
    }
    impl UserDb for FakeDb {
        fn user(&self, name: &str) -> Result<Option<(u32, u32)>, LookupFailed> {
            Ok(match name {
                "root" => Some((0, 0)),
                "keepalived_script" if self.ka_script => Some((990, 985)),
                "nobody" => Some((65534, 65534)),
                "broken" => return Err(LookupFailed),
                _ => None,
            })
        }
        fn group(&self, name: &str) -> Result<Option<u32>, LookupFailed> {
            Ok(match name {
                "nogroup" => Some(65534),
                "wheel" => Some(10),
                _ => None,
            })
        }
    }

    #[test]
    fn default_user_rules() {
        // No keepalived_script, no security: root, with keepalived's line.
        let db = FakeDb { ka_script: false };
        let mut u = ScriptUsers::new(&db, None, false, (0, 0));
        assert_eq!(u.for_command(None, None), Ok((0, 0)));
        assert_eq!(u.for_command(None, None), Ok((0, 0)));
        assert_eq!(
            u.log_lines().collect::<Vec<_>>(),
            ["Script user 'keepalived_script' does not exist"]
        );
        // ... with security: scripts without a user are dropped.
        let mut u = ScriptUsers::new(&db, None, true, (0, 0));
        assert_eq!(u.for_command(None, None), Err(UserError::NoDefaultUser));
        assert_eq!(
            u.log_lines().collect::<Vec<_>>(),
            [
                "Script user 'keepalived_script' does not exist",
                "Unable to set default user keepalived_script for script"
            ]
        );
        // ... but an explicit user still works.
        assert_eq!(
            u.for_command(Some("nobody"), Some("wheel")),
            Ok((65534, 10))
        );
        // keepalived_script exists: it is the default.
        let db2 = FakeDb { ka_script: true };
        let mut u = ScriptUsers::new(&db2, None, true, (0, 0));
        assert_eq!(u.for_command(None, None), Ok((990, 985)));
        assert_eq!(u.log_lines().count(), 0);
        // Global script_user overrides; a bad one drops user-less scripts.
        let mut u = ScriptUsers::new(&db2, Some(("nobody", Some("nogroup"))), false, (0, 0));
        assert_eq!(u.for_command(None, None), Ok((65534, 65534)));
        let mut u = ScriptUsers::new(&db2, Some(("ghost", None)), false, (0, 0));
        assert!(u.for_command(None, None).is_err());
        assert_eq!(
            u.log_lines().collect::<Vec<_>>(),
            [
                "Script user 'ghost' does not exist",
                "Error setting global script uid/gid"
            ]
        );
        // Per-command errors.
        let mut u = ScriptUsers::new(&db, None, false, (0, 0));
        assert_eq!(
            u.for_command(Some("nobody"), Some("nosuch"))
                .unwrap_err()
                .to_string(),
            "Script group 'nosuch' does not exist"
        );
        assert_eq!(
            u.for_command(Some("broken"), None).unwrap_err().to_string(),
            "Unable to resolve script username 'broken' - ignoring"
        );
    }

    #[test]
    fn system_db_resolves_root() {
        assert_eq!(resolve_user(&SystemDb, "root", None), Ok((0, 0)));
        assert_eq!(
            resolve_user(&SystemDb, "no-such-user-kars", None),
            Err(UserError::NoUser("no-such-user-kars".into()))
        );
    }

    #[test]
    fn violation_line() {
        assert_eq!(
            security_violation_line(true, false, false),
            Some(
                "SECURITY VIOLATION - scripts are being executed but script_security not enabled."
            )
        );
        assert!(security_violation_line(true, true, false)
            .unwrap()
            .ends_with(" There are insecure scripts."));
        assert_eq!(security_violation_line(true, true, true), None);
        assert_eq!(security_violation_line(false, false, false), None);
    }
}
