//! `blueprint apply`: show the plan, confirm, protect the data, execute, and
//! follow the stack to the end.

use std::path::PathBuf;

use indexmap::IndexMap;

use crate::commands::aws::{confirm, interrupted, interruptible, runtime};
use crate::commands::plan::{connect_project, print_plan, Connected, DeployArgs};
use crate::commands::synth::write_placement;
use crate::deploy::apply::{
    data_loss_refusal, delete_failed_create, execute, unaccepted_data_loss, ApplyOptions,
};
use crate::deploy::cloudformation::{CloudFormation, ObjectStore};
use crate::deploy::nested::{plan_nested, tree_data_loss};
use crate::deploy::plan::{
    discard, dx, parse_deployed, plan_stack, stack_inputs, upload_for, Pending, Plan, PlanKind,
    PlanOptions, StackPlan,
};
use crate::deploy::plan_file::{
    binding_mismatch, stale_reason, PlanFile, PlanFileStack, SavedPlanError,
};
use crate::deploy::regions::Regions;
use crate::deploy::types::StackOutput;
use crate::deploy::watch::ProgressMode;
use crate::deploy::{ApplyError, Refusal};
use crate::diff;
use crate::error::Error;
use crate::expansion::StackTemplate;
use crate::output::Printer;
use crate::synthesis::{Rendered, Synthesized};

/// `apply`'s request.
#[derive(Clone, Debug)]
pub struct ApplyRequest {
    pub deploy: DeployArgs,
    pub planfile: Option<PathBuf>,
    pub yes: bool,
    pub allow_data_loss: Vec<String>,
    pub progress: ProgressMode,
    pub outputs_file: Option<PathBuf>,
}

/// How apply asks for confirmation (a terminal prompt, or a test's answer).
pub type Confirm<'a> = dyn FnMut(&str) -> Result<bool, Error> + 'a;

fn show(plan: StackPlan, blueprint: &str, printer: &mut Printer) -> StackPlan {
    let one = Plan {
        blueprint: blueprint.to_string(),
        stacks: vec![plan],
    };
    print_plan(&one, printer);
    one.stacks
        .into_iter()
        .next()
        .unwrap_or_else(|| unreachable!())
}

/// A saved plan's stack, checked against the project and the stack as they
/// are now.
async fn from_plan_file<C: CloudFormation>(
    cf: &C,
    saved: &PlanFileStack,
    sha256: &str,
    template: &serde_json::Value,
    typed: &crate::cfn::Template,
) -> Result<StackPlan, Error> {
    let name = &saved.stack_name;
    let stack = cf.describe_stack(name).await.map_err(dx)?;
    let last = stack.as_ref().and_then(|s| s.last_updated.clone());
    if let Some(why) = stale_reason(saved, sha256, last.as_deref()) {
        return Err(SavedPlanError::Stale(why).into());
    }
    let mut plan = StackPlan {
        stack_name: name.clone(),
        region: saved.region.clone(),
        kind: saved.kind,
        diff: Default::default(),
        deployed: None,
        nested: Vec::new(),
        change_set: None,
        disagreements: Vec::new(),
        data_loss: saved.data_loss.clone(),
        template_sha256: sha256.to_string(),
        last_updated: last,
        notes: Vec::new(),
        parameters: Vec::new(),
        no_changes: saved.no_changes,
    };
    if saved.no_changes {
        return Ok(plan);
    }
    let id = saved
        .change_set_id
        .as_deref()
        .ok_or_else(|| SavedPlanError::NoChangeSet {
            stack: name.clone(),
        })?;
    let cs =
        cf.describe_change_set(name, id)
            .await
            .map_err(|source| SavedPlanError::ChangeSetGone {
                stack: name.clone(),
                source,
            })?;
    // Bound to what was planned: this change set, of this stack, made from
    // this template; anything else is refused before anything runs.
    let current_id = stack.as_ref().map(|s| s.id.as_str());
    if let Some(mismatch) = binding_mismatch(saved, &cs, current_id, sha256) {
        return Err(SavedPlanError::NotBound {
            stack: name.clone(),
            mismatch,
        }
        .into());
    }
    if cs.status != "CREATE_COMPLETE" || cs.execution_status.as_deref() != Some("AVAILABLE") {
        return Err(SavedPlanError::NotExecutable {
            stack: name.clone(),
            status: cs.status.clone(),
            execution_status: cs.execution_status.clone(),
        }
        .into());
    }
    let old = if saved.kind == PlanKind::Update {
        Some(parse_deployed(
            name,
            &cf.get_template(name).await.map_err(dx)?,
        )?)
    } else {
        None
    };
    plan.diff = diff::compute(old.as_ref(), template);
    plan.nested = plan_nested(cf, name, old.as_ref(), typed, &plan.diff).await?;
    plan.add_data_loss(tree_data_loss(&plan.diff, &plan.nested));
    plan.deployed = old;
    plan.change_set = Some(cs);
    Ok(plan)
}

