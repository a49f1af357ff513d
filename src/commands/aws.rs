//! What every command that talks to AWS shares: the runtime, the clients of
//! each region a project's stacks live in, and confirmation prompts.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};

use crate::deploy::cloudformation::CloudFormation;
use crate::deploy::plan::{clean_up, Pending};
use crate::deploy::regions::Regions;
use crate::deploy::sdk::{Aws, AwsOptions};
use crate::error::Error;

/// The single-threaded runtime the commands run on.
pub fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("starting the async runtime: {e}")))
}

/// Runs `f` on a single-threaded runtime; Ctrl-C stops it and exits 130.
pub fn run_async<T>(
    f: impl std::future::Future<Output = Result<T, Error>>,
    on_interrupt: &str,
) -> Result<T, Error> {
    runtime()?.block_on(async {
        tokio::select! {
            r = f => r,
            _ = tokio::signal::ctrl_c() => Err(Error::Interrupted(on_interrupt.to_string())),
        }
    })
}

/// Runs `work` until it ends or Ctrl-C; `None` when interrupted (`work` is
/// dropped by then, so what it borrowed is free again).
pub async fn interruptible<T>(work: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::select! {
        r = work => Some(r),
        _ = tokio::signal::ctrl_c() => None,
    }
}

/// The error for an interrupted plan or apply, after removing the change
/// sets it left (and the empty stacks their creation made); says exactly
/// what was removed and what is left. `otherwise` is the message when no
/// change set was pending.
pub async fn interrupted<C: CloudFormation>(
    regions: &Regions<C>,
    pending: &Pending,
    otherwise: &str,
) -> Error {
    const LIMIT: std::time::Duration = std::time::Duration::from_secs(30);
    let left = pending.snapshot();
    if left.is_empty() {
        return Error::Interrupted(otherwise.to_string());
    }
    let lines = tokio::select! {
        r = tokio::time::timeout(LIMIT, clean_up(regions, pending)) => r.ok(),
        _ = tokio::signal::ctrl_c() => None,
    };
    let lines = lines.unwrap_or_else(|| {
        left.iter()
            .map(|p| format!(
                "left behind on stack `{}`: change set `{}`{}; remove it with `aws cloudformation {}`",
                p.stack,
                p.name,
                if p.creates_stack { " and the empty REVIEW_IN_PROGRESS stack" } else { "" },
                if p.creates_stack {
                    format!("delete-stack --stack-name {}", p.stack)
                } else {
                    format!("delete-change-set --stack-name {} --change-set-name {}", p.stack, p.name)
                }
            ))
            .collect()
    });
    Error::Interrupted(format!(
        "stopped before any change was executed; {}",
        lines.join("; ")
    ))
}

/// Connects to every region in `regions`.
pub async fn connect(regions: &[String], opts: &AwsOptions) -> Regions<Aws> {
    let mut clients = BTreeMap::new();
    for r in regions {
        if !clients.contains_key(r) {
            clients.insert(r.clone(), Aws::connect(r, opts).await);
        }
    }
    Regions::new(clients)
}

/// Asks `question` on the terminal; without a terminal, refuses unless `yes`.
pub fn confirm(question: &str, yes: bool) -> Result<bool, Error> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::User(
            "standard input is not a terminal, so nobody can confirm: pass --yes to proceed without confirmation".into(),
        ));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::Internal(format!("reading the answer: {e}")))?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
