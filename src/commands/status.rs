//! `blueprint status` and `blueprint outputs`.

use indexmap::IndexMap;

use crate::commands::apply::print_outputs;
use crate::commands::aws::{connect, run_async};
use crate::commands::plan::{regions_of, synthesize_project, DeployArgs};
use crate::deploy::cloudformation::CloudFormation;
use crate::deploy::nested::{deployed_tree, nested_outputs, DeployedNested};
use crate::deploy::plan::dx;
use crate::deploy::regions::Regions;
use crate::deploy::watch::{newest_event, watch, ProgressMode};
use crate::deploy::watch::{root_cause_in, NestedCause};
use crate::deploy::StackStateError;
use crate::error::Error;
use crate::output::{OutputFormat, Printer};
use crate::synthesis::Synthesized;

/// `status`'s request.
#[derive(Clone, Debug)]
pub struct StatusRequest {
    pub deploy: DeployArgs,
    pub watch: bool,
    pub output: OutputFormat,
}

/// Prints each stack's state and recent events; with `watch`, follows an
/// operation in progress to its end.
pub async fn status_with<C: CloudFormation>(
    regions: &Regions<C>,
    synth: &Synthesized,
    req: &StatusRequest,
    printer: &mut Printer,
) -> Result<i32, Error> {
    crate::deploy::account::check(regions, synth).await?;
    let mut json = Vec::new();
    for st in &synth.expansion.stacks {
        let name = st.stack_name.as_str();
        let cf = regions.get(st.region.as_str())?;
        let Some(stack) = cf.describe_stack(name).await.map_err(dx)? else {
            if req.output == OutputFormat::Json {
                json.push(serde_json::json!({"stack_name": name, "region": st.region.as_str(), "status": null}));
            } else {
                printer.result(&format!("Stack {name} ({}): not deployed", st.region));
            }
            continue;
        };
        let nested = deployed_tree(cf, name, false).await?;
        let events = cf.stack_events(name, None).await.map_err(dx)?;
        let cause =
            if stack.status.is_failure() || nested.iter().any(|n| n.status.ends_with("_FAILED")) {
                let oldest_first: Vec<_> = events.iter().rev().cloned().collect();
                root_cause_in(cf, &oldest_first).await
            } else {
                None
            };
        if req.output == OutputFormat::Json {
            json.push(serde_json::json!({
                "stack_name": name, "region": st.region.as_str(),
                "status": stack.status.as_str(), "reason": stack.status_reason,
                "last_updated": stack.last_updated,
                "termination_protection": stack.termination_protection,
                "outputs": stack.outputs,
                "nested": nested.iter().map(|n| serde_json::json!({
                    "path": n.path, "physical_id": n.physical_id, "status": n.status,
                })).collect::<Vec<_>>(),
                "root_cause": cause.as_ref().map(|c| serde_json::json!({
                    "path": c.path, "type": c.event.resource_type,
                    "status": c.event.status, "reason": c.event.reason,
                })),
            }));
            continue;
        }
        printer.result(&format!(
            "Stack {name} ({}): {}{}",
            st.region,
            stack.status,
            stack
                .status_reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ));
        printer.result(&format!(
            "  last updated {}; termination protection {}",
            stack.last_updated.as_deref().unwrap_or("?"),
            if stack.termination_protection {
                "on"
            } else {
                "off"
            }
        ));
        print_nested(&nested, cause.as_ref(), printer);
        for e in events.iter().take(10).rev() {
            printer.result(&format!(
                "  {}  {:<28} {:<32} {}{}",
                e.timestamp,
                e.status,
                e.logical_id,
                e.resource_type,
                e.reason
                    .as_deref()
                    .map(|r| format!("  {r}"))
                    .unwrap_or_default()
            ));
        }
        // Only an operation under way is followed: a final stack (or one
        // waiting REVIEW_IN_PROGRESS for its change set) returns at once.
        if req.watch && stack.status.operation_in_progress() {
            let since = newest_event(cf, name).await?;
            let outcome = watch(
                cf,
                name,
                since,
                stack.last_updated.clone(),
                0,
                ProgressMode::Events,
                printer,
            )
            .await?;
            match outcome.stack {
                Some(s) => printer.result(&format!("Stack {name}: {}", s.status)),
                None => printer.result(&format!("Stack {name}: deleted")),
            }
        }
    }
    if req.output == OutputFormat::Json {
        printer.result(&serde_json::to_string_pretty(&json).unwrap_or_default());
    }
    Ok(0)
}

