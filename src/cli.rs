//! The command line: [`run_with`], the entry point of a `blueprint` binary
//! (the built-in one, or a team's own with its own blueprints), and the clap
//! types, which stop here: `lib::execute` turns them into the requests the
//! commands understand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::blueprints::Catalog;
use crate::render::Format;

/// A `blueprint` binary's whole `main`: reads the process's arguments, runs
/// the command with the blueprints of `catalog`, prints any error, and
/// returns the exit code for [`std::process::exit`].
///
/// A panic is a bug: it is reported in one plain line, without a Rust
/// backtrace dump, and the process exits with
/// [`EXIT_INTERNAL`](crate::EXIT_INTERNAL) (70), which no plan outcome uses.
///
/// ```no_run
/// use blueprint::blueprints::Catalog;
///
/// fn main() {
///     std::process::exit(blueprint::cli::run_with(Catalog::builtin()));
/// }
/// ```
pub fn run_with(catalog: Catalog) -> i32 {
    // The hook exits itself: release builds abort on panic (Cargo.toml), so
    // nothing unwinds back here to be caught, and a panic on any thread ends
    // the run.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal error: {info} (this is a bug in blueprint; please report it)");
        std::process::exit(crate::EXIT_INTERNAL);
    }));
    crate::run_with_args(&catalog, std::env::args_os())
}

/// Named serverless reference architectures as CloudFormation.
#[derive(Debug, Parser)]
#[command(name = "blueprint", version, about, long_about = None)]
pub(crate) struct Cli {
    /// Print only errors and what was asked for.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
    /// Print more detail.
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,
    /// When to colour output (auto: on a terminal, unless NO_COLOR is set).
    #[arg(
        long,
        value_enum,
        global = true,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub(crate) color: crate::output::ColorChoice,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Write a blueprint's CloudFormation templates, function packages and manifest.
    Synth(Lazy<SynthArgs>),
    /// List the blueprints.
    List(Lazy<ListArgs>),
    /// Show each requirement of a blueprint and the resources that satisfy it.
    Explain(Lazy<ExplainArgs>),
    /// Write the project's API as an OpenAPI 3 document (to generate client SDKs).
    Openapi(Lazy<OpenapiArgs>),
    /// Create a project you own: blueprint.yaml with every option, the function code, a README.
    New(Lazy<NewArgs>),
    /// Draw the architecture: resources grouped by layer, references and event wiring.
    Graph(Lazy<GraphArgs>),
    /// Print the JSON Schema of blueprint.yaml (editor completion and checks).
    Schema(Lazy<SchemaArgs>),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(Lazy<CompletionsArgs>),
    /// Print the man page (roff), or write one page per command into a directory.
    Man(Lazy<ManArgs>),
    /// Create or update the toolkit stack (the assets bucket) in a region.
    Bootstrap(Lazy<BootstrapArgs>),
    /// Show what apply would change: template diff, change set, replacements, data loss.
    ///
    /// Exit codes: 0 no changes, 2 changes, 3 changes that lose data, 1 error.
    Plan(Lazy<PlanArgs>),
    /// Apply the changes (or a saved plan) to the deployed stacks.
    Apply(Lazy<ApplyArgs>),
    /// Delete the project's stacks (resources with DeletionPolicy Retain are kept).
    Destroy(Lazy<DestroyArgs>),
    /// Show the stacks' state and recent events.
    Status(Lazy<StatusArgs>),
    /// Print the stacks' outputs.
    Outputs(Lazy<OutputsArgs>),
    /// Find resources that differ from their templates (nested stacks included).
    ///
    /// Exit codes: 0 in sync, 2 drifted, 1 error.
    Drift(Lazy<DriftArgs>),
    /// Show a function's log events (every function's without a name).
    Logs(Lazy<LogsArgs>),
    /// Invoke a deployed function (its alias, with gradual deploys) with an event.
    Invoke(Lazy<InvokeArgs>),
    /// Watch functions/ and blueprint.yaml; apply each change with --hotswap (Ctrl-C ends).
    Watch(Lazy<WatchArgs>),
}

/// A subcommand's arguments, built only when clap needs them. clap's derive
/// builds every subcommand's arguments before it parses, and for `synth
/// todo` that was a twentieth of the run's instructions and a third of
/// its heap. While [`parse`] reads a command line that names a subcommand,
/// the other subcommands' arguments wait (clap's `Command::defer`); any
/// other time (help, completions, the man page) all are built at once, as
/// clap's derive would, so every help text stays as it was.
#[derive(Debug)]
pub(crate) struct Lazy<T>(pub(crate) T);

