//! Unit tests of the lexer (included from `lexer.rs`).

use super::*;
use crate::config::glob::{expand_braces, wildmatch};

fn lex_with(src: &str, id: &str) -> (Vec<Token>, Diagnostics) {
    let mut d = Diagnostics::new();
    let toks = {
        let mut lx = Lexer::new(&mut d, id);
        lx.lex_text("t.conf", src, Path::new("."), 0);
        core::mem::take(&mut lx.tokens)
    };
    (toks, d)
}

fn words(src: &str) -> Vec<String> {
    lex(src)
        .into_iter()
        .map(|t| match t.tok {
            Tok::Word(w) => w,
            Tok::Open => "{".into(),
            Tok::Close => "}".into(),
            Tok::Eol => "\\n".into(),
        })
        .collect()
}

fn lex(src: &str) -> Vec<Token> {
    lex_with(src, "host").0
}

#[test]
fn every_token_kind_with_spans() {
    let t = lex("a  b{\n  }\n");
    let kinds: Vec<(Tok, u32, u32)> = t
        .iter()
        .map(|t| (t.tok.clone(), t.span.line, t.span.col))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (Tok::Word("a".into()), 1, 1),
            (Tok::Word("b".into()), 1, 4),
            (Tok::Open, 1, 5),
            (Tok::Eol, 1, 5),
            (Tok::Close, 2, 3),
            (Tok::Eol, 2, 3),
        ]
    );
    assert_eq!(t[0].span.file, 0);
}

#[test]
fn comments_anywhere() {
    assert_eq!(
        words("a b # c d\n! whole line\nx!y\n  # indented"),
        ["a", "b", "\\n", "x", "\\n"]
    );
    assert_eq!(
        words("s \"# not a comment\" ! yes"),
        ["s", "# not a comment", "\\n"]
    );
}

#[test]
fn quotes_join_and_keep_spaces() {
    assert_eq!(
        words("abcd\" efg h jkl \"mnop"),
        ["abcd efg h jkl mnop", "\\n"]
    );
    assert_eq!(
        words("abcd \"efg h jkl\" mnop"),
        ["abcd", "efg h jkl", "mnop", "\\n"]
    );
    assert_eq!(
        words("x 'single \"inner\"'"),
        ["x", "single \"inner\"", "\\n"]
    );
    let t = lex("\"q\" u");
    assert!(t[0].quoted && !t[1].quoted);
    assert_eq!(words("a \"{ }\""), ["a", "{ }", "\\n"]);
}

