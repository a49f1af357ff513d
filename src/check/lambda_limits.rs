//! FN-LIMITS: Lambda's quotas, checked before anything is sent to AWS.

use serde_json::Value as Json;

use super::{CheckInput, Finding};
use crate::cfn::resources::{lambda, Properties};
use crate::cfn::walk::sub_variables;
use crate::cfn::{ResourceProperties, Template, Value};

/// Memory, in MB.
pub const MEMORY_MB: (u64, u64) = (128, 10_240);
/// Timeout, in seconds.
pub const TIMEOUT_S: (u64, u64) = (1, 900);
/// Ephemeral storage (/tmp), in MB.
pub const EPHEMERAL_MB: (u64, u64) = (512, 10_240);
/// Total size of all environment variables (keys and values), in bytes.
pub const ENVIRONMENT_BYTES: usize = 4_096;
/// Deployment package, zipped, in bytes (50 MB).
pub const ZIPPED_BYTES: u64 = 50 * 1024 * 1024;
/// Deployment package, unzipped, in bytes (250 MB).
pub const UNZIPPED_BYTES: u64 = 250 * 1024 * 1024;
/// Concurrency Lambda keeps unreserved in every account.
pub const UNRESERVED_MINIMUM: u32 = 100;

/// Account-level limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LambdaLimits {
    /// The account's concurrent executions limit (1,000 by default).
    pub account_concurrency: u32,
}

impl Default for LambdaLimits {
    fn default() -> Self {
        LambdaLimits {
            account_concurrency: 1_000,
        }
    }
}

/// The size of one function package.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PackageSize {
    pub zipped: u64,
    pub unzipped: u64,
}

pub(super) fn check(template: &Template, input: &CheckInput<'_>, errors: &mut Vec<Finding>) {
    let mut reserved_total: u64 = 0;
    // The project's own limit (options.functions.account_concurrency_limit).
    let account_concurrency = template
        .lambda_account_concurrency
        .unwrap_or(input.lambda.account_concurrency);
    let max_reserved = u64::from(account_concurrency.saturating_sub(UNRESERVED_MINIMUM));
    for r in template.resources() {
        let Some(p) = Limited::of(r) else {
            continue;
        };
        let id = r.id().as_str();
        let mut range =
            |key: &str, what: &str, unit: &str, (lo, hi): (u64, u64), v: Option<u64>| {
                if let Some(v) = v.filter(|v| *v < lo || *v > hi) {
                    errors.push(Finding::about(
                        id,
                        format!(
                        "function {what} is {v} {unit}; Lambda allows {lo} to {hi} {unit} ({key})"
                    ),
                    ));
                }
            };
        range("MemorySize", "memory", "MB", MEMORY_MB, p.memory);
        range("Timeout", "timeout", "seconds", TIMEOUT_S, p.timeout);
        range(
            "EphemeralStorage",
            "ephemeral storage",
            "MB",
            EPHEMERAL_MB,
            p.storage,
        );
        if let Some(vars) = &p.variables {
            let size: usize = vars
                .iter()
                .map(|(k, v)| k.len() + min_len(template, v))
                .sum();
            if size > ENVIRONMENT_BYTES {
                errors.push(Finding::about(
                    id,
                    format!(
                        "environment variables take at least {size} bytes; Lambda allows {ENVIRONMENT_BYTES} bytes in total"
                    ),
                ));
            }
        }
        if let Some(n) = p.reserved {
            reserved_total += n;
            if n > max_reserved {
                errors.push(Finding::about(
                    id,
                    format!(
                        "reserved concurrency is {n}; with an account limit of {} and {UNRESERVED_MINIMUM} kept unreserved, at most {max_reserved} can be reserved",
                        account_concurrency
                    ),
                ));
            }
        }
        if let Some(key) = p.key.as_deref() {
            if let Some(size) = input.packages.get(key) {
                if size.zipped > ZIPPED_BYTES {
                    errors.push(Finding::about(
                        id,
                        format!(
                            "deployment package is {} bytes zipped; Lambda allows {ZIPPED_BYTES} bytes (50 MB)",
                            size.zipped
                        ),
                    ));
                }
                if size.unzipped > UNZIPPED_BYTES {
                    errors.push(Finding::about(
                        id,
                        format!(
                            "deployment package is {} bytes unzipped; Lambda allows {UNZIPPED_BYTES} bytes (250 MB)",
                            size.unzipped
                        ),
                    ));
                }
            }
        }
    }
    if reserved_total > max_reserved {
        errors.push(Finding::general(format!(
            "the functions of template `{}` reserve {reserved_total} concurrent executions in total; at most {max_reserved} can be reserved in an account with a limit of {}",
            input.name, account_concurrency
        )));
    }
}

