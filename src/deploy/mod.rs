//! The deploy side: plan, apply, destroy and friends over a small async
//! interface to CloudFormation and S3 ([`cloudformation`]); the AWS SDK
//! implementation ([`sdk`]) converts SDK types at the edge, the in-memory
//! [`fake`] serves unit tests.

pub mod account;
pub mod apply;
pub mod cloudformation;
pub mod drift;
pub mod error;
pub mod fake;
pub mod fake_lambda;
pub mod hotswap;
pub mod lambda;
pub mod nested;
pub mod plan;
pub mod plan_file;
pub mod refusal;
pub mod regions;
pub mod sdk;
mod sdk_drift;
mod sdk_identity;
mod sdk_lambda;
pub mod stack_policy;
pub mod toolkit;
pub mod types;
pub mod watch;

pub use error::{ApplyError, DeployError, FirstFailure, StackStateError};
pub use plan_file::SavedPlanError;
pub use refusal::Refusal;
