use super::*;

fn w(line: &str) -> Vec<String> {
    split(line.as_bytes())
        .unwrap()
        .iter()
        .map(|x| String::from_utf8(x.to_vec()).unwrap())
        .collect()
}

#[test]
fn splits_on_runs_of_white_space() {
    assert_eq!(
        w("/etc/keepalived/check_script.sh  courier  BACKUP"),
        ["/etc/keepalived/check_script.sh", "courier", "BACKUP"]
    );
    assert_eq!(w("  killall -0\tnginx  "), ["killall", "-0", "nginx"]);
    assert_eq!(w("a\x0bb\x0cc\rd"), ["a", "b", "c", "d"]);
}

#[test]
fn quotes_group_and_are_removed() {
    assert_eq!(w("/bin/x 'a b' \"c  d\" e"), ["/bin/x", "a b", "c  d", "e"]);
    assert_eq!(w("ab'cd ef'gh"), ["abcd efgh"]);
    assert_eq!(w(r#"x "it's" 'say "hi"'"#), ["x", "it's", "say \"hi\""]);
    assert_eq!(w("x '' y"), ["x", "", "y"]);
}

#[test]
fn escapes_as_keepalived() {
    assert_eq!(w(r"a\ b"), ["a b"]);
    assert_eq!(
        w(r"a\tb \x41\x4a \101 \cA \E \q"),
        ["a\tb", "AJ", "A", "\x01", "\x1b", "q"]
    );
    // Escapes work inside single quotes too.
    assert_eq!(w(r"'a\nb'"), ["a\nb"]);
    // \x without a hex digit is a plain x; octal takes at most three digits.
    assert_eq!(w(r"\xg \1018"), ["xg", "A8"]);
    // A NUL ends the word as in C.
    assert_eq!(w(r"ab\0cd ef"), ["ab", "ef"]);
    assert_eq!(w(r#"\\ \' \"x"#), ["\\", "'", "\"x"]);
}

#[test]
fn split_errors() {
    assert_eq!(
        split(b"a 'b").unwrap_err(),
        SplitError::UnmatchedQuote(b'\'')
    );
    assert_eq!(
        split(b"a \"b").unwrap_err(),
        SplitError::UnmatchedQuote(b'"')
    );
    assert_eq!(split(b"a \\").unwrap_err(), SplitError::EscapeAtEnd);
    assert_eq!(split(b"  \t ").unwrap_err(), SplitError::Empty);
    let many = "a ".repeat(MAX_WORDS + 1);
    assert_eq!(split(many.as_bytes()).unwrap_err(), SplitError::TooLong);
}
