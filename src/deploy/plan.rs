//! `plan`: what applying the synthesized templates would change, from two
//! sources that are compared: the offline template diff (with replacement
//! predicted from create-only properties) and a CloudFormation change set.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::apply::{upload_assets, Upload};
use super::cloudformation::{CloudFormation, ObjectStore};
use super::error::{ApplyError, DeployError, StackStateError};
use super::nested::{
    compare_changes, nested_ids, plan_nested, read_nested_change_sets, tree_data_loss, NestedPlan,
};
use super::regions::Regions;
use super::stack_policy::capabilities;
use super::types::{
    ChangeSet, ChangeSetKind, ChangeSetRequest, Stack, StackStatus, TemplateSource,
};
use crate::cfn::Template;
use crate::check::MAX_BODY_INLINE;
use crate::diff::{self, TemplateDiff};
use crate::error::Error;
use crate::output::Printer;
use crate::synthesis::Synthesized;

/// The parameter every blueprint template takes for its assets bucket.
pub const ASSETS_PARAMETER: &str = crate::components::assets::ASSETS_BUCKET;

/// What a stack's plan does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    /// The stack does not exist yet.
    Create,
    Update,
    /// A previous create failed (ROLLBACK_COMPLETE): delete it, then create.
    Recreate,
}

/// The plan of one stack.
#[derive(Clone, Debug, Serialize)]
pub struct StackPlan {
    pub stack_name: String,
    pub region: String,
    pub kind: PlanKind,
    pub diff: TemplateDiff,
    /// The deployed template the diff was made against (updates only), for
    /// the stack policy during apply.
    #[serde(skip)]
    pub deployed: Option<Json>,
    /// What changes inside nested stacks (parents before children).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nested: Vec<NestedPlan>,
    /// The change set, kept for `apply` or already deleted.
    pub change_set: Option<ChangeSet>,
    /// Where the offline prediction and the change set disagree.
    pub disagreements: Vec<String>,
    /// Resources whose data is at risk (by either source): logical IDs in
    /// the stack itself, paths (`OrdersService/Table`) inside nested stacks.
    pub data_loss: Vec<String>,
    pub template_sha256: String,
    /// The deployed stack's last-updated time when the plan was made.
    pub last_updated: Option<String>,
    pub notes: Vec<String>,
    /// Parameters passed to the template.
    pub parameters: Vec<(String, String)>,
    pub no_changes: bool,
}

impl StackPlan {
    /// Adds resources at risk that are not listed yet.
    pub fn add_data_loss(&mut self, ids: impl IntoIterator<Item = String>) {
        for id in ids {
            if !self.data_loss.contains(&id) {
                self.data_loss.push(id);
            }
        }
    }
}

/// The plan of every stack of a project, in deploy order.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub blueprint: String,
    pub stacks: Vec<StackPlan>,
}

/// Exit code of `plan` when nothing changes.
pub const EXIT_NO_CHANGES: i32 = 0;
/// Exit code of `plan` when something changes.
pub const EXIT_CHANGES: i32 = 2;
/// Exit code of `plan` when a change loses data.
pub const EXIT_DATA_LOSS: i32 = 3;

impl Plan {
    pub fn has_changes(&self) -> bool {
        self.stacks.iter().any(|s| !s.no_changes)
    }

    /// `(stack, logical ID)` of every resource whose data is at risk.
    pub fn data_loss(&self) -> Vec<(String, String)> {
        self.stacks
            .iter()
            .flat_map(|s| {
                s.data_loss
                    .iter()
                    .map(|id| (s.stack_name.clone(), id.clone()))
            })
            .collect()
    }

    /// Terraform's `-detailed-exitcode`, with 3 for data loss.
    pub fn exit_code(&self) -> i32 {
        if !self.data_loss().is_empty() {
            EXIT_DATA_LOSS
        } else if self.has_changes() {
            EXIT_CHANGES
        } else {
            EXIT_NO_CHANGES
        }
    }
}

