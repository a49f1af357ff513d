//! An in-memory CloudFormation and S3 for tests of the plan/apply logic. It
//! complements the tests against moto's server; it never replaces them.
//!
//! It is a model of CloudFormation of its own, stricter than moto:
//! - Change sets come from the fake's own view (`changes`), never from
//!   `crate::diff`: a resource only in the new template is an Add, only in the
//!   old one a Remove, in both with other `Type`/`Properties` a Modify whose
//!   replacement is scripted with [`FakeCloud::override_replacement`]
//!   (default `False`), its details naming the changed top-level properties.
//!   Attribute-only edits are not listed.
//! - Stacks are found by name (live ones) or by ARN (deleted ones too).
//! - A resource `AWS::CloudFormation::Stack` is a real nested stack, named
//!   `<parent>-<LogicalId>-<n>`, its template read from the fake object store
//!   by the last segment (the key) of its `TemplateURL` (a string or an
//!   `Fn::Sub`), in any bucket; its `Parameters` are ignored.
//! - With `include_nested`, nested stacks whose template changes get change
//!   sets of their own (`ResourceChange::change_set_id`), unless
//!   [`FakeCloud::without_nested_change_sets`].
//! - The stack policy is enforced during execution (`policy`), and every
//!   execution records the policies in force.
//! - A failure rolls back the stack it happened in and every stack above it,
//!   with CloudFormation's events and reasons; removals happen in the cleanup
//!   phase, after the whole tree succeeded.
//!
//! **Paths.** Scripted replacements and failures name a resource by its
//! path from the root stack: `Table` is the root's resource, and
//! `OrdersService/Table` the resource `Table` in the nested stack of the
//! root's resource `OrdersService` (deeper: `A/B/Table`).
//!
//! Simplifications: physical IDs are `phys-<LogicalId>` (a nested stack's is
//! its ARN) and stay the same across replacements; the rollback of a failed
//! create deletes every resource, retained or not; everything happens
//! synchronously inside `ExecuteChangeSet` and `DeleteStack`.

mod change_sets;
mod changes;
mod drift;
mod execute;
mod policy;
mod state;
#[cfg(test)]
mod tests;

use std::cell::RefCell;

use super::cloudformation::{CloudFormation, Identity, ObjectStore};
use super::error::DeployError;
use super::types::{
    ChangeSet, ChangeSetKind, ChangeSetRequest, Replacement, Stack, StackEvent, StackResource,
    StackStatus, TemplateSource,
};
use crate::cfn::resources::s3;
use crate::cfn::ResourceProperties;
use change_sets::Build;
use changes::{missing_capability, missing_parameters, Params};
use state::{declared, outputs_of, parse, State};

/// The in-memory cloud.
#[derive(Default)]
pub struct FakeCloud {
    state: RefCell<State>,
    /// The account of the credentials (`None`: [`FAKE_ACCOUNT`]).
    account: RefCell<Option<String>>,
}

/// The account the fake's credentials belong to unless told otherwise
/// (moto's server answers GetCallerIdentity with the same).
pub const FAKE_ACCOUNT: &str = "123456789012";

/// A nested stack, as [`FakeCloud::nested_stacks`] lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NestedStack {
    /// The logical ID of its resource in the parent.
    pub logical_id: String,
    pub name: String,
    /// Its ARN.
    pub id: String,
}

/// The stack policies in force at one `ExecuteChangeSet`: the root first,
/// then its nested stacks (by name), parents before children.
pub type PoliciesInForce = Vec<(String, Option<String>)>;

fn api(operation: &'static str, code: &str, message: impl Into<String>) -> DeployError {
    DeployError::Api {
        operation,
        code: code.into(),
        message: message.into(),
    }
}

fn no_stack(operation: &'static str, stack: &str) -> DeployError {
    api(
        operation,
        "ValidationError",
        format!("Stack with id {stack} does not exist"),
    )
}

/// The endpoint [`FakeCloud::termination_protection_unsupported`] pretends to be.
pub const MOTO_ENDPOINT: &str = "http://127.0.0.1:5000";

impl FakeCloud {
    pub fn new() -> Self {
        Self::default()
    }

    /// The credentials belong to `account` from now on.
    pub fn set_account(&self, account: &str) {
        *self.account.borrow_mut() = Some(account.to_string());
    }

    /// Every call made, as `Operation stack` (the stack as passed: a name or
    /// an ARN).
    pub fn calls(&self) -> Vec<String> {
        self.state.borrow().calls.clone()
    }

