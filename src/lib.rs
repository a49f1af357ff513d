#![warn(missing_docs)]
//! `blueprint`: named serverless reference architectures as CloudFormation.
//!
//! The flow: `blueprint.yaml` → [`config`] → [`blueprints`] (built from
//! [`components`] over the typed [`cfn`] model) → [`check`] → [`render`].

// The public API, for blueprints of your own (README, "Writing your own
// blueprint"): the `Blueprint` trait and the catalog, the components they
// are built from, the typed CloudFormation model, project file values, what
// an expansion is, where function code comes from, errors, rendering, and
// the entry point (`cli::run_with`).
pub mod assets;
pub mod blueprints;
pub mod cfn;
pub mod cli;
pub mod components;
pub mod config;
pub mod error;
pub mod expansion;
pub mod render;

// Internals: the commands, synthesis, checks, passes, deploy and diff. They
// are public only so that the tests in tests/ (a separate crate) can reach
// them; they are no part of the API and may change in any release.
#[doc(hidden)]
pub mod check;
#[doc(hidden)]
pub mod commands;
#[doc(hidden)]
pub mod deploy;
#[doc(hidden)]
pub mod diff;
#[doc(hidden)]
pub mod graph;
pub mod heap;
#[doc(hidden)]
pub mod output;
pub(crate) mod parallel;
#[doc(hidden)]
pub mod passes;
#[doc(hidden)]
pub mod placement;
#[doc(hidden)]
pub mod resource_overrides;
#[doc(hidden)]
pub mod scaffold;
#[doc(hidden)]
pub mod split;
#[doc(hidden)]
pub mod synthesis;

use std::ffi::OsString;

use crate::blueprints::{Catalog, Overrides};
use crate::cli::{Cli, Command, Lazy, ProjectFlags};
use crate::commands::plan::DeployArgs;
use crate::commands::project::ProjectArgs;
use crate::config::{Region, StackName};
use crate::deploy::sdk::AwsOptions;
use crate::error::Error;
use crate::output::{Printer, Verbosity};

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for a mistake the user can fix.
pub const EXIT_USER: i32 = 1;
/// Exit code for a bug in blueprint (`EX_SOFTWARE`): no plan outcome uses
/// it, so CI never reads a crash as "changes" (2) or "data loss" (3).
pub const EXIT_INTERNAL: i32 = 70;

fn project_args(f: ProjectFlags, catalog: &Catalog) -> Result<ProjectArgs, Error> {
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
        env: f.env,
        catalog: catalog.clone(),
    })
}

fn deploy_args(
    project: ProjectFlags,
    aws: cli::AwsFlags,
    catalog: &Catalog,
) -> Result<DeployArgs, Error> {
    let region = project.region.clone();
    Ok(DeployArgs {
        project: project_args(project, catalog)?,
        aws: AwsOptions {
            profile: aws.profile,
            region,
            endpoint_url: aws.endpoint_url,
            // The SDK reads AWS_MAX_ATTEMPTS and AWS_RETRY_MODE itself.
            max_attempts: None,
        },
        toolkit_stack: aws.toolkit_stack_name,
        wait: aws.wait,
        allow_placeholders: false,
    })
}

/// `--allow-placeholders`, or `BLUEPRINT_ALLOW_PLACEHOLDERS=1`.
fn allow_placeholders(flag: bool) -> bool {
    flag || std::env::var("BLUEPRINT_ALLOW_PLACEHOLDERS").is_ok_and(|v| v == "1")
}

/// The region for `bootstrap`: the flag, the environment, or the project's.
fn bootstrap_region(flag: Option<String>) -> Result<String, Error> {
    let from_project = || {
        let source = crate::config::Source {
            name: crate::config::PROJECT_FILE.into(),
            text: crate::config::limits::read_capped(crate::config::PROJECT_FILE.as_ref())
                .ok()?
                .ok()?,
        };
        #[derive(serde::Deserialize)]
        struct RegionOnly {
            region: Option<String>,
        }
        crate::config::parse::<RegionOnly>(&source).ok()?.region
    };
    let region = flag
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .or_else(from_project)
        .ok_or_else(|| {
            Error::User(
                "which region? pass --region, set AWS_REGION, or run in a project directory".into(),
            )
        })?;
    Region::new(&region).map_err(|e| Error::User(format!("--region: {e}")))?;
    Ok(region)
}

