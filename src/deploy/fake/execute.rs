//! Executing a change set: every stack of the tree (root and nested) goes
//! through CloudFormation's states with events; the stack policy is enforced;
//! a failure rolls back the stack it happened in, then every stack above it,
//! and nothing is changed. Removals wait for the cleanup phase, after the
//! whole tree succeeded.

use serde_json::Value as Json;

use super::super::types::ChangeSetKind;
use super::super::types::{
    Capability, ChangeAction, Replacement, ResourceChange, StackOutput, StackResource, StackStatus,
};
use super::changes::{missing_capability, missing_parameters, nested_parameters, Params};
use super::policy;
use super::state::{declared, outputs_of, parse, resources, State, StoredChangeSet, STACK_TYPE};

/// What one stack is given to run.
struct Run<'a> {
    body: &'a str,
    params: Params,
    create: bool,
}

/// One execution.
struct Exec {
    /// The scripted failure: (path, reason).
    fail: Option<(String, String)>,
    capabilities: Vec<Capability>,
    /// Stacks that succeeded, children before parents.
    pending: Vec<Pending>,
}

/// A stack that succeeded, awaiting cleanup (or a rollback from above).
struct Pending {
    arn: String,
    create: bool,
    old: Snapshot,
    done: Vec<Done>,
    removes: Vec<ResourceChange>,
    replaced: Vec<ResourceChange>,
}

impl Pending {
    fn new(
        arn: &str,
        create: bool,
        old: Snapshot,
        done: Vec<Done>,
        changes: &[ResourceChange],
    ) -> Self {
        let pick =
            |f: fn(&ResourceChange) -> bool| changes.iter().filter(|c| f(c)).cloned().collect();
        Pending {
            arn: arn.to_string(),
            create,
            old,
            done,
            removes: pick(|c| c.action == ChangeAction::Remove),
            replaced: pick(|c| c.replacement == Some(Replacement::True)),
        }
    }
}

/// What a rollback restores.
#[derive(Clone, Default)]
struct Snapshot {
    template: Option<String>,
    parameters: Params,
    resources: Vec<StackResource>,
    outputs: Vec<StackOutput>,
}

/// A change that was made (or failed) and must be undone by a rollback.
struct Done {
    change: ResourceChange,
    /// The nested stack, for a nested-stack resource.
    child: Option<String>,
}

fn verb(action: ChangeAction) -> &'static str {
    if action == ChangeAction::Add {
        "CREATE"
    } else {
        "UPDATE"
    }
}

fn failed_to(create: bool, failed: &[String]) -> String {
    if create {
        format!(
            "The following resource(s) failed to create: [{}]. Rollback requested by user.",
            failed.join(", ")
        )
    } else {
        format!(
            "The following resource(s) failed to update: [{}]. ",
            failed.join(", ")
        )
    }
}

fn embedded(child: &str, create: bool, failed: &[String]) -> String {
    if create {
        format!(
            "Embedded stack {child} was not successfully created: The following resource(s) failed to create: [{}]. ",
            failed.join(", ")
        )
    } else {
        format!(
            "Embedded stack {child} was not successfully updated. Currently in UPDATE_ROLLBACK_IN_PROGRESS with reason: The following resource(s) failed to update: [{}]. ",
            failed.join(", ")
        )
    }
}

/// The stack policy action a change needs, if any.
fn policy_action(c: &ResourceChange) -> Option<&'static str> {
    match (c.action, c.replacement) {
        (ChangeAction::Remove, _) => Some("Update:Delete"),
        (ChangeAction::Modify, Some(Replacement::True | Replacement::Conditional)) => {
            Some("Update:Replace")
        }
        (ChangeAction::Modify, _) => Some("Update:Modify"),
        _ => None,
    }
}

fn retained(template: Option<&Json>, logical_id: &str, attribute: &str) -> bool {
    resources(template)
        .get(logical_id)
        .and_then(|r| r.get(attribute))
        .and_then(Json::as_str)
        .is_some_and(|p| p.starts_with("Retain"))
}

impl State {
    /// Executes a root change set on its stack.
    pub(super) fn execute(&mut self, cs: &StoredChangeSet) {
        let mut cx = Exec {
            fail: self.fail.take(),
            capabilities: cs.capabilities.clone(),
            pending: Vec::new(),
        };
        let create = cs.kind == ChangeSetKind::Create;
        let run = Run {
            body: &cs.body,
            params: cs.parameters.clone(),
            create,
        };
        if self.run_stack(&mut cx, &cs.stack, run, true).is_ok() {
            for p in std::mem::take(&mut cx.pending) {
                self.clean_up(p);
            }
        }
    }

