//! The AWS SDK implementation of [`Identity`]: STS GetCallerIdentity.

use super::cloudformation::Identity;
use super::error::DeployError;
use super::sdk::Aws;

impl Identity for Aws {
    async fn caller_account(&self) -> Result<String, DeployError> {
        let out = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| self.fail("GetCallerIdentity", e))?;
        out.account.ok_or_else(|| DeployError::Other {
            operation: "GetCallerIdentity",
            message: "the answer names no account".into(),
        })
    }
}
