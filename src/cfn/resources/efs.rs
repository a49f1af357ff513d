//! Amazon Elastic File System.

use serde::Serialize;

use super::resource_type;
use crate::cfn::intrinsic::Value;
use crate::cfn::policy::PolicyDocument;

/// `AWS::EFS::FileSystem`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FileSystem {
    pub backup_policy: Option<BackupPolicy>,
    pub encrypted: Option<bool>,
    pub file_system_policy: Option<PolicyDocument>,
    pub file_system_tags: Option<Vec<FileSystemTag>>,
    pub lifecycle_policies: Option<Vec<LifecyclePolicy>>,
    /// `generalPurpose` or `maxIO`.
    pub performance_mode: Option<String>,
    /// `bursting`, `elastic` or `provisioned`.
    pub throughput_mode: Option<String>,
}
resource_type!(FileSystem, "AWS::EFS::FileSystem", ["Arn", "FileSystemId"]);

/// Automatic AWS Backup of the file system.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BackupPolicy {
    /// `ENABLED` or `DISABLED`.
    pub status: String,
}

/// A tag on a file system (EFS's own tag type).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FileSystemTag {
    pub key: String,
    pub value: Value<String>,
}

/// When files move between storage classes.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LifecyclePolicy {
    /// e.g. `AFTER_30_DAYS`.
    #[serde(rename = "TransitionToIA")]
    pub transition_to_ia: Option<String>,
    /// `AFTER_1_ACCESS`.
    #[serde(rename = "TransitionToPrimaryStorageClass")]
    pub transition_to_primary_storage_class: Option<String>,
}

/// `AWS::EFS::MountTarget`: the file system's address in one subnet.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MountTarget {
    pub file_system_id: Value<String>,
    pub security_groups: Vec<Value<String>>,
    pub subnet_id: Value<String>,
}
resource_type!(MountTarget, "AWS::EFS::MountTarget", ["Id", "IpAddress"]);

/// `AWS::EFS::AccessPoint`: an entry point with a fixed POSIX identity and
/// root directory.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessPoint {
    pub file_system_id: Value<String>,
    pub posix_user: Option<PosixUser>,
    pub root_directory: Option<RootDirectory>,
}
resource_type!(
    AccessPoint,
    "AWS::EFS::AccessPoint",
    ["AccessPointId", "Arn"]
);

/// The user and group every request through the access point acts as.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PosixUser {
    pub gid: String,
    pub uid: String,
}

/// The directory the access point exposes as `/`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RootDirectory {
    pub creation_info: Option<CreationInfo>,
    pub path: Option<String>,
}

/// Owner and mode of the root directory when EFS creates it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreationInfo {
    pub owner_gid: String,
    pub owner_uid: String,
    /// Octal, e.g. `0755`.
    pub permissions: String,
}
