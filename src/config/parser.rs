//! Tokens → statement tree → keyword dispatch.
//!
//! A statement is the words of one line up to `{`, `}` or the end of the line, plus the block
//! that follows it when the next token (possibly on a following line, as in the seed guide's
//! `track_script` + newline + `{`) is `{`. Blocks are dispatched through sorted static keyword
//! tables (one per block kind, binary search; see `kw_*`); an unknown keyword is a warning with
//! its location and its block is skipped, never fatal.

use core::net::IpAddr;
use core::str::FromStr;

use super::diag::{Diagnostics, Span};
use super::lexer::{Tok, Token};
use super::raw::RawConfig;
use crate::time::Duration;

/// Maximum block nesting (keepalived needs 3; deeper input is refused, not recursed into).
const MAX_NESTING: usize = 16;

/// One word of a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub span: Span,
    pub quoted: bool,
}

/// A keyword line with its arguments and optional block.
#[derive(Clone, Debug, Default)]
pub struct Stmt {
    pub words: Vec<Word>,
    pub block: Option<Vec<Stmt>>,
    pub span: Span,
}

impl Stmt {
    pub fn kw(&self) -> &str {
        self.words.first().map(|w| w.text.as_str()).unwrap_or("")
    }
    pub fn args(&self) -> &[Word] {
        self.words.get(1..).unwrap_or(&[])
    }
    pub fn arg(&self, i: usize) -> Option<&Word> {
        self.words.get(i + 1)
    }
    pub fn arg_str(&self, i: usize) -> Option<&str> {
        self.arg(i).map(|w| w.text.as_str())
    }
    pub fn block(&self) -> &[Stmt] {
        self.block.as_deref().unwrap_or(&[])
    }
}

/// Builds the statement tree of a token stream.
/// Words are moved out of `tokens` (left empty).
pub fn build_tree(tokens: &mut [Token], d: &mut Diagnostics) -> Vec<Stmt> {
    let mut i = 0;
    let mut out = Vec::new();
    loop {
        out.extend(parse_block(tokens, &mut i, 0, d, None));
        match tokens.get(i) {
            None => return out,
            Some(t) => {
                // A stray '}' at top level.
                d.error(t.span, "unexpected '}' - ignoring");
                i += 1;
            }
        }
    }
}

fn parse_block(
    toks: &mut [Token],
    i: &mut usize,
    depth: usize,
    d: &mut Diagnostics,
    opened: Option<Span>,
) -> Vec<Stmt> {
    let mut out = Vec::new();
    loop {
        while matches!(toks.get(*i), Some(Token { tok: Tok::Eol, .. })) {
            *i += 1;
        }
        let Some(t) = toks.get(*i) else {
            if let Some(open) = opened {
                d.error(open, "missing '}' at end of configuration");
            }
            return out;
        };
        match &t.tok {
            Tok::Close => {
                if opened.is_some() {
                    *i += 1;
                }
                return out;
            }
            Tok::Open => {
                d.warn(t.span, "unexpected '{' - block ignored");
                *i += 1;
                if depth + 1 > MAX_NESTING {
                    skip_block(toks, i);
                } else {
                    let _ = parse_block(toks, i, depth + 1, d, Some(t.span));
                }
            }
            Tok::Eol => {}
            Tok::Word(_) => {
                let mut stmt = Stmt {
                    span: t.span,
                    ..Stmt::default()
                };
                while let Some(Token {
                    tok: Tok::Word(w),
                    span,
                    quoted,
                }) = toks.get_mut(*i)
                {
                    stmt.words.push(Word {
                        text: core::mem::take(w),
                        span: *span,
                        quoted: *quoted,
                    });
                    *i += 1;
                }
                // The block may open on the next line(s).
                let mut j = *i;
                while matches!(toks.get(j), Some(Token { tok: Tok::Eol, .. })) {
                    j += 1;
                }
                if let Some(Token {
                    tok: Tok::Open,
                    span,
                    ..
                }) = toks.get(j)
                {
                    *i = j + 1;
                    if depth + 1 > MAX_NESTING {
                        d.error(*span, "blocks nested too deeply - ignoring");
                        skip_block(toks, i);
                    } else {
                        stmt.block = Some(parse_block(toks, i, depth + 1, d, Some(*span)));
                    }
                }
                out.push(stmt);
            }
        }
    }
}

/// Skips to after the `}` matching an already consumed `{`.
fn skip_block(toks: &[Token], i: &mut usize) {
    let mut level = 1usize;
    while let Some(t) = toks.get(*i) {
        *i += 1;
        match t.tok {
            Tok::Open => level += 1,
            Tok::Close => {
                level -= 1;
                if level == 0 {
                    return;
                }
            }
            _ => {}
        }
    }
}

