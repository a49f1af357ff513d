//! Nested stacks are wired correctly: every parameter a parent passes is one
//! the nested template declares, every nested parameter without a default gets
//! a value, and every `Outputs.<name>` the parent reads is an output of the
//! nested template.

use indexmap::IndexMap;

use super::references::Reference;
use super::Finding;
use crate::cfn::resources::cloudformation;
use crate::cfn::walk::references_in;
use crate::cfn::{ResourceProperties, Template};

/// The stack resource type whose template is nested.
const STACK: &str = cloudformation::Stack::TYPE;

pub(super) fn check(template: &Template, errors: &mut Vec<Finding>) {
    if template.nested().len() == 0 {
        return;
    }
    // `Outputs.<name>` read from each nested stack, and by whom.
    let mut reads: IndexMap<&str, Vec<(String, String)>> = IndexMap::new();
    for (id, _) in template.nested() {
        reads.insert(id.as_str(), Vec::new());
    }
    let mut record = |subject: &str, r: Reference| {
        let Some(output) = r
            .attribute
            .as_deref()
            .and_then(|a| a.strip_prefix("Outputs."))
        else {
            return;
        };
        if let Some(list) = reads.get_mut(r.target.as_str()) {
            list.push((subject.to_string(), output.to_string()));
        }
    };
    for r in template.resources() {
        for reference in references_in(&r.properties) {
            record(r.id().as_str(), reference);
        }
    }
    for (id, output) in &template.outputs {
        for reference in references_in(output) {
            record(id.as_str(), reference);
        }
    }
    for (id, child) in template.nested() {
        let id = id.as_str();
        let Some(res) = template.resource(id) else {
            errors.push(Finding::about(
                id,
                "has a nested template but no stack resource".to_string(),
            ));
            continue;
        };
        if res.kind() != STACK {
            errors.push(Finding::about(
                id,
                format!(
                    "has a nested template but is a {}, not a {STACK}",
                    res.kind()
                ),
            ));
            continue;
        }
        let passed = res
            .get::<cloudformation::Stack>()
            .and_then(|s| s.parameters.as_ref()?.lit());
        for name in passed.into_iter().flat_map(|m| m.keys()) {
            if !child.parameters.keys().any(|p| p.as_str() == name.as_str()) {
                errors.push(Finding::about(
                    id,
                    format!(
                        "passes parameter `{name}`, which its nested template does not declare"
                    ),
                ));
            }
        }
        for (name, p) in &child.parameters {
            let given = passed.is_some_and(|m| m.contains_key(name.as_str()));
            if !given && p.default.is_none() {
                errors.push(Finding::about(
                    id,
                    format!("does not pass parameter `{name}`, which its nested template needs (it has no default)"),
                ));
            }
        }
        for (subject, output) in reads.get(id).into_iter().flatten() {
            if !child.outputs.keys().any(|o| o.as_str() == output) {
                errors.push(Finding::about(
                    subject,
                    format!(
                        "reads `{id}.Outputs.{output}`, which the nested template does not output"
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::intrinsic::get_att;
    use crate::cfn::resources::logs::LogGroup;
    use crate::cfn::Parameter;

    fn run(t: &Template) -> Vec<String> {
        let mut errors = Vec::new();
        check(t, &mut errors);
        errors.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn parameters_and_outputs_must_match_the_nested_template() {
        let mut child = Template::default();
        child.parameter("Needed", Parameter::string("n")).unwrap();
        child
            .parameter(
                "Optional",
                Parameter {
                    default: Some(serde_json::json!("x")),
                    ..Parameter::string("o")
                },
            )
            .unwrap();
        child.add("Logs", LogGroup::default()).unwrap();
        child
            .output("LogsArn", "a", get_att("Logs", "Arn").into(), None)
            .unwrap();
        let mut params = IndexMap::new();
        params.insert("Unknown".to_string(), "v".into());
        let mut t = Template::default();
        t.add_nested("Child", params, child.clone()).unwrap();
        t.output(
            "Good",
            "g",
            get_att("Child", "Outputs.LogsArn").into(),
            None,
        )
        .unwrap();
        t.output("Bad", "b", get_att("Child", "Outputs.Nope").into(), None)
            .unwrap();
        assert_eq!(
            run(&t),
            [
                "Child: passes parameter `Unknown`, which its nested template does not declare",
                "Child: does not pass parameter `Needed`, which its nested template needs (it has no default)",
                "Bad: reads `Child.Outputs.Nope`, which the nested template does not output",
            ]
        );
        let mut params = IndexMap::new();
        params.insert("Needed".to_string(), "v".into());
        let mut ok = Template::default();
        ok.add_nested("Child", params, child).unwrap();
        assert!(run(&ok).is_empty());
    }
}
