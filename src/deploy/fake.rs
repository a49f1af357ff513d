//! An in-memory CloudFormation and S3 for tests of the plan/apply logic:
//! stacks move through the real states, change sets are computed from the
//! templates, failures and disagreements can be scripted. It complements the
//! tests against moto's server; it never replaces them.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::cloudformation::{CloudFormation, ObjectStore};
use super::error::DeployError;
use super::types::{
    ChangeAction, ChangeSet, ChangeSetKind, ChangeSetRequest, Replacement, ResourceChange, Stack,
    StackEvent, StackOutput, StackResource, StackStatus, TemplateSource,
};
use crate::diff::{self, Impact};

#[derive(Clone, Debug)]
struct FakeStack {
    id: String,
    status: StackStatus,
    reason: Option<String>,
    template: Option<String>,
    events: Vec<StackEvent>,
    resources: Vec<StackResource>,
    outputs: Vec<StackOutput>,
    policy: Option<String>,
    termination_protection: bool,
    updated: u64,
    change_sets: Vec<(ChangeSet, String, ChangeSetKind)>,
}

#[derive(Default)]
struct State {
    stacks: BTreeMap<String, FakeStack>,
    objects: BTreeMap<(String, String), Vec<u8>>,
    next: u64,
    calls: Vec<String>,
    fail: Option<(String, String)>,
    replacement: BTreeMap<String, Replacement>,
    describe_until_settled: u32,
}

/// The in-memory cloud.
#[derive(Default)]
pub struct FakeCloud {
    state: RefCell<State>,
}

fn api(code: &str, message: impl Into<String>) -> DeployError {
    DeployError::Api {
        operation: "fake",
        code: code.into(),
        message: message.into(),
    }
}

impl FakeCloud {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every call made, as `Operation stack`.
    pub fn calls(&self) -> Vec<String> {
        self.state.borrow().calls.clone()
    }

    /// The next execution fails at `logical_id` with `reason`.
    pub fn fail_next_execute(&self, logical_id: &str, reason: &str) {
        self.state.borrow_mut().fail = Some((logical_id.into(), reason.into()));
    }

    /// Change sets report `replacement` for `logical_id`, whatever the diff says.
    pub fn override_replacement(&self, logical_id: &str, replacement: Replacement) {
        self.state
            .borrow_mut()
            .replacement
            .insert(logical_id.into(), replacement);
    }

    /// Change sets stay CREATE_IN_PROGRESS for this many descriptions.
    pub fn slow_change_sets(&self, describes: u32) {
        self.state.borrow_mut().describe_until_settled = describes;
    }

    /// Puts a stack into `status` (creating it with `template` if needed).
    pub fn set_stack(&self, name: &str, status: StackStatus, template: Option<&str>) {
        let mut st = self.state.borrow_mut();
        st.next += 1;
        let n = st.next;
        let s = st
            .stacks
            .entry(name.to_string())
            .or_insert_with(|| FakeStack {
                id: format!("arn:aws:cloudformation:us-east-1:123456789012:stack/{name}/{n}"),
                status: StackStatus::CreateComplete,
                reason: None,
                template: None,
                events: Vec::new(),
                resources: Vec::new(),
                outputs: Vec::new(),
                policy: None,
                termination_protection: false,
                updated: n,
                change_sets: Vec::new(),
            });
        s.status = status;
        if let Some(t) = template {
            s.template = Some(t.to_string());
            s.resources = resources_of(t, "CREATE_COMPLETE");
            s.outputs = outputs_of(t);
        }
    }

    /// Adds a resource status (e.g. a retained resource after a failed create).
    pub fn add_resource(&self, stack: &str, logical_id: &str, status: &str) {
        if let Some(s) = self.state.borrow_mut().stacks.get_mut(stack) {
            s.resources.push(StackResource {
                logical_id: logical_id.into(),
                physical_id: Some(format!("phys-{logical_id}")),
                resource_type: "AWS::S3::Bucket".into(),
                status: status.into(),
            });
        }
    }

    /// The stack policy last set.
    pub fn policy(&self, stack: &str) -> Option<String> {
        self.state
            .borrow()
            .stacks
            .get(stack)
            .and_then(|s| s.policy.clone())
    }

    /// Whether termination protection is on.
    pub fn termination_protection(&self, stack: &str) -> bool {
        self.state
            .borrow()
            .stacks
            .get(stack)
            .is_some_and(|s| s.termination_protection)
    }

