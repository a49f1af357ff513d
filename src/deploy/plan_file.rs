//! The plan file `plan --out` writes and `apply PLANFILE` executes: bound to
//! the change set CloudFormation made for it, and refused (with the reason)
//! when the project, the stack or the change set is no longer the planned
//! one.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::error::DeployError;
use super::plan::PlanKind;
use super::types::ChangeSet;
use crate::error::Error;

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

/// Why a saved plan cannot be executed; each says how to get a plan that
/// can (nothing was executed).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SavedPlanError {
    /// The file is not JSON of a plan file, at its line and column.
    #[error("{}:{line}:{column}: not a blueprint plan file: {detail}", .path.display())]
    NotAPlanFile {
        path: PathBuf,
        line: usize,
        column: usize,
        /// serde_json's words (`key must be a string`).
        detail: String,
    },
    /// Version 1, which was not bound to its change set.
    #[error("{}: plan file version 1 was written by an older blueprint and is not bound to its change set; plan again with `blueprint plan --out PLANFILE`", .path.display())]
    OldVersion { path: PathBuf },
    /// A version this blueprint does not read.
    #[error("{}: plan file version {version} is not supported (this blueprint reads version {PLAN_FILE_VERSION}); plan again with `blueprint plan --out PLANFILE`", .path.display())]
    UnsupportedVersion { path: PathBuf, version: u64 },
    #[error("{}: not a blueprint plan file: it has no version", .path.display())]
    NoVersion { path: PathBuf },
    /// The plan was made for another blueprint.
    #[error("the plan file is for blueprint `{planned}`, this project is `{project}`")]
    ForOtherProject { planned: String, project: String },
    /// The project or the stack changed since the plan was made.
    #[error("the saved plan is stale: {0}. Run `blueprint plan --out PLANFILE` again")]
    Stale(Staleness),
    /// The plan has no entry for one of the project's stacks.
    #[error("the plan file has no stack `{stack}`; plan again")]
    MissingStack { stack: String },
    /// The plan made no change set for the stack.
    #[error("the saved plan has no change set for stack `{stack}`; run `blueprint apply` without a plan file")]
    NoChangeSet { stack: String },
    /// CloudFormation no longer has the plan's change set.
    #[error("the saved plan's change set for stack `{stack}` is gone ({source}); run `blueprint plan --out PLANFILE` again")]
    ChangeSetGone { stack: String, source: DeployError },
    /// The change set is not the one the plan was made with.
    #[error("refusing the saved plan for stack `{stack}`: {mismatch}. Nothing was executed; run `blueprint plan --out PLANFILE` again")]
    NotBound { stack: String, mismatch: Mismatch },
    /// The change set exists but can no longer be executed.
    #[error("the saved plan's change set for stack `{stack}` can no longer be executed ({status}, {}); plan again", .execution_status.as_deref().unwrap_or("?"))]
    NotExecutable {
        stack: String,
        status: String,
        execution_status: Option<String>,
    },
}

impl SavedPlanError {
    /// The process exit code: the user's to resolve, never a plan outcome.
    pub fn exit_code(&self) -> i32 {
        match self {
            SavedPlanError::NotAPlanFile { .. }
            | SavedPlanError::OldVersion { .. }
            | SavedPlanError::UnsupportedVersion { .. }
            | SavedPlanError::NoVersion { .. }
            | SavedPlanError::ForOtherProject { .. }
            | SavedPlanError::Stale(_)
            | SavedPlanError::MissingStack { .. }
            | SavedPlanError::NoChangeSet { .. }
            | SavedPlanError::ChangeSetGone { .. }
            | SavedPlanError::NotBound { .. }
            | SavedPlanError::NotExecutable { .. } => crate::EXIT_USER,
        }
    }
}

/// What changed since a plan was made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Staleness {
    /// The project's template is not the planned one (first 12 hex digits
    /// of each SHA-256).
    #[error("the project changed since the plan was made (template {planned} → {now})")]
    ProjectChanged { planned: String, now: String },
    /// The stack was updated since (its last-updated times).
    #[error("stack `{stack}` changed since the plan was made (last updated {} → {})", .planned.as_deref().unwrap_or("never"), .now.as_deref().unwrap_or("never"))]
    StackChanged {
        stack: String,
        planned: Option<String>,
        now: Option<String>,
    },
}

