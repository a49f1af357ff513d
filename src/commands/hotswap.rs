//! `blueprint apply --hotswap`: function code and environment variables
//! updated through Lambda in seconds; any other difference falls back to a
//! normal apply (a change set), saying why.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::commands::apply::{apply_tracked, ApplyRequest, Confirm};
use crate::commands::aws::{confirm, interrupted, interruptible, runtime};
use crate::commands::plan::{connect_project, Connected};
use crate::commands::synth::write_placement;
use crate::deploy::cloudformation::{CloudFormation, ObjectStore};
use crate::deploy::hotswap::{
    classify_tree, production_marker, resolve_value, swap_function, FunctionSwap, ResolvedSwap,
};
use crate::deploy::lambda::Functions;
use crate::deploy::nested::{plan_nested, NestedPlan};
use crate::deploy::plan::{assets_bucket, check_state, dx, parse_deployed, upload_for, Pending};
use crate::deploy::regions::Regions;
use crate::deploy::Refusal;
use crate::diff;
use crate::error::Error;
use crate::expansion::StackTemplate;
use crate::output::Printer;
use crate::synthesis::Synthesized;

/// `apply --hotswap`'s request.
#[derive(Clone, Debug)]
pub struct HotswapRequest {
    pub apply: ApplyRequest,
    /// `--force-hotswap`: hot-swap a stack marked as production.
    pub force: bool,
}

/// The swaps of one stack, resolved.
struct StackSwaps<'a> {
    st: &'a StackTemplate,
    bucket: String,
    swaps: Vec<ResolvedSwap>,
}

/// What the hot-swap found: the swaps, or why a change set is needed.
#[derive(Default)]
struct Found<'a> {
    stacks: Vec<StackSwaps<'a>>,
    reasons: Vec<String>,
}

/// What one `apply --hotswap` works on.
pub struct Hotswap<'a, C, F> {
    /// CloudFormation (and S3) by region.
    pub regions: &'a Regions<C>,
    /// Lambda by region.
    pub functions: &'a Regions<F>,
    pub synth: &'a Synthesized,
    pub req: &'a HotswapRequest,
    /// The project's termination protection, for a fallback apply.
    pub termination_protection: bool,
    /// The change sets a fallback apply made and has not executed yet.
    pub pending: &'a Pending,
}

/// Hot-swaps what can be (every stack's differences must allow it), or
/// applies through change sets; returns the exit code.
pub async fn hotswap_with<C: CloudFormation + ObjectStore, F: Functions>(
    ctx: &Hotswap<'_, C, F>,
    ask: &mut Confirm<'_>,
    printer: &mut Printer,
) -> Result<i32, Error> {
    Ok(match hotswap_outcome(ctx, ask, printer).await? {
        Outcome::Applied(code) => code,
        Outcome::NoChanges | Outcome::Swapped(_) => crate::EXIT_OK,
    })
}

/// What a hot-swap did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    NoChanges,
    /// This many functions were updated directly.
    Swapped(usize),
    /// A change set was applied instead (with apply's exit code).
    Applied(i32),
}

/// [`hotswap_with`], saying what was done.
pub async fn hotswap_outcome<C: CloudFormation + ObjectStore, F: Functions>(
    ctx: &Hotswap<'_, C, F>,
    ask: &mut Confirm<'_>,
    printer: &mut Printer,
) -> Result<Outcome, Error> {
    let start = Instant::now();
    crate::deploy::account::check(ctx.regions, ctx.synth).await?;
    let found = find_swaps(ctx.regions, ctx.synth, ctx.req, printer).await?;
    if !found.reasons.is_empty() {
        printer.status("not hot-swappable, applying through a change set:");
        for r in &found.reasons {
            printer.status(&format!("  {r}"));
        }
        let code = apply_tracked(
            ctx.regions,
            ctx.synth,
            &ctx.req.apply,
            ask,
            ctx.termination_protection,
            ctx.pending,
            printer,
        )
        .await?;
        return Ok(Outcome::Applied(code));
    }
    if found.stacks.is_empty() {
        printer.result("No changes.");
        return Ok(Outcome::NoChanges);
    }
    let count = swap_all(ctx.functions, &found.stacks, printer).await?;
    if count == 0 {
        printer.result("No changes: every function already runs this code and environment.");
        return Ok(Outcome::NoChanges);
    }
    printer.status(&format!(
        "hot-swapped {count} function{} in {:.2}s",
        if count == 1 { "" } else { "s" },
        start.elapsed().as_secs_f64()
    ));
    Ok(Outcome::Swapped(count))
}