    /// The deployed template.
    pub fn template(&self, stack: &str) -> Option<String> {
        self.state
            .borrow()
            .stacks
            .get(stack)
            .and_then(|s| s.template.clone())
    }

    /// Whether an object exists.
    pub fn has_object(&self, bucket: &str, key: &str) -> bool {
        self.state
            .borrow()
            .objects
            .contains_key(&(bucket.to_string(), key.to_string()))
    }
}

fn parse(body: &str) -> Json {
    serde_norway::from_str(body).unwrap_or(Json::Null)
}

fn resources_of(body: &str, status: &str) -> Vec<StackResource> {
    parse(body)
        .get("Resources")
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .map(|(id, r)| StackResource {
                    logical_id: id.clone(),
                    physical_id: Some(format!("phys-{id}")),
                    resource_type: r.get("Type").and_then(Json::as_str).unwrap_or("").into(),
                    status: status.into(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn outputs_of(body: &str) -> Vec<StackOutput> {
    parse(body)
        .get("Outputs")
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, o)| StackOutput {
                    key: k.clone(),
                    value: match o.get("Value") {
                        Some(Json::String(s)) => s.clone(),
                        _ => format!("fake-{k}"),
                    },
                    description: o
                        .get("Description")
                        .and_then(Json::as_str)
                        .map(str::to_string),
                    export_name: None,
                })
                .collect()
        })
        .unwrap_or_default()
}

impl State {
    fn event(
        &mut self,
        stack: &str,
        logical: &str,
        kind: &str,
        status: &str,
        reason: Option<&str>,
    ) {
        self.next += 1;
        let id = format!("event-{}", self.next);
        if let Some(s) = self.stacks.get_mut(stack) {
            s.events.push(StackEvent {
                event_id: id,
                stack_name: stack.into(),
                logical_id: logical.into(),
                physical_id: Some(format!("phys-{logical}")),
                resource_type: kind.into(),
                status: status.into(),
                reason: reason.map(str::to_string),
                timestamp: format!("2026-01-01T00:00:{:02}Z", self.next % 60),
            });
        }
    }
}

