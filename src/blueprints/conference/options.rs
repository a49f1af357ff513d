//! The conference blueprint's options (`options:` in blueprint.yaml).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ROUTES;
use crate::components::edge::{DomainOptions, FunctionSize, PriceClass};
use crate::config::flow::FlowOptions;
use crate::config::lambda::LambdaOptions;
use crate::config::{Architecture, Ranged, RetentionDays, TextLine};

/// The conference blueprint's options (`options:` in blueprint.yaml).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    pub cdn: CdnOptions,
    /// `null`, or `{name, hosted_zone_id}`.
    pub domain: Option<DomainOptions>,
    pub site: SiteOptions,
    pub api: ApiOptions,
    pub certificates: CertificateOptions,
    pub functions: FunctionsOptions,
    /// FLOW: the certificate steps as a Step Functions state machine.
    pub flow: FlowOptions,
    pub log_retention_days: RetentionDays,
    /// FN-*: what every function of the blueprint shares (`options.lambda`).
    pub lambda: LambdaOptions,
    pub retain: RetainOptions,
    /// Keys, access logs and a web application firewall (`options.security`).
    pub security: crate::config::security::SecurityOptions,
}

/// CONF-2: the distribution.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CdnOptions {
    pub price_class: PriceClass,
    /// When the origin sends no Cache-Control (min TTL is 0, max one year).
    pub default_ttl_seconds: Ranged<0, 31_536_000>,
}

impl Default for CdnOptions {
    fn default() -> Self {
        CdnOptions {
            price_class: PriceClass::All,
            default_ttl_seconds: Ranged::of(86_400),
        }
    }
}

/// CONF-1: the pages bucket and its access logs.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SiteOptions {
    pub keep_old_versions_days: Ranged<1, 3650>,
    pub access_log_days: Ranged<1, 3650>,
}

impl Default for SiteOptions {
    fn default() -> Self {
        SiteOptions {
            keep_old_versions_days: Ranged::of(90),
            access_log_days: Ranged::of(365),
        }
    }
}

/// CONF-3: the registration API.
pub type ApiOptions = crate::config::api_options::ApiOptions<ConferenceApi>;

/// The API's shape for the shared `api:` options (API-OPTIONS): CloudFront
/// serves it, so it cannot be private.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConferenceApi;

impl crate::config::api_options::ApiShape for ConferenceApi {
    const RATE: u64 = 50;
    const BURST: u64 = 100;
    const CLOUDFRONT_ORIGIN: bool = true;
    fn routes() -> Option<Vec<String>> {
        Some(ROUTES.iter().map(|r| r.key()).collect())
    }
}

/// CONF-4: the certificates.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CertificateOptions {
    /// The conference's name on certificates.
    pub event_name: TextLine,
    pub download_link_minutes: Ranged<1, 720>,
}

impl Default for CertificateOptions {
    fn default() -> Self {
        CertificateOptions {
            event_name: TextLine::new("Serverless Conference").unwrap_or_else(|_| unreachable!()),
            download_link_minutes: Ranged::of(15),
        }
    }
}

/// Sizes of the functions.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FunctionsOptions {
    pub architecture: Architecture,
    pub api: FunctionSize<256, 10>,
    pub certificate: FunctionSize<256, 30>,
}

/// Which stateful resources survive their removal from the stack.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RetainOptions {
    pub registrations_table: bool,
    pub site_bucket: bool,
    pub log_bucket: bool,
    pub certificates_bucket: bool,
}

impl Default for RetainOptions {
    fn default() -> Self {
        RetainOptions {
            registrations_table: true,
            site_bucket: true,
            log_bucket: true,
            certificates_bucket: true,
        }
    }
}

impl crate::blueprints::SharedOptions for Options {
    fn lambda(&self) -> Option<&LambdaOptions> {
        Some(&self.lambda)
    }

    fn security(&self) -> &crate::config::security::SecurityOptions {
        &self.security
    }
}
