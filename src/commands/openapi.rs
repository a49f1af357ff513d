//! `blueprint openapi`: the project's API as an OpenAPI 3 document, every
//! route with an `operationId`, so clients can generate SDKs (MICRO-4).

use std::path::PathBuf;

use serde_json::Value as Json;

use crate::commands::project::{resolve, ProjectArgs};
use crate::error::Error;
use crate::output::Printer;
use crate::render::{render, Format};

/// What `openapi` was asked to do.
#[derive(Clone, Debug)]
pub struct OpenapiRequest {
    pub project: ProjectArgs,
    /// Write here instead of standard output.
    pub out: Option<PathBuf>,
    pub format: Format,
}

/// The document for the project, and its text in `format`.
pub fn document(project: &ProjectArgs, format: Format) -> Result<(Json, String), Error> {
    let resolved = resolve(project)?;
    let blueprint = resolved.blueprint;
    let doc = blueprint
        .openapi(&resolved.source, &resolved.code, &project.overrides)
        .map_err(|e| resolved.relocate(e))?
        .ok_or_else(|| {
            let with: Vec<&str> = project
                .catalog
                .blueprints()
                .iter()
                .filter(|b| b.has_openapi())
                .map(|b| b.name())
                .collect();
            Error::User(format!(
                "blueprint `{}` has no OpenAPI export; blueprints with one: {}",
                blueprint.name(),
                with.join(", ")
            ))
        })?;
    let text = render(&doc, format)?;
    Ok((doc, text))
}

pub fn run(req: &OpenapiRequest, printer: &mut Printer) -> Result<(), Error> {
    let (doc, text) = document(&req.project, req.format)?;
    match &req.out {
        None => printer.result(text.trim_end_matches('\n')),
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            }
            std::fs::write(path, text.as_bytes()).map_err(|e| Error::io(path, e))?;
            let paths = doc["paths"].as_object().map_or(0, serde_json::Map::len);
            let operations: usize = doc["paths"]
                .as_object()
                .map(|p| {
                    p.values()
                        .filter_map(Json::as_object)
                        .map(|item| item.keys().filter(|k| *k != "parameters").count())
                        .sum()
                })
                .unwrap_or(0);
            printer.status(&format!(
                "wrote {} (OpenAPI {}, {paths} paths, {operations} operations)",
                path.display(),
                doc["openapi"].as_str().unwrap_or("3")
            ));
        }
    }
    Ok(())
}
