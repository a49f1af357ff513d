//! The crate's own view of CloudFormation: stacks, events, change sets. The
//! SDK implementation converts into these at the edge; everything else speaks
//! only these types.

use std::fmt;

use crate::cfn::resources::cloudformation;
use crate::cfn::ResourceProperties;

/// A stack's status, as CloudFormation reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StackStatus {
    CreateInProgress,
    CreateFailed,
    CreateComplete,
    RollbackInProgress,
    RollbackFailed,
    RollbackComplete,
    DeleteInProgress,
    DeleteFailed,
    DeleteComplete,
    UpdateInProgress,
    UpdateCompleteCleanupInProgress,
    UpdateComplete,
    UpdateFailed,
    UpdateRollbackInProgress,
    UpdateRollbackFailed,
    UpdateRollbackCompleteCleanupInProgress,
    UpdateRollbackComplete,
    ReviewInProgress,
    ImportInProgress,
    ImportComplete,
    ImportRollbackInProgress,
    ImportRollbackFailed,
    ImportRollbackComplete,
    /// A status this version does not know.
    Other(String),
}

const STATUSES: &[(&str, StackStatus)] = &[
    ("CREATE_IN_PROGRESS", StackStatus::CreateInProgress),
    ("CREATE_FAILED", StackStatus::CreateFailed),
    ("CREATE_COMPLETE", StackStatus::CreateComplete),
    ("ROLLBACK_IN_PROGRESS", StackStatus::RollbackInProgress),
    ("ROLLBACK_FAILED", StackStatus::RollbackFailed),
    ("ROLLBACK_COMPLETE", StackStatus::RollbackComplete),
    ("DELETE_IN_PROGRESS", StackStatus::DeleteInProgress),
    ("DELETE_FAILED", StackStatus::DeleteFailed),
    ("DELETE_COMPLETE", StackStatus::DeleteComplete),
    ("UPDATE_IN_PROGRESS", StackStatus::UpdateInProgress),
    (
        "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        StackStatus::UpdateCompleteCleanupInProgress,
    ),
    ("UPDATE_COMPLETE", StackStatus::UpdateComplete),
    ("UPDATE_FAILED", StackStatus::UpdateFailed),
    (
        "UPDATE_ROLLBACK_IN_PROGRESS",
        StackStatus::UpdateRollbackInProgress,
    ),
    ("UPDATE_ROLLBACK_FAILED", StackStatus::UpdateRollbackFailed),
    (
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        StackStatus::UpdateRollbackCompleteCleanupInProgress,
    ),
    (
        "UPDATE_ROLLBACK_COMPLETE",
        StackStatus::UpdateRollbackComplete,
    ),
    ("REVIEW_IN_PROGRESS", StackStatus::ReviewInProgress),
    ("IMPORT_IN_PROGRESS", StackStatus::ImportInProgress),
    ("IMPORT_COMPLETE", StackStatus::ImportComplete),
    (
        "IMPORT_ROLLBACK_IN_PROGRESS",
        StackStatus::ImportRollbackInProgress,
    ),
    ("IMPORT_ROLLBACK_FAILED", StackStatus::ImportRollbackFailed),
    (
        "IMPORT_ROLLBACK_COMPLETE",
        StackStatus::ImportRollbackComplete,
    ),
];

impl StackStatus {
    /// Parses CloudFormation's spelling (`UPDATE_COMPLETE`).
    pub fn parse(s: &str) -> Self {
        STATUSES
            .iter()
            .find(|(name, _)| *name == s)
            .map(|(_, st)| st.clone())
            .unwrap_or_else(|| StackStatus::Other(s.to_string()))
    }

    /// CloudFormation's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            StackStatus::Other(s) => s,
            known => STATUSES
                .iter()
                .find(|(_, st)| st == known)
                .map(|(name, _)| *name)
                .unwrap_or("UNKNOWN"),
        }
    }

    /// An operation is under way.
    pub fn in_progress(&self) -> bool {
        self.as_str().ends_with("_IN_PROGRESS")
    }

    /// No operation is under way.
    pub fn is_terminal(&self) -> bool {
        !self.in_progress()
    }

    /// Final: no operation is under way and none is waiting to start (a
    /// REVIEW_IN_PROGRESS stack waits for its change set to be executed).
    /// A watch ends here, whatever events it saw.
    pub fn is_final(&self) -> bool {
        self.is_terminal() && *self != StackStatus::ReviewInProgress
    }

    /// An operation (create, update, delete, rollback, import) is running.
    pub fn operation_in_progress(&self) -> bool {
        self.in_progress() && *self != StackStatus::ReviewInProgress
    }

    /// The last operation did not do what was asked.
    pub fn is_failure(&self) -> bool {
        let s = self.as_str();
        s.ends_with("_FAILED") || s.contains("ROLLBACK_COMPLETE")
    }
}

impl fmt::Display for StackStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A deployed stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stack {
    pub name: String,
    pub id: String,
    pub status: StackStatus,
    pub status_reason: Option<String>,
    /// RFC 3339; the creation time when never updated.
    pub last_updated: Option<String>,
    pub outputs: Vec<StackOutput>,
    pub termination_protection: bool,
}

/// One output of a stack.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StackOutput {
    pub key: String,
    pub value: String,
    pub description: Option<String>,
    pub export_name: Option<String>,
}