/// How the change set CloudFormation describes differs from the planned one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    #[error("CloudFormation describes change set `{described}`, not the planned `{planned}`")]
    OtherChangeSet { described: String, planned: String },
    #[error("stack `{stack}` does not exist any more")]
    StackGone { stack: String },
    /// The change set belongs to another stack than the one under the name.
    #[error(
        "change set `{planned}` belongs to stack `{owner}`, not to stack `{stack}` ({current})"
    )]
    OtherStack {
        planned: String,
        owner: String,
        stack: String,
        current: String,
    },
    /// The stack under the name was deleted and created again.
    #[error("stack `{stack}` is now {current}; the plan was made for {}", .planned_for.as_deref().unwrap_or("no stack"))]
    StackReplaced {
        stack: String,
        current: String,
        planned_for: Option<String>,
    },
    #[error("change set `{change_set}` was not made from this project's template (sha256 {sha256_prefix}…)")]
    OtherTemplate {
        change_set: String,
        sha256_prefix: String,
    },
    #[error("change set `{name}` is not the planned `{}`", .planned.as_deref().unwrap_or("?"))]
    OtherName {
        name: String,
        planned: Option<String>,
    },
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
            SavedPlanError::NotAPlanFile {
                path: path.to_path_buf(),
                line: e.line(),
                column: e.column(),
                detail,
            }
        };
        let doc: Json = serde_json::from_str(&text).map_err(not_a_plan)?;
        let path = path.to_path_buf();
        match doc.get("version").and_then(Json::as_u64) {
            Some(v) if v == u64::from(PLAN_FILE_VERSION) => {}
            Some(1) => return Err(SavedPlanError::OldVersion { path }.into()),
            Some(version) => {
                return Err(SavedPlanError::UnsupportedVersion { path, version }.into())
            }
            None => return Err(SavedPlanError::NoVersion { path }.into()),
        }
        Ok(serde_json::from_value(doc).map_err(not_a_plan)?)
    }
}

/// The first 12 characters of a hash.
fn short(sha256: &str) -> String {
    sha256[..12.min(sha256.len())].to_string()
}

/// Why a saved plan can no longer be executed, if it cannot.
pub fn stale_reason(
    saved: &PlanFileStack,
    sha256: &str,
    last_updated: Option<&str>,
) -> Option<Staleness> {
    if saved.template_sha256 != sha256 {
        return Some(Staleness::ProjectChanged {
            planned: short(&saved.template_sha256),
            now: short(sha256),
        });
    }
    if saved.last_updated.as_deref() != last_updated {
        return Some(Staleness::StackChanged {
            stack: saved.stack_name.clone(),
            planned: saved.last_updated.clone(),
            now: last_updated.map(str::to_string),
        });
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
) -> Option<Mismatch> {
    let name = &saved.stack_name;
    let planned = saved.change_set_id.as_deref().unwrap_or_default();
    if cs.id != planned {
        return Some(Mismatch::OtherChangeSet {
            described: cs.id.clone(),
            planned: planned.to_string(),
        });
    }
    let Some(current) = stack_id else {
        return Some(Mismatch::StackGone {
            stack: name.clone(),
        });
    };
    if cs.stack_id != current || (!cs.stack_name.is_empty() && cs.stack_name != *name) {
        let owner = if cs.stack_name.is_empty() {
            &cs.stack_id
        } else {
            &cs.stack_name
        };
        return Some(Mismatch::OtherStack {
            planned: planned.to_string(),
            owner: owner.clone(),
            stack: name.clone(),
            current: current.to_string(),
        });
    }
    if saved.stack_id.as_deref() != Some(current) {
        return Some(Mismatch::StackReplaced {
            stack: name.clone(),
            current: current.to_string(),
            planned_for: saved.stack_id.clone(),
        });
    }
    let prefix = format!("blueprint-{}-", short(sha256));
    if !cs.name.starts_with(&prefix) {
        let change_set = if cs.name.is_empty() {
            planned
        } else {
            &cs.name
        };
        return Some(Mismatch::OtherTemplate {
            change_set: change_set.to_string(),
            sha256_prefix: short(sha256),
        });
    }
    if saved.change_set_name.as_deref() != Some(cs.name.as_str()) {
        return Some(Mismatch::OtherName {
            name: cs.name.clone(),
            planned: saved.change_set_name.clone(),
        });
    }
    None
}