/// The state of keyword dispatch.
pub struct Ctx<'d> {
    pub d: &'d mut Diagnostics,
    pub raw: RawConfig,
}

/// A keyword handler for a block whose target is `T`.
pub type Handler<T> = fn(&mut Ctx<'_>, &mut T, &Stmt);
/// A sorted keyword table.
pub type Table<T> = [(&'static str, Handler<T>)];

impl Ctx<'_> {
    /// Runs every statement of `block` through `table`.
    pub fn dispatch<T>(&mut self, table: &Table<T>, target: &mut T, block: &[Stmt]) {
        for s in block {
            match table.binary_search_by(|(k, _)| (*k).cmp(s.kw())) {
                Ok(idx) => {
                    if let Some((_, h)) = table.get(idx) {
                        h(self, target, s);
                    }
                }
                Err(_) => self.unknown(s),
            }
        }
    }

    /// True (after a fatal diagnostic naming the limit) when `len` already fills `cap`: the
    /// parser stops collecting so that hostile input stays linear.
    pub fn full(&mut self, len: usize, cap: usize, at: Span, what: &str, limit: &str) -> bool {
        if len < cap {
            return false;
        }
        if !self.d.has_fatal() {
            self.d.fatal(
                at,
                format!("too many {what}: raise KEEPALIVED_RS_{limit} (now {cap})"),
            );
        }
        true
    }

    pub fn unknown(&mut self, s: &Stmt) {
        self.d.warn(s.span, format!("Unknown keyword '{}'", s.kw()));
    }

    pub fn unsupported(&mut self, s: &Stmt) {
        self.d.warn(
            s.span,
            format!("'{}' is not supported by keepalived-rs - ignoring", s.kw()),
        );
    }

    /// The i-th argument, or a warning naming the keyword.
    pub fn arg<'s>(&mut self, s: &'s Stmt, i: usize) -> Option<&'s Word> {
        let w = s.arg(i);
        if w.is_none() {
            self.d
                .warn(s.span, format!("'{}' missing parameter - ignoring", s.kw()));
        }
        w
    }

    /// An integer in `[min, max]`; keepalived's warning otherwise.
    pub fn num(&mut self, w: &Word, min: i64, max: i64) -> Option<i64> {
        match w.text.parse::<i64>() {
            Ok(v) if (min..=max).contains(&v) => Some(v),
            Ok(_) => {
                self.d.warn(
                    w.span,
                    format!("number '{}' outside range [{min}, {max}]", w.text),
                );
                None
            }
            Err(_) => {
                self.d.warn(w.span, format!("invalid number '{}'", w.text));
                None
            }
        }
    }

    /// The argument as an integer in range.
    pub fn num_arg(&mut self, s: &Stmt, i: usize, min: i64, max: i64) -> Option<i64> {
        let w = self.arg(s, i)?;
        self.num(w, min, max)
    }

    /// `KEYWORD [BOOL]`: absent means true.
    pub fn boolean(&mut self, s: &Stmt) -> bool {
        let Some(w) = s.arg(0) else { return true };
        match w.text.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" => true,
            "off" | "false" | "no" => false,
            _ => {
                self.d.warn(
                    w.span,
                    format!("invalid boolean '{}' - assuming true", w.text),
                );
                true
            }
        }
    }

    /// A time in seconds (decimals allowed, µs resolution) within `[min, max]` µs.
    pub fn timer(&mut self, w: &Word, min: Duration, max: Duration) -> Option<Duration> {
        match parse_secs(&w.text) {
            Some(v) if v >= min && v <= max => Some(v),
            Some(_) => {
                self.d.warn(
                    w.span,
                    format!(
                        "time '{}' outside range [{}, {}]",
                        w.text,
                        fmt_secs(min),
                        fmt_secs(max)
                    ),
                );
                None
            }
            None => {
                self.d.warn(w.span, format!("invalid time '{}'", w.text));
                None
            }
        }
    }

    pub fn timer_arg(
        &mut self,
        s: &Stmt,
        i: usize,
        min: Duration,
        max: Duration,
    ) -> Option<Duration> {
        let w = self.arg(s, i)?;
        self.timer(w, min, max)
    }

    /// A bounded string; too long is an error and the value is dropped.
    pub fn text<const N: usize>(&mut self, w: &Word) -> Option<heapless::String<N>> {
        let mut out = heapless::String::new();
        if out.push_str(&w.text).is_err() {
            self.d.error(
                w.span,
                format!(
                    "'{}' is too long (at most {} bytes) - ignoring",
                    trunc(&w.text),
                    N
                ),
            );
            return None;
        }
        Some(out)
    }

    pub fn text_arg<const N: usize>(&mut self, s: &Stmt, i: usize) -> Option<heapless::String<N>> {
        let w = self.arg(s, i)?;
        self.text(w)
    }

    pub fn ip(&mut self, w: &Word) -> Option<IpAddr> {
        match parse_ip(&w.text) {
            Some(a) => Some(a),
            None => {
                self.d.error(
                    w.span,
                    format!("invalid IP address '{}' - ignoring", trunc(&w.text)),
                );
                None
            }
        }
    }

    /// Warns when a value keyword was given a block.
    pub fn no_block(&mut self, s: &Stmt) {
        if s.block.is_some() {
            self.d.warn(
                s.span,
                format!("'{}' does not take a block - block ignored", s.kw()),
            );
        }
    }

    /// Warns when a block keyword has none; returns its statements.
    pub fn want_block<'s>(&mut self, s: &'s Stmt) -> &'s [Stmt] {
        if s.block.is_none() {
            self.d.warn(
                s.span,
                format!("'{}' expects a '{{' block - ignoring", s.kw()),
            );
        }
        s.block()
    }
}

