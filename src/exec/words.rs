//! Splitting a command line into words, as keepalived 2.2.7's quote- and escape-aware
//! splitter does (`lib/parser.c` alloc_strvec_quoted_escaped); see [`super::argv`] for how the
//! words are then run. The words live NUL-separated in one fixed buffer.

use core::fmt;

/// Most words in one command line (the line itself is at most 255 bytes).
pub const MAX_WORDS: usize = 64;
/// Bytes of the NUL-terminated words of one prepared command (line + resolved path).
pub const WORDS_BYTES: usize = 512;
/// Why a line could not be split into words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitError {
    /// `String '%s': missing terminating %c`.
    UnmatchedQuote(u8),
    /// `Missing escape char at end: '%s'`.
    EscapeAtEnd,
    /// Only white space.
    Empty,
    /// More than [`MAX_WORDS`] words or [`WORDS_BYTES`] bytes.
    TooLong,
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitError::UnmatchedQuote(q) => write!(f, "missing terminating {}", *q as char),
            SplitError::EscapeAtEnd => f.write_str("Missing escape char at end"),
            SplitError::Empty => f.write_str("empty command"),
            SplitError::TooLong => f.write_str("command line too long"),
        }
    }
}

/// NUL-separated words in a fixed buffer.
#[derive(Clone, PartialEq, Eq)]
pub struct Words {
    buf: heapless::Vec<u8, WORDS_BYTES>,
    count: u8,
}

impl Default for Words {
    fn default() -> Self {
        Self::new()
    }
}

impl Words {
    pub const fn new() -> Self {
        Words {
            buf: heapless::Vec::new(),
            count: 0,
        }
    }
    pub fn len(&self) -> usize {
        self.count as usize
    }
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
    /// Appends one word; it must not contain NUL.
    pub fn push(&mut self, word: &[u8]) -> Result<(), SplitError> {
        if word.contains(&0) || self.len() >= MAX_WORDS {
            return Err(SplitError::TooLong);
        }
        if self.buf.len() + word.len() + 1 > WORDS_BYTES {
            return Err(SplitError::TooLong);
        }
        self.buf
            .extend_from_slice(word)
            .map_err(|_| SplitError::TooLong)?;
        self.buf.push(0).map_err(|_| SplitError::TooLong)?;
        self.count += 1;
        Ok(())
    }
    /// The words without their NULs.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let body = self.buf.split_last().map(|(_, b)| b).unwrap_or(&[]);
        body.split(|&b| b == 0).take(self.len())
    }
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        self.iter().nth(i)
    }
    /// A copy with word `i` replaced.
    pub(super) fn with_replaced(&self, i: usize, new: &[u8]) -> Result<Words, SplitError> {
        let mut w = Words::new();
        for (j, word) in self.iter().enumerate() {
            w.push(if i == j { new } else { word })?;
        }
        Ok(w)
    }
}

impl fmt::Debug for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|w| String::from_utf8_lossy(w)))
            .finish()
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | 0x0c | b'\n' | b'\r' | 0x0b)
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Splits a command line into words exactly like keepalived's quote/escape-aware splitter.
///
/// A word produced with an embedded NUL (`\0`, `\x00`) ends at the NUL, as in C.
pub fn split(line: &[u8]) -> Result<Words, SplitError> {
    let mut words = Words::new();
    let mut word: heapless::Vec<u8, WORDS_BYTES> = heapless::Vec::new();
    let mut i = 0;
    let n = line.len();
    let at = |k: usize| line.get(k).copied().unwrap_or(0);
    while i < n {
        while i < n && is_space(line[i]) {
            i += 1;
        }
        if i >= n {
            break;
        }
        word.clear();
        let mut cut = false; // a NUL was produced: the rest of the word is dropped
        let mut quote: u8 = 0;
        let put = |word: &mut heapless::Vec<u8, WORDS_BYTES>, b: u8, cut: &mut bool| {
            if *cut {
                return Ok(());
            }
            if b == 0 {
                *cut = true;
                return Ok(());
            }
            word.push(b).map_err(|_| SplitError::TooLong)
        };
        while i < n {
            let c = line[i];
            if c == b'\\' {
                i += 1;
                if i >= n {
                    return Err(SplitError::EscapeAtEnd);
                }
                let e = line[i];
                let out: u8;
                if e == b'x' && hex_val(at(i + 1)).is_some() {
                    let mut v: u8 = 0;
                    i += 1;
                    while let Some(d) = hex_val(at(i)) {
                        if i >= n {
                            break;
                        }
                        v = (v << 4) | d;
                        i += 1;
                    }
                    out = v;
                } else if e == b'c' && i + 1 < n {
                    out = line[i + 1] & 0x1f;
                    i += 2;
                } else if (b'0'..=b'7').contains(&e) {
                    let mut v: u8 = e - b'0';
                    i += 1;
                    for _ in 0..2 {
                        if i < n && (b'0'..=b'7').contains(&line[i]) {
                            v = (v << 3).wrapping_add(line[i] - b'0');
                            i += 1;
                        }
                    }
                    out = v;
                } else {
                    out = match e {
                        b'a' => 0x07,
                        b'b' => 0x08,
                        b'E' => 0x1b,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'v' => 0x0b,
                        other => other,
                    };
                    i += 1;
                }
                put(&mut word, out, &mut cut)?;
                continue;
            }
            if quote != 0 {
                if c == quote {
                    quote = 0;
                } else {
                    put(&mut word, c, &mut cut)?;
                }
                i += 1;
                continue;
            }
            if c == b'"' || c == b'\'' {
                quote = c;
                i += 1;
                continue;
            }
            if is_space(c) {
                break;
            }
            put(&mut word, c, &mut cut)?;
            i += 1;
        }
        if quote != 0 {
            return Err(SplitError::UnmatchedQuote(quote));
        }
        words.push(&word)?;
    }
    if words.is_empty() {
        return Err(SplitError::Empty);
    }
    Ok(words)
}

#[cfg(test)]
#[path = "words_tests.rs"]
mod tests;
