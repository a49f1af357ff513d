//! Reusable building blocks that blueprints compose: a function with its role
//! and log group, a table, a REST API, user authentication, a private bucket,
//! a private network, a DAX cluster.

pub mod api_options;
pub mod assets;
pub mod bucket;
pub mod cdn;
pub mod custom_domain;
pub mod dax;
pub mod edge;
pub mod function;
pub mod function_triggers;
pub mod http_api;
pub mod log_group;
pub mod network;
pub mod public_network;
pub mod queue;
pub mod rest_api;
pub mod s3_events;
pub mod state_machine;
pub mod static_site;
pub mod stored_values;
pub mod table;
pub mod topic;
pub mod user_auth;
// The update-offload demo origin's fleet: no part of the public API.
#[doc(hidden)]
pub mod web_fleet;

use indexmap::IndexMap;

use crate::cfn::intrinsic::{sub, Intrinsic};
use crate::cfn::Value;

/// `arn:${AWS::Partition}:...` built from the rest of an ARN.
pub(crate) fn arn(rest: &str) -> Value<String> {
    sub(format!("arn:${{AWS::Partition}}:{rest}")).into()
}

/// `Fn::Sub` of `text` with `${StackUuid}` standing for the UUID at the end of
/// `AWS::StackId` (unique per stack, lowercase).
pub(crate) fn with_stack_uuid(text: String) -> Value<String> {
    let mut vars = IndexMap::new();
    vars.insert("StackUuid".to_string(), cdn::stack_uuid());
    Intrinsic::SubWith(text, vars).into()
}

/// A symmetric customer-managed key that rotates every year, administered by
/// the account through IAM (its first statement), then `statements` (the
/// services that may use it). The caller adds it with the Retain policy: data
/// encrypted with it outlives the stack.
pub(crate) fn rotating_key(
    description: String,
    statements: Vec<crate::cfn::policy::Statement>,
) -> crate::cfn::resources::kms::Key {
    use crate::cfn::policy::{PolicyDocument, Principal, Statement};
    let mut all = vec![Statement::allow(&["kms:*"], vec!["*".into()])
        .sid("TheAccountAdministersTheKey")
        .principal(Principal::Aws(vec![arn("iam::${AWS::AccountId}:root")]))];
    all.extend(statements);
    crate::cfn::resources::kms::Key {
        description: Some(description.into()),
        enabled: Some(true.into()),
        enable_key_rotation: Some(true.into()),
        key_policy: Some(PolicyDocument::new(all)),
        key_usage: Some(crate::cfn::resources::kms::KeyUsage::EncryptDecrypt.into()),
        ..Default::default()
    }
}