    fn snapshot(&self, arn: &str) -> Snapshot {
        self.stacks
            .get(arn)
            .map(|s| Snapshot {
                template: s.template.clone(),
                parameters: s.parameters.clone(),
                resources: s.resources.clone(),
                outputs: s.outputs.clone(),
            })
            .unwrap_or_default()
    }

    /// Creates or updates one stack; `Err` holds the resources that failed.
    fn run_stack(
        &mut self,
        cx: &mut Exec,
        arn: &str,
        run: Run<'_>,
        root: bool,
    ) -> Result<(), Vec<String>> {
        let (body, create) = (run.body, run.create);
        let old = self.snapshot(arn);
        self.start(arn, create, root, run.params);
        let new = parse(body).unwrap_or(Json::Null);
        let changes = self.changes_for(arn, &new).unwrap_or_default();
        let mut done = Vec::new();
        let checked = if create {
            Ok(())
        } else {
            self.check_policy(arn, &changes)
        };
        match checked.and_then(|()| self.apply_changes(cx, arn, &new, &changes, &mut done)) {
            Ok(()) => {
                self.commit(arn, body, create, &changes);
                cx.pending
                    .push(Pending::new(arn, create, old, done, &changes));
                Ok(())
            }
            Err(failed) => {
                let reason = failed_to(create, &failed);
                self.roll_back(cx, arn, create, old, done, Some(&reason), body);
                Err(failed)
            }
        }
    }

    /// The stack's operation begins.
    fn start(&mut self, arn: &str, create: bool, root: bool, params: Params) {
        let status = if create {
            "CREATE_IN_PROGRESS"
        } else {
            "UPDATE_IN_PROGRESS"
        };
        let n = self.tick();
        if let Some(s) = self.stacks.get_mut(arn) {
            s.updated = n;
            s.reason = None;
            s.parameters = params;
        }
        self.set_status(arn, StackStatus::parse(status));
        self.stack_event(arn, status, root.then_some("User Initiated"));
    }

    /// The first change the stack's policy denies fails the update.
    fn check_policy(&mut self, arn: &str, changes: &[ResourceChange]) -> Result<(), Vec<String>> {
        let Some(p) = self.stacks.get(arn).and_then(|s| s.policy.clone()) else {
            return Ok(());
        };
        for c in changes {
            let Some(action) = policy_action(c) else {
                continue;
            };
            if let Err(reason) = policy::check(&p, action, &c.logical_id, &c.resource_type) {
                let phys = self.physical(arn, &c.logical_id, &c.resource_type);
                let (id, kind) = (&c.logical_id, &c.resource_type);
                self.event(arn, id, Some(&phys), kind, "UPDATE_FAILED", Some(&reason));
                return Err(vec![c.logical_id.clone()]);
            }
        }
        Ok(())
    }

    /// An event of the resource a change is about.
    fn on(
        &mut self,
        arn: &str,
        c: &ResourceChange,
        phys: Option<&str>,
        status: &str,
        why: Option<&str>,
    ) {
        self.event(arn, &c.logical_id, phys, &c.resource_type, status, why);
    }

