//! The CloudFormation model: templates, logical IDs, intrinsic functions,
//! IAM policy documents and typed resource properties.

pub mod constructors;
mod empty;
pub mod intrinsic;
pub mod logical_id;
pub mod policy;
pub mod resources;
pub mod shapes;
pub mod states;
pub mod template;
pub mod type_index;
pub mod walk;

pub use intrinsic::{Expr, Intrinsic, Pseudo, Value};
pub use logical_id::LogicalId;
pub use template::{
    DeletionPolicy, Output, Parameter, Resource, ResourceProperties, Template, Typed,
};
pub use walk::Walk;
