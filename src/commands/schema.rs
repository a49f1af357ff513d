//! `blueprint schema [BLUEPRINT]`: the JSON Schema of blueprint.yaml, for
//! editors (completion, hover text, checks as you type). With a blueprint,
//! that blueprint's project file; without, one schema for every blueprint
//! (the `blueprint:` key chooses the options).

use crate::blueprints::{json_schema, Catalog};
use crate::error::Error;
use crate::output::Printer;

/// The schema as pretty JSON (deterministic: the same binary prints the
/// same bytes), of the built-in blueprints.
pub fn text(blueprint: Option<&str>) -> Result<String, Error> {
    text_of(&Catalog::builtin(), blueprint)
}

/// The schema of `catalog`'s blueprint `blueprint`, or of all of them.
pub fn text_of(catalog: &Catalog, blueprint: Option<&str>) -> Result<String, Error> {
    let schema = match blueprint {
        Some(name) => json_schema::for_blueprint(catalog.find(name)?),
        None => json_schema::for_catalog(catalog.blueprints()),
    };
    serde_json::to_string_pretty(&schema)
        .map_err(|e| Error::Internal(format!("writing the schema as JSON: {e}")))
}

/// `blueprint schema [BLUEPRINT]` over the blueprints of `catalog`.
pub fn run(catalog: &Catalog, blueprint: Option<&str>, printer: &mut Printer) -> Result<(), Error> {
    printer.result(&text_of(catalog, blueprint)?);
    Ok(())
}