/// The nested stacks' states in a line, each one not complete on its own
/// line, and the root cause of a failure inside them.
fn print_nested(nested: &[DeployedNested], cause: Option<&NestedCause>, printer: &mut Printer) {
    if !nested.is_empty() {
        let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
        for n in nested {
            *counts.entry(n.status.as_str()).or_default() += 1;
        }
        let counts: Vec<String> = counts.iter().map(|(s, c)| format!("{c} {s}")).collect();
        printer.result(&format!(
            "  nested stacks: {} ({})",
            nested.len(),
            counts.join(", ")
        ));
        for n in nested
            .iter()
            .filter(|n| !n.status.ends_with("_COMPLETE") || n.status.contains("ROLLBACK"))
        {
            printer.result(&format!("    {}: {} ({})", n.path, n.status, n.physical_id));
        }
    }
    if let Some(c) = cause {
        printer.result(&format!(
            "  root cause: {} ({}) {}: {}",
            c.path,
            c.event.resource_type,
            c.event.status,
            c.event.reason.as_deref().unwrap_or("no reason given")
        ));
    }
}

/// Prints the stacks' outputs.
pub async fn outputs_with<C: CloudFormation>(
    regions: &Regions<C>,
    synth: &Synthesized,
    output: OutputFormat,
    printer: &mut Printer,
) -> Result<i32, Error> {
    crate::deploy::account::check(regions, synth).await?;
    let mut all = IndexMap::new();
    for st in &synth.expansion.stacks {
        let cf = regions.get(st.region.as_str())?;
        let stack = cf
            .describe_stack(&st.stack_name)
            .await
            .map_err(dx)?
            .ok_or_else(|| StackStateError::NotDeployed {
                stack: st.stack_name.to_string(),
                region: st.region.to_string(),
            })?;
        all.insert(st.stack_name.clone(), stack.outputs);
        // Nested stacks' outputs, under `stack/path`.
        let nested = deployed_tree(cf, &st.stack_name, false).await?;
        for (path, outputs) in nested_outputs(cf, &nested).await? {
            all.insert(format!("{}/{path}", st.stack_name), outputs);
        }
    }
    match output {
        OutputFormat::Text => print_outputs(&all, printer),
        OutputFormat::Json => {
            let map: IndexMap<&String, IndexMap<&String, &String>> = all
                .iter()
                .map(|(s, o)| (s, o.iter().map(|x| (&x.key, &x.value)).collect()))
                .collect();
            printer.result(&serde_json::to_string_pretty(&map).unwrap_or_default());
        }
    }
    Ok(0)
}

pub fn run_status(req: &StatusRequest, printer: &mut Printer) -> Result<i32, Error> {
    let synth = synthesize_project(&req.deploy.project)?;
    let regions = regions_of(&synth);
    run_async(
        async {
            let clients = connect(&regions, &req.deploy.aws).await;
            status_with(&clients, &synth, req, printer).await
        },
        "stopped watching",
    )
}

pub fn run_outputs(
    deploy: &DeployArgs,
    output: OutputFormat,
    printer: &mut Printer,
) -> Result<i32, Error> {
    let synth = synthesize_project(&deploy.project)?;
    let regions = regions_of(&synth);
    run_async(
        async {
            let clients = connect(&regions, &deploy.aws).await;
            outputs_with(&clients, &synth, output, printer).await
        },
        "stopped",
    )
}