/// How to plan.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// Keep the change sets for a later `apply` (otherwise they are deleted).
    pub keep_change_sets: bool,
    /// The toolkit stack holding the assets bucket.
    pub toolkit_stack: String,
    /// Wait for an operation in progress instead of refusing.
    pub wait: bool,
    /// The change sets made and not yet executed or deleted, for a clean
    /// stop on Ctrl-C.
    pub pending: Pending,
}

/// A change set that exists (or is being created) and was neither executed
/// nor deleted yet.
#[derive(Clone, Debug)]
pub struct PendingChangeSet {
    pub stack: String,
    pub region: String,
    /// Its name (known before CloudFormation answers with its ID).
    pub name: String,
    /// The change set creates the stack: CloudFormation made an empty
    /// REVIEW_IN_PROGRESS stack for it.
    pub creates_stack: bool,
}

/// The change sets in flight, shared with the Ctrl-C handler.
#[derive(Clone, Debug, Default)]
pub struct Pending(std::rc::Rc<std::cell::RefCell<Vec<PendingChangeSet>>>);

impl Pending {
    pub fn add(&self, p: PendingChangeSet) {
        self.0.borrow_mut().push(p);
    }

    /// The stack's change set was executed or deleted.
    pub fn forget(&self, stack: &str) {
        self.0.borrow_mut().retain(|p| p.stack != stack);
    }

    pub fn snapshot(&self) -> Vec<PendingChangeSet> {
        self.0.borrow().clone()
    }

