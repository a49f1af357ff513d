//! FN-DEPLOY: CodeDeploy shifts each function's `live` alias to a new
//! version, with optional traffic hooks and alarms that roll back.

use indexmap::IndexMap;
use serde_json::{json, Map};

use super::ALIAS_NAME;
use crate::assets::Package;
use crate::cfn::intrinsic::{sub, Intrinsic};
use crate::cfn::policy::Statement;
use crate::cfn::resources::cloudwatch::{
    Alarm, ComparisonOperator, Dimension, Statistic, TreatMissingData,
};
use crate::cfn::resources::codedeploy::{
    AlarmConfiguration, AlarmName, Application, AutoRollbackConfiguration, ComputePlatform,
    DeploymentGroup, DeploymentOption, DeploymentStyle, DeploymentType, Events,
};
use crate::cfn::resources::iam::{InlinePolicy, Role};
use crate::cfn::resources::lambda::Function;
use crate::cfn::resources::logs::LogGroup;
use crate::cfn::{LogicalId, Template, Value};
use crate::components::function::LambdaFunction;
use crate::config::lambda::LambdaOptions;
use crate::error::Error;

const REQ: &[&str] = &["FN-DEPLOY"];
const CODEDEPLOY_POLICY: &str =
    "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited";

/// FN-DEPLOY: the CodeDeploy application and role of the template, and per
/// function alarms, a deployment group and the alias's update policy.
pub(super) fn add_deployments(
    t: &mut Template,
    aliases: &[(LogicalId, LogicalId)],
    o: &LambdaOptions,
    config: &str,
    hook: Option<&Package>,
) -> Result<(), Error> {
    let app = t
        .add(
            "CodeDeployApplication",
            Application {
                compute_platform: Some(ComputePlatform::Lambda.into()),
                ..Default::default()
            },
        )?
        .satisfies(REQ)
        .id()
        .clone();
    let group_arn = |group: &str| -> Value<String> {
        sub(format!(
            "arn:${{AWS::Partition}}:codedeploy:${{AWS::Region}}:${{AWS::AccountId}}:deploymentgroup:${{{app}}}/{group}"
        ))
        .into()
    };
    let hooks = match hook {
        Some(package) => add_traffic_hooks(t, aliases, o, package, &group_arn("*"))?,
        None => IndexMap::new(),
    };
    let role = add_codedeploy_role(t, &hooks)?;
    for (f, alias) in aliases {
        let alarms = add_rollback_alarms(t, f, o)?;
        let group = add_deployment_group(t, f, o, config, alarms, &app, &role)?;
        let mut policy = Map::new();
        policy.insert("ApplicationName".into(), json!({"Ref": app.as_str()}));
        policy.insert("DeploymentGroupName".into(), json!({"Ref": group.as_str()}));
        if let Some(h) = hooks.get("pre") {
            policy.insert("BeforeAllowTrafficHook".into(), json!({"Ref": h.as_str()}));
        }
        if let Some(h) = hooks.get("post") {
            policy.insert("AfterAllowTrafficHook".into(), json!({"Ref": h.as_str()}));
        }
        if let Some(r) = t.resource_mut(alias.as_str()) {
            r.update_policy = Some(json!({ "CodeDeployLambdaAliasUpdate": policy }));
            r.satisfies(REQ);
        }
    }
    Ok(())
}

/// Traffic hooks: one function per phase, testing whichever function the
/// deployment shifts (it reads the deployment's AppSpec). `groups` is the
/// ARN of the application's deployment groups.
fn add_traffic_hooks(
    t: &mut Template,
    aliases: &[(LogicalId, LogicalId)],
    o: &LambdaOptions,
    package: &Package,
    groups: &Value<String>,
) -> Result<IndexMap<&'static str, LogicalId>, Error> {
    let req = REQ;
    let mut hooks: IndexMap<&str, LogicalId> = IndexMap::new();
    {
        let assets = LogicalId::new(crate::components::assets::ASSETS_BUCKET)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let retention = log_retention(t, &aliases[0].0);
        let test_event = serde_json::to_string(&o.deploy.hook_test_event)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let invoke: Vec<Value<String>> = aliases
            .iter()
            .map(|(f, _)| sub(format!("${{{f}.Arn}}:*")).into())
            .collect();
        for (phase, on, name) in [
            ("pre", o.deploy.pre_traffic_hook, "PreTrafficHook"),
            ("post", o.deploy.post_traffic_hook, "PostTrafficHook"),
        ] {
            if !on {
                continue;
            }
            let mut environment = IndexMap::new();
            environment.insert("HOOK_PHASE".to_string(), Value::from(phase.to_string()));
            environment.insert("TEST_EVENT".to_string(), Value::from(test_event.clone()));
            let ids = LambdaFunction {
                name,
                description: if phase == "pre" {
                    "CodeDeploy hook: invokes the new version before traffic shifts (FN-DEPLOY)"
                } else {
                    "CodeDeploy hook: invokes the live alias after traffic has shifted (FN-DEPLOY)"
                },
                package,
                assets_bucket: &assets,
                handler: "handler.handler",
                memory_mb: 128,
                timeout_s: 60,
                architecture: "arm64",
                environment,
                statements: vec![
                    Statement::allow(&["lambda:InvokeFunction"], invoke.clone())
                        .sid("InvokeTheFunctionsItTests"),
                    Statement::allow(
                        &[
                            "codedeploy:GetDeployment",
                            "codedeploy:PutLifecycleEventHookExecutionStatus",
                        ],
                        vec![groups.clone()],
                    )
                    .sid("ReportToThisApplicationsDeployments"),
                ],
                managed_policies: Vec::new(),
                log_retention_days: retention,
                vpc: None,
                requirements: req,
            }
            .add_to(t)?;
            hooks.insert(phase, ids.function);
        }
    }
    Ok(hooks)
}

