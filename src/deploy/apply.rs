//! `apply`: upload what is missing, protect the data, execute the change set,
//! follow it to the end, and say what happened.

use serde_json::Value as Json;

use super::cloudformation::{CloudFormation, ObjectStore};
use super::error::{ApplyError, DeployError, FirstFailure, StackStateError};
use super::nested::{is_allowed, join, nested_physical_ids, protected_ids, NestedAction};
use super::plan::{dx, PlanKind, StackPlan};
use super::refusal::Refusal;
use super::stack_policy::protecting;
use super::types::{StackOutput, StackStatus};
use super::watch::{newest_event, watch, Outcome, ProgressMode};
use crate::error::Error;
use crate::output::Printer;

/// How to apply.
#[derive(Clone, Debug)]
pub struct ApplyOptions {
    /// Resources whose data loss the user accepted: logical IDs, or paths
    /// inside nested stacks (`OrdersService/Table`), optionally after the
    /// stack name (`shop/OrdersService/Table`).
    pub allow_data_loss: Vec<String>,
    /// Turn termination protection on (true) or off after a successful apply.
    pub termination_protection: bool,
    pub progress: ProgressMode,
}

/// The result of applying one stack.
#[derive(Clone, Debug)]
pub struct Applied {
    pub stack_name: String,
    pub no_changes: bool,
    pub outputs: Vec<StackOutput>,
    pub outcome: Option<Outcome>,
    /// Things that went wrong after the stack was applied (the apply itself
    /// succeeded), each with its remedy.
    pub warnings: Vec<String>,
}

/// One object to upload: its content-addressed key and bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    pub key: String,
    pub body: Vec<u8>,
}

/// Uploads the assets the bucket does not have yet; returns how many were
/// uploaded and how many were already there.
pub async fn upload_assets<S: ObjectStore>(
    s3: &S,
    bucket: &str,
    uploads: &[Upload],
    printer: &mut Printer,
) -> Result<(usize, usize), Error> {
    let (mut sent, mut present) = (0, 0);
    for u in uploads {
        if s3.exists(bucket, &u.key).await.map_err(dx)? {
            present += 1;
            printer.detail(&format!("  s3://{bucket}/{} is already there", u.key));
            continue;
        }
        s3.put(bucket, &u.key, u.body.clone()).await.map_err(dx)?;
        printer.status(&format!("  uploaded s3://{bucket}/{}", u.key));
        sent += 1;
    }
    Ok((sent, present))
}

/// The data-loss IDs the user has not accepted.
pub fn unaccepted_data_loss(plan: &StackPlan, opts: &ApplyOptions) -> Vec<String> {
    plan.data_loss
        .iter()
        .filter(|id| !is_allowed(&opts.allow_data_loss, &plan.stack_name, id))
        .cloned()
        .collect()
}

/// The refusal for data loss that was not accepted.
pub fn data_loss_refusal(stack: &str, ids: &[String]) -> Error {
    Refusal::DataLoss {
        stack: stack.to_string(),
        resources: ids.to_vec(),
    }
    .into()
}

/// Deletes a stack whose first create failed (ROLLBACK_COMPLETE), when it
/// kept nothing, so it can be created again.
pub async fn delete_failed_create<C: CloudFormation>(
    cf: &C,
    stack: &str,
    progress: ProgressMode,
    printer: &mut Printer,
) -> Result<(), Error> {
    let kept: Vec<String> = cf
        .stack_resources(stack)
        .await
        .map_err(dx)?
        .into_iter()
        .filter(|r| r.status != "DELETE_COMPLETE" && r.physical_id.is_some())
        .map(|r| format!("{} ({})", r.logical_id, r.physical_id.unwrap_or_default()))
        .collect();
    if !kept.is_empty() {
        return Err(StackStateError::RollbackCompleteKept {
            stack: stack.to_string(),
            kept,
        }
        .into());
    }
    let since = newest_event(cf, stack).await?;
    let before = cf
        .describe_stack(stack)
        .await
        .map_err(dx)?
        .and_then(|s| s.last_updated);
    cf.delete_stack(stack).await.map_err(dx)?;
    let outcome = watch(cf, stack, since, before, 0, progress, printer).await?;
    if outcome.stack.is_some() {
        return Err(ApplyError::FailedStackNotDeleted {
            stack: stack.to_string(),
        }
        .into());
    }
    Ok(())
}

