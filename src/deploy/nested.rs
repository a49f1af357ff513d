//! Nested stacks: what a plan does inside each one, the data at risk anywhere
//! in the stack tree, and the stack policies that protect it.
//!
//! A nested stack is addressed by its *path*: the logical IDs of the nested
//! stack resources from the root stack down to it (`OrdersService`,
//! `Overflow1/Svc0425Service`); a resource inside it by the path and its own
//! logical ID (`OrdersService/Table`). `--allow-data-loss` takes these paths.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value as Json};

use super::cloudformation::CloudFormation;
use super::plan::{dx, parse_deployed, wait_change_set};
use super::types::{ChangeAction, ChangeSet, Replacement};
use crate::cfn::resources::cloudformation;
use crate::cfn::{ResourceProperties, Template};
use crate::diff::{self, is_stateful, Impact, TemplateDiff};
use crate::error::Error;

/// The resource type of a nested stack.
pub const STACK_TYPE: &str = cloudformation::Stack::TYPE;

/// What happens to a nested stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NestedAction {
    Create,
    Update,
    /// Removed from its parent: CloudFormation deletes it and what it holds
    /// (resources with `DeletionPolicy: Retain` are kept, orphaned).
    Remove,
}

/// The plan of one nested stack.
#[derive(Clone, Debug, Serialize)]
pub struct NestedPlan {
    /// Nested stack logical IDs from the root down to this stack.
    pub path: String,
    pub action: NestedAction,
    /// The deployed nested stack (its ARN), when there is one.
    pub physical_id: Option<String>,
    /// The template diff inside this stack; logical IDs are its own.
    pub diff: TemplateDiff,
    /// This stack's own change set, when CloudFormation made one.
    pub change_set: Option<ChangeSet>,
    /// Where the template diff and the nested change set disagree.
    pub disagreements: Vec<String>,
    pub notes: Vec<String>,
    /// The deployed template, for the stack policy during apply.
    #[serde(skip)]
    pub deployed: Option<Json>,
    /// The new template (`None` when the stack is removed).
    #[serde(skip)]
    pub template: Option<Json>,
}

impl NestedPlan {
    /// `path/id`: a resource of this nested stack, as the user names it.
    pub fn resource_path(&self, id: &str) -> String {
        format!("{}/{id}", self.path)
    }
}

/// Joins a parent path and a logical ID (`""` is the root stack).
pub fn join(prefix: &str, id: &str) -> String {
    if prefix.is_empty() {
        id.to_string()
    } else {
        format!("{prefix}/{id}")
    }
}