/// `apply`, or `apply --hotswap`.
fn apply(a: cli::ApplyArgs, catalog: &Catalog, printer: &mut Printer) -> Result<i32, Error> {
    let req = commands::apply::ApplyRequest {
        deploy: DeployArgs {
            allow_placeholders: allow_placeholders(a.allow_placeholders),
            ..deploy_args(a.project.into(), a.aws, catalog)?
        },
        planfile: a.planfile,
        yes: a.yes,
        allow_data_loss: a.allow_data_loss,
        progress: a.progress,
        outputs_file: a.outputs_file,
    };
    if a.hotswap {
        let req = commands::hotswap::HotswapRequest {
            apply: req,
            force: a.force_hotswap,
        };
        return commands::hotswap::run(&req, printer);
    }
    commands::apply::run(&req, printer)
}

/// The inner-loop commands (issue 17): drift, logs, invoke, watch.
fn inner_loop(command: Command, catalog: &Catalog, printer: &mut Printer) -> Result<i32, Error> {
    match command {
        Command::Drift(Lazy(a)) => {
            let req = commands::drift::DriftRequest {
                deploy: deploy_args(a.project.into(), a.aws, catalog)?,
                output: a.output,
            };
            commands::drift::run(&req, printer)
        }
        Command::Logs(Lazy(a)) => {
            let req = commands::logs::LogsRequest {
                deploy: deploy_args(a.project.into(), a.aws, catalog)?,
                function: a.function,
                follow: a.follow,
                since: a.since,
                filter: a.filter,
                output: a.output,
            };
            commands::logs::run(&req, printer)
        }
        Command::Invoke(Lazy(a)) => {
            use commands::invoke::EventSource;
            let req = commands::invoke::InvokeRequest {
                deploy: deploy_args(a.project.into(), a.aws, catalog)?,
                function: a.function,
                event: match a.event {
                    None => EventSource::Empty,
                    Some(p) if p.as_os_str() == "-" => EventSource::Stdin,
                    Some(p) => EventSource::File(p),
                },
                output: a.output,
            };
            commands::invoke::run(&req, printer)
        }
        Command::Watch(Lazy(a)) => {
            let apply = commands::apply::ApplyRequest {
                deploy: DeployArgs {
                    allow_placeholders: allow_placeholders(a.allow_placeholders),
                    ..deploy_args(a.project.into(), a.aws, catalog)?
                },
                planfile: None,
                yes: true,
                allow_data_loss: Vec::new(),
                progress: crate::deploy::watch::ProgressMode::Events,
                outputs_file: None,
            };
            commands::watch::run(&commands::watch::request(apply, a.force_hotswap), printer)
        }
        _ => Err(Error::Internal("not an inner-loop command".into())),
    }
}

