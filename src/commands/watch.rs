//! `blueprint watch`: watches the project's `functions/` and its project
//! file; after a change (debounced) it synthesizes and applies with
//! `--hotswap` (a full apply where a hot-swap cannot do), one line per
//! round with its duration, until Ctrl-C.
//!
//! Changes are found by polling the files' sizes and modification times
//! (every 200 ms): no platform watcher, the same on every system.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::commands::apply::ApplyRequest;
use crate::commands::aws::{confirm, runtime};
use crate::commands::hotswap::{hotswap_outcome, Hotswap, HotswapRequest, Outcome};
use crate::commands::plan::{connect_project, Connected};
use crate::deploy::plan::Pending;
use crate::error::Error;
use crate::output::{Printer, Verbosity};

/// `watch`'s request: what each round applies.
#[derive(Clone, Debug)]
pub struct WatchRequest {
    pub hotswap: HotswapRequest,
    /// Quiet time after the last change before a round starts.
    pub debounce: Duration,
}

/// The default [`WatchRequest::debounce`].
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// How often the files are looked at.
const POLL: Duration = Duration::from_millis(200);

/// Each watched file's size and modification time.
pub type Fingerprint = BTreeMap<PathBuf, (u64, Option<SystemTime>)>;

/// Files a round ignores: caches, editors' swap and backup files, hidden
/// directories.
fn ignored(name: &str) -> bool {
    name.starts_with('.')
        || name == "__pycache__"
        || name == "node_modules"
        || name.ends_with(".pyc")
        || name.ends_with('~')
        || name.ends_with(".swp")
}

/// The fingerprint of `project_file` and everything under `functions`.
pub fn fingerprint(project_file: &Path, functions: &Path) -> Fingerprint {
    let mut out = Fingerprint::new();
    let mut add = |p: &Path| {
        if let Ok(m) = std::fs::metadata(p) {
            out.insert(p.to_path_buf(), (m.len(), m.modified().ok()));
        }
    };
    add(project_file);
    let mut dirs = vec![functions.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if ignored(&name) {
                continue;
            }
            let path = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => dirs.push(path),
                Ok(t) if t.is_file() => add(&path),
                _ => {}
            }
        }
    }
    out
}

/// The files that differ between two fingerprints (added, removed, changed).
pub fn changed(old: &Fingerprint, new: &Fingerprint) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = new
        .iter()
        .filter(|(p, v)| old.get(*p) != Some(*v))
        .map(|(p, _)| p.clone())
        .collect();
    out.extend(old.keys().filter(|p| !new.contains_key(*p)).cloned());
    out.sort();
    out
}

/// Waits for a change and then for `debounce` of quiet; returns the
/// fingerprint after it and the files that changed.
async fn next_change(
    file: &Path,
    functions: &Path,
    last: &Fingerprint,
    debounce: Duration,
) -> (Fingerprint, Vec<PathBuf>) {
    loop {
        tokio::time::sleep(POLL).await;
        let mut now = fingerprint(file, functions);
        if changed(last, &now).is_empty() {
            continue;
        }
        // Debounce: an editor saving several files, a formatter after it.
        loop {
            tokio::time::sleep(debounce).await;
            let again = fingerprint(file, functions);
            if changed(&now, &again).is_empty() {
                break;
            }
            now = again;
        }
        let files = changed(last, &now);
        return (now, files);
    }
}

/// One round: synthesize, connect, hot-swap or apply; its one-line summary.
async fn round(req: &WatchRequest, inner: &mut Printer) -> Result<String, Error> {
    let apply = &req.hotswap.apply;
    let Connected { synth, clients, .. } = connect_project(&apply.deploy, inner).await?;
    let protection = synth.expansion.project.termination_protection;
    let mut ask = |q: &str| confirm(q, true);
    let pending = Pending::default();
    let ctx = Hotswap {
        regions: &clients,
        functions: &clients,
        synth: &synth,
        req: &req.hotswap,
        termination_protection: protection,
        pending: &pending,
    };
    let outcome = hotswap_outcome(&ctx, &mut ask, inner).await?;
    Ok(match outcome {
        Outcome::NoChanges => "no changes".to_string(),
        Outcome::Swapped(n) => format!("hot-swapped {n} function{}", if n == 1 { "" } else { "s" }),
        Outcome::Applied(_) => "applied through a change set".to_string(),
    })
}

