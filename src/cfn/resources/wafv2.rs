//! AWS WAF (v2): web ACLs and their associations.

use serde::Serialize;

use super::{resource_type, Tag};
use crate::cfn::intrinsic::Value;

/// `AWS::WAFv2::WebACL`. `Name` and `Scope` are create-only: changing
/// either replaces the web ACL. Without `Name`, CloudFormation generates one.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WebAcl {
    pub default_action: DefaultAction,
    pub description: Option<String>,
    pub name: Option<Value<String>>,
    pub rules: Option<Vec<Rule>>,
    /// `REGIONAL` (API Gateway REST stages, load balancers, ...) or
    /// `CLOUDFRONT` (distributions; only in us-east-1).
    pub scope: String,
    pub tags: Option<Vec<Tag>>,
    pub visibility_config: VisibilityConfig,
}
resource_type!(
    WebAcl,
    "AWS::WAFv2::WebACL",
    ["Arn", "Capacity", "Id", "LabelNamespace"]
);

/// What the web ACL does with a request no rule decides: `Allow` or `Block`
/// (each an empty object unless it customizes the request or response).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DefaultAction {
    pub allow: Option<EmptyAction>,
    pub block: Option<EmptyAction>,
}

/// An action without settings (`Allow: {}`, `Block: {}`, `None: {}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EmptyAction {}

/// A rule: a statement, and either an `Action` (own statements) or an
/// `OverrideAction` (rule groups).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    pub action: Option<RuleAction>,
    pub name: String,
    pub override_action: Option<OverrideAction>,
    /// Rules are evaluated from the lowest priority up; unique in an ACL.
    pub priority: u32,
    pub statement: Statement,
    pub visibility_config: VisibilityConfig,
}

/// What a matching rule does.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuleAction {
    pub allow: Option<EmptyAction>,
    pub block: Option<EmptyAction>,
    pub count: Option<EmptyAction>,
}

/// How a rule group's own actions are overridden: `None: {}` keeps them,
/// `Count: {}` only counts.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OverrideAction {
    pub count: Option<EmptyAction>,
    pub none: Option<EmptyAction>,
}

/// A rule's statement (one of them set).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    pub managed_rule_group_statement: Option<ManagedRuleGroupStatement>,
    pub rate_based_statement: Option<RateBasedStatement>,
}

/// A rule group a vendor (`AWS`) maintains, e.g. `AWSManagedRulesCommonRuleSet`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedRuleGroupStatement {
    pub excluded_rules: Option<Vec<ExcludedRule>>,
    pub name: String,
    /// Other actions for some of the group's rules (e.g. only count one).
    pub rule_action_overrides: Option<Vec<RuleActionOverride>>,
    pub vendor_name: String,
    pub version: Option<String>,
}

/// A rule of a rule group that only counts.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExcludedRule {
    pub name: String,
}

/// Another action for one rule of a rule group.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuleActionOverride {
    pub action_to_use: RuleAction,
    pub name: String,
}

/// Matches once the requests of one key (`IP`: the client address) exceed
/// `limit` within the evaluation window (300 seconds unless set).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RateBasedStatement {
    /// `IP`, `FORWARDED_IP`, `CONSTANT` or `CUSTOM_KEYS`.
    pub aggregate_key_type: String,
    /// 60, 120, 300 or 600 seconds.
    pub evaluation_window_sec: Option<u32>,
    /// 10 to 2,000,000,000 requests.
    pub limit: u64,
}

/// The CloudWatch metrics and sampled requests of an ACL or a rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VisibilityConfig {
    pub cloud_watch_metrics_enabled: bool,
    /// Letters, digits and `_#:.-/`, 1 to 128 characters.
    pub metric_name: String,
    pub sampled_requests_enabled: bool,
}

impl VisibilityConfig {
    /// Metrics and sampled requests on, under `metric_name`.
    pub fn on(metric_name: &str) -> Self {
        VisibilityConfig {
            cloud_watch_metrics_enabled: true,
            metric_name: metric_name.to_string(),
            sampled_requests_enabled: true,
        }
    }
}

/// `AWS::WAFv2::WebACLAssociation`: a regional web ACL in front of a
/// resource (an API Gateway REST stage, a load balancer, ...). Both
/// properties are create-only.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WebAclAssociation {
    pub resource_arn: Value<String>,
    #[serde(rename = "WebACLArn")]
    pub web_acl_arn: Value<String>,
}
resource_type!(WebAclAssociation, "AWS::WAFv2::WebACLAssociation", []);