/// Runs a parsed command line with the blueprints of `catalog`; returns the
/// exit code on success.
pub(crate) fn execute(cli: Cli, catalog: &Catalog, printer: &mut Printer) -> Result<i32, Error> {
    match cli.command {
        Command::Bootstrap(Lazy(a)) => {
            let env = a
                .env
                .as_deref()
                .map(commands::bootstrap::environment)
                .transpose()?;
            let (env_region, environment) = env.unzip();
            let region = bootstrap_region(a.region.or(env_region))?;
            let req = commands::bootstrap::BootstrapRequest {
                aws: AwsOptions {
                    profile: a.aws.profile,
                    region: Some(region.clone()),
                    endpoint_url: a.aws.endpoint_url,
                    max_attempts: None,
                },
                region,
                toolkit_stack: a.aws.toolkit_stack_name,
                progress: a.progress,
                environment,
            };
            commands::bootstrap::run(&req, printer)
        }
        Command::Plan(Lazy(a)) => {
            let req = commands::plan::PlanRequest {
                deploy: DeployArgs {
                    allow_placeholders: allow_placeholders(a.allow_placeholders),
                    ..deploy_args(a.project, a.aws, catalog)?
                },
                out: a.out,
                output: a.output,
            };
            commands::plan::run(&req, printer)
        }
        Command::Apply(Lazy(a)) => apply(a, catalog, printer),
        Command::Destroy(Lazy(a)) => {
            let req = commands::destroy::DestroyRequest {
                deploy: deploy_args(a.project.into(), a.aws, catalog)?,
                yes: a.yes,
                disable_termination_protection: a.disable_termination_protection,
                progress: a.progress,
            };
            commands::destroy::run(&req, printer)
        }
        Command::Status(Lazy(a)) => {
            let req = commands::status::StatusRequest {
                deploy: deploy_args(a.project.into(), a.aws, catalog)?,
                watch: a.watch,
                output: a.output,
            };
            commands::status::run_status(&req, printer)
        }
        Command::Outputs(Lazy(a)) => commands::status::run_outputs(
            &deploy_args(a.project.into(), a.aws, catalog)?,
            a.output,
            printer,
        ),
        c @ (Command::Drift(_) | Command::Logs(_) | Command::Invoke(_) | Command::Watch(_)) => {
            inner_loop(c, catalog, printer)
        }
        Command::Synth(Lazy(a)) => {
            let req = commands::synth::SynthRequest {
                project: project_args(a.project, catalog)?,
                out: a.out,
                format: a.format,
                stdout: a.stdout,
                output: a.output,
            };
            commands::synth::run(&req, printer).map(|()| EXIT_OK)
        }
        Command::List(Lazy(a)) => {
            commands::list::run_with(catalog, a.output, printer);
            Ok(EXIT_OK)
        }
        Command::Explain(Lazy(a)) => {
            commands::explain::run_with(&project_args(a.project, catalog)?, a.output, printer)
                .map(|()| EXIT_OK)
        }
        Command::Openapi(Lazy(a)) => {
            let req = commands::openapi::OpenapiRequest {
                project: project_args(a.project, catalog)?,
                out: a.out,
                format: a.format,
            };
            commands::openapi::run(&req, printer).map(|()| EXIT_OK)
        }
        Command::New(Lazy(a)) => {
            let req = commands::new::NewRequest {
                blueprint: a.blueprint,
                dir: a.dir,
                name: a.name,
                region: a.region,
                force: a.force,
                catalog: catalog.clone(),
            };
            commands::new::run(&req, printer)
        }
        Command::Graph(Lazy(a)) => {
            let req = commands::graph::GraphRequest {
                project: project_args(a.project, catalog)?,
                format: a.format,
                output: a.output,
            };
            commands::graph::run(&req, printer).map(|()| EXIT_OK)
        }
        Command::Schema(Lazy(a)) => {
            commands::schema::run(catalog, a.blueprint.as_deref(), printer).map(|()| EXIT_OK)
        }
        Command::Completions(Lazy(a)) => {
            commands::completions::run_completions(a.shell, printer);
            Ok(EXIT_OK)
        }
        Command::Man(Lazy(a)) => {
            commands::completions::run_man(a.out.as_deref(), printer).map(|()| EXIT_OK)
        }
    }
}

/// The whole program with the built-in blueprints: parses `args`, runs the
/// command, prints any error, and returns the exit code
/// ([`run_with_args`] with [`Catalog::builtin`]).
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    run_with_args(&Catalog::builtin(), args)
}

/// The whole program with the blueprints of `catalog`: parses `args` (the
/// first is the program's name), runs the command, prints any error, and
/// returns the exit code ([`EXIT_OK`], [`EXIT_USER`], [`EXIT_INTERNAL`], or a
/// command's own, such as `plan`'s 2 and 3). [`cli::run_with`] is this with
/// the process's arguments.
pub fn run_with_args<I, T>(catalog: &Catalog, args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match cli::parse(args.into_iter().map(Into::into).collect()) {
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
    let mut printer = Printer::terminal_with(verbosity, cli.color);
    match execute(cli, catalog, &mut printer) {
        Ok(code) => code,
        Err(e) => {
            printer.error(&e.to_string());
            e.exit_code()
        }
    }
}
