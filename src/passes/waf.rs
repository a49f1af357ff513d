//! `options.security.waf`: an AWS WAF web ACL in front of what the
//! templates expose to the internet.
//!
//! When enabled, every template (nested ones included) that holds a REST API
//! stage or an internet-facing application load balancer gets one regional
//! web ACL, `WebAcl`, associated with each of them (`<Target>WebAcl`); a
//! template with CloudFront distributions gets one of CloudFront scope,
//! `CloudFrontWebAcl`, set as their `WebACLId`, when the stack is in
//! us-east-1 (the only region where CloudFormation can create one), or uses
//! `cloudfront_web_acl_arn`. Both ACLs hold the same rules: a rate limit per
//! client IP, then AWS's IP reputation list, common rule set and known bad
//! inputs (Log4j included). Logical IDs follow the template and the targets'
//! own IDs, never a position in a list, and no `Name` is set (CloudFormation
//! generates one once), so adding, removing or reordering services replaces
//! nothing.
//!
//! Internal load balancers get no association: they are reached only
//! through a CloudFront distribution (update-offload's demo origin), whose
//! web ACL already filters the requests, and a rate rule there would count
//! CloudFront's addresses, not the clients'.
//!
//! HTTP and WebSocket APIs (API Gateway v2) cannot have a web ACL: the pass
//! names them in a warning. When disabled, every distribution records that
//! it has no web ACL as an accepted risk (checkov's CKV_AWS_68).

use indexmap::IndexMap;

use crate::cfn::intrinsic::{get_att, Expr, Intrinsic};
use crate::cfn::resources::apigateway::Stage;
use crate::cfn::resources::apigatewayv2::Api;
use crate::cfn::resources::cloudfront::Distribution;
use crate::cfn::resources::elasticloadbalancingv2::{LoadBalancer, LoadBalancerType, Scheme};
use crate::cfn::resources::wafv2::{
    AggregateKeyType, AllowAction, BlockAction, CountAction, DefaultAction,
    ManagedRuleGroupStatement, OverrideAction, RateBasedStatement, Rule, RuleAction,
    RuleActionOverride, Statement, VisibilityConfig, WebAcl, WebAclAssociation, WebAclScope,
};
use crate::cfn::shapes::EmptyAction;
use crate::cfn::{LogicalId, ResourceProperties, Template, Value};
use crate::config::security::WafOptions;
use crate::error::Error;

/// The regional web ACL's logical ID.
pub const REGIONAL_ACL: &str = "WebAcl";
/// The CloudFront-scope web ACL's logical ID.
pub const CLOUDFRONT_ACL: &str = "CloudFrontWebAcl";
/// The suffix of an association's logical ID (`ApiStageWebAcl`).
pub const ASSOCIATION_SUFFIX: &str = "WebAcl";

/// The only region where a web ACL of CloudFront scope can be created.
const CLOUDFRONT_REGION: &str = "us-east-1";

/// Why a distribution has no web ACL when the option is off.
pub const NO_ACL_REASON: &str = "no web ACL: AWS WAF costs about $5 a month per ACL plus requests; options.security.waf.enabled adds AWS managed rules and a rate limit";

/// The AWS managed rule groups, in priority order after the rate limit.
const MANAGED_GROUPS: &[&str] = &[
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
];

/// Rules of a managed group that only count: the common rule set blocks
/// request bodies over 8 KB, which a blog post or a talk's abstract may be
/// (API Gateway itself caps payloads at 10 MB).
const COUNT_ONLY: &[(&str, &str)] = &[("AWSManagedRulesCommonRuleSet", "SizeRestrictions_BODY")];

/// What the distributions of a stack get as their web ACL.
enum CloudFrontAcl {
    /// One created in each template that has distributions (us-east-1).
    Create,
    /// An existing one (`cloudfront_web_acl_arn`).
    Existing(String),
    /// None can be had: an error if there is a distribution.
    Unavailable,
}

