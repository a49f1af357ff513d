//! `blueprint synth`: write the templates, the function packages and a
//! manifest. Everything is computed and checked in memory first; files are
//! written only when all checks pass, each atomically (write, then rename).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::assets::write_atomic;
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
    pub output: crate::output::OutputFormat,
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

/// Writes a content-addressed asset (its name is its SHA-256) through a
/// temporary file, unless a file of its size is there already: written this
/// way, a file under that name is complete, and its name says what it holds.
fn write_asset(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let there = std::fs::symlink_metadata(path)
        .is_ok_and(|m| m.is_file() && m.len() == contents.len() as u64);
    if there {
        return Ok(());
    }
    write_atomic(path, contents)
}

/// Where synth writes in `out`, checked before anything is written: the
/// output directory (created if missing), its `assets/` folder (which must be
/// a folder inside it, not a link elsewhere), and no folder where a file goes.
struct OutDir {
    /// `out` as given.
    out: PathBuf,
    /// `out` resolved.
    resolved: PathBuf,
}

impl OutDir {
    fn prepare(out: &Path, files: &[PathBuf]) -> Result<Self, Error> {
        if out.exists() && !out.is_dir() {
            return Err(Error::User(format!(
                "{} exists and is not a directory; choose another --out",
                out.display()
            )));
        }
        let assets = out.join("assets");
        if let Ok(meta) = std::fs::symlink_metadata(&assets) {
            if meta.file_type().is_symlink() {
                let resolved_out = out.canonicalize().map_err(|e| Error::io(out, e))?;
                let target = std::fs::read_link(&assets).map_err(|e| Error::io(&assets, e))?;
                match assets.canonicalize() {
                    Ok(t) if t.starts_with(&resolved_out) && t.is_dir() => {}
                    Ok(t) => {
                        return Err(Error::User(format!(
                            "{} is a symbolic link to `{}` ({}), outside {}; synth writes only inside its output directory: remove the link, or choose another --out",
                            assets.display(),
                            target.display(),
                            t.display(),
                            out.display()
                        )))
                    }
                    Err(_) => {
                        return Err(Error::User(format!(
                            "{} is a symbolic link to `{}`, which does not exist; remove the link, or choose another --out",
                            assets.display(),
                            target.display()
                        )))
                    }
                }
            } else if !meta.is_dir() {
                return Err(Error::User(format!(
                    "{} exists and is not a directory; synth keeps the function packages there: remove it, or choose another --out",
                    assets.display()
                )));
            }
        }
        for f in files {
            if std::fs::symlink_metadata(f).is_ok_and(|m| m.is_dir()) {
                return Err(Error::User(format!(
                    "{} is a directory, but synth writes a file there: remove it, or choose another --out",
                    f.display()
                )));
            }
        }
        create_dir(&assets)?;
        let resolved = out.canonicalize().map_err(|e| Error::io(out, e))?;
        Ok(OutDir {
            out: out.to_path_buf(),
            resolved,
        })
    }
}

fn create_dir(path: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(path).map_err(|e| {
        Error::User(format!(
            "could not create the directory {}: {}",
            path.display(),
            crate::assets::atomic::plain(&e)
        ))
    })
}

/// The previous run's manifest in `out`, if it is one; otherwise why its
/// entries are not trusted (a warning), or nothing when there is none.
/// A previous manifest larger than this is not read (a thousand services
/// write about 400 KB).
const MAX_MANIFEST_BYTES: u64 = 16 * 1024 * 1024;

