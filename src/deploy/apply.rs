//! `apply`: upload what is missing, protect the data, execute the change set,
//! follow it to the end, and say what happened.

use std::path::Path;

use serde::{Deserialize, Serialize};

use serde_json::Value as Json;

use super::cloudformation::{CloudFormation, ObjectStore};
use super::error::DeployError;
use super::nested::{is_allowed, join, nested_physical_ids, protected_ids, NestedAction};
use super::plan::{dx, PlanKind, StackPlan};
use super::stack_policy::protecting;
use super::types::{ChangeSet, StackOutput, StackStatus};
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
    let flags: Vec<String> = ids
        .iter()
        .map(|id| format!("--allow-data-loss {id}"))
        .collect();
    Error::User(format!(
        "refusing to apply stack `{stack}`: the plan replaces or removes resources that hold data: {}. Nothing was changed. If you mean it, run again with {}",
        ids.join(", "),
        flags.join(" ")
    ))
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
        return Err(Error::User(format!(
            "stack `{stack}` is in ROLLBACK_COMPLETE but kept resources: {}. blueprint will not delete it; remove or import them yourself, then run `blueprint destroy`",
            kept.join(", ")
        )));
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
        return Err(Error::User(format!(
            "could not delete the failed stack `{stack}`; see `blueprint status`"
        )));
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
        return Err(Error::User(format!(
            "stack `{name}` disappeared while it was being applied"
        )));
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

/// The error for a failed operation: the root cause, the final state, and
/// what to do next.
pub fn failure(
    stack: &str,
    status: &StackStatus,
    reason: Option<&str>,
    outcome: &Outcome,
    nested: Option<&super::watch::NestedCause>,
) -> Error {
    let cause = match (nested, outcome.root_cause()) {
        (Some(n), _) => format!(
            "{} ({}) failed: {}",
            n.path,
            n.event.resource_type,
            n.event.reason.as_deref().unwrap_or("no reason given")
        ),
        (None, Some(e)) => format!(
            "{} ({}) failed: {}",
            e.logical_id,
            e.resource_type,
            e.reason.as_deref().unwrap_or("no reason given")
        ),
        (None, None) => reason.unwrap_or("no reason given").to_string(),
    };
    let next = match status {
        StackStatus::RollbackComplete => {
            "the stack was never created; fix the cause and run `blueprint apply` again (it deletes the failed stack first, after asking)".to_string()
        }
        StackStatus::UpdateRollbackComplete => {
            "the update was rolled back and the stack is as it was; fix the cause and apply again".to_string()
        }
        StackStatus::UpdateRollbackFailed => format!(
            "the rollback failed too; fix the cause, then `aws cloudformation continue-update-rollback --stack-name {stack}`"
        ),
        _ => "inspect the stack with `blueprint status` before trying again".to_string(),
    };
    Error::User(format!(
        "applying stack `{stack}` failed: {cause}\n  final state: {status}\n  next: {next}"
    ))
}

/// The plan file format `plan --out` writes and `apply PLANFILE` reads.
pub const PLAN_FILE_VERSION: u32 = 2;

/// What `--out` saves: enough to execute exactly that plan later, bound to
/// the change set CloudFormation made for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanFile {
    pub version: u32,
    pub blueprint: String,
    pub stacks: Vec<PlanFileStack>,
}

/// One stack of a saved plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanFileStack {
    pub stack_name: String,
    pub region: String,
    pub kind: PlanKind,
    pub template_sha256: String,
    pub change_set_id: Option<String>,
    /// The change set's name, which embeds the template's hash.
    pub change_set_name: Option<String>,
    /// The ID (ARN) of the stack the change set belongs to.
    pub stack_id: Option<String>,
    pub last_updated: Option<String>,
    pub data_loss: Vec<String>,
    pub no_changes: bool,
}

impl PlanFile {
    pub fn from_plan(plan: &super::plan::Plan) -> Self {
        PlanFile {
            version: PLAN_FILE_VERSION,
            blueprint: plan.blueprint.clone(),
            stacks: plan
                .stacks
                .iter()
                .map(|s| PlanFileStack {
                    stack_name: s.stack_name.clone(),
                    region: s.region.clone(),
                    kind: s.kind,
                    template_sha256: s.template_sha256.clone(),
                    change_set_id: s.change_set.as_ref().map(|c| c.id.clone()),
                    change_set_name: s.change_set.as_ref().map(|c| c.name.clone()),
                    stack_id: s.change_set.as_ref().map(|c| c.stack_id.clone()),
                    last_updated: s.last_updated.clone(),
                    data_loss: s.data_loss.clone(),
                    no_changes: s.no_changes,
                })
                .collect(),
        }
    }

