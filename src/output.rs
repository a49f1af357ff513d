//! Everything a command shows goes through a [`Printer`], so tests capture
//! exactly what a user sees and `--quiet` is one value, not scattered checks.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

/// How much to say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    #[default]
    Normal,
    Verbose,
}

/// Where command output goes: results to `out`, progress and notes to `err`.
pub struct Printer {
    out: Box<dyn Write>,
    err: Box<dyn Write>,
    verbosity: Verbosity,
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
        Printer {
            out: Box::new(std::io::stdout()),
            err: Box::new(std::io::stderr()),
            verbosity,
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
}
