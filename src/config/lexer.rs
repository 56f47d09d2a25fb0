//! Tokens of `keepalived.conf`, each with its [`Span`].
//!
//! Line oriented, like keepalived: every physical line (after `$NAME` substitution) becomes its
//! words followed by [`Tok::Eol`]. Handled here, before any keyword is looked at:
//! - `#` and `!` start a comment anywhere outside quotes;
//! - `{` and `}` are tokens of their own wherever they appear outside quotes;
//! - `"..."` and `'...'` quote (quotes removed, whitespace kept, shell-like escapes
//!   `\a \b \E \f \n \r \t \v \nnn \xXX \cC \C`); quoted and unquoted parts next to each other
//!   join into one word (`ab" c"d` is `ab cd`);
//! - `include PATTERN...`: glob (`* ? [..]` and `{a,b}`) relative to the including file's
//!   directory, files in sorted order, nested at most `MAX_INCLUDE_DEPTH`;
//! - `$NAME=value` defines (a trailing `\` continues the value on the next line; each
//!   continuation becomes its own line when used), `$NAME` / `${NAME}` substitute, recursively,
//!   at use time; undefined names stay as written;
//! - `@ID line` keeps the line only when ID is the config id, `@^ID line` only when it is not.

use std::path::{Path, PathBuf};

use super::diag::{Diagnostics, Span};
use super::glob::{expand_braces, glob, MAX_FILES};
use crate::limits::{MAX_DEFINES, MAX_INCLUDE_DEPTH};

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    Word(String),
    Open,
    Close,
    Eol,
}

/// One token and where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
    /// The word had a quoted part.
    pub quoted: bool,
}

/// A line longer than this after substitution is refused (substitution bombs).
const MAX_LINE: usize = 64 * 1024;
/// All files together may not produce more tokens than this.
const MAX_TOKENS: usize = 4_000_000;
/// `$NAME` expansion depth.
const MAX_SUBST_DEPTH: usize = 16;

/// The lexer of one load: defines and file accounting are shared by all included files.
pub struct Lexer<'d> {
    pub diags: &'d mut Diagnostics,
    config_id: String,
    defines: Vec<(String, String)>,
    pub tokens: Vec<Token>,
    files_read: usize,
    /// `-e`: a missing include file is an error.
    pub all_config: bool,
}

/// `include` and keepalived's variants (`includet` = missing files are errors; the others
/// differ only in how glob errors are reported, which does not apply here).
const INCLUDES: &[&str] = &[
    "include", "includea", "includeb", "includem", "includer", "includet", "includew",
];

impl<'d> Lexer<'d> {
    pub fn new(diags: &'d mut Diagnostics, config_id: &str) -> Self {
        Lexer {
            diags,
            config_id: config_id.to_string(),
            defines: Vec::new(),
            tokens: Vec::new(),
            files_read: 0,
            all_config: false,
        }
    }

