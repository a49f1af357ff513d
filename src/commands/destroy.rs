//! `blueprint destroy`: what will be deleted and what kept, confirmation,
//! deletion with events, and the kept resources by physical ID.

use serde_json::Value as Json;

use crate::commands::apply::Confirm;
use crate::commands::aws::{confirm, connect, run_async};
use crate::commands::plan::{regions_of, synthesize_project, DeployArgs};
use crate::deploy::apply::failure;
use crate::deploy::cloudformation::CloudFormation;
use crate::deploy::nested::{deployed_tree, join};
use crate::deploy::plan::{dx, parse_deployed};
use crate::deploy::regions::Regions;
use crate::deploy::types::StackResource;
use crate::deploy::watch::{newest_event, watch, ProgressMode};
use crate::deploy::{Refusal, StackStateError};
use crate::error::Error;
use crate::expansion::StackTemplate;
use crate::output::Printer;
use crate::synthesis::Synthesized;

/// `destroy`'s request.
#[derive(Clone, Debug)]
pub struct DestroyRequest {
    pub deploy: DeployArgs,
    pub yes: bool,
    pub disable_termination_protection: bool,
    pub progress: ProgressMode,
}

/// Deletes the project's stacks, last first.
pub async fn destroy_with<C: CloudFormation>(
    regions: &Regions<C>,
    synth: &Synthesized,
    req: &DestroyRequest,
    ask: &mut Confirm<'_>,
    printer: &mut Printer,
) -> Result<i32, Error> {
    crate::deploy::account::check(regions, synth).await?;
    for st in synth.expansion.stacks.iter().rev() {
        let cf = regions.get(st.region.as_str())?;
        destroy_stack(cf, st, req, ask, printer).await?;
    }
    Ok(0)
}

/// Lists what deleting one stack deletes and keeps, confirms, deletes it
/// and follows the deletion.
async fn destroy_stack<C: CloudFormation>(
    cf: &C,
    st: &StackTemplate,
    req: &DestroyRequest,
    ask: &mut Confirm<'_>,
    printer: &mut Printer,
) -> Result<(), Error> {
    let name = st.stack_name.as_str();
    let Some(stack) = cf.describe_stack(name).await.map_err(dx)? else {
        printer.result(&format!("Stack {name} ({}): does not exist", st.region));
        return Ok(());
    };
    if stack.status.operation_in_progress() {
        return Err(StackStateError::Busy {
            stack: name.to_string(),
            status: stack.status.clone(),
            can_wait: false,
        }
        .into());
    }
    let tree = list_tree(cf, name).await?;
    print_tree(&tree, name, st.region.as_str(), printer);
    if stack.termination_protection && !req.disable_termination_protection {
        return Err(StackStateError::TerminationProtected {
            stack: name.to_string(),
        }
        .into());
    }
    if !ask(&format!("Delete stack `{name}` ({})?", st.region))? {
        return Err(Refusal::DestroyCancelled.into());
    }
    if stack.termination_protection {
        cf.set_termination_protection(name, false)
            .await
            .map_err(dx)?;
    }
    let before = stack.last_updated.clone();
    delete_and_watch(cf, name, before, tree.resources, req.progress, printer).await?;
    print_kept(&tree.kept, name, printer);
    Ok(())
}

/// What deleting a stack does, in the stack and its nested stacks.
struct Tree {
    /// The stack's own resources (for the progress count).
    resources: usize,
    kept: Vec<Listed>,
    deleted: Vec<Listed>,
    nested: usize,
}

/// The stack's resources and its nested stacks' by what deleting the stack
/// does to them.
async fn list_tree<C: CloudFormation>(cf: &C, name: &str) -> Result<Tree, Error> {
    let template = match cf.get_template(name).await {
        Ok(body) => parse_deployed(name, &body)?,
        Err(_) => Json::Null,
    };
    let deployed = cf.stack_resources(name).await.map_err(dx)?;
    let resources = named_resources(&template, deployed);
    let (mut kept, mut deleted) = sort_out("", &template, &resources);
    // Deleting the stack deletes its nested stacks; what they retain is
    // kept too, and listed by path.
    let nested = deployed_tree(cf, name, true).await?;
    for n in &nested {
        let doc = n.template.clone().unwrap_or(Json::Null);
        let (k, d) = sort_out(&n.path, &doc, &n.resources);
        kept.extend(k);
        deleted.extend(d);
    }
    Ok(Tree {
        resources: resources.len(),
        kept,
        deleted,
        nested: nested.len(),
    })
}

