//! AWS CloudFormation: nested stacks.

use indexmap::IndexMap;
use serde::Serialize;

use super::{resource_type, Tag};
use crate::cfn::intrinsic::Value;

/// `AWS::CloudFormation::Stack`: a nested stack. Its outputs are read with
/// `Fn::GetAtt [<id>, Outputs.<name>]`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Stack {
    /// Values of the nested template's parameters.
    pub parameters: Option<IndexMap<String, Value<String>>>,
    pub tags: Option<Vec<Tag>>,
    /// Where the nested template is (an `https://` S3 URL).
    #[serde(rename = "TemplateURL")]
    pub template_url: Value<String>,
    pub timeout_in_minutes: Option<u32>,
}
resource_type!(
    Stack,
    "AWS::CloudFormation::Stack",
    ["Outputs.*", "StackId"]
);
