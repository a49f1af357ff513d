//! What blueprint refuses to do, each refusal saying what the user can do
//! instead (connec/cloudformatious's errors are the model): nothing was
//! changed when one of these is returned.

use std::path::PathBuf;

/// A refusal to go on, with the way forward.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The plan replaces or removes resources that hold data, and the user
    /// has not accepted it: re-run with `--allow-data-loss` for each.
    #[error("refusing to apply stack `{stack}`: the plan replaces or removes resources that hold data: {}. Nothing was changed. If you mean it, run again with {}", .resources.join(", "), allow_flags(.resources))]
    DataLoss {
        stack: String,
        /// Logical IDs, or paths inside nested stacks.
        resources: Vec<String>,
    },
    /// The user answered no to apply's question.
    #[error("apply cancelled; nothing was changed")]
    ApplyCancelled,
    /// The user answered no to destroy's question.
    #[error("destroy cancelled; nothing was deleted")]
    DestroyCancelled,
    /// The project would deploy placeholder values: fill them in (or pass
    /// `--allow-placeholders`).
    #[error("the project still has {} placeholder value{}: fill {} in before deploying\n{}\n(--allow-placeholders deploys them as they are, e.g. against a local endpoint)", .found.len(), if .found.len() == 1 { "" } else { "s" }, if .found.len() == 1 { "it" } else { "them" }, indented(.found))]
    Placeholders {
        /// Each placeholder, described (where it is and what it stands for).
        found: Vec<String>,
    },
    /// `apply --hotswap` on a project marked as production: apply through
    /// CloudFormation, or force it.
    #[error("refusing to hot-swap stack `{stack}`: it is marked as production ({marker}), and a hot-swap leaves the stack different from its template. Nothing was changed. Run `blueprint apply` without --hotswap, or add --force-hotswap if you mean it")]
    Production { stack: String, marker: String },
    /// The environment's `account:` is not the account of the credentials
    /// in use: use that account's credentials, or another environment.
    #[error("refusing to work in environment `{environment}`: it is for AWS account {expected}, but the credentials in use are for account {actual}. Nothing was changed. Use credentials of account {expected} (--profile, AWS_PROFILE), or the environment meant for account {actual} (--env)")]
    WrongAccount {
        environment: String,
        expected: String,
        actual: String,
    },
    /// `plan --out` cannot write the plan file there: give a file's path.
    #[error("--out {}: {problem}; nothing was planned. Give the path of a file to write, such as plan.json", .path.display())]
    OutPath {
        path: PathBuf,
        problem: OutPathProblem,
    },
}

/// Why `--out` cannot be written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OutPathProblem {
    #[error("is a directory")]
    IsDirectory,
    #[error("is not a file name")]
    NotAFileName,
    #[error("the directory {} does not exist", .0.display())]
    NoDirectory(PathBuf),
    #[error("{} is not a directory", .0.display())]
    NotADirectory(PathBuf),
    #[error("cannot write in {}: {detail}", .dir.display())]
    CannotWrite { dir: PathBuf, detail: String },
}

/// `--allow-data-loss A --allow-data-loss B`.
pub fn allow_flags(ids: &[String]) -> String {
    ids.iter()
        .map(|id| format!("--allow-data-loss {id}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn indented(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Refusal {
    /// The process exit code: the user's to resolve, never a plan outcome.
    pub fn exit_code(&self) -> i32 {
        match self {
            Refusal::DataLoss { .. }
            | Refusal::ApplyCancelled
            | Refusal::DestroyCancelled
            | Refusal::Placeholders { .. }
            | Refusal::OutPath { .. }
            | Refusal::Production { .. }
            | Refusal::WrongAccount { .. } => crate::EXIT_USER,
        }
    }
}