/// One stack event.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StackEvent {
    pub event_id: String,
    pub stack_name: String,
    pub logical_id: String,
    pub physical_id: Option<String>,
    pub resource_type: String,
    /// The resource status (`CREATE_IN_PROGRESS`, `UPDATE_FAILED`, ...).
    pub status: String,
    pub reason: Option<String>,
    /// RFC 3339.
    pub timestamp: String,
}

impl StackEvent {
    /// The event is about the stack itself, not one of its resources.
    pub fn is_stack_event(&self) -> bool {
        self.resource_type == cloudformation::Stack::TYPE && self.logical_id == self.stack_name
    }
}

/// A resource of a deployed stack.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StackResource {
    pub logical_id: String,
    pub physical_id: Option<String>,
    pub resource_type: String,
    pub status: String,
}

/// Whether a change set creates the stack or updates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ChangeSetKind {
    Create,
    Update,
}

/// Where the template of a change set comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateSource {
    Body(String),
    Url(String),
}

/// What CloudFormation must acknowledge for a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Capability {
    Iam,
    NamedIam,
    AutoExpand,
}

impl Capability {
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Iam => "CAPABILITY_IAM",
            Capability::NamedIam => "CAPABILITY_NAMED_IAM",
            Capability::AutoExpand => "CAPABILITY_AUTO_EXPAND",
        }
    }
}

/// A request to create a change set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeSetRequest {
    pub stack_name: String,
    pub change_set_name: String,
    pub kind: ChangeSetKind,
    pub template: TemplateSource,
    pub parameters: Vec<(String, String)>,
    pub capabilities: Vec<Capability>,
    pub tags: Vec<(String, String)>,
    pub description: String,
    /// Create change sets for the nested stacks too (`IncludeNestedStacks`),
    /// so what CloudFormation would do inside each one can be read.
    pub include_nested: bool,
}

/// A change set's state.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ChangeSet {
    pub id: String,
    /// Its name (`blueprint-<first 12 hex of the template's sha256>-<ms>`
    /// for the change sets `plan` makes); empty when the endpoint omits it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub stack_id: String,
    /// The name of its stack; empty when the endpoint omits it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stack_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `CREATE_PENDING`, `CREATE_IN_PROGRESS`, `CREATE_COMPLETE`, `FAILED`, ...
    pub status: String,
    pub status_reason: Option<String>,
    /// `AVAILABLE`, `UNAVAILABLE`, `EXECUTE_IN_PROGRESS`, ...
    pub execution_status: Option<String>,
    pub changes: Vec<ResourceChange>,
}

impl ChangeSet {
    /// Creation finished (well or not).
    pub fn settled(&self) -> bool {
        matches!(
            self.status.as_str(),
            "CREATE_COMPLETE" | "FAILED" | "DELETE_COMPLETE" | "DELETE_FAILED"
        )
    }

    /// CloudFormation refused it because it changes nothing.
    pub fn is_empty_failure(&self) -> bool {
        self.status == "FAILED"
            && self.status_reason.as_deref().is_some_and(|r| {
                r.contains("didn't contain changes") || r.contains("No updates are to be performed")
            })
    }
}

/// What a change set does to one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum ChangeAction {
    Add,
    Modify,
    Remove,
    Import,
    Dynamic,
}

/// Whether a modification replaces the resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Replacement {
    True,
    False,
    Conditional,
}

/// One resource change of a change set.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ResourceChange {
    pub action: ChangeAction,
    pub logical_id: String,
    pub physical_id: Option<String>,
    pub resource_type: String,
    pub replacement: Option<Replacement>,
    /// `Properties`, `Metadata`, `CreationPolicy`, `UpdatePolicy`, `DeletionPolicy`, `Tags`.
    pub scope: Vec<String>,
    pub details: Vec<ChangeDetail>,
    /// For a nested stack: the ID of its own change set, when the change set
    /// was created with nested stacks included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_set_id: Option<String>,
}

/// Why a resource changes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ChangeDetail {
    /// The property (`MemorySize`), when the change is to a property.
    pub name: Option<String>,
    /// `Never`, `Conditionally`, `Always`.
    pub requires_recreation: Option<String>,
    /// `DirectModification`, `ResourceReference`, `ParameterReference`, ...
    pub change_source: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_classify() {
        for (name, st) in STATUSES {
            assert_eq!(StackStatus::parse(name), *st);
            assert_eq!(st.as_str(), *name);
        }
        assert!(StackStatus::UpdateInProgress.in_progress());
        assert!(StackStatus::UpdateRollbackCompleteCleanupInProgress.in_progress());
        assert!(StackStatus::RollbackComplete.is_failure());
        assert!(StackStatus::UpdateRollbackFailed.is_failure());
        assert!(!StackStatus::UpdateComplete.is_failure());
        assert_eq!(StackStatus::parse("NEW_THING").as_str(), "NEW_THING");
        assert!(StackStatus::UpdateRollbackComplete.is_final());
        assert!(StackStatus::DeleteFailed.is_final());
        assert!(!StackStatus::ReviewInProgress.is_final());
        assert!(!StackStatus::ReviewInProgress.operation_in_progress());
        assert!(!StackStatus::UpdateInProgress.is_final());
        assert!(StackStatus::UpdateInProgress.operation_in_progress());
    }
}
