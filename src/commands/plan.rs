//! `blueprint plan`: what apply would change, and whether data is at risk.

use std::io::Write;
use std::path::PathBuf;

use crate::commands::aws::{connect, interrupted, interruptible, runtime};
use crate::commands::project::{resolve, ProjectArgs, ResolvedProject};
use crate::deploy::cloudformation::{CloudFormation, ObjectStore};
use crate::deploy::nested::deployed_homes;
use crate::deploy::nested::{NestedAction, NestedPlan, STACK_TYPE};
use crate::deploy::plan::{dx, plan, Pending, Plan, PlanKind, PlanOptions, StackPlan};
use crate::deploy::plan_file::PlanFile;
use crate::deploy::refusal::{allow_flags, OutPathProblem, Refusal};
use crate::deploy::regions::Regions;
use crate::deploy::sdk::AwsOptions;
use crate::deploy::types::StackStatus;
use crate::diff::{format::write as write_diff, Impact};
use crate::error::Error;
use crate::output::{style, OutputFormat, Printer, Styled};
use crate::render::Format;
use crate::synthesis::{synthesize_placed, Synthesized};

/// What every deploy command needs.
#[derive(Clone, Debug)]
pub struct DeployArgs {
    pub project: ProjectArgs,
    pub aws: AwsOptions,
    pub toolkit_stack: String,
    /// Wait for an operation in progress instead of refusing.
    pub wait: bool,
    /// Plan and apply a project that still has placeholder values
    /// (`--allow-placeholders`, `BLUEPRINT_ALLOW_PLACEHOLDERS=1`: a local
    /// endpoint, a test).
    pub allow_placeholders: bool,
}

/// `plan`'s request.
#[derive(Clone, Debug)]
pub struct PlanRequest {
    pub deploy: DeployArgs,
    pub out: Option<PathBuf>,
    pub output: OutputFormat,
}

/// The plan as text, without colour.
pub fn format_plan(plan: &Plan) -> String {
    crate::output::to_text(|out| write_plan(out, plan))
}

/// Writes the plan as text, styled as it is written when `out` styles:
/// each resource in the colour of its impact, DATA LOSS in bold red.
pub fn write_plan<W: Write>(out: &mut Styled<W>, plan: &Plan) -> std::io::Result<()> {
    let (mut add, mut change, mut replace, mut remove) = (0, 0, 0, 0);
    for s in &plan.stacks {
        write_stack(out, s)?;
        if !s.no_changes {
            let diffs = std::iter::once(&s.diff).chain(s.nested.iter().map(|n| &n.diff));
            for d in diffs {
                add += d.count(Impact::Add);
                change += d.count(Impact::Modify);
                replace += d.count(Impact::Replace) + d.count(Impact::MayReplace);
                remove += d.count(Impact::Remove);
            }
        }
    }
    if !plan.has_changes() {
        return writeln!(out, "No changes.");
    }
    writeln!(
        out,
        "Plan: {add} to add, {change} to change, {replace} to replace, {remove} to remove."
    )?;
    let loss = plan.data_loss();
    if !loss.is_empty() {
        let ids: Vec<String> = loss.iter().map(|(s, id)| format!("{s}/{id}")).collect();
        let flags: Vec<String> = loss.iter().map(|(_, id)| id.clone()).collect();
        let text = format!(
            "DATA LOSS: {}. apply refuses this unless you pass {}",
            ids.join(", "),
            allow_flags(&flags)
        );
        out.styled(style::DATA_LOSS, &text)?;
        writeln!(out)?;
    }
    Ok(())
}

/// One stack's part of a plan: what happens to it, its diff, the change
/// set's verdict, notes, and its nested stacks.
fn write_stack<W: Write>(out: &mut Styled<W>, s: &StackPlan) -> std::io::Result<()> {
    let what = match (s.kind, s.no_changes) {
        (_, true) => "no changes",
        (PlanKind::Create, _) => "create",
        (PlanKind::Recreate, _) => "delete the failed stack and create it again",
        (PlanKind::Update, _) => "update",
    };
    writeln!(out, "Stack {} ({}): {what}", s.stack_name, s.region)?;
    if !s.no_changes {
        write_diff(out, &short_template_urls(&s.diff))?;
    }
    if let Some(cs) = &s.change_set {
        let verdict = if s.disagreements.is_empty() {
            "agrees with the template diff"
        } else {
            "DISAGREES with the template diff:"
        };
        writeln!(
            out,
            "  change set: {} change(s); {verdict}",
            cs.changes.len()
        )?;
        for d in &s.disagreements {
            writeln!(out, "    {d}")?;
        }
    }
    for n in &s.notes {
        writeln!(out, "  note: {n}")?;
    }
    if !s.no_changes {
        for n in &s.nested {
            write_nested(out, n)?;
        }
    }
    Ok(())
}

