//! The crate's error type. Each variant says what went wrong in terms a user
//! can act on; `exit_code` maps it to the process exit code.

use std::path::{Path, PathBuf};

use crate::check::Finding;
use crate::config::ConfigError;

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A mistake in a configuration file, with its location.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// The generated template breaks a rule; nothing was written.
    #[error("template `{stack}` failed {} check{}:{}", .findings.len(), if .findings.len() == 1 { "" } else { "s" }, findings_list(.findings))]
    Check {
        /// The stack.
        stack: String,
        /// What the checks found.
        findings: Vec<Finding>,
    },
    /// Anything else the user can fix (a wrong name, a missing file): free
    /// form, for configuration mistakes; deploy refusals and stack states
    /// have variants of their own.
    #[error("{0}")]
    User(String),
    /// Reading or writing a file failed.
    #[error("{}: {}", .path.display(), plain_io(.source))]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// Talking to AWS failed.
    #[error("{0}")]
    Deploy(#[from] crate::deploy::DeployError),
    /// A stack is in a state the command cannot start from.
    #[error("{0}")]
    StackState(#[from] crate::deploy::StackStateError),
    /// A CloudFormation operation did not end well (boxed: it is the
    /// largest, and errors travel by value).
    #[error("{0}")]
    Apply(Box<crate::deploy::ApplyError>),
    /// blueprint refuses to go on (data loss, a cancelled confirmation, ...).
    #[error("{0}")]
    Refused(#[from] crate::deploy::Refusal),
    /// A saved plan cannot be executed (boxed, as [`Error::Apply`]).
    #[error("{0}")]
    SavedPlan(Box<crate::deploy::SavedPlanError>),
    /// Ctrl-C: what was under way, and how to pick it up again.
    #[error("interrupted: {0}")]
    Interrupted(String),
    /// A bug in blueprint itself.
    #[error("internal error: {0} (this is a bug in blueprint; please report it)")]
    Internal(String),
}

/// An I/O error in a user's words, without the OS's error number.
fn plain_io(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "no such file or directory".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::IsADirectory => "is a directory".into(),
        ErrorKind::NotADirectory => "a part of the path is not a directory".into(),
        ErrorKind::StorageFull => "the disk is full".into(),
        ErrorKind::AlreadyExists => "already exists".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error ") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}

fn findings_list(findings: &[Finding]) -> String {
    findings.iter().map(|f| format!("\n  - {f}")).collect()
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// 1 for anything the user can fix, [`crate::EXIT_INTERNAL`] (70) for
    /// internal errors, 130 for Ctrl-C: never a code `plan` gives an outcome
    /// (0 no changes, 2 changes, 3 data loss).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Internal(_) => crate::EXIT_INTERNAL,
            Error::Interrupted(_) => 130,
            Error::StackState(e) => e.exit_code(),
            Error::Apply(e) => e.exit_code(),
            Error::Refused(e) => e.exit_code(),
            Error::SavedPlan(e) => e.exit_code(),
            _ => crate::EXIT_USER,
        }
    }
}

impl From<crate::deploy::ApplyError> for Error {
    fn from(e: crate::deploy::ApplyError) -> Self {
        Error::Apply(Box::new(e))
    }
}

impl From<crate::deploy::SavedPlanError> for Error {
    fn from(e: crate::deploy::SavedPlanError) -> Self {
        Error::SavedPlan(Box::new(e))
    }
}

impl From<crate::cfn::template::TemplateError> for Error {
    fn from(e: crate::cfn::template::TemplateError) -> Self {
        match e {
            crate::cfn::template::TemplateError::LogicalId(e) => Error::User(e.to_string()),
            other => Error::Internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::plan::{EXIT_CHANGES, EXIT_DATA_LOSS, EXIT_NO_CHANGES};

    #[test]
    fn an_internal_error_has_an_exit_code_no_plan_outcome_uses() {
        let internal = Error::Internal("boom".into());
        assert_eq!(internal.exit_code(), 70);
        assert_eq!(crate::EXIT_INTERNAL, 70);
        for outcome in [EXIT_NO_CHANGES, EXIT_CHANGES, EXIT_DATA_LOSS] {
            assert_ne!(internal.exit_code(), outcome);
        }
        assert_eq!(Error::User("x".into()).exit_code(), 1);
        assert_eq!(Error::Interrupted("x".into()).exit_code(), 130);
        assert_eq!(
            internal.to_string(),
            "internal error: boom (this is a bug in blueprint; please report it)"
        );
    }
}
