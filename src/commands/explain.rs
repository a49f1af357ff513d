//! `blueprint explain`: each requirement, its text, and the resources of the
//! generated template that satisfy it (read from the template's metadata).

use crate::commands::project::{resolve, ProjectArgs};
use crate::error::Error;
use crate::output::Printer;
use crate::render::Format;
use crate::synthesis::synthesize;

/// A requirement and the logical IDs that satisfy it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explained {
    pub id: &'static str,
    pub text: &'static str,
    /// `(stack, logical ID)` pairs.
    pub resources: Vec<(String, String)>,
}

/// Synthesizes the project and maps each requirement to its resources.
pub fn explain(args: &ProjectArgs) -> Result<(&'static str, Vec<Explained>), Error> {
    let project = resolve(args)?;
    let synth = synthesize(
        project.blueprint,
        &project.source,
        &project.code,
        &args.overrides,
        Format::Yaml,
    )?;
    let explained = project
        .blueprint
        .requirements
        .iter()
        .map(|req| Explained {
            id: req.id,
            text: req.text,
            resources: synth
                .expansion
                .stacks
                .iter()
                .flat_map(|s| {
                    s.template
                        .resources()
                        .filter(|r| r.requirements().contains(&req.id))
                        .map(|r| (s.stack_name.clone(), r.id().to_string()))
                })
                .collect(),
        })
        .collect();
    Ok((project.blueprint.name, explained))
}

pub fn run(args: &ProjectArgs, printer: &mut Printer) -> Result<(), Error> {
    let (name, explained) = explain(args)?;
    let single_stack = explained
        .iter()
        .flat_map(|e| e.resources.iter().map(|(s, _)| s))
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        <= 1;
    printer.result(&format!(
        "{name}: requirements and the resources that satisfy them"
    ));
    for e in explained {
        printer.result("");
        printer.result(&format!("{}  {}", e.id, e.text));
        if e.resources.is_empty() {
            printer.result("    (no resources with these options)");
        }
        for (stack, id) in &e.resources {
            if single_stack {
                printer.result(&format!("    {id}"));
            } else {
                printer.result(&format!("    {stack}/{id}"));
            }
        }
    }
    Ok(())
}
