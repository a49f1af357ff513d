//! `blueprint explain`: each requirement, its text, and the resources of the
//! generated template that satisfy it (read from the template's metadata).

use crate::blueprints::{AnyBlueprint, Requirement, CROSS_CUTTING};
use crate::cfn::{Resource, Template};
use crate::commands::project::{resolve, ProjectArgs};
use crate::config::resource_overrides::CheckedOverride;
use crate::error::Error;
use crate::output::Printer;
use crate::render::Format;
use crate::synthesis::additions::{listed, Listed};

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
    explain_with_risks(args).map(|(name, explained, _)| (name, explained))
}

/// The project's `overrides:` (blueprint.yaml), each with the paths it sets
/// and removes, as `explain` lists them.
fn overrides_of(
    project: &crate::commands::project::ResolvedProject,
) -> Result<Vec<CheckedOverride>, Error> {
    Ok(crate::config::resource_overrides::read(&project.source)?)
}

/// `[{"resource", "set": [paths], "remove": [paths]}]`.
fn overrides_json(overrides: &[CheckedOverride]) -> serde_json::Value {
    overrides
        .iter()
        .map(|o| {
            let set: Vec<String> = o.set.iter().map(|(p, _)| p.display()).collect();
            let remove: Vec<String> = o.remove.iter().map(|p| p.display()).collect();
            serde_json::json!({"resource": o.resource, "set": set, "remove": remove})
        })
        .collect()
}

/// [`explain`], and every accepted risk of the templates, from one synth.
pub fn explain_with_risks(
    args: &ProjectArgs,
) -> Result<(&'static str, Vec<Explained>, Vec<AcceptedRisk>), Error> {
    explain_all(args).map(|(name, explained, risks, _)| (name, explained, risks))
}

/// [`explain_with_risks`], and the project's own additions (`resources:`,
/// `outputs:`, ... in blueprint.yaml).
#[allow(clippy::type_complexity)]
pub fn explain_all(
    args: &ProjectArgs,
) -> Result<(&'static str, Vec<Explained>, Vec<AcceptedRisk>, Vec<Listed>), Error> {
    let project = resolve(args)?;
    let synth = project.synthesize(&args.overrides, Format::Yaml)?.0;
    let additions = listed(&project.source, synth.expansion.project.stack_name.as_str())?;
    let mut all = Vec::new();
    for s in &synth.expansion.stacks {
        collect(&s.stack_name, &s.template, &mut all);
    }
    let risks = risks_of(&all);
    let explained = requirements_with_resources(project.blueprint, &all)
        .into_iter()
        .map(|(req, resources)| Explained {
            id: req.id,
            text: req.text,
            resources: resources
                .iter()
                .map(|(stack, r)| (stack.clone(), r.id().to_string()))
                .collect(),
        })
        .collect();
    Ok((project.blueprint.name(), explained, risks, additions))
}

/// The blueprint's requirements, then the cross-cutting ones the project
/// uses (those with at least one resource), each with its resources.
fn requirements_with_resources<'a, 'r>(
    blueprint: &'static dyn AnyBlueprint,
    all: &'a [(String, &'r Resource)],
) -> Vec<(&'static Requirement, Vec<&'a (String, &'r Resource)>)> {
    let with = |req: &'static Requirement| {
        let resources: Vec<_> = all
            .iter()
            .filter(|(_, r)| r.requirements().contains(&req.id))
            .collect();
        (req, resources)
    };
    blueprint
        .requirements()
        .iter()
        .map(with)
        .chain(
            CROSS_CUTTING
                .iter()
                .filter(|c| !blueprint.requirements().iter().any(|r| r.id == c.id))
                .map(with)
                .filter(|(_, resources)| !resources.is_empty()),
        )
        .collect()
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

/// A security check a resource deliberately does not meet, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptedRisk {
    pub stack: String,
    pub logical_id: String,
    pub check: String,
    pub reason: String,
}

fn risks_of(all: &[(String, &Resource)]) -> Vec<AcceptedRisk> {
    all.iter()
        .flat_map(|(stack, r)| {
            r.accepted_risks()
                .into_iter()
                .map(move |(check, reason)| AcceptedRisk {
                    stack: stack.clone(),
                    logical_id: r.id().to_string(),
                    check: check.to_string(),
                    reason: reason.to_string(),
                })
        })
        .collect()
}

