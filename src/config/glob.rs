//! Include patterns: shell globs (`*`, `?`, `[...]`, `[!...]`) per path component and
//! `{a,b}` alternatives, like glob(3) with GLOB_BRACE. Hidden files only match a pattern that
//! starts with a dot.

use std::path::{Path, PathBuf};

/// Include patterns may not match more files than this.
pub const MAX_FILES: usize = 1024;

/// `a{b,c}d` → `abd`, `acd` (nested braces allowed; at most 256 results).
pub fn expand_braces(p: &str) -> Vec<String> {
    let mut out = Vec::new();
    expand_into(p, &mut out, 0);
    out
}

fn expand_into(p: &str, out: &mut Vec<String>, depth: usize) {
    if out.len() >= 256 || depth > 8 {
        return;
    }
    let Some(open) = p.find('{') else {
        out.push(p.to_string());
        return;
    };
    // Find the matching close and the top-level commas.
    let mut level = 0;
    let mut commas = Vec::new();
    let mut close = None;
    for (i, c) in p.char_indices().skip_while(|&(i, _)| i < open) {
        match c {
            '{' => level += 1,
            '}' => {
                level -= 1;
                if level == 0 {
                    close = Some(i);
                    break;
                }
            }
            ',' if level == 1 => commas.push(i),
            _ => {}
        }
    }
    let Some(close) = close else {
        out.push(p.to_string());
        return;
    };
    let pre = p.get(..open).unwrap_or("");
    let post = p.get(close + 1..).unwrap_or("");
    let mut start = open + 1;
    commas.push(close);
    for c in commas {
        let alt = p.get(start..c).unwrap_or("");
        expand_into(&format!("{pre}{alt}{post}"), out, depth + 1);
        start = c + 1;
    }
}

/// Shell glob on one path: `*`, `?` and `[...]` in any component. Matches are appended.
pub fn glob(pattern: &Path, out: &mut Vec<PathBuf>) {
    let comps: Vec<String> = pattern
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let has_magic = |s: &str| s.contains(['*', '?', '[']);
    if !comps.iter().any(|c| has_magic(c)) {
        if pattern.is_file() {
            out.push(pattern.to_path_buf());
        }
        return;
    }
    let mut current = vec![PathBuf::new()];
    for (i, comp) in comps.iter().enumerate() {
        let last = i + 1 == comps.len();
        let mut next = Vec::new();
        for dir in &current {
            if !has_magic(comp) {
                next.push(dir.join(comp));
                continue;
            }
            let read_from = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            let Ok(rd) = std::fs::read_dir(read_from) else {
                continue;
            };
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') && !comp.starts_with('.') {
                    continue;
                }
                if wildmatch(comp.as_bytes(), name.as_bytes()) {
                    next.push(dir.join(&name));
                }
            }
            if next.len() > MAX_FILES {
                break;
            }
        }
        if !last {
            next.retain(|p| p.is_dir());
        }
        current = next;
    }
    out.extend(current.into_iter().filter(|p| p.is_file()));
}

/// Matches one path component against a pattern with `*`, `?`, `[abc]`, `[a-z]`, `[!x]`.
pub fn wildmatch(pat: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0usize, 0usize);
    let (mut star_p, mut star_i) = (usize::MAX, 0usize);
    while i < s.len() {
        let mut advanced = false;
        match pat.get(p) {
            Some(b'*') => {
                star_p = p;
                star_i = i;
                p += 1;
                continue;
            }
            Some(b'?') => advanced = true,
            Some(b'[') => {
                if let Some((ok, len)) =
                    class_match(pat.get(p..).unwrap_or(&[]), s.get(i).copied().unwrap_or(0))
                {
                    if ok {
                        p += len;
                        i += 1;
                        continue;
                    }
                } else if s.get(i) == Some(&b'[') {
                    advanced = true;
                }
            }
            Some(&c) => advanced = s.get(i) == Some(&c),
            None => {}
        }
        if advanced {
            p += 1;
            i += 1;
        } else if star_p != usize::MAX {
            p = star_p + 1;
            star_i += 1;
            i = star_i;
        } else {
            return false;
        }
    }
    pat.get(p..).unwrap_or(&[]).iter().all(|&c| c == b'*')
}

/// `[...]` at the start of `pat`: Some((matched, pattern length)) or None if unterminated.
fn class_match(pat: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut k = 1;
    let negate = matches!(pat.get(1), Some(b'!') | Some(b'^'));
    if negate {
        k += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let &x = pat.get(k)?;
        if x == b']' && !first {
            return Some((matched != negate, k + 1));
        }
        first = false;
        if pat.get(k + 1) == Some(&b'-') && pat.get(k + 2).is_some_and(|&e| e != b']') {
            let hi = *pat.get(k + 2)?;
            if (x..=hi).contains(&c) {
                matched = true;
            }
            k += 3;
        } else {
            if x == c {
                matched = true;
            }
            k += 1;
        }
    }
}
