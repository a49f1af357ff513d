//! Typed properties for each AWS resource type the blueprints emit. Field names
//! follow the AWS resource specification; `Option` marks what AWS makes optional.

/// The typed properties of the `AWS::*` resource types of the `apigateway` service that blueprints use (generated).
pub mod apigateway;
/// The typed properties of the `AWS::*` resource types of the `apigatewayv2` service that blueprints use (generated).
pub mod apigatewayv2;
/// The typed properties of the `AWS::*` resource types of the `applicationautoscaling` service that blueprints use (generated).
pub mod applicationautoscaling;
/// The typed properties of the `AWS::*` resource types of the `autoscaling` service that blueprints use (generated).
pub mod autoscaling;
/// The typed properties of the `AWS::*` resource types of the `certificatemanager` service that blueprints use (generated).
pub mod certificatemanager;
/// The typed properties of the `AWS::*` resource types of the `cloudformation` service that blueprints use (generated).
pub mod cloudformation;
/// The typed properties of the `AWS::*` resource types of the `cloudfront` service that blueprints use (generated).
pub mod cloudfront;
/// The typed properties of the `AWS::*` resource types of the `cloudwatch` service that blueprints use (generated).
pub mod cloudwatch;
/// The typed properties of the `AWS::*` resource types of the `codedeploy` service that blueprints use (generated).
pub mod codedeploy;
/// The typed properties of the `AWS::*` resource types of the `cognito` service that blueprints use (generated).
pub mod cognito;
/// The typed properties of the `AWS::*` resource types of the `dax` service that blueprints use (generated).
pub mod dax;
/// The typed properties of the `AWS::*` resource types of the `dynamodb` service that blueprints use (generated).
pub mod dynamodb;
/// The typed properties of the `AWS::*` resource types of the `ec2` service that blueprints use (generated).
pub mod ec2;
/// The typed properties of the `AWS::*` resource types of the `efs` service that blueprints use (generated).
pub mod efs;
/// The typed properties of the `AWS::*` resource types of the `elasticloadbalancingv2` service that blueprints use (generated).
pub mod elasticloadbalancingv2;
/// The typed properties of the `AWS::*` resource types of the `events` service that blueprints use (generated).
pub mod events;
/// The typed properties of the `AWS::*` resource types of the `iam` service that blueprints use (generated).
pub mod iam;
/// The typed properties of the `AWS::*` resource types of the `kinesis` service that blueprints use (generated).
pub mod kinesis;
/// The typed properties of the `AWS::*` resource types of the `kms` service that blueprints use (generated).
pub mod kms;
/// The typed properties of the `AWS::*` resource types of the `lambda` service that blueprints use (generated).
pub mod lambda;
/// The typed properties of the `AWS::*` resource types of the `logs` service that blueprints use (generated).
pub mod logs;
pub mod properties;
/// The typed properties of the `AWS::*` resource types of the `route53` service that blueprints use (generated).
pub mod route53;
/// The typed properties of the `AWS::*` resource types of the `s3` service that blueprints use (generated).
pub mod s3;
/// The typed properties of the `AWS::*` resource types of the `sns` service that blueprints use (generated).
pub mod sns;
/// The typed properties of the `AWS::*` resource types of the `sqs` service that blueprints use (generated).
pub mod sqs;
/// The typed properties of the `AWS::*` resource types of the `stepfunctions` service that blueprints use (generated).
pub mod stepfunctions;
/// The typed properties of the `AWS::*` resource types of the `wafv2` service that blueprints use (generated).
pub mod wafv2;

use serde::Serialize;

pub use self::properties::Properties;
use super::intrinsic::Value;
use super::walk::walk;

/// A resource tag.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// The tag's key.
    pub key: String,
    /// The tag's value.
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

/// The `Properties` enum (src/cfn/resources/properties.rs lists the types):
/// a boxed variant per resource type, a `Raw` variant for free JSON a user
/// writes by hand, `Serialize` and `Walk` dispatching to the struct, and
/// [`Typed`](super::template::Typed) for each struct (typed access).
macro_rules! properties_enum {
    ($($(#[$doc:meta])* $variant:ident($ty:ty)),* $(,)?) => {
        /// One resource's properties, typed until rendering.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Properties {
            $($(#[$doc])* $variant(Box<$ty>),)*
            /// Free JSON properties a user adds by hand; nothing built in uses it.
            Raw(serde_json::Map<String, serde_json::Value>),
        }

        impl Properties {
            /// The resource type of a typed variant (`None` for `Raw`).
            pub fn kind(&self) -> Option<&'static str> {
                match self {
                    $(Properties::$variant(_) => {
                        Some(<$ty as $crate::cfn::template::ResourceProperties>::TYPE)
                    })*
                    Properties::Raw(_) => None,
                }
            }

            /// The attributes `Fn::GetAtt` may read from `kind`, when it is
            /// one of the typed resource types.
            pub fn attributes_of(kind: &str) -> Option<&'static [&'static str]> {
                $(if kind == <$ty as $crate::cfn::template::ResourceProperties>::TYPE {
                    return Some(<$ty as $crate::cfn::template::ResourceProperties>::ATTRIBUTES);
                })*
                None
            }
        }

        impl serde::Serialize for Properties {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                // Through one `dyn` serializer: each properties struct's
                // `Serialize` is compiled once, not once per output (JSON
                // text, JSON values, YAML, the split's byte count, the
                // emptiness probe), which kept the binary 2.6 MB larger.
                let p: &dyn erased_serde::Serialize = match self {
                    $(Properties::$variant(p) => &**p,)*
                    Properties::Raw(m) => m,
                };
                erased_serde::serialize(p, s)
            }
        }

        impl $crate::cfn::walk::Walk for Properties {
            fn walk(&self, v: &mut dyn $crate::cfn::walk::Visitor) {
                match self {
                    $(Properties::$variant(p) => p.walk(v),)*
                    Properties::Raw(m) => m.walk(v),
                }
            }
            fn walk_mut(&mut self, v: &mut dyn $crate::cfn::walk::VisitorMut) {
                match self {
                    $(Properties::$variant(p) => p.walk_mut(v),)*
                    Properties::Raw(m) => m.walk_mut(v),
                }
            }
        }

        $(impl $crate::cfn::template::Typed for $ty {
            fn into_properties(self) -> Properties {
                Properties::$variant(Box::new(self))
            }
            fn of(p: &Properties) -> Option<&Self> {
                match p {
                    Properties::$variant(x) => Some(x),
                    _ => None,
                }
            }
            fn of_mut(p: &mut Properties) -> Option<&mut Self> {
                match p {
                    Properties::$variant(x) => Some(x),
                    _ => None,
                }
            }
        })*
    };
}
pub(crate) use properties_enum;