fn previous_manifest(path: &Path) -> Result<Option<Manifest>, String> {
    let bytes = match read_at_most(path, MAX_MANIFEST_BYTES) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!(
                "could not read {} ({}), so no file it lists was removed",
                path.display(),
                crate::assets::atomic::plain(&e)
            ))
        }
    };
    let not_ours = |why: String| {
        format!(
            "{} {why}, so no file it lists was removed; it is replaced by this run's manifest",
            path.display()
        )
    };
    if bytes.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(not_ours(format!(
            "is larger than any manifest blueprint writes ({} MiB at most)",
            MAX_MANIFEST_BYTES / (1024 * 1024)
        )));
    }
    match serde_json::from_slice::<Manifest>(&bytes) {
        Ok(m) if m.version == 1 => Ok(Some(m)),
        Ok(m) => Err(not_ours(format!(
            "has schema version {}, which this blueprint does not write",
            m.version
        ))),
        Err(e) if e.is_data() => Err(not_ours("is not a manifest blueprint wrote".to_string())),
        Err(e) => Err(not_ours(format!(
            "is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))),
    }
}

/// Up to `limit` + 1 bytes of the file at `path`: enough to tell that it is
/// too large without reading all of it (`/dev/zero` never ends).
pub(crate) fn read_at_most(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Whether `entry` has the shape of a file synth writes: a top-level
/// `<stack>.template.<ext>`, or `assets/<sha256>.zip` or
/// `assets/<sha256>.template.<ext>`.
fn is_synth_output(entry: &str) -> bool {
    let template = |name: &str| {
        [".template.yaml", ".template.json"]
            .iter()
            .any(|ext| name.strip_suffix(ext).is_some_and(|stem| !stem.is_empty()))
    };
    let sha = |stem: &str| stem.len() == 64 && stem.bytes().all(|b| b.is_ascii_hexdigit());
    match entry.strip_prefix("assets/") {
        Some(name) => {
            name.strip_suffix(".zip").is_some_and(sha)
                || [".template.json", ".template.yaml"]
                    .iter()
                    .any(|ext| name.strip_suffix(ext).is_some_and(sha))
        }
        None => template(entry) && !entry.contains(['/', '\\']),
    }
}

/// The file a stale manifest entry names inside `dir`, when it may be
/// removed: `Ok(None)` when it is not there, `Err(why)` when it is left
/// alone (absolute, `..`, not synth's, or resolving outside the directory).
fn stale_file(dir: &OutDir, entry: &str) -> Result<Option<PathBuf>, String> {
    let out = dir.out.display();
    let path = Path::new(entry);
    let absolute = entry.starts_with(['/', '\\'])
        || path.components().any(|c| {
            matches!(
                c,
                std::path::Component::RootDir | std::path::Component::Prefix(_)
            )
        });
    if absolute {
        return Err(format!(
            "it is an absolute path; synth removes files only inside the output directory {out}"
        ));
    }
    if entry.split(['/', '\\']).any(|part| part == "..") {
        return Err(format!(
            "it contains `..`; synth removes files only inside the output directory {out}"
        ));
    }
    if !is_synth_output(entry) {
        return Err("synth never writes a file by that name".to_string());
    }
    let full = dir.out.join(entry);
    let parent = full.parent().unwrap_or(&dir.out);
    let resolved_parent = match parent.canonicalize() {
        Ok(p) => p,
        Err(_) => return Ok(None),
    };
    if !resolved_parent.starts_with(&dir.resolved) {
        return Err(format!(
            "its folder resolves to {}, outside the output directory {out}",
            resolved_parent.display()
        ));
    }
    let meta = match std::fs::symlink_metadata(&full) {
        Ok(m) => m,
        Err(_) => return Ok(None),
    };
    if meta.file_type().is_symlink() {
        return match full.canonicalize() {
            Ok(t) if t.starts_with(&dir.resolved) => Ok(Some(full)),
            Ok(t) => Err(format!(
                "it is a symbolic link to {}, outside the output directory {out}",
                t.display()
            )),
            Err(_) => Err("it is a symbolic link to something that does not exist".to_string()),
        };
    }
    if meta.is_dir() {
        return Err("it is a directory".to_string());
    }
    Ok(Some(full))
}

/// Removes what the previous manifest listed and this run no longer writes,
/// inside `dir` only; every entry left alone is a warning.
fn remove_stale(
    dir: &OutDir,
    manifest_path: &Path,
    previous: &Manifest,
    current: &Manifest,
    printer: &mut Printer,
) {
    let keep: std::collections::HashSet<&str> = current
        .stacks
        .iter()
        .map(|s| s.template.as_str())
        .chain(current.assets.iter().map(|a| a.file.as_str()))
        .collect();
    let mut seen = std::collections::HashSet::new();
    let stale = previous
        .stacks
        .iter()
        .map(|s| s.template.as_str())
        .chain(previous.assets.iter().map(|a| a.file.as_str()))
        .filter(|f| !keep.contains(f) && seen.insert(*f));
    for entry in stale {
        match stale_file(dir, entry) {
            Ok(Some(path)) => {
                if let Err(e) = std::fs::remove_file(&path) {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        printer.warning(&format!(
                            "could not remove {}, which this run no longer writes: {}",
                            path.display(),
                            crate::assets::atomic::plain(&e)
                        ));
                    }
                }
            }
            Ok(None) => {}
            Err(why) => printer.warning(&format!(
                "{} lists `{entry}`, which was not removed: {why}",
                manifest_path.display()
            )),
        }
    }
}

/// Writes everything `s` holds into `out`, the only place synth writes or
/// deletes; returns the manifest. Each file goes through a temporary file
/// and a rename. Files the previous manifest listed that this run no longer
/// writes are removed, if they are synth's and inside `out`; anything else
/// it lists is left alone with a warning.
pub fn write(s: &Synthesized, out: &Path, printer: &mut Printer) -> Result<Manifest, Error> {
    let m = manifest(s);
    let manifest_path = out.join(MANIFEST);
    let assets = out.join("assets");
    let files: Vec<PathBuf> = s
        .templates
        .iter()
        .map(|t| out.join(&t.file_name))
        .chain(m.assets.iter().map(|a| assets.join(&a.key)))
        .chain([manifest_path.clone()])
        .collect();
    let dir = OutDir::prepare(out, &files)?;
    let previous = previous_manifest(&manifest_path);
    for p in &s.expansion.packages {
        write_asset(&assets.join(&p.key), &p.zip)?;
    }
    for n in unique_nested(s) {
        write_asset(&assets.join(&n.key), n.body.as_bytes())?;
    }
    for t in &s.templates {
        write_atomic(&out.join(&t.file_name), t.body.as_bytes())?;
    }
    let mut json = serde_json::to_string_pretty(&m)
        .map_err(|e| Error::Internal(format!("serializing the manifest: {e}")))?;
    json.push('\n');
    write_atomic(&manifest_path, json.as_bytes())?;
    match previous {
        Ok(Some(prev)) => remove_stale(&dir, &manifest_path, &prev, &m, printer),
        Ok(None) => {}
        Err(why) => printer.warning(&why),
    }
    Ok(m)
}

/// Leaves a synthesis unfreed: `synth` is the last thing its process does
/// (its one caller is the command line, which exits with its result), and
/// the kernel takes the memory back at once at exit. Freeing it cost a
/// thread and about 8% of a 1,000-service run's CPU time, which the exit
/// then cut short anyway.
fn release(s: Synthesized) {
    std::mem::forget(s);
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
    for w in &s.warnings {
        printer.warning(w);
    }
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
    let m = write(&s, &req.out, printer)?;
    let placement = match &project.placement_file {
        Some(path) => write_placement(path, &previous, &s)?,
        None => None,
    };
    if req.output == crate::output::OutputFormat::Json {
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

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "1106a5fea31ca17a743f88164ae4176048b5bc336ea889c2bebfd89735e6048f";

    #[test]
    fn only_names_synth_writes_count_as_its_output() {
        for ok in [
            "todo.template.yaml".to_string(),
            "todo.template.json".to_string(),
            format!("assets/{SHA}.zip"),
            format!("assets/{SHA}.template.json"),
        ] {
            assert!(is_synth_output(&ok), "{ok}");
        }
        for no in [
            "",
            ".template.yaml",
            "notes.txt",
            "manifest.json",
            "a/b.template.yaml",
            "assets/x.zip",
            "assets/todo.template.yaml",
            "assets/../x.template.yaml",
            "/etc/x.template.yaml",
            "C:\\x.template.yaml",
        ] {
            assert!(!is_synth_output(no), "{no}");
        }
    }

    fn out_dir(dir: &Path) -> OutDir {
        OutDir::prepare(&dir.join("out"), &[]).unwrap()
    }

    #[test]
    fn stale_entries_outside_the_directory_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let out = out_dir(dir.path());
        let why = |e: &str| stale_file(&out, e).unwrap_err();
        let outside = dir.path().join("x.template.yaml");
        std::fs::write(&outside, "keep").unwrap();
        assert!(why(outside.to_str().unwrap()).starts_with("it is an absolute path;"));
        assert!(why("../x.template.yaml").starts_with("it contains `..`;"));
        assert!(why("assets\\..\\..\\x.template.yaml").starts_with("it contains `..`;"));
        assert_eq!(why("notes.txt"), "synth never writes a file by that name");
        // Not there: nothing to do.
        assert_eq!(stale_file(&out, "gone.template.yaml"), Ok(None));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&outside, dir.path().join("out/l.template.yaml")).unwrap();
            assert!(why("l.template.yaml").starts_with("it is a symbolic link to "));
            std::os::unix::fs::symlink("nowhere", dir.path().join("out/d.template.yaml")).unwrap();
            assert_eq!(
                why("d.template.yaml"),
                "it is a symbolic link to something that does not exist"
            );
        }
        std::fs::write(dir.path().join("out/s.template.yaml"), "old").unwrap();
        assert_eq!(
            stale_file(&out, "s.template.yaml"),
            Ok(Some(dir.path().join("out/s.template.yaml")))
        );
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep");
    }

    #[test]
    fn a_previous_manifest_is_trusted_only_when_it_is_ours() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MANIFEST);
        assert_eq!(previous_manifest(&path), Ok(None));
        std::fs::write(&path, "{").unwrap();
        assert!(previous_manifest(&path)
            .unwrap_err()
            .ends_with("manifest.json is not valid JSON (line 1, column 1), so no file it lists was removed; it is replaced by this run's manifest"));
        std::fs::write(&path, "{\"version\": 1}").unwrap();
        assert!(previous_manifest(&path)
            .unwrap_err()
            .contains("manifest.json is not a manifest blueprint wrote"));
    }
}
