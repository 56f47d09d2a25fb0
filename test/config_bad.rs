//! `test/configs/bad/*.conf`: each has a `.expected` with its exact diagnostics (locations
//! included) and exit class. `UPDATE_GOLDEN=1 cargo test --test config_bad` regenerates them.

#[path = "golden.rs"]
mod golden;

#[test]
fn bad_configs_match_their_goldens() {
    let all = golden::confs("test/configs/bad");
    assert!(all.len() >= 40, "only {} bad configs", all.len());
    let fails: Vec<String> = all.iter().filter_map(|p| golden::check(p)).collect();
    assert!(
        fails.is_empty(),
        "{} of {} differ:\n{}",
        fails.len(),
        all.len(),
        fails.join("\n")
    );
}

#[test]
fn every_bad_config_says_something() {
    for p in golden::confs("test/configs/bad") {
        let l = golden::load(&p);
        assert!(
            !l.diags.is_empty(),
            "{} produced no diagnostic",
            p.display()
        );
        assert_ne!(l.diags.exit_code(), 0, "{}", p.display());
    }
}

#[test]
fn missing_file_is_fatal() {
    let l = golden::load(std::path::Path::new("test/configs/bad/does-not-exist.conf"));
    assert!(l.config.is_none());
    assert_eq!(l.diags.exit_code(), 4);
    let text = l.diags.to_string();
    assert!(
        text.starts_with(
            "test/configs/bad/does-not-exist.conf:0:0: error: cannot read configuration file"
        ),
        "{text}"
    );
}