/// Applies every stack of `synth` in order; returns the exit code.
pub async fn apply_with<C: CloudFormation + ObjectStore>(
    regions: &Regions<C>,
    synth: &Synthesized,
    req: &ApplyRequest,
    ask: &mut Confirm<'_>,
    termination_protection: bool,
    printer: &mut Printer,
) -> Result<i32, Error> {
    let pending = Pending::default();
    apply_tracked(
        regions,
        synth,
        req,
        ask,
        termination_protection,
        &pending,
        printer,
    )
    .await
}

/// One apply: what it works on and how.
struct Session<'a, C> {
    regions: &'a Regions<C>,
    synth: &'a Synthesized,
    req: &'a ApplyRequest,
    /// The plan file being executed, if any.
    saved: Option<PlanFile>,
    opts: ApplyOptions,
    plan_opts: PlanOptions,
    pending: &'a Pending,
}

/// What the stacks applied so far left.
#[derive(Default)]
struct Collected {
    outputs: IndexMap<String, Vec<StackOutput>>,
    /// The regions whose assets bucket has this project's assets.
    uploaded_to: Vec<String>,
    warnings: Vec<String>,
}

/// [`apply_with`], recording the change sets it makes in `pending` until
/// they are executed or deleted.
pub async fn apply_tracked<C: CloudFormation + ObjectStore>(
    regions: &Regions<C>,
    synth: &Synthesized,
    req: &ApplyRequest,
    ask: &mut Confirm<'_>,
    termination_protection: bool,
    pending: &Pending,
    printer: &mut Printer,
) -> Result<i32, Error> {
    crate::deploy::account::check(regions, synth).await?;
    let session = Session {
        regions,
        synth,
        req,
        saved: read_saved_plan(req, synth)?,
        opts: ApplyOptions {
            allow_data_loss: req.allow_data_loss.clone(),
            termination_protection,
            progress: req.progress,
        },
        plan_opts: PlanOptions {
            keep_change_sets: true,
            toolkit_stack: req.deploy.toolkit_stack.clone(),
            wait: req.deploy.wait,
            pending: pending.clone(),
        },
        pending,
    };
    let mut collected = Collected::default();
    for (st, rendered) in synth.expansion.stacks.iter().zip(&synth.templates) {
        apply_stack(&session, st, rendered, ask, &mut collected, printer).await?;
    }
    report(&collected, req, printer)?;
    Ok(0)
}

/// The plan file to execute, if one was given, and only for this project.
fn read_saved_plan(req: &ApplyRequest, synth: &Synthesized) -> Result<Option<PlanFile>, Error> {
    let Some(path) = &req.planfile else {
        return Ok(None);
    };
    let saved = PlanFile::read(path)?;
    let project = synth.expansion.project.blueprint.to_string();
    if saved.blueprint != project {
        return Err(SavedPlanError::ForOtherProject {
            planned: saved.blueprint,
            project,
        }
        .into());
    }
    Ok(Some(saved))
}

