//! `blueprint`: named serverless reference architectures as CloudFormation.
//!
//! The flow: `blueprint.yaml` → [`config`] → [`blueprints`] (built from
//! [`components`] over the typed [`cfn`] model) → [`check`] → [`render`].

pub mod assets;
pub mod blueprints;
pub mod cfn;
pub mod check;
pub mod cli;
pub mod commands;
pub mod components;
pub mod config;
pub mod error;
pub mod output;
pub mod render;
pub mod synthesis;

use std::ffi::OsString;

use clap::Parser;

use crate::blueprints::Overrides;
use crate::cli::{Cli, Command, ProjectFlags};
use crate::commands::project::ProjectArgs;
use crate::config::{Region, StackName};
use crate::error::Error;
use crate::output::{Printer, Verbosity};

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for a mistake the user can fix.
pub const EXIT_USER: i32 = 1;
/// Exit code for a bug in blueprint.
pub const EXIT_INTERNAL: i32 = 2;

fn project_args(f: ProjectFlags) -> Result<ProjectArgs, Error> {
    let stack_name = f
        .stack_name
        .map(|s| StackName::new(&s).map_err(|e| Error::User(format!("--stack-name: {e}"))))
        .transpose()?;
    let region = f
        .region
        .map(|s| Region::new(&s).map_err(|e| Error::User(format!("--region: {e}"))))
        .transpose()?;
    Ok(ProjectArgs {
        blueprint: f.blueprint,
        config: f.config,
        overrides: Overrides { stack_name, region },
    })
}

/// Runs a parsed command line.
pub fn execute(cli: Cli, printer: &mut Printer) -> Result<(), Error> {
    match cli.command {
        Command::Synth(a) => {
            let req = commands::synth::SynthRequest {
                project: project_args(a.project)?,
                out: a.out,
                format: a.format,
                stdout: a.stdout,
            };
            commands::synth::run(&req, printer)
        }
        Command::List => {
            commands::list::run(printer);
            Ok(())
        }
        Command::Explain(f) => commands::explain::run(&project_args(f)?, printer),
    }
}

/// The whole program: parses `args`, runs the command, prints any error, and
/// returns the exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USER } else { EXIT_OK };
        }
    };
    let verbosity = if cli.quiet {
        Verbosity::Quiet
    } else if cli.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let mut printer = Printer::terminal(verbosity);
    match execute(cli, &mut printer) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}
