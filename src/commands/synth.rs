//! `blueprint synth`: write the templates, the function packages and a
//! manifest. Everything is computed and checked in memory first; files are
//! written only when all checks pass, each atomically (write, then rename).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::commands::project::{resolve, ProjectArgs};
use crate::error::Error;
use crate::output::Printer;
use crate::placement::{Home, Placement};
use crate::render::Format;
use crate::synthesis::{RenderedNested, Synthesized};

/// The default output directory.
pub const DEFAULT_OUT: &str = "blueprint.out";
/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";

/// What `synth` was asked to do.
#[derive(Clone, Debug)]
pub struct SynthRequest {
    pub project: ProjectArgs,
    pub out: PathBuf,
    pub format: Format,
    /// Print the template to standard output and write nothing.
    pub stdout: bool,
    /// `json`: print the manifest to standard output after writing.
    pub output: crate::commands::plan::OutputFormat,
}

/// `manifest.json`: what synth wrote, for `plan`/`apply` and for people.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub blueprint: String,
    pub stack_name: String,
    pub region: String,
    pub tags: indexmap::IndexMap<String, String>,
    pub format: String,
    pub stacks: Vec<ManifestStack>,
    pub assets: Vec<ManifestAsset>,
}

/// One template in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestStack {
    pub stack_name: String,
    pub template: String,
    pub sha256: String,
    pub bytes: usize,
    pub resources: usize,
}

/// What an asset is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    /// A function package (`<sha256>.zip`).
    #[default]
    Function,
    /// A nested stack template (`<sha256>.template.<ext>`).
    Template,
}

/// One asset in the manifest: a function package or a nested stack
/// template. The deploy layer uploads each to the assets bucket under `key`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestAsset {
    #[serde(default)]
    pub kind: AssetKind,
    /// The function's code directory (function packages only).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub function: String,
    /// The nested stack's path, `<stack>/<logical ID>/...` (templates only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    /// Resources in the nested template (templates only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<usize>,
    pub file: String,
    pub key: String,
    pub sha256: String,
    pub bytes: usize,
    pub unzipped_bytes: u64,
    pub source: String,
}

/// The manifest describing `s`.
pub fn manifest(s: &Synthesized) -> Manifest {
    let p = &s.expansion.project;
    Manifest {
        version: 1,
        blueprint: p.blueprint.to_string(),
        stack_name: p.stack_name.to_string(),
        region: p.region.to_string(),
        tags: p.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        format: s.format.extension().to_string(),
        stacks: s
            .templates
            .iter()
            .zip(&s.expansion.stacks)
            .map(|(r, st)| ManifestStack {
                stack_name: r.stack_name.clone(),
                template: r.file_name.clone(),
                sha256: r.sha256.clone(),
                bytes: r.body.len(),
                resources: st.template.resources().len(),
            })
            .collect(),
        assets: s
            .expansion
            .packages
            .iter()
            .map(|p| ManifestAsset {
                kind: AssetKind::Function,
                function: p.function.clone(),
                stack: None,
                resources: None,
                file: format!("assets/{}", p.key),
                key: p.key.clone(),
                sha256: p.sha256.clone(),
                bytes: p.zip.len(),
                unzipped_bytes: p.unzipped_bytes,
                source: p.origin.clone(),
            })
            .chain(unique_nested(s).map(|n| ManifestAsset {
                kind: AssetKind::Template,
                function: String::new(),
                stack: Some(n.path.clone()),
                resources: Some(n.resources),
                file: format!("assets/{}", n.key),
                key: n.key.clone(),
                sha256: n.sha256.clone(),
                bytes: n.body.len(),
                unzipped_bytes: n.body.len() as u64,
                source: "<generated>".to_string(),
            }))
            .collect(),
    }
}

/// The nested templates, each content once (identical templates share a key).
fn unique_nested(s: &Synthesized) -> impl Iterator<Item = &RenderedNested> {
    let mut seen = std::collections::HashSet::new();
    s.nested.iter().filter(move |n| seen.insert(n.key.as_str()))
}