    /// Lexes a file from disk. Returns false when it cannot be read.
    pub fn lex_file(&mut self, path: &Path, depth: usize, at: Span) -> bool {
        let name = path.to_string_lossy();
        let text = match std::fs::read(path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                let msg = format!("cannot read configuration file '{name}': {e}");
                if depth == 0 {
                    self.diags.fatal(at, msg);
                } else {
                    self.diags.error(at, msg);
                }
                return false;
            }
        };
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        self.lex_text(&name, &text, &base, depth);
        true
    }

    /// Lexes `text` as the contents of a file called `name`; includes resolve against `base`.
    pub fn lex_text(&mut self, name: &str, text: &str, base: &Path, depth: usize) {
        let file = self.diags.add_file(name);
        self.files_read += 1;
        let mut lines = text.split('\n').enumerate().peekable();
        while let Some((idx, raw)) = lines.next() {
            let lineno = idx as u32 + 1;
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            let span = Span {
                file,
                line: lineno,
                col: 1,
            };
            let (line, col0) = match self.conditional(raw) {
                Some(x) => x,
                None => continue,
            };
            if let Some((name, mut value)) = parse_define(line) {
                // Multi-line definition: `\` at the end continues on the next line.
                while value.ends_with('\\') {
                    value.pop();
                    value.push('\n');
                    match lines.next() {
                        Some((_, more)) => value.push_str(more.strip_suffix('\r').unwrap_or(more)),
                        None => break,
                    }
                }
                self.define(name, value, span);
                continue;
            }
            let expanded = match self.substitute(line, span) {
                Some(e) => e,
                None => continue,
            };
            for piece in expanded.split('\n') {
                let start = self.tokens.len();
                // On an include line braces are glob alternatives, not blocks.
                let is_include = piece
                    .split_whitespace()
                    .next()
                    .is_some_and(|w| INCLUDES.contains(&w));
                let at = Span {
                    file,
                    line: lineno,
                    col: col0,
                };
                self.tokenize(piece, at, !is_include);
                if self.tokens.len() > MAX_TOKENS {
                    self.tokens.truncate(start);
                    self.diags
                        .fatal(span, "configuration too large (more than 4000000 tokens)");
                    return;
                }
                if self.tokens.len() == start {
                    continue;
                }
                if matches!(self.tokens.get(start), Some(Token { tok: Tok::Word(w), quoted: false, .. }) if INCLUDES.contains(&w.as_str()))
                {
                    let args: Vec<Token> = self.tokens.drain(start..).collect();
                    self.include(&args, base, depth);
                    continue;
                }
                let end = self.tokens.last().map(|t| t.span).unwrap_or(span);
                self.tokens.push(Token {
                    tok: Tok::Eol,
                    span: end,
                    quoted: false,
                });
            }
        }
    }

    /// Applies `@ID` / `@^ID`; returns the remaining line and its starting column.
    fn conditional<'a>(&self, raw: &'a str) -> Option<(&'a str, u32)> {
        let trimmed = raw.trim_start();
        let Some(rest) = trimmed.strip_prefix('@') else {
            return Some((raw, 1));
        };
        let (negate, rest) = match rest.strip_prefix('^') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let id_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let id = rest.get(..id_len).unwrap_or("");
        let keep = (id == self.config_id) != negate;
        if !keep {
            return None;
        }
        let after = rest.get(id_len..).unwrap_or("");
        let col = (raw.len() - after.len()) as u32 + 1;
        Some((after, col))
    }

    fn define(&mut self, name: &str, value: String, span: Span) {
        if let Some(d) = self.defines.iter_mut().find(|(n, _)| n == name) {
            d.1 = value;
            return;
        }
        if self.defines.len() >= MAX_DEFINES {
            self.diags.fatal(
                span,
                format!(
                    "too many $NAME definitions: raise KEEPALIVED_RS_MAX_DEFINES (now {MAX_DEFINES})"
                ),
            );
            return;
        }
        self.defines.push((name.to_string(), value));
    }

    fn lookup(&self, name: &str) -> Option<&str> {
        self.defines
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Replaces `$NAME` and `${NAME}` by their definitions, recursively.
    fn substitute(&mut self, line: &str, span: Span) -> Option<String> {
        if !line.contains('$') || self.defines.is_empty() {
            return Some(line.to_string());
        }
        let mut cur = line.to_string();
        for _ in 0..MAX_SUBST_DEPTH {
            let (next, changed) = self.substitute_once(&cur);
            if next.len() > MAX_LINE {
                self.diags.error(
                    span,
                    "line too long after $NAME substitution (more than 65536 bytes) - ignoring",
                );
                return None;
            }
            if !changed {
                return Some(next);
            }
            cur = next;
        }
        self.diags
            .error(span, "$NAME substitution nested too deeply - ignoring line");
        None
    }

    fn substitute_once(&self, s: &str) -> (String, bool) {
        let mut out = String::with_capacity(s.len());
        let mut changed = false;
        let mut rest = s;
        while let Some(pos) = rest.find('$') {
            out.push_str(rest.get(..pos).unwrap_or(""));
            let after = rest.get(pos + 1..).unwrap_or("");
            let (name, consumed) = if let Some(b) = after.strip_prefix('{') {
                match b.find('}') {
                    Some(end) => (b.get(..end).unwrap_or(""), end + 2),
                    None => ("", 0),
                }
            } else {
                let n = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (after.get(..n).unwrap_or(""), n)
            };
            match (consumed, self.lookup(name)) {
                (c, Some(v)) if c > 0 && !name.is_empty() => {
                    out.push_str(v);
                    changed = true;
                    rest = after.get(consumed..).unwrap_or("");
                }
                _ => {
                    out.push('$');
                    rest = after;
                }
            }
            if out.len() > MAX_LINE {
                return (out, changed);
            }
        }
        out.push_str(rest);
        (out, changed)
    }

    /// Splits one line into tokens (no Eol).
    fn tokenize(&mut self, line: &str, at: Span, braces: bool) {
        let mut chars = line.char_indices().peekable();
        // Columns count characters; computed incrementally (token starts only move forward),
        // so a huge line stays linear.
        let (mut last_byte, mut last_col) = (0usize, at.col);
        while let Some(&(i, c)) = chars.peek() {
            last_col += line.get(last_byte..i).map_or(0, |p| p.chars().count()) as u32;
            last_byte = i;
            let span = Span {
                col: last_col,
                ..at
            };
            match c {
                c if c.is_whitespace() => {
                    chars.next();
                }
                '#' | '!' => break,
                '{' | '}' if braces => {
                    chars.next();
                    let tok = if c == '{' { Tok::Open } else { Tok::Close };
                    self.tokens.push(Token {
                        tok,
                        span,
                        quoted: false,
                    });
                }
                _ => {
                    let mut word = String::new();
                    let mut quoted = false;
                    while let Some(&(_, c)) = chars.peek() {
                        if c.is_whitespace()
                            || matches!(c, '#' | '!')
                            || (braces && matches!(c, '{' | '}'))
                        {
                            break;
                        }
                        chars.next();
                        if c == '"' || c == '\'' {
                            quoted = true;
                            if !read_quoted(&mut chars, c, &mut word) {
                                self.diags.error(span, "unterminated quoted string");
                            }
                        } else {
                            word.push(c);
                        }
                    }
                    self.tokens.push(Token {
                        tok: Tok::Word(word),
                        span,
                        quoted,
                    });
                }
            }
        }
    }

    fn include(&mut self, line: &[Token], base: &Path, depth: usize) {
        let span = line.first().map(|t| t.span).unwrap_or_default();
        let strict = self.all_config
            || matches!(line.first(), Some(Token { tok: Tok::Word(w), .. }) if w == "includet");
        if depth + 1 > MAX_INCLUDE_DEPTH {
            self.diags.error(
                span,
                format!(
                    "include nested too deeply: raise KEEPALIVED_RS_MAX_INCLUDE_DEPTH (now {MAX_INCLUDE_DEPTH})"
                ),
            );
            return;
        }
        let patterns: Vec<&str> = line
            .iter()
            .skip(1)
            .filter_map(|t| match &t.tok {
                Tok::Word(w) => Some(w.as_str()),
                _ => None,
            })
            .collect();
        if patterns.is_empty() {
            self.diags.warn(span, "include: no file name given");
        }
        for pat in patterns {
            let full = if Path::new(pat).is_absolute() {
                PathBuf::from(pat)
            } else {
                base.join(pat)
            };
            // Like glob(3) with GLOB_BRACE: alternatives in the order written, the matches of
            // each sorted; a file matched twice is read once.
            let mut files: Vec<PathBuf> = Vec::new();
            for p in expand_braces(&full.to_string_lossy()) {
                let mut one = Vec::new();
                glob(Path::new(&p), &mut one);
                one.sort();
                for f in one {
                    if !files.contains(&f) {
                        files.push(f);
                    }
                }
            }
            if files.is_empty() {
                // Plain `include` tolerates a missing file (keepalived); `includet` (and `-e`)
                // make it an error.
                let msg = format!("include: no file matches '{pat}'");
                if strict {
                    self.diags.error(span, msg);
                } else {
                    self.diags.warn(span, msg);
                }
            }
            for f in files {
                if self.files_read >= MAX_FILES {
                    self.diags
                        .error(span, "include: too many files (more than 1024)");
                    return;
                }
                self.lex_file(&f, depth + 1, span);
            }
        }
    }
}

