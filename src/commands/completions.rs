//! `blueprint completions SHELL` and `blueprint man`: generated from the clap
//! definitions, so they never drift from the real flags.

use std::path::Path;

use clap::CommandFactory;

use crate::assets::write_atomic;
use crate::cli::Cli;
use crate::error::Error;
use crate::output::Printer;

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> String {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "blueprint", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// The man page of `blueprint` (roff).
pub fn man_page() -> Result<String, Error> {
    let cmd = Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut buf)
        .map_err(|e| Error::Internal(format!("rendering the man page: {e}")))?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

pub fn run_completions(shell: clap_complete::Shell, printer: &mut Printer) {
    printer.result(completions(shell).trim_end_matches('\n'));
}

/// Prints blueprint.1, or with `out` writes it and a page per command there.
pub fn run_man(out: Option<&Path>, printer: &mut Printer) -> Result<(), Error> {
    let Some(dir) = out else {
        printer.result(man_page()?.trim_end_matches('\n'));
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut cmd = Cli::command();
    cmd.build();
    let mut pages = vec![("blueprint.1".to_string(), man_page()?)];
    for sub in cmd.get_subcommands() {
        let name = format!("blueprint-{}", sub.get_name());
        let mut buf = Vec::new();
        // Leaked once per page: clap names are `'static` without its `string` feature.
        let static_name: &'static str = Box::leak(name.clone().into_boxed_str());
        clap_mangen::Man::new(sub.clone().name(static_name))
            .render(&mut buf)
            .map_err(|e| Error::Internal(format!("rendering {name}.1: {e}")))?;
        pages.push((
            format!("{name}.1"),
            String::from_utf8_lossy(&buf).into_owned(),
        ));
    }
    for (file, text) in &pages {
        write_atomic(&dir.join(file), text.as_bytes())?;
        printer.status(&format!("  {}", dir.join(file).display()));
    }
    Ok(())
}
