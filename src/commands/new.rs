//! `blueprint new`: write a scaffolded project (see [`crate::scaffold`]).
//!
//! Into a missing or empty directory every file is written. A non-empty
//! directory is refused unless `--force`; then a file that exists with other
//! contents is overwritten only when it is still what `new` wrote last time
//! (its SHA-256 is in `.blueprint-scaffold.json`). Files the user changed are
//! kept, listed, and make the command exit 1.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::Digest as _;

use crate::assets::write_atomic;
use crate::blueprints::Catalog;
use crate::config::{Region, StackName};
use crate::error::Error;
use crate::output::Printer;
use crate::scaffold::{scaffold, ScaffoldFile, RECORD};

/// What `new` was asked to do.
#[derive(Clone, Debug)]
pub struct NewRequest {
    /// The blueprint's name.
    pub blueprint: String,
    /// The directory (default: `./<stack name>`).
    pub dir: Option<PathBuf>,
    pub name: Option<String>,
    pub region: Option<String>,
    pub force: bool,
    /// The blueprints `blueprint` may name.
    pub catalog: Catalog,
}

/// What happened to each file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewReport {
    pub dir: PathBuf,
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    /// Files the user changed, kept as they are.
    pub kept: Vec<String>,
}

fn read_record(dir: &Path) -> BTreeMap<String, String> {
    // Our own bookkeeping: one that is too large or not ours counts as none.
    const MAX_RECORD_BYTES: u64 = 1024 * 1024;
    crate::commands::synth::read_at_most(&dir.join(RECORD), MAX_RECORD_BYTES)
        .ok()
        .filter(|b| b.len() as u64 <= MAX_RECORD_BYTES)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// The stack name a project in `dir` gets without `--name`: the directory's
/// last component, lowercased, every run of other characters a hyphen,
/// starting at its first letter, at most 128 characters (CloudFormation's
/// limit). `None` when nothing valid is left (`new todo 2024/`).
pub fn stack_name_from_dir(dir: &Path) -> Option<StackName> {
    let resolved;
    let dir = if dir.file_name().is_some() {
        dir
    } else {
        // `.` or `..` (which exist): the directory they name.
        resolved = std::fs::canonicalize(dir).ok()?;
        resolved.as_path()
    };
    let last = dir.file_name()?.to_string_lossy().to_lowercase();
    let mut name = String::new();
    for c in last.chars() {
        if c.is_ascii_lowercase() || (c.is_ascii_digit() && !name.is_empty()) {
            name.push(c);
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    name.truncate(128);
    let name = name.trim_end_matches('-');
    StackName::new(name).ok()
}

/// Writes `files` into `dir` following the rules above.
pub fn write(dir: &Path, files: &[ScaffoldFile], force: bool) -> Result<NewReport, Error> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::User(format!(
            "{} exists and is not a directory",
            dir.display()
        )));
    }
    let non_empty = dir.is_dir()
        && std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .next()
            .is_some();
    if non_empty && !force {
        return Err(Error::User(format!(
            "{} is not empty; choose another directory, or pass --force to add the missing files and update the ones you have not changed (changed files are kept)",
            dir.display()
        )));
    }
    let previous = read_record(dir);
    let mut record = previous.clone();
    let mut report = NewReport {
        dir: dir.to_path_buf(),
        ..Default::default()
    };
    for f in files {
        let path = dir.join(&f.path);
        let sha = f.sha256();
        match std::fs::read(&path) {
            Ok(old) if old == f.contents => {
                report.unchanged.push(f.path.clone());
                record.insert(f.path.clone(), sha);
            }
            Ok(old) => {
                let old_sha = crate::assets::hex(&sha2::Sha256::digest(&old));
                if previous.get(&f.path) == Some(&old_sha) {
                    write_atomic(&path, &f.contents)?;
                    report.updated.push(f.path.clone());
                    record.insert(f.path.clone(), sha);
                } else {
                    report.kept.push(f.path.clone());
                }
            }
            Err(_) => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                }
                write_atomic(&path, &f.contents)?;
                report.created.push(f.path.clone());
                record.insert(f.path.clone(), sha);
            }
        }
    }
    let mut json = serde_json::to_string_pretty(&record)
        .map_err(|e| Error::Internal(format!("serializing {RECORD}: {e}")))?;
    json.push('\n');
    write_atomic(&dir.join(RECORD), json.as_bytes())?;
    Ok(report)
}

