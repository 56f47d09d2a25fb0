//! `-d` round trip: for every seed/test config (and the Debian samples when installed), the
//! dump of the parsed config parses back to an equal `Config`, with no new diagnostics.

use std::path::{Path, PathBuf};

use keepalived_rs::config::{self, dump::dump, LoadOptions};

fn configs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["test/configs/seed", "test/configs/bad", "test/configs/good"] {
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "conf") {
                    out.push(p);
                }
            }
        }
    }
    // The protocol core's replay scenarios carry their own configs.
    if let Ok(rd) = std::fs::read_dir("test/scenarios") {
        for e in rd.flatten() {
            let p = e.path().join("keepalived.conf");
            if p.is_file() {
                out.push(p);
            }
        }
    }
    if let Ok(rd) = std::fs::read_dir("/usr/share/doc/keepalived/samples") {
        for e in rd.flatten() {
            let p = e.path();
            if p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("keepalived.conf."))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

pub fn round_trip(path: &Path) -> Result<(), String> {
    let opts = LoadOptions {
        config_id: Some("test".into()),
        all_config: false,
        iface_exists: None,
    };
    let first = config::load(path, &opts);
    let Some(c1) = first.config else {
        return Ok(());
    };
    let text = dump(&c1);
    let second = config::parse_str("dump.conf", &text, &opts);
    let Some(c2) = second.config else {
        return Err(format!(
            "{}: dump does not load:\n{}\n{text}",
            path.display(),
            second.diags
        ));
    };
    if c1 != c2 {
        let a = format!("{c1:#?}");
        let b = format!("{c2:#?}");
        let diff: Vec<String> = a
            .lines()
            .zip(b.lines())
            .enumerate()
            .filter(|(_, (x, y))| x != y)
            .take(10)
            .map(|(n, (x, y))| format!("line {n}: {x} | {y}"))
            .collect();
        return Err(format!(
            "{}: round trip differs\n{}\n--- dump\n{text}",
            path.display(),
            diff.join("\n")
        ));
    }
    // Whatever the dump says must already have been said about the original (a config that
    // keeps an inherent warning, such as "No VIP specified", keeps it).
    let new: Vec<String> = second
        .diags
        .iter()
        .filter(|d| !first.diags.iter().any(|o| o.message == d.message))
        .map(|d| d.to_string())
        .collect();
    if !new.is_empty() {
        return Err(format!(
            "{}: dump produces new diagnostics:\n{}\n{text}",
            path.display(),
            new.join("\n")
        ));
    }
    Ok(())
}

#[test]
fn dump_round_trips() {
    let mut failures = Vec::new();
    let all = configs();
    assert!(all.len() >= 9, "no configs found");
    for p in &all {
        if let Err(e) = round_trip(p) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `ROUNDTRIP_FILE=path cargo test --test config_roundtrip one_file -- --nocapture`: check one
/// file (a fuzzer artifact, say); a no-op without the variable.
#[test]
fn one_file() {
    if let Some(p) = std::env::var_os("ROUNDTRIP_FILE") {
        if let Err(e) = round_trip(Path::new(&p)) {
            panic!("{e}");
        }
    }
}