/// The role CodeDeploy shifts traffic with (and invokes the hooks as).
fn add_codedeploy_role(
    t: &mut Template,
    hooks: &IndexMap<&str, LogicalId>,
) -> Result<LogicalId, Error> {
    let req = REQ;
    let mut role_statements = Vec::new();
    if !hooks.is_empty() {
        role_statements.push(
            Statement::allow(
                &["lambda:InvokeFunction"],
                hooks.values().map(|h| h.get_att("Arn")).collect(),
            )
            .sid("InvokeTrafficHooks"),
        );
    }
    let role = t
        .add(
            "CodeDeployRole",
            Role {
                managed_policy_arns: Some(vec![sub(CODEDEPLOY_POLICY).into()].into()),
                policies: (!role_statements.is_empty())
                    .then(|| {
                        vec![InlinePolicy {
                            policy_name: "traffic-hooks".into(),
                            policy_document: crate::cfn::policy::PolicyDocument::new(
                                role_statements,
                            ),
                        }]
                    })
                    .map(Into::into),
                ..Role::described(
                    crate::cfn::policy::PolicyDocument::new(vec![Statement::assume_by_service(&[
                        "codedeploy.amazonaws.com",
                    ])]),
                    "CodeDeploy: shifts traffic between function versions of this stack",
                )
            },
        )?
        .satisfies(req)
        .id()
        .clone();
    Ok(role)
}

/// `f`'s error and throttle alarms on its live alias, which roll a
/// deployment back (when `rollback_alarms`).
fn add_rollback_alarms(
    t: &mut Template,
    f: &LogicalId,
    o: &LambdaOptions,
) -> Result<Vec<AlarmName>, Error> {
    let req = REQ;
    let mut alarms = Vec::new();
    {
        if o.deploy.rollback_alarms {
            for (metric, what) in [("Errors", "errors"), ("Throttles", "throttles")] {
                let id = t
                    .add(
                        &format!("{f}{metric}Alarm"),
                        Alarm {
                            alarm_description: Some(format!(
                                "{f}: any {what} on the live alias roll a deployment back (FN-DEPLOY)"
                            ).into()),
                            dimensions: Some(vec![
                                Dimension {
                                    name: "FunctionName".into(),
                                    value: f.r#ref(),
                                },
                                Dimension {
                                    name: "Resource".into(),
                                    value: sub(format!("${{{f}}}:{ALIAS_NAME}")).into(),
                                },
                            ].into()),
                            metric_name: Some(metric.into()),
                            namespace: Some("AWS/Lambda".into()),
                            period: Some(60.into()),
                            statistic: Some(Statistic::Sum.into()),
                            threshold: Some(1.0.into()),
                            treat_missing_data: Some(TreatMissingData::NotBreaching.into()),
                            comparison_operator: Some(
                                ComparisonOperator::GreaterThanOrEqualToThreshold.into(),
                            ),
                            evaluation_periods: Some(1.into()),
                            ..Default::default()
                        },
                    )?
                    .satisfies(req)
                    .id()
                    .clone();
                alarms.push(AlarmName {
                    name: Some(id.r#ref()),
                });
            }
        }
    }
    Ok(alarms)
}

/// `f`'s deployment group: blue/green with traffic control, rolled back on
/// failure (and on the alarms).
fn add_deployment_group(
    t: &mut Template,
    f: &LogicalId,
    o: &LambdaOptions,
    config: &str,
    alarms: Vec<AlarmName>,
    app: &LogicalId,
    role: &LogicalId,
) -> Result<LogicalId, Error> {
    let req = REQ;
    {
        let group = t
            .add(
                &format!("{f}DeploymentGroup"),
                DeploymentGroup {
                    alarm_configuration: (!alarms.is_empty()).then(|| {
                        AlarmConfiguration {
                            alarms: Some(alarms.into()),
                            enabled: Some(true.into()),
                            ..Default::default()
                        }
                        .into()
                    }),
                    auto_rollback_configuration: Some(
                        AutoRollbackConfiguration {
                            enabled: Some(true.into()),
                            events: Some(
                                if o.deploy.rollback_alarms {
                                    vec![
                                        Events::DeploymentFailure.into(),
                                        Events::DeploymentStopOnAlarm.into(),
                                    ]
                                } else {
                                    vec![Events::DeploymentFailure.into()]
                                }
                                .into(),
                            ),
                        }
                        .into(),
                    ),
                    deployment_config_name: Some(config.into()),
                    deployment_style: Some(
                        DeploymentStyle {
                            deployment_option: Some(DeploymentOption::WithTrafficControl.into()),
                            deployment_type: Some(DeploymentType::BlueGreen.into()),
                        }
                        .into(),
                    ),
                    ..DeploymentGroup::new(app.r#ref(), role.get_att("Arn"))
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        Ok(group)
    }
}

/// The retention of `f`'s log group (what the blueprint chose), for the
/// functions added here.
pub(super) fn log_retention(t: &Template, f: &LogicalId) -> u32 {
    t.resource(f.as_str())
        .and_then(|r| {
            let group = r.get::<Function>()?.logging_config.as_ref()?.lit()?;
            match group.log_group.as_ref()?.function()? {
                Intrinsic::Ref(id) => t.resource(id),
                _ => None,
            }
        })
        .and_then(|g| {
            g.get::<LogGroup>()?
                .retention_in_days
                .as_ref()?
                .lit()
                .copied()
        })
        .map_or(30, |d| d as u32)
}
