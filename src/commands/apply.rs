//! `blueprint apply`: show the plan, confirm, protect the data, execute, and
//! follow the stack to the end.

use std::path::PathBuf;

use indexmap::IndexMap;

use crate::commands::aws::{confirm, interrupted, interruptible, runtime};
use crate::commands::plan::{connect_project, format_plan, print_plan, Connected, DeployArgs};
use crate::commands::synth::write_placement;
use crate::deploy::apply::{
    binding_mismatch, data_loss_refusal, delete_failed_create, execute, stale_reason,
    unaccepted_data_loss, ApplyOptions, PlanFile,
};
use crate::deploy::cloudformation::{CloudFormation, ObjectStore};
use crate::deploy::nested::{plan_nested, tree_data_loss};
use crate::deploy::plan::{
    discard, dx, parse_deployed, plan_stack, stack_inputs, upload_for, Pending, Plan, PlanKind,
    PlanOptions, StackPlan,
};
use crate::deploy::regions::Regions;
use crate::deploy::types::StackOutput;
use crate::deploy::watch::ProgressMode;
use crate::diff;
use crate::error::Error;
use crate::output::Printer;
use crate::synthesis::Synthesized;

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
    print_plan(&format_plan(&one), printer);
    one.stacks
        .into_iter()
        .next()
        .unwrap_or_else(|| unreachable!())
}

