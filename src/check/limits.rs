//! CloudFormation's per-template quotas.

use super::{CheckInput, Finding, Report};
use crate::cfn::Template;

/// Resources in one stack.
pub const MAX_RESOURCES: usize = 500;
/// Parameters in one template.
pub const MAX_PARAMETERS: usize = 200;
/// Outputs in one template.
pub const MAX_OUTPUTS: usize = 200;
/// Template body passed inline to the API, in bytes.
pub const MAX_BODY_INLINE: usize = 51_200;
/// Template body uploaded to S3 and passed by URL, in bytes.
pub const MAX_BODY_S3: usize = 1_000_000;

pub(super) fn check(template: &Template, input: &CheckInput<'_>, report: &mut Report) {
    let name = input.name;
    let counts = [
        ("resources", template.resources().len(), MAX_RESOURCES),
        ("parameters", template.parameters.len(), MAX_PARAMETERS),
        ("outputs", template.outputs.len(), MAX_OUTPUTS),
    ];
    for (what, n, max) in counts {
        if n > max {
            report.errors.push(Finding::general(format!(
                "template `{name}` has {n} {what}; CloudFormation allows {max} per stack"
            )));
        }
    }
    let size = input.body_bytes;
    if size > MAX_BODY_S3 {
        report.errors.push(Finding::general(format!(
            "template `{name}` is {size} bytes; CloudFormation accepts at most {MAX_BODY_S3} bytes \
             (through S3); the biggest resources are {}",
            biggest(template, 5)
        )));
    } else if size > MAX_BODY_INLINE {
        report.notes.push(format!(
            "template `{name}` is {size} bytes, over the {MAX_BODY_INLINE}-byte inline limit: \
             it will be uploaded to the assets bucket and deployed from there"
        ));
    }
}

/// The `n` largest resources by serialized size, as `Id (N bytes)`.
fn biggest(template: &Template, n: usize) -> String {
    let mut sizes: Vec<(usize, &str)> = template
        .resources()
        .map(|r| {
            let bytes = serde_json::to_string(&r.properties).map_or(0, |s| s.len());
            (bytes, r.id().as_str())
        })
        .collect();
    sizes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    sizes
        .iter()
        .take(n)
        .map(|(bytes, id)| format!("{id} ({bytes} bytes)"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::logs::LogGroup;
    use crate::cfn::Parameter;

    fn input(body_bytes: usize) -> CheckInput<'static> {
        CheckInput {
            body_bytes,
            name: "app",
            ..Default::default()
        }
    }

    fn run(t: &Template, body: usize) -> Report {
        let mut r = Report::default();
        check(t, &input(body), &mut r);
        r
    }

    #[test]
    fn too_many_resources_parameters_and_outputs() {
        let mut t = Template::default();
        for i in 0..=MAX_RESOURCES {
            t.add(&format!("L{i}"), LogGroup::default()).unwrap();
        }
        for i in 0..=MAX_PARAMETERS {
            t.parameter(&format!("P{i}"), Parameter::string("p"))
                .unwrap();
        }
        for i in 0..=MAX_OUTPUTS {
            t.output(&format!("O{i}"), "o", "v".into(), None).unwrap();
        }
        let msgs: Vec<String> = run(&t, 10).errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            msgs,
            [
                "template `app` has 501 resources; CloudFormation allows 500 per stack",
                "template `app` has 201 parameters; CloudFormation allows 200 per stack",
                "template `app` has 201 outputs; CloudFormation allows 200 per stack",
            ]
        );
    }

    #[test]
    fn at_the_limits_is_fine() {
        let mut t = Template::default();
        for i in 0..MAX_RESOURCES {
            t.add(&format!("L{i}"), LogGroup::default()).unwrap();
        }
        let r = run(&t, MAX_BODY_INLINE);
        assert!(r.errors.is_empty() && r.notes.is_empty());
    }

    #[test]
    fn over_the_inline_limit_is_a_note() {
        let r = run(&Template::default(), MAX_BODY_INLINE + 1);
        assert!(r.errors.is_empty());
        assert_eq!(
            r.notes,
            ["template `app` is 51201 bytes, over the 51200-byte inline limit: it will be uploaded to the assets bucket and deployed from there"]
        );
    }

    #[test]
    fn over_the_s3_limit_names_the_biggest_resources() {
        let mut t = Template::default();
        t.add("Small", LogGroup::default()).unwrap();
        t.add(
            "Big",
            LogGroup {
                log_group_name: Some("x".repeat(100).into()),
                ..Default::default()
            },
        )
        .unwrap();
        let r = run(&t, MAX_BODY_S3 + 1);
        assert_eq!(
            r.errors[0].to_string(),
            "template `app` is 1000001 bytes; CloudFormation accepts at most 1000000 bytes \
             (through S3); the biggest resources are Big (119 bytes), Small (2 bytes)"
        );
    }
}
