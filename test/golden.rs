//! Shared by the config golden tests: load a config, render its diagnostics and exit class,
//! compare with `NAME.conf.expected` (regenerated with `UPDATE_GOLDEN=1`).

use std::path::{Path, PathBuf};

use keepalived_rs::config::{self, LoadOptions, Loaded};

/// Every `*.conf` in `dir`, sorted.
pub fn confs(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|x| x == "conf"));
    v.sort();
    v
}

pub fn load(p: &Path) -> Loaded {
    config::load(
        p,
        &LoadOptions {
            config_id: Some("test".into()),
            all_config: false,
            iface_exists: None,
        },
    )
}

/// What the `.expected` file holds: every diagnostic, then `exit N`.
pub fn render(l: &Loaded) -> String {
    format!(
        "{}exit {}{}\n",
        l.diags,
        l.diags.exit_code(),
        if l.config.is_none() {
            " (no config)"
        } else {
            ""
        }
    )
}

/// Compares (or with UPDATE_GOLDEN=1 rewrites) the golden file; returns a failure text.
pub fn check(p: &Path) -> Option<String> {
    let got = render(&load(p));
    let exp_path = PathBuf::from(format!("{}.expected", p.display()));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let _ = std::fs::write(&exp_path, &got);
        return None;
    }
    let want = std::fs::read_to_string(&exp_path).unwrap_or_default();
    (got != want).then(|| format!("{}:\n--- expected\n{want}--- got\n{got}", p.display()))
}