    pub fn read(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        // serde_json's words (`key must be a string`), at the file's line
        // and column.
        let not_a_plan = |e: serde_json::Error| {
            let detail = e.to_string();
            let detail = match detail.rfind(" at line ") {
                Some(i) => detail[..i].to_string(),
                None => detail,
            };
            Error::User(format!(
                "{}:{}:{}: not a blueprint plan file: {detail}",
                path.display(),
                e.line(),
                e.column()
            ))
        };
        let doc: Json = serde_json::from_str(&text).map_err(not_a_plan)?;
        match doc.get("version").and_then(Json::as_u64) {
            Some(v) if v == u64::from(PLAN_FILE_VERSION) => {}
            Some(1) => {
                return Err(Error::User(format!(
                    "{}: plan file version 1 was written by an older blueprint and is not bound to its change set; plan again with `blueprint plan --out PLANFILE`",
                    path.display()
                )))
            }
            Some(v) => {
                return Err(Error::User(format!(
                    "{}: plan file version {v} is not supported (this blueprint reads version {PLAN_FILE_VERSION}); plan again with `blueprint plan --out PLANFILE`",
                    path.display()
                )))
            }
            None => {
                return Err(Error::User(format!(
                    "{}: not a blueprint plan file: it has no version",
                    path.display()
                )))
            }
        }
        serde_json::from_value(doc).map_err(not_a_plan)
    }
}

/// Why a saved plan can no longer be executed, if it cannot.
pub fn stale_reason(
    saved: &PlanFileStack,
    sha256: &str,
    last_updated: Option<&str>,
) -> Option<String> {
    if saved.template_sha256 != sha256 {
        return Some(format!(
            "the project changed since the plan was made (template {} → {})",
            &saved.template_sha256[..12.min(saved.template_sha256.len())],
            &sha256[..12.min(sha256.len())]
        ));
    }
    if saved.last_updated.as_deref() != last_updated {
        return Some(format!(
            "stack `{}` changed since the plan was made (last updated {} → {})",
            saved.stack_name,
            saved.last_updated.as_deref().unwrap_or("never"),
            last_updated.unwrap_or("never")
        ));
    }
    None
}

/// Why the change set CloudFormation describes is not the one the saved
/// plan was made with, if it is not: its ID, its stack (the one that exists
/// under the plan's stack name now, with the ID the plan recorded) and the
/// template it was made from (its name embeds the first 12 hex digits of the
/// template's SHA-256, which must be this project's template) must all match.
/// `stack_id` is the ID of the stack named `saved.stack_name` now, if any.
pub fn binding_mismatch(
    saved: &PlanFileStack,
    cs: &ChangeSet,
    stack_id: Option<&str>,
    sha256: &str,
) -> Option<String> {
    let name = &saved.stack_name;
    let planned = saved.change_set_id.as_deref().unwrap_or_default();
    if cs.id != planned {
        return Some(format!(
            "CloudFormation describes change set `{}`, not the planned `{planned}`",
            cs.id
        ));
    }
    let Some(current) = stack_id else {
        return Some(format!("stack `{name}` does not exist any more"));
    };
    if cs.stack_id != current || (!cs.stack_name.is_empty() && cs.stack_name != *name) {
        return Some(format!(
            "change set `{planned}` belongs to stack `{}`, not to stack `{name}` ({current})",
            if cs.stack_name.is_empty() {
                &cs.stack_id
            } else {
                &cs.stack_name
            }
        ));
    }
    if saved.stack_id.as_deref() != Some(current) {
        return Some(format!(
            "stack `{name}` is now {current}; the plan was made for {}",
            saved.stack_id.as_deref().unwrap_or("no stack")
        ));
    }
    let prefix = format!("blueprint-{}-", &sha256[..12.min(sha256.len())]);
    if !cs.name.starts_with(&prefix) {
        return Some(format!(
            "change set `{}` was not made from this project's template (sha256 {}…)",
            if cs.name.is_empty() {
                planned
            } else {
                &cs.name
            },
            &sha256[..12.min(sha256.len())]
        ));
    }
    if saved.change_set_name.as_deref() != Some(cs.name.as_str()) {
        return Some(format!(
            "change set `{}` is not the planned `{}`",
            cs.name,
            saved.change_set_name.as_deref().unwrap_or("?")
        ));
    }
    None
}