/// The explanation as JSON: `{"blueprint", "requirements": [{"id", "text",
/// "resources": [{"stack", "logical_id", "type"}]}], "accepted_risks":
/// [{"stack", "logical_id", "check", "reason"}], "overrides": [{"resource",
/// "set": [paths], "remove": [paths]}], "project_additions": [{"stack",
/// "section", "logical_id", "type"}]}`, each list empty when there is none.
pub fn explain_json(args: &ProjectArgs) -> Result<serde_json::Value, Error> {
    let project = resolve(args)?;
    let synth = project.synthesize(&args.overrides, Format::Yaml)?.0;
    let mut all = Vec::new();
    for s in &synth.expansion.stacks {
        collect(&s.stack_name, &s.template, &mut all);
    }
    let requirements: Vec<serde_json::Value> = requirements_with_resources(project.blueprint, &all)
        .into_iter()
        .map(|(req, resources)| {
            let resources: Vec<serde_json::Value> = resources
                .iter()
                .map(|(stack, r)| {
                    serde_json::json!({"stack": stack, "logical_id": r.id().to_string(), "type": r.kind()})
                })
                .collect();
            serde_json::json!({"id": req.id, "text": req.text, "resources": resources})
        })
        .collect();
    let risks: Vec<serde_json::Value> = risks_of(&all)
        .into_iter()
        .map(|r| {
            serde_json::json!({"stack": r.stack, "logical_id": r.logical_id, "check": r.check, "reason": r.reason})
        })
        .collect();
    let additions: Vec<serde_json::Value> =
        listed(&project.source, synth.expansion.project.stack_name.as_str())?
            .into_iter()
            .map(|a| {
                serde_json::json!({"stack": a.stack, "section": a.section, "logical_id": a.logical_id, "type": a.kind})
            })
            .collect();
    // Every key is always there (an empty list for none), so a consumer
    // need not test for it.
    Ok(serde_json::json!({
        "blueprint": project.blueprint.name(),
        "requirements": requirements,
        "accepted_risks": risks,
        "overrides": overrides_json(&overrides_of(&project)?),
        "project_additions": additions,
    }))
}

/// `explain` with `--output text|json`.
pub fn run_with(
    args: &ProjectArgs,
    output: crate::output::OutputFormat,
    printer: &mut Printer,
) -> Result<(), Error> {
    if output == crate::output::OutputFormat::Json {
        let v = explain_json(args)?;
        let text = serde_json::to_string_pretty(&v)
            .map_err(|e| Error::Internal(format!("serializing: {e}")))?;
        printer.result(&text);
        return Ok(());
    }
    run(args, printer)
}

pub fn run(args: &ProjectArgs, printer: &mut Printer) -> Result<(), Error> {
    let (name, explained, risks, additions) = explain_all(args)?;
    let overrides = overrides_of(&resolve(args)?)?;
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
    // Every security check a resource does not meet on purpose, with its
    // reason, in one place for a reviewer.
    if !risks.is_empty() {
        printer.result("");
        printer.result("accepted risks (security checks not met on purpose, and why)");
        for r in risks {
            let at = if single_stack {
                r.logical_id
            } else {
                format!("{}/{}", r.stack, r.logical_id)
            };
            printer.result(&format!("    {at}  {}: {}", r.check, r.reason));
        }
    }
    print_additions(&additions, single_stack, printer);
    // What the project changed by hand, after the blueprint (`overrides:`).
    if !overrides.is_empty() {
        printer.result("");
        printer.result("overrides (blueprint.yaml `overrides:`, applied after the blueprint)");
        for o in overrides {
            let mut what: Vec<String> = o
                .set
                .iter()
                .map(|(p, _)| format!("set {}", p.display()))
                .collect();
            what.extend(o.remove.iter().map(|p| format!("remove {}", p.display())));
            printer.result(&format!("    {}  {}", o.resource, what.join("; ")));
        }
    }
    Ok(())
}

/// The project's own additions, each with its stack when there are several.
fn print_additions(additions: &[Listed], single_stack: bool, printer: &mut Printer) {
    if additions.is_empty() {
        return;
    }
    let nested = additions.iter().any(|a| a.stack.contains('/'));
    printer.result("");
    printer.result("project additions (plain CloudFormation from blueprint.yaml)");
    for a in additions {
        let at = if single_stack && !nested {
            a.logical_id.clone()
        } else {
            format!("{}/{}", a.stack, a.logical_id)
        };
        match &a.kind {
            Some(kind) => printer.result(&format!("    {at}  {} {kind}", a.section)),
            None => printer.result(&format!("    {at}  {}", a.section)),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::cfn::resources::sqs::Queue;
    use crate::cfn::Template;

    #[test]
    fn accepted_risks_are_recorded_once_as_checkov_reads_them() {
        let mut t = Template::new("t");
        t.add("Q", Queue::default())
            .unwrap()
            .accepts_risk("CKV_AWS_27", "encrypted by SQS")
            .accepts_risk("CKV_AWS_27", "again");
        let r = t.resources().next().unwrap();
        assert_eq!(r.accepted_risks(), vec![("CKV_AWS_27", "encrypted by SQS")]);
        let doc = t.to_json();
        assert_eq!(
            doc["Resources"]["Q"]["Metadata"]["checkov"],
            serde_json::json!({"skip": [{"id": "CKV_AWS_27", "comment": "encrypted by SQS"}]})
        );
    }
}
