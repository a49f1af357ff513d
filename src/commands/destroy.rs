//! `blueprint destroy`: what will be deleted and what kept, confirmation,
//! deletion with events, and the kept resources by physical ID.

use serde_json::Value as Json;

use crate::commands::apply::Confirm;
use crate::commands::aws::{confirm, connect, run_async};
use crate::commands::plan::{regions_of, synthesize_project, DeployArgs};
use crate::deploy::apply::failure;
use crate::deploy::cloudformation::CloudFormation;
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
        let policy = |id: &str| {
            template
                .get("Resources")
                .and_then(|r| r.get(id))
                .and_then(|r| r.get("DeletionPolicy"))
                .and_then(Json::as_str)
                .unwrap_or("Delete")
                .to_string()
        };
        let (kept, deleted): (Vec<_>, Vec<_>) = resources
            .iter()
            .filter(|r| r.status != "DELETE_COMPLETE")
            .partition(|r| {
                matches!(
                    policy(&r.logical_id).as_str(),
                    "Retain" | "RetainExceptOnCreate" | "Snapshot"
                )
            });
        printer.result(&format!(
            "Stack {name} ({}): {} resources will be deleted, {} kept",
            st.region,
            deleted.len(),
            kept.len()
        ));
        for r in &deleted {
            printer.result(&format!("  - {}  {}", r.logical_id, r.resource_type));
        }
        for r in &kept {
            printer.result(&format!(
                "  = {}  {}  kept ({}): {}",
                r.logical_id,
                r.resource_type,
                policy(&r.logical_id),
                r.physical_id.as_deref().unwrap_or("?")
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
            return Err(failure(
                name,
                &s.status,
                s.status_reason.as_deref(),
                &outcome,
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
                    r.logical_id,
                    r.resource_type,
                    r.physical_id.as_deref().unwrap_or("?")
                ));
            }
        }
    }
    Ok(0)
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
