//! Drift: whether the deployed resources still match their templates, by
//! CloudFormation's drift detection, for a stack and every nested stack.

use std::time::Duration;

use serde::Serialize;

use super::error::DeployError;
use super::nested::deployed_tree;
use super::plan::dx;
use crate::error::Error;

/// A resource's drift status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DriftStatus {
    InSync,
    Modified,
    Deleted,
    NotChecked,
}

impl DriftStatus {
    pub fn parse(s: &str) -> Self {
        match s {
            "MODIFIED" => DriftStatus::Modified,
            "DELETED" => DriftStatus::Deleted,
            "IN_SYNC" => DriftStatus::InSync,
            _ => DriftStatus::NotChecked,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DriftStatus::InSync => "IN_SYNC",
            DriftStatus::Modified => "MODIFIED",
            DriftStatus::Deleted => "DELETED",
            DriftStatus::NotChecked => "NOT_CHECKED",
        }
    }

    /// The resource differs from its template.
    pub fn drifted(self) -> bool {
        matches!(self, DriftStatus::Modified | DriftStatus::Deleted)
    }
}

/// One property that differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PropertyDifference {
    /// `/MemorySize`, `/Environment/Variables/LEVEL` (a JSON pointer).
    pub path: String,
    pub expected: String,
    pub actual: String,
    /// `ADD`, `REMOVE`, `NOT_EQUAL`.
    pub kind: String,
}

/// One resource's drift.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResourceDrift {
    pub logical_id: String,
    pub physical_id: Option<String>,
    pub resource_type: String,
    pub status: DriftStatus,
    pub differences: Vec<PropertyDifference>,
}

/// How a drift detection ended (or that it has not yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detection {
    InProgress,
    Complete,
    Failed { reason: Option<String> },
}

/// CloudFormation's drift detection.
#[allow(async_fn_in_trait)]
pub trait DriftDetection {
    /// Starts a detection on one stack (not its nested stacks); returns its ID.
    async fn detect_drift(&self, stack: &str) -> Result<String, DeployError>;
    async fn detection_status(&self, id: &str) -> Result<Detection, DeployError>;
    /// The drift of every resource the last detection checked.
    async fn resource_drifts(&self, stack: &str) -> Result<Vec<ResourceDrift>, DeployError>;
}

/// The drift of one stack of the tree.
#[derive(Clone, Debug, Serialize)]
pub struct StackDrift {
    /// The root stack's name.
    pub stack: String,
    /// Nested stack logical IDs down to this stack; `""` for the root.
    pub path: String,
    pub physical_id: String,
    /// Only the resources that drifted.
    pub drifted: Vec<ResourceDrift>,
    /// Why the detection failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

/// How long to wait for one detection before giving up.
const DETECTION_LIMIT: Duration = Duration::from_secs(300);

/// Detects drift on `root` and every nested stack under it: all
/// detections started first, then waited for (polling fast, then backing
/// off), parents before children.
pub async fn detect_tree<C>(cf: &C, root: &str) -> Result<Vec<StackDrift>, Error>
where
    C: super::cloudformation::CloudFormation + DriftDetection,
{
    let mut stacks = vec![(String::new(), root.to_string())];
    for n in deployed_tree(cf, root, false).await? {
        stacks.push((n.path, n.physical_id));
    }
    let mut started = Vec::new();
    for (path, physical) in stacks {
        let id = cf.detect_drift(&physical).await.map_err(dx)?;
        started.push((path, physical, id));
    }
    let mut out = Vec::new();
    for (path, physical, id) in started {
        let failed = match wait_detection(cf, &id).await? {
            Detection::Failed { reason } => {
                Some(reason.unwrap_or_else(|| "no reason given".into()))
            }
            _ => None,
        };
        let drifted = cf
            .resource_drifts(&physical)
            .await
            .map_err(dx)?
            .into_iter()
            .filter(|r| r.status.drifted())
            .collect();
        out.push(StackDrift {
            stack: root.to_string(),
            path,
            physical_id: physical,
            drifted,
            failed,
        });
    }
    Ok(out)
}

/// Polls a detection until it ends: every 50 ms at first, backing off to
/// 2 s.
async fn wait_detection<C: DriftDetection>(cf: &C, id: &str) -> Result<Detection, Error> {
    let start = std::time::Instant::now();
    let mut pause = Duration::from_millis(50);
    loop {
        match cf.detection_status(id).await.map_err(dx)? {
            Detection::InProgress => {}
            done => return Ok(done),
        }
        if start.elapsed() > DETECTION_LIMIT {
            return Ok(Detection::Failed {
                reason: Some(format!(
                    "the detection had not ended after {} s",
                    DETECTION_LIMIT.as_secs()
                )),
            });
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(2));
    }
}
