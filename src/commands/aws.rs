//! What every command that talks to AWS shares: the runtime, the clients of
//! each region a project's stacks live in, and confirmation prompts.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};

use crate::deploy::regions::Regions;
use crate::deploy::sdk::{Aws, AwsOptions};
use crate::error::Error;

/// Runs `f` on a single-threaded runtime; Ctrl-C stops it and exits 130.
pub fn run_async<T>(
    f: impl std::future::Future<Output = Result<T, Error>>,
    on_interrupt: &str,
) -> Result<T, Error> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("starting the async runtime: {e}")))?;
    rt.block_on(async {
        tokio::select! {
            r = f => r,
            _ = tokio::signal::ctrl_c() => Err(Error::Interrupted(on_interrupt.to_string())),
        }
    })
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