pub fn run(req: &NewRequest, printer: &mut Printer) -> Result<i32, Error> {
    let blueprint = req.catalog.find(&req.blueprint)?;
    let name = req
        .name
        .as_deref()
        .map(|n| StackName::new(n).map_err(|e| Error::User(format!("--name: {e}"))))
        .transpose()?;
    let region = req
        .region
        .as_deref()
        .map(|r| Region::new(r).map_err(|e| Error::User(format!("--region: {e}"))))
        .transpose()?;
    // Without --name, a project in DIR is stack DIR (made a valid name), so
    // two projects in two directories never deploy to the same stack.
    let from_dir = match (&name, &req.dir) {
        (None, Some(d)) => stack_name_from_dir(d),
        _ => None,
    };
    let derived = from_dir.is_some();
    let name = name.or(from_dir);
    let files = scaffold(blueprint, name.as_ref(), region.as_ref())?;
    let dir = match &req.dir {
        Some(d) => d.clone(),
        None => PathBuf::from(
            name.as_ref()
                .map_or(blueprint.name().to_string(), |n| n.to_string()),
        ),
    };
    let report = write(&dir, &files, req.force)?;
    printer.status(&format!(
        "created a `{}` project in {}{}: {} file{} written, {} updated, {} unchanged",
        blueprint.name(),
        dir.display(),
        match (&name, derived) {
            (Some(n), true) =>
                format!(" (stack `{n}`, from the directory's name; --name sets another)"),
            _ => String::new(),
        },
        report.created.len(),
        if report.created.len() == 1 { "" } else { "s" },
        report.updated.len(),
        report.unchanged.len()
    ));
    for f in &report.created {
        printer.detail(&format!("  + {f}"));
    }
    for f in &report.updated {
        printer.detail(&format!("  ~ {f}"));
    }
    if !report.kept.is_empty() {
        printer.warning(&format!(
            "kept {} file{} you changed (not overwritten): {}",
            report.kept.len(),
            if report.kept.len() == 1 { "" } else { "s" },
            report.kept.join(", ")
        ));
        return Ok(crate::EXIT_USER);
    }
    printer.status(&format!(
        "next: cd {} && blueprint synth   (see its README.md)",
        dir.display()
    ));
    Ok(crate::EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(dir: &str) -> Option<String> {
        stack_name_from_dir(Path::new(dir)).map(|n| n.to_string())
    }

    #[test]
    fn the_stack_is_named_after_the_directory() {
        assert_eq!(named("myblog").as_deref(), Some("myblog"));
        assert_eq!(named("work/My Blog_2").as_deref(), Some("my-blog-2"));
        assert_eq!(named("/tmp/new-todo/").as_deref(), Some("new-todo"));
        assert_eq!(named("2026-shop").as_deref(), Some("shop"));
        assert_eq!(named("--x--").as_deref(), Some("x"));
        assert_eq!(named("été").as_deref(), Some("t"));
        assert_eq!(named(&"a".repeat(300)).map(|n| n.len()), Some(128));
        for nothing in ["2024", "---", "/", "日本"] {
            assert_eq!(named(nothing), None, "{nothing}");
        }
        // `.` is the directory it names.
        let here = std::env::current_dir().unwrap();
        assert_eq!(
            named("."),
            stack_name_from_dir(&here).map(|n| n.to_string())
        );
    }
}
