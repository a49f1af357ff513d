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
use crate::deploy::watch::{newest_event, watch, ProgressMode};
use crate::error::Error;
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
    for st in synth.expansion.stacks.iter().rev() {
        let name = st.stack_name.as_str();
        let cf = regions.get(st.region.as_str())?;
        let Some(stack) = cf.describe_stack(name).await.map_err(dx)? else {
            printer.result(&format!("Stack {name} ({}): does not exist", st.region));
            continue;
        };
        if stack.status.in_progress()
            && stack.status != crate::deploy::types::StackStatus::ReviewInProgress
        {
            return Err(Error::User(format!(
                "stack `{name}` has an operation in progress ({}); wait for it (`blueprint status --watch`)",
                stack.status
            )));
        }
        let template = match cf.get_template(name).await {
            Ok(body) => parse_deployed(name, &body)?,
            Err(_) => Json::Null,
        };
        let deployed = cf.stack_resources(name).await.map_err(dx)?;
        // The template names every resource; the stack adds physical IDs.
        let resources: Vec<crate::deploy::types::StackResource> =
            match template.get("Resources").and_then(Json::as_object) {
                Some(m) => m
                    .iter()
                    .map(|(id, r)| {
                        let live = deployed.iter().find(|d| &d.logical_id == id);
                        crate::deploy::types::StackResource {
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
                    .collect(),
                None => deployed
                    .into_iter()
                    .filter(|d| !d.logical_id.is_empty())
                    .collect(),
            };
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
        printer.result(&format!(
            "Stack {name} ({}): {} resources will be deleted, {} kept{}",
            st.region,
            deleted.len(),
            kept.len(),
            if nested.is_empty() {
                String::new()
            } else {
                let n = nested.len();
                format!(
                    " (in the stack and its {n} nested stack{})",
                    if n == 1 { "" } else { "s" }
                )
            }
        ));
        for r in &deleted {
            printer.result(&format!("  - {}  {}", r.path, r.resource_type));
        }
        for r in &kept {
            printer.result(&format!(
                "  = {}  {}  kept ({}): {}",
                r.path, r.resource_type, r.policy, r.physical_id
            ));
        }
        if stack.termination_protection && !req.disable_termination_protection {
            return Err(Error::User(format!(
                "stack `{name}` has termination protection on; run again with --disable-termination-protection to turn it off and delete the stack"
            )));
        }
        if !ask(&format!("Delete stack `{name}` ({})?", st.region))? {
            return Err(Error::User("destroy cancelled; nothing was deleted".into()));
        }
        if stack.termination_protection {
            cf.set_termination_protection(name, false)
                .await
                .map_err(dx)?;
        }
        let since = newest_event(cf, name).await?;
        cf.delete_stack(name).await.map_err(dx)?;
        let outcome = watch(
            cf,
            name,
            since,
            stack.last_updated.clone(),
            resources.len(),
            req.progress,
            printer,
        )
        .await?;
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
        if !kept.is_empty() {
            printer.result(&format!(
                "Kept resources of {name} (delete them yourself when you no longer need the data):"
            ));
            for r in &kept {
                printer.result(&format!(
                    "  {}  {}  {}",
                    r.path, r.resource_type, r.physical_id
                ));
            }
        }
    }
    Ok(0)
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
    resources: &[crate::deploy::types::StackResource],
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