/// Swaps every function of `stacks`, one line for each; returns how many
/// were changed. A stack changed now is warned about; the stacks that
/// earlier rounds alone left differing from their templates get one note.
async fn swap_all<F: Functions>(
    functions: &Regions<F>,
    stacks: &[StackSwaps<'_>],
    printer: &mut Printer,
) -> Result<usize, Error> {
    let mut count = 0;
    let mut earlier = Vec::new();
    for s in stacks {
        let fns = functions.get(s.st.region.as_str())?;
        let mut changed = 0;
        for r in &s.swaps {
            let done = swap_function(fns, &s.bucket, r).await?;
            if done.what.is_empty() {
                printer.status(&format!(
                    "{}/{} ({}) already runs this code and environment",
                    s.st.stack_name, done.path, done.function
                ));
                continue;
            }
            changed += 1;
            printer.result(&format!(
                "hot-swapped {}/{} ({}): {}",
                s.st.stack_name,
                done.path,
                done.function,
                done.what.join(", ")
            ));
        }
        if changed == 0 {
            earlier.push(format!("`{}`", s.st.stack_name));
            continue;
        }
        count += changed;
        printer.warning(&format!(
            "stack `{}` now differs from its template (its functions were updated directly); the next `blueprint apply` without --hotswap reconciles it, updating only those functions (no data is at risk)",
            s.st.stack_name
        ));
    }
    if !earlier.is_empty() {
        let (stacks, differ, them) = match earlier.len() {
            1 => ("stack", "differs from its template", "it"),
            _ => ("stacks", "differ from their templates", "them"),
        };
        printer.note(&format!(
            "{stacks} {} still {differ} after an earlier hot-swap; the next `blueprint apply` without --hotswap reconciles {them}",
            earlier.join(", ")
        ));
    }
    Ok(count)
}

/// Compares every stack's templates (nested ones included) with the
/// deployed ones, after uploading the assets; refuses a stack marked as
/// production unless forced.
async fn find_swaps<'a, C: CloudFormation + ObjectStore>(
    regions: &Regions<C>,
    synth: &'a Synthesized,
    req: &HotswapRequest,
    printer: &mut Printer,
) -> Result<Found<'a>, Error> {
    let project = &synth.expansion.project;
    let tags: Vec<(String, String)> = project
        .tags
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let toolkit = &req.apply.deploy.toolkit_stack;
    let mut found = Found::default();
    let mut uploaded = Vec::new();
    for st in &synth.expansion.stacks {
        let (name, region) = (st.stack_name.as_str(), st.region.as_str());
        let env = synth.environment.as_ref().map(|e| &e.name);
        if let Some(marker) = production_marker(name, &tags, env).filter(|_| !req.force) {
            return Err(Refusal::Production {
                stack: name.to_string(),
                marker,
            }
            .into());
        }
        let cf = regions.get(region)?;
        let Some(stack) = cf.describe_stack(name).await.map_err(dx)? else {
            found
                .reasons
                .push(format!("stack `{name}` is not deployed yet"));
            continue;
        };
        check_state(&stack)?;
        upload_for(regions, synth, st, toolkit, &mut uploaded, printer).await?;
        let old = parse_deployed(name, &cf.get_template(name).await.map_err(dx)?)?;
        let new = st.template.to_json();
        let diff = diff::compute(Some(&old), &new);
        let nested = plan_nested(cf, name, Some(&old), &st.template, &diff).await?;
        let c = classify_tree(&diff, &new, &nested);
        found
            .reasons
            .extend(c.reasons.iter().map(|r| format!("{name}: {r}")));
        if c.swaps.is_empty() || !found.reasons.is_empty() {
            continue;
        }
        let swaps = resolve(cf, name, &nested, c.swaps, &mut found.reasons).await?;
        let bucket = if swaps.iter().any(|s| s.swap.code_key.is_some()) {
            assets_bucket(cf, toolkit, region).await?
        } else {
            String::new()
        };
        found.stacks.push(StackSwaps { st, bucket, swaps });
    }
    Ok(found)
}

