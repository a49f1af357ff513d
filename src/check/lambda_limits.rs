//! FN-LIMITS: Lambda's quotas, checked before anything is sent to AWS.

use serde_json::Value as Json;

use super::references::sub_variables;
use super::{CheckInput, Finding};
use crate::cfn::Template;

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
    let max_reserved = u64::from(
        input
            .lambda
            .account_concurrency
            .saturating_sub(UNRESERVED_MINIMUM),
    );
    for r in template
        .resources()
        .filter(|r| r.kind() == "AWS::Lambda::Function")
    {
        let id = r.id().as_str();
        let p = Json::Object(r.properties.clone());
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
        range(
            "MemorySize",
            "memory",
            "MB",
            MEMORY_MB,
            p.get("MemorySize").and_then(Json::as_u64),
        );
        range(
            "Timeout",
            "timeout",
            "seconds",
            TIMEOUT_S,
            p.get("Timeout").and_then(Json::as_u64),
        );
        range(
            "EphemeralStorage",
            "ephemeral storage",
            "MB",
            EPHEMERAL_MB,
            p.pointer("/EphemeralStorage/Size").and_then(Json::as_u64),
        );
        if let Some(Json::Object(vars)) = p.pointer("/Environment/Variables") {
            let size: usize = vars.iter().map(|(k, v)| k.len() + min_len(v)).sum();
            if size > ENVIRONMENT_BYTES {
                errors.push(Finding::about(
                    id,
                    format!(
                        "environment variables take at least {size} bytes; Lambda allows {ENVIRONMENT_BYTES} bytes in total"
                    ),
                ));
            }
        }
        if let Some(n) = p.get("ReservedConcurrentExecutions").and_then(Json::as_u64) {
            reserved_total += n;
            if n > max_reserved {
                errors.push(Finding::about(
                    id,
                    format!(
                        "reserved concurrency is {n}; with an account limit of {} and {UNRESERVED_MINIMUM} kept unreserved, at most {max_reserved} can be reserved",
                        input.lambda.account_concurrency
                    ),
                ));
            }
        }
        if let Some(key) = p.pointer("/Code/S3Key").and_then(Json::as_str) {
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
            input.name, input.lambda.account_concurrency
        )));
    }
}

/// The fewest bytes a value can take once CloudFormation resolves it: literal
/// text counts in full, the literal parts of an `Fn::Sub` count, other
/// intrinsic functions count as empty.
fn min_len(v: &Json) -> usize {
    match v {
        Json::String(s) => s.len(),
        Json::Number(n) => n.to_string().len(),
        Json::Bool(b) => b.to_string().len(),
        Json::Object(m) => match m.get("Fn::Sub") {
            Some(Json::String(s)) => {
                let vars: usize = sub_variables(s).iter().map(|v| v.len() + 3).sum();
                s.len().saturating_sub(vars)
            }
            _ => 0,
        },
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::lambda::{Code, Environment, EphemeralStorage, Function};
    use crate::check::PackageSize;
    use indexmap::IndexMap;
    use std::collections::BTreeMap;

    fn function() -> Function {
        Function {
            architectures: None,
            code: Code {
                s3_bucket: Some("b".into()),
                s3_key: Some("k.zip".into()),
            },
            description: None,
            environment: None,
            ephemeral_storage: None,
            handler: "handler.handler".into(),
            logging_config: None,
            memory_size: Some(256),
            reserved_concurrent_executions: None,
            role: "arn:aws:iam::123456789012:role/r".into(),
            runtime: "python3.13".into(),
            tags: None,
            timeout: Some(10),
            tracing_config: None,
            dead_letter_config: None,
            vpc_config: None,
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
            memory_size: Some(20_000),
            timeout: Some(901),
            ephemeral_storage: Some(EphemeralStorage { size: 100 }),
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
            environment: Some(Environment { variables: vars }),
            ..function()
        };
        assert_eq!(
            run(f, BTreeMap::new()),
            ["Api: environment variables take at least 4100 bytes; Lambda allows 4096 bytes in total"]
        );
    }

    #[test]
    fn reserved_concurrency_over_the_account_limit() {
        let f = Function {
            reserved_concurrent_executions: Some(950),
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