    pub fn take(&self) -> Vec<PendingChangeSet> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

/// Removes what an interrupted plan or apply left: each pending change set,
/// and the empty REVIEW_IN_PROGRESS stack a create change set made. Returns
/// what was done (or what is left and how to remove it), one line each.
pub async fn clean_up<C: CloudFormation>(regions: &Regions<C>, pending: &Pending) -> Vec<String> {
    let mut lines = Vec::new();
    for p in pending.take() {
        let Ok(cf) = regions.get(&p.region) else {
            continue;
        };
        let stack = cf.describe_stack(&p.stack).await;
        let review = matches!(&stack, Ok(Some(s)) if s.status == StackStatus::ReviewInProgress);
        let done = if p.creates_stack && review {
            cf.delete_stack(&p.stack).await.map(|_| {
                format!(
                    "removed the empty stack `{}` (REVIEW_IN_PROGRESS) and its change set",
                    p.stack
                )
            })
        } else if matches!(stack, Ok(None)) {
            Ok(format!("stack `{}`: nothing was left behind", p.stack))
        } else {
            match cf.delete_change_set(&p.stack, &p.name).await {
                Ok(()) => Ok(format!(
                    "deleted change set `{}` of stack `{}`",
                    p.name, p.stack
                )),
                Err(DeployError::Api { code, .. }) if code.contains("ChangeSetNotFound") => Ok(
                    format!("stack `{}`: no change set was left behind", p.stack),
                ),
                Err(e) => Err(e),
            }
        };
        lines.push(match done {
            Ok(line) => line,
            Err(e) => format!(
                "could not clean up stack `{}` ({e}): remove it with `aws cloudformation {}`",
                p.stack,
                if p.creates_stack {
                    format!("delete-stack --stack-name {}", p.stack)
                } else {
                    format!(
                        "delete-change-set --stack-name {} --change-set-name {}",
                        p.stack, p.name
                    )
                }
            ),
        });
    }
    lines
}

pub(crate) fn dx(e: DeployError) -> Error {
    Error::Deploy(e)
}

/// The assets bucket of a region, from the toolkit stack's outputs.
pub async fn assets_bucket<C: CloudFormation>(
    cf: &C,
    toolkit: &str,
    region: &str,
) -> Result<String, Error> {
    let missing = || {
        Error::from(StackStateError::NotBootstrapped {
            region: region.to_string(),
            toolkit: toolkit.to_string(),
        })
    };
    let stack = cf
        .describe_stack(toolkit)
        .await
        .map_err(dx)?
        .filter(|s| s.status != StackStatus::ReviewInProgress)
        .ok_or_else(missing)?;
    if let Some(o) = stack
        .outputs
        .iter()
        .find(|o| o.key == super::toolkit::BUCKET_OUTPUT && !o.value.is_empty())
    {
        return Ok(o.value.clone());
    }
    // Some CloudFormation implementations report no outputs; the bucket's
    // physical ID is its name.
    cf.stack_resources(toolkit)
        .await
        .map_err(dx)?
        .into_iter()
        .find(|r| r.logical_id == super::toolkit::BUCKET_RESOURCE)
        .and_then(|r| r.physical_id)
        .ok_or_else(missing)
}

/// Refuses (or explains) stack states that a change set cannot start from.
pub fn check_state(stack: &Stack) -> Result<(), StackStateError> {
    let name = stack.name.clone();
    let reason = stack.status_reason.clone();
    match &stack.status {
        StackStatus::UpdateRollbackFailed => Err(StackStateError::UpdateRollbackFailed {
            stack: name,
            reason,
        }),
        StackStatus::DeleteFailed => Err(StackStateError::DeleteFailed {
            stack: name,
            reason,
        }),
        StackStatus::RollbackFailed
        | StackStatus::CreateFailed
        | StackStatus::ImportRollbackFailed => Err(StackStateError::CannotUpdate {
            stack: name,
            status: stack.status.clone(),
            reason,
        }),
        s if s.operation_in_progress() => Err(StackStateError::Busy {
            stack: name,
            status: s.clone(),
            can_wait: true,
        }),
        _ => Ok(()),
    }
}

/// Polls until the change set has settled, fast at first.
pub async fn wait_change_set<C: CloudFormation>(
    cf: &C,
    stack: &str,
    id: &str,
) -> Result<ChangeSet, Error> {
    let mut delay = Duration::from_millis(50);
    loop {
        let cs = cf.describe_change_set(stack, id).await.map_err(dx)?;
        if cs.settled() {
            return Ok(cs);
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 3 / 2).min(Duration::from_secs(2));
    }
}

/// With `--wait`: polls a stack with an operation in progress until it ends.
async fn wait_until_settled<C: CloudFormation>(
    cf: &C,
    name: &str,
    mut stack: Option<Stack>,
) -> Result<Option<Stack>, Error> {
    let mut delay = Duration::from_millis(100);
    while stack
        .as_ref()
        .is_some_and(|s| s.status.in_progress() && s.status != StackStatus::ReviewInProgress)
    {
        tokio::time::sleep(delay).await;
        delay = (delay * 3 / 2).min(Duration::from_secs(5));
        stack = cf.describe_stack(name).await.map_err(dx)?;
    }
    Ok(stack)
}

/// Parses a deployed template (YAML or JSON) into a document.
pub fn parse_deployed(stack: &str, body: &str) -> Result<Json, Error> {
    serde_norway::from_str(body).map_err(|e| {
        StackStateError::UnreadableTemplate {
            stack: stack.to_string(),
            detail: e.to_string(),
        }
        .into()
    })
}

/// Everything needed to plan one stack.
pub struct StackInputs<'a> {
    pub stack_name: &'a str,
    pub region: &'a str,
    pub template: Json,
    pub body: &'a str,
    pub sha256: &'a str,
    pub format_ext: &'a str,
    pub parameters: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
    /// Dependencies that are not deployed yet: no change set can be made.
    pub deferred: Option<String>,
    pub assets_bucket: Option<String>,
    /// The typed template, whose nested stacks' templates are planned too.
    pub typed: Option<&'a Template>,
}

/// Plans one stack: diff against the deployed template, then a change set.
pub async fn plan_stack<C: CloudFormation + ObjectStore>(
    cf: &C,
    input: StackInputs<'_>,
    opts: &PlanOptions,
) -> Result<StackPlan, Error> {
    let name = input.stack_name;
    let existing = current_stack(cf, name, opts.wait).await?;
    let kind = match existing.as_ref().map(|s| &s.status) {
        None | Some(StackStatus::ReviewInProgress) => PlanKind::Create,
        Some(StackStatus::RollbackComplete) => PlanKind::Recreate,
        Some(_) => PlanKind::Update,
    };
    let mut plan = offline_plan(cf, &input, kind, existing.as_ref()).await?;
    if kind == PlanKind::Recreate {
        plan.notes.push(
            "the stack's first create failed (ROLLBACK_COMPLETE): apply deletes the empty stack and creates it again, after confirmation".to_string(),
        );
        return Ok(plan);
    }
    if let Some(dep) = &input.deferred {
        plan.notes.push(format!(
            "no change set yet: it takes values from stack `{dep}`, which is not deployed; apply creates it after `{dep}`"
        ));
        return Ok(plan);
    }
    let template = template_source(cf, &input, &mut plan).await?;
    let request = change_set_request(input, kind, template, plan.deployed.as_ref());
    make_change_set(cf, request, plan, opts).await
}

