//! Every Debian keepalived sample (`/usr/share/doc/keepalived/samples/keepalived.conf.*`)
//! loads without a panic: VRRP parts understood, LVS parts warned and skipped.
//! The samples are not copied into the repository; CI installs keepalived.

use std::path::PathBuf;

use keepalived_rs::config::{self, LoadOptions, Severity};

const DIR: &str = "/usr/share/doc/keepalived/samples";

fn samples() -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(DIR) else {
        panic!(
            "\n\n*** {DIR} is missing: install keepalived (apt-get install keepalived) to run the \
             sample-config test ***\n\n"
        );
    };
    let mut v: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("keepalived.conf."))
        })
        .collect();
    v.sort();
    v
}

#[test]
fn debian_samples_load() {
    let all = samples();
    assert!(
        all.len() >= 20,
        "expected the Debian samples, found {}",
        all.len()
    );
    let opts = LoadOptions {
        config_id: Some("test".into()),
        all_config: false,
        iface_exists: None,
    };
    let mut instances = 0;
    let mut lvs_warned = 0;
    for p in &all {
        let l = config::load(p, &opts);
        let name = p.display().to_string();
        let c = l
            .config
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no config:\n{}", l.diags));
        assert!(!l.diags.has_fatal(), "{name}: fatal:\n{}", l.diags);
        // Every diagnostic has a location in the sample itself.
        for d in &l.diags {
            assert!(d.line > 0, "{name}: diagnostic without a line: {d}");
        }
        let text = std::fs::read_to_string(p).unwrap_or_default();
        if text.contains("virtual_server") {
            assert!(
                l.diags
                    .iter()
                    .any(|d| d.severity == Severity::Warning
                        && d.message.contains("LVS configuration")),
                "{name}: LVS block not warned"
            );
            lvs_warned += 1;
        }
        let declared = text
            .lines()
            .filter(|l| l.trim_start().starts_with("vrrp_instance"))
            .count();
        assert_eq!(
            c.instances.len(),
            declared,
            "{name}: instances\n{}",
            l.diags
        );
        instances += c.instances.len();
        // No VRRP keyword of these samples is unknown to us.
        for d in &l.diags {
            assert!(
                !d.message.starts_with("Unknown keyword") || name.ends_with("lvs_syncd"),
                "{name}: {d}"
            );
        }
    }
    assert!(instances >= 20, "only {instances} instances understood");
    assert!(lvs_warned >= 10, "only {lvs_warned} LVS samples");
}

#[test]
fn vrrp_sample_values() {
    let opts = LoadOptions {
        config_id: Some("test".into()),
        all_config: false,
        iface_exists: None,
    };
    let l = config::load(&PathBuf::from(format!("{DIR}/keepalived.conf.vrrp")), &opts);
    let Some(c) = l.config else {
        panic!("{}", l.diags)
    };
    assert_eq!(c.global.router_id.as_deref(), Some("LVS_DEVEL"));
    assert_eq!(c.global.notification_email.len(), 1);
    let i = &c.instances[0];
    assert_eq!(i.name.as_str(), "VI_1");
    assert_eq!(c.vips_of(i.vips).len(), 4);
    assert_eq!(c.vips_of(i.vips)[3].label.as_deref(), Some("eth0:1"));
    assert_eq!(
        i.garp.master_delay,
        keepalived_rs::time::Duration::from_secs(10)
    );
    assert!(i.smtp_alert);
}