/// Writes `contents` to `path` through a temporary file in the same directory.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), Error> {
    if std::fs::read(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{file_name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, contents).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// Writes a content-addressed asset (its name is its SHA-256), unless it is
/// there already. No temporary file: until the manifest that lists it is
/// written (last, atomically), nothing reads it, and a file a crash left
/// short is rewritten by the next synth, which finds its content different.
fn write_asset(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let same = std::fs::metadata(path).is_ok_and(|m| m.len() == contents.len() as u64)
        && std::fs::read(path).is_ok_and(|old| old == contents);
    if same {
        return Ok(());
    }
    std::fs::write(path, contents).map_err(|e| Error::io(path, e))
}

fn create_dir(path: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(path).map_err(|e| Error::io(path, e))
}

/// Writes everything `s` holds into `out`; returns the manifest. Files listed
/// by the previous manifest that are no longer produced are removed.
pub fn write(s: &Synthesized, out: &Path) -> Result<Manifest, Error> {
    if out.exists() && !out.is_dir() {
        return Err(Error::User(format!(
            "{} exists and is not a directory; choose another --out",
            out.display()
        )));
    }
    let m = manifest(s);
    let manifest_path = out.join(MANIFEST);
    let previous: Option<Manifest> = std::fs::read(&manifest_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    create_dir(&out.join("assets"))?;
    for p in &s.expansion.packages {
        write_asset(&out.join("assets").join(&p.key), &p.zip)?;
    }
    for n in unique_nested(s) {
        write_asset(&out.join("assets").join(&n.key), n.body.as_bytes())?;
    }
    for t in &s.templates {
        write_atomic(&out.join(&t.file_name), t.body.as_bytes())?;
    }
    let mut json = serde_json::to_string_pretty(&m)
        .map_err(|e| Error::Internal(format!("serializing the manifest: {e}")))?;
    json.push('\n');
    write_atomic(&manifest_path, json.as_bytes())?;
    if let Some(prev) = previous {
        let keep: Vec<&str> = m
            .stacks
            .iter()
            .map(|s| s.template.as_str())
            .chain(m.assets.iter().map(|a| a.file.as_str()))
            .collect();
        let stale = prev
            .stacks
            .iter()
            .map(|s| s.template.as_str())
            .chain(prev.assets.iter().map(|a| a.file.as_str()))
            .filter(|f| !keep.contains(f) && !f.contains(".."));
        for f in stale {
            let _ = std::fs::remove_file(out.join(f));
        }
    }
    Ok(m)
}

/// Frees a synthesis off the calling thread: a big one (hundreds of nested
/// stacks) takes a while to free, and a process about to exit need not wait.
fn release(s: Synthesized) {
    let _ = std::thread::Builder::new().spawn(move || drop(s));
}

/// Nested stacks and splits: a summary, and one line per template with -v.
fn report_nested(s: &Synthesized, m: &Manifest, printer: &mut Printer) {
    if s.nested.is_empty() {
        return;
    }
    let counts: Vec<usize> = s.nested.iter().map(|n| n.resources).collect();
    let (lo, hi) = (
        counts.iter().min().copied().unwrap_or(0),
        counts.iter().max().copied().unwrap_or(0),
    );
    let biggest = s.nested.iter().map(|n| n.body.len()).max().unwrap_or(0);
    let files = m
        .assets
        .iter()
        .filter(|a| a.kind == AssetKind::Template)
        .count();
    printer.status(&format!(
        "  assets/<sha256>.template.json  {} nested stack{} in {} file{}, {lo} to {hi} resources each, largest {biggest} bytes",
        s.nested.len(),
        if s.nested.len() == 1 { "" } else { "s" },
        files,
        if files == 1 { "" } else { "s" },
    ));
    for sp in &s.splits {
        let parts: Vec<String> = sp
            .overflow
            .iter()
            .map(|(id, units, resources)| format!("{id}: {units} units, {resources} resources"))
            .collect();
        printer.status(&format!(
            "  split {}: over CloudFormation's limits, so {} units stay and the rest go to {} overflow stack{} ({})",
            sp.path,
            sp.kept_units,
            sp.overflow.len(),
            if sp.overflow.len() == 1 { "" } else { "s" },
            parts.join("; ")
        ));
    }
    for n in &s.nested {
        printer.detail(&format!(
            "    assets/{}  {}, {} resources, {} bytes",
            n.key,
            n.path,
            n.resources,
            n.body.len()
        ));
    }
}

/// Writes the placement file when the project has units: the previous
/// placement with this synthesis's templates replaced (another stack name's
/// entries stay). Returns its status line; `None` when nothing has units.
pub(crate) fn write_placement(
    path: &Path,
    previous: &Placement,
    s: &Synthesized,
) -> Result<Option<String>, Error> {
    if s.placement.templates.is_empty() {
        return Ok(None);
    }
    let mut next = previous.clone();
    next.update(&s.placement);
    let json = next.to_json()?;
    let same = std::fs::read(path).is_ok_and(|old| old == json.as_bytes());
    if !same {
        write_atomic(path, json.as_bytes())?;
    }
    let units: Vec<Home> = s
        .placement
        .templates
        .values()
        .flat_map(|u| u.values().copied())
        .collect();
    let moved = units.iter().filter(|h| **h != Home::Root).count();
    Ok(Some(format!(
        "  {}  where each of {} units lives ({} in overflow stacks){}; commit it",
        path.display(),
        units.len(),
        moved,
        if same { ", unchanged" } else { "" }
    )))
}

pub fn run(req: &SynthRequest, printer: &mut Printer) -> Result<(), Error> {
    let project = resolve(&req.project)?;
    let (s, previous) = project.synthesize(&req.project.overrides, req.format)?;
    if req.stdout {
        for t in &s.templates {
            printer.result(t.body.trim_end_matches('\n'));
        }
        for n in &s.notes {
            printer.note(n);
        }
        release(s);
        return Ok(());
    }
    let m = write(&s, &req.out)?;
    let placement = match &project.placement_file {
        Some(path) => write_placement(path, &previous, &s)?,
        None => None,
    };
    if req.output == crate::commands::plan::OutputFormat::Json {
        let json = serde_json::to_string_pretty(&m)
            .map_err(|e| Error::Internal(format!("serializing the manifest: {e}")))?;
        printer.result(&json);
    }
    printer.status(&format!(
        "synthesized {} (stack {}, region {}) from {} into {}",
        m.blueprint,
        m.stack_name,
        m.region,
        project.source.name,
        req.out.display()
    ));
    for st in &m.stacks {
        printer.status(&format!(
            "  {}  {} resources, {} bytes",
            st.template, st.resources, st.bytes
        ));
    }
    for a in m.assets.iter().filter(|a| a.kind == AssetKind::Function) {
        printer.status(&format!(
            "  {}  function `{}` from {}, {} bytes",
            a.file, a.function, a.source, a.bytes
        ));
    }
    report_nested(&s, &m, printer);
    printer.status(&format!("  {MANIFEST}"));
    if let Some(line) = placement {
        printer.status(&line);
    }
    for n in &s.notes {
        printer.note(n);
    }
    release(s);
    Ok(())
}
