//! `blueprint drift`: CloudFormation drift detection for the project's
//! stacks and every nested stack, each drifted resource with its property
//! differences. Exit 0 in sync, 2 drifted, 1 error.

use crate::commands::aws::{connect, run_async};
use crate::commands::plan::{regions_of, synthesize_project, DeployArgs};
use crate::deploy::cloudformation::CloudFormation;
use crate::deploy::drift::{detect_tree, DriftDetection, StackDrift};
use crate::deploy::plan::dx;
use crate::deploy::regions::Regions;
use crate::deploy::StackStateError;
use crate::error::Error;
use crate::output::{OutputFormat, Printer};
use crate::synthesis::Synthesized;

/// The exit code when a resource drifted.
pub const EXIT_DRIFTED: i32 = 2;

/// `drift`'s request.
#[derive(Clone, Debug)]
pub struct DriftRequest {
    pub deploy: DeployArgs,
    pub output: OutputFormat,
}

/// Detects drift on every stack of `synth`; prints it; returns the exit
/// code.
pub async fn drift_with<C: CloudFormation + DriftDetection>(
    regions: &Regions<C>,
    synth: &Synthesized,
    output: OutputFormat,
    printer: &mut Printer,
) -> Result<i32, Error> {
    crate::deploy::account::check(regions, synth).await?;
    let mut all: Vec<StackDrift> = Vec::new();
    for st in &synth.expansion.stacks {
        let name = st.stack_name.as_str();
        let cf = regions.get(st.region.as_str())?;
        if cf.describe_stack(name).await.map_err(dx)?.is_none() {
            return Err(StackStateError::NotDeployed {
                stack: name.to_string(),
                region: st.region.to_string(),
            }
            .into());
        }
        printer.status(&format!("detecting drift on stack `{name}` ..."));
        all.extend(detect_tree(cf, name).await?);
    }
    let failed: Vec<&StackDrift> = all.iter().filter(|s| s.failed.is_some()).collect();
    let drifted = all.iter().any(|s| !s.drifted.is_empty());
    match output {
        OutputFormat::Json => {
            let json = serde_json::json!({ "drifted": drifted, "stacks": all });
            printer.result(&serde_json::to_string_pretty(&json).unwrap_or_default());
        }
        OutputFormat::Text => print_text(&all, printer),
    }
    if let Some(f) = failed.first() {
        return Err(Error::User(format!(
            "drift detection failed on stack `{}`: {}",
            where_(f),
            f.failed.as_deref().unwrap_or_default()
        )));
    }
    Ok(if drifted {
        EXIT_DRIFTED
    } else {
        crate::EXIT_OK
    })
}

/// `stack` or `stack/Nested/Path`.
fn where_(s: &StackDrift) -> String {
    if s.path.is_empty() {
        s.stack.clone()
    } else {
        format!("{}/{}", s.stack, s.path)
    }
}

fn print_text(all: &[StackDrift], printer: &mut Printer) {
    let count: usize = all.iter().map(|s| s.drifted.len()).sum();
    for s in all {
        for r in &s.drifted {
            let path = if s.path.is_empty() {
                r.logical_id.clone()
            } else {
                format!("{}/{}", s.path, r.logical_id)
            };
            printer.result(&format!(
                "{}: {path} ({}) {}",
                s.stack,
                r.resource_type,
                r.status.as_str()
            ));
            for d in &r.differences {
                printer.result(&format!(
                    "  {} {}: expected {}, actual {}",
                    d.kind, d.path, d.expected, d.actual
                ));
            }
        }
    }
    let stacks = all.len();
    if count == 0 {
        printer.result(&format!(
            "No drift: {stacks} stack{} in sync with {} templates.",
            plural(stacks),
            if stacks == 1 { "its" } else { "their" }
        ));
    } else {
        printer.result(&format!(
            "Drift: {count} resource{} differ{} from the template ({stacks} stack{} checked).",
            plural(count),
            if count == 1 { "s" } else { "" },
            plural(stacks)
        ));
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

pub fn run(req: &DriftRequest, printer: &mut Printer) -> Result<i32, Error> {
    let synth = synthesize_project(&req.deploy.project)?;
    let regions = regions_of(&synth);
    run_async(
        async {
            let clients = connect(&regions, &req.deploy.aws).await;
            drift_with(&clients, &synth, req.output, printer).await
        },
        "stopped; drift detections already started finish on their own",
    )
}
