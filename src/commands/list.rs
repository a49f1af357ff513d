//! `blueprint list`: every blueprint with a one-line description.

use crate::blueprints::ALL;
use crate::output::{OutputFormat, Printer};

/// The blueprints as JSON: `[{"name", "summary", "requirements": [{"id", "text"}]}]`.
pub fn to_json() -> serde_json::Value {
    serde_json::Value::Array(
        ALL.iter()
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

pub fn run_with(output: OutputFormat, printer: &mut Printer) {
    if output == OutputFormat::Json {
        let text = serde_json::to_string_pretty(&to_json()).unwrap_or_default();
        printer.result(&text);
        return;
    }
    run(printer);
}

pub fn run(printer: &mut Printer) {
    let width = ALL.iter().map(|b| b.name().len()).max().unwrap_or(0);
    for b in ALL {
        printer.result(&format!("{:width$}  {}", b.name(), b.summary()));
    }
}