/// A nested stack's `TemplateURL` changes with every change inside it (the
/// key is the template's hash): shown as the short hash, since the nested
/// stack's own changes are listed under it.
fn short_template_urls(diff: &crate::diff::TemplateDiff) -> crate::diff::TemplateDiff {
    let short = |v: &Option<serde_json::Value>| {
        v.as_ref().map(|v| {
            let text = v
                .get("Fn::Sub")
                .and_then(serde_json::Value::as_str)
                .or(v.as_str())
                .unwrap_or_default();
            let key = text.rsplit('/').next().unwrap_or(text);
            serde_json::Value::String(format!("{}…", key.chars().take(12).collect::<String>()))
        })
    };
    let mut diff = diff.clone();
    for r in diff
        .resources
        .iter_mut()
        .filter(|r| r.resource_type == STACK_TYPE)
    {
        for c in r
            .changes
            .iter_mut()
            .filter(|c| c.path == "Properties.TemplateURL")
        {
            c.old = short(&c.old);
            c.new = short(&c.new);
        }
    }
    diff
}

/// One nested stack's part of a plan: a heading, then its resources by
/// path (`OrdersService/Function`), as the root's are shown.
fn write_nested<W: Write>(out: &mut Styled<W>, n: &NestedPlan) -> std::io::Result<()> {
    let what = match n.action {
        NestedAction::Create => "create",
        NestedAction::Update => "update",
        NestedAction::Remove => "remove (deletes the nested stack and what it holds)",
    };
    writeln!(out, "Nested stack {}: {what}", n.path)?;
    let mut diff = short_template_urls(&n.diff);
    for r in &mut diff.resources {
        r.logical_id = n.resource_path(&r.logical_id);
    }
    write_diff(out, &diff)?;
    if let Some(cs) = &n.change_set {
        let verdict = if n.disagreements.is_empty() {
            "agrees with the template diff"
        } else {
            "DISAGREES with the template diff:"
        };
        writeln!(
            out,
            "  nested change set: {} change(s); {verdict}",
            cs.changes.len()
        )?;
    }
    for d in &n.disagreements {
        writeln!(out, "    {d}")?;
    }
    for note in &n.notes {
        writeln!(out, "  note: {note}")?;
    }
    Ok(())
}

/// Prints a plan on standard output, coloured when standard output is a
/// coloured terminal (see [`write_plan`]).
pub fn print_plan(plan: &Plan, printer: &mut Printer) {
    // As `Printer::result`: a closed standard output is not an error.
    let _ = write_plan(&mut printer.results(), plan);
}

/// Synthesizes the project for a deploy command, keeping units where the
/// project's placement file says (as `synth` does; only `synth` writes it).
pub fn synthesize_project(args: &ProjectArgs) -> Result<Synthesized, Error> {
    let project = resolve(args)?;
    Ok(project.synthesize(&args.overrides, Format::Yaml)?.0)
}

/// Keeps every deployed unit (a microservices service) where it is
/// deployed: reads where each unit of `synth` lives in the deployed stacks
/// (its logical IDs in the root template or in a deployed overflow stack)
/// and, where the synthesis would move one (a lost or stale placement file),
/// synthesizes again with the deployed placement pinned. Returns the
/// synthesis to deploy and, when it changed, a note saying what stayed.
pub async fn follow_deployed_placement<C: CloudFormation>(
    regions: &Regions<C>,
    project: &ResolvedProject,
    overrides: &crate::blueprints::Overrides,
    synth: Synthesized,
) -> Result<(Synthesized, Option<String>), Error> {
    let mut pinned = synth.placement.clone();
    let mut moved = Vec::new();
    for st in &synth.expansion.stacks {
        let name = st.stack_name.as_str();
        let Some(units) = synth.unit_resources.get(name) else {
            continue;
        };
        let cf = regions.get(st.region.as_str())?;
        let deployed = cf.describe_stack(name).await.map_err(dx)?;
        if deployed.is_none_or(|s| s.status == StackStatus::ReviewInProgress) {
            continue;
        }
        let homes = deployed_homes(cf, name, units).await?;
        let ours = pinned.templates.entry(name.to_string()).or_default();
        for (unit, home) in homes {
            if ours.get(&unit) != Some(&home) {
                let was = ours.get(&unit).map(ToString::to_string).unwrap_or_default();
                moved.push(format!("{unit} (deployed in {home}, not {was})"));
                ours.insert(unit, home);
            }
        }
    }
    if moved.is_empty() {
        return Ok((synth, None));
    }
    let again = synthesize_placed(
        project.blueprint,
        &project.source,
        &project.code,
        overrides,
        Format::Yaml,
        &pinned,
    )
    .map_err(|e| project.relocate(e))?;
    let mut again = again;
    again.environment = synth.environment;
    let file = project
        .placement_file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "the placement file".into());
    let note = format!(
        "{} deployed service(s) stay where they are deployed, which {file} did not say: {}; a successful apply records it there",
        moved.len(),
        moved.join(", ")
    );
    Ok((again, Some(note)))
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
    plan_tracked(regions, synth, req, &Pending::default(), printer).await
}