    /// Creates and updates the resources (removals wait for the cleanup).
    fn apply_changes(
        &mut self,
        cx: &mut Exec,
        arn: &str,
        new: &Json,
        changes: &[ResourceChange],
        done: &mut Vec<Done>,
    ) -> Result<(), Vec<String>> {
        let mut failed: Vec<String> = Vec::new();
        for c in changes.iter().filter(|c| c.action != ChangeAction::Remove) {
            if !failed.is_empty() {
                self.cancel(arn, c);
            } else if !self.apply_change(cx, arn, c, new, done) {
                failed.push(c.logical_id.clone());
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(failed)
        }
    }

    /// A change that never finished because another one failed.
    fn cancel(&mut self, arn: &str, c: &ResourceChange) {
        let known = (c.action != ChangeAction::Add)
            .then(|| self.physical(arn, &c.logical_id, &c.resource_type));
        let (op, what) = match c.action {
            ChangeAction::Add => ("CREATE", "creation"),
            _ => ("UPDATE", "update"),
        };
        let why = format!("Resource {what} cancelled");
        self.on(
            arn,
            c,
            known.as_deref(),
            &format!("{op}_FAILED"),
            Some(&why),
        );
    }

    /// Makes one change, with its events; whether it succeeded.
    fn apply_change(
        &mut self,
        cx: &mut Exec,
        arn: &str,
        c: &ResourceChange,
        new: &Json,
        done: &mut Vec<Done>,
    ) -> bool {
        let op = verb(c.action);
        let known = (c.action != ChangeAction::Add)
            .then(|| self.physical(arn, &c.logical_id, &c.resource_type));
        self.on(arn, c, known.as_deref(), &format!("{op}_IN_PROGRESS"), None);
        let (child, outcome) = self.apply_one(cx, arn, c, new);
        let phys = child.clone().or(known);
        let phys = phys.unwrap_or_else(|| format!("phys-{}", c.logical_id));
        let (status, why) = match &outcome {
            Ok(()) => (format!("{op}_COMPLETE"), None),
            Err(why) => (format!("{op}_FAILED"), Some(why.as_str())),
        };
        self.on(arn, c, Some(&phys), &status, why);
        let change = c.clone();
        done.push(Done { change, child });
        outcome.is_ok()
    }

    /// One resource: the scripted failure, a nested stack, or success.
    fn apply_one(
        &mut self,
        cx: &mut Exec,
        arn: &str,
        c: &ResourceChange,
        new: &Json,
    ) -> (Option<String>, Result<(), String>) {
        let prefix = self
            .stacks
            .get(arn)
            .map(|s| s.path.clone())
            .unwrap_or_default();
        let path = format!("{prefix}{}", c.logical_id);
        if cx.fail.as_ref().is_some_and(|(p, _)| *p == path) {
            if let Some((_, reason)) = cx.fail.take() {
                return (None, Err(reason));
            }
        }
        if c.resource_type == STACK_TYPE {
            return self.run_child(cx, arn, c, new);
        }
        (None, Ok(()))
    }

    /// The template and parameters of a nested stack, or why it cannot be
    /// made.
    fn child_run(
        &self,
        cx: &Exec,
        parent: &str,
        c: &ResourceChange,
        new: &Json,
    ) -> Result<(String, Params), String> {
        let r = resources(Some(new))
            .get(&c.logical_id)
            .cloned()
            .unwrap_or(Json::Null);
        let pp = self
            .stacks
            .get(parent)
            .map(|s| s.parameters.clone())
            .unwrap_or_default();
        let body = self.nested_body(&r, &pp)?;
        let t = parse(&body).ok_or("Template format error: not a YAML or JSON mapping")?;
        if let Some(cap) = missing_capability(&t, &cx.capabilities) {
            return Err(format!("Requires capabilities : [{cap}]"));
        }
        let params = nested_parameters(&r, &pp);
        match missing_parameters(&t, &params) {
            Some(reason) => Err(reason),
            None => Ok((body, params)),
        }
    }

    /// Creates or updates the nested stack of a resource.
    fn run_child(
        &mut self,
        cx: &mut Exec,
        parent: &str,
        c: &ResourceChange,
        new: &Json,
    ) -> (Option<String>, Result<(), String>) {
        let (body, params) = match self.child_run(cx, parent, c, new) {
            Ok(b) => b,
            Err(e) => return (None, Err(e)),
        };
        let child = match self.child(parent, &c.logical_id) {
            Some(a) => a,
            None => self.new_child(parent, &c.logical_id),
        };
        let create = self.stacks.get(&child).is_none_or(|s| s.template.is_none());
        let run = Run {
            body: &body,
            params,
            create,
        };
        let result = self
            .run_stack(cx, &child, run, false)
            .map_err(|failed| embedded(&child, create, &failed));
        (Some(child), result)
    }

    /// Records the new template, resources and outputs of a stack that succeeded.
    fn commit(&mut self, arn: &str, body: &str, create: bool, changes: &[ResourceChange]) {
        let t = parse(body);
        let list = self.committed_resources(arn, t.as_ref(), changes);
        if let Some(s) = self.stacks.get_mut(arn) {
            s.template = Some(body.to_string());
            s.resources = list;
            s.outputs = outputs_of(t.as_ref());
        }
        let (status, event) = if create {
            (StackStatus::CreateComplete, "CREATE_COMPLETE")
        } else {
            let s = StackStatus::UpdateCompleteCleanupInProgress;
            (s, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        };
        self.set_status(arn, status);
        self.stack_event(arn, event, None);
    }

    /// The resources of the new template: added CREATE_COMPLETE, modified
    /// UPDATE_COMPLETE, the others as they were.
    fn committed_resources(
        &self,
        arn: &str,
        t: Option<&Json>,
        changes: &[ResourceChange],
    ) -> Vec<StackResource> {
        let before = self
            .stacks
            .get(arn)
            .map(|s| s.resources.as_slice())
            .unwrap_or_default();
        resources(t)
            .iter()
            .map(|(id, r)| {
                let kind = super::state::type_of(r);
                let change = changes
                    .iter()
                    .find(|c| c.logical_id == *id)
                    .map(|c| c.action);
                let status = match (change, before.iter().find(|x| x.logical_id == *id)) {
                    (Some(ChangeAction::Modify), _) => "UPDATE_COMPLETE".to_string(),
                    (None, Some(b)) => b.status.clone(),
                    _ => "CREATE_COMPLETE".to_string(),
                };
                let physical_id = Some(self.physical(arn, id, kind));
                StackResource {
                    logical_id: id.clone(),
                    physical_id,
                    resource_type: kind.into(),
                    status,
                }
            })
            .collect()
    }

    /// Undoes what was done in a stack, then puts it in its rolled-back state.
    #[allow(clippy::too_many_arguments)]
    fn roll_back(
        &mut self,
        cx: &mut Exec,
        arn: &str,
        create: bool,
        old: Snapshot,
        done: Vec<Done>,
        reason: Option<&str>,
        body: &str,
    ) {
        let status = if create {
            "ROLLBACK_IN_PROGRESS"
        } else {
            "UPDATE_ROLLBACK_IN_PROGRESS"
        };
        self.set_status(arn, StackStatus::parse(status));
        self.stack_event(arn, status, reason);
        for d in done.iter().rev() {
            self.undo(cx, arn, d);
        }
        if create {
            self.rolled_back_create(arn, body, &done, reason);
        } else {
            self.rolled_back_update(arn, old, reason);
        }
    }

    fn rolled_back_create(&mut self, arn: &str, body: &str, done: &[Done], reason: Option<&str>) {
        let mut list = declared(parse(body).as_ref(), "DELETE_COMPLETE");
        for r in &mut list {
            let child = done.iter().find(|d| d.change.logical_id == r.logical_id);
            if let Some(c) = child.and_then(|d| d.child.clone()) {
                r.physical_id = Some(c);
            }
        }
        if let Some(s) = self.stacks.get_mut(arn) {
            s.resources = list;
            s.template = Some(body.to_string());
            s.reason = reason.map(str::to_string);
        }
        self.set_status(arn, StackStatus::RollbackComplete);
        self.stack_event(arn, "ROLLBACK_COMPLETE", None);
    }

    fn rolled_back_update(&mut self, arn: &str, old: Snapshot, reason: Option<&str>) {
        if let Some(s) = self.stacks.get_mut(arn) {
            s.template = old.template;
            s.parameters = old.parameters;
            s.resources = old.resources;
            s.outputs = old.outputs;
            s.reason = reason.map(str::to_string);
        }
        self.stack_event(arn, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", None);
        self.set_status(arn, StackStatus::UpdateRollbackComplete);
        self.stack_event(arn, "UPDATE_ROLLBACK_COMPLETE", None);
    }

    /// Undoes one change of a stack being rolled back.
    fn undo(&mut self, cx: &mut Exec, arn: &str, d: &Done) {
        let (id, kind) = (&d.change.logical_id, &d.change.resource_type);
        let phys = d
            .child
            .clone()
            .unwrap_or_else(|| self.physical(arn, id, kind));
        let add = d.change.action == ChangeAction::Add;
        let op = if add { "DELETE" } else { "UPDATE" };
        self.event(
            arn,
            id,
            Some(&phys),
            kind,
            &format!("{op}_IN_PROGRESS"),
            None,
        );
        match (&d.child, add) {
            (Some(child), true) => self.delete_tree(child, None),
            (Some(child), false) => self.revert(cx, child),
            (None, _) => {}
        }
        self.event(arn, id, Some(&phys), kind, &format!("{op}_COMPLETE"), None);
    }

    /// Rolls back a nested stack that succeeded (one that failed has rolled
    /// itself back already).
    fn revert(&mut self, cx: &mut Exec, child: &str) {
        let Some(i) = cx.pending.iter().position(|p| p.arn == child) else {
            return;
        };
        let p = cx.pending.remove(i);
        if p.create {
            self.delete_tree(child, None);
        } else {
            self.roll_back(cx, child, false, p.old, p.done, None, "");
        }
    }

    /// The cleanup of a stack that was updated: removed and replaced
    /// resources are deleted (or skipped when retained).
    fn clean_up(&mut self, p: Pending) {
        if p.create {
            return;
        }
        let old = p.old.template.as_deref().and_then(parse);
        for c in &p.removes {
            self.remove(
                &p.arn,
                c,
                retained(old.as_ref(), &c.logical_id, "DeletionPolicy"),
            );
        }
        for c in &p.replaced {
            let keep = retained(old.as_ref(), &c.logical_id, "UpdateReplacePolicy");
            let (id, kind) = (&c.logical_id, &c.resource_type);
            let phys = c
                .physical_id
                .clone()
                .unwrap_or_else(|| format!("phys-{id}"));
            self.event(&p.arn, id, Some(&phys), kind, "DELETE_IN_PROGRESS", None);
            let status = if keep {
                "DELETE_SKIPPED"
            } else {
                "DELETE_COMPLETE"
            };
            self.event(&p.arn, id, Some(&phys), kind, status, None);
        }
        self.set_status(&p.arn, StackStatus::UpdateComplete);
        self.stack_event(&p.arn, "UPDATE_COMPLETE", None);
    }

    /// Deletes a removed resource (a nested stack with its stack).
    fn remove(&mut self, arn: &str, c: &ResourceChange, keep: bool) {
        let (id, kind) = (&c.logical_id, &c.resource_type);
        let child = (kind == STACK_TYPE).then(|| self.child(arn, id)).flatten();
        let phys = child
            .clone()
            .or_else(|| c.physical_id.clone())
            .unwrap_or_else(|| format!("phys-{id}"));
        self.event(arn, id, Some(&phys), kind, "DELETE_IN_PROGRESS", None);
        if let Some(child) = child.filter(|_| !keep) {
            self.delete_tree(&child, None);
        }
        let status = if keep {
            "DELETE_SKIPPED"
        } else {
            "DELETE_COMPLETE"
        };
        self.event(arn, id, Some(&phys), kind, status, None);
    }

    /// Deletes a stack and its nested stacks; retained resources (and
    /// retained nested stacks) are skipped.
    pub(super) fn delete_tree(&mut self, arn: &str, reason: Option<&str>) {
        self.set_status(arn, StackStatus::DeleteInProgress);
        self.stack_event(arn, "DELETE_IN_PROGRESS", reason);
        let template = self.template_json(arn);
        let listed = self
            .stacks
            .get(arn)
            .map(|s| s.resources.clone())
            .unwrap_or_default();
        let mut after = Vec::new();
        for r in listed {
            if r.status != "DELETE_COMPLETE" {
                let keep = retained(template.as_ref(), &r.logical_id, "DeletionPolicy");
                let status = self.delete_resource(arn, &r, keep);
                after.push(StackResource {
                    status: status.into(),
                    ..r
                });
            } else {
                after.push(r);
            }
        }
        self.drop_placeholders(arn);
        if let Some(s) = self.stacks.get_mut(arn) {
            s.resources = after;
        }
        self.change_sets.retain(|c| c.stack != arn);
        self.set_status(arn, StackStatus::DeleteComplete);
        self.stack_event(arn, "DELETE_COMPLETE", None);
    }

    /// Removes the REVIEW_IN_PROGRESS nested stacks of `arn` (made for
    /// change sets, never created).
    fn drop_placeholders(&mut self, arn: &str) {
        let placeholders: Vec<String> = self
            .children(arn)
            .into_iter()
            .filter(|c| {
                self.stacks
                    .get(c)
                    .is_some_and(|s| s.status == StackStatus::ReviewInProgress)
            })
            .collect();
        for c in placeholders {
            self.stacks.remove(&c);
        }
    }

    fn delete_resource(&mut self, arn: &str, r: &StackResource, keep: bool) -> &'static str {
        let (id, kind) = (&r.logical_id, &r.resource_type);
        let phys = r.physical_id.clone();
        if keep {
            self.event(arn, id, phys.as_deref(), kind, "DELETE_SKIPPED", None);
            return "DELETE_SKIPPED";
        }
        if *kind == STACK_TYPE {
            if let Some(child) = self.child(arn, id) {
                self.event(arn, id, phys.as_deref(), kind, "DELETE_IN_PROGRESS", None);
                self.delete_tree(&child, None);
            }
        }
        self.event(arn, id, phys.as_deref(), kind, "DELETE_COMPLETE", None);
        "DELETE_COMPLETE"
    }
}
