//! `blueprint list`: every blueprint with a one-line description.

use crate::blueprints::Catalog;
use crate::output::{OutputFormat, Printer};

/// The blueprints as JSON: `[{"name", "summary", "requirements": [{"id", "text"}]}]`.
pub fn to_json(catalog: &Catalog) -> serde_json::Value {
    serde_json::Value::Array(
        catalog
            .blueprints()
            .iter()
            .map(|b| {
                serde_json::json!({
                    "name": b.name(),
                    "summary": b.summary(),
                    "requirements": b
                        .requirements()
                        .iter()
                        .map(|r| serde_json::json!({"id": r.id, "text": r.text}))
                        .collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// Prints the catalog's blueprints: a name and summary per line, or JSON.
pub fn run_with(catalog: &Catalog, output: OutputFormat, printer: &mut Printer) {
    if output == OutputFormat::Json {
        let text = serde_json::to_string_pretty(&to_json(catalog)).unwrap_or_default();
        printer.result(&text);
        return;
    }
    run(catalog, printer);
}

/// Prints the catalog's blueprints, a name and summary per line.
pub fn run(catalog: &Catalog, printer: &mut Printer) {
    let blueprints = catalog.blueprints();
    let width = blueprints.iter().map(|b| b.name().len()).max().unwrap_or(0);
    for b in blueprints {
        printer.result(&format!("{:width$}  {}", b.name(), b.summary()));
    }
}