impl CloudFormation for FakeCloud {
    async fn describe_stack(&self, name: &str) -> Result<Option<Stack>, DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("DescribeStacks {name}"));
        Ok(st.stacks.get(name).map(|s| Stack {
            name: name.into(),
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
        st.stacks
            .get(name)
            .and_then(|s| s.template.clone())
            .ok_or_else(|| {
                api(
                    "ValidationError",
                    format!("Stack with id {name} does not exist"),
                )
            })
    }

    async fn create_change_set(&self, req: &ChangeSetRequest) -> Result<String, DeployError> {
        let body = match &req.template {
            TemplateSource::Body(b) => b.clone(),
            TemplateSource::Url(u) => {
                let st = self.state.borrow();
                let found = st
                    .objects
                    .iter()
                    .find(|((b, k), _)| u.contains(b.as_str()) && u.ends_with(k.as_str()))
                    .map(|(_, v)| String::from_utf8_lossy(v).into_owned());
                found.ok_or_else(|| api("ValidationError", format!("no template at {u}")))?
            }
        };
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("CreateChangeSet {}", req.stack_name));
        let exists = st.stacks.get(&req.stack_name).map(|s| s.status.clone());
        match (req.kind, &exists) {
            (ChangeSetKind::Create, Some(s)) if *s != StackStatus::ReviewInProgress => {
                return Err(api(
                    "AlreadyExistsException",
                    format!("Stack [{}] already exists", req.stack_name),
                ));
            }
            (ChangeSetKind::Update, None) => {
                return Err(api(
                    "ValidationError",
                    format!("Stack [{}] does not exist", req.stack_name),
                ));
            }
            _ => {}
        }
        if exists.is_none() {
            drop(st);
            self.set_stack(&req.stack_name, StackStatus::ReviewInProgress, None);
            st = self.state.borrow_mut();
        }
        let old = st
            .stacks
            .get(&req.stack_name)
            .and_then(|s| s.template.clone())
            .map(|t| parse(&t));
        let new = parse(&body);
        let d = diff::compute(old.as_ref(), &new);
        let changes: Vec<ResourceChange> = d
            .resources
            .iter()
            .filter(|r| {
                !r.changes.iter().all(|c| {
                    matches!(
                        c.path.as_str(),
                        "DeletionPolicy" | "UpdateReplacePolicy" | "Metadata" | "DependsOn"
                    )
                }) || r.changes.is_empty()
            })
            .map(|r| ResourceChange {
                action: match r.impact {
                    Impact::Add => ChangeAction::Add,
                    Impact::Remove => ChangeAction::Remove,
                    _ => ChangeAction::Modify,
                },
                logical_id: r.logical_id.clone(),
                physical_id: None,
                resource_type: r.resource_type.clone(),
                replacement: match r.impact {
                    Impact::Add | Impact::Remove => None,
                    Impact::Replace => Some(Replacement::True),
                    Impact::MayReplace => Some(Replacement::Conditional),
                    Impact::Modify => Some(Replacement::False),
                }
                .map(|rep| st.replacement.get(&r.logical_id).copied().unwrap_or(rep)),
                scope: vec!["Properties".into()],
                details: Vec::new(),
            })
            .collect();
        st.next += 1;
        let id = format!(
            "arn:aws:cloudformation:us-east-1:123456789012:changeSet/{}/{}",
            req.change_set_name, st.next
        );
        let empty = changes.is_empty() && old.as_ref() == Some(&new);
        let cs = ChangeSet {
            id: id.clone(),
            stack_id: st.stacks.get(&req.stack_name).map(|s| s.id.clone()).unwrap_or_default(),
            status: if empty { "FAILED".into() } else { "CREATE_COMPLETE".into() },
            status_reason: empty.then(|| "The submitted information didn't contain changes. Submit different information to create a change set.".into()),
            execution_status: Some(if empty { "UNAVAILABLE" } else { "AVAILABLE" }.into()),
            changes,
        };
        if let Some(s) = st.stacks.get_mut(&req.stack_name) {
            s.change_sets.push((cs, body, req.kind));
        }
        Ok(id)
    }

    async fn describe_change_set(&self, stack: &str, id: &str) -> Result<ChangeSet, DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("DescribeChangeSet {stack}"));
        let pending = st.describe_until_settled > 0;
        if pending {
            st.describe_until_settled -= 1;
        }
        let cs = st
            .stacks
            .get(stack)
            .and_then(|s| s.change_sets.iter().find(|(c, _, _)| c.id == id))
            .map(|(c, _, _)| c.clone())
            .ok_or_else(|| {
                api(
                    "ChangeSetNotFound",
                    format!("ChangeSet [{id}] does not exist"),
                )
            })?;
        if pending {
            return Ok(ChangeSet {
                status: "CREATE_IN_PROGRESS".into(),
                ..cs
            });
        }
        Ok(cs)
    }

    async fn execute_change_set(&self, stack: &str, id: &str) -> Result<(), DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("ExecuteChangeSet {stack}"));
        let (cs, body, kind) = st
            .stacks
            .get(stack)
            .and_then(|s| s.change_sets.iter().find(|(c, _, _)| c.id == id).cloned())
            .ok_or_else(|| {
                api(
                    "ChangeSetNotFound",
                    format!("ChangeSet [{id}] does not exist"),
                )
            })?;
        if cs.execution_status.as_deref() != Some("AVAILABLE") {
            return Err(api(
                "InvalidChangeSetStatus",
                "the change set cannot be executed",
            ));
        }
        let create = kind == ChangeSetKind::Create;
        let (verb, stack_kind) = (
            if create { "CREATE" } else { "UPDATE" },
            "AWS::CloudFormation::Stack",
        );
        st.event(
            stack,
            stack,
            stack_kind,
            &format!("{verb}_IN_PROGRESS"),
            Some("User Initiated"),
        );
        let fail = st.fail.take();
        let mut failed = false;
        for c in &cs.changes {
            let action = match c.action {
                ChangeAction::Add => "CREATE",
                ChangeAction::Remove => "DELETE",
                _ => "UPDATE",
            };
            if failed {
                st.event(
                    stack,
                    &c.logical_id,
                    &c.resource_type,
                    &format!("{action}_FAILED"),
                    Some("Resource creation cancelled"),
                );
                continue;
            }
            st.event(
                stack,
                &c.logical_id,
                &c.resource_type,
                &format!("{action}_IN_PROGRESS"),
                None,
            );
            if let Some((lid, reason)) = fail.as_ref().filter(|(lid, _)| *lid == c.logical_id) {
                st.event(
                    stack,
                    lid,
                    &c.resource_type,
                    &format!("{action}_FAILED"),
                    Some(reason),
                );
                failed = true;
            } else {
                st.event(
                    stack,
                    &c.logical_id,
                    &c.resource_type,
                    &format!("{action}_COMPLETE"),
                    None,
                );
            }
        }
        let final_status = match (create, failed) {
            (true, false) => StackStatus::CreateComplete,
            (true, true) => StackStatus::RollbackComplete,
            (false, false) => StackStatus::UpdateComplete,
            (false, true) => StackStatus::UpdateRollbackComplete,
        };
        st.event(stack, stack, stack_kind, final_status.as_str(), None);
        st.next += 1;
        let n = st.next;
        if let Some(s) = st.stacks.get_mut(stack) {
            s.status = final_status;
            s.updated = n;
            s.change_sets.clear();
            if !failed {
                s.resources = resources_of(&body, "CREATE_COMPLETE");
                s.outputs = outputs_of(&body);
                s.template = Some(body);
            } else if create {
                s.resources = resources_of(&body, "DELETE_COMPLETE");
                s.reason = Some("The following resource(s) failed to create".into());
            }
        }
        Ok(())
    }

    async fn delete_change_set(&self, stack: &str, id: &str) -> Result<(), DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("DeleteChangeSet {stack}"));
        if let Some(s) = st.stacks.get_mut(stack) {
            s.change_sets.retain(|(c, _, _)| c.id != id);
        }
        Ok(())
    }

    async fn stack_events(
        &self,
        stack: &str,
        after: Option<&str>,
    ) -> Result<Vec<StackEvent>, DeployError> {
        let st = self.state.borrow();
        let s = st
            .stacks
            .get(stack)
            .ok_or_else(|| api("ValidationError", format!("Stack [{stack}] does not exist")))?;
        let mut out = Vec::new();
        for e in s.events.iter().rev() {
            if Some(e.event_id.as_str()) == after {
                break;
            }
            out.push(e.clone());
        }
        Ok(out)
    }

    async fn stack_resources(&self, stack: &str) -> Result<Vec<StackResource>, DeployError> {
        let st = self.state.borrow();
        Ok(st
            .stacks
            .get(stack)
            .map(|s| s.resources.clone())
            .unwrap_or_default())
    }

    async fn delete_stack(&self, stack: &str) -> Result<(), DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("DeleteStack {stack}"));
        let Some(s) = st.stacks.get(stack).cloned() else {
            return Ok(());
        };
        if s.termination_protection {
            return Err(api(
                "ValidationError",
                format!("Stack [{stack}] cannot be deleted while TerminationProtection is enabled"),
            ));
        }
        let retained: Vec<String> = s
            .template
            .as_deref()
            .map(parse)
            .and_then(|t| t.get("Resources").and_then(Json::as_object).cloned())
            .map(|m| {
                m.iter()
                    .filter(|(_, r)| {
                        r.get("DeletionPolicy").and_then(Json::as_str) == Some("Retain")
                    })
                    .map(|(id, _)| id.clone())
                    .collect()
            })
            .unwrap_or_default();
        st.event(
            stack,
            stack,
            "AWS::CloudFormation::Stack",
            "DELETE_IN_PROGRESS",
            Some("User Initiated"),
        );
        for r in &s.resources {
            let status = if retained.contains(&r.logical_id) {
                "DELETE_SKIPPED"
            } else {
                "DELETE_COMPLETE"
            };
            st.event(stack, &r.logical_id, &r.resource_type, status, None);
        }
        st.event(
            stack,
            stack,
            "AWS::CloudFormation::Stack",
            "DELETE_COMPLETE",
            None,
        );
        st.stacks.remove(stack);
        Ok(())
    }

    async fn set_stack_policy(&self, stack: &str, policy: &str) -> Result<(), DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("SetStackPolicy {stack}"));
        if let Some(s) = st.stacks.get_mut(stack) {
            s.policy = Some(policy.to_string());
        }
        Ok(())
    }

    async fn set_termination_protection(&self, stack: &str, on: bool) -> Result<(), DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls
            .push(format!("UpdateTerminationProtection {stack} {on}"));
        if let Some(s) = st.stacks.get_mut(stack) {
            s.termination_protection = on;
        }
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