/// A web ACL in front of distributions, REST API stages and load balancers
/// (or, when disabled, the accepted risk on every distribution).
pub fn apply(t: &mut Template, o: &WafOptions, region: &str) -> Result<(), Error> {
    if !o.enabled {
        super::each_template(t, &mut |t| {
            for r in t.resources_mut() {
                if r.kind() == Distribution::TYPE {
                    r.accepts_risk("CKV_AWS_68", NO_ACL_REASON);
                }
            }
        });
        return Ok(());
    }
    let cloudfront = match (&o.cloudfront_web_acl_arn, region == CLOUDFRONT_REGION) {
        (Some(arn), _) => CloudFrontAcl::Existing(arn.as_str().to_string()),
        (None, true) => CloudFrontAcl::Create,
        (None, false) => CloudFrontAcl::Unavailable,
    };
    if matches!(cloudfront, CloudFrontAcl::Unavailable) && has_distribution(t) {
        return Err(Error::User(format!(
            "options.security.waf: the stack's region is {region}, and a CloudFront distribution's web ACL can only be created in us-east-1; create a web ACL of CloudFront scope in us-east-1 and give its ARN as options.security.waf.cloudfront_web_acl_arn, or put the stack in us-east-1"
        )));
    }
    let mut unprotectable = Vec::new();
    protect(t, o, &cloudfront, "", &mut unprotectable)?;
    if !unprotectable.is_empty() {
        t.warnings.push(format!(
            "options.security.waf: AWS WAF cannot protect HTTP or WebSocket APIs (API Gateway v2), so {} {} no web ACL",
            unprotectable.join(", "),
            if unprotectable.len() == 1 { "has" } else { "have" }
        ));
    }
    Ok(())
}

/// Whether the tree holds a CloudFront distribution.
fn has_distribution(t: &Template) -> bool {
    t.resources().any(|r| r.kind() == Distribution::TYPE)
        || t.nested().any(|(_, child)| has_distribution(child))
}

/// Protects one template's targets, then its nested templates'; collects
/// the APIs no web ACL can protect (`Path/Id (HTTP API)`) in
/// `unprotectable`.
fn protect(
    t: &mut Template,
    o: &WafOptions,
    cloudfront: &CloudFrontAcl,
    path: &str,
    unprotectable: &mut Vec<String>,
) -> Result<(), Error> {
    let mut regional = Vec::new();
    let mut distributions = Vec::new();
    for r in t.resources() {
        let id = r.id().to_string();
        match r.kind() {
            k if k == Stage::TYPE => regional.push(Target::Stage {
                arn: stage_arn(&id, r.get::<Stage>())?,
                id: r.id().clone(),
            }),
            k if k == LoadBalancer::TYPE && r.get::<LoadBalancer>().is_some_and(is_public_alb) => {
                regional.push(Target::LoadBalancer { id })
            }
            k if k == Distribution::TYPE => distributions.push(id),
            k if k == Api::TYPE => {
                let protocol = r.get::<Api>().and_then(|a| a.protocol_type.as_ref()?.lit());
                let kind = match protocol.map(String::as_str) {
                    Some("WEBSOCKET") => "WebSocket API",
                    _ => "HTTP API",
                };
                unprotectable.push(format!("{path}{id} ({kind})"));
            }
            _ => {}
        }
    }
    if !regional.is_empty() {
        t.add(
            REGIONAL_ACL,
            web_acl(WebAclScope::Regional, REGIONAL_ACL, o),
        )?;
        for target in regional {
            let (id, arn) = match &target {
                Target::Stage { id, arn } => (id.as_str(), arn.clone()),
                Target::LoadBalancer { id } => {
                    (id.as_str(), Value::from(Intrinsic::Ref(id.clone())))
                }
            };
            let association = WebAclAssociation {
                resource_arn: arn,
                web_acl_arn: get_att(REGIONAL_ACL, "Arn").into(),
            };
            let r = t.add(&format!("{id}{ASSOCIATION_SUFFIX}"), association)?;
            if let Target::Stage { id, .. } = &target {
                // The stage's ARN is built from its name, not read from it.
                r.depends_on(id);
            }
        }
    }
    if !distributions.is_empty() {
        let acl: Value<String> = match cloudfront {
            CloudFrontAcl::Create => {
                t.add(
                    CLOUDFRONT_ACL,
                    web_acl(WebAclScope::Cloudfront, CLOUDFRONT_ACL, o),
                )?;
                get_att(CLOUDFRONT_ACL, "Arn").into()
            }
            CloudFrontAcl::Existing(arn) => arn.clone().into(),
            CloudFrontAcl::Unavailable => {
                return Err(Error::Internal(
                    "a distribution without a possible web ACL reached the WAF pass".into(),
                ))
            }
        };
        for id in distributions {
            let config = t
                .resource_mut(&id)
                .and_then(|r| r.get_mut::<Distribution>())
                .and_then(|d| match &mut d.distribution_config {
                    Value::Lit(c) => Some(c),
                    Value::Fn(_) => None,
                })
                .ok_or_else(|| {
                    Error::Internal(format!("distribution `{id}` has no DistributionConfig"))
                })?;
            config.web_acl_id = Some(acl.clone());
        }
    }
    for (id, child) in t.nested_mut() {
        protect(child, o, cloudfront, &format!("{path}{id}/"), unprotectable)?;
    }
    Ok(())
}