/// The stack as it is (after waiting for an operation in progress, with
/// `--wait`), refused in a state no change set starts from.
async fn current_stack<C: CloudFormation>(
    cf: &C,
    name: &str,
    wait: bool,
) -> Result<Option<Stack>, Error> {
    let mut existing = cf.describe_stack(name).await.map_err(dx)?;
    if wait {
        existing = wait_until_settled(cf, name, existing).await?;
    }
    if let Some(s) = &existing {
        check_state(s)?;
    }
    Ok(existing)
}

/// The plan as far as it goes without a change set: the diff against the
/// deployed template (and inside nested stacks) and the data at risk.
async fn offline_plan<C: CloudFormation + ObjectStore>(
    cf: &C,
    input: &StackInputs<'_>,
    kind: PlanKind,
    existing: Option<&Stack>,
) -> Result<StackPlan, Error> {
    let name = input.stack_name;
    let old = if kind == PlanKind::Update {
        let body = cf.get_template(name).await.map_err(dx)?;
        Some(parse_deployed(name, &body)?)
    } else {
        None
    };
    let diff = diff::compute(old.as_ref(), &input.template);
    let nested = match input.typed {
        Some(t) if kind != PlanKind::Recreate => {
            plan_nested(cf, name, old.as_ref(), t, &diff).await?
        }
        _ => Vec::new(),
    };
    Ok(StackPlan {
        stack_name: name.to_string(),
        region: input.region.to_string(),
        kind,
        data_loss: tree_data_loss(&diff, &nested),
        diff,
        deployed: old,
        nested,
        change_set: None,
        disagreements: Vec::new(),
        template_sha256: input.sha256.to_string(),
        last_updated: existing.and_then(|s| s.last_updated.clone()),
        notes: Vec::new(),
        parameters: input.parameters.clone(),
        no_changes: false,
    })
}

/// The template for the change set: inline, or uploaded to the assets
/// bucket when it is over the inline limit (with a note saying so).
async fn template_source<C: CloudFormation + ObjectStore>(
    cf: &C,
    input: &StackInputs<'_>,
    plan: &mut StackPlan,
) -> Result<TemplateSource, Error> {
    if input.body.len() <= MAX_BODY_INLINE {
        return Ok(TemplateSource::Body(input.body.to_string()));
    }
    let bucket = input
        .assets_bucket
        .clone()
        .ok_or_else(|| Error::Internal("a large template needs the assets bucket".into()))?;
    let key = format!("{}.template.{}", input.sha256, input.format_ext);
    if !cf.exists(&bucket, &key).await.map_err(dx)? {
        cf.put(&bucket, &key, input.body.as_bytes().to_vec())
            .await
            .map_err(dx)?;
    }
    plan.notes.push(format!(
        "the template is {} bytes, over the {MAX_BODY_INLINE}-byte inline limit: it was uploaded to s3://{bucket}/{key} for the change set",
        input.body.len()
    ));
    Ok(TemplateSource::Url(cf.object_url(&bucket, &key)))
}

/// The change set to ask for; its name embeds the template's hash (which
/// binds a saved plan to it) and the time.
fn change_set_request(
    input: StackInputs<'_>,
    kind: PlanKind,
    template: TemplateSource,
    old: Option<&Json>,
) -> ChangeSetRequest {
    let name = input.stack_name;
    ChangeSetRequest {
        stack_name: name.to_string(),
        change_set_name: format!(
            "blueprint-{}-{}",
            &input.sha256[..12.min(input.sha256.len())],
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or_default()
        ),
        kind: if kind == PlanKind::Create {
            ChangeSetKind::Create
        } else {
            ChangeSetKind::Update
        },
        template,
        capabilities: capabilities(&input.template),
        include_nested: input.typed.is_some_and(|t| t.nested().len() > 0)
            || !nested_ids(old).is_empty(),
        parameters: input.parameters,
        tags: input.tags,
        description: format!("blueprint plan of {name}"),
    }
}