#[test]
fn escapes() {
    assert_eq!(
        words(r#""\a\b\E\f\n\r\t\v""#),
        ["\x07\x08\x1b\x0c\n\r\t\x0b", "\\n"]
    );
    assert_eq!(
        words(r#""\101\60x\x41\x4a\cA\\\"\q""#),
        ["A0xAJ\x01\\\"q", "\\n"]
    );
    assert_eq!(words(r#""\xg""#), ["xg", "\\n"]);
}

#[test]
fn unterminated_quote_is_reported() {
    let (t, d) = lex_with("script \"abc\n", "h");
    assert_eq!(
        d.to_string(),
        "t.conf:1:8: error: unterminated quoted string\n"
    );
    assert_eq!(t.len(), 3);
}

#[test]
fn braces_are_tokens_anywhere() {
    assert_eq!(words("a{b}c"), ["a", "{", "b", "}", "c", "\\n"]);
}

#[test]
fn defines_and_substitution() {
    let src = "$IF=eth0\n$ADDR=192.0.2.1\ninterface $IF\nx ${ADDR}/24 $NOPE ${NOPE} $\n$NEST=$IF:$ADDR\ny $NEST\n";
    assert_eq!(
        words(src),
        [
            "interface",
            "eth0",
            "\\n",
            "x",
            "192.0.2.1/24",
            "$NOPE",
            "$",
            "{",
            "NOPE",
            "}",
            "$",
            "\\n",
            "y",
            "eth0:192.0.2.1",
            "\\n"
        ]
    );
}

#[test]
fn multi_line_define_expands_to_lines() {
    let src = "$BLOCK=a 1 \\\nb 2\n$BLOCK\n";
    let t = lex(src);
    let w: Vec<String> = t
        .iter()
        .filter_map(|t| match &t.tok {
            Tok::Word(w) => Some(format!("{w}@{}", t.span.line)),
            Tok::Eol => Some("\\n".into()),
            _ => None,
        })
        .collect();
    assert_eq!(w, ["a@3", "1@3", "\\n", "b@3", "2@3", "\\n"]);
}

#[test]
fn substitution_bomb_is_refused() {
    let src = "$A=xxxxxxxxxxxxxxxx\n$B=$A$A$A$A$A$A$A$A$A$A$A$A$A$A$A$A\n$C=$B$B$B$B$B$B$B$B$B$B$B$B$B$B$B$B\n$D=$C$C$C$C$C$C$C$C$C$C$C$C$C$C$C$C\n$E=$D$D$D$D$D$D$D$D$D$D\nx $E\n";
    let (_, d) = lex_with(src, "h");
    assert!(d.to_string().contains("line too long"), "{d}");
    let (_, d) = lex_with("$A=$A$A\nx $A\n", "h");
    assert!(!d.is_empty());
}

#[test]
fn conditionals() {
    let src = "@web1 a 1\n@web2 b 2\n@^web1 c 3\n@^web2 d 4\ne 5\n";
    assert_eq!(
        words_id(src, "web1"),
        ["a", "1", "\\n", "d", "4", "\\n", "e", "5", "\\n"]
    );
    assert_eq!(
        words_id(src, "web2"),
        ["b", "2", "\\n", "c", "3", "\\n", "e", "5", "\\n"]
    );
    let t = lex_with("@h   key v\n", "h").0;
    assert_eq!(t[0].span.col, 6);
}

fn words_id(src: &str, id: &str) -> Vec<String> {
    lex_with(src, id)
        .0
        .into_iter()
        .map(|t| match t.tok {
            Tok::Word(w) => w,
            Tok::Eol => "\\n".into(),
            _ => "?".into(),
        })
        .collect()
}

#[test]
fn includes_with_globs_relative_to_the_including_file() {
    let dir = std::env::temp_dir().join(format!("krs-lex-{}", std::process::id()));
    let sub = dir.join("conf.d");
    let _ = std::fs::create_dir_all(&sub);
    let _ = std::fs::write(
        dir.join("main.conf"),
        "top 1\ninclude conf.d/*.conf\ninclude conf.d/{z,y}.inc\nend 2\n",
    );
    let _ = std::fs::write(sub.join("b.conf"), "bee 2\n");
    let _ = std::fs::write(sub.join("a.conf"), "ay 1\n");
    let _ = std::fs::write(sub.join("y.inc"), "why\n");
    let _ = std::fs::write(sub.join("z.inc"), "zed\n");
    let _ = std::fs::write(sub.join("skip.txt"), "no\n");
    let mut d = Diagnostics::new();
    let toks = {
        let mut lx = Lexer::new(&mut d, "h");
        assert!(lx.lex_file(&dir.join("main.conf"), 0, Span::default()));
        core::mem::take(&mut lx.tokens)
    };
    let w: Vec<String> = toks
        .iter()
        .filter_map(|t| match &t.tok {
            Tok::Word(w) => Some(w.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        w,
        ["top", "1", "ay", "1", "bee", "2", "zed", "why", "end", "2"]
    );
    assert!(d.is_empty(), "{d}");
    // Spans name the included file.
    let ay = toks
        .iter()
        .find(|t| t.tok == Tok::Word("ay".into()))
        .map(|t| t.span);
    let f = ay
        .map(|s| d.file_name(s.file).to_string())
        .unwrap_or_default();
    assert!(f.ends_with("conf.d/a.conf"), "{f}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wildcards() {
    assert!(wildmatch(b"*.conf", b"a.conf"));
    assert!(!wildmatch(b"*.conf", b"a.confx"));
    assert!(wildmatch(b"?.c*", b"a.conf"));
    assert!(wildmatch(b"[ab]-[0-9]", b"b-7"));
    assert!(!wildmatch(b"[!ab]x", b"ax"));
    assert!(wildmatch(b"**", b""));
    assert_eq!(expand_braces("a{b,c{d,e}}f"), ["abf", "acdf", "acef"]);
}

#[test]
fn crlf_lines() {
    assert_eq!(words("a b\r\nc\r\n"), ["a", "b", "\\n", "c", "\\n"]);
}

#[test]
fn include_variants_and_strictness() {
    let mut d = Diagnostics::new();
    {
        let mut lx = Lexer::new(&mut d, "h");
        lx.lex_text(
            "t.conf",
            "include /nonexistent/a.conf\nincludet /nonexistent/b.conf\nincludew x/{a,b}.conf\n",
            Path::new("."),
            0,
        );
    }
    assert_eq!(
        d.to_string(),
        "t.conf:1:1: warning: include: no file matches '/nonexistent/a.conf'\n\
         t.conf:2:1: error: include: no file matches '/nonexistent/b.conf'\n\
         t.conf:3:1: warning: include: no file matches 'x/{a,b}.conf'\n"
    );
    let mut d = Diagnostics::new();
    {
        let mut lx = Lexer::new(&mut d, "h");
        lx.all_config = true;
        lx.lex_text("t.conf", "include /nonexistent/a.conf\n", Path::new("."), 0);
    }
    assert_eq!(d.count(crate::config::Severity::Error), 1);
}

#[test]
fn a_huge_line_is_linear() {
    let line = "w ".repeat(200_000);
    let t0 = std::time::Instant::now();
    let t = lex(&line);
    assert_eq!(t.len(), 200_001);
    assert_eq!(t.get(199_999).map(|t| t.span.col), Some(399_999));
    assert!(t0.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn columns_count_characters() {
    let t = lex("é \"ü\" x");
    let cols: Vec<u32> = t.iter().map(|t| t.span.col).collect();
    assert_eq!(cols, [1, 3, 7, 7]);
}
