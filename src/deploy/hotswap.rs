//! `apply --hotswap`: when the only differences between the synthesized
//! templates and the deployed ones (nested stacks included) are function
//! code (the package key) or environment variables, the functions are
//! updated directly through Lambda instead of through a change set; with
//! FN-DEPLOY a version is published and the alias moved. Anything else is a
//! reason to fall back to a normal change set.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use super::error::ApplyError;
use super::lambda::Functions;
use super::nested::{NestedAction, NestedPlan, STACK_TYPE};
use crate::cfn::resources::lambda;
use crate::cfn::ResourceProperties;
use crate::diff::{Impact, ResourceDiff, TemplateDiff};
use crate::error::Error;

const FUNCTION: &str = lambda::Function::TYPE;
const VERSION: &str = lambda::Version::TYPE;
const ALIAS: &str = lambda::Alias::TYPE;
const CODE_KEY: &str = "Properties.Code.S3Key";
const VARIABLES: &str = "Properties.Environment.Variables";

/// One function to update in place.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FunctionSwap {
    /// The stack's path in the tree (`""` for the root), and the function's
    /// logical ID in it.
    pub stack_path: String,
    pub logical_id: String,
    /// The new package key, when the code changed.
    pub code_key: Option<String>,
    /// Changed variables: the new value (as in the template), or `None`
    /// when the variable is removed.
    pub variables: BTreeMap<String, Option<Json>>,
    /// Aliases (their `Name`) to move to a new version (FN-DEPLOY).
    pub aliases: Vec<String>,
}

impl FunctionSwap {
    /// `Path/LogicalId`, as the user names it.
    pub fn path(&self) -> String {
        super::nested::join(&self.stack_path, &self.logical_id)
    }
}

/// What one stack's differences allow.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Classified {
    pub swaps: Vec<FunctionSwap>,
    /// Why a change set is needed (empty when every change can be swapped).
    pub reasons: Vec<String>,
}

/// The `Ref` target of a value, if it is one.
fn ref_of(v: Option<&Json>) -> Option<&str> {
    v?.get("Ref")?.as_str()
}

fn resource<'a>(template: Option<&'a Json>, id: &str) -> Option<&'a Json> {
    template?.get("Resources")?.get(id)
}

