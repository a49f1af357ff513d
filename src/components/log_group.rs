//! A log group with a retention period, retained with the stack's data.

use crate::cfn::resources::logs::LogGroup;
use crate::cfn::{DeletionPolicy, LogicalId, Template};
use crate::error::Error;

/// Adds a log group that keeps entries for `retention_days` and survives the
/// stack (logs are records a user may need after a teardown).
pub fn add_log_group(
    t: &mut Template,
    id: &str,
    retention_days: u32,
    requirements: &[&str],
) -> Result<LogicalId, Error> {
    Ok(t.add(
        id,
        LogGroup {
            retention_in_days: Some(retention_days.into()),
            ..Default::default()
        },
    )?
    .policies(DeletionPolicy::Retain)
    .satisfies(requirements)
    .id()
    .clone())
}
