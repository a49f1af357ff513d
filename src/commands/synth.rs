//! `blueprint synth`: write the templates, the function packages and a
//! manifest. Everything is computed and checked in memory first; files are
//! written only when all checks pass, each atomically (write, then rename).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::commands::project::{resolve, ProjectArgs};
use crate::error::Error;
use crate::output::Printer;
use crate::render::Format;
use crate::synthesis::{synthesize, Synthesized};

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

/// One function package in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestAsset {
    pub function: String,
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
                function: p.function.clone(),
                file: format!("assets/{}", p.key),
                key: p.key.clone(),
                sha256: p.sha256.clone(),
                bytes: p.zip.len(),
                unzipped_bytes: p.unzipped_bytes,
                source: p.origin.clone(),
            })
            .collect(),
    }
}

/// Writes `contents` to `path` through a temporary file in the same directory.
fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), Error> {
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
        write_atomic(&out.join("assets").join(&p.key), &p.zip)?;
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

pub fn run(req: &SynthRequest, printer: &mut Printer) -> Result<(), Error> {
    let project = resolve(&req.project)?;
    let s = synthesize(
        project.blueprint,
        &project.source,
        &project.code,
        &req.project.overrides,
        req.format,
    )?;
    if req.stdout {
        for t in &s.templates {
            printer.result(t.body.trim_end_matches('\n'));
        }
        for n in &s.notes {
            printer.note(n);
        }
        return Ok(());
    }
    let m = write(&s, &req.out)?;
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
    for a in &m.assets {
        printer.status(&format!(
            "  {}  function `{}` from {}, {} bytes",
            a.file, a.function, a.source, a.bytes
        ));
    }
    printer.status(&format!("  {MANIFEST}"));
    for n in &s.notes {
        printer.note(n);
    }
    Ok(())
}
