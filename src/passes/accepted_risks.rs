//! The security checks a resource deliberately does not meet, with reasons
//! a reviewer can judge, recorded where checkov reads them and `blueprint
//! explain` lists them ("accepted risks"). This pass runs last and looks at
//! the finished resource: a check the resource meets (an option turned the
//! setting on) gets no suppression. Suppressions that only the blueprint can
//! explain (a route public by design, a bucket whose objects are derived)
//! are recorded where the blueprint builds the resource.

use std::collections::{BTreeSet, HashMap};

use super::each_template;
use crate::cfn::resources::apigateway::Stage;
use crate::cfn::resources::cloudfront::Distribution;
use crate::cfn::resources::lambda::{
    Alias, EventInvokeConfig, EventSourceMapping, Function, Permission, Version,
};
use crate::cfn::resources::stepfunctions::StateMachine;
use crate::cfn::walk::references_in;
use crate::cfn::{Resource, ResourceProperties, Template, Value};

/// Records the accepted risks of every template of the tree.
pub fn apply(t: &mut Template) {
    each_template(t, &mut apply_one);
}

fn apply_one(t: &mut Template) {
    let invokers = function_invokers(t);
    let plain_origins = plain_http_origin_choice(t);
    for r in t.resources_mut() {
        if r.get::<Function>().is_some() {
            let how = invokers.get(r.id().as_str()).cloned().unwrap_or_default();
            function(r, &how);
        } else if r.get::<Stage>().is_some() {
            stage(r);
        } else if r.get::<Distribution>().is_some() {
            distribution(r, plain_origins);
        }
    }
}

/// How a function is invoked, from what refers to it in the template.
#[derive(Clone, Debug, Default)]
struct Invokers {
    /// Service principals of its `AWS::Lambda::Permission`s.
    principals: BTreeSet<String>,
    /// It reads a queue or stream through an event source mapping.
    event_source_mapping: bool,
    /// An `AWS::Lambda::EventInvokeConfig` sends failed asynchronous
    /// events to a destination.
    on_failure_destination: bool,
    /// A state machine calls it.
    state_machine: bool,
    /// It is a CodeDeploy traffic hook of an alias's gradual deployment.
    traffic_hook: bool,
}

/// The invokers of every function, by logical ID (through its aliases too).
fn function_invokers(t: &Template) -> HashMap<String, Invokers> {
    let functions: BTreeSet<&str> = t
        .resources()
        .filter(|r| r.kind() == Function::TYPE)
        .map(|r| r.id().as_str())
        .collect();
    // An alias or version stands for its function.
    let mut stands_for: HashMap<&str, &str> = HashMap::new();
    for r in t.resources() {
        let name = r
            .get::<Alias>()
            .map(|a| &a.function_name)
            .or_else(|| r.get::<Version>().map(|v| &v.function_name));
        if let Some(name) = name {
            if let Some(f) = targets(name)
                .into_iter()
                .find(|f| functions.contains(f.as_str()))
            {
                let f = functions.get(f.as_str()).copied().unwrap_or_default();
                stands_for.insert(r.id().as_str(), f);
            }
        }
    }
    let function_of = |id: &str| -> Option<String> {
        if functions.contains(id) {
            Some(id.to_string())
        } else {
            stands_for.get(id).map(|f| (*f).to_string())
        }
    };
    let mut out: HashMap<String, Invokers> = HashMap::new();
    for r in t.resources() {
        if let Some(p) = r.get::<Permission>() {
            for f in targets(&p.function_name)
                .iter()
                .filter_map(|f| function_of(f))
            {
                if let Some(principal) = p.principal.lit() {
                    out.entry(f)
                        .or_default()
                        .principals
                        .insert(principal.clone());
                }
            }
        } else if let Some(m) = r.get::<EventSourceMapping>() {
            for f in targets(&m.function_name)
                .iter()
                .filter_map(|f| function_of(f))
            {
                out.entry(f).or_default().event_source_mapping = true;
            }
        } else if let Some(c) = r.get::<EventInvokeConfig>() {
            let on_failure = c
                .destination_config
                .as_ref()
                .and_then(Value::lit)
                .is_some_and(|d| d.on_failure.is_some());
            for f in targets(&c.function_name)
                .iter()
                .filter_map(|f| function_of(f))
            {
                if on_failure {
                    out.entry(f).or_default().on_failure_destination = true;
                }
            }
        } else if r.get::<StateMachine>().is_some() {
            for reference in references_in(&r.properties) {
                if let Some(f) = function_of(&reference.target) {
                    out.entry(f).or_default().state_machine = true;
                }
            }
        } else if r.get::<Alias>().is_some() {
            if let Some(policy) = &r.update_policy {
                for reference in references_in(policy) {
                    if let Some(f) = function_of(&reference.target) {
                        out.entry(f).or_default().traffic_hook = true;
                    }
                }
            }
        }
    }
    out
}

/// The logical IDs a function name refers to.
fn targets(name: &Value<String>) -> Vec<String> {
    references_in(name).into_iter().map(|x| x.target).collect()
}

