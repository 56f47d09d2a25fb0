//! Diagnostics: every message the config layer produces, with its location.
//!
//! Printed as `FILE:LINE:COL: error|warning: message` (OpenBSD `parse.y` style, with a column).
//! Severities map onto keepalived 2.2.7's `-t` exit classes: warnings and errors give 5, a
//! fatal problem (no usable config) gives 4, a script-security violation gives 6; the highest
//! class present wins ([`Diagnostics::exit_code`]).

use std::fmt;
use std::sync::Arc as Rc;

/// Where a token came from. `file` indexes the loader's file table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub file: u16,
    pub line: u32,
    pub col: u32,
}

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Accepted, with keepalived's defaulting or ignoring.
    Warning,
    /// keepalived's "config error": something was dropped, but the daemon would run.
    Error,
    /// The configuration cannot be used at all (missing file, capacity exceeded).
    Fatal,
    /// `SECURITY VIOLATION`: scripts configured without `enable_script_security`.
    Security,
}

impl Severity {
    /// keepalived's `-t` exit class for this severity.
    pub fn exit_class(self) -> i32 {
        match self {
            Severity::Warning | Severity::Error => 5,
            Severity::Fatal => 4,
            Severity::Security => 6,
        }
    }
    /// Something of the file was dropped or is unusable (a security violation is only a
    /// warning: keepalived runs such scripts anyway).
    pub fn is_error(self) -> bool {
        matches!(self, Severity::Error | Severity::Fatal)
    }
    pub fn label(self) -> &'static str {
        match self {
            Severity::Warning | Severity::Security => "warning",
            Severity::Error | Severity::Fatal => "error",
        }
    }
}

/// One message with its location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: Rc<str>,
    pub line: u32,
    pub col: u32,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file,
            self.line,
            self.col,
            self.severity.label(),
            self.message
        )
    }
}

/// All diagnostics of one load, in the order they were found, plus the file table that
/// [`Span::file`] indexes.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    files: Vec<Rc<str>>,
    list: Vec<Diagnostic>,
}

/// More diagnostics than this are counted but not kept (a hostile input must not eat memory).
const MAX_KEPT: usize = 10_000;

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a file name; returns its index for [`Span::file`].
    pub fn add_file(&mut self, name: &str) -> u16 {
        if let Some(i) = self.files.iter().position(|f| &**f == name) {
            return i as u16;
        }
        if self.files.len() >= u16::MAX as usize {
            return 0;
        }
        self.files.push(Rc::from(name));
        (self.files.len() - 1) as u16
    }

    pub fn file_name(&self, idx: u16) -> Rc<str> {
        self.files
            .get(idx as usize)
            .cloned()
            .unwrap_or_else(|| Rc::from("<unknown>"))
    }

    pub fn push(&mut self, span: Span, severity: Severity, message: impl Into<String>) {
        if self.list.len() >= MAX_KEPT {
            return;
        }
        let file = self.file_name(span.file);
        self.list.push(Diagnostic {
            file,
            line: span.line,
            col: span.col,
            severity,
            message: message.into(),
        });
    }
    pub fn warn(&mut self, span: Span, message: impl Into<String>) {
        self.push(span, Severity::Warning, message)
    }
    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        self.push(span, Severity::Error, message)
    }
    pub fn fatal(&mut self, span: Span, message: impl Into<String>) {
        self.push(span, Severity::Fatal, message)
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
    pub fn iter(&self) -> core::slice::Iter<'_, Diagnostic> {
        self.list.iter()
    }
    pub fn has_fatal(&self) -> bool {
        self.list.iter().any(|d| d.severity == Severity::Fatal)
    }
    pub fn count(&self, severity: Severity) -> usize {
        self.list.iter().filter(|d| d.severity == severity).count()
    }

    /// keepalived's `-t` exit status: 0 clean, 4 fatal, 5 errors or warnings, 6 script
    /// security not enabled; the highest class present wins.
    pub fn exit_code(&self) -> i32 {
        self.list
            .iter()
            .map(|d| d.severity.exit_class())
            .max()
            .unwrap_or(0)
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = core::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.list {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_errors_and_fatals_are_errors() {
        use super::Severity::*;
        assert!(!Warning.is_error() && !Security.is_error());
        assert!(Error.is_error() && Fatal.is_error());
    }

    use super::*;

    #[test]
    fn display_and_exit_classes() {
        let mut d = Diagnostics::new();
        assert_eq!(d.exit_code(), 0);
        let f = d.add_file("a.conf");
        d.warn(
            Span {
                file: f,
                line: 3,
                col: 5,
            },
            "Unknown keyword 'x'",
        );
        assert_eq!(d.exit_code(), 5);
        assert_eq!(
            d.iter().next().map(|x| x.to_string()).unwrap_or_default(),
            "a.conf:3:5: warning: Unknown keyword 'x'"
        );
        d.fatal(Span::default(), "boom");
        assert_eq!(d.exit_code(), 5);
        d.push(Span::default(), Severity::Security, "SECURITY");
        assert_eq!(d.exit_code(), 6);
    }
}