    /// The next execution fails at the resource `path` (`ApiFunction`, or
    /// `OrdersService/Table` inside a nested stack) with `reason`.
    pub fn fail_next_execute(&self, path: &str, reason: &str) {
        self.state.borrow_mut().fail = Some((path.into(), reason.into()));
    }

    /// Change sets report `replacement` when they modify the resource `path`
    /// (`TodoTable`, `OrdersService/Table`); otherwise `False`.
    pub fn override_replacement(&self, path: &str, replacement: Replacement) {
        self.state
            .borrow_mut()
            .replacement
            .insert(path.into(), replacement);
    }

    /// Change sets stay CREATE_IN_PROGRESS for this many descriptions.
    pub fn slow_change_sets(&self, describes: u32) {
        self.state.borrow_mut().describe_until_settled = describes;
    }

    /// Behave like an endpoint without nested change sets (moto): requests
    /// with `include_nested` get no `change_set_id` on nested stacks.
    pub fn without_nested_change_sets(&self) {
        self.state.borrow_mut().no_nested_change_sets = true;
    }

    /// `set_termination_protection` fails as it does against moto's server,
    /// which lacks UpdateTerminationProtection: moto raises
    /// `NotImplementedError("The update_termination_protection action has not
    /// been implemented")` and answers HTTP 500 with an HTML page, which the
    /// SDK implementation reports as code `HTTP 500` without a message.
    pub fn termination_protection_unsupported(&self) {
        self.state.borrow_mut().no_termination_protection = true;
    }

    /// Puts a root stack into `status` (creating it if needed); with a
    /// template, its resources (`phys-<id>`, CREATE_COMPLETE) and outputs.
    /// Nested-stack resources of such a template have no stack behind them
    /// until [`FakeCloud::set_nested_stack`] puts one there.
    pub fn set_stack(&self, name: &str, status: StackStatus, template: Option<&str>) {
        let mut st = self.state.borrow_mut();
        let arn = match st.find(name) {
            Some(a) => a,
            None => st.new_stack(name, StackStatus::CreateComplete),
        };
        let n = st.tick();
        if let Some(s) = st.stacks.get_mut(&arn) {
            s.status = status;
            s.updated = n;
            if let Some(t) = template {
                let doc = parse(t);
                s.template = Some(t.to_string());
                s.resources = declared(doc.as_ref(), "CREATE_COMPLETE");
                s.outputs = outputs_of(doc.as_ref());
            }
        }
    }

    /// Puts a CREATE_COMPLETE nested stack with `template` under the
    /// resource `logical_id` of the stack `parent` (by name or ARN; made by
    /// [`FakeCloud::set_stack`], say), which then lists the nested stack's
    /// ARN as that resource's physical ID. Returns the ARN.
    pub fn set_nested_stack(&self, parent: &str, logical_id: &str, template: &str) -> String {
        let mut st = self.state.borrow_mut();
        let Some(parent) = st.find(parent) else {
            return String::new();
        };
        let arn = st.new_child(&parent, logical_id);
        let doc = parse(template);
        if let Some(s) = st.stacks.get_mut(&arn) {
            s.status = StackStatus::CreateComplete;
            s.template = Some(template.to_string());
            s.resources = declared(doc.as_ref(), "CREATE_COMPLETE");
            s.outputs = outputs_of(doc.as_ref());
        }
        let listed = st.stacks.get_mut(&parent).map(|p| &mut p.resources);
        for r in listed.into_iter().flatten() {
            if r.logical_id == logical_id {
                r.physical_id = Some(arn.clone());
            }
        }
        arn
    }

    /// Adds a resource status (e.g. a retained resource after a failed create).
    pub fn add_resource(&self, stack: &str, logical_id: &str, status: &str) {
        if let Some(s) = self.state.borrow_mut().get_mut(stack) {
            s.resources.push(StackResource {
                logical_id: logical_id.into(),
                physical_id: Some(format!("phys-{logical_id}")),
                resource_type: s3::Bucket::TYPE.into(),
                status: status.into(),
            });
        }
    }

    /// The stack policy last set on a stack (by name or ARN).
    pub fn policy(&self, stack: &str) -> Option<String> {
        self.state
            .borrow()
            .get(stack)
            .and_then(|s| s.policy.clone())
    }

    /// Whether termination protection is on.
    pub fn termination_protection(&self, stack: &str) -> bool {
        self.state
            .borrow()
            .get(stack)
            .is_some_and(|s| s.termination_protection)
    }