/// [`plan_with`], recording the change sets it makes in `pending` until
/// they are deleted (or kept for a plan file that was written).
pub async fn plan_tracked<C: CloudFormation + ObjectStore>(
    regions: &Regions<C>,
    synth: &Synthesized,
    req: &PlanRequest,
    pending: &Pending,
    printer: &mut Printer,
) -> Result<i32, Error> {
    if let Some(path) = &req.out {
        check_out(path)?;
    }
    crate::deploy::account::check(regions, synth).await?;
    let opts = PlanOptions {
        keep_change_sets: req.out.is_some(),
        toolkit_stack: req.deploy.toolkit_stack.clone(),
        wait: req.deploy.wait,
        pending: pending.clone(),
    };
    let p = plan(regions, synth, &opts, printer).await?;
    match req.output {
        OutputFormat::Text => print_plan(&p, printer),
        OutputFormat::Json => printer.result(
            &serde_json::to_string_pretty(&p)
                .map_err(|e| Error::Internal(format!("serializing the plan: {e}")))?,
        ),
    }
    if let Some(path) = &req.out {
        let file = PlanFile::from_plan(&p);
        let json = serde_json::to_string_pretty(&file)
            .map_err(|e| Error::Internal(format!("serializing the plan file: {e}")))?;
        crate::assets::write_atomic(path, format!("{json}\n").as_bytes())?;
        // The kept change sets belong to the plan file now.
        pending.take();
        printer.status(&format!(
            "saved the plan to {}; `blueprint apply {}` executes exactly this plan",
            path.display(),
            path.display()
        ));
    }
    Ok(p.exit_code())
}

/// Refuses a `--out` path the plan file cannot be written to (a directory,
/// a missing or read-only directory), before any change set is made.
pub fn check_out(path: &std::path::Path) -> Result<(), Error> {
    let refuse = |problem: OutPathProblem| {
        Err(Error::from(Refusal::OutPath {
            path: path.to_path_buf(),
            problem,
        }))
    };
    let ends_with_separator = path
        .as_os_str()
        .to_string_lossy()
        .ends_with(std::path::is_separator);
    if path.is_dir() || ends_with_separator {
        return refuse(OutPathProblem::IsDirectory);
    }
    let Some(file_name) = path.file_name() else {
        return refuse(OutPathProblem::NotAFileName);
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.exists() {
        return refuse(OutPathProblem::NoDirectory(dir));
    }
    if !dir.is_dir() {
        return refuse(OutPathProblem::NotADirectory(dir));
    }
    // Writable: the plan file is written through a temporary file in the
    // same directory, so try exactly that.
    let probe = dir.join(format!(
        ".{}.check{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => refuse(OutPathProblem::CannotWrite {
            dir,
            detail: e.to_string(),
        }),
    }
}

/// What a plan or apply works on: the project, its synthesis (following
/// the deployed placement of its services), and clients for its regions.
pub struct Connected {
    pub project: ResolvedProject,
    pub synth: Synthesized,
    pub clients: Regions<crate::deploy::sdk::Aws>,
}

/// Synthesizes the project, connects to its regions and keeps every
/// deployed service where it is deployed (saying so when that differs from
/// the placement file).
pub async fn connect_project(
    deploy: &DeployArgs,
    printer: &mut Printer,
) -> Result<Connected, Error> {
    let args = &deploy.project;
    let project = resolve(args)?;
    let synth = project.synthesize(&args.overrides, Format::Yaml)?.0;
    // What synth warns about (an insecure choice made explicitly) is said
    // again before anything is planned or applied.
    if !synth.placeholders.is_empty() && !deploy.allow_placeholders {
        return Err(placeholders_refused(&synth.placeholders));
    }
    for w in &synth.warnings {
        printer.warning(w);
    }
    let clients = connect(&regions_of(&synth), &deploy.aws).await;
    let (synth, note) =
        follow_deployed_placement(&clients, &project, &args.overrides, synth).await?;
    if let Some(n) = note {
        printer.note(&n);
    }
    Ok(Connected {
        project,
        synth,
        clients,
    })
}

/// The refusal of a project that would deploy placeholder values.
fn placeholders_refused(found: &[crate::config::placeholders::Placeholder]) -> Error {
    Refusal::Placeholders {
        found: found.iter().map(|p| p.describe()).collect(),
    }
    .into()
}

pub fn run(req: &PlanRequest, printer: &mut Printer) -> Result<i32, Error> {
    if let Some(path) = &req.out {
        check_out(path)?;
    }
    runtime()?.block_on(async {
        let Connected { synth, clients, .. } = connect_project(&req.deploy, printer).await?;
        let pending = Pending::default();
        let work = plan_tracked(&clients, &synth, req, &pending, printer);
        match interruptible(work).await {
            Some(r) => r,
            None => Err(interrupted(&clients, &pending, "plan stopped; nothing was changed").await),
        }
    })
}