thread_local! {
    /// The subcommand the command line [`parse`] is reading names.
    static NAMED: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Parses a command line; see [`Lazy`].
pub(crate) fn parse(args: Vec<std::ffi::OsString>) -> Result<Cli, clap::Error> {
    NAMED.set(named_subcommand(&args));
    let cli = Cli::try_parse_from(args);
    NAMED.set(None);
    cli
}

/// The first argument that is not an option (nor `--color`'s value), unless
/// it is `help`, which shows other subcommands', or there is none.
fn named_subcommand(args: &[std::ffi::OsString]) -> Option<String> {
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        let arg = arg.to_str()?;
        match arg {
            "--" | "help" => return None,
            "--color" => {
                rest.next();
            }
            _ if arg.starts_with('-') => {}
            _ => return Some(arg.to_string()),
        }
    }
    None
}

impl<T: Args> Args for Lazy<T> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        if NAMED.with_borrow(|n| n.as_ref().is_none_or(|n| n == cmd.get_name())) {
            T::augment_args(cmd)
        } else {
            cmd.defer(deferred::<T>)
        }
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        T::augment_args_for_update(cmd)
    }
    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
}

/// `T`'s arguments added to a subcommand clap builds late, keeping the
/// subcommand's own description (a flattened group's doc comment would
/// replace it: clap's derive sets the subcommand's after its arguments).
fn deferred<T: Args>(cmd: clap::Command) -> clap::Command {
    use clap::builder::Resettable;
    let keep = |text: Option<&clap::builder::StyledStr>| match text {
        Some(text) => Resettable::Value(text.clone()),
        None => Resettable::Reset,
    };
    let (about, long_about) = (keep(cmd.get_about()), keep(cmd.get_long_about()));
    T::augment_args(cmd).about(about).long_about(long_about)
}

impl<T: clap::FromArgMatches> clap::FromArgMatches for Lazy<T> {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Lazy)
    }
    fn from_arg_matches_mut(matches: &mut clap::ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches_mut(matches).map(Lazy)
    }
    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
    fn update_from_arg_matches_mut(
        &mut self,
        matches: &mut clap::ArgMatches,
    ) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches_mut(matches)
    }
}

/// Which project: a blueprint's defaults or a project file.
#[derive(Debug, Args)]
pub(crate) struct ProjectFlags {
    /// A blueprint name (see `blueprint list`); without it, ./blueprint.yaml is used.
    pub(crate) blueprint: Option<String>,
    /// The project file to read.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Use this stack name instead of the project's.
    #[arg(long, value_name = "NAME")]
    pub(crate) stack_name: Option<String>,
    /// Use this region instead of the project's.
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// Work in this environment of the project file (its `environments:`).
    #[arg(long, value_name = "NAME")]
    pub(crate) env: Option<String>,
}