/// The fewest bytes a value can take once CloudFormation resolves it, as far
/// as it can be resolved before deployment: literal text counts in full;
/// pseudo parameters count their shortest value (`AWS::Region` 9 bytes,
/// `AWS::AccountId` 12, `AWS::Partition` 3, `AWS::URLSuffix` 13); a `Ref` to
/// a parameter counts its default; `Fn::Sub` counts its literal text and its
/// variables so resolved; `Fn::Join` its parts and delimiters; anything else
/// (attributes of resources not yet created) counts as empty.
fn min_len(t: &Template, v: &Json) -> usize {
    match v {
        Json::String(s) => s.len(),
        Json::Number(n) => n.to_string().len(),
        Json::Bool(b) => b.to_string().len(),
        Json::Object(m) if m.len() == 1 => {
            if let Some(Json::String(name)) = m.get("Ref") {
                return ref_min_len(t, name);
            }
            match (m.get("Fn::Sub"), m.get("Fn::Join")) {
                (Some(Json::String(s)), _) => sub_min_len(t, s, None),
                (Some(Json::Array(a)), _) => match (a.first(), a.get(1)) {
                    (Some(Json::String(s)), Some(Json::Object(vars))) => {
                        sub_min_len(t, s, Some(vars))
                    }
                    _ => 0,
                },
                (_, Some(Json::Array(a))) => match (a.first(), a.get(1)) {
                    (Some(Json::String(d)), Some(Json::Array(parts))) => {
                        parts.iter().map(|p| min_len(t, p)).sum::<usize>()
                            + d.len() * parts.len().saturating_sub(1)
                    }
                    _ => 0,
                },
                _ => 0,
            }
        }
        _ => 0,
    }
}

/// What the limits are checked on, from a function's typed properties or,
/// for one a project's `overrides:` touched or its `resources:` added, from
/// its free JSON: each a literal value where there is one.
struct Limited {
    memory: Option<u64>,
    timeout: Option<u64>,
    storage: Option<u64>,
    /// The environment variables, each value as JSON (an intrinsic counts by
    /// [`min_len`]).
    variables: Option<Vec<(String, Json)>>,
    reserved: Option<u64>,
    /// The package's S3 key.
    key: Option<String>,
}

impl Limited {
    fn of(r: &crate::cfn::Resource) -> Option<Limited> {
        if let Some(p) = r.get::<lambda::Function>() {
            let vars = p
                .environment
                .as_ref()
                .and_then(Value::lit)
                .and_then(|e| e.variables.as_ref()?.lit());
            return Some(Limited {
                memory: int(&p.memory_size),
                timeout: int(&p.timeout),
                storage: int(&p
                    .ephemeral_storage
                    .as_ref()
                    .and_then(Value::lit)
                    .map(|e| e.size.clone())),
                variables: vars.map(|vars| {
                    vars.iter()
                        .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or_default()))
                        .collect()
                }),
                reserved: int(&p.reserved_concurrent_executions),
                key: p.code.lit().and_then(|c| c.s3_key.as_ref()?.lit()).cloned(),
            });
        }
        match &r.properties {
            Properties::Raw(m) if r.kind() == lambda::Function::TYPE => {
                let at = |path: &[&str]| -> Option<&Json> {
                    let (first, rest) = path.split_first()?;
                    rest.iter().try_fold(m.get(*first)?, |v, k| v.get(*k))
                };
                let n = |path: &[&str]| at(path).and_then(Json::as_u64);
                Some(Limited {
                    memory: n(&["MemorySize"]),
                    timeout: n(&["Timeout"]),
                    storage: n(&["EphemeralStorage", "Size"]),
                    variables: at(&["Environment", "Variables"])
                        .and_then(Json::as_object)
                        .map(|vars| vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
                    reserved: n(&["ReservedConcurrentExecutions"]),
                    key: at(&["Code", "S3Key"])
                        .and_then(Json::as_str)
                        .map(str::to_string),
                })
            }
            _ => None,
        }
    }
}

/// A non-negative integer property's literal value.
fn int(v: &Option<Value<i64>>) -> Option<u64> {
    v.as_ref()
        .and_then(Value::lit)
        .and_then(|n| u64::try_from(*n).ok())
}

fn ref_min_len(t: &Template, name: &str) -> usize {
    match name {
        "AWS::Region" => 9,
        "AWS::AccountId" => 12,
        "AWS::Partition" => 3,
        "AWS::URLSuffix" => 13,
        "AWS::StackName" => 1,
        _ => t
            .parameters
            .get(name)
            .and_then(|p| p.default.as_ref())
            .map_or(0, |d| min_len(t, d)),
    }
}