/// The nested stacks the plan removes, by path.
fn removed_nested(plan: &StackPlan) -> Vec<String> {
    plan.nested
        .iter()
        .filter(|n| n.action == NestedAction::Remove)
        .map(|n| n.path.clone())
        .collect()
}

/// Sets, on the stack and on every deployed nested stack the plan changes, a
/// policy that denies replacing or deleting what holds data, except what the
/// user accepted (`allowed`).
async fn protect_for_update<C: CloudFormation>(
    cf: &C,
    plan: &StackPlan,
    deployed: &Json,
    template: &Json,
    allowed: &[String],
) -> Result<(), Error> {
    let name = &plan.stack_name;
    let removed = removed_nested(plan);
    let ids = protected_ids(
        "",
        &[deployed, template],
        name,
        &plan.data_loss,
        &removed,
        allowed,
    );
    cf.set_stack_policy(name, &protecting(&ids))
        .await
        .map_err(dx)?;
    for n in &plan.nested {
        let (Some(physical), Some(old)) = (&n.physical_id, &n.deployed) else {
            continue;
        };
        if n.action == NestedAction::Remove {
            continue;
        }
        let docs: Vec<&Json> = [Some(old), n.template.as_ref()]
            .into_iter()
            .flatten()
            .collect();
        let ids = protected_ids(&n.path, &docs, name, &plan.data_loss, &removed, allowed);
        cf.set_stack_policy(physical, &protecting(&ids))
            .await
            .map_err(dx)?;
    }
    Ok(())
}

/// After a successful apply: every stateful resource and nested stack of the
/// stack, and of each nested stack the plan created or updated, protected
/// again (including what was allowed this time).
async fn protect_all<C: CloudFormation>(
    cf: &C,
    plan: &StackPlan,
    template: &Json,
) -> Result<(), Error> {
    let name = &plan.stack_name;
    let ids = protected_ids("", &[template], name, &[], &[], &[]);
    cf.set_stack_policy(name, &protecting(&ids))
        .await
        .map_err(dx)?;
    // Nested stacks by path, and each parent's nested stacks listed once.
    let mut physical: std::collections::BTreeMap<String, String> = Default::default();
    physical.insert(String::new(), name.clone());
    let mut listed: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>> =
        Default::default();
    for n in plan
        .nested
        .iter()
        .filter(|n| n.action != NestedAction::Remove)
    {
        let Some(doc) = &n.template else { continue };
        let (parent, id) = n.path.rsplit_once('/').unwrap_or(("", n.path.as_str()));
        let Some(parent_id) = physical.get(parent).cloned() else {
            continue;
        };
        if !listed.contains_key(parent) {
            listed.insert(
                parent.to_string(),
                nested_physical_ids(cf, &parent_id).await?,
            );
        }
        let Some(me) = listed.get(parent).and_then(|m| m.get(id)).cloned() else {
            continue;
        };
        let ids = protected_ids(&n.path, &[doc], name, &[], &[], &[]);
        cf.set_stack_policy(&me, &protecting(&ids))
            .await
            .map_err(dx)?;
        physical.insert(join(parent, id), me);
    }
    Ok(())
}

/// Whether an error says the endpoint does not implement the call.
fn unsupported(e: &DeployError) -> bool {
    match e {
        DeployError::Api { code, message, .. } => {
            let m = message.to_ascii_lowercase();
            code.contains("NotImplemented")
                || code == "InvalidAction"
                || m.contains("not implemented")
                || m.contains("not yet implemented")
        }
        DeployError::Other { message, .. } => {
            message.to_ascii_lowercase().contains("not implemented")
        }
        _ => false,
    }
}

