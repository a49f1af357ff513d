//! What can go wrong talking to AWS, in terms a user can act on.

/// A failure of the deploy layer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeployError {
    #[error("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a profile with --profile or AWS_PROFILE, or sign in with `aws sso login` ({detail})")]
    NoCredentials { detail: String },
    #[error("cannot reach {service} at {endpoint}: {detail}")]
    Unreachable {
        service: &'static str,
        endpoint: String,
        detail: String,
    },
    #[error("{operation} was throttled by AWS and still failed after retries: {message}")]
    Throttled {
        operation: &'static str,
        message: String,
    },
    #[error("{operation} failed: {code}: {message}")]
    Api {
        operation: &'static str,
        code: String,
        message: String,
    },
    #[error("{operation} failed: {message}")]
    Other {
        operation: &'static str,
        message: String,
    },
}