fn sub_min_len(t: &Template, s: &str, vars: Option<&serde_json::Map<String, Json>>) -> usize {
    let names = sub_variables(s);
    let placeholders: usize = names.iter().map(|v| v.len() + 3).sum();
    let resolved: usize = names
        .iter()
        .map(|name| match vars.and_then(|m| m.get(*name)) {
            Some(v) => min_len(t, v),
            None if name.contains('.') => 0,
            None => ref_min_len(t, name),
        })
        .sum();
    s.len().saturating_sub(placeholders) + resolved
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::lambda::{Code, Environment, EphemeralStorage, Function, Runtime};
    use crate::check::PackageSize;
    use indexmap::IndexMap;
    use std::collections::BTreeMap;

    fn function() -> Function {
        Function {
            handler: Some("handler.handler".into()),
            memory_size: Some(256.into()),
            runtime: Some(Runtime::Python3_13.into()),
            timeout: Some(10.into()),
            ..Function::new(
                Code {
                    s3_bucket: Some("b".into()),
                    s3_key: Some("k.zip".into()),
                    ..Default::default()
                },
                "arn:aws:iam::123456789012:role/r",
            )
        }
    }

    fn run(f: Function, packages: BTreeMap<String, PackageSize>) -> Vec<String> {
        let mut t = Template::default();
        t.add("Api", f).unwrap();
        let input = CheckInput {
            name: "app",
            packages,
            ..Default::default()
        };
        let mut errors = Vec::new();
        check(&t, &input, &mut errors);
        errors.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn a_function_within_limits_passes() {
        assert!(run(function(), BTreeMap::new()).is_empty());
    }

    #[test]
    fn memory_timeout_and_storage_out_of_range() {
        let f = Function {
            memory_size: Some(20_000.into()),
            timeout: Some(901.into()),
            ephemeral_storage: Some(EphemeralStorage { size: 100.into() }.into()),
            file_system_configs: None,
            ..function()
        };
        assert_eq!(
            run(f, BTreeMap::new()),
            [
                "Api: function memory is 20000 MB; Lambda allows 128 to 10240 MB (MemorySize)",
                "Api: function timeout is 901 seconds; Lambda allows 1 to 900 seconds (Timeout)",
                "Api: function ephemeral storage is 100 MB; Lambda allows 512 to 10240 MB (EphemeralStorage)",
            ]
        );
    }

    #[test]
    fn environment_over_4kb() {
        let mut vars = IndexMap::new();
        vars.insert("BIG".to_string(), "x".repeat(4_094).into());
        vars.insert(
            "ARN".to_string(),
            crate::cfn::intrinsic::sub("${AWS::Region}").into(),
        );
        let f = Function {
            environment: Some(
                Environment {
                    variables: Some(vars.into()),
                }
                .into(),
            ),
            ..function()
        };
        assert_eq!(
            run(f, BTreeMap::new()),
            ["Api: environment variables take at least 4109 bytes; Lambda allows 4096 bytes in total"]
        );
    }

    #[test]
    fn environment_size_resolves_pseudo_parameters_joins_and_defaults() {
        let mut t = Template::new("t");
        let mut p = crate::cfn::Parameter::string("a name");
        p.default = Some(Json::String("x".repeat(100)));
        t.parameter("Name", p).unwrap();
        let v = |j: Json| min_len(&t, &j);
        assert_eq!(v(serde_json::json!({"Ref": "AWS::AccountId"})), 12);
        assert_eq!(v(serde_json::json!({"Ref": "Name"})), 100);
        assert_eq!(
            v(serde_json::json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::${Name}/*"})),
            "arn::s3:::/*".len() + 3 + 100
        );
        assert_eq!(
            v(serde_json::json!({"Fn::Sub": ["${A}-${B.Arn}", {"A": {"Ref": "AWS::Region"}}]})),
            9 + 1
        );
        assert_eq!(
            v(
                serde_json::json!({"Fn::Join": [",", ["ab", {"Ref": "AWS::URLSuffix"}, {"Fn::GetAtt": ["X", "Arn"]}]]})
            ),
            2 + 13 + 2
        );
    }

    #[test]
    fn reserved_concurrency_over_the_account_limit() {
        let f = Function {
            reserved_concurrent_executions: Some(950.into()),
            ..function()
        };
        assert_eq!(
            run(f, BTreeMap::new()),
            [
                "Api: reserved concurrency is 950; with an account limit of 1000 and 100 kept unreserved, at most 900 can be reserved",
                "the functions of template `app` reserve 950 concurrent executions in total; at most 900 can be reserved in an account with a limit of 1000",
            ]
        );
    }

    #[test]
    fn package_too_big() {
        let mut packages = BTreeMap::new();
        packages.insert(
            "k.zip".to_string(),
            PackageSize {
                zipped: ZIPPED_BYTES + 1,
                unzipped: UNZIPPED_BYTES + 1,
            },
        );
        assert_eq!(
            run(function(), packages),
            [
                "Api: deployment package is 52428801 bytes zipped; Lambda allows 52428800 bytes (50 MB)",
                "Api: deployment package is 262144001 bytes unzipped; Lambda allows 262144000 bytes (250 MB)",
            ]
        );
    }
}
