//! `blueprint plan`: what apply would change, and whether data is at risk.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::commands::aws::{connect, run_async};
use crate::commands::project::{resolve, ProjectArgs};
use crate::deploy::apply::PlanFile;
use crate::deploy::cloudformation::{CloudFormation, ObjectStore};
use crate::deploy::plan::{plan, Plan, PlanKind, PlanOptions};
use crate::deploy::regions::Regions;
use crate::deploy::sdk::AwsOptions;
use crate::diff::{format::format as format_diff, Impact};
use crate::error::Error;
use crate::output::Printer;
use crate::render::Format;
use crate::synthesis::{synthesize, Synthesized};

/// Text for people, JSON for programs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

/// What every deploy command needs.
#[derive(Clone, Debug)]
pub struct DeployArgs {
    pub project: ProjectArgs,
    pub aws: AwsOptions,
    pub toolkit_stack: String,
    /// Wait for an operation in progress instead of refusing.
    pub wait: bool,
}

/// `plan`'s request.
#[derive(Clone, Debug)]
pub struct PlanRequest {
    pub deploy: DeployArgs,
    pub out: Option<PathBuf>,
    pub output: OutputFormat,
}

/// The plan as text.
pub fn format_plan(plan: &Plan) -> String {
    let mut out = String::new();
    let (mut add, mut change, mut replace, mut remove) = (0, 0, 0, 0);
    for s in &plan.stacks {
        let what = match (s.kind, s.no_changes) {
            (_, true) => "no changes".to_string(),
            (PlanKind::Create, _) => "create".to_string(),
            (PlanKind::Recreate, _) => "delete the failed stack and create it again".to_string(),
            (PlanKind::Update, _) => "update".to_string(),
        };
        let _ = writeln!(out, "Stack {} ({}): {what}", s.stack_name, s.region);
        if !s.no_changes {
            out.push_str(&format_diff(&s.diff));
        }
        if let Some(cs) = &s.change_set {
            let verdict = if s.disagreements.is_empty() {
                "agrees with the template diff".to_string()
            } else {
                "DISAGREES with the template diff:".to_string()
            };
            let _ = writeln!(
                out,
                "  change set: {} change(s); {verdict}",
                cs.changes.len()
            );
            for d in &s.disagreements {
                let _ = writeln!(out, "    {d}");
            }
        }
        for n in &s.notes {
            let _ = writeln!(out, "  note: {n}");
        }
        if !s.no_changes {
            add += s.diff.count(Impact::Add);
            change += s.diff.count(Impact::Modify);
            replace += s.diff.count(Impact::Replace) + s.diff.count(Impact::MayReplace);
            remove += s.diff.count(Impact::Remove);
        }
    }
    if !plan.has_changes() {
        out.push_str("No changes.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "Plan: {add} to add, {change} to change, {replace} to replace, {remove} to remove."
    );
    let loss = plan.data_loss();
    if !loss.is_empty() {
        let ids: Vec<String> = loss.iter().map(|(s, id)| format!("{s}/{id}")).collect();
        let flags: Vec<String> = loss
            .iter()
            .map(|(_, id)| format!("--allow-data-loss {id}"))
            .collect();
        let _ = writeln!(
            out,
            "DATA LOSS: {}. apply refuses this unless you pass {}",
            ids.join(", "),
            flags.join(" ")
        );
    }
    out
}

/// Prints a plan's text, coloured when standard output is a coloured
/// terminal: markers by impact, DATA LOSS in bold red.
pub fn print_plan(text: &str, printer: &mut Printer) {
    use crate::output::style;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let marker = if line.starts_with("  ") && !line.starts_with("    ") {
            match trimmed.chars().next() {
                Some('+') => Some(style::ADD),
                Some('~') => Some(style::MODIFY),
                Some('±') => Some(style::REPLACE),
                Some('-') => Some(style::REMOVE),
                _ => None,
            }
        } else {
            None
        };
        let mut out = match marker {
            Some(st) => printer.paint(st, line),
            None => line.to_string(),
        };
        if line.contains("DATA LOSS") && marker.is_none() {
            out = printer.paint(style::DATA_LOSS, line);
        } else if line.contains("DATA LOSS") {
            out = out.replace("DATA LOSS", &printer.paint(style::DATA_LOSS, "DATA LOSS"));
        }
        printer.result(&out);
    }
}

/// Synthesizes the project for a deploy command.
pub fn synthesize_project(args: &ProjectArgs) -> Result<Synthesized, Error> {
    let project = resolve(args)?;
    synthesize(
        project.blueprint,
        &project.source,
        &project.code,
        &args.overrides,
        Format::Yaml,
    )
}

/// The regions of a synthesized project's stacks.
pub fn regions_of(synth: &Synthesized) -> Vec<String> {
    let mut r: Vec<String> = synth
        .expansion
        .stacks
        .iter()
        .map(|s| s.region.to_string())
        .collect();
    r.dedup();
    r
}

/// Plans with the given clients, prints, saves the plan file; returns the
/// exit code.
pub async fn plan_with<C: CloudFormation + ObjectStore>(
    regions: &Regions<C>,
    synth: &Synthesized,
    req: &PlanRequest,
    printer: &mut Printer,
) -> Result<i32, Error> {
    let opts = PlanOptions {
        keep_change_sets: req.out.is_some(),
        toolkit_stack: req.deploy.toolkit_stack.clone(),
        wait: req.deploy.wait,
    };
    let p = plan(regions, synth, &opts).await?;
    match req.output {
        OutputFormat::Text => print_plan(&format_plan(&p), printer),
        OutputFormat::Json => printer.result(
            &serde_json::to_string_pretty(&p)
                .map_err(|e| Error::Internal(format!("serializing the plan: {e}")))?,
        ),
    }
    if let Some(path) = &req.out {
        let file = PlanFile::from_plan(&p);
        let json = serde_json::to_string_pretty(&file)
            .map_err(|e| Error::Internal(format!("serializing the plan file: {e}")))?;
        crate::commands::synth::write_atomic(path, format!("{json}\n").as_bytes())?;
        printer.status(&format!(
            "saved the plan to {}; `blueprint apply {}` executes exactly this plan",
            path.display(),
            path.display()
        ));
    }
    Ok(p.exit_code())
}

pub fn run(req: &PlanRequest, printer: &mut Printer) -> Result<i32, Error> {
    let synth = synthesize_project(&req.deploy.project)?;
    let regions = regions_of(&synth);
    run_async(
        async {
            let clients = connect(&regions, &req.deploy.aws).await;
            plan_with(&clients, &synth, req, printer).await
        },
        "plan stopped; nothing was changed (a change set may be left on the stack)",
    )
}
