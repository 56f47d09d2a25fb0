//! Fuzz the whole config layer: lexer, parser, validation and the dump round trip.
#![no_main]

use keepalived_rs::config::{self, LoadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Includes resolve against the current directory: keep them away from real files.
    if text.contains("include") {
        return;
    }
    let opts = LoadOptions { config_id: Some("fuzz".into()),
        all_config: false, iface_exists: None };
    let loaded = config::parse_str("fuzz.conf", &text, &opts);
    for d in &loaded.diags {
        let _ = d.to_string();
    }
    let _ = loaded.diags.exit_code();
    if let Some(c) = &loaded.config {
        // An auth_pass cut at 8 bytes inside a UTF-8 character cannot be written back as text.
        let odd_key = c.instances.iter().any(|i| match i.auth {
            config::Auth::Pass(k) | config::Auth::Ah(k) => core::str::from_utf8(&k).is_err(),
            config::Auth::None => false,
        });
        if odd_key {
            return;
        }
        let dumped = config::dump::dump(c);
        let again = config::parse_str("dump.conf", &dumped, &opts);
        if let Some(c2) = &again.config {
            assert!(**c == **c2, "dump round trip differs:\n{dumped}");
        }
    }
});