/// Services that invoke a function asynchronously (events are queued by
/// Lambda, retried twice, then dropped unless a destination keeps them).
const ASYNC_PRINCIPALS: &[&str] = &[
    "s3.amazonaws.com",
    "sns.amazonaws.com",
    "events.amazonaws.com",
    "scheduler.amazonaws.com",
    "logs.amazonaws.com",
    "ses.amazonaws.com",
    "iot.amazonaws.com",
];

fn function(r: &mut Resource, how: &Invokers) {
    let Some(f) = r.get::<Function>() else {
        return;
    };
    let dead_letter = f.dead_letter_config.is_some();
    let reserved = f.reserved_concurrent_executions.is_some();
    let vpc = f.vpc_config.is_some();
    if !dead_letter {
        let asynchronous = how
            .principals
            .iter()
            .any(|p| ASYNC_PRINCIPALS.contains(&p.as_str()));
        let reason = if how.on_failure_destination {
            "failed asynchronous events go to the on-failure destination of its EventInvokeConfig, which supersedes a dead-letter queue".to_string()
        } else if asynchronous {
            // Not expected: every asynchronous source gets a destination
            // from its blueprint. Say what happens rather than hide it.
            "asynchronous events that fail three times are dropped; options.lambda.async.on_failure keeps them in SQS or SNS".to_string()
        } else {
            let mut callers = Vec::new();
            for p in &how.principals {
                callers.push(match p.as_str() {
                    "apigateway.amazonaws.com" => "API Gateway",
                    "elasticloadbalancing.amazonaws.com" => "a load balancer",
                    "cognito-idp.amazonaws.com" => "a Cognito trigger",
                    other => other,
                });
            }
            if how.state_machine {
                callers.push("a Step Functions task (with the state machine's retries and catch)");
            }
            if how.traffic_hook {
                callers
                    .push("CodeDeploy as a traffic hook (a failed hook rolls the deployment back)");
            }
            if how.event_source_mapping {
                callers.push("an event source mapping (failed records stay in the queue or stream, whose redrive policy or on-failure destination keeps them)");
            }
            if callers.is_empty() {
                callers.push("no asynchronous source in this stack");
            }
            format!(
                "invoked synchronously by {}: the caller sees the error; a dead-letter queue only applies to asynchronous invocations",
                callers.join(", ")
            )
        };
        r.accepts_risk("CKV_AWS_116", &reason);
    }
    if !reserved {
        r.accepts_risk(
            "CKV_AWS_115",
            "draws on the account's unreserved concurrency (API and event throttling limit it); options.lambda.reserved_concurrency reserves and caps it",
        );
    }
    if !vpc {
        r.accepts_risk(
            "CKV_AWS_117",
            "reaches only AWS service endpoints, over TLS and signed with its role; options.lambda.vpc places it in a VPC",
        );
    }
}

fn stage(r: &mut Resource) {
    let Some(s) = r.get::<Stage>() else {
        return;
    };
    let tracing = s.tracing_enabled == Some(Value::Lit(true));
    let cache = s.cache_cluster_enabled == Some(Value::Lit(true));
    if !tracing {
        r.accepts_risk(
            "CKV_AWS_73",
            "X-Ray tracing is billed per trace; options.lambda.tracing traces the functions, and API access logs record every request",
        );
    }
    if !cache {
        r.accepts_risk(
            "CKV_AWS_120",
            "no stage cache: responses are per user or change with every write; a blueprint's cache option adds one keyed by caller",
        );
    }
}

/// Whether the project chose a plain-HTTP origin explicitly
/// (`allow_plain_http`, which synth warns about): such a template carries
/// the warning.
fn plain_http_origin_choice(t: &Template) -> bool {
    t.warnings.iter().any(|w| w.contains("allow_plain_http"))
}

fn distribution(r: &mut Resource, plain_http_chosen: bool) {
    let config = r
        .get::<Distribution>()
        .and_then(|d| d.distribution_config.lit());
    let default_certificate = config
        .and_then(|c| c.viewer_certificate.as_ref()?.lit())
        .is_some_and(|v| v.cloud_front_default_certificate == Some(Value::Lit(true)));
    let plain_origin = config
        .and_then(|c| c.origins.as_ref()?.lit())
        .is_some_and(|origins| {
            origins.iter().any(|o| {
                o.custom_origin_config.as_ref().is_some_and(|c| {
                    c.lit().map(|c| c.origin_protocol_policy.lit())
                        != Some(Some(&"https-only".to_string()))
                })
            })
        });
    if default_certificate {
        r.accepts_risk(
            "CKV_AWS_174",
            "served on its *.cloudfront.net name, whose certificate's TLS policy CloudFront fixes (TLSv1 allowed); a custom domain (the blueprint's `domain` option) gets TLSv1.2_2021",
        );
    }
    if plain_origin && plain_http_chosen {
        r.accepts_risk(
            "CKV2_AWS_72",
            "the project chose a plain-HTTP origin (allow_plain_http: true, warned at synth)",
        );
    }
}
