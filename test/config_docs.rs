//! README's "Keywords accepted but skipped" names every keyword the keyword tables accept
//! only to warn and skip (or to ignore silently), and every VIP option that is dropped: a
//! keyword added to a table without its line in the README fails here.

use std::fs;

/// `("kw", handler)` entries of a keyword table whose handler is one of `handlers`.
fn table_entries(src: &str, handlers: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for line in src.lines() {
        let l = line.trim();
        let Some(rest) = l.strip_prefix("(\"") else {
            continue;
        };
        let Some((kw, tail)) = rest.split_once('"') else {
            continue;
        };
        let h = tail.trim_start_matches(',').trim().trim_end_matches("),");
        if handlers.contains(&h) {
            out.push(kw.to_string());
        }
    }
    out
}

/// The VIP options `parse_vip` passes to `unsupported_opt`.
fn dropped_vip_options(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev = "";
    for line in src.lines() {
        let l = line.trim();
        let arm = if l.contains("=> unsupported_opt") {
            Some(l)
        } else if l == "unsupported_opt(c, w);" {
            Some(prev)
        } else {
            None
        };
        if let Some(a) = arm {
            let pats = a.split("=>").next().unwrap_or("");
            out.extend(
                pats.split('|')
                    .map(|p| p.trim().trim_matches('"').to_string()),
            );
        }
        prev = l;
    }
    out
}

#[test]
fn readme_lists_every_skipped_keyword() {
    let readme = fs::read_to_string("README.md").expect("README.md");
    let start = readme
        .find("### Keywords accepted but skipped")
        .expect("README has the section");
    let end = readme[start..]
        .find("\n## ")
        .map_or(readme.len(), |e| start + e);
    let section = &readme[start..end];
    let skipped = [
        "unsupported",
        "group_unsupported",
        "top_unsupported",
        "silent",
        "group_silent",
        "top_silent",
    ];
    let mut want = Vec::new();
    for f in ["kw_global", "kw_vrrp", "kw_other", "kw_process"] {
        let src = fs::read_to_string(format!("src/config/{f}.rs")).expect("source");
        want.extend(table_entries(&src, &skipped));
    }
    assert!(want.len() > 60, "tables found: {}", want.len());
    let addr = fs::read_to_string("src/config/addr.rs").expect("addr.rs");
    let vip = dropped_vip_options(&addr);
    assert_eq!(vip.len(), 4, "{vip:?}");
    want.extend(vip);
    let missing: Vec<&String> = want
        .iter()
        .filter(|k| !section.contains(&format!("`{k}`")) && !section.contains(&format!("`{k} ")))
        .collect();
    assert!(missing.is_empty(), "not in README: {missing:?}");
}