/// Turns termination protection on or off; a failure is a warning with the
/// remedy, since the stack itself was applied.
async fn set_protection<C: CloudFormation>(cf: &C, name: &str, on: bool) -> Option<String> {
    let e = cf.set_termination_protection(name, on).await.err()?;
    let why = if unsupported(&e) {
        "the endpoint does not support UpdateTerminationProtection".to_string()
    } else {
        e.to_string()
    };
    Some(format!(
        "stack `{name}` was applied, but termination protection could not be turned {} ({why}). Turn it {} with `aws cloudformation update-termination-protection --{}enable-termination-protection --stack-name {name}`",
        if on { "on" } else { "off" },
        if on { "on" } else { "off" },
        if on { "" } else { "no-" },
    ))
}

/// Executes the plan's change set and follows it to the end.
pub async fn execute<C: CloudFormation>(
    cf: &C,
    plan: &StackPlan,
    template: &Json,
    opts: &ApplyOptions,
    printer: &mut Printer,
) -> Result<Applied, Error> {
    let name = &plan.stack_name;
    let cs = plan
        .change_set
        .as_ref()
        .ok_or_else(|| Error::Internal(format!("no change set for {name}")))?;
    if plan.kind == PlanKind::Update {
        // Protect the data for this update, minus what the user allowed.
        let deployed = plan.deployed.as_ref().ok_or_else(|| {
            Error::Internal(format!("the plan of {name} has no deployed template"))
        })?;
        protect_for_update(cf, plan, deployed, template, &opts.allow_data_loss).await?;
    }
    let since = newest_event(cf, name).await?;
    let before = cf
        .describe_stack(name)
        .await
        .map_err(dx)?
        .and_then(|s| s.last_updated);
    cf.execute_change_set(name, &cs.id).await.map_err(dx)?;
    // The stack's own events: a nested stack is one resource of it.
    let expected = cs.changes.len();
    let outcome = watch(cf, name, since, before, expected, opts.progress, printer).await?;
    let Some(stack) = outcome.stack.clone() else {
        return Err(ApplyError::Vanished {
            stack: name.clone(),
        }
        .into());
    };
    if stack.status.is_failure() {
        let cause = super::watch::nested_root_cause(cf, &outcome).await;
        return Err(failure(
            name,
            &stack.status,
            stack.status_reason.as_deref(),
            &outcome,
            cause.as_ref(),
        ));
    }
    protect_all(cf, plan, template).await?;
    let mut warnings = Vec::new();
    if stack.termination_protection != opts.termination_protection {
        warnings.extend(set_protection(cf, name, opts.termination_protection).await);
    }
    Ok(Applied {
        stack_name: name.clone(),
        no_changes: false,
        outputs: stack.outputs.clone(),
        outcome: Some(outcome),
        warnings,
    })
}

/// The error for a failed operation: the first failure (followed into
/// nested stacks), the final state, and what to do next.
pub fn failure(
    stack: &str,
    status: &StackStatus,
    reason: Option<&str>,
    outcome: &Outcome,
    nested: Option<&super::watch::NestedCause>,
) -> Error {
    let first_failure = match (nested, outcome.root_cause()) {
        (Some(n), _) => FirstFailure::Resource {
            path: n.path.clone(),
            resource_type: n.event.resource_type.clone(),
            reason: n.event.reason.clone(),
        },
        (None, Some(e)) => FirstFailure::Resource {
            path: e.logical_id.clone(),
            resource_type: e.resource_type.clone(),
            reason: e.reason.clone(),
        },
        (None, None) => FirstFailure::Stack {
            reason: reason.map(str::to_string),
        },
    };
    ApplyError::Failed {
        stack: stack.to_string(),
        status: status.clone(),
        first_failure,
    }
    .into()
}
