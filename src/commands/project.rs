//! Finding the project a command works on: a project file, or a blueprint's
//! built-in defaults.

use std::path::{Path, PathBuf};

use crate::assets::CodeSource;
use crate::blueprints::{self, Blueprint, Overrides};
use crate::config::{self, Source, PROJECT_FILE};
use crate::error::Error;

/// Which project a command is about.
#[derive(Clone, Debug, Default)]
pub struct ProjectArgs {
    /// A blueprint name: use its built-in defaults (unless `config` is given).
    pub blueprint: Option<String>,
    /// A project file.
    pub config: Option<PathBuf>,
    pub overrides: Overrides,
}

/// A resolved project: the blueprint, its configuration text, and its code.
pub struct ResolvedProject {
    pub blueprint: &'static Blueprint,
    pub source: Source,
    pub code: CodeSource,
}

fn read_source(path: &Path) -> Result<Source, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::User(format!(
            "{}: no such file; create a project with `blueprint new BLUEPRINT`, or name a blueprint: `blueprint synth todo`",
            path.display()
        )),
        _ => Error::io(path, e),
    })?;
    Ok(Source {
        name: path.display().to_string(),
        text,
    })
}

/// Resolves the project: `--config FILE`, else the named blueprint's built-in
/// defaults, else `./blueprint.yaml`.
pub fn resolve(args: &ProjectArgs) -> Result<ResolvedProject, Error> {
    let config_path = match (&args.config, &args.blueprint) {
        (Some(path), _) => Some(path.clone()),
        (None, Some(_)) => None,
        (None, None) => Some(PathBuf::from(PROJECT_FILE)),
    };
    match config_path {
        Some(path) => {
            let source = read_source(&path)?;
            let name = config::blueprint_name(&source)?;
            let blueprint = blueprints::find(&name).map_err(|e| match e {
                Error::User(m) => Error::User(format!("{}: {m}", source.name)),
                other => other,
            })?;
            if let Some(asked) = &args.blueprint {
                if asked != blueprint.name {
                    return Err(Error::User(format!(
                        "{} is a `{}` project, but `{asked}` was asked for",
                        source.name, blueprint.name
                    )));
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
                code: CodeSource::Project {
                    blueprint: blueprint.name.to_string(),
                    functions_dir: dir.join("functions"),
                },
            })
        }
        None => {
            let name = args.blueprint.as_deref().unwrap_or_default();
            let blueprint = blueprints::find(name)?;
            Ok(ResolvedProject {
                blueprint,
                source: blueprint.defaults()?,
                code: CodeSource::BuiltIn {
                    blueprint: blueprint.name.to_string(),
                },
            })
        }
    }
}
