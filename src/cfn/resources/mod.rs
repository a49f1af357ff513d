//! Typed properties for each AWS resource type the blueprints emit. Field names
//! follow the AWS resource specification; `Option` marks what AWS makes optional.

pub mod apigateway;
pub mod apigatewayv2;
pub mod applicationautoscaling;
pub mod autoscaling;
pub mod certificatemanager;
pub mod cloudformation;
pub mod cloudfront;
pub mod cloudwatch;
pub mod codedeploy;
pub mod cognito;
pub mod dax;
pub mod dynamodb;
pub mod ec2;
pub mod efs;
pub mod elasticloadbalancingv2;
pub mod events;
pub mod iam;
pub mod kinesis;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod route53;
pub mod s3;
pub mod sns;
pub mod sqs;
pub mod stepfunctions;
pub mod wafv2;

use serde::Serialize;

use super::intrinsic::Value;
use super::walk::walk;

/// A resource tag.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    pub value: Value<String>,
}

walk!(Tag { key, value });

impl Tag {
    /// `Key: key, Value: value`.
    pub fn new(key: &str, value: impl Into<Value<String>>) -> Self {
        Tag {
            key: key.to_string(),
            value: value.into(),
        }
    }
}

/// Implements [`ResourceProperties`](super::template::ResourceProperties) for a
/// properties struct: its type name and the attributes `Fn::GetAtt` may read.
macro_rules! resource_type {
    ($ty:ident, $name:literal, [$($attr:literal),* $(,)?]) => {
        impl $crate::cfn::template::ResourceProperties for $ty {
            const TYPE: &'static str = $name;
            const ATTRIBUTES: &'static [&'static str] = &[$($attr),*];
        }
    };
}
pub(crate) use resource_type;

/// `From<T> for Value<T>` for a generated enum or nested struct, so
/// `Some(Mode::Active.into())` and `Some(Config { .. }.into())` work.
macro_rules! lit {
    ($ty:ty) => {
        impl From<$ty> for $crate::cfn::intrinsic::Value<$ty> {
            fn from(v: $ty) -> Self {
                $crate::cfn::intrinsic::Value::Lit(v)
            }
        }
    };
}
pub(crate) use lit;

/// `From<T>` for `Value<Box<T>>`, for a recursive definition (WAFv2's
/// statements nest): `Some(statement.into())` boxes it.
macro_rules! boxed {
    ($ty:ty) => {
        impl From<$ty> for $crate::cfn::intrinsic::Value<Box<$ty>> {
            fn from(v: $ty) -> Self {
                $crate::cfn::intrinsic::Value::Lit(Box::new(v))
            }
        }
    };
}
pub(crate) use boxed;
