//! `blueprint list`: every blueprint with a one-line description.

use crate::blueprints::ALL;
use crate::output::Printer;

pub fn run(printer: &mut Printer) {
    let width = ALL.iter().map(|b| b.name.len()).max().unwrap_or(0);
    for b in ALL {
        printer.result(&format!("{:width$}  {}", b.name, b.summary));
    }
}
