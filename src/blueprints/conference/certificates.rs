//! CONF-4: the participation certificates, made asynchronously from the
//! registrations topic (FLOW: through a state machine that also makes a
//! name badge).

use indexmap::IndexMap;
use serde_json::json;

use super::{certificate_objects, Options, Registrations, BADGES_PREFIX, CERTIFICATES_PREFIX};
use crate::assets::{CodeSource, Package};
use crate::cfn::intrinsic::sub;
use crate::cfn::policy::Statement;
use crate::cfn::states::Definition;
use crate::cfn::states::{ChoiceRule, ChoiceState};
use crate::cfn::{LogicalId, Template};
use crate::components::function::LambdaFunction;
use crate::components::function_triggers::{
    add_failure_queue, send_to_queue_statement, subscribe_to_topic, AsyncFailures,
};
use crate::components::state_machine::{
    fail, present_and, start_execution_statement, Flow, FlowFunction, GuardedParallel, ParallelTask,
};
use crate::error::Error;

/// What the certificate maker is built from.
pub(super) struct Maker<'a> {
    pub(super) code: &'a CodeSource,
    pub(super) assets: &'a LogicalId,
    pub(super) package: &'a Package,
}

/// CONF-4: the certificate maker, subscribed to the topic (FLOW: through
/// the state machine).
pub(super) fn add_certificate_maker(
    t: &mut Template,
    o: &Options,
    m: &Maker,
    r: &Registrations,
    packages: &mut Vec<Package>,
) -> Result<(), Error> {
    let Registrations {
        table,
        topic,
        certificates,
    } = r;
    let (assets, certificate_package) = (m.assets, m.package);
    let arch = o.functions.architecture;
    let retention = o.log_retention_days.get();
    let certificate_objects = certificate_objects(certificates);
    // CONF-4: the certificate maker, subscribed to the topic.
    let failures = add_failure_queue(t, "CertificateFailures", &["CONF-4"])?;
    let mut cert_env = IndexMap::new();
    cert_env.insert("REGISTRATIONS_TABLE".to_string(), table.r#ref());
    cert_env.insert("CERTIFICATES_BUCKET".to_string(), certificates.r#ref());
    cert_env.insert(
        "CERTIFICATES_PREFIX".to_string(),
        CERTIFICATES_PREFIX.into(),
    );
    cert_env.insert(
        "EVENT_NAME".to_string(),
        o.certificates.event_name.as_str().into(),
    );
    let maker = LambdaFunction {
        name: "Certificate",
        description: "Makes the participation certificate of a registration (from SNS)",
        package: certificate_package,
        assets_bucket: assets,
        handler: "handler.handler",
        memory_mb: o.functions.certificate.memory_mb.get_u32(),
        timeout_s: o.functions.certificate.timeout_seconds.get_u32(),
        architecture: arch.as_str(),
        environment: cert_env,
        statements: vec![
            Statement::allow(
                &["dynamodb:GetItem", "dynamodb:UpdateItem"],
                vec![table.get_att("Arn")],
            )
            .sid("ReadAndMarkRegistrations"),
            Statement::allow(&["s3:PutObject"], vec![certificate_objects]).sid("WriteCertificates"),
        ]
        .into_iter()
        // FLOW: the state machine invokes it synchronously and keeps failures.
        .chain((!o.flow.enabled).then(|| send_to_queue_statement(&failures, "KeepFailedEvents")))
        .collect(),
        managed_policies: Vec::new(),
        log_retention_days: retention,
        vpc: None,
        requirements: &["CONF-4"],
    }
    .add_to(t)?;
    // FLOW: the topic starts the state machine (through a small function),
    // which makes the certificate and the badge; without it, the
    // certificate function is subscribed to the topic itself.
    let subscriber = if o.flow.enabled {
        add_certificate_flow(t, o, m, r, &maker.function, &failures, packages)?
    } else {
        maker.function.clone()
    };
    let (subscription, async_failures, requirements): (_, _, &[&str]) = if o.flow.enabled {
        (
            "StartFlowSubscription",
            "StartFlowAsyncFailures",
            &["FLOW", "CONF-4"],
        )
    } else {
        (
            "CertificateSubscription",
            "CertificateAsyncFailures",
            &["CONF-4"],
        )
    };
    subscribe_to_topic(t, subscription, topic, &subscriber, requirements)?;
    AsyncFailures {
        id: async_failures,
        function: &subscriber,
        max_retries: 2,
        max_event_age_s: 6 * 3600,
        on_failure: &failures,
        requirements,
    }
    .add_to(t)?;
    Ok(())
}

/// The requirements the flow's own resources serve.
const FLOW_REQUIREMENTS: &[&str] = &["FLOW", "CONF-4"];

/// FLOW: the badge function, the state machine that runs the certificate and
/// badge functions in parallel, and the function that starts an execution for
/// each registration published on the topic (only `states:StartExecution` on
/// this state machine). Returns the starter function.
fn add_certificate_flow(
    t: &mut Template,
    o: &Options,
    m: &Maker,
    r: &Registrations,
    certificate: &LogicalId,
    failures: &LogicalId,
    packages: &mut Vec<Package>,
) -> Result<LogicalId, Error> {
    let badge = add_badge(t, o, m, r, packages)?;
    let f = &o.flow;
    let flow = Flow {
        name: "CertificateFlow",
        options: f,
        definition: certificate_flow_definition(o),
        functions: vec![
            FlowFunction {
                variable: "CertificateFunctionArn",
                function: certificate,
            },
            FlowFunction {
                variable: "BadgeFunctionArn",
                function: &badge,
            },
        ],
        log_retention_days: o.log_retention_days.get(),
        requirements: &["CONF-4"],
    }
    .add_to(t)?;
    let starter = add_flow_starter(t, o, m, &flow.state_machine, failures, packages)?;
    t.output(
        "CertificateFlowArn",
        "The certificate state machine (FLOW); one execution per registration",
        flow.state_machine.r#ref(),
        None,
    )?;
    Ok(starter)
}

/// FLOW, CONF-4: the function that makes a registration's printable name
/// badge (its package added to `packages`).
fn add_badge(
    t: &mut Template,
    o: &Options,
    m: &Maker,
    r: &Registrations,
    packages: &mut Vec<Package>,
) -> Result<LogicalId, Error> {
    let Registrations {
        table,
        certificates,
        ..
    } = r;
    let arch = o.functions.architecture;
    let badge_package = m.code.package_for("badge", arch)?;
    let mut env = IndexMap::new();
    env.insert("REGISTRATIONS_TABLE".to_string(), table.r#ref());
    env.insert("CERTIFICATES_BUCKET".to_string(), certificates.r#ref());
    env.insert("BADGES_PREFIX".to_string(), BADGES_PREFIX.into());
    env.insert(
        "EVENT_NAME".to_string(),
        o.certificates.event_name.as_str().into(),
    );
    let badge = LambdaFunction {
        name: "Badge",
        description: "Makes the printable name badge of a registration (FLOW)",
        package: &badge_package,
        assets_bucket: m.assets,
        handler: "handler.handler",
        memory_mb: o.functions.certificate.memory_mb.get_u32(),
        timeout_s: o.functions.certificate.timeout_seconds.get_u32(),
        architecture: arch.as_str(),
        environment: env,
        statements: vec![
            Statement::allow(
                &["dynamodb:GetItem", "dynamodb:UpdateItem"],
                vec![table.get_att("Arn")],
            )
            .sid("ReadAndMarkRegistrations"),
            Statement::allow(
                &["s3:PutObject"],
                vec![sub(format!("${{{certificates}.Arn}}/{BADGES_PREFIX}*")).into()],
            )
            .sid("WriteBadges"),
        ],
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc: None,
        requirements: FLOW_REQUIREMENTS,
    }
    .add_to(t)?;
    packages.push(badge_package);
    Ok(badge.function)
}

/// FLOW: the state machine's definition: an input check, then the
/// certificate and the badge in parallel.
fn certificate_flow_definition(o: &Options) -> Definition {
    // The certificate function takes SNS records: the execution input is
    // the message it would have got.
    let sns_record = json!({"Records": [{"Sns": {"Message.$": "States.JsonToString($)"}}]});
    GuardedParallel {
        comment: "CONF-4 certificates as a workflow (FLOW): a registration gets its certificate and its badge in parallel",
        guard: (
            "CheckRegistration",
            ChoiceState {
                comment: Some("The input must name a registration".into()),
                choices: vec![ChoiceRule {
                    next: Some("CertificateAndBadge".into()),
                    ..present_and(
                        "$.registrationId",
                        ChoiceRule {
                            is_string: Some(true),
                            ..Default::default()
                        },
                    )
                }],
                default: Some("NoRegistrationId".into()),
            },
        ),
        other: (
            "NoRegistrationId",
            fail("NoRegistrationId", "The input has no registrationId string"),
        ),
        parallel: "CertificateAndBadge",
        parallel_comment: "The certificate and the badge, at once",
        tasks: vec![
            ParallelTask {
                state: "MakeCertificate",
                description: "The certificate function",
                variable: "CertificateFunctionArn",
                input: sns_record,
                result: "certificate",
                failed: "CertificateFailed",
            },
            ParallelTask {
                state: "MakeBadge",
                description: "The badge function",
                variable: "BadgeFunctionArn",
                input: json!({"registrationId.$": "$.registrationId"}),
                result: "badge",
                failed: "BadgeFailed",
            },
        ],
        failed_error: "CertificateFlowFailed",
    }
    .definition(&o.flow)
}

/// FLOW, CONF-4: the function that starts the state machine for each
/// registration on the topic (allowed to start only it; its failed events
/// kept in `failures`).
fn add_flow_starter(
    t: &mut Template,
    o: &Options,
    m: &Maker,
    state_machine: &LogicalId,
    failures: &LogicalId,
    packages: &mut Vec<Package>,
) -> Result<LogicalId, Error> {
    let arch = o.functions.architecture;
    let start_package = m.code.package_for("start_flow", arch)?;
    let mut env = IndexMap::new();
    env.insert("STATE_MACHINE_ARN".to_string(), state_machine.r#ref());
    let starter = LambdaFunction {
        name: "StartFlow",
        description:
            "Starts the certificate flow for each registration published on the topic (FLOW)",
        package: &start_package,
        assets_bucket: m.assets,
        handler: "handler.handler",
        memory_mb: 128,
        timeout_s: 10,
        architecture: arch.as_str(),
        environment: env,
        statements: vec![
            start_execution_statement(state_machine, "StartOnlyTheCertificateFlow"),
            send_to_queue_statement(failures, "KeepFailedEvents"),
        ],
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc: None,
        requirements: FLOW_REQUIREMENTS,
    }
    .add_to(t)?;
    packages.push(start_package);
    Ok(starter.function)
}