/// Makes the change set (recorded as pending until it is kept or deleted),
/// compares it with the offline diff and reads the nested stacks' change
/// sets; an empty one means no changes, a failed one is refused.
async fn make_change_set<C: CloudFormation>(
    cf: &C,
    request: ChangeSetRequest,
    mut plan: StackPlan,
    opts: &PlanOptions,
) -> Result<StackPlan, Error> {
    let name = plan.stack_name.clone();
    let name = name.as_str();
    opts.pending.add(PendingChangeSet {
        stack: name.to_string(),
        region: plan.region.clone(),
        name: request.change_set_name.clone(),
        creates_stack: plan.kind == PlanKind::Create,
    });
    let id = match cf.create_change_set(&request).await {
        Ok(id) => id,
        // Some implementations refuse an empty change set outright instead of
        // creating a FAILED one.
        Err(DeployError::Api { code, message, .. })
            if code == "ValidationError" && message.contains("No updates are to be performed") =>
        {
            opts.pending.forget(name);
            plan.no_changes = true;
            return Ok(plan);
        }
        Err(e) => return Err(dx(e)),
    };
    let cs = wait_change_set(cf, name, &id).await?;
    if cs.is_empty_failure() || cs.status == "FAILED" {
        let _ = cf.delete_change_set(name, &id).await;
        opts.pending.forget(name);
        if cs.is_empty_failure() {
            plan.no_changes = true;
            return Ok(plan);
        }
        return Err(ApplyError::ChangeSetFailed {
            stack: name.to_string(),
            reason: cs.status_reason.clone(),
        }
        .into());
    }
    compare(&mut plan, &cs);
    if let Err(e) =
        read_nested_change_sets(cf, name, &cs, &mut plan.nested, &mut plan.data_loss).await
    {
        let _ = cf.delete_change_set(name, &id).await;
        return Err(e);
    }
    if !opts.keep_change_sets {
        discard(cf, name, &cs, plan.kind).await?;
        opts.pending.forget(name);
    }
    plan.change_set = Some(cs);
    Ok(plan)
}

/// Deletes a change set that will not be executed (and the empty stack a
/// CREATE change set leaves behind).
pub async fn discard<C: CloudFormation>(
    cf: &C,
    stack: &str,
    cs: &ChangeSet,
    kind: PlanKind,
) -> Result<(), Error> {
    cf.delete_change_set(stack, &cs.id).await.map_err(dx)?;
    if kind == PlanKind::Create {
        if let Some(s) = cf.describe_stack(stack).await.map_err(dx)? {
            if s.status == StackStatus::ReviewInProgress {
                cf.delete_stack(stack).await.map_err(dx)?;
            }
        }
    }
    Ok(())
}

/// Compares the change set with the offline diff; records disagreements and
/// adds data loss the change set reveals.
fn compare(plan: &mut StackPlan, cs: &ChangeSet) {
    let mut lost = Vec::new();
    compare_changes(&plan.diff, cs, &mut plan.disagreements, &mut lost);
    plan.add_data_loss(lost);
}

/// What a project uploads to the assets bucket: every function package and
/// every nested stack template, content-addressed.
pub fn uploads_of(synth: &Synthesized) -> Vec<Upload> {
    let packages = synth.expansion.packages.iter().map(|p| Upload {
        key: p.key.clone(),
        body: p.zip.clone(),
    });
    let templates = synth.nested.iter().map(|n| Upload {
        key: n.key.clone(),
        body: n.body.as_bytes().to_vec(),
    });
    packages.chain(templates).collect()
}

