//! The command line, as clap types. They stop here: `lib::run` turns them into
//! the requests the commands understand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::render::Format;

/// Named serverless reference architectures as CloudFormation.
#[derive(Debug, Parser)]
#[command(name = "blueprint", version, about, long_about = None)]
pub struct Cli {
    /// Print only errors and what was asked for.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a blueprint's CloudFormation templates, function packages and manifest.
    Synth(SynthArgs),
    /// List the blueprints.
    List,
    /// Show each requirement of a blueprint and the resources that satisfy it.
    Explain(ProjectFlags),
}

/// Which project: a blueprint's defaults or a project file.
#[derive(Debug, Args)]
pub struct ProjectFlags {
    /// A blueprint name (see `blueprint list`); without it, ./blueprint.yaml is used.
    pub blueprint: Option<String>,
    /// The project file to read.
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Use this stack name instead of the project's.
    #[arg(long, value_name = "NAME")]
    pub stack_name: Option<String>,
    /// Use this region instead of the project's.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    #[command(flatten)]
    pub project: ProjectFlags,
    /// The output directory.
    #[arg(short, long, value_name = "DIR", default_value = crate::commands::synth::DEFAULT_OUT)]
    pub out: PathBuf,
    /// The template format.
    #[arg(short, long, value_enum, default_value_t = Format::Yaml)]
    pub format: Format,
    /// Print the template to standard output instead of writing files.
    #[arg(long)]
    pub stdout: bool,
}
