//! Finding the project a command works on: a project file, or a blueprint's
//! built-in defaults.

use std::path::{Path, PathBuf};

use crate::assets::CodeSource;
use crate::blueprints::{AnyBlueprint, Catalog, Overrides};
use crate::config::environments::{self, Active, SourceMap};
use crate::config::{self, Source, PROJECT_FILE};
use crate::error::Error;
use crate::placement::Placement;
use crate::render::Format;
use crate::synthesis::{synthesize_placed, Synthesized};

/// Which project a command is about.
#[derive(Clone, Debug, Default)]
pub struct ProjectArgs {
    /// A blueprint name: use its built-in defaults (unless `config` is given).
    pub blueprint: Option<String>,
    /// A project file.
    pub config: Option<PathBuf>,
    /// `--stack-name` and `--region`.
    pub overrides: Overrides,
    /// `--env NAME`: the environment of the project file to work in.
    pub env: Option<String>,
    /// The blueprints a project may name ([`Catalog::builtin`] by default).
    pub catalog: Catalog,
}

/// The environment a resolved project works in: its name and account
/// guard, and where each value of the merged project is written.
#[derive(Clone, Debug)]
pub struct Selected {
    pub active: Active,
    pub map: SourceMap,
}

/// Project files from this size on are scanned for placeholders on a
/// thread beside the synthesis (about 160 services).
const SCAN_BESIDE_BYTES: usize = 32 * 1024;

/// A resolved project: the blueprint, its configuration text, and its code.
pub struct ResolvedProject {
    /// The project's blueprint.
    pub blueprint: &'static dyn AnyBlueprint,
    /// The project file, or the blueprint's documented defaults.
    pub source: Source,
    /// Where its function code is read from.
    pub code: CodeSource,
    /// The placement file next to the project file (`blueprint.yaml` →
    /// `blueprint.placement.json`); none for a blueprint's built-in defaults.
    pub placement_file: Option<PathBuf>,
    /// The environment (`--env`): `source` is then the project with it
    /// merged in.
    pub environment: Option<Selected>,
}

impl ResolvedProject {
    /// The placement the project's placement file records; empty when
    /// there is no such file (or no project file).
    pub fn placement(&self) -> Result<Placement, Error> {
        match &self.placement_file {
            Some(path) => Ok(Placement::read(path)?.unwrap_or_default()),
            None => Ok(Placement::default()),
        }
    }

    /// Synthesizes the project, keeping units where its placement file
    /// says; returns the synthesis and the placement it started from.
    pub fn synthesize(
        &self,
        overrides: &Overrides,
        format: Format,
    ) -> Result<(Synthesized, Placement), Error> {
        self.synthesize_here(overrides, format)
            .map_err(|e| self.relocate(e))
    }

    /// A mistake in the merged project (`--env`), moved to where its value
    /// is written in the project file; other errors as they are.
    pub fn relocate(&self, e: Error) -> Error {
        match (e, &self.environment) {
            (Error::Config(c), Some(env)) => Error::Config(env.map.relocate(c)),
            (e, _) => e,
        }
    }

    fn synthesize_here(
        &self,
        overrides: &Overrides,
        format: Format,
    ) -> Result<(Synthesized, Placement), Error> {
        let previous = self.placement()?;
        let defaults = self.blueprint.defaults();
        // Only a file within the limits (nesting depth, size, aliases) is
        // scanned: the synthesis refuses any other with its error, and the
        // scan must not recurse into it meanwhile (on a thread of its own, a
        // thousand levels of nesting overflowed the thread's stack).
        let scan = || {
            let within = config::limits::check(config::limits::strip_bom(&self.source.text));
            defaults
                .as_ref()
                .ok()
                .filter(|_| within.is_ok())
                .map(|d| config::placeholders::find(&self.source, d))
        };
        let synthesize = || {
            synthesize_placed(
                self.blueprint,
                &self.source,
                &self.code,
                overrides,
                format,
                &previous,
            )
        };
        // The placeholder scan reads the project file again; a big one (a
        // thousand services: a tenth of the run) is read on a thread of its
        // own beside the synthesis, a small one here (quicker than a thread).
        let large = self.source.text.len() >= SCAN_BESIDE_BYTES;
        if large {
            crate::heap::expect_large();
        }
        let (s, found) = if large {
            std::thread::scope(|scope| {
                let scanning = scope.spawn(scan);
                let s = synthesize();
                let found = scanning
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                (s, found)
            })
        } else {
            (synthesize(), scan())
        };
        let mut s = s?;
        defaults?;
        // Only what reaches a template counts: an option the others leave
        // unused (update-offload's origin beside its demo origin) deploys
        // nothing.
        s.placeholders = found
            .unwrap_or_default()
            .into_iter()
            .filter(|p| s.deploys(&p.value))
            .map(|p| match &self.environment {
                Some(env) => env.map.relocate_placeholder(p),
                None => p,
            })
            .collect();
        s.environment = self.environment.as_ref().map(|e| e.active.clone());
        for p in &s.placeholders {
            s.warnings.push(format!(
                "{}: a placeholder; fill it in before deploying (plan and apply refuse it)",
                p.describe()
            ));
        }
        Ok((s, previous))
    }
}

