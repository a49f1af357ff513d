//! Everything a command shows goes through a [`Printer`], so tests capture
//! exactly what a user sees and `--quiet` is one value, not scattered checks.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

/// Text for people, JSON for programs (`--output`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

/// How much to say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    #[default]
    Normal,
    Verbose,
}

/// Whether to colour output (`--color`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when `CLICOLOR_FORCE` is set (and not `0`), or when the
    /// stream is a terminal, `NO_COLOR` is unset or empty and `CLICOLOR` is
    /// not `0`.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether a stream that `is_terminal` gets colour.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
                let forced = set("CLICOLOR_FORCE").is_some_and(|v| v != "0");
                let off = set("NO_COLOR").is_some() || set("CLICOLOR").is_some_and(|v| v == "0");
                forced || (is_terminal && !off)
            }
        }
    }
}

/// The styles output uses (ANSI, through `anstyle`).
pub mod style {
    use anstyle::{AnsiColor, Style};

    pub const ERROR: Style = AnsiColor::Red.on_default().bold();
    pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
    pub const ADD: Style = AnsiColor::Green.on_default();
    pub const MODIFY: Style = AnsiColor::Yellow.on_default();
    pub const REPLACE: Style = AnsiColor::Magenta.on_default();
    pub const REMOVE: Style = AnsiColor::Red.on_default();
    pub const DATA_LOSS: Style = AnsiColor::Red.on_default().bold();
}

/// Where command output goes: results to `out`, progress and notes to `err`.
/// Whether work deep in the library that the user waits on may say so on
/// standard error ([`progress`]). Only the terminal printer turns it on,
/// and not with `--quiet`, so captured printers and library users see
/// nothing.
static PROGRESS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A status line from inside the library (e.g. pip installing a function's
/// dependencies for the first time): standard error, hidden with `--quiet`.
pub fn progress(line: &str) {
    if PROGRESS.load(std::sync::atomic::Ordering::Relaxed) {
        eprintln!("{line}");
    }
}

pub struct Printer {
    out: Box<dyn Write>,
    err: Box<dyn Write>,
    verbosity: Verbosity,
    color_out: bool,
    color_err: bool,
}

/// A buffer a test can read after the command ran.
pub type Captured = Rc<RefCell<Vec<u8>>>;

struct Shared(Captured);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Printer {
    /// Standard output and standard error.
    pub fn terminal(verbosity: Verbosity) -> Self {
        Self::terminal_with(verbosity, ColorChoice::Auto)
    }

    /// Standard output and standard error, coloured as `color` says.
    pub fn terminal_with(verbosity: Verbosity, color: ColorChoice) -> Self {
        use std::io::IsTerminal;
        PROGRESS.store(
            verbosity != Verbosity::Quiet,
            std::sync::atomic::Ordering::Relaxed,
        );
        Printer {
            out: Box::new(std::io::stdout()),
            err: Box::new(std::io::stderr()),
            verbosity,
            color_out: color.enabled(std::io::stdout().is_terminal()),
            color_err: color.enabled(std::io::stderr().is_terminal()),
        }
    }

    /// In-memory buffers, for tests: (printer, stdout, stderr).
    pub fn capture(verbosity: Verbosity) -> (Self, Captured, Captured) {
        let out = Captured::default();
        let err = Captured::default();
        let p = Printer {
            out: Box::new(Shared(out.clone())),
            err: Box::new(Shared(err.clone())),
            verbosity,
            color_out: false,
            color_err: false,
        };
        (p, out, err)
    }

    /// A result line (shown even with `--quiet`: it is what was asked for).
    pub fn result(&mut self, line: &str) {
        let _ = writeln!(self.out, "{line}");
    }

    /// A status line (hidden with `--quiet`).
    pub fn status(&mut self, line: &str) {
        if self.verbosity != Verbosity::Quiet {
            let _ = writeln!(self.err, "{line}");
        }
    }

    /// A detail line (only with `--verbose`).
    pub fn detail(&mut self, line: &str) {
        if self.verbosity == Verbosity::Verbose {
            let _ = writeln!(self.err, "{line}");
        }
    }

    /// A note the user should see unless they asked for quiet.
    pub fn note(&mut self, line: &str) {
        self.status(&format!("note: {line}"));
    }

    /// The verbosity asked for.
    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    /// Turns colour on or off for both streams (tests; `--color always`).
    pub fn set_color(&mut self, on: bool) {
        self.color_out = on;
        self.color_err = on;
    }

    /// Standard output as a stream that styles as it is written (coloured
    /// when standard output is), for results formatted a piece at a time.
    pub fn results(&mut self) -> Styled<&mut dyn Write> {
        Styled::new(&mut *self.out, self.color_out)
    }

    /// A warning: shown even with `--quiet`.
    pub fn warning(&mut self, line: &str) {
        let _ = self.prefixed(style::WARNING, "warning:", line);
    }

    /// An error: `error: ...` on standard error, always shown.
    pub fn error(&mut self, line: &str) {
        let _ = self.prefixed(style::ERROR, "error:", line);
    }

    /// `prefix line` on standard error, the prefix in `style`.
    fn prefixed(&mut self, style: anstyle::Style, prefix: &str, line: &str) -> std::io::Result<()> {
        let mut err = Styled::new(&mut *self.err, self.color_err);
        err.styled(style, prefix)?;
        writeln!(err, " {line}")
    }
}

/// A stream that styles as it is written: plain text goes out as it is;
/// styled text is wrapped in its escape codes when colour is on, and goes
/// out as plain text when it is off. Formatters write to one of these, so
/// colour is added while formatting, never by reading formatted text back.
pub struct Styled<W> {
    out: W,
    color: bool,
}

impl<W: Write> Styled<W> {
    /// Styles with escape codes when `color`.
    pub fn new(out: W, color: bool) -> Self {
        Styled { out, color }
    }

    /// Whether styles are written.
    pub fn color(&self) -> bool {
        self.color
    }

    /// `text` in `style`.
    pub fn styled(&mut self, style: anstyle::Style, text: &str) -> std::io::Result<()> {
        if self.color && !text.is_empty() {
            write!(self.out, "{}{text}{}", style.render(), style.render_reset())
        } else {
            self.out.write_all(text.as_bytes())
        }
    }

    /// The stream written to.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> Write for Styled<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Formats into a string with `write` (colour off): for tests and for the
/// callers that want the text itself.
pub fn to_text(write: impl FnOnce(&mut Styled<&mut Vec<u8>>) -> std::io::Result<()>) -> String {
    let mut buf = Vec::new();
    // Writing to memory cannot fail.
    let _ = write(&mut Styled::new(&mut buf, false));
    String::from_utf8(buf).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_styled_stream_wraps_styled_text_only_when_colour_is_on() {
        let write = |color: bool| {
            let mut out = Styled::new(Vec::new(), color);
            out.styled(style::ADD, "+ A").unwrap();
            write!(out, " plain").unwrap();
            String::from_utf8(out.into_inner()).unwrap()
        };
        assert_eq!(write(false), "+ A plain");
        assert_eq!(write(true), "\u{1b}[32m+ A\u{1b}[0m plain");
    }

    #[test]
    fn warnings_and_errors_colour_their_prefix_only() {
        let (mut p, _, err) = Printer::capture(Verbosity::Normal);
        p.warning("w");
        p.set_color(true);
        p.error("e");
        let text = String::from_utf8(err.borrow().clone()).unwrap();
        assert_eq!(text, "warning: w\n\u{1b}[1m\u{1b}[31merror:\u{1b}[0m e\n");
    }
}