/// Which project, for commands whose positional argument is something else.
#[derive(Debug, Args)]
pub(crate) struct NamedProjectFlags {
    /// A blueprint name: use its built-in defaults (without it, ./blueprint.yaml).
    #[arg(short, long, value_name = "BLUEPRINT")]
    pub(crate) blueprint: Option<String>,
    /// The project file to read.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Use this stack name instead of the project's.
    #[arg(long, value_name = "NAME")]
    pub(crate) stack_name: Option<String>,
    /// Use this region instead of the project's.
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// Work in this environment of the project file (its `environments:`).
    #[arg(long, value_name = "NAME")]
    pub(crate) env: Option<String>,
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
pub(crate) struct AwsFlags {
    /// The AWS profile to use.
    #[arg(long, value_name = "PROFILE")]
    pub(crate) profile: Option<String>,
    /// Send requests to this endpoint (a local emulator); AWS_ENDPOINT_URL works too.
    #[arg(long, value_name = "URL", value_parser = endpoint_url)]
    pub(crate) endpoint_url: Option<String>,
    /// The toolkit stack that holds the assets bucket.
    #[arg(long, value_name = "NAME", default_value = crate::deploy::toolkit::DEFAULT_STACK)]
    pub(crate) toolkit_stack_name: String,
    /// Wait for an operation already in progress on a stack instead of refusing.
    #[arg(long)]
    pub(crate) wait: bool,
}

#[derive(Debug, Args)]
pub(crate) struct BootstrapArgs {
    /// The region (default: AWS_REGION, AWS_DEFAULT_REGION, or ./blueprint.yaml's).
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// The environment of ./blueprint.yaml: its region (unless --region is
    /// given) and its account guard.
    #[arg(long, value_name = "NAME")]
    pub(crate) env: Option<String>,
    #[command(flatten)]
    pub(crate) aws: AwsFlags,
    /// How to show progress.
    #[arg(long, value_enum, default_value = "auto")]
    pub(crate) progress: crate::deploy::watch::ProgressMode,
}

#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    #[command(flatten)]
    pub(crate) project: ProjectFlags,
    #[command(flatten)]
    pub(crate) aws: AwsFlags,
    /// Plan even though the project has placeholder values (example.com,
    /// ...); BLUEPRINT_ALLOW_PLACEHOLDERS=1 works too.
    #[arg(long)]
    pub(crate) allow_placeholders: bool,
    /// Save the plan (and keep its change sets) so `apply PLANFILE` executes exactly it.
    #[arg(long, value_name = "PLANFILE")]
    pub(crate) out: Option<PathBuf>,
    /// text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    /// A plan saved with `plan --out`; without it, apply plans first.
    pub(crate) planfile: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) project: NamedProjectFlags,
    #[command(flatten)]
    pub(crate) aws: AwsFlags,
    /// Do not ask for confirmation (required when standard input is not a terminal).
    #[arg(short, long)]
    pub(crate) yes: bool,
    /// Apply even though the project has placeholder values (example.com,
    /// ...); BLUEPRINT_ALLOW_PLACEHOLDERS=1 works too.
    #[arg(long)]
    pub(crate) allow_placeholders: bool,
    /// Accept that this resource's data is lost (repeat for each logical ID).
    #[arg(long, value_name = "LOGICAL_ID")]
    pub(crate) allow_data_loss: Vec<String>,
    /// How to show progress.
    #[arg(long, value_enum, default_value = "auto")]
    pub(crate) progress: crate::deploy::watch::ProgressMode,
    /// Write the stack outputs to this file as JSON.
    #[arg(long, value_name = "FILE")]
    pub(crate) outputs_file: Option<PathBuf>,
    /// Update changed function code and environment variables directly
    /// through Lambda (seconds, no change set); any other change is applied
    /// through a change set as usual.
    #[arg(long, conflicts_with = "planfile")]
    pub(crate) hotswap: bool,
    /// Hot-swap even a stack marked as production (`--env prod`, a tag
    /// environment: prod, or a stack name with a `prod` part).
    #[arg(long, requires = "hotswap")]
    pub(crate) force_hotswap: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DestroyArgs {
    #[command(flatten)]
    pub(crate) project: NamedProjectFlags,
    #[command(flatten)]
    pub(crate) aws: AwsFlags,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub(crate) yes: bool,
    /// Turn termination protection off first (it blocks deletion otherwise).
    #[arg(long)]
    pub(crate) disable_termination_protection: bool,
    /// How to show progress.
    #[arg(long, value_enum, default_value = "auto")]
    pub(crate) progress: crate::deploy::watch::ProgressMode,
}

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    #[command(flatten)]
    pub(crate) project: NamedProjectFlags,
    #[command(flatten)]
    pub(crate) aws: AwsFlags,
    /// Follow an operation in progress until it ends.
    #[arg(long)]
    pub(crate) watch: bool,
    /// text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub(crate) struct OutputsArgs {
    #[command(flatten)]
    pub(crate) project: NamedProjectFlags,
    #[command(flatten)]
    pub(crate) aws: AwsFlags,
    /// text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub(crate) struct DriftArgs {
    #[command(flatten)]
    pub(crate) project: NamedProjectFlags,
    #[command(flatten)]
    pub(crate) aws: AwsFlags,
    /// text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub(crate) struct LogsArgs {
    /// The function: its logical ID, or its path in nested stacks
    /// (`OrdersService/Function`); without it, every function.
    pub(crate) function: Option<String>,
    #[command(flatten)]
    pub(crate) project: NamedProjectFlags,
    #[command(flatten)]
    pub(crate) aws: AwsFlags,
    /// Keep showing new events until Ctrl-C.
    #[arg(short, long)]
    pub(crate) follow: bool,
    /// How far back to start: 30s, 10m, 2h, 1d.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::commands::logs::parse_since)]
    pub(crate) since: std::time::Duration,
    /// Only events matching this CloudWatch Logs filter pattern.
    #[arg(long, value_name = "PATTERN", value_parser = crate::commands::logs::parse_filter)]
    pub(crate) filter: Option<String>,
    /// text or json (one JSON object per event).
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub(crate) struct InvokeArgs {
    /// The function: its logical ID, or its path in nested stacks
    /// (`OrdersService/Function`).
    pub(crate) function: String,
    #[command(flatten)]
    pub(crate) project: NamedProjectFlags,
    #[command(flatten)]
    pub(crate) aws: AwsFlags,
    /// The event: a JSON file in the project, or `-` for standard input
    /// (default: `{}`).
    #[arg(long, value_name = "FILE")]
    pub(crate) event: Option<PathBuf>,
    /// text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    #[command(flatten)]
    pub(crate) project: NamedProjectFlags,
    #[command(flatten)]
    pub(crate) aws: AwsFlags,
    /// Apply even though the project has placeholder values (example.com,
    /// ...); BLUEPRINT_ALLOW_PLACEHOLDERS=1 works too.
    #[arg(long)]
    pub(crate) allow_placeholders: bool,
    /// Hot-swap even a stack marked as production.
    #[arg(long)]
    pub(crate) force_hotswap: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SynthArgs {
    #[command(flatten)]
    pub(crate) project: ProjectFlags,
    /// The output directory.
    #[arg(short, long, value_name = "DIR", default_value = crate::commands::synth::DEFAULT_OUT)]
    pub(crate) out: PathBuf,
    /// The template format.
    #[arg(short, long, value_enum, default_value_t = Format::Yaml)]
    pub(crate) format: Format,
    /// Print the template to standard output instead of writing files.
    #[arg(long)]
    pub(crate) stdout: bool,
    /// text, or json: print the manifest of written files to standard output.
    #[arg(long, value_enum, default_value = "text", conflicts_with = "stdout")]
    pub(crate) output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    /// A blueprint name (see `blueprint list`); without it, one schema for
    /// every blueprint, chosen by the file's `blueprint:` key.
    pub(crate) blueprint: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    #[command(flatten)]
    pub(crate) project: ProjectFlags,
    /// text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub(crate) struct OpenapiArgs {
    #[command(flatten)]
    pub(crate) project: ProjectFlags,
    /// Write the document to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// The document's format.
    #[arg(short, long, value_enum, default_value_t = Format::Json)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct NewArgs {
    /// The blueprint (see `blueprint list`).
    pub(crate) blueprint: String,
    /// The project directory (default: ./NAME).
    pub(crate) dir: Option<PathBuf>,
    /// The stack name (default: the blueprint's).
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Option<String>,
    /// The region (default: the blueprint's, us-east-1).
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// Write into a non-empty directory: add missing files, update files `new`
    /// wrote and you did not change; files you changed are kept (exit 1).
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct GraphArgs {
    #[command(flatten)]
    pub(crate) project: ProjectFlags,
    /// mermaid (renders in GitHub Markdown) or dot (Graphviz).
    #[arg(long, value_enum, default_value = "mermaid")]
    pub(crate) format: crate::graph::GraphFormat,
    /// text (the diagram) or json (nodes and edges).
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) output: crate::output::OutputFormat,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// Write blueprint.1 and one blueprint-COMMAND.1 per command into DIR
    /// instead of printing blueprint.1.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn args(line: &str) -> Vec<std::ffi::OsString> {
        line.split_whitespace().map(Into::into).collect()
    }

    #[test]
    fn the_named_subcommand_is_the_first_argument_that_is_not_an_option() {
        for (line, named) in [
            ("blueprint synth todo", Some("synth")),
            ("blueprint -q --color never plan --env prod", Some("plan")),
            ("blueprint --color=never -v list", Some("list")),
            ("blueprint synt", Some("synt")),
            ("blueprint help synth", None),
            ("blueprint -- synth", None),
            ("blueprint --version", None),
            ("blueprint", None),
        ] {
            assert_eq!(named_subcommand(&args(line)).as_deref(), named, "{line}");
        }
    }

    /// Built late, a subcommand has the arguments and the description it has
    /// when built at once: every one, while the command line names another.
    #[test]
    fn a_subcommand_built_late_is_the_one_built_at_once() {
        let describe = |cmd: &mut clap::Command| {
            cmd.build();
            cmd.get_subcommands()
                .map(|sub| {
                    let mut ids: Vec<String> = sub
                        .get_arguments()
                        .map(|a| a.get_id().to_string())
                        .collect();
                    ids.sort();
                    (
                        sub.get_name().to_string(),
                        sub.get_about().map(|a| a.to_string()),
                        sub.get_long_about().map(|a| a.to_string()),
                        ids,
                    )
                })
                .collect::<Vec<_>>()
        };
        let at_once = describe(&mut Cli::command());
        NAMED.set(Some("list".to_string()));
        let late = describe(&mut Cli::command());
        NAMED.set(None);
        assert_eq!(at_once.len(), 20, "19 and clap's `help`");
        assert_eq!(late, at_once);
        assert!(at_once.iter().any(|(name, about, _, ids)| name == "synth"
            && about
                .as_deref()
                .is_some_and(|a| a.starts_with("Write a blueprint"))
            && ids.iter().any(|id| id == "stdout")));
    }

    #[test]
    fn parse_reads_what_the_derive_reads() {
        let cli = parse(args("blueprint -q synth todo --stdout")).unwrap();
        assert!(cli.quiet);
        assert!(matches!(cli.command, Command::Synth(Lazy(ref a)) if a.stdout));
        assert!(parse(args("blueprint synth --bogus")).is_err());
        NAMED.with_borrow(|n| assert!(n.is_none()));
    }
}
