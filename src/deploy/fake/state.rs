//! The fake's state: stacks keyed by their ARN (found by name or ARN), the
//! change sets, the objects, and what was scripted.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::super::types::{
    Capability, ChangeSet, ChangeSetKind, Replacement, StackEvent, StackOutput, StackResource,
    StackStatus,
};
use super::changes::Params;
use crate::cfn::resources::cloudformation;
use crate::cfn::ResourceProperties;

/// The resource type of a nested stack.
pub(super) const STACK_TYPE: &str = cloudformation::Stack::TYPE;
const ARN_PREFIX: &str = "arn:aws:cloudformation:us-east-1:123456789012";

/// One stack, root or nested.
#[derive(Clone, Debug)]
pub(super) struct FakeStack {
    pub(super) name: String,
    pub(super) id: String,
    /// The parent's ARN, for a nested stack.
    pub(super) parent: Option<String>,
    /// The logical ID of the nested-stack resource in the parent.
    pub(super) logical_id: Option<String>,
    /// The scripting prefix of its resources: "" for a root stack,
    /// `OrdersService/` for the stack of the parent's `OrdersService`.
    pub(super) path: String,
    pub(super) status: StackStatus,
    pub(super) reason: Option<String>,
    pub(super) template: Option<String>,
    pub(super) events: Vec<StackEvent>,
    pub(super) resources: Vec<StackResource>,
    pub(super) outputs: Vec<StackOutput>,
    pub(super) policy: Option<String>,
    pub(super) termination_protection: bool,
    /// The parameter values of its last operation.
    pub(super) parameters: Params,
    pub(super) updated: u64,
    /// When it was created (orders nested stacks).
    pub(super) created: u64,
}

/// A change set with what executing it needs.
#[derive(Clone, Debug)]
pub(super) struct StoredChangeSet {
    pub(super) cs: ChangeSet,
    pub(super) name: String,
    /// The ARN of its stack.
    pub(super) stack: String,
    pub(super) body: String,
    pub(super) kind: ChangeSetKind,
    pub(super) capabilities: Vec<Capability>,
    /// The change set it is nested in.
    pub(super) parent: Option<String>,
    pub(super) parameters: Params,
}

/// Everything the fake knows.
#[derive(Default)]
pub(super) struct State {
    pub(super) stacks: BTreeMap<String, FakeStack>,
    pub(super) change_sets: Vec<StoredChangeSet>,
    pub(super) objects: BTreeMap<(String, String), Vec<u8>>,
    pub(super) next: u64,
    pub(super) calls: Vec<String>,
    pub(super) fail: Option<(String, String)>,
    pub(super) replacement: BTreeMap<String, Replacement>,
    pub(super) describe_until_settled: u32,
    pub(super) no_nested_change_sets: bool,
    pub(super) no_termination_protection: bool,
    pub(super) policies_at_execute: Vec<Vec<(String, Option<String>)>>,
    /// Scripted drift, by resource path (`Table`, `OrdersService/Table`).
    pub(super) drift: BTreeMap<String, crate::deploy::drift::ResourceDrift>,
}

/// Parses a template (YAML or JSON); `None` when it is not one.
pub(super) fn parse(body: &str) -> Option<Json> {
    serde_norway::from_str::<Json>(body)
        .ok()
        .filter(Json::is_object)
}

/// The `Resources` of a template.
pub(super) fn resources(t: Option<&Json>) -> serde_json::Map<String, Json> {
    t.and_then(|t| t.get("Resources"))
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default()
}

/// A resource's `Type`.
pub(super) fn type_of(r: &Json) -> &str {
    r.get("Type").and_then(Json::as_str).unwrap_or("")
}

/// The outputs of a template, with literal values kept and others faked.
pub(super) fn outputs_of(t: Option<&Json>) -> Vec<StackOutput> {
    let outputs = t.and_then(|t| t.get("Outputs")).and_then(Json::as_object);
    outputs
        .into_iter()
        .flatten()
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
}

/// The resources a template declares, all in `status`.
pub(super) fn declared(t: Option<&Json>, status: &str) -> Vec<StackResource> {
    resources(t)
        .iter()
        .map(|(id, r)| StackResource {
            logical_id: id.clone(),
            physical_id: Some(format!("phys-{id}")),
            resource_type: type_of(r).into(),
            status: status.into(),
        })
        .collect()
}

