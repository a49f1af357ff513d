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
    /// When to colour output (auto: on a terminal, unless NO_COLOR is set).
    #[arg(
        long,
        value_enum,
        global = true,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub color: crate::output::ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a blueprint's CloudFormation templates, function packages and manifest.
    Synth(SynthArgs),
    /// List the blueprints.
    List(ListArgs),
    /// Show each requirement of a blueprint and the resources that satisfy it.
    Explain(ExplainArgs),
    /// Write the project's API as an OpenAPI 3 document (to generate client SDKs).
    Openapi(OpenapiArgs),
    /// Create a project you own: blueprint.yaml with every option, the function code, a README.
    New(NewArgs),
    /// Draw the architecture: resources grouped by layer, references and event wiring.
    Graph(GraphArgs),
    /// Print the JSON Schema of blueprint.yaml (editor completion and checks).
    Schema(SchemaArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per command into a directory.
    Man(ManArgs),
    /// Create or update the toolkit stack (the assets bucket) in a region.
    Bootstrap(BootstrapArgs),
    /// Show what apply would change: template diff, change set, replacements, data loss.
    ///
    /// Exit codes: 0 no changes, 2 changes, 3 changes that lose data, 1 error.
    Plan(PlanArgs),
    /// Apply the changes (or a saved plan) to the deployed stacks.
    Apply(ApplyArgs),
    /// Delete the project's stacks (resources with DeletionPolicy Retain are kept).
    Destroy(DestroyArgs),
    /// Show the stacks' state and recent events.
    Status(StatusArgs),
    /// Print the stacks' outputs.
    Outputs(OutputsArgs),
    /// Find resources that differ from their templates (nested stacks included).
    ///
    /// Exit codes: 0 in sync, 2 drifted, 1 error.
    Drift(DriftArgs),
    /// Show a function's log events (every function's without a name).
    Logs(LogsArgs),
    /// Invoke a deployed function (its alias, with gradual deploys) with an event.
    Invoke(InvokeArgs),
    /// Watch functions/ and blueprint.yaml; apply each change with --hotswap (Ctrl-C ends).
    Watch(WatchArgs),
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
    /// Work in this environment of the project file (its `environments:`).
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
}

/// Which project, for commands whose positional argument is something else.
#[derive(Debug, Args)]
pub struct NamedProjectFlags {
    /// A blueprint name: use its built-in defaults (without it, ./blueprint.yaml).
    #[arg(short, long, value_name = "BLUEPRINT")]
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
    /// Work in this environment of the project file (its `environments:`).
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
}

impl From<NamedProjectFlags> for ProjectFlags {
    fn from(f: NamedProjectFlags) -> Self {
        ProjectFlags {
            blueprint: f.blueprint,
            config: f.config,
            stack_name: f.stack_name,
            region: f.region,
            env: f.env,
        }
    }
}

/// How to reach AWS (besides the default chain: environment, profiles, SSO).
#[derive(Debug, Args)]
pub struct AwsFlags {
    /// The AWS profile to use.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Send requests to this endpoint (a local emulator); AWS_ENDPOINT_URL works too.
    #[arg(long, value_name = "URL", value_parser = endpoint_url)]
    pub endpoint_url: Option<String>,
    /// The toolkit stack that holds the assets bucket.
    #[arg(long, value_name = "NAME", default_value = crate::deploy::toolkit::DEFAULT_STACK)]
    pub toolkit_stack_name: String,
    /// Wait for an operation already in progress on a stack instead of refusing.
    #[arg(long)]
    pub wait: bool,
}

