//! `blueprint graph`: the architecture as Mermaid, DOT or JSON (see [`crate::graph`]).

use crate::commands::project::{resolve, ProjectArgs};
use crate::error::Error;
use crate::graph::{compute, to_dot, to_mermaid, GraphFormat};
use crate::output::{OutputFormat, Printer};
use crate::render::Format;

/// What `graph` was asked to draw.
#[derive(Clone, Debug)]
pub struct GraphRequest {
    pub project: ProjectArgs,
    pub format: GraphFormat,
    pub output: OutputFormat,
}

pub fn run(req: &GraphRequest, printer: &mut Printer) -> Result<(), Error> {
    let project = resolve(&req.project)?;
    let s = project.synthesize(&req.project.overrides, Format::Yaml)?.0;
    let g = compute(&s.expansion.stacks);
    let text = match req.output {
        OutputFormat::Json => serde_json::to_string_pretty(&g)
            .map_err(|e| Error::Internal(format!("serializing the graph: {e}")))?,
        OutputFormat::Text => match req.format {
            GraphFormat::Mermaid => to_mermaid(&g),
            GraphFormat::Dot => to_dot(&g, s.expansion.project.stack_name.as_str()),
        },
    };
    printer.result(text.trim_end_matches('\n'));
    Ok(())
}