/// Watches until Ctrl-C (exit 0), or for `rounds` rounds when given.
pub async fn watch_with(
    req: &WatchRequest,
    project_file: &Path,
    rounds: Option<usize>,
    printer: &mut Printer,
) -> Result<i32, Error> {
    let dir = project_file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let functions = match dir == Path::new(".") {
        true => PathBuf::from("functions"),
        false => dir.join("functions"),
    };
    if !project_file.is_file() {
        return Err(Error::User(format!(
            "{}: no project file to watch; run `blueprint watch` in a project directory (one `blueprint new` made), or pass --config",
            project_file.display()
        )));
    }
    let mut last = fingerprint(project_file, &functions);
    printer.status(&format!(
        "watching {} and {} (Ctrl-C to stop)",
        project_file.display(),
        functions.display()
    ));
    let mut n = 0;
    loop {
        let wait = next_change(project_file, &functions, &last, req.debounce);
        let (now, files) = tokio::select! {
            r = wait => r,
            _ = tokio::signal::ctrl_c() => {
                printer.status("stopped watching");
                return Ok(crate::EXIT_OK);
            }
        };
        last = now;
        n += 1;
        let start = Instant::now();
        // The round's own output is shown with --verbose only.
        let mut inner = match printer.verbosity() {
            Verbosity::Verbose => Printer::terminal(Verbosity::Normal),
            _ => Printer::capture(Verbosity::Quiet).0,
        };
        let what = tokio::select! {
            r = round(req, &mut inner) => r,
            _ = tokio::signal::ctrl_c() => {
                printer.status("stopped watching; an update already sent goes on (`blueprint status --watch` follows it)");
                return Ok(crate::EXIT_OK);
            }
        };
        let secs = start.elapsed().as_secs_f64();
        let trigger = files
            .first()
            .map(|f| f.strip_prefix(dir).unwrap_or(f).display().to_string())
            .unwrap_or_default();
        let more = match files.len() {
            0 | 1 => String::new(),
            k => format!(" and {} more", k - 1),
        };
        match what {
            Ok(line) => printer.result(&format!(
                "round {n} ({trigger}{more}): {line} in {secs:.2}s"
            )),
            Err(e) => printer.result(&format!(
                "round {n} ({trigger}{more}): failed after {secs:.2}s: {e}"
            )),
        }
        if rounds.is_some_and(|r| n >= r) {
            return Ok(crate::EXIT_OK);
        }
    }
}

pub fn run(req: &WatchRequest, printer: &mut Printer) -> Result<i32, Error> {
    let file = req
        .hotswap
        .apply
        .deploy
        .project
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(crate::config::PROJECT_FILE));
    runtime()?.block_on(watch_with(req, &file, None, printer))
}

/// The request of each round: `apply --hotswap --yes`.
pub fn request(apply: ApplyRequest, force: bool) -> WatchRequest {
    WatchRequest {
        hotswap: HotswapRequest {
            apply: ApplyRequest { yes: true, ..apply },
            force,
        },
        debounce: DEBOUNCE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_added_or_removed_file_is_a_change_and_caches_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("blueprint.yaml");
        let functions = dir.path().join("functions");
        std::fs::create_dir_all(functions.join("api/__pycache__")).unwrap();
        std::fs::write(&file, "blueprint: todo\n").unwrap();
        std::fs::write(functions.join("api/handler.py"), "a").unwrap();
        let before = fingerprint(&file, &functions);
        std::fs::write(functions.join("api/__pycache__/handler.pyc"), "x").unwrap();
        std::fs::write(functions.join("api/.handler.py.swp"), "x").unwrap();
        assert!(changed(&before, &fingerprint(&file, &functions)).is_empty());
        std::fs::write(functions.join("api/handler.py"), "ab").unwrap();
        std::fs::write(functions.join("api/new.py"), "").unwrap();
        let after = fingerprint(&file, &functions);
        assert_eq!(
            changed(&before, &after),
            [
                functions.join("api/handler.py"),
                functions.join("api/new.py")
            ]
        );
        std::fs::remove_file(functions.join("api/new.py")).unwrap();
        assert_eq!(
            changed(&after, &fingerprint(&file, &functions)),
            [
                functions.join("api/handler.py"),
                functions.join("api/new.py")
            ][1..]
        );
    }
}
