//! PID files (`/run/keepalived.pid`, `/run/keepalived_vrrp.pid`).
//!
//! keepalived refuses to start when a pid file names a live process; a stale file (process
//! gone) is overwritten. Files are written at start (after daemonising) and removed on stop.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// The live pid recorded in `path`, if any (a stale or unreadable file counts as none).
pub fn running(path: &Path) -> Option<i32> {
    let text = fs::read_to_string(path).ok()?;
    let pid: i32 = text.trim().parse().ok()?;
    (pid > 0 && pid != super::getpid() && super::process::alive(pid)).then_some(pid)
}

/// Write our pid to `path` (created 0644, replaced atomically).
pub fn write(path: &Path) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    {
        let mut f = fs::File::create(&tmp)?;
        writeln!(f, "{}", super::getpid())?;
    }
    fs::rename(&tmp, path)
}

/// Remove `path` if it still holds our pid.
pub fn remove(path: &Path) {
    if let Ok(text) = fs::read_to_string(path) {
        if text.trim().parse::<i32>().ok() == Some(super::getpid()) {
            let _ = fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_detect_remove() {
        let dir = std::env::temp_dir().join(format!("krs-pid-{}", super::super::getpid()));
        let _ = fs::create_dir_all(&dir);
        let p = dir.join("k.pid");
        write(&p).expect("write");
        // our own pid does not count as "another instance"
        assert_eq!(running(&p), None);
        // pid 1 is always alive
        fs::write(&p, "1\n").expect("write");
        assert_eq!(running(&p), Some(1));
        fs::write(&p, "999999999\n").expect("write");
        assert_eq!(running(&p), None);
        write(&p).expect("write");
        remove(&p);
        assert!(!p.exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
