//! `blueprint bootstrap`: create or update the toolkit stack (the assets
//! bucket) in a region.

use sha2::{Digest, Sha256};

use crate::assets::hex;
use crate::commands::aws::{connect, run_async};
use crate::deploy::apply::{execute, ApplyOptions};
use crate::deploy::cloudformation::{CloudFormation, ObjectStore};
use crate::deploy::plan::{assets_bucket, plan_stack, PlanOptions, StackInputs};
use crate::deploy::regions::Regions;
use crate::deploy::sdk::AwsOptions;
use crate::deploy::toolkit::template;
use crate::deploy::watch::ProgressMode;
use crate::error::Error;
use crate::output::Printer;
use crate::render::{render, Format};

/// `bootstrap`'s request.
#[derive(Clone, Debug)]
pub struct BootstrapRequest {
    pub region: String,
    pub aws: AwsOptions,
    pub toolkit_stack: String,
    pub progress: ProgressMode,
    /// `--env`: the environment whose account guard applies.
    pub environment: Option<crate::config::environments::Active>,
}

/// Creates or updates the toolkit stack; prints the bucket's name.
pub async fn bootstrap_with<C: CloudFormation + ObjectStore>(
    cf: &C,
    req: &BootstrapRequest,
    printer: &mut Printer,
) -> Result<i32, Error> {
    crate::deploy::account::check_with(cf, req.environment.as_ref()).await?;
    let t = template()?;
    let doc = t.to_json();
    let body = render(&doc, Format::Yaml)?;
    let sha = hex(&Sha256::digest(body.as_bytes()));
    let opts = PlanOptions {
        keep_change_sets: true,
        toolkit_stack: req.toolkit_stack.clone(),
        wait: false,
        pending: Default::default(),
    };
    let input = StackInputs {
        stack_name: &req.toolkit_stack,
        region: &req.region,
        template: doc.clone(),
        body: &body,
        sha256: &sha,
        format_ext: "yaml",
        parameters: Vec::new(),
        tags: vec![("blueprint".into(), "toolkit".into())],
        deferred: None,
        assets_bucket: None,
        typed: None,
    };
    let plan = plan_stack(cf, input, &opts).await?;
    if !plan.no_changes {
        printer.status(&format!(
            "{} the toolkit stack `{}` in {}",
            if plan.kind == crate::deploy::plan::PlanKind::Update {
                "updating"
            } else {
                "creating"
            },
            req.toolkit_stack,
            req.region
        ));
        let apply = ApplyOptions {
            allow_data_loss: Vec::new(),
            termination_protection: false,
            progress: req.progress,
        };
        execute(cf, &plan, &doc, &apply, printer).await?;
    }
    let bucket = assets_bucket(cf, &req.toolkit_stack, &req.region).await?;
    printer.result(&format!(
        "toolkit `{}` in {} is {}: assets bucket {bucket}",
        req.toolkit_stack,
        req.region,
        if plan.no_changes {
            "up to date"
        } else {
            "ready"
        }
    ));
    Ok(0)
}

/// `bootstrap --env NAME`: the region of ./blueprint.yaml with that
/// environment merged in, and the environment (its account guard).
pub fn environment(name: &str) -> Result<(String, crate::config::environments::Active), Error> {
    let args = crate::commands::project::ProjectArgs {
        env: Some(name.to_string()),
        ..Default::default()
    };
    let project = crate::commands::project::resolve(&args)?;
    #[derive(serde::Deserialize)]
    struct RegionOnly {
        region: String,
    }
    let region = crate::config::parse::<RegionOnly>(&project.source)
        .map_err(|e| project.relocate(e.into()))?
        .region;
    let env = project
        .environment
        .ok_or_else(|| Error::Internal("--env resolved without an environment".into()))?;
    Ok((region, env.active))
}

pub fn run(req: &BootstrapRequest, printer: &mut Printer) -> Result<i32, Error> {
    run_async(
        async {
            let regions: Regions<_> = connect(std::slice::from_ref(&req.region), &req.aws).await;
            let cf = regions.get(&req.region)?;
            bootstrap_with(cf, req, printer).await
        },
        "stopped watching; CloudFormation goes on. Follow it with `blueprint status --watch`",
    )
}