/// Every resource the template names, with the physical ID and status the
/// stack reports; the stack's own list when there is no template.
fn named_resources(template: &Json, deployed: Vec<StackResource>) -> Vec<StackResource> {
    let Some(m) = template.get("Resources").and_then(Json::as_object) else {
        return deployed
            .into_iter()
            .filter(|d| !d.logical_id.is_empty())
            .collect();
    };
    m.iter()
        .map(|(id, r)| {
            let live = deployed.iter().find(|d| &d.logical_id == id);
            StackResource {
                logical_id: id.clone(),
                physical_id: live.and_then(|d| d.physical_id.clone()),
                resource_type: r
                    .get("Type")
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_string(),
                status: live.map(|d| d.status.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

/// What will be deleted and what kept.
fn print_tree(tree: &Tree, name: &str, region: &str, printer: &mut Printer) {
    printer.result(&format!(
        "Stack {name} ({region}): {} resources will be deleted, {} kept{}",
        tree.deleted.len(),
        tree.kept.len(),
        match tree.nested {
            0 => String::new(),
            1 => " (in the stack and its 1 nested stack)".to_string(),
            n => format!(" (in the stack and its {n} nested stacks)"),
        }
    ));
    for r in &tree.deleted {
        printer.result(&format!("  - {}  {}", r.path, r.resource_type));
    }
    for r in &tree.kept {
        printer.result(&format!(
            "  = {}  {}  kept ({}): {}",
            r.path, r.resource_type, r.policy, r.physical_id
        ));
    }
}

/// Deletes the stack (last updated `before`) and follows the deletion to
/// its end.
async fn delete_and_watch<C: CloudFormation>(
    cf: &C,
    name: &str,
    before: Option<String>,
    expected: usize,
    progress: ProgressMode,
    printer: &mut Printer,
) -> Result<(), Error> {
    let since = newest_event(cf, name).await?;
    cf.delete_stack(name).await.map_err(dx)?;
    let outcome = watch(cf, name, since, before, expected, progress, printer).await?;
    if let Some(s) = &outcome.stack {
        let cause = crate::deploy::watch::nested_root_cause(cf, &outcome).await;
        return Err(failure(
            name,
            &s.status,
            s.status_reason.as_deref(),
            &outcome,
            cause.as_ref(),
        ));
    }
    printer.status(&format!(
        "deleted stack `{name}` in {:.1}s",
        outcome.elapsed.as_secs_f64()
    ));
    Ok(())
}

/// The resources the deletion kept, by physical ID.
fn print_kept(kept: &[Listed], name: &str, printer: &mut Printer) {
    if kept.is_empty() {
        return;
    }
    printer.result(&format!(
        "Kept resources of {name} (delete them yourself when you no longer need the data):"
    ));
    for r in kept {
        printer.result(&format!(
            "  {}  {}  {}",
            r.path, r.resource_type, r.physical_id
        ));
    }
}

/// A resource of the stack tree, as destroy lists it.
struct Listed {
    /// Its logical ID, after the nested stack path inside nested stacks.
    path: String,
    resource_type: String,
    policy: String,
    physical_id: String,
}

/// Splits a deployed stack's live resources into those its template keeps
/// (Retain, RetainExceptOnCreate, Snapshot) and those deleted with it.
fn sort_out(
    prefix: &str,
    template: &Json,
    resources: &[StackResource],
) -> (Vec<Listed>, Vec<Listed>) {
    let policy = |id: &str| {
        template
            .get("Resources")
            .and_then(|r| r.get(id))
            .and_then(|r| r.get("DeletionPolicy"))
            .and_then(Json::as_str)
            .unwrap_or("Delete")
            .to_string()
    };
    resources
        .iter()
        .filter(|r| r.status != "DELETE_COMPLETE")
        .map(|r| Listed {
            path: join(prefix, &r.logical_id),
            resource_type: r.resource_type.clone(),
            policy: policy(&r.logical_id),
            physical_id: r.physical_id.clone().unwrap_or_else(|| "?".into()),
        })
        .partition(|r| {
            matches!(
                r.policy.as_str(),
                "Retain" | "RetainExceptOnCreate" | "Snapshot"
            )
        })
}

pub fn run(req: &DestroyRequest, printer: &mut Printer) -> Result<i32, Error> {
    let synth = synthesize_project(&req.deploy.project)?;
    let regions = regions_of(&synth);
    let yes = req.yes;
    run_async(
        async {
            let clients = connect(&regions, &req.deploy.aws).await;
            let mut ask = |q: &str| confirm(q, yes);
            destroy_with(&clients, &synth, req, &mut ask, printer).await
        },
        "stopped watching; CloudFormation goes on deleting. Follow it with `blueprint status --watch`",
    )
}
