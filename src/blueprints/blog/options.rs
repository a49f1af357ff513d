//! The blog blueprint's options (`options:` in blueprint.yaml).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ROUTES;
use crate::components::edge::{DomainOptions, FunctionSize, PriceClass};
use crate::config::flow::FlowOptions;
use crate::config::lambda::LambdaOptions;
use crate::config::{
    Architecture, DaxNodeType, EmailAddress, Ranged, Region, RetentionDays, TextLine, VpcCidr,
};

/// The blog blueprint's options (`options:` in blueprint.yaml).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    pub cdn: CdnOptions,
    /// BLOG-7: `null`, or `{name, hosted_zone_id}`.
    pub domain: Option<DomainOptions>,
    pub tables: TablesOptions,
    pub dax: DaxOptions,
    pub api: ApiOptions,
    pub functions: FunctionsOptions,
    pub welcome_email: WelcomeEmailOptions,
    /// Who may call the API (BLOG-5, BLOG-6): the Cognito user pool.
    pub auth: AuthOptions,
    pub thumbnails: ThumbnailOptions,
    /// FLOW: the thumbnail steps as a Step Functions state machine.
    pub flow: FlowOptions,
    pub log_retention_days: RetentionDays,
    /// FN-*: what every function of the blueprint shares (`options.lambda`).
    pub lambda: LambdaOptions,
    pub retain: RetainOptions,
    /// Keys, access logs and a web application firewall (`options.security`).
    pub security: crate::config::security::SecurityOptions,
}

/// BLOG-1, BLOG-4: the distribution and its caches.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CdnOptions {
    pub price_class: PriceClass,
    pub static_default_ttl_seconds: Ranged<0, 31_536_000>,
    pub static_max_ttl_seconds: Ranged<1, 31_536_000>,
    pub api_ttl_seconds: Ranged<0, 300>,
}

impl Default for CdnOptions {
    fn default() -> Self {
        CdnOptions {
            price_class: PriceClass::All,
            static_default_ttl_seconds: Ranged::of(86_400),
            static_max_ttl_seconds: Ranged::of(31_536_000),
            api_ttl_seconds: Ranged::of(0),
        }
    }
}

/// BLOG-2: global tables.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TablesOptions {
    pub replica_regions: Vec<Region>,
}

/// BLOG-2: the DAX cluster in front of the posts table.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DaxOptions {
    pub enabled: bool,
    pub node_type: DaxNodeType,
    pub nodes: Ranged<1, 11>,
    pub vpc_cidr: VpcCidr,
    pub item_ttl_seconds: Ranged<1, 86_400>,
    pub query_ttl_seconds: Ranged<1, 86_400>,
}

impl Default for DaxOptions {
    fn default() -> Self {
        DaxOptions {
            enabled: false,
            node_type: DaxNodeType::new("dax.t3.small").unwrap_or_else(|_| unreachable!()),
            nodes: Ranged::of(3),
            vpc_cidr: VpcCidr::new("10.0.0.0/16").unwrap_or_else(|_| unreachable!()),
            item_ttl_seconds: Ranged::of(300),
            query_ttl_seconds: Ranged::of(60),
        }
    }
}

/// BLOG-3: the REST API behind `/api/*`.
pub type ApiOptions = crate::config::api_options::ApiOptions<BlogApi>;

/// The API's shape for the shared `api:` options (API-OPTIONS): CloudFront
/// serves it, so it cannot be private.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlogApi;

impl crate::config::api_options::ApiShape for BlogApi {
    const RATE: u64 = 50;
    const BURST: u64 = 100;
    const CLOUDFRONT_ORIGIN: bool = true;
    fn routes() -> Option<Vec<String>> {
        Some(ROUTES.iter().map(|r| r.key()).collect())
    }
}

/// Sizes of the functions.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FunctionsOptions {
    pub architecture: Architecture,
    pub api: FunctionSize<256, 10>,
    pub welcome_email: FunctionSize<128, 30>,
    /// The post confirmation trigger (Cognito waits 5 seconds at most).
    pub post_confirmation: FunctionSize<128, 5>,
    pub thumbnails: FunctionSize<1024, 60>,
}

/// BLOG-5: the welcome email.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WelcomeEmailOptions {
    pub sender: EmailAddress,
    pub identity: SesIdentity,
    pub subject: TextLine,
    pub site_name: TextLine,
}

impl Default for WelcomeEmailOptions {
    fn default() -> Self {
        WelcomeEmailOptions {
            sender: EmailAddress::new("no-reply@example.com").unwrap_or_else(|_| unreachable!()),
            identity: SesIdentity::Domain,
            subject: TextLine::new("Welcome to my blog").unwrap_or_else(|_| unreachable!()),
            site_name: TextLine::new("My blog").unwrap_or_else(|_| unreachable!()),
        }
    }
}

/// The user pool readers and authors sign in with, and which routes need it.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AuthOptions {
    /// The shortest password, 8 to 99 characters.
    pub password_min_length: Ranged<8, 99>,
    /// Routes that need a signed-in user by default, opened to anyone on
    /// purpose (`POST /api/uploads`). Each one makes synth warn.
    pub public_routes: Vec<String>,
}

impl Default for AuthOptions {
    fn default() -> Self {
        AuthOptions {
            password_min_length: Ranged::of(12),
            public_routes: Vec::new(),
        }
    }
}

/// Which verified SES identity the welcome email is sent as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SesIdentity {
    /// The sender's domain (`example.com`).
    #[default]
    Domain,
    /// The sender address itself.
    Address,
}

/// BLOG-6: thumbnails.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ThumbnailOptions {
    pub size_px: Ranged<16, 2048>,
    pub format: ThumbnailFormat,
    pub max_upload_mb: Ranged<1, 100>,
    pub notify_sns: bool,
    pub notify_sqs: bool,
}

impl Default for ThumbnailOptions {
    fn default() -> Self {
        ThumbnailOptions {
            size_px: Ranged::of(320),
            format: ThumbnailFormat::Jpeg,
            max_upload_mb: Ranged::of(10),
            notify_sns: false,
            notify_sqs: false,
        }
    }
}

/// The image format of thumbnails.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ThumbnailFormat {
    #[default]
    Jpeg,
    Png,
    Webp,
}

impl ThumbnailFormat {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            ThumbnailFormat::Jpeg => "jpeg",
            ThumbnailFormat::Png => "png",
            ThumbnailFormat::Webp => "webp",
        }
    }
}

/// Which stateful resources survive their removal from the stack.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RetainOptions {
    pub posts_table: bool,
    pub users_table: bool,
    pub user_pool: bool,
    pub site_bucket: bool,
    pub uploads_bucket: bool,
    pub thumbnails_bucket: bool,
}

impl Default for RetainOptions {
    fn default() -> Self {
        RetainOptions {
            posts_table: true,
            users_table: true,
            user_pool: true,
            site_bucket: true,
            uploads_bucket: true,
            thumbnails_bucket: true,
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