/// Reads a quoted part up to the closing `q`, applying escapes. False if unterminated.
fn read_quoted(
    chars: &mut core::iter::Peekable<core::str::CharIndices<'_>>,
    q: char,
    out: &mut String,
) -> bool {
    while let Some((_, c)) = chars.next() {
        if c == q {
            return true;
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            out.push('\\');
            return false;
        };
        match e {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'E' => out.push('\x1b'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut v = e as u32 - '0' as u32;
                for _ in 0..2 {
                    match chars.peek() {
                        Some(&(_, d @ '0'..='7')) => {
                            v = v * 8 + (d as u32 - '0' as u32);
                            chars.next();
                        }
                        _ => break,
                    }
                }
                out.push(char::from((v & 0xff) as u8));
            }
            'x' => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 {
                    match chars.peek().and_then(|&(_, d)| d.to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d;
                            chars.next();
                            n += 1;
                        }
                        None => break,
                    }
                }
                if n == 0 {
                    out.push('x');
                } else {
                    out.push(char::from(v as u8));
                }
            }
            'c' => match chars.next() {
                Some((_, c)) => out.push(char::from((c as u32 & 0x1f) as u8)),
                None => return false,
            },
            other => out.push(other),
        }
    }
    false
}

/// `$NAME=value` at the start of a line (leading blanks allowed).
fn parse_define(line: &str) -> Option<(&str, String)> {
    let t = line.trim_start().strip_prefix('$')?;
    let eq = t.find('=')?;
    let name = t.get(..eq)?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    Some((name, t.get(eq + 1..)?.trim().to_string()))
}

/// The default config id: the first label of the host name.
pub fn default_config_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    host.trim().split('.').next().unwrap_or("").to_string()
}

#[cfg(test)]
#[path = "lexer_tests.rs"]
mod tests;
