//! Building change sets (with their nested change sets) and dropping them.

use serde_json::Value as Json;

use super::super::types::{
    Capability, ChangeAction, ChangeSet, ChangeSetKind, ResourceChange, StackStatus,
};
use super::changes::{
    missing_capability, missing_parameters, nested_parameters, resource_changes, substitute,
    template_url, Params, View,
};
use super::state::{parse, resources, State, StoredChangeSet, STACK_TYPE};

/// CloudFormation's reason for a change set that changes nothing.
pub(super) const NO_CHANGES: &str = "The submitted information didn't contain changes. Submit different information to create a change set.";

/// What a change set is made from.
pub(super) struct Build {
    /// The ARN of the stack.
    pub(super) stack: String,
    pub(super) name: String,
    pub(super) body: String,
    pub(super) kind: ChangeSetKind,
    pub(super) capabilities: Vec<Capability>,
    /// The change set this one is nested in.
    pub(super) parent: Option<String>,
    pub(super) include_nested: bool,
    pub(super) parameters: Params,
    pub(super) description: Option<String>,
}

impl Build {
    fn into_stored(self, cs: ChangeSet) -> StoredChangeSet {
        StoredChangeSet {
            cs,
            name: self.name,
            stack: self.stack,
            body: self.body,
            kind: self.kind,
            capabilities: self.capabilities,
            parent: self.parent,
            parameters: self.parameters,
        }
    }
}

/// A change set's status, reason and changes from what was computed.
fn outcome(
    result: Result<Vec<ResourceChange>, String>,
    unchanged: bool,
) -> (&'static str, Option<String>, Vec<ResourceChange>) {
    match result {
        Ok(c) if c.is_empty() && unchanged => ("FAILED", Some(NO_CHANGES.to_string()), c),
        Ok(c) => ("CREATE_COMPLETE", None, c),
        Err(reason) => ("FAILED", Some(reason), Vec::new()),
    }
}

impl State {
    /// Computes and stores a change set (FAILED when CloudFormation would
    /// refuse it); returns its ID.
    pub(super) fn build_change_set(&mut self, b: Build) -> String {
        let id = self.change_set_id(&b.name);
        let result = self.compute(&b, &id);
        let unchanged = self
            .template_json(&b.stack)
            .is_some_and(|t| Some(t) == parse(&b.body));
        let (status, reason, changes) = outcome(result, unchanged);
        let available = if status == "FAILED" {
            "UNAVAILABLE"
        } else {
            "AVAILABLE"
        };
        let stack_name = self
            .stacks
            .get(&b.stack)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        let cs = ChangeSet {
            id: id.clone(),
            name: b.name.clone(),
            stack_id: b.stack.clone(),
            stack_name,
            description: b.description.clone(),
            status: status.into(),
            status_reason: reason,
            execution_status: Some(available.into()),
            changes,
        };
        self.change_sets.push(b.into_stored(cs));
        id
    }

    /// The deployed template of `arn`, parsed.
    pub(super) fn template_json(&self, arn: &str) -> Option<Json> {
        self.stacks
            .get(arn)
            .and_then(|s| s.template.as_deref())
            .and_then(parse)
    }

    fn compute(&mut self, b: &Build, id: &str) -> Result<Vec<ResourceChange>, String> {
        let new = parse(&b.body)
            .ok_or_else(|| "Template format error: not a YAML or JSON mapping".to_string())?;
        if let Some(cap) = missing_capability(&new, &b.capabilities) {
            return Err(format!("Requires capabilities : [{cap}]"));
        }
        if let Some(reason) = missing_parameters(&new, &b.parameters) {
            return Err(reason);
        }
        let mut changes = self.changes_for(&b.stack, &new)?;
        if b.include_nested && !self.no_nested_change_sets {
            self.nested_change_sets(b, id, &new, &mut changes)?;
        }
        Ok(changes)
    }

    /// The fake's own view of what `new` changes in stack `arn`.
    pub(super) fn changes_for(&self, arn: &str, new: &Json) -> Result<Vec<ResourceChange>, String> {
        let old = self.template_json(arn);
        let path = self
            .stacks
            .get(arn)
            .map(|s| s.path.clone())
            .unwrap_or_default();
        let view = View {
            old: old.as_ref(),
            new,
            path: &path,
            replacement: &self.replacement,
        };
        resource_changes(&view, |id, kind| self.physical(arn, id, kind))
    }

