//! The deploy side: plan, apply, destroy and friends over a small async
//! interface to CloudFormation and S3 ([`cloudformation`]); the AWS SDK
//! implementation ([`sdk`]) converts SDK types at the edge, the in-memory
//! [`fake`] serves unit tests.

pub mod apply;
pub mod cloudformation;
pub mod error;
pub mod fake;
pub mod nested;
pub mod plan;
pub mod regions;
pub mod sdk;
pub mod stack_policy;
pub mod toolkit;
pub mod types;
pub mod watch;

pub use error::DeployError;
