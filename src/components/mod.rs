//! Reusable building blocks that blueprints compose: a function with its role
//! and log group, a table, a REST API, user authentication, a private bucket,
//! a private network, a DAX cluster.

pub mod bucket;
pub mod dax;
pub mod function;
pub mod log_group;
pub mod network;
pub mod rest_api;
pub mod table;
pub mod user_auth;

use crate::cfn::intrinsic::sub;
use crate::cfn::Value;

/// `arn:${AWS::Partition}:...` built from the rest of an ARN.
pub(crate) fn arn(rest: &str) -> Value<String> {
    sub(format!("arn:${{AWS::Partition}}:{rest}")).into()
}
