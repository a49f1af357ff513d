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
pub mod properties;
pub mod route53;
pub mod s3;
pub mod sns;
pub mod sqs;
pub mod stepfunctions;
pub mod wafv2;

use serde::Serialize;

pub use self::properties::Properties;
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
