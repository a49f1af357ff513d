//! `blueprint schema [BLUEPRINT]`: the JSON Schema of blueprint.yaml, for
//! editors (completion, hover text, checks as you type). With a blueprint,
//! that blueprint's project file; without, one schema for every blueprint
//! (the `blueprint:` key chooses the options).

use crate::blueprints::{find, json_schema, ALL};
use crate::error::Error;
use crate::output::Printer;

/// The schema as pretty JSON (deterministic: the same binary prints the
/// same bytes).
pub fn text(blueprint: Option<&str>) -> Result<String, Error> {
    let schema = match blueprint {
        Some(name) => json_schema::for_blueprint(find(name)?),
        None => json_schema::for_catalog(ALL),
    };
    serde_json::to_string_pretty(&schema)
        .map_err(|e| Error::Internal(format!("writing the schema as JSON: {e}")))
}

pub fn run(blueprint: Option<&str>, printer: &mut Printer) -> Result<(), Error> {
    printer.result(&text(blueprint)?);
    Ok(())
}
