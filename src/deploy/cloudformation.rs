//! The small interface the deploy logic needs from CloudFormation and S3.
//! `sdk.rs` implements it with the AWS SDK; `fake.rs` in memory, for tests.

use super::error::DeployError;
use super::types::{ChangeSet, ChangeSetRequest, Stack, StackEvent, StackResource};

/// Who the credentials in use are (STS), for an environment's account
/// guard: every client of CloudFormation can say it.
#[allow(async_fn_in_trait)]
pub trait Identity {
    /// The 12-digit account of the credentials in use (GetCallerIdentity).
    async fn caller_account(&self) -> Result<String, DeployError>;
}

/// CloudFormation, as far as blueprint uses it.
#[allow(async_fn_in_trait)]
pub trait CloudFormation: Identity {
    /// The stack, or `None` when there is none by that name.
    async fn describe_stack(&self, name: &str) -> Result<Option<Stack>, DeployError>;
    /// The deployed template, as submitted (YAML or JSON text).
    async fn get_template(&self, name: &str) -> Result<String, DeployError>;
    /// Starts creating a change set; returns its ID.
    async fn create_change_set(&self, req: &ChangeSetRequest) -> Result<String, DeployError>;
    /// The change set with all its changes.
    async fn describe_change_set(&self, stack: &str, id: &str) -> Result<ChangeSet, DeployError>;
    async fn execute_change_set(&self, stack: &str, id: &str) -> Result<(), DeployError>;
    async fn delete_change_set(&self, stack: &str, id: &str) -> Result<(), DeployError>;
    /// Events, newest first, back to (not including) `after_event_id` when
    /// given, otherwise the most recent page.
    async fn stack_events(
        &self,
        stack: &str,
        after_event_id: Option<&str>,
    ) -> Result<Vec<StackEvent>, DeployError>;
    async fn stack_resources(&self, stack: &str) -> Result<Vec<StackResource>, DeployError>;
    async fn delete_stack(&self, stack: &str) -> Result<(), DeployError>;
    async fn set_stack_policy(&self, stack: &str, policy: &str) -> Result<(), DeployError>;
    async fn set_termination_protection(&self, stack: &str, on: bool) -> Result<(), DeployError>;
}

/// An S3 bucket used for content-addressed assets.
#[allow(async_fn_in_trait)]
pub trait ObjectStore {
    async fn exists(&self, bucket: &str, key: &str) -> Result<bool, DeployError>;
    async fn put(&self, bucket: &str, key: &str, body: Vec<u8>) -> Result<(), DeployError>;
    /// The HTTPS URL CloudFormation reads a template from.
    fn object_url(&self, bucket: &str, key: &str) -> String;
}