impl State {
    /// A fresh number (IDs, timestamps).
    pub(super) fn tick(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    /// The ARN of the stack named or identified by `name_or_arn`: an ARN
    /// finds deleted stacks too, a name only a live one.
    pub(super) fn find(&self, name_or_arn: &str) -> Option<String> {
        if self.stacks.contains_key(name_or_arn) {
            return Some(name_or_arn.to_string());
        }
        self.stacks
            .values()
            .find(|s| s.name == name_or_arn && s.status != StackStatus::DeleteComplete)
            .map(|s| s.id.clone())
    }

    pub(super) fn get(&self, name_or_arn: &str) -> Option<&FakeStack> {
        self.find(name_or_arn).and_then(|a| self.stacks.get(&a))
    }

    pub(super) fn get_mut(&mut self, name_or_arn: &str) -> Option<&mut FakeStack> {
        let arn = self.find(name_or_arn)?;
        self.stacks.get_mut(&arn)
    }

    /// Live nested stacks of `parent`, oldest first.
    pub(super) fn children(&self, parent: &str) -> Vec<String> {
        let mut kids: Vec<(u64, String)> = self
            .stacks
            .values()
            .filter(|s| s.parent.as_deref() == Some(parent))
            .filter(|s| s.status != StackStatus::DeleteComplete)
            .map(|s| (s.created, s.id.clone()))
            .collect();
        kids.sort();
        kids.into_iter().map(|(_, id)| id).collect()
    }

    /// The live nested stack of `parent`'s resource `logical_id`.
    pub(super) fn child(&self, parent: &str, logical_id: &str) -> Option<String> {
        self.children(parent).into_iter().find(|c| {
            self.stacks
                .get(c)
                .is_some_and(|s| s.logical_id.as_deref() == Some(logical_id))
        })
    }

    /// `root` and every live stack nested in it, parents first.
    pub(super) fn tree(&self, root: &str) -> Vec<String> {
        let mut out = vec![root.to_string()];
        let mut i = 0;
        while i < out.len() {
            let kids = self.children(&out[i]);
            out.extend(kids);
            i += 1;
        }
        out
    }

    /// Creates a stack; returns its ARN.
    pub(super) fn new_stack(&mut self, name: &str, status: StackStatus) -> String {
        let n = self.tick();
        let id = format!("{ARN_PREFIX}:stack/{name}/00000000-0000-4000-8000-{n:012}");
        self.stacks.insert(
            id.clone(),
            FakeStack {
                name: name.into(),
                id: id.clone(),
                parent: None,
                logical_id: None,
                path: String::new(),
                status,
                reason: None,
                template: None,
                events: Vec::new(),
                resources: Vec::new(),
                outputs: Vec::new(),
                policy: None,
                termination_protection: false,
                parameters: Params::new(),
                updated: n,
                created: n,
            },
        );
        id
    }

    /// Creates the nested stack of `parent`'s resource `logical_id`
    /// (REVIEW_IN_PROGRESS until something runs in it).
    pub(super) fn new_child(&mut self, parent: &str, logical_id: &str) -> String {
        let (pname, ppath) = self
            .stacks
            .get(parent)
            .map(|p| (p.name.clone(), p.path.clone()))
            .unwrap_or_default();
        let n = self.next + 1;
        let arn = self.new_stack(
            &format!("{pname}-{logical_id}-{n}"),
            StackStatus::ReviewInProgress,
        );
        if let Some(s) = self.stacks.get_mut(&arn) {
            s.parent = Some(parent.into());
            s.logical_id = Some(logical_id.into());
            s.path = format!("{ppath}{logical_id}/");
        }
        arn
    }

    /// The ID of a new change set.
    pub(super) fn change_set_id(&mut self, name: &str) -> String {
        let n = self.tick();
        format!("{ARN_PREFIX}:changeSet/{name}/00000000-0000-4000-9000-{n:012}")
    }

    /// The body of the object a URL points at, found by its key in any bucket.
    pub(super) fn object_at(&self, url: &str) -> Option<String> {
        let key = url.rsplit('/').next().unwrap_or(url);
        self.objects
            .iter()
            .find(|((_, k), _)| k == key)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }

    /// Records an event of the stack itself.
    pub(super) fn stack_event(&mut self, arn: &str, status: &str, reason: Option<&str>) {
        let name = self
            .stacks
            .get(arn)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        self.event(arn, &name, Some(arn), STACK_TYPE, status, reason);
    }

    /// Records an event of a resource of `arn`.
    pub(super) fn event(
        &mut self,
        arn: &str,
        logical: &str,
        physical: Option<&str>,
        kind: &str,
        status: &str,
        reason: Option<&str>,
    ) {
        let n = self.tick();
        let Some(s) = self.stacks.get_mut(arn) else {
            return;
        };
        s.events.push(StackEvent {
            event_id: format!("event-{n}"),
            stack_name: s.name.clone(),
            logical_id: logical.into(),
            physical_id: physical.map(str::to_string),
            resource_type: kind.into(),
            status: status.into(),
            reason: reason.map(str::to_string),
            timestamp: format!(
                "2026-01-01T{:02}:{:02}:{:02}Z",
                n / 3600 % 24,
                n / 60 % 60,
                n % 60
            ),
        });
    }

    /// The physical ID of a resource of `arn`: a nested stack's ARN, or
    /// what the stack records, or `phys-<id>`.
    pub(super) fn physical(&self, arn: &str, logical_id: &str, kind: &str) -> String {
        if kind == STACK_TYPE {
            if let Some(c) = self.child(arn, logical_id) {
                return c;
            }
        }
        self.stacks
            .get(arn)
            .and_then(|s| s.resources.iter().find(|r| r.logical_id == logical_id))
            .and_then(|r| r.physical_id.clone())
            .unwrap_or_else(|| format!("phys-{logical_id}"))
    }

    /// Puts `status` on the stack.
    pub(super) fn set_status(&mut self, arn: &str, status: StackStatus) {
        if let Some(s) = self.stacks.get_mut(arn) {
            s.status = status;
        }
    }
}
