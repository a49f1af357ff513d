//! Drift detection in the fake: every detection completes at once and
//! reports what was scripted with [`FakeCloud::drift_resource`]; every
//! other resource of the stack is IN_SYNC.

use super::super::drift::{Detection, DriftDetection, DriftStatus, ResourceDrift};
use super::super::error::DeployError;
use super::{no_stack, FakeCloud};

impl FakeCloud {
    /// The next detections report the resource at `path` (`Table`,
    /// `OrdersService/Table`) with this drift.
    pub fn drift_resource(&self, path: &str, drift: ResourceDrift) {
        self.state.borrow_mut().drift.insert(path.into(), drift);
    }
}

impl DriftDetection for FakeCloud {
    async fn detect_drift(&self, stack: &str) -> Result<String, DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("DetectStackDrift {stack}"));
        let id = st
            .get(stack)
            .map(|s| s.id.clone())
            .ok_or_else(|| no_stack("DetectStackDrift", stack))?;
        Ok(format!("drift-{id}"))
    }

    async fn detection_status(&self, _id: &str) -> Result<Detection, DeployError> {
        Ok(Detection::Complete)
    }

    async fn resource_drifts(&self, stack: &str) -> Result<Vec<ResourceDrift>, DeployError> {
        let st = self.state.borrow();
        let s = st
            .get(stack)
            .ok_or_else(|| no_stack("DescribeStackResourceDrifts", stack))?;
        Ok(s.resources
            .iter()
            .map(|r| {
                let path = format!("{}{}", s.path, r.logical_id);
                st.drift.get(&path).cloned().unwrap_or(ResourceDrift {
                    logical_id: r.logical_id.clone(),
                    physical_id: r.physical_id.clone(),
                    resource_type: r.resource_type.clone(),
                    status: DriftStatus::InSync,
                    differences: Vec::new(),
                })
            })
            .collect())
    }
}