/// Sorts one stack's template diff into function swaps and reasons for a
/// change set. `new` is the stack's new template, `prefix` its path.
pub fn classify(prefix: &str, diff: &TemplateDiff, new: Option<&Json>) -> Classified {
    let mut out = Classified::default();
    let at = |id: &str| super::nested::join(prefix, id);
    for s in &diff.sections {
        out.reasons.push(format!(
            "the template's {s} section changed{}",
            in_stack(prefix)
        ));
    }
    for o in &diff.outputs {
        out.reasons
            .push(format!("output {} changed{}", o.name, in_stack(prefix)));
    }
    let mut swaps: BTreeMap<String, FunctionSwap> = BTreeMap::new();
    for r in diff
        .resources
        .iter()
        .filter(|r| r.resource_type == FUNCTION)
    {
        match function_swap(prefix, r) {
            Ok(s) => {
                swaps.insert(r.logical_id.clone(), s);
            }
            Err(why) => out.reasons.push(why),
        }
    }
    for r in diff
        .resources
        .iter()
        .filter(|r| r.resource_type != FUNCTION)
    {
        let ok = match r.resource_type.as_str() {
            // The nested stack's own differences are classified with it.
            STACK_TYPE => {
                r.impact == Impact::Modify
                    && r.changes.iter().all(|c| c.path == "Properties.TemplateURL")
            }
            // FN-DEPLOY: the version named after the code's hash.
            VERSION => swaps
                .keys()
                .any(|f| r.logical_id.starts_with(&format!("{f}Version"))),
            ALIAS if r.impact == Impact::Modify => {
                let alias = resource(new, &r.logical_id);
                let props = alias.and_then(|a| a.get("Properties"));
                let function = ref_of(props.and_then(|p| p.get("FunctionName")));
                let name = props.and_then(|p| p.get("Name")).and_then(Json::as_str);
                let only_version = r
                    .changes
                    .iter()
                    .all(|c| c.path == "Properties.FunctionVersion");
                match (function.and_then(|f| swaps.get_mut(f)), name) {
                    (Some(s), Some(n)) if only_version => {
                        s.aliases.push(n.to_string());
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if !ok {
            out.reasons.push(not_swappable(&at(&r.logical_id), r));
        }
    }
    out.swaps = swaps.into_values().collect();
    out
}

fn in_stack(prefix: &str) -> String {
    if prefix.is_empty() {
        String::new()
    } else {
        format!(" in nested stack {prefix}")
    }
}

/// Why a resource's change needs CloudFormation.
fn not_swappable(path: &str, r: &ResourceDiff) -> String {
    let what = match r.impact {
        Impact::Add => "is added".to_string(),
        Impact::Remove => "is removed".to_string(),
        Impact::Replace | Impact::MayReplace => "would be replaced".to_string(),
        Impact::Modify => format!(
            "changes {}",
            r.changes
                .iter()
                .map(|c| c.path.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    format!("{path} ({}) {what}", r.resource_type)
}

/// A function's changes as a swap, or why they need a change set.
fn function_swap(prefix: &str, r: &ResourceDiff) -> Result<FunctionSwap, String> {
    let path = super::nested::join(prefix, &r.logical_id);
    if r.impact != Impact::Modify {
        return Err(not_swappable(&path, r));
    }
    let mut swap = FunctionSwap {
        stack_path: prefix.to_string(),
        logical_id: r.logical_id.clone(),
        ..Default::default()
    };
    let mut other = Vec::new();
    for c in &r.changes {
        if c.path == CODE_KEY {
            match c.new.as_ref().and_then(Json::as_str) {
                Some(k) => swap.code_key = Some(k.to_string()),
                None => other.push(c.path.as_str()),
            }
        } else if let Some(name) = c.path.strip_prefix(&format!("{VARIABLES}.")) {
            swap.variables.insert(name.to_string(), c.new.clone());
        } else {
            other.push(c.path.as_str());
        }
    }
    if !other.is_empty() {
        return Err(format!(
            "{path} ({FUNCTION}) changes {} (only Code.S3Key and Environment.Variables can be hot-swapped)",
            other.join(", ")
        ));
    }
    Ok(swap)
}

/// Classifies a stack and its nested plans; a nested stack created or
/// removed needs a change set.
pub fn classify_tree(diff: &TemplateDiff, new: &Json, nested: &[NestedPlan]) -> Classified {
    let mut all = classify("", diff, Some(new));
    for n in nested {
        if n.action != NestedAction::Update {
            all.reasons.push(format!(
                "nested stack {} is {}",
                n.path,
                if n.action == NestedAction::Create {
                    "created"
                } else {
                    "removed"
                }
            ));
            continue;
        }
        let c = classify(&n.path, &n.diff, n.template.as_ref());
        all.swaps.extend(c.swaps);
        all.reasons.extend(c.reasons);
    }
    all
}

/// A swap with everything resolved: the function's name and the values of
/// its changed variables.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedSwap {
    pub swap: FunctionSwap,
    pub function: String,
    /// Changed variables with their deployed values (`None`: removed).
    pub variables: BTreeMap<String, Option<String>>,
}

/// Resolves a variable's template value to the value Lambda gets: a
/// string as it is, a `Ref` to a resource of the same stack as its
/// physical ID; anything else (a `GetAtt`, a `Sub`, a parameter, a
/// dynamic reference like `{{resolve:ssm:NAME}}`) only CloudFormation can
/// compute.
pub fn resolve_value(v: &Json, physical: &BTreeMap<String, String>) -> Option<String> {
    match v {
        Json::String(s) if s.contains("{{resolve:") => None,
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => physical.get(ref_of(Some(v))?).cloned(),
    }
}

/// How long one function update may take before blueprint gives up.
const UPDATE_LIMIT: Duration = Duration::from_secs(300);

/// Waits until the function's last update has finished (polling from
/// 25 ms, backing off to 1 s) and returns the function as it is then; a
/// failed update is an error.
pub async fn wait_updated<F: Functions>(
    fns: &F,
    name: &str,
) -> Result<super::lambda::FunctionState, Error> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(25);
    loop {
        let f = fns
            .get_function(name)
            .await
            .map_err(Error::Deploy)?
            .ok_or_else(|| ApplyError::HotswapFailed {
                function: name.to_string(),
                reason: "the function no longer exists".into(),
            })?;
        match f.last_update_status.as_deref() {
            Some("InProgress") => {}
            Some("Failed") => {
                return Err(ApplyError::HotswapFailed {
                    function: name.to_string(),
                    reason: f
                        .last_update_reason
                        .unwrap_or_else(|| "Lambda gave no reason".into()),
                }
                .into())
            }
            _ => return Ok(f),
        }
        if start.elapsed() > UPDATE_LIMIT {
            return Err(ApplyError::HotswapFailed {
                function: name.to_string(),
                reason: format!(
                    "the update had not finished after {} s",
                    UPDATE_LIMIT.as_secs()
                ),
            }
            .into());
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

/// What was done to one function, for the report.
#[derive(Clone, Debug, PartialEq)]
pub struct Swapped {
    pub path: String,
    pub function: String,
    pub what: Vec<String>,
}

/// The `CodeSha256` Lambda reports for the package `key` names: blueprint
/// names a package `<hex SHA-256 of the zip>.zip`, and Lambda reports the
/// same hash in base64. `None` for a key of another form.
pub fn package_code_sha256(key: &str) -> Option<String> {
    let hex = key.strip_suffix(".zip").filter(|h| h.len() == 64)?;
    let bytes = (0..32)
        .map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    Some(aws_smithy_types::base64::encode(bytes))
}

/// The function as Lambda has it now.
async fn live<F: Functions>(fns: &F, name: &str) -> Result<super::lambda::FunctionState, Error> {
    fns.get_function(name)
        .await
        .map_err(Error::Deploy)?
        .ok_or_else(|| {
            Error::from(ApplyError::HotswapFailed {
                function: name.to_string(),
                reason: "Lambda has no function by that name".into(),
            })
        })
}

/// Updates one function: its code, then its variables (each waited for),
/// then, with FN-DEPLOY, publishes a version and moves its aliases. What
/// the function already has is left alone: until a full apply the deployed
/// template keeps the old package key and values, so a function hot-swapped
/// in an earlier round comes back with the same change, which is skipped
/// (the result's `what` is then empty). An alias is moved unless it already
/// points at a version with the code and environment of `$LATEST`, so a
/// round that failed before moving it (or an alias moved back by hand) is
/// completed by the next, without sending the code again.
pub async fn swap_function<F: Functions>(
    fns: &F,
    bucket: &str,
    r: &ResolvedSwap,
) -> Result<Swapped, Error> {
    let name = r.function.as_str();
    let mut what = Vec::new();
    let mut latest = live(fns, name).await?;
    if let Some(key) = &r.swap.code_key {
        if package_code_sha256(key).as_deref() != Some(latest.code_sha256.as_str()) {
            fns.update_code(name, bucket, key)
                .await
                .map_err(Error::Deploy)?;
            latest = wait_updated(fns, name).await?;
            what.push(format!("code ({key})"));
        }
    }
    if !r.variables.is_empty() {
        // The variables as deployed, changed where the template changed.
        let mut env = latest.environment.clone();
        for (k, v) in &r.variables {
            match v {
                Some(v) => env.insert(k.clone(), v.clone()),
                None => env.remove(k),
            };
        }
        if env != latest.environment {
            fns.update_environment(name, &env)
                .await
                .map_err(Error::Deploy)?;
            latest = wait_updated(fns, name).await?;
            let keys: Vec<&str> = r.variables.keys().map(String::as_str).collect();
            what.push(format!("environment ({})", keys.join(", ")));
        }
    }
    let stale = stale_aliases(fns, name, &latest, &r.swap.aliases).await?;
    if !stale.is_empty() {
        let version = fns
            .publish_version(name, "hot-swapped by blueprint apply --hotswap")
            .await
            .map_err(Error::Deploy)?;
        for a in &stale {
            fns.update_alias(name, a, &version)
                .await
                .map_err(Error::Deploy)?;
        }
        what.push(format!("version {version}, alias {}", stale.join(", ")));
    }
    Ok(Swapped {
        path: r.swap.path(),
        function: name.to_string(),
        what,
    })
}

/// The aliases of the function `name` that do not point at a version with
/// `latest`'s code and environment (or do not exist).
async fn stale_aliases<F: Functions>(
    fns: &F,
    name: &str,
    latest: &super::lambda::FunctionState,
    aliases: &[String],
) -> Result<Vec<String>, Error> {
    let mut stale = Vec::new();
    for a in aliases {
        let target = fns.get_qualified(name, a).await.map_err(Error::Deploy)?;
        let current = target.is_some_and(|t| {
            t.code_sha256 == latest.code_sha256 && t.environment == latest.environment
        });
        if !current {
            stale.push(a.clone());
        }
    }
    Ok(stale)
}

/// Whether the project is marked as production: an environment (`--env`)
/// named `prod` or `production` (any case), a tag `environment`, `env` or
/// `stage` (any case) whose value is `prod` or `production`, or a stack
/// name with a `prod` or `production` part (`shop-prod`).
pub fn production_marker(
    stack: &str,
    tags: &[(String, String)],
    environment: Option<&crate::config::environments::EnvName>,
) -> Option<String> {
    if let Some(env) = environment.filter(|e| e.is_production()) {
        return Some(format!("its environment `{env}`"));
    }
    for (k, v) in tags {
        let key = k.to_ascii_lowercase();
        let value = v.to_ascii_lowercase();
        if matches!(key.as_str(), "environment" | "env" | "stage")
            && matches!(value.as_str(), "prod" | "production")
        {
            return Some(format!("its tag {k}: {v}"));
        }
    }
    stack
        .split(['-', '_', '.'])
        .any(|p| matches!(p.to_ascii_lowercase().as_str(), "prod" | "production"))
        .then(|| format!("its stack name `{stack}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A variable naming an SSM parameter (`{{resolve:ssm:NAME}}`) is
    /// CloudFormation's to resolve: sent as it is, the function would get
    /// the reference instead of the parameter's value.
    #[test]
    fn a_dynamic_reference_is_left_to_cloudformation() {
        let none = BTreeMap::new();
        assert_eq!(
            resolve_value(&json!("{{resolve:ssm:/orders/db-host}}"), &none),
            None
        );
        assert_eq!(resolve_value(&json!("EUR"), &none), Some("EUR".into()));
    }

    #[test]
    fn only_code_and_variables_are_swapped() {
        let old = json!({"Resources": {"F": {"Type": FUNCTION, "Properties": {
            "Code": {"S3Bucket": {"Ref": "AssetsBucket"}, "S3Key": "a.zip"},
            "Environment": {"Variables": {"A": "1", "T": {"Ref": "Table"}}}, "MemorySize": 128}}}});
        let mut new = old.clone();
        new["Resources"]["F"]["Properties"]["Code"]["S3Key"] = json!("b.zip");
        new["Resources"]["F"]["Properties"]["Environment"]["Variables"]["A"] = json!("2");
        let d = crate::diff::compute(Some(&old), &new);
        let c = classify("", &d, Some(&new));
        assert!(c.reasons.is_empty(), "{:?}", c.reasons);
        assert_eq!(c.swaps[0].code_key.as_deref(), Some("b.zip"));
        assert_eq!(c.swaps[0].variables["A"], Some(json!("2")));
        new["Resources"]["F"]["Properties"]["MemorySize"] = json!(512);
        let d = crate::diff::compute(Some(&old), &new);
        let c = classify("Svc", &d, Some(&new));
        assert_eq!(c.reasons, ["Svc/F (AWS::Lambda::Function) changes Properties.MemorySize (only Code.S3Key and Environment.Variables can be hot-swapped)"]);
    }

    #[test]
    fn a_package_key_gives_the_hash_lambda_reports() {
        // sha256("") in hex, and as Lambda reports it (base64).
        let key = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.zip";
        assert_eq!(
            package_code_sha256(key).as_deref(),
            Some("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        );
        assert_eq!(package_code_sha256("old.zip"), None);
        assert_eq!(package_code_sha256(&key.replace('e', "g")), None);
    }

    #[test]
    fn production_is_marked_by_a_tag_or_the_stack_name() {
        let tag = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        assert!(production_marker("shop", &tag("Environment", "Production"), None).is_some());
        assert!(production_marker("shop-prod", &[], None).is_some());
        assert!(production_marker("product-dev", &tag("env", "dev"), None).is_none());
        let env = |n: &str| crate::config::environments::EnvName::new(n).unwrap();
        assert_eq!(
            production_marker("shop", &[], Some(&env("PROD"))).as_deref(),
            Some("its environment `PROD`")
        );
        assert!(production_marker("shop", &[], Some(&env("production"))).is_some());
        assert!(production_marker("shop", &[], Some(&env("dev"))).is_none());
    }

    #[test]
    fn variables_resolve_literals_and_refs_to_resources_only() {
        let phys: BTreeMap<String, String> = [("Table".to_string(), "t-1".to_string())].into();
        assert_eq!(resolve_value(&json!("x"), &phys).as_deref(), Some("x"));
        assert_eq!(
            resolve_value(&json!({"Ref": "Table"}), &phys).as_deref(),
            Some("t-1")
        );
        assert_eq!(resolve_value(&json!({"Ref": "Param"}), &phys), None);
        assert_eq!(
            resolve_value(&json!({"Fn::GetAtt": ["T", "Arn"]}), &phys),
            None
        );
    }
}