    /// The deployed template of a live stack (by name) or any stack (by ARN).
    pub fn template(&self, stack: &str) -> Option<String> {
        self.template_of(stack)
    }

    /// The deployed template of a stack, by name or ARN.
    pub fn template_of(&self, stack: &str) -> Option<String> {
        let st = self.state.borrow();
        st.get(stack)
            .filter(|s| s.status != StackStatus::DeleteComplete)
            .and_then(|s| s.template.clone())
    }

    /// The status of a stack, by name or ARN (`DELETE_COMPLETE` by ARN only).
    pub fn status(&self, stack: &str) -> Option<StackStatus> {
        self.state.borrow().get(stack).map(|s| s.status.clone())
    }

    /// The ARN of a live stack.
    pub fn stack_id(&self, name: &str) -> Option<String> {
        self.state.borrow().find(name)
    }

    /// The events of a stack, oldest first.
    pub fn events(&self, stack: &str) -> Vec<StackEvent> {
        self.state
            .borrow()
            .get(stack)
            .map(|s| s.events.clone())
            .unwrap_or_default()
    }

    /// The names of the live stacks (root and nested, not REVIEW_IN_PROGRESS
    /// placeholders of nested change sets), sorted.
    pub fn stack_names(&self) -> Vec<String> {
        let st = self.state.borrow();
        let mut names: Vec<String> = st
            .stacks
            .values()
            .filter(|s| s.status != StackStatus::DeleteComplete)
            .filter(|s| s.parent.is_none() || s.status != StackStatus::ReviewInProgress)
            .map(|s| s.name.clone())
            .collect();
        names.sort();
        names
    }

    /// The live nested stacks of a stack (by name or ARN), oldest first.
    pub fn nested_stacks(&self, parent: &str) -> Vec<NestedStack> {
        let st = self.state.borrow();
        let Some(arn) = st.find(parent) else {
            return Vec::new();
        };
        st.children(&arn)
            .iter()
            .filter_map(|c| st.stacks.get(c))
            .filter(|s| s.status != StackStatus::ReviewInProgress)
            .map(|s| NestedStack {
                logical_id: s.logical_id.clone().unwrap_or_default(),
                name: s.name.clone(),
                id: s.id.clone(),
            })
            .collect()
    }

    /// The policies in force at each `ExecuteChangeSet`, in order.
    pub fn policies_at_execute(&self) -> Vec<PoliciesInForce> {
        self.state.borrow().policies_at_execute.clone()
    }

    /// Whether an object exists.
    pub fn has_object(&self, bucket: &str, key: &str) -> bool {
        self.state
            .borrow()
            .objects
            .contains_key(&(bucket.to_string(), key.to_string()))
    }

    /// Stores an object directly (without a recorded call).
    pub fn put_object(&self, bucket: &str, key: &str, body: &str) {
        self.state
            .borrow_mut()
            .objects
            .insert((bucket.into(), key.into()), body.as_bytes().to_vec());
    }
}

impl State {
    /// A live stack's ARN, or the API's error.
    fn live(&self, operation: &'static str, stack: &str) -> Result<String, DeployError> {
        self.find(stack)
            .filter(|a| {
                self.stacks
                    .get(a)
                    .is_some_and(|s| s.status != StackStatus::DeleteComplete)
            })
            .ok_or_else(|| no_stack(operation, stack))
    }

    /// The stack a change set request is for, created REVIEW_IN_PROGRESS for
    /// a CREATE change set.
    fn stack_for(&mut self, req: &ChangeSetRequest) -> Result<String, DeployError> {
        let op = "CreateChangeSet";
        let name = &req.stack_name;
        let existing = self.find(name);
        let status = existing
            .as_ref()
            .and_then(|a| self.stacks.get(a))
            .map(|s| s.status.clone());
        match (req.kind, existing, status) {
            (ChangeSetKind::Create, Some(a), Some(StackStatus::ReviewInProgress)) => Ok(a),
            (ChangeSetKind::Create, Some(_), _) => Err(api(
                op,
                "AlreadyExistsException",
                format!("Stack [{name}] already exists"),
            )),
            (ChangeSetKind::Create, None, _) => {
                Ok(self.new_stack(name, StackStatus::ReviewInProgress))
            }
            (ChangeSetKind::Update, None, _) => Err(api(
                op,
                "ValidationError",
                format!("Stack [{name}] does not exist"),
            )),
            (ChangeSetKind::Update, Some(a), Some(s)) if !updatable(&s) => Err(api(
                op,
                "ValidationError",
                format!("Stack:{a} is in {s} state and can not be updated."),
            )),
            (ChangeSetKind::Update, Some(a), _) => Ok(a),
        }
    }