/// Uploads the project's assets to the bucket of each region whose stacks
/// use it, once per region, before any change set is made (CloudFormation
/// reads nested templates and function packages while it makes one).
pub async fn upload_for<C: CloudFormation + ObjectStore>(
    regions: &Regions<C>,
    synth: &Synthesized,
    st: &crate::expansion::StackTemplate,
    toolkit: &str,
    done: &mut Vec<String>,
    printer: &mut Printer,
) -> Result<(), Error> {
    let region = st.region.as_str();
    let needs = st
        .template
        .parameters
        .keys()
        .any(|p| p.as_str() == ASSETS_PARAMETER);
    if !needs || done.iter().any(|r| r == region) {
        return Ok(());
    }
    let cf = regions.get(region)?;
    let bucket = assets_bucket(cf, toolkit, region).await?;
    let (sent, present) = upload_assets(cf, &bucket, &uploads_of(synth), printer).await?;
    printer.status(&format!(
        "assets: {sent} uploaded, {present} already in s3://{bucket}"
    ));
    done.push(region.to_string());
    Ok(())
}

/// Plans every stack of `synth`, in order.
pub async fn plan<C: CloudFormation + ObjectStore>(
    regions: &Regions<C>,
    synth: &Synthesized,
    opts: &PlanOptions,
    printer: &mut Printer,
) -> Result<Plan, Error> {
    let mut stacks = Vec::new();
    let mut uploaded = Vec::new();
    for (st, rendered) in synth.expansion.stacks.iter().zip(&synth.templates) {
        upload_for(
            regions,
            synth,
            st,
            &opts.toolkit_stack,
            &mut uploaded,
            printer,
        )
        .await?;
        let inputs = stack_inputs(regions, synth, st, rendered, opts).await?;
        let cf = regions.get(st.region.as_str())?;
        stacks.push(plan_stack(cf, inputs, opts).await?);
    }
    Ok(Plan {
        blueprint: synth.expansion.project.blueprint.to_string(),
        stacks,
    })
}

/// The parameters, tags and template of one stack, resolving the assets
/// bucket and values from earlier stacks.
pub async fn stack_inputs<'a, C: CloudFormation + ObjectStore>(
    regions: &Regions<C>,
    synth: &'a Synthesized,
    st: &'a crate::expansion::StackTemplate,
    rendered: &'a crate::synthesis::Rendered,
    opts: &PlanOptions,
) -> Result<StackInputs<'a>, Error> {
    let region = st.region.as_str();
    let cf = regions.get(region)?;
    let template = st.template.to_json();
    let needs_bucket = st
        .template
        .parameters
        .keys()
        .any(|p| p.as_str() == ASSETS_PARAMETER)
        || rendered.body.len() > MAX_BODY_INLINE;
    let assets_bucket = if needs_bucket {
        Some(assets_bucket(cf, &opts.toolkit_stack, region).await?)
    } else {
        None
    };
    let mut parameters = Vec::new();
    if st
        .template
        .parameters
        .keys()
        .any(|p| p.as_str() == ASSETS_PARAMETER)
    {
        if let Some(b) = &assets_bucket {
            parameters.push((ASSETS_PARAMETER.to_string(), b.clone()));
        }
    }
    let mut deferred = None;
    for input in &st.inputs {
        let from = synth
            .expansion
            .stacks
            .iter()
            .find(|s| s.stack_name == input.from_stack)
            .ok_or_else(|| Error::Internal(format!("unknown stack {}", input.from_stack)))?;
        let other = regions.get(from.region.as_str())?;
        let value = other
            .describe_stack(&input.from_stack)
            .await
            .map_err(dx)?
            .filter(|s| !s.status.in_progress() && !s.status.is_failure())
            .and_then(|s| s.outputs.into_iter().find(|o| o.key == input.output))
            .map(|o| o.value);
        match value {
            Some(v) => parameters.push((input.parameter.clone(), v)),
            None => deferred = Some(input.from_stack.clone()),
        }
    }
    let project = &synth.expansion.project;
    let mut tags: Vec<(String, String)> = project
        .tags
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    tags.push(("blueprint".into(), project.blueprint.to_string()));
    Ok(StackInputs {
        stack_name: &st.stack_name,
        region,
        template,
        body: &rendered.body,
        sha256: &rendered.sha256,
        format_ext: synth.format.extension(),
        parameters,
        tags,
        deferred,
        assets_bucket,
        typed: Some(&st.template),
    })
}