/// The nested stack resources of a template document, by logical ID.
pub(crate) fn nested_ids(doc: Option<&Json>) -> Vec<String> {
    doc.and_then(|d| d.get("Resources"))
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .filter(|(_, r)| r.get("Type").and_then(Json::as_str) == Some(STACK_TYPE))
                .map(|(id, _)| id.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// The physical IDs of `parent`'s nested stacks, by logical ID.
pub async fn nested_physical_ids<C: CloudFormation>(
    cf: &C,
    parent: &str,
) -> Result<BTreeMap<String, String>, Error> {
    Ok(cf
        .stack_resources(parent)
        .await
        .map_err(dx)?
        .into_iter()
        .filter(|r| r.resource_type == STACK_TYPE && r.status != "DELETE_COMPLETE")
        .filter_map(|r| Some((r.logical_id, r.physical_id.filter(|p| !p.is_empty())?)))
        .collect())
}

/// One nested stack still to be looked at.
struct Visit<'t> {
    /// The parent's physical ID (or name), when it is deployed.
    parent: Option<String>,
    prefix: String,
    /// The parent's deployed template and its new one.
    old: Option<Json>,
    new: Option<&'t Template>,
}

fn empty_template() -> Json {
    json!({ "Resources": {} })
}

/// Plans every nested stack under a stack: the deployed child template
/// (GetTemplate on its physical ID) against the new one, for each nested
/// stack the parent's diff adds, changes or removes; depth first, parents
/// before children. `root_diff` is the stack's own template diff; `old_root`
/// its deployed template.
pub async fn plan_nested<C: CloudFormation>(
    cf: &C,
    stack: &str,
    old_root: Option<&Json>,
    new_root: &Template,
    root_diff: &TemplateDiff,
) -> Result<Vec<NestedPlan>, Error> {
    let mut out = Vec::new();
    let mut todo = vec![(
        Visit {
            parent: old_root.map(|_| stack.to_string()),
            prefix: String::new(),
            old: old_root.cloned(),
            new: Some(new_root),
        },
        root_diff.clone(),
    )];
    while let Some((visit, parent_diff)) = todo.pop() {
        let physical = match &visit.parent {
            Some(p) if !nested_ids(visit.old.as_ref()).is_empty() => {
                nested_physical_ids(cf, p).await?
            }
            _ => BTreeMap::new(),
        };
        let mut children = Vec::new();
        // Only nested stacks whose resource changes: an unchanged resource
        // has the same content-addressed TemplateURL and parameters.
        for r in &parent_diff.resources {
            if r.resource_type != STACK_TYPE {
                continue;
            }
            let id = r.logical_id.as_str();
            let path = join(&visit.prefix, id);
            let new_child = visit.new.and_then(|t| t.nested_template(id));
            let physical_id = physical.get(id).cloned();
            let old_child = match (&physical_id, r.impact) {
                (Some(p), impact) if impact != Impact::Add => {
                    Some(parse_deployed(p, &cf.get_template(p).await.map_err(dx)?)?)
                }
                _ => None,
            };
            let new_json = new_child.map(Template::to_json);
            let action = match (&old_child, &new_json) {
                (None, _) => NestedAction::Create,
                (Some(_), None) => NestedAction::Remove,
                (Some(_), Some(_)) => NestedAction::Update,
            };
            let mut diff = diff::compute(
                old_child.as_ref(),
                new_json.as_ref().unwrap_or(&empty_template()),
            );
            if action == NestedAction::Remove {
                // Its resources go; its sections and outputs go with them.
                diff.sections.clear();
                diff.outputs.clear();
            }
            let mut notes = Vec::new();
            if r.impact != Impact::Add && physical_id.is_none() {
                notes.push(format!(
                    "nested stack `{path}` is in the deployed template but CloudFormation lists no stack for it"
                ));
            }
            children.push((
                NestedPlan {
                    path: path.clone(),
                    action,
                    physical_id: physical_id.clone(),
                    diff: diff.clone(),
                    change_set: None,
                    disagreements: Vec::new(),
                    notes,
                    deployed: old_child.clone(),
                    template: new_json,
                },
                Visit {
                    parent: physical_id,
                    prefix: path,
                    old: old_child,
                    new: new_child,
                },
                diff,
            ));
        }
        for (plan, visit, diff) in children {
            out.push(plan);
            todo.push((visit, diff));
        }
    }
    // Parents before children, siblings by name: the same order every time.
    out.sort_by(|a, b| a.path.split('/').cmp(b.path.split('/')));
    Ok(out)
}

/// A deployed nested stack, found by walking the stack tree.
#[derive(Clone, Debug, Serialize)]
pub struct DeployedNested {
    /// Nested stack logical IDs from the root down to this stack.
    pub path: String,
    pub physical_id: String,
    /// The nested stack resource's status in its parent (it follows the
    /// nested stack's own state).
    pub status: String,
    pub resources: Vec<super::types::StackResource>,
    /// The deployed template, when asked for.
    #[serde(skip)]
    pub template: Option<Json>,
}

/// Every nested stack under `root`, parents before children, with their
/// resources (and templates when `templates` is set).
pub async fn deployed_tree<C: CloudFormation>(
    cf: &C,
    root: &str,
    templates: bool,
) -> Result<Vec<DeployedNested>, Error> {
    use futures_util::stream::{self, StreamExt, TryStreamExt};
    let mut out: Vec<DeployedNested> = Vec::new();
    let mut level = nested_of(String::new(), &cf.stack_resources(root).await.map_err(dx)?);
    // Level by level, a few requests in flight: a project of a thousand
    // services has a thousand nested stacks.
    while !level.is_empty() {
        let found: Vec<DeployedNested> = stream::iter(level)
            .map(|(path, physical, status)| async move {
                let resources = cf.stack_resources(&physical).await.map_err(dx)?;
                let template = match templates {
                    true => {
                        let body = cf.get_template(&physical).await.map_err(dx)?;
                        Some(parse_deployed(&physical, &body)?)
                    }
                    false => None,
                };
                Ok::<_, Error>(DeployedNested {
                    path,
                    physical_id: physical,
                    status,
                    resources,
                    template,
                })
            })
            .buffered(IN_FLIGHT)
            .try_collect()
            .await?;
        level = found
            .iter()
            .flat_map(|n| nested_of(n.path.clone(), &n.resources))
            .collect();
        out.extend(found);
    }
    out.sort_by(|a, b| a.path.split('/').cmp(b.path.split('/')));
    Ok(out)
}

/// The outputs of each nested stack, by path.
pub async fn nested_outputs<C: CloudFormation>(
    cf: &C,
    nested: &[DeployedNested],
) -> Result<Vec<(String, Vec<super::types::StackOutput>)>, Error> {
    use futures_util::stream::{self, StreamExt, TryStreamExt};
    stream::iter(nested)
        .map(|n| async move {
            let stack = cf.describe_stack(&n.physical_id).await.map_err(dx)?;
            Ok::<_, Error>((n.path.clone(), stack.map(|s| s.outputs).unwrap_or_default()))
        })
        .buffered(IN_FLIGHT)
        .try_collect()
        .await
}

/// Requests in flight at once when walking the stack tree (CloudFormation's
/// read APIs are throttled per account; the SDK retries what is throttled).
const IN_FLIGHT: usize = 8;

/// The live nested stacks among `resources`: (path, physical ID, status).
fn nested_of(
    prefix: String,
    resources: &[super::types::StackResource],
) -> Vec<(String, String, String)> {
    resources
        .iter()
        .filter(|r| r.resource_type == STACK_TYPE && r.status != "DELETE_COMPLETE")
        .filter_map(|r| {
            let physical = r.physical_id.clone().filter(|p| !p.is_empty())?;
            Some((join(&prefix, &r.logical_id), physical, r.status.clone()))
        })
        .collect()
}

/// The logical IDs of a deployed template's resources.
async fn deployed_ids<C: CloudFormation>(
    cf: &C,
    physical: &str,
) -> Result<std::collections::BTreeSet<String>, Error> {
    let doc = parse_deployed(physical, &cf.get_template(physical).await.map_err(dx)?)?;
    Ok(doc
        .get("Resources")
        .and_then(Json::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default())
}

/// Where the units of a split-capable template are deployed now: for the
/// template at `path` (a stack name, or a stack name and nested stack
/// logical IDs) deployed as `physical`, each unit of `units` (unit → its
/// logical IDs) found in the template itself or in one of its deployed
/// overflow stacks. Units not deployed are left out.
pub async fn deployed_homes<C: CloudFormation>(
    cf: &C,
    physical: &str,
    units: &BTreeMap<String, Vec<String>>,
) -> Result<crate::placement::Units, Error> {
    use crate::placement::Home;
    use crate::split::OVERFLOW_PREFIX;
    let mut places: Vec<(Home, std::collections::BTreeSet<String>)> = Vec::new();
    places.push((Home::Root, deployed_ids(cf, physical).await?));
    for (id, child) in nested_physical_ids(cf, physical).await? {
        let Some(Ok(home)) = id.strip_prefix(OVERFLOW_PREFIX).map(|_| Home::parse(&id)) else {
            continue;
        };
        places.push((home, deployed_ids(cf, &child).await?));
    }
    let mut homes = crate::placement::Units::new();
    for (unit, ids) in units {
        let found = places
            .iter()
            .find(|(_, have)| ids.iter().any(|i| have.contains(i)));
        if let Some((home, _)) = found {
            homes.insert(unit.clone(), *home);
        }
    }
    Ok(homes)
}

/// Every stateful resource a stack's own diff and its nested plans put at
/// risk: logical IDs in the stack, paths inside nested stacks.
pub fn tree_data_loss(diff: &TemplateDiff, nested: &[NestedPlan]) -> Vec<String> {
    let mut loss: Vec<String> = diff.data_loss().into_iter().map(str::to_string).collect();
    loss.extend(nested_data_loss(nested));
    loss
}

/// Every stateful resource a nested plan puts at risk, by path.
pub fn nested_data_loss(plans: &[NestedPlan]) -> Vec<String> {
    plans
        .iter()
        .flat_map(|p| p.diff.data_loss().into_iter().map(|id| p.resource_path(id)))
        .collect()
}

/// Reads the nested change sets of `root` (made with nested stacks included)
/// and compares each with its nested plan: disagreements are recorded and
/// data loss that only the change set reveals is added to `data_loss`.
/// Where the endpoint made no nested change set, the plan says so.
pub async fn read_nested_change_sets<C: CloudFormation>(
    cf: &C,
    stack: &str,
    root: &ChangeSet,
    plans: &mut [NestedPlan],
    data_loss: &mut Vec<String>,
) -> Result<(), Error> {
    let mut sets: BTreeMap<String, ChangeSet> = BTreeMap::new();
    sets.insert(String::new(), root.clone());
    for plan in plans.iter_mut() {
        let path = plan.path.clone();
        let (prefix, id) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
        let Some(parent_set) = sets.get(prefix) else {
            plan.notes.push(
                "no change set for its parent stack: shown from the template diff only".into(),
            );
            continue;
        };
        let Some(change) = parent_set.changes.iter().find(|c| c.logical_id == id) else {
            if !plan.diff.is_empty() {
                plan.disagreements.push(format!(
                    "the template diff changes nested stack `{path}`, its parent's change set does not list it"
                ));
            }
            continue;
        };
        let Some(cs_id) = change.change_set_id.clone() else {
            if plan.action != NestedAction::Remove {
                plan.notes.push(
                    "CloudFormation made no nested change set for it (the endpoint does not support them): shown from the template diff only".into(),
                );
            }
            continue;
        };
        let owner = plan
            .physical_id
            .clone()
            .unwrap_or_else(|| stack.to_string());
        let cs = wait_change_set(cf, &owner, &cs_id).await?;
        let mut lost = Vec::new();
        compare_changes(&plan.diff, &cs, &mut plan.disagreements, &mut lost);
        for id in lost {
            let p = plan.resource_path(&id);
            if !data_loss.contains(&p) {
                data_loss.push(p);
            }
        }
        sets.insert(path.clone(), cs.clone());
        plan.change_set = Some(cs);
    }
    Ok(())
}

/// Compares a change set with the template diff of the same stack: records
/// disagreements, and collects the stateful resources the change set
/// replaces or removes (`lost`).
pub fn compare_changes(
    diff: &TemplateDiff,
    cs: &ChangeSet,
    disagreements: &mut Vec<String>,
    lost: &mut Vec<String>,
) {
    for c in &cs.changes {
        let ours = diff.resources.iter().find(|r| r.logical_id == c.logical_id);
        let id = &c.logical_id;
        match (c.action, ours.map(|r| r.impact)) {
            (ChangeAction::Add, Some(Impact::Add))
            | (ChangeAction::Remove, Some(Impact::Remove)) => {}
            // CloudFormation lists a nested stack it cannot see into as
            // modified even when its template and parameters are the same;
            // its nested change set (read separately) says what happens.
            (ChangeAction::Modify, None) if c.resource_type == STACK_TYPE => {}
            (ChangeAction::Modify, Some(impact))
                if impact != Impact::Add && impact != Impact::Remove =>
            {
                let predicted = matches!(impact, Impact::Replace | Impact::MayReplace);
                let says = c.replacement.unwrap_or(Replacement::False);
                match (predicted, says) {
                    (true, Replacement::False) => disagreements.push(format!(
                        "{id}: predicted a replacement, the change set updates it in place"
                    )),
                    (false, Replacement::True | Replacement::Conditional) => {
                        disagreements.push(format!(
                        "{id}: predicted an update in place, the change set says replacement {}",
                        if says == Replacement::True {
                            "(True)"
                        } else {
                            "(Conditional)"
                        }
                    ))
                    }
                    _ => {}
                }
            }
            (action, impact) => disagreements.push(format!(
                "{id}: the change set says {action:?}, the template diff says {}",
                impact
                    .map(|i| format!("{i:?}"))
                    .unwrap_or_else(|| "no change".into())
            )),
        }
        let replaced = c.action == ChangeAction::Modify
            && matches!(
                c.replacement,
                Some(Replacement::True | Replacement::Conditional)
            );
        if (replaced || c.action == ChangeAction::Remove)
            && is_stateful(&c.resource_type)
            && !lost.contains(id)
        {
            lost.push(id.clone());
        }
    }
    for r in &diff.resources {
        let in_cs = cs.changes.iter().any(|c| c.logical_id == r.logical_id);
        // Metadata-only and DeletionPolicy-only edits are not resource changes
        // in a change set.
        let only_attributes = r.changes.iter().all(|c| {
            matches!(
                c.path.as_str(),
                "DeletionPolicy" | "UpdateReplacePolicy" | "Metadata" | "DependsOn"
            )
        });
        if !in_cs && (r.impact != Impact::Modify || !only_attributes) {
            disagreements.push(format!(
                "{}: the template diff says {:?}, the change set does not list it",
                r.logical_id, r.impact
            ));
        }
    }
}

/// Whether `allowed` (what the user passed to `--allow-data-loss`) names the
/// resource at `path` of stack `stack`: the path itself, or `stack/path`.
pub fn is_allowed(allowed: &[String], stack: &str, path: &str) -> bool {
    allowed
        .iter()
        .any(|a| a == path || a.strip_prefix(stack).and_then(|r| r.strip_prefix('/')) == Some(path))
}

/// The stateful resources of a template document, and its nested stacks
/// (which hold resources of their own), by logical ID.
fn protectable(doc: &Json) -> Vec<(String, bool)> {
    doc.get("Resources")
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(id, r)| {
                    let kind = r.get("Type").and_then(Json::as_str)?;
                    if is_stateful(kind) {
                        Some((id.clone(), false))
                    } else if kind == STACK_TYPE {
                        Some((id.clone(), true))
                    } else {
                        None
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The logical IDs a stack policy must protect in the stack at `prefix`
/// while a plan is applied: every stateful resource and every nested stack,
/// deployed or new, except those whose loss the user accepted. A nested
/// stack is exempt only when the plan removes it and every resource at risk
/// inside it is accepted.
pub fn protected_ids(
    prefix: &str,
    docs: &[&Json],
    stack: &str,
    data_loss: &[String],
    removed_nested: &[String],
    allowed: &[String],
) -> Vec<String> {
    let mut ids: Vec<(String, bool)> = docs.iter().flat_map(|d| protectable(d)).collect();
    ids.sort();
    ids.dedup();
    ids.into_iter()
        .filter(|(id, nested)| {
            let path = join(prefix, id);
            if *nested {
                let inside = format!("{path}/");
                let removed = removed_nested.contains(&path);
                let all_accepted = data_loss
                    .iter()
                    .filter(|d| d.starts_with(&inside))
                    .all(|d| is_allowed(allowed, stack, d));
                !(removed && all_accepted)
            } else {
                !is_allowed(allowed, stack, &path)
            }
        })
        .map(|(id, _)| id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::{dynamodb, lambda};
    use crate::cfn::ResourceProperties;

    #[test]
    fn paths_are_allowed_with_or_without_the_stack_name() {
        let allowed = vec!["OrdersService/Table".to_string(), "shop/Bucket".to_string()];
        assert!(is_allowed(&allowed, "shop", "OrdersService/Table"));
        assert!(is_allowed(&allowed, "shop", "Bucket"));
        assert!(!is_allowed(&allowed, "shop", "Table"));
        assert!(!is_allowed(&allowed, "other", "Bucket"));
    }

    #[test]
    fn a_removed_nested_stack_is_exempt_only_when_its_data_loss_is_accepted() {
        let doc = json!({"Resources": {
            "Table": {"Type": dynamodb::Table::TYPE},
            "OrdersService": {"Type": STACK_TYPE},
            "UsersService": {"Type": STACK_TYPE},
            "Fn": {"Type": lambda::Function::TYPE}}});
        let loss = vec!["OrdersService/Table".to_string()];
        let removed = vec!["OrdersService".to_string()];
        let none: Vec<String> = Vec::new();
        assert_eq!(
            protected_ids("", &[&doc], "shop", &loss, &removed, &none),
            ["OrdersService", "Table", "UsersService"]
        );
        let allowed = vec!["OrdersService/Table".to_string()];
        assert_eq!(
            protected_ids("", &[&doc], "shop", &loss, &removed, &allowed),
            ["Table", "UsersService"]
        );
        // Not removed: protected whatever was allowed.
        assert_eq!(
            protected_ids("", &[&doc], "shop", &loss, &none, &allowed),
            ["OrdersService", "Table", "UsersService"]
        );
    }
}
