use super::*;

fn args(p: &Prepared, extra: &[&str]) -> (String, Vec<String>) {
    let e: Vec<&[u8]> = extra.iter().map(|s| s.as_bytes()).collect();
    let a = p.exec_args(&e).unwrap();
    (
        a.program().to_str().unwrap().to_string(),
        a.argv().map(|c| c.to_str().unwrap().to_string()).collect(),
    )
}

#[test]
fn exec_args_with_generic_notify_extras() {
    let p = Prepared::from_words(
        split(b"/etc/keepalived/notify.sh A").unwrap(),
        Mode::Exec,
        0,
        0,
    );
    let (prog, argv) = args(&p, &["INSTANCE", "VI_1", "MASTER", "104"]);
    assert_eq!(prog, "/etc/keepalived/notify.sh");
    assert_eq!(
        argv,
        [
            "/etc/keepalived/notify.sh",
            "A",
            "INSTANCE",
            "VI_1",
            "MASTER",
            "104"
        ]
    );
    let a = p.exec_args(&[]).unwrap();
    let mut ptrs = [core::ptr::null(); 3];
    assert_eq!(a.fill_ptrs(&mut ptrs), Some(2));
    assert!(ptrs[2].is_null());
    assert_eq!(a.fill_ptrs(&mut ptrs[..2]), None);
}

#[test]
fn shell_mode_quotes_every_word() {
    let p = Prepared::from_words(
        split(br"/etc/ka/plain 'a b' it\'s").unwrap(),
        Mode::Shell,
        0,
        0,
    );
    let (prog, argv) = args(&p, &["GROUP", "VG_1", "BACKUP", "0"]);
    assert_eq!(prog, "/bin/sh");
    assert_eq!(
        argv,
        [
            "sh",
            "-c",
            r"'/etc/ka/plain' 'a b' 'it'\''s' 'GROUP' 'VG_1' 'BACKUP' '0'"
        ]
    );
    let t = Prepared::from_words(
        split(b"</dev/tcp/127.0.0.1/80").unwrap(),
        Mode::FileTest,
        0,
        0,
    );
    assert_eq!(args(&t, &[]).1, ["sh", "-c", "</dev/tcp/127.0.0.1/80"]);
    assert_eq!(p.display().as_str(), "'/etc/ka/plain' 'a b' 'it's'");
}

#[test]
fn executable_rule_is_keepalived_s() {
    // root may run anything with any x bit
    assert!(is_executable(0o100644 | 0o001, 1000, 1000, 0, 0));
    assert!(!is_executable(0o100644, 1000, 1000, 0, 0));
    // owner needs u+x even if o+x is set
    assert!(!is_executable(0o100601, 1000, 1000, 1000, 5));
    // group member needs g+x; others need o+x
    assert!(is_executable(0o100610, 0, 50, 1000, 50));
    assert!(!is_executable(0o100601, 0, 50, 1000, 50));
    assert!(is_executable(0o100601, 0, 50, 1000, 51));
}

#[test]
fn split_never_panics_on_arbitrary_bytes() {
    let alphabet = b"ab \t'\"\\xc0789fE\n\0";
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..20_000 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let len = (seed >> 58) as usize;
        let mut line = Vec::with_capacity(len);
        let mut r = seed;
        for _ in 0..len {
            r = r.wrapping_mul(6364136223846793005).wrapping_add(1);
            line.push(alphabet[(r >> 59) as usize % alphabet.len()]);
        }
        if let Ok(w) = split(&line) {
            assert!(!w.is_empty());
            assert!(w.iter().all(|x| !x.contains(&0)));
            let p = Prepared::from_words(w, Mode::Shell, 0, 0);
            let _ = p.exec_args(&[b"INSTANCE", b"VI_1"]);
        }
    }
}

#[test]
fn oversized_argv_is_refused_not_truncated() {
    let mut w = Words::new();
    w.push(b"/bin/x").unwrap();
    w.push(&[b'\''; 400]).unwrap();
    let p = Prepared::from_words(w.clone(), Mode::Shell, 0, 0);
    // 400 quotes become 1600 bytes in the shell command: too long for ARGS_BYTES.
    assert_eq!(p.exec_args(&[]).unwrap_err(), ArgsTooLong);
    // Exec mode has room for them.
    let e = Prepared::from_words(w, Mode::Exec, 0, 0);
    assert_eq!(e.exec_args(&[]).unwrap().argc(), 2);
    // Words with NUL are refused.
    assert!(Words::new().push(b"a\0b").is_err());
}

#[test]
fn prepare_resolves_path_symlinks_and_mode() {
    use crate::exec::TestDir;
    let d = TestDir::new("argv");
    let bin = d.0.join("bin");
    std::fs::create_dir(&bin).unwrap();
    let sheb = d.file("bin/check_script.sh", "#!/bin/sh\nexit 0\n", 0o755);
    d.file("bin/plain.sh", "exit 0\n", 0o755);
    d.file("bin/noexec.sh", "#!/bin/sh\n", 0o644);
    std::os::unix::fs::symlink(&sheb, bin.join("killall")).unwrap();
    let path = bin.to_str().unwrap().to_string();
    let pe = format!("/nonexistent:{path}");

    // A bare name found via PATH; its link target has another name: keep the given name.
    let p = prepare(b"killall -0 nginx", Some(pe.as_bytes()), 0, 0).unwrap();
    assert_eq!(p.mode, Mode::Exec);
    let (prog, argv) = args(&p, &[]);
    assert_eq!(prog, format!("{path}/killall"));
    assert_eq!(argv, [format!("{path}/killall").as_str(), "-0", "nginx"]);
    assert_eq!(p.real_path.as_deref(), Some(sheb.as_path()));
    assert!(p.needs_protection);

    // Full path with double spaces; `/./` resolved.
    let line = format!("{path}/./check_script.sh  courier  BACKUP");
    let p = prepare(line.as_bytes(), None, 0, 0).unwrap();
    assert_eq!(
        args(&p, &[]).1,
        [sheb.to_str().unwrap(), "courier", "BACKUP"]
    );
    assert_eq!(p.real_path, None);

    // No shebang: through the shell.
    let line = format!("{path}/plain.sh a");
    let p = prepare(line.as_bytes(), None, 0, 0).unwrap();
    assert_eq!(p.mode, Mode::Shell);
    assert_eq!(
        args(&p, &[]).1,
        ["sh", "-c", format!("'{path}/plain.sh' 'a'").as_str()]
    );

    // Errors with keepalived's texts.
    let e = prepare(b"nosuchcmd x", Some(pe.as_bytes()), 0, 0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Cannot find script nosuchcmd in path - disabling"
    );
    let e = prepare(b"noexec.sh", Some(path.as_bytes()), 0, 0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Permissions failure for script noexec.sh in path - disabling"
    );
    let line = format!("{path}/noexec.sh");
    let e = prepare(line.as_bytes(), None, 1000, 1000).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("WARNING - script '{path}/noexec.sh' is not executable for uid:gid 1000:1000 - disabling.")
    );
    let line = format!("{path}/missing.sh");
    assert!(matches!(
        prepare(line.as_bytes(), None, 0, 0),
        Err(PrepareError::CannotAccess(..))
    ));
    // A non-root user's script does not need protection.
    let p = prepare(
        format!("{path}/check_script.sh").as_bytes(),
        None,
        1000,
        1000,
    );
    assert!(!p.unwrap().needs_protection);
    // File test.
    let p = prepare(b"</dev/tcp/127.0.0.1/80", None, 0, 0).unwrap();
    assert_eq!(p.mode, Mode::FileTest);
}