    /// Gives each added or modified nested stack whose template differs a
    /// change set of its own.
    fn nested_change_sets(
        &mut self,
        b: &Build,
        id: &str,
        new: &Json,
        changes: &mut [ResourceChange],
    ) -> Result<(), String> {
        let declared = resources(Some(new));
        let nested = changes
            .iter_mut()
            .filter(|c| c.resource_type == STACK_TYPE && c.action != ChangeAction::Remove);
        for c in nested {
            let r = declared.get(&c.logical_id).cloned().unwrap_or(Json::Null);
            c.change_set_id = self.nested_change_set(b, id, &c.logical_id, &r)?;
        }
        Ok(())
    }

    /// The change set of the nested stack of resource `r` (`logical_id`),
    /// `None` when its template does not change.
    fn nested_change_set(
        &mut self,
        b: &Build,
        id: &str,
        logical_id: &str,
        r: &Json,
    ) -> Result<Option<String>, String> {
        let body = self.nested_body(r, &b.parameters)?;
        let child = match self.child(&b.stack, logical_id) {
            Some(a) => a,
            None => self.new_child(&b.stack, logical_id),
        };
        let old = self.template_json(&child);
        if old.is_some() && old == parse(&body) {
            return Ok(None);
        }
        let n = self.next + 1;
        let nested_id = self.build_change_set(Build {
            stack: child,
            name: format!("{}-{logical_id}-{n}", b.name),
            body,
            kind: match old {
                Some(_) => ChangeSetKind::Update,
                None => ChangeSetKind::Create,
            },
            capabilities: b.capabilities.clone(),
            parent: Some(id.to_string()),
            include_nested: true,
            parameters: nested_parameters(r, &b.parameters),
            description: None,
        });
        match self.stored(&nested_id).map(|s| s.cs.status.as_str()) {
            Some("FAILED") => Err(format!(
                "Nested change set {nested_id} was not successfully created: Currently in FAILED."
            )),
            _ => Ok(Some(nested_id)),
        }
    }

    /// The template a nested-stack resource points at.
    pub(super) fn nested_body(&self, r: &Json, params: &Params) -> Result<String, String> {
        let url = template_url(r).ok_or("TemplateURL must be a supported URL.")?;
        let url = substitute(&url, params);
        self.object_at(&url).ok_or_else(|| {
            format!(
                "S3 error: The specified key does not exist. TemplateURL {url} could not be read."
            )
        })
    }

    /// The change set with this ID (or, for a name, of this stack).
    pub(super) fn stored(&self, id: &str) -> Option<&StoredChangeSet> {
        self.change_sets.iter().find(|c| c.cs.id == id)
    }

    /// Finds a change set by ID, or by name within `stack`.
    pub(super) fn lookup_change_set(&self, stack: &str, id: &str) -> Option<StoredChangeSet> {
        if let Some(c) = self.stored(id) {
            return Some(c.clone());
        }
        let arn = self.find(stack)?;
        self.change_sets
            .iter()
            .find(|c| c.name == id && c.stack == arn)
            .cloned()
    }

    /// Deletes a change set and those nested in it; nested stacks that only
    /// existed for them go too.
    pub(super) fn drop_change_set(&mut self, id: &str) {
        let mut doomed = vec![id.to_string()];
        let mut i = 0;
        while i < doomed.len() {
            let kids: Vec<String> = self
                .change_sets
                .iter()
                .filter(|c| c.parent.as_deref() == Some(doomed[i].as_str()))
                .map(|c| c.cs.id.clone())
                .collect();
            doomed.extend(kids);
            i += 1;
        }
        let stacks: Vec<String> = self
            .change_sets
            .iter()
            .filter(|c| doomed.contains(&c.cs.id) && c.parent.is_some())
            .map(|c| c.stack.clone())
            .collect();
        self.change_sets.retain(|c| !doomed.contains(&c.cs.id));
        for s in stacks {
            self.forget_placeholder(&s);
        }
    }

    /// Removes a nested stack that never left REVIEW_IN_PROGRESS and has no
    /// change set left.
    pub(super) fn forget_placeholder(&mut self, arn: &str) {
        let idle = self
            .stacks
            .get(arn)
            .is_some_and(|s| s.parent.is_some() && s.status == StackStatus::ReviewInProgress)
            && !self.change_sets.iter().any(|c| c.stack == arn);
        if idle {
            self.stacks.remove(arn);
        }
    }

    /// After an execution: the change sets of the whole tree go, and so do
    /// nested stacks that were only made for them.
    pub(super) fn drop_change_sets_of_tree(&mut self, root: &str) {
        let tree = self.tree(root);
        self.change_sets.retain(|c| !tree.contains(&c.stack));
        for s in &tree {
            self.forget_placeholder(s);
        }
    }
}