/// Reads a project file: at most [`config::limits::MAX_FILE_BYTES`] (a
/// device such as /dev/zero is not read forever), UTF-8, without a leading
/// byte-order mark.
fn read_source(path: &Path) -> Result<Source, Error> {
    let text = config::limits::read_capped(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::User(format!(
                "{}: no such file; create a project with `blueprint new BLUEPRINT`, or name a blueprint: `blueprint synth todo`",
                path.display()
            )),
            _ => Error::io(path, e),
        })?
        .map_err(|why| Error::User(format!("{}: {why}", path.display())))?;
    Ok(Source {
        name: path.display().to_string(),
        text: config::limits::strip_bom(&text).to_string(),
    })
}

/// Resolves the project: `--config FILE`, else the named blueprint's built-in
/// defaults, else `./blueprint.yaml`; with `--env NAME`, that environment
/// merged in. Every environment of the file is checked, whichever is used.
pub fn resolve(args: &ProjectArgs) -> Result<ResolvedProject, Error> {
    let mut project = resolve_file(args)?;
    // Cheap when the file has no environments: nothing is parsed twice.
    if args.env.is_none() && !environments::mentioned(&project.source.text) {
        return Ok(project);
    }
    let envs = environments::read(&project.source)?;
    if envs.is_empty() && args.env.is_none() {
        return Ok(project);
    }
    // The project as written, then each environment merged in.
    project.blueprint.documents_defaults(&project.source)?;
    let mut selected = None;
    for name in envs.names() {
        let o = environments::overlay(&project.source, name)?;
        project
            .blueprint
            .documents_defaults(&o.source)
            .map_err(|e| match e {
                Error::Config(c) => Error::Config(o.map.relocate(c)),
                e => e,
            })?;
        if args.env.as_deref() == Some(name.as_str()) {
            selected = Some(o);
        }
    }
    let Some(asked) = &args.env else {
        return Ok(project);
    };
    let (name, env) = environments::select(&envs, asked, &project.source)?;
    let o = selected.ok_or_else(|| Error::Internal(format!("environment `{name}` not merged")))?;
    project.source = o.source;
    project.environment = Some(Selected {
        active: Active {
            name: name.clone(),
            account: env.account.clone(),
        },
        map: o.map,
    });
    Ok(project)
}

/// [`resolve`] without the environment.
fn resolve_file(args: &ProjectArgs) -> Result<ResolvedProject, Error> {
    let config_path = match (&args.config, &args.blueprint) {
        (Some(path), _) => Some(path.clone()),
        (None, Some(_)) => None,
        (None, None) => Some(PathBuf::from(PROJECT_FILE)),
    };
    match config_path {
        Some(path) => {
            let source = read_source(&path)?;
            let name = config::blueprint_name(&source)?;
            // Mistakes in the name are located at the `blueprint:` key.
            let at_name = |message: String| config::ConfigError {
                file: source.name.clone(),
                location: config::locate_key(&source.text, &["blueprint"]),
                message: format!("blueprint: {message}"),
                help: None,
            };
            let blueprint = args.catalog.find(&name).map_err(|e| match e {
                Error::User(m) => Error::from(at_name(m)),
                other => other,
            })?;
            if let Some(asked) = &args.blueprint {
                if asked != blueprint.name() {
                    return Err(at_name(format!(
                        "this is a `{}` project, but `{asked}` was asked for",
                        blueprint.name()
                    ))
                    .into());
                }
            }
            let dir = path
                .parent()
                .map(Path::to_path_buf)
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or_else(|| PathBuf::from("."));
            Ok(ResolvedProject {
                blueprint,
                source,
                code: blueprint.code_source(Some(dir.join("functions"))),
                placement_file: Some(Placement::file_for(&path)),
                environment: None,
            })
        }
        None => {
            let name = args.blueprint.as_deref().unwrap_or_default();
            let blueprint = args.catalog.find(name)?;
            Ok(ResolvedProject {
                blueprint,
                source: blueprint.defaults()?,
                code: blueprint.code_source(None),
                placement_file: None,
                environment: None,
            })
        }
    }
}