    /// The policies of the root and its (real) nested stacks.
    fn policies_in_force(&self, root: &str) -> PoliciesInForce {
        self.tree(root)
            .iter()
            .filter_map(|a| self.stacks.get(a))
            .filter(|s| s.parent.is_none() || s.status != StackStatus::ReviewInProgress)
            .map(|s| (s.name.clone(), s.policy.clone()))
            .collect()
    }
}

/// Whether an update can start from this status.
fn updatable(s: &StackStatus) -> bool {
    matches!(
        s,
        StackStatus::CreateComplete
            | StackStatus::UpdateComplete
            | StackStatus::UpdateRollbackComplete
            | StackStatus::ImportComplete
            | StackStatus::ImportRollbackComplete
    )
}

impl Identity for FakeCloud {
    async fn caller_account(&self) -> Result<String, DeployError> {
        self.state
            .borrow_mut()
            .calls
            .push("GetCallerIdentity".into());
        Ok(self
            .account
            .borrow()
            .clone()
            .unwrap_or_else(|| FAKE_ACCOUNT.to_string()))
    }
}

impl CloudFormation for FakeCloud {
    async fn describe_stack(&self, name: &str) -> Result<Option<Stack>, DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("DescribeStacks {name}"));
        Ok(st.get(name).map(|s| Stack {
            name: s.name.clone(),
            id: s.id.clone(),
            status: s.status.clone(),
            status_reason: s.reason.clone(),
            last_updated: Some(format!("t{}", s.updated)),
            outputs: s.outputs.clone(),
            termination_protection: s.termination_protection,
        }))
    }

    async fn get_template(&self, name: &str) -> Result<String, DeployError> {
        let st = self.state.borrow();
        st.get(name)
            .and_then(|s| s.template.clone())
            .ok_or_else(|| no_stack("GetTemplate", name))
    }

    async fn create_change_set(&self, req: &ChangeSetRequest) -> Result<String, DeployError> {
        let op = "CreateChangeSet";
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("CreateChangeSet {}", req.stack_name));
        let body = match &req.template {
            TemplateSource::Body(b) => b.clone(),
            TemplateSource::Url(u) => st.object_at(u).ok_or_else(|| {
                api(op, "ValidationError", format!("S3 error: The specified key does not exist. TemplateURL {u} could not be read."))
            })?,
        };
        let doc = parse(&body).ok_or_else(|| {
            api(
                op,
                "ValidationError",
                "Template format error: not a YAML or JSON mapping",
            )
        })?;
        if let Some(cap) = missing_capability(&doc, &req.capabilities) {
            return Err(api(
                op,
                "InsufficientCapabilitiesException",
                format!("Requires capabilities : [{cap}]"),
            ));
        }
        let parameters: Params = req.parameters.iter().cloned().collect();
        if let Some(reason) = missing_parameters(&doc, &parameters) {
            return Err(api(op, "ValidationError", reason));
        }
        let stack = st.stack_for(req)?;
        Ok(st.build_change_set(Build {
            stack,
            name: req.change_set_name.clone(),
            body,
            kind: req.kind,
            capabilities: req.capabilities.clone(),
            parent: None,
            include_nested: req.include_nested,
            parameters,
            description: Some(req.description.clone()),
        }))
    }

    async fn describe_change_set(&self, stack: &str, id: &str) -> Result<ChangeSet, DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("DescribeChangeSet {stack}"));
        let pending = st.describe_until_settled > 0;
        if pending {
            st.describe_until_settled -= 1;
        }
        let cs = st
            .lookup_change_set(stack, id)
            .map(|c| c.cs)
            .ok_or_else(|| {
                api(
                    "DescribeChangeSet",
                    "ChangeSetNotFound",
                    format!("ChangeSet [{id}] does not exist"),
                )
            })?;
        if pending {
            return Ok(ChangeSet {
                status: "CREATE_IN_PROGRESS".into(),
                execution_status: Some("UNAVAILABLE".into()),
                ..cs
            });
        }
        Ok(cs)
    }

    async fn execute_change_set(&self, stack: &str, id: &str) -> Result<(), DeployError> {
        let op = "ExecuteChangeSet";
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("ExecuteChangeSet {stack}"));
        let cs = st.lookup_change_set(stack, id).ok_or_else(|| {
            api(
                op,
                "ChangeSetNotFound",
                format!("ChangeSet [{id}] does not exist"),
            )
        })?;
        if cs.parent.is_some() {
            return Err(api(
                op,
                "InvalidChangeSetStatus",
                format!("ChangeSet [{id}] is a nested change set: execute its root change set"),
            ));
        }
        if cs.cs.execution_status.as_deref() != Some("AVAILABLE") {
            return Err(api(
                op,
                "InvalidChangeSetStatus",
                format!(
                    "ChangeSet [{id}] cannot be executed in its current status of [{}]",
                    cs.cs.status
                ),
            ));
        }
        let in_force = st.policies_in_force(&cs.stack);
        st.policies_at_execute.push(in_force);
        st.execute(&cs);
        st.drop_change_sets_of_tree(&cs.stack);
        Ok(())
    }

    async fn delete_change_set(&self, stack: &str, id: &str) -> Result<(), DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("DeleteChangeSet {stack}"));
        let cs = st.lookup_change_set(stack, id).ok_or_else(|| {
            api(
                "DeleteChangeSet",
                "ChangeSetNotFound",
                format!("ChangeSet [{id}] does not exist"),
            )
        })?;
        st.drop_change_set(&cs.cs.id);
        Ok(())
    }

    async fn stack_events(
        &self,
        stack: &str,
        after: Option<&str>,
    ) -> Result<Vec<StackEvent>, DeployError> {
        let st = self.state.borrow();
        let s = st.get(stack).ok_or_else(|| {
            api(
                "DescribeStackEvents",
                "ValidationError",
                format!("Stack [{stack}] does not exist"),
            )
        })?;
        Ok(s.events
            .iter()
            .rev()
            .take_while(|e| Some(e.event_id.as_str()) != after)
            .cloned()
            .collect())
    }

    async fn stack_resources(&self, stack: &str) -> Result<Vec<StackResource>, DeployError> {
        let st = self.state.borrow();
        st.get(stack)
            .map(|s| s.resources.clone())
            .ok_or_else(|| no_stack("ListStackResources", stack))
    }

    async fn delete_stack(&self, stack: &str) -> Result<(), DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("DeleteStack {stack}"));
        let Ok(arn) = st.live("DeleteStack", stack) else {
            return Ok(());
        };
        if st
            .stacks
            .get(&arn)
            .is_some_and(|s| s.termination_protection)
        {
            return Err(api(
                "DeleteStack",
                "ValidationError",
                format!("Stack [{stack}] cannot be deleted while TerminationProtection is enabled"),
            ));
        }
        st.delete_tree(&arn, Some("User Initiated"));
        Ok(())
    }

    async fn set_stack_policy(&self, stack: &str, policy_body: &str) -> Result<(), DeployError> {
        let op = "SetStackPolicy";
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("SetStackPolicy {stack}"));
        if !policy::valid(policy_body) {
            return Err(api(
                op,
                "ValidationError",
                "Error validating stack policy: Invalid stack policy",
            ));
        }
        let arn = st.live(op, stack)?;
        if let Some(s) = st.stacks.get_mut(&arn) {
            s.policy = Some(policy_body.to_string());
        }
        Ok(())
    }

    async fn set_termination_protection(&self, stack: &str, on: bool) -> Result<(), DeployError> {
        let op = "UpdateTerminationProtection";
        let mut st = self.state.borrow_mut();
        st.calls
            .push(format!("UpdateTerminationProtection {stack} {on}"));
        if st.no_termination_protection {
            return Err(api(
                op,
                "HTTP 500",
                format!("the endpoint {MOTO_ENDPOINT} answered HTTP 500 without an error message; its own log may say more"),
            ));
        }
        let arn = st.live(op, stack)?;
        let Some(s) = st.stacks.get_mut(&arn) else {
            return Err(no_stack(op, stack));
        };
        if s.parent.is_some() {
            return Err(api(
                op,
                "ValidationError",
                "Termination protection cannot be updated on a nested stack; set it on the root stack",
            ));
        }
        s.termination_protection = on;
        Ok(())
    }
}

impl ObjectStore for FakeCloud {
    async fn exists(&self, bucket: &str, key: &str) -> Result<bool, DeployError> {
        Ok(self.has_object(bucket, key))
    }

    async fn put(&self, bucket: &str, key: &str, body: Vec<u8>) -> Result<(), DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("PutObject {key}"));
        st.objects
            .insert((bucket.to_string(), key.to_string()), body);
        Ok(())
    }

    fn object_url(&self, bucket: &str, key: &str) -> String {
        format!("https://{bucket}.s3.fake/{key}")
    }
}
