//! AWS Key Management Service.

use serde::Serialize;

use super::{resource_type, Tag};
use crate::cfn::intrinsic::Value;
use crate::cfn::policy::PolicyDocument;

/// `AWS::KMS::Key`: a customer-managed key. `Ref` gives its key ID.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Key {
    pub description: Option<String>,
    pub enabled: Option<bool>,
    /// Yearly automatic rotation of the key material (symmetric keys only).
    pub enable_key_rotation: Option<bool>,
    /// Who may use and manage the key.
    pub key_policy: PolicyDocument,
    /// `ENCRYPT_DECRYPT` (the default), `SIGN_VERIFY`, ...
    pub key_usage: Option<String>,
    /// Days (7-30) between scheduling the deletion and deleting the key.
    pub pending_window_in_days: Option<u32>,
    pub tags: Option<Vec<Tag>>,
}
resource_type!(Key, "AWS::KMS::Key", ["Arn", "KeyId"]);

/// `AWS::KMS::Alias`: a friendly name (`alias/...`) for a key.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Alias {
    /// `alias/` followed by the name; unique in the account and region.
    pub alias_name: Value<String>,
    /// The key's ID or ARN.
    pub target_key_id: Value<String>,
}
resource_type!(Alias, "AWS::KMS::Alias", []);