/// Plans (or takes from the plan file), shows, confirms and applies one
/// stack.
async fn apply_stack<C: CloudFormation + ObjectStore>(
    session: &Session<'_, C>,
    st: &StackTemplate,
    rendered: &Rendered,
    ask: &mut Confirm<'_>,
    collected: &mut Collected,
    printer: &mut Printer,
) -> Result<(), Error> {
    let name = st.stack_name.as_str();
    let cf = session.regions.get(st.region.as_str())?;
    let template = st.template.to_json();
    let plan = plan_of(session, st, rendered, &template, collected, printer).await?;
    let mut plan = show(plan, session.synth.expansion.project.blueprint, printer);
    if plan.no_changes {
        if let Some(s) = cf.describe_stack(name).await.map_err(dx)? {
            collected.outputs.insert(name.to_string(), s.outputs);
        }
        return Ok(());
    }
    if plan.kind == PlanKind::Recreate {
        plan = recreate(session, st, rendered, ask, printer).await?;
    }
    confirm_or_discard(session, st, &plan, ask).await?;
    // A saved plan's change set was made after its upload; the assets
    // must still be there (a lifecycle rule may have removed them).
    let toolkit = &session.req.deploy.toolkit_stack;
    let uploaded_to = &mut collected.uploaded_to;
    upload_for(
        session.regions,
        session.synth,
        st,
        toolkit,
        uploaded_to,
        printer,
    )
    .await?;
    // From here CloudFormation goes on by itself: nothing to clean up.
    session.pending.forget(name);
    let applied = execute(cf, &plan, &template, &session.opts, printer).await?;
    if let Some(o) = &applied.outcome {
        printer.status(&format!(
            "stack `{name}` applied in {:.1}s",
            o.elapsed.as_secs_f64()
        ));
    }
    collected.outputs.insert(name.to_string(), applied.outputs);
    collected.warnings.extend(applied.warnings);
    Ok(())
}

/// The stack's plan: from the plan file, or planned now (after uploading
/// the assets: CloudFormation reads nested templates while it makes the
/// change set).
async fn plan_of<C: CloudFormation + ObjectStore>(
    session: &Session<'_, C>,
    st: &StackTemplate,
    rendered: &Rendered,
    template: &serde_json::Value,
    collected: &mut Collected,
    printer: &mut Printer,
) -> Result<StackPlan, Error> {
    let name = st.stack_name.as_str();
    let cf = session.regions.get(st.region.as_str())?;
    if let Some(file) = &session.saved {
        let entry = file
            .stacks
            .iter()
            .find(|s| s.stack_name == name)
            .ok_or_else(|| SavedPlanError::MissingStack {
                stack: name.to_string(),
            })?;
        return from_plan_file(cf, entry, &rendered.sha256, template, &st.template).await;
    }
    let (regions, synth) = (session.regions, session.synth);
    let toolkit = &session.req.deploy.toolkit_stack;
    upload_for(
        regions,
        synth,
        st,
        toolkit,
        &mut collected.uploaded_to,
        printer,
    )
    .await?;
    let inputs = stack_inputs(regions, synth, st, rendered, &session.plan_opts).await?;
    plan_stack(cf, inputs, &session.plan_opts).await
}

/// After confirmation, deletes the empty stack of a failed create and plans
/// its creation again.
async fn recreate<C: CloudFormation + ObjectStore>(
    session: &Session<'_, C>,
    st: &StackTemplate,
    rendered: &Rendered,
    ask: &mut Confirm<'_>,
    printer: &mut Printer,
) -> Result<StackPlan, Error> {
    let name = st.stack_name.as_str();
    let cf = session.regions.get(st.region.as_str())?;
    if !ask(&format!("Stack `{name}` failed to create and is empty (ROLLBACK_COMPLETE). Delete it and create it again?"))? {
        return Err(Refusal::ApplyCancelled.into());
    }
    delete_failed_create(cf, name, session.req.progress, printer).await?;
    let opts = &session.plan_opts;
    let inputs = stack_inputs(session.regions, session.synth, st, rendered, opts).await?;
    plan_stack(cf, inputs, opts).await
}