#[derive(Debug, Args)]
pub struct BootstrapArgs {
    /// The region (default: AWS_REGION, AWS_DEFAULT_REGION, or ./blueprint.yaml's).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// The environment of ./blueprint.yaml: its region (unless --region is
    /// given) and its account guard.
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
    #[command(flatten)]
    pub aws: AwsFlags,
    /// How to show progress.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: crate::deploy::watch::ProgressMode,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub project: ProjectFlags,
    #[command(flatten)]
    pub aws: AwsFlags,
    /// Plan even though the project has placeholder values (example.com,
    /// ...); BLUEPRINT_ALLOW_PLACEHOLDERS=1 works too.
    #[arg(long)]
    pub allow_placeholders: bool,
    /// Save the plan (and keep its change sets) so `apply PLANFILE` executes exactly it.
    #[arg(long, value_name = "PLANFILE")]
    pub out: Option<PathBuf>,
    /// text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved with `plan --out`; without it, apply plans first.
    pub planfile: Option<PathBuf>,
    #[command(flatten)]
    pub project: NamedProjectFlags,
    #[command(flatten)]
    pub aws: AwsFlags,
    /// Do not ask for confirmation (required when standard input is not a terminal).
    #[arg(short, long)]
    pub yes: bool,
    /// Apply even though the project has placeholder values (example.com,
    /// ...); BLUEPRINT_ALLOW_PLACEHOLDERS=1 works too.
    #[arg(long)]
    pub allow_placeholders: bool,
    /// Accept that this resource's data is lost (repeat for each logical ID).
    #[arg(long, value_name = "LOGICAL_ID")]
    pub allow_data_loss: Vec<String>,
    /// How to show progress.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: crate::deploy::watch::ProgressMode,
    /// Write the stack outputs to this file as JSON.
    #[arg(long, value_name = "FILE")]
    pub outputs_file: Option<PathBuf>,
    /// Update changed function code and environment variables directly
    /// through Lambda (seconds, no change set); any other change is applied
    /// through a change set as usual.
    #[arg(long, conflicts_with = "planfile")]
    pub hotswap: bool,
    /// Hot-swap even a stack marked as production (`--env prod`, a tag
    /// environment: prod, or a stack name with a `prod` part).
    #[arg(long, requires = "hotswap")]
    pub force_hotswap: bool,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub project: NamedProjectFlags,
    #[command(flatten)]
    pub aws: AwsFlags,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub yes: bool,
    /// Turn termination protection off first (it blocks deletion otherwise).
    #[arg(long)]
    pub disable_termination_protection: bool,
    /// How to show progress.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: crate::deploy::watch::ProgressMode,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub project: NamedProjectFlags,
    #[command(flatten)]
    pub aws: AwsFlags,
    /// Follow an operation in progress until it ends.
    #[arg(long)]
    pub watch: bool,
    /// text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub struct OutputsArgs {
    #[command(flatten)]
    pub project: NamedProjectFlags,
    #[command(flatten)]
    pub aws: AwsFlags,
    /// text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    #[command(flatten)]
    pub project: NamedProjectFlags,
    #[command(flatten)]
    pub aws: AwsFlags,
    /// text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The function: its logical ID, or its path in nested stacks
    /// (`OrdersService/Function`); without it, every function.
    pub function: Option<String>,
    #[command(flatten)]
    pub project: NamedProjectFlags,
    #[command(flatten)]
    pub aws: AwsFlags,
    /// Keep showing new events until Ctrl-C.
    #[arg(short, long)]
    pub follow: bool,
    /// How far back to start: 30s, 10m, 2h, 1d.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::commands::logs::parse_since)]
    pub since: std::time::Duration,
    /// Only events matching this CloudWatch Logs filter pattern.
    #[arg(long, value_name = "PATTERN", value_parser = crate::commands::logs::parse_filter)]
    pub filter: Option<String>,
    /// text or json (one JSON object per event).
    #[arg(long, value_enum, default_value = "text")]
    pub output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub struct InvokeArgs {
    /// The function: its logical ID, or its path in nested stacks
    /// (`OrdersService/Function`).
    pub function: String,
    #[command(flatten)]
    pub project: NamedProjectFlags,
    #[command(flatten)]
    pub aws: AwsFlags,
    /// The event: a JSON file in the project, or `-` for standard input
    /// (default: `{}`).
    #[arg(long, value_name = "FILE")]
    pub event: Option<PathBuf>,
    /// text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub project: NamedProjectFlags,
    #[command(flatten)]
    pub aws: AwsFlags,
    /// Apply even though the project has placeholder values (example.com,
    /// ...); BLUEPRINT_ALLOW_PLACEHOLDERS=1 works too.
    #[arg(long)]
    pub allow_placeholders: bool,
    /// Hot-swap even a stack marked as production.
    #[arg(long)]
    pub force_hotswap: bool,
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
    /// text, or json: print the manifest of written files to standard output.
    #[arg(long, value_enum, default_value = "text", conflicts_with = "stdout")]
    pub output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// A blueprint name (see `blueprint list`); without it, one schema for
    /// every blueprint, chosen by the file's `blueprint:` key.
    pub blueprint: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub project: ProjectFlags,
    /// text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub struct OpenapiArgs {
    #[command(flatten)]
    pub project: ProjectFlags,
    /// Write the document to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The document's format.
    #[arg(short, long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The blueprint (see `blueprint list`).
    pub blueprint: String,
    /// The project directory (default: ./NAME).
    pub dir: Option<PathBuf>,
    /// The stack name (default: the blueprint's).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The region (default: the blueprint's, us-east-1).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Write into a non-empty directory: add missing files, update files `new`
    /// wrote and you did not change; files you changed are kept (exit 1).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub project: ProjectFlags,
    /// mermaid (renders in GitHub Markdown) or dot (Graphviz).
    #[arg(long, value_enum, default_value = "mermaid")]
    pub format: crate::graph::GraphFormat,
    /// text (the diagram) or json (nodes and edges).
    #[arg(long, value_enum, default_value = "text")]
    pub output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write blueprint.1 and one blueprint-COMMAND.1 per command into DIR
    /// instead of printing blueprint.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `--endpoint-url`: an `http://` or `https://` URL with a host, refused
/// here rather than by the SDK at the first request.
fn endpoint_url(s: &str) -> Result<String, String> {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or_else(|| {
            format!("`{s}` is not a URL: write it as http://HOST:PORT or https://HOST")
        })?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "`{s}` is not a URL: write it as http://HOST:PORT or https://HOST"
        ));
    }
    Ok(s.to_string())
}