/// At most 64 characters of user text in messages.
pub fn trunc(s: &str) -> &str {
    match s.char_indices().nth(64) {
        Some((i, _)) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

/// An IPv4 or IPv6 address (IPv6 scope suffix `%if` accepted and dropped).
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.split('%').next().unwrap_or(s);
    IpAddr::from_str(s).ok()
}

/// Decimal seconds → microseconds ("1", "0.5", "2.000001"); no sign, no exponent.
pub fn parse_secs(s: &str) -> Option<Duration> {
    let (int, frac) = match s.split_once('.') {
        Some((a, b)) => (a, b),
        None => (s, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut micros = 0u64;
    for (k, b) in frac.bytes().take(6).enumerate() {
        micros += u64::from(b - b'0') * 10u64.pow(5 - k as u32);
    }
    let us = whole.checked_mul(1_000_000)?.checked_add(micros)?;
    Some(Duration::from_micros(us))
}

/// Microseconds as the shortest decimal seconds ("1", "0.5").
pub fn fmt_secs(d: Duration) -> String {
    let us = d.as_micros();
    let (s, f) = (us / 1_000_000, us % 1_000_000);
    if f == 0 {
        format!("{s}")
    } else {
        let frac = format!("{f:06}");
        format!("{s}.{}", frac.trim_end_matches('0'))
    }
}

/// The top-level keyword table.
pub fn top_table() -> &'static Table<()> {
    super::kw_other::TOP
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::lexer::Lexer;

    fn tree(src: &str) -> (Vec<Stmt>, Diagnostics) {
        let mut d = Diagnostics::new();
        let toks = {
            let mut lx = Lexer::new(&mut d, "host");
            lx.lex_text("t.conf", src, std::path::Path::new("."), 0);
            core::mem::take(&mut lx.tokens)
        };
        let mut toks = toks;
        let t = build_tree(&mut toks, &mut d);
        (t, d)
    }

    #[test]
    fn brace_on_next_line_and_inline_blocks() {
        let (t, d) = tree("a x\n{\n b 1 }\nc { d } e\n");
        assert!(d.is_empty(), "{d}");
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].kw(), "a");
        assert_eq!(t[0].block()[0].kw(), "b");
        assert_eq!(t[1].block()[0].kw(), "d");
        assert_eq!(t[2].kw(), "e");
    }

    #[test]
    fn unbalanced_braces_are_reported() {
        let (_, d) = tree("a {\n b\n");
        assert_eq!(
            d.to_string(),
            "t.conf:1:3: error: missing '}' at end of configuration\n"
        );
        let (_, d) = tree("}\n");
        assert_eq!(
            d.to_string(),
            "t.conf:1:1: error: unexpected '}' - ignoring\n"
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let src = "a {".repeat(100);
        let (_, d) = tree(&src);
        assert!(d.to_string().contains("nested too deeply"));
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_secs("1"), Some(Duration::from_secs(1)));
        assert_eq!(parse_secs("0.05"), Some(Duration::from_millis(50)));
        assert_eq!(parse_secs(".5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_secs("-1"), None);
        assert_eq!(parse_secs("1e3"), None);
        assert_eq!(fmt_secs(Duration::from_millis(1500)), "1.5");
    }
}