/// Refuses data loss the user did not accept, then asks; a change set made
/// now (not a plan file's) is deleted when the answer is no.
async fn confirm_or_discard<C: CloudFormation + ObjectStore>(
    session: &Session<'_, C>,
    st: &StackTemplate,
    plan: &StackPlan,
    ask: &mut Confirm<'_>,
) -> Result<(), Error> {
    let (name, region) = (st.stack_name.as_str(), st.region.as_str());
    let cf = session.regions.get(region)?;
    let Some(cs) = &plan.change_set else {
        return Err(ApplyError::NoChangeSet {
            stack: name.to_string(),
            notes: plan.notes.clone(),
        }
        .into());
    };
    let refused = unaccepted_data_loss(plan, &session.opts);
    let refusal = if !refused.is_empty() {
        data_loss_refusal(name, &refused)
    } else if !ask(&format!(
        "Apply these changes to stack `{name}` ({region})?"
    ))? {
        Refusal::ApplyCancelled.into()
    } else {
        return Ok(());
    };
    if session.saved.is_none() {
        discard(cf, name, cs, plan.kind).await?;
        session.pending.forget(name);
    }
    Err(refusal)
}

/// The outputs and warnings of every stack, and the outputs file.
fn report(collected: &Collected, req: &ApplyRequest, printer: &mut Printer) -> Result<(), Error> {
    print_outputs(&collected.outputs, printer);
    for w in &collected.warnings {
        printer.warning(w);
    }
    if let Some(path) = &req.outputs_file {
        let map: IndexMap<&String, IndexMap<&String, &String>> = collected
            .outputs
            .iter()
            .map(|(s, o)| (s, o.iter().map(|x| (&x.key, &x.value)).collect()))
            .collect();
        let json = serde_json::to_string_pretty(&map)
            .map_err(|e| Error::Internal(format!("serializing outputs: {e}")))?;
        crate::assets::write_atomic(path, format!("{json}\n").as_bytes())?;
        printer.status(&format!("wrote the outputs to {}", path.display()));
    }
    Ok(())
}

/// Prints each stack's outputs.
pub fn print_outputs(outputs: &IndexMap<String, Vec<StackOutput>>, printer: &mut Printer) {
    for (stack, list) in outputs {
        if list.is_empty() {
            continue;
        }
        printer.result(&format!("Outputs of {stack}:"));
        let width = list.iter().map(|o| o.key.len()).max().unwrap_or(0);
        for o in list {
            printer.result(&format!("  {:width$}  {}", o.key, o.value));
        }
    }
}

pub fn run(req: &ApplyRequest, printer: &mut Printer) -> Result<i32, Error> {
    let yes = req.yes;
    runtime()?.block_on(async {
        let Connected {
            project,
            synth,
            clients,
        } = connect_project(&req.deploy, printer).await?;
        let protection = synth.expansion.project.termination_protection;
        let pending = Pending::default();
        let mut ask = |q: &str| confirm(q, yes);
        let work = apply_tracked(&clients, &synth, req, &mut ask, protection, &pending, printer);
        let code = match interruptible(work).await {
            Some(r) => r?,
            None => return Err(interrupted(
                &clients,
                &pending,
                "stopped watching; CloudFormation goes on with the operation. Follow it with `blueprint status --watch`",
            )
            .await),
        };
        // What is deployed now is where the next synth must keep each unit.
        if let Some(path) = &project.placement_file {
            if let Some(line) = write_placement(path, &project.placement()?, &synth)? {
                printer.status(line.trim_start());
            }
        }
        Ok(code)
    })
}