/// Each swap's function name (its physical ID) and the values of its
/// changed variables; a variable only CloudFormation can compute is a
/// reason for a change set.
async fn resolve<C: CloudFormation>(
    cf: &C,
    root: &str,
    nested: &[NestedPlan],
    swaps: Vec<FunctionSwap>,
    reasons: &mut Vec<String>,
) -> Result<Vec<ResolvedSwap>, Error> {
    let mut physical: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut out = Vec::new();
    for swap in swaps {
        let stack = match swap.stack_path.as_str() {
            "" => root.to_string(),
            p => match nested
                .iter()
                .find(|n| n.path == p)
                .and_then(|n| n.physical_id.clone())
            {
                Some(id) => id,
                None => {
                    reasons.push(format!("{root}: nested stack {p} is not deployed"));
                    continue;
                }
            },
        };
        if !physical.contains_key(&stack) {
            let ids = cf
                .stack_resources(&stack)
                .await
                .map_err(dx)?
                .into_iter()
                .filter_map(|r| Some((r.logical_id, r.physical_id?)))
                .collect();
            physical.insert(stack.clone(), ids);
        }
        let ids = &physical[&stack];
        let Some(function) = ids.get(&swap.logical_id).cloned() else {
            reasons.push(format!("{root}: {} is not deployed", swap.path()));
            continue;
        };
        let mut variables = BTreeMap::new();
        for (k, v) in &swap.variables {
            match v.as_ref().map(|v| resolve_value(v, ids)) {
                None => {
                    variables.insert(k.clone(), None);
                }
                Some(Some(value)) => {
                    variables.insert(k.clone(), Some(value));
                }
                Some(None) => reasons.push(format!(
                    "{root}: environment variable {k} of {} is computed by CloudFormation",
                    swap.path()
                )),
            }
        }
        out.push(ResolvedSwap {
            swap,
            function,
            variables,
        });
    }
    Ok(out)
}

pub fn run(req: &HotswapRequest, printer: &mut Printer) -> Result<i32, Error> {
    let yes = req.apply.yes;
    runtime()?.block_on(async {
        let Connected {
            project,
            synth,
            clients,
        } = connect_project(&req.apply.deploy, printer).await?;
        let protection = synth.expansion.project.termination_protection;
        let pending = Pending::default();
        let mut ask = |q: &str| confirm(q, yes);
        let ctx = Hotswap {
            regions: &clients,
            functions: &clients,
            synth: &synth,
            req,
            termination_protection: protection,
            pending: &pending,
        };
        let work = hotswap_with(&ctx, &mut ask, printer);
        let code = match interruptible(work).await {
            Some(r) => r?,
            None => return Err(interrupted(
                &clients,
                &pending,
                "stopped; a function update already sent goes on, and a change set being executed goes on by itself. Follow it with `blueprint status --watch`",
            )
            .await),
        };
        if let Some(path) = &project.placement_file {
            if let Some(line) = write_placement(path, &project.placement()?, &synth)? {
                printer.status(line.trim_start());
            }
        }
        Ok(code)
    })
}
