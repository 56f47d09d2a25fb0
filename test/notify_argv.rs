//! Prepared command lines really executed: what the program receives must be exactly the
//! words keepalived would pass (exec directly, or through `/bin/sh -c` with quoting), plus the
//! generic notify's `INSTANCE VI_1 MASTER 104`.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;

use keepalived_rs::exec::argv::{prepare, ExecArgs, Mode};
use keepalived_rs::notify::{Event, NotifyArgs, Subject};

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn dir(tag: &str) -> Dir {
    let p = std::env::temp_dir().join(format!("kars-argv-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    Dir(std::fs::canonicalize(&p).unwrap())
}

/// A script printing $0's base name and each argument on its own line into `out`.
fn script(d: &Dir, name: &str, shebang: bool, out: &std::path::Path) -> PathBuf {
    let p = d.0.join(name);
    let body = format!(
        "{}printf '%s\\n' \"${{0##*/}}\" > '{o}'\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\" >> '{o}'; done\n",
        if shebang { "#!/bin/sh\n" } else { "" },
        o = out.display()
    );
    std::fs::write(&p, body).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// Runs like the daemon will: execve(program, argv).
fn run(a: &ExecArgs) {
    let argv: Vec<&OsStr> = a.argv().map(|c| OsStr::from_bytes(c.to_bytes())).collect();
    let status = std::process::Command::new(OsStr::from_bytes(a.program().to_bytes()))
        .arg0(argv[0])
        .args(&argv[1..])
        .env("HOME", "/should-not-expand")
        .status()
        .unwrap();
    assert!(status.success());
}

fn lines(out: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(out)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn exec_mode_passes_words_and_notify_extras() {
    let d = dir("exec");
    let out = d.0.join("out");
    let s = script(&d, "notify.sh", true, &out);
    let line = format!("{}  courier  'with space' \"$HOME\" \\x41", s.display());
    let p = prepare(line.as_bytes(), None, 0, 0).unwrap();
    assert_eq!(p.mode, Mode::Exec);
    let extra = NotifyArgs::new(Subject::Instance, "VI_1", Event::Master, 104);
    run(&p.exec_args(&extra.words()).unwrap());
    assert_eq!(
        lines(&out),
        [
            "notify.sh",
            "[courier]",
            "[with space]",
            "[$HOME]",
            "[A]",
            "[INSTANCE]",
            "[VI_1]",
            "[MASTER]",
            "[104]"
        ]
    );
}

#[test]
fn shell_mode_quotes_so_the_shell_passes_words_unchanged() {
    let d = dir("shell");
    let out = d.0.join("out");
    let s = script(&d, "plain.sh", false, &out);
    let line = format!("{} 'a  b' it\\'s \"$HOME\" '*' ';' ''", s.display());
    let p = prepare(line.as_bytes(), None, 0, 0).unwrap();
    assert_eq!(p.mode, Mode::Shell);
    let extra = NotifyArgs::new(Subject::Group, "VG 1", Event::Backup, 50);
    let a = p.exec_args(&extra.words()).unwrap();
    assert_eq!(a.program().to_bytes(), b"/bin/sh");
    run(&a);
    assert_eq!(
        lines(&out),
        [
            "plain.sh", "[a  b]", "[it's]", "[$HOME]", "[*]", "[;]", "[]", "[GROUP]", "[VG 1]",
            "[BACKUP]", "[0]"
        ]
    );
}

#[test]
fn path_search_runs_the_found_program() {
    let d = dir("path");
    let out = d.0.join("out");
    let bin = d.0.join("bin");
    std::fs::create_dir(&bin).unwrap();
    let s = script(&d, "bin/chk_courier", true, &out);
    let pe = format!("/nonexistent:{}", bin.display());
    let p = prepare(b"chk_courier FAULT", Some(pe.as_bytes()), 0, 0).unwrap();
    assert_eq!(p.words.get(0).unwrap(), s.as_os_str().as_bytes());
    run(&p.exec_args(&[]).unwrap());
    assert_eq!(lines(&out), ["chk_courier", "[FAULT]"]);
}