/// A saved plan's stack, checked against the project and the stack as they
/// are now.
async fn from_plan_file<C: CloudFormation>(
    cf: &C,
    saved: &crate::deploy::apply::PlanFileStack,
    sha256: &str,
    template: &serde_json::Value,
    typed: &crate::cfn::Template,
) -> Result<StackPlan, Error> {
    let name = &saved.stack_name;
    let stack = cf.describe_stack(name).await.map_err(dx)?;
    let last = stack.as_ref().and_then(|s| s.last_updated.clone());
    if let Some(why) = stale_reason(saved, sha256, last.as_deref()) {
        return Err(Error::User(format!(
            "the saved plan is stale: {why}. Run `blueprint plan --out PLANFILE` again"
        )));
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
    let id = saved.change_set_id.as_deref().ok_or_else(|| {
        Error::User(format!(
            "the saved plan has no change set for stack `{name}`; run `blueprint apply` without a plan file"
        ))
    })?;
    let cs = cf.describe_change_set(name, id).await.map_err(|e| {
        Error::User(format!(
            "the saved plan's change set for stack `{name}` is gone ({e}); run `blueprint plan --out PLANFILE` again"
        ))
    })?;
    // Bound to what was planned: this change set, of this stack, made from
    // this template; anything else is refused before anything runs.
    let current_id = stack.as_ref().map(|s| s.id.as_str());
    if let Some(why) = binding_mismatch(saved, &cs, current_id, sha256) {
        return Err(Error::User(format!(
            "refusing the saved plan for stack `{name}`: {why}. Nothing was executed; run `blueprint plan --out PLANFILE` again"
        )));
    }
    if cs.status != "CREATE_COMPLETE" || cs.execution_status.as_deref() != Some("AVAILABLE") {
        return Err(Error::User(format!(
            "the saved plan's change set for stack `{name}` can no longer be executed ({}, {}); plan again",
            cs.status,
            cs.execution_status.as_deref().unwrap_or("?")
        )));
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
    let saved = match &req.planfile {
        Some(p) => Some(PlanFile::read(p)?),
        None => None,
    };
    if let Some(s) = &saved {
        if s.blueprint != synth.expansion.project.blueprint {
            return Err(Error::User(format!(
                "the plan file is for blueprint `{}`, this project is `{}`",
                s.blueprint, synth.expansion.project.blueprint
            )));
        }
    }
    let opts = ApplyOptions {
        allow_data_loss: req.allow_data_loss.clone(),
        termination_protection,
        progress: req.progress,
    };
    let plan_opts = PlanOptions {
        keep_change_sets: true,
        toolkit_stack: req.deploy.toolkit_stack.clone(),
        wait: req.deploy.wait,
        pending: pending.clone(),
    };
    let blueprint = synth.expansion.project.blueprint;
    let mut outputs: IndexMap<String, Vec<StackOutput>> = IndexMap::new();
    let mut uploaded_to: Vec<String> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    for (st, rendered) in synth.expansion.stacks.iter().zip(&synth.templates) {
        let name = st.stack_name.as_str();
        let region = st.region.as_str();
        let cf = regions.get(region)?;
        let template = st.template.to_json();
        let mut plan = match &saved {
            Some(file) => {
                let entry = file
                    .stacks
                    .iter()
                    .find(|s| s.stack_name == name)
                    .ok_or_else(|| {
                        Error::User(format!("the plan file has no stack `{name}`; plan again"))
                    })?;
                from_plan_file(cf, entry, &rendered.sha256, &template, &st.template).await?
            }
            None => {
                // The assets first: CloudFormation reads nested templates
                // while it makes the change set.
                let toolkit = &req.deploy.toolkit_stack;
                upload_for(regions, synth, st, toolkit, &mut uploaded_to, printer).await?;
                let inputs = stack_inputs(regions, synth, st, rendered, &plan_opts).await?;
                plan_stack(cf, inputs, &plan_opts).await?
            }
        };
        plan = show(plan, blueprint, printer);
        if plan.no_changes {
            if let Some(s) = cf.describe_stack(name).await.map_err(dx)? {
                outputs.insert(name.to_string(), s.outputs);
            }
            continue;
        }
        if plan.kind == PlanKind::Recreate {
            if !ask(&format!("Stack `{name}` failed to create and is empty (ROLLBACK_COMPLETE). Delete it and create it again?"))? {
                return Err(Error::User("apply cancelled; nothing was changed".into()));
            }
            delete_failed_create(cf, name, req.progress, printer).await?;
            let inputs = stack_inputs(regions, synth, st, rendered, &plan_opts).await?;
            plan = plan_stack(cf, inputs, &plan_opts).await?;
        }
        let Some(cs) = plan.change_set.clone() else {
            return Err(Error::User(format!(
                "no change set could be made for stack `{name}`: {}",
                plan.notes.join("; ")
            )));
        };
        let refused = unaccepted_data_loss(&plan, &opts);
        if !refused.is_empty() {
            if saved.is_none() {
                discard(cf, name, &cs, plan.kind).await?;
                pending.forget(name);
            }
            return Err(data_loss_refusal(name, &refused));
        }
        if !ask(&format!(
            "Apply these changes to stack `{name}` ({region})?"
        ))? {
            if saved.is_none() {
                discard(cf, name, &cs, plan.kind).await?;
                pending.forget(name);
            }
            return Err(Error::User("apply cancelled; nothing was changed".into()));
        }
        // A saved plan's change set was made after its upload; the assets
        // must still be there (a lifecycle rule may have removed them).
        upload_for(
            regions,
            synth,
            st,
            &req.deploy.toolkit_stack,
            &mut uploaded_to,
            printer,
        )
        .await?;
        // From here CloudFormation goes on by itself: nothing to clean up.
        pending.forget(name);
        let applied = execute(cf, &plan, &template, &opts, printer).await?;
        if let Some(o) = &applied.outcome {
            printer.status(&format!(
                "stack `{name}` applied in {:.1}s",
                o.elapsed.as_secs_f64()
            ));
        }
        outputs.insert(name.to_string(), applied.outputs);
        warnings.extend(applied.warnings);
    }
    print_outputs(&outputs, printer);
    for w in &warnings {
        printer.warning(w);
    }
    if let Some(path) = &req.outputs_file {
        let map: IndexMap<&String, IndexMap<&String, &String>> = outputs
            .iter()
            .map(|(s, o)| (s, o.iter().map(|x| (&x.key, &x.value)).collect()))
            .collect();
        let json = serde_json::to_string_pretty(&map)
            .map_err(|e| Error::Internal(format!("serializing outputs: {e}")))?;
        crate::assets::write_atomic(path, format!("{json}\n").as_bytes())?;
        printer.status(&format!("wrote the outputs to {}", path.display()));
    }
    Ok(0)
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
