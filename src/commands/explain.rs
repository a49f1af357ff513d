//! `blueprint explain`: each requirement, its text, and the resources of the
//! generated template that satisfy it (read from the template's metadata).

use crate::cfn::{Resource, Template};
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
    let mut all = Vec::new();
    for s in &synth.expansion.stacks {
        collect(&s.stack_name, &s.template, &mut all);
    }
    let explained = project
        .blueprint
        .requirements
        .iter()
        .map(|req| Explained {
            id: req.id,
            text: req.text,
            resources: all
                .iter()
                .filter(|(_, r)| r.requirements().contains(&req.id))
                .map(|(stack, r)| (stack.clone(), r.id().to_string()))
                .collect(),
        })
        .collect();
    Ok((project.blueprint.name, explained))
}

/// Every resource of `template` and of its nested stacks (their stack named
/// by path: `shop/OrdersService`), in template order.
fn collect<'a>(stack: &str, template: &'a Template, out: &mut Vec<(String, &'a Resource)>) {
    for r in template.resources() {
        out.push((stack.to_string(), r));
        if let Some(child) = template.nested_template(r.id().as_str()) {
            collect(&format!("{stack}/{}", r.id()), child, out);
        }
    }
}

/// The explanation as JSON: `{"blueprint", "requirements": [{"id", "text",
/// "resources": [{"stack", "logical_id", "type"}]}]}`.
pub fn explain_json(args: &ProjectArgs) -> Result<serde_json::Value, Error> {
    let project = resolve(args)?;
    let synth = synthesize(
        project.blueprint,
        &project.source,
        &project.code,
        &args.overrides,
        Format::Yaml,
    )?;
    let mut all = Vec::new();
    for s in &synth.expansion.stacks {
        collect(&s.stack_name, &s.template, &mut all);
    }
    let requirements: Vec<serde_json::Value> = project
        .blueprint
        .requirements
        .iter()
        .map(|req| {
            let resources: Vec<serde_json::Value> = all
                .iter()
                .filter(|(_, r)| r.requirements().contains(&req.id))
                .map(|(stack, r)| {
                    serde_json::json!({"stack": stack, "logical_id": r.id().to_string(), "type": r.kind()})
                })
                .collect();
            serde_json::json!({"id": req.id, "text": req.text, "resources": resources})
        })
        .collect();
    Ok(serde_json::json!({"blueprint": project.blueprint.name, "requirements": requirements}))
}

/// `explain` with `--output text|json`.
pub fn run_with(
    args: &ProjectArgs,
    output: crate::commands::plan::OutputFormat,
    printer: &mut Printer,
) -> Result<(), Error> {
    if output == crate::commands::plan::OutputFormat::Json {
        let v = explain_json(args)?;
        let text = serde_json::to_string_pretty(&v)
            .map_err(|e| Error::Internal(format!("serializing: {e}")))?;
        printer.result(&text);
        return Ok(());
    }
    run(args, printer)
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