/// A resource a regional web ACL is associated with.
enum Target {
    /// A REST API stage, by its ARN.
    Stage { id: LogicalId, arn: Value<String> },
    /// A load balancer (its `Ref` is its ARN).
    LoadBalancer { id: String },
}

/// Whether a load balancer's properties are those of an internet-facing
/// application load balancer (the defaults of both).
fn is_public_alb(p: &LoadBalancer) -> bool {
    let application = p
        .r#type
        .as_ref()
        .and_then(Value::lit)
        .is_none_or(|k| *k == LoadBalancerType::Application);
    let internet_facing = p
        .scheme
        .as_ref()
        .and_then(Value::lit)
        .is_none_or(|s| *s == Scheme::InternetFacing);
    application && internet_facing
}

/// A REST API stage's ARN, which WAF takes:
/// `arn:<partition>:apigateway:<region>::/restapis/<api>/stages/<stage>`.
fn stage_arn(id: &str, p: Option<&Stage>) -> Result<Value<String>, Error> {
    let bad = || Error::Internal(format!("stage `{id}` has no RestApiId or StageName"));
    let p = p.ok_or_else(bad)?;
    let name = p.stage_name.as_ref().and_then(Value::lit).ok_or_else(bad)?;
    let api = match &p.rest_api_id {
        Value::Lit(s) => Expr::Str(s.clone()),
        Value::Fn(f) => match f.as_ref() {
            Intrinsic::Ref(_) | Intrinsic::GetAtt(..) => Expr::Fn(f.clone()),
            _ => return Err(bad()),
        },
    };
    let vars = IndexMap::from([("RestApiId".to_string(), api)]);
    Ok(Intrinsic::SubWith(
        format!("arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}::/restapis/${{RestApiId}}/stages/{name}"),
        vars,
    )
    .into())
}

/// A web ACL of `scope`: allow by default; a per-IP rate limit, then the
/// AWS managed rule groups; metrics and sampled requests on everywhere.
fn web_acl(scope: WebAclScope, metric: &str, o: &WafOptions) -> WebAcl {
    let rate = Rule {
        action: Some(
            RuleAction {
                block: Some(BlockAction::default().into()),
                ..Default::default()
            }
            .into(),
        ),
        override_action: None,
        ..Rule::new(
            "RateLimitPerIp",
            0,
            Statement {
                rate_based_statement: Some(
                    RateBasedStatement {
                        evaluation_window_sec: Some(300.into()),
                        ..RateBasedStatement::new(
                            AggregateKeyType::Ip,
                            i64::try_from(o.rate_limit.get()).unwrap_or(i64::MAX),
                        )
                    }
                    .into(),
                ),
                ..Default::default()
            },
            VisibilityConfig::on(&format!("{metric}RateLimitPerIp")),
        )
    };
    let managed = MANAGED_GROUPS.iter().zip(1u32..).map(|(group, priority)| {
        let overrides: Vec<RuleActionOverride> = COUNT_ONLY
            .iter()
            .filter(|(g, _)| g == group)
            .map(|(_, rule)| RuleActionOverride {
                action_to_use: RuleAction {
                    count: Some(CountAction::default().into()),
                    ..Default::default()
                }
                .into(),
                name: (*rule).to_string().into(),
            })
            .collect();
        Rule {
            action: None,
            override_action: Some(
                OverrideAction {
                    none: Some(EmptyAction {}),
                    ..Default::default()
                }
                .into(),
            ),
            ..Rule::new(
                (*group).to_string(),
                priority,
                Statement {
                    managed_rule_group_statement: Some(
                        ManagedRuleGroupStatement {
                            excluded_rules: None,
                            rule_action_overrides: (!overrides.is_empty())
                                .then_some(overrides.into()),
                            version: None,
                            ..ManagedRuleGroupStatement::new((*group).to_string(), "AWS")
                        }
                        .into(),
                    ),
                    ..Default::default()
                },
                VisibilityConfig::on(&format!("{metric}{group}")),
            )
        }
    });
    WebAcl {
        description: Some(
            "options.security.waf: a rate limit per client IP and AWS managed rule groups".into(),
        ),
        name: None,
        rules: Some(
            std::iter::once(rate)
                .chain(managed)
                .collect::<Vec<_>>()
                .into(),
        ),
        tags: None,
        ..WebAcl::new(
            DefaultAction {
                allow: Some(AllowAction::default().into()),
                block: None,
            },
            scope,
            VisibilityConfig::on(metric),
        )
    }
}
