//! `blueprint invoke FUNCTION [--event FILE|-]`: invokes a deployed
//! function (through its alias when FN-DEPLOY gives it one) with an event
//! and prints what it returned and the tail of its log.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::cfn::resources::lambda;
use crate::cfn::ResourceProperties;
use crate::commands::aws::{connect, run_async};
use crate::commands::logs::{find_function, project_functions, readable};
use crate::commands::plan::{regions_of, synthesize_project, DeployArgs};
use crate::deploy::cloudformation::CloudFormation;
use crate::deploy::lambda::{DeployedFunction, Functions};
use crate::deploy::nested::deployed_tree;
use crate::deploy::plan::dx;
use crate::deploy::regions::Regions;
use crate::error::Error;
use crate::output::{OutputFormat, Printer};
use crate::synthesis::Synthesized;

/// Lambda's limit of a synchronous invocation's payload: 6 MB.
pub const MAX_EVENT_BYTES: u64 = 6 * 1024 * 1024;

/// Where the event comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventSource {
    /// `{}`.
    Empty,
    /// `-`: standard input.
    Stdin,
    File(PathBuf),
}

/// `invoke`'s request.
#[derive(Clone, Debug)]
pub struct InvokeRequest {
    pub deploy: DeployArgs,
    pub function: String,
    pub event: EventSource,
    pub output: OutputFormat,
}

/// The event, read and checked: JSON, at most [`MAX_EVENT_BYTES`], a file
/// inside `base` (the project directory).
pub fn read_event(source: &EventSource, base: &Path) -> Result<Vec<u8>, Error> {
    let (name, bytes) = match source {
        EventSource::Empty => return Ok(b"{}".to_vec()),
        EventSource::Stdin => {
            let mut buf = Vec::new();
            std::io::stdin()
                .take(MAX_EVENT_BYTES + 1)
                .read_to_end(&mut buf)
                .map_err(|e| Error::io(Path::new("-"), e))?;
            ("standard input".to_string(), buf)
        }
        EventSource::File(path) => {
            let shown = path.display().to_string();
            let real = path.canonicalize().map_err(|e| Error::io(path, e))?;
            let root = base.canonicalize().map_err(|e| Error::io(base, e))?;
            if !real.starts_with(&root) {
                return Err(Error::User(format!(
                    "--event {shown}: is outside the project directory {}; put the event file in the project",
                    root.display()
                )));
            }
            if !real.is_file() {
                return Err(Error::User(format!("--event {shown}: is not a file")));
            }
            let mut buf = Vec::new();
            std::fs::File::open(&real)
                .and_then(|f| f.take(MAX_EVENT_BYTES + 1).read_to_end(&mut buf))
                .map_err(|e| Error::io(path, e))?;
            (format!("--event {shown}"), buf)
        }
    };
    if bytes.len() as u64 > MAX_EVENT_BYTES {
        return Err(Error::User(format!(
            "{name}: the event is over 6 MB, Lambda's limit for a synchronous invocation"
        )));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::User(format!(
            "{name}: the event is empty; give a JSON document such as {{}}"
        )));
    }
    serde_json::from_slice::<Json>(&bytes).map_err(|e| {
        Error::User(format!(
            "{name}: the event is not JSON (line {}, column {}): {}",
            e.line(),
            e.column(),
            plain(&e)
        ))
    })?;
    Ok(bytes)
}

/// serde_json's message without its trailing location.
fn plain(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// The alias of `function` in the stack tree (FN-DEPLOY's `live`), from
/// the aliases' physical IDs (`...:function:NAME:ALIAS`).
async fn alias_of<C: CloudFormation>(
    cf: &C,
    root: &str,
    function: &str,
) -> Result<Option<String>, Error> {
    let mut resources = cf.stack_resources(root).await.map_err(dx)?;
    for n in deployed_tree(cf, root, false).await? {
        resources.extend(n.resources);
    }
    let marker = format!(":function:{function}:");
    Ok(resources
        .into_iter()
        .filter(|r| r.resource_type == lambda::Alias::TYPE)
        .filter_map(|r| r.physical_id)
        .find_map(|p| Some(p[p.find(&marker)? + marker.len()..].to_string())))
}

/// Invokes the function; prints its result and log tail. A function
/// error is an error (exit 1) after both are printed.
pub async fn invoke_with<C: CloudFormation, L: Functions>(
    regions: &Regions<C>,
    lambdas: &Regions<L>,
    synth: &Synthesized,
    req: &InvokeRequest,
    event: &[u8],
    printer: &mut Printer,
) -> Result<i32, Error> {
    crate::deploy::account::check(regions, synth).await?;
    let all = project_functions(regions, synth).await?;
    let list: Vec<DeployedFunction> = all.iter().map(|(_, f)| f.clone()).collect();
    let f = find_function(&req.function, &list)?;
    let region = all
        .iter()
        .find(|(_, g)| g.path == f.path)
        .map(|(r, _)| r.as_str())
        .unwrap_or_default();
    let root = synth
        .expansion
        .stacks
        .iter()
        .find(|s| s.region.as_str() == region)
        .map(|s| s.stack_name.to_string())
        .unwrap_or_default();
    let cf = regions.get(region)?;
    let target = match alias_of(cf, &root, &f.name).await? {
        Some(a) => format!("{}:{a}", f.name),
        None => f.name.clone(),
    };
    let result = lambdas
        .get(region)?
        .invoke(&target, event)
        .await
        .map_err(dx)?;
    let payload = serde_json::from_str::<Json>(&result.payload).ok();
    match req.output {
        OutputFormat::Json => {
            let doc = serde_json::json!({
                "function": f.path, "name": target, "status_code": result.status_code,
                "function_error": result.function_error, "executed_version": result.executed_version,
                "payload": payload.clone().unwrap_or(Json::String(result.payload.clone())),
                "log_tail": result.log_tail,
            });
            printer.result(&serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        OutputFormat::Text => {
            let shown = payload
                .as_ref()
                .and_then(|p| serde_json::to_string_pretty(p).ok())
                .unwrap_or_else(|| result.payload.clone());
            printer.result(&shown);
            if let Some(tail) = result.log_tail.as_deref().filter(|t| !t.trim().is_empty()) {
                printer.status(&format!("log tail of {target}:"));
                for line in tail.lines() {
                    printer.status(&format!("  {}", readable(line)));
                }
            }
        }
    }
    match result.function_error {
        Some(kind) => Err(Error::User(format!(
            "function `{}` failed ({kind}); its error is above",
            f.path
        ))),
        None => Ok(crate::EXIT_OK),
    }
}

pub fn run(req: &InvokeRequest, printer: &mut Printer) -> Result<i32, Error> {
    // The project directory: the project file's, or the current one.
    let base = match req.deploy.project.config.as_deref().and_then(Path::parent) {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let event = read_event(&req.event, &base)?;
    let synth = synthesize_project(&req.deploy.project)?;
    let regions = regions_of(&synth);
    run_async(
        async {
            let clients = connect(&regions, &req.deploy.aws).await;
            invoke_with(&clients, &clients, &synth, req, &event, printer).await
        },
        "stopped waiting; the invocation may still run",
    )
}
