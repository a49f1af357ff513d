//! `todo`: a mobile todo-list backend (TODO-1 to TODO-6).
//!
//! REST API (Cognito authorizer) → Lambda → DynamoDB; users' own files in S3
//! through identity-pool credentials scoped to their prefix; an `admin` group
//! for the admin routes; an optional cache (DAX or the API stage cache).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};

use crate::config::lambda::LambdaOptions;

use super::{Blueprint, Expansion, ProjectInfo, Requirement, StackTemplate};
use crate::assets::{CodeSource, Package};
use crate::cfn::intrinsic::sub;
use crate::cfn::policy::{Principal, Statement};
use crate::cfn::resources::cognito::MfaConfiguration;
use crate::cfn::resources::lambda::VpcConfig;
use crate::cfn::{LogicalId, Parameter, Template, Value};
use crate::components::assets::ASSETS_BUCKET;
use crate::components::bucket::PrivateBucket;
use crate::components::dax::DaxCluster;
use crate::components::function::LambdaFunction;
use crate::components::http_api::{HttpApi, HttpThrottling, JwtIssuer};
use crate::components::network::PrivateNetwork;
use crate::components::rest_api::{RestApi, Route, StageCache};
use crate::components::table::{Scaling, Table};
use crate::components::user_auth::{UserAuth, UserAuthIds};
use crate::config::api_options::ApiShape;
use crate::config::{Name, Ranged, RetentionDays, VpcCidr};
use crate::error::Error;

/// The `todo` blueprint (see the module's documentation).
pub struct Todo;

impl Blueprint for Todo {
    type Options = Options;

    const NAME: &'static str = "todo";
    const SUMMARY: &'static str =
        "Mobile todo-list backend: REST API, Cognito users and admins, per-user S3 folders, DynamoDB, optional cache";

    const REQUIREMENTS: &'static [Requirement] = &[
        Requirement { id: "TODO-1", text: "REST API exposed over HTTPS (API Gateway REST API + Lambda proxy integration)" },
        Requirement { id: "TODO-2", text: "Fully serverless: API Gateway + Lambda + DynamoDB, no servers" },
        Requirement { id: "TODO-3", text: "Users manage their own files directly in S3, in their own folder, with temporary credentials from a Cognito identity pool" },
        Requirement { id: "TODO-4", text: "Users and an administrator authenticate with Cognito: user pool, app client, API authorizer, `admin` group for admin routes" },
        Requirement { id: "TODO-5", text: "Read-heavy: a caching layer (`cache: dax` or `cache: api`)" },
        Requirement { id: "TODO-6", text: "A database layer that scales with high read throughput: DynamoDB, on-demand or provisioned with auto scaling" },
        Requirement { id: "API-OPTIONS", text: crate::components::api_options::API_OPTIONS_TEXT },
    ];

    fn expand(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Expansion, Error> {
        expand(project, o, code)
    }
}

/// The todo blueprint's options (`options:` in blueprint.yaml).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// TODO-5: `none`, `api` (stage cache) or `dax`.
    pub cache: Cache,
    pub api_cache: ApiCacheOptions,
    pub dax: DaxOptions,
    pub table: TableOptions,
    pub function: FunctionOptions,
    pub api: ApiOptions,
    pub auth: AuthOptions,
    pub files: FilesOptions,
    pub log_retention_days: RetentionDays,
    /// FN-*: what every function of the blueprint shares (`options.lambda`).
    pub lambda: LambdaOptions,
    pub retain: RetainOptions,
    /// Keys, access logs and a web application firewall (`options.security`).
    pub security: crate::config::security::SecurityOptions,
}

/// The caching layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Cache {
    #[default]
    None,
    Api,
    Dax,
}

/// `cache: api` settings: the shared stage cache options (API-OPTIONS).
pub type ApiCacheOptions = crate::config::api_options::StageCacheOptions;

/// An API Gateway cache size, in GB (shared with `api.cache`, API-OPTIONS).
pub use crate::config::api_options::{CacheSize, CACHE_SIZES};

/// `cache: dax` settings.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DaxOptions {
    pub node_type: DaxNodeType,
    pub nodes: Ranged<1, 11>,
    pub vpc_cidr: VpcCidr,
    pub item_ttl_seconds: Ranged<1, 86_400>,
    pub query_ttl_seconds: Ranged<1, 86_400>,
}

impl Default for DaxOptions {
    fn default() -> Self {
        DaxOptions {
            node_type: DaxNodeType::new("dax.t3.small").unwrap_or_else(|_| unreachable!()),
            nodes: Ranged::of(3),
            vpc_cidr: VpcCidr::new("10.0.0.0/16").unwrap_or_else(|_| unreachable!()),
            item_ttl_seconds: Ranged::of(300),
            query_ttl_seconds: Ranged::of(300),
        }
    }
}

/// A DAX node type such as `dax.t3.small` or `dax.r5.large`.
pub use crate::config::DaxNodeType;

/// TODO-6: how the table is billed.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TableOptions {
    pub billing: Billing,
    pub read_capacity: CapacityRange,
    pub write_capacity: CapacityRange,
    pub target_utilization_percent: Ranged<20, 90>,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            billing: Billing::OnDemand,
            read_capacity: CapacityRange { min: 5, max: 100 },
            write_capacity: CapacityRange { min: 5, max: 50 },
            target_utilization_percent: Ranged::of(70),
        }
    }
}

/// On-demand or provisioned capacity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Billing {
    #[default]
    OnDemand,
    Provisioned,
}

/// Auto-scaling bounds for provisioned capacity (1 to 40,000 units).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CapacityRange {
    pub min: u32,
    pub max: u32,
}

impl<'de> Deserialize<'de> for CapacityRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            min: Ranged<1, 40_000>,
            max: Ranged<1, 40_000>,
        }
        let raw = Raw::deserialize(d)?;
        if raw.min > raw.max {
            return Err(D::Error::custom(format!(
                "min ({}) is greater than max ({})",
                raw.min, raw.max
            )));
        }
        Ok(CapacityRange {
            min: raw.min.get_u32(),
            max: raw.max.get_u32(),
        })
    }
}

crate::config::schema::value_schema!(
    CapacityRange,
    schemars::json_schema!({
        "type": "object",
        "description": "Auto-scaling bounds for provisioned capacity, 1 to 40,000 units (min at most max)",
        "properties": {
            "min": {"type": "integer", "minimum": 1, "maximum": 40_000},
            "max": {"type": "integer", "minimum": 1, "maximum": 40_000},
        },
        "required": ["min", "max"],
        "additionalProperties": false,
    })
);

/// The API function's size.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FunctionOptions {
    pub memory_mb: Ranged<128, 10_240>,
    pub timeout_seconds: Ranged<1, 900>,
    pub architecture: Architecture,
}

impl Default for FunctionOptions {
    fn default() -> Self {
        FunctionOptions {
            memory_mb: Ranged::of(256),
            timeout_seconds: Ranged::of(10),
            architecture: Architecture::Arm64,
        }
    }
}

/// The processor architecture of a function.
pub use crate::config::Architecture;

/// The API's settings (API-OPTIONS, shared by every blueprint with an API).
pub type ApiOptions = crate::config::api_options::ApiOptions<TodoApi>;

/// Where the API's endpoint lives.
pub use crate::config::api_options::Endpoint;

/// The todo API's shape for the shared `api:` options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TodoApi;

impl ApiShape for TodoApi {
    const RATE: u64 = 100;
    const BURST: u64 = 200;
    fn routes() -> Option<Vec<String>> {
        Some(ROUTES.iter().map(Route::key).collect())
    }
}

/// Sign-in settings.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AuthOptions {
    pub admin_group: Name,
    pub password_min_length: Ranged<8, 99>,
    pub mfa: Mfa,
}

impl Default for AuthOptions {
    fn default() -> Self {
        AuthOptions {
            admin_group: Name::new("admin").unwrap_or_else(|_| unreachable!()),
            password_min_length: Ranged::of(12),
            mfa: Mfa::Optional,
        }
    }
}

/// Multi-factor authentication.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Mfa {
    Off,
    #[default]
    Optional,
    On,
}

/// The users' files bucket.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FilesOptions {
    pub keep_old_versions_days: Ranged<1, 3650>,
}

impl Default for FilesOptions {
    fn default() -> Self {
        FilesOptions {
            keep_old_versions_days: Ranged::of(30),
        }
    }
}

/// Which stateful resources survive their removal from the stack.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RetainOptions {
    pub table: bool,
    pub files_bucket: bool,
    pub user_pool: bool,
}

impl Default for RetainOptions {
    fn default() -> Self {
        RetainOptions {
            table: true,
            files_bucket: true,
            user_pool: true,
        }
    }
}

/// The API's routes: the caller's own todos, and the admin routes.
pub const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/todos",
        query: &["limit", "nextToken"],
    },
    Route {
        method: "POST",
        path: "/todos",
        query: &[],
    },
    Route {
        method: "GET",
        path: "/todos/{todoId}",
        query: &[],
    },
    Route {
        method: "PUT",
        path: "/todos/{todoId}",
        query: &[],
    },
    Route {
        method: "DELETE",
        path: "/todos/{todoId}",
        query: &[],
    },
    Route {
        method: "GET",
        path: "/admin/todos",
        query: &["limit", "nextToken"],
    },
    Route {
        method: "DELETE",
        path: "/admin/users/{userId}/todos/{todoId}",
        query: &[],
    },
];

const TABLE_ACTIONS: &[&str] = &[
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
];

const DAX_ACTIONS: &[&str] = &[
    "dax:DeleteItem",
    "dax:GetItem",
    "dax:PutItem",
    "dax:Query",
    "dax:Scan",
    "dax:UpdateItem",
];

/// Expands the todo blueprint into one stack: one named feature after
/// another, in the order their resources and outputs appear in the template.
pub fn expand(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Expansion, Error> {
    let mut t = Template::new(format!(
        "blueprint todo: mobile todo-list backend (stack {})",
        project.stack_name
    ));
    let assets = add_assets_parameter(&mut t)?;
    let api_package = package_api(&mut t, o, code)?;
    let table = add_table(&mut t, o)?;
    let files = add_files_bucket(&mut t, o)?;
    let auth = add_users(&mut t, o, &files)?;
    let function = add_function(&mut t, o, &assets, &api_package, &table)?;
    add_api(&mut t, o, &function, &auth)?;
    add_outputs(&mut t, &auth, &files, &table)?;
    Ok(Expansion {
        project: project.clone(),
        stacks: vec![StackTemplate::single(project, t)],
        packages: vec![api_package],
    })
}

/// TODO-2: the parameter naming the bucket of the function packages.
fn add_assets_parameter(t: &mut Template) -> Result<LogicalId, Error> {
    Ok(t.parameter(
        ASSETS_BUCKET,
        Parameter {
            allowed_pattern: Some("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$".into()),
            constraint_description: Some("an S3 bucket name".into()),
            ..Parameter::string(
                "The bucket holding the function packages (blueprint bootstrap creates it)",
            )
        },
    )?)
}

/// TODO-2, TODO-5: packages the API function (with the DAX client when it
/// reads through DAX).
fn package_api(t: &mut Template, o: &Options, code: &CodeSource) -> Result<Package, Error> {
    // TODO-5: with `cache: dax` the function reads and writes through DAX,
    // so its package gets the DAX client (the same folder without DAX is
    // packaged exactly as before).
    let dax_client: &[&str] = if o.cache == Cache::Dax {
        crate::components::dax::CLIENT_REQUIREMENTS
    } else {
        &[]
    };
    let api_package = code.package_with("api", o.function.architecture, dax_client)?;
    if o.cache == Cache::Dax {
        t.warnings.extend(crate::components::dax::client_warning(
            code,
            "api",
            "handler.py",
        )?);
    }
    Ok(api_package)
}

/// TODO-2, TODO-6: the todo table (on demand, or provisioned with auto
/// scaling).
fn add_table(t: &mut Template, o: &Options) -> Result<LogicalId, Error> {
    Table {
        id: "TodoTable",
        partition_key: "userId",
        sort_key: Some("todoId"),
        provisioned: (o.table.billing == Billing::Provisioned).then_some(Scaling {
            read_min: o.table.read_capacity.min,
            read_max: o.table.read_capacity.max,
            write_min: o.table.write_capacity.min,
            write_max: o.table.write_capacity.max,
            target_utilization: o.table.target_utilization_percent.get_u32(),
        }),
        retain: o.retain.table,
        requirements: &["TODO-2", "TODO-6"],
        ..Default::default()
    }
    .add_to(t)
}

/// TODO-3: the users' files bucket.
fn add_files_bucket(t: &mut Template, o: &Options) -> Result<LogicalId, Error> {
    PrivateBucket {
        id: "UserFilesBucket",
        noncurrent_version_days: Some(o.files.keep_old_versions_days.get_u32()),
        retain: o.retain.files_bucket,
        requirements: &["TODO-3"],
        ..Default::default()
    }
    .add_to(t)
}

/// TODO-4: the user pool with its admin group; TODO-3: the identity pool
/// whose credentials reach only the user's own folder of `files`.
fn add_users(t: &mut Template, o: &Options, files: &LogicalId) -> Result<UserAuthIds, Error> {
    // TODO-3: a signed-in user's credentials reach only `<bucket>/<identity id>/`.
    let own_prefix = "${cognito-identity.amazonaws.com:sub}";
    let authenticated = vec![
        Statement::allow(
            &["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            vec![sub(format!(
                "${{{files}.Arn}}/${{!cognito-identity.amazonaws.com:sub}}/*"
            ))
            .into()],
        )
        .sid("OwnFolderObjects"),
        Statement::allow(&["s3:ListBucket"], vec![files.get_att("Arn")])
            .sid("ListOwnFolder")
            .condition(
                "StringLike",
                "s3:prefix",
                vec![
                    format!("{own_prefix}/*").into(),
                    own_prefix.to_string().into(),
                ],
            ),
    ];
    let admin_group = o.auth.admin_group.as_str();
    UserAuth {
        name: "Users",
        password_min_length: o.auth.password_min_length.get_u32(),
        mfa: match o.auth.mfa {
            Mfa::Off => MfaConfiguration::Off,
            Mfa::Optional => MfaConfiguration::Optional,
            Mfa::On => MfaConfiguration::On,
        },
        groups: &[(admin_group, "Administrators: may call the /admin routes")],
        retain: o.retain.user_pool,
        authenticated_statements: Some(authenticated),
        requirements: &["TODO-4"],
        identity_requirements: &["TODO-3"],
    }
    .add_to(t)
}

/// TODO-5: the network and DAX cluster the function reads and writes
/// through; adds its endpoint and permissions to the function's and returns
/// the function's VPC configuration.
fn add_dax(
    t: &mut Template,
    o: &Options,
    table_arn: &Value<String>,
    environment: &mut IndexMap<String, Value<String>>,
    statements: &mut Vec<Statement>,
) -> Result<VpcConfig, Error> {
    let network = PrivateNetwork {
        name: "Network",
        cidr: &o.dax.vpc_cidr,
        gateway_endpoints: vec![(
            "dynamodb",
            vec![Statement::allow(TABLE_ACTIONS, vec![table_arn.clone()])
                .sid("ThisStacksTableOnly")
                .principal(Principal::Everyone)],
        )],
        requirements: &["TODO-5"],
    }
    .add_to(t)?;
    let dax = DaxCluster {
        name: "Dax",
        node_type: o.dax.node_type.as_str(),
        nodes: o.dax.nodes.get_u32(),
        vpc: &network.vpc,
        subnets: &network.subnets,
        tables: vec![table_arn.clone()],
        record_ttl_ms: o.dax.item_ttl_seconds.get() * 1000,
        query_ttl_ms: o.dax.query_ttl_seconds.get() * 1000,
        requirements: &["TODO-5"],
    }
    .add_to(t)?;
    environment.insert(
        "DAX_ENDPOINT".to_string(),
        dax.cluster.get_att("ClusterDiscoveryEndpointURL"),
    );
    statements
        .push(Statement::allow(DAX_ACTIONS, vec![dax.cluster.get_att("Arn")]).sid("DaxCache"));
    statements.extend(crate::components::function::network_interface_statements());
    let vpc = VpcConfig {
        security_group_ids: Some(vec![dax.client_security_group.get_att("GroupId")].into()),
        subnet_ids: Some(
            network
                .subnets
                .iter()
                .map(|s| s.r#ref())
                .collect::<Vec<_>>()
                .into(),
        ),
        ..Default::default()
    };
    t.output(
        "DaxEndpoint",
        "The DAX cluster's discovery endpoint",
        dax.cluster.get_att("ClusterDiscoveryEndpointURL"),
        None,
    )?;
    Ok(vpc)
}

/// TODO-2 (and TODO-5 through DAX): the API function; returns its logical
/// ID.
fn add_function(
    t: &mut Template,
    o: &Options,
    assets: &LogicalId,
    api_package: &Package,
    table: &LogicalId,
) -> Result<LogicalId, Error> {
    let table_arn: Value<String> = table.get_att("Arn");
    let mut environment = IndexMap::new();
    environment.insert("TABLE_NAME".to_string(), table.r#ref());
    environment.insert(
        "ADMIN_GROUP".to_string(),
        o.auth.admin_group.as_str().into(),
    );
    let mut statements =
        vec![Statement::allow(TABLE_ACTIONS, vec![table_arn.clone()]).sid("TodoTable")];
    let mut vpc = None;
    if o.cache == Cache::Dax {
        vpc = Some(add_dax(
            t,
            o,
            &table_arn,
            &mut environment,
            &mut statements,
        )?);
    }
    let function_requirements: &[&str] = if o.cache == Cache::Dax {
        &["TODO-2", "TODO-5"]
    } else {
        &["TODO-2"]
    };
    let function = LambdaFunction {
        name: "Api",
        description: "Todo CRUD for the signed-in user, and the admin routes",
        package: api_package,
        assets_bucket: assets,
        handler: "handler.handler",
        memory_mb: o.function.memory_mb.get_u32(),
        timeout_s: o.function.timeout_seconds.get_u32(),
        architecture: o.function.architecture.as_str(),
        environment,
        statements,
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc,
        requirements: function_requirements,
    }
    .add_to(t)?;
    Ok(function.function)
}

/// TODO-1, TODO-4 (and TODO-5's stage cache, API-OPTIONS): a REST API (the
/// default) or an HTTP API in front of the function.
fn add_api(
    t: &mut Template,
    o: &Options,
    function: &LogicalId,
    auth: &UserAuthIds,
) -> Result<(), Error> {
    // API-OPTIONS: a REST API (the default) or an HTTP API.
    let description = "Todo API: the caller's own todos, and admin routes for the admin group";
    if o.api.is_http() {
        if o.cache == Cache::Api {
            return Err(Error::User(
                "options.cache: `api` (the stage cache) needs `options.api.type: rest`: HTTP APIs have no cache; use `cache: dax` or `none`".into(),
            ));
        }
        HttpApi {
            name: "Api",
            description,
            routes: ROUTES,
            function,
            jwt: Some(JwtIssuer {
                user_pool: &auth.pool,
                client: &auth.client,
            }),
            throttling: HttpThrottling {
                rate: o.api.throttle_rate_per_second.get_u32(),
                burst: o.api.throttle_burst.get_u32(),
                routes: &o.api.route_throttling,
            },
            log_retention_days: o.log_retention_days.get(),
            requirements: &["TODO-1"],
            auth_requirements: &["TODO-4"],
            domain: o.api.domain.as_ref(),
        }
        .add_to(t)?;
    } else {
        let stage_cache = o
            .api
            .cache
            .as_ref()
            .or((o.cache == Cache::Api).then_some(&o.api_cache));
        let mut cache_requirements = Vec::new();
        if o.cache == Cache::Api {
            cache_requirements.push("TODO-5");
        }
        if o.api.cache.is_some() {
            cache_requirements.push("API-OPTIONS");
        }
        RestApi {
            name: "Api",
            description,
            routes: ROUTES,
            function,
            user_pool: Some(&auth.pool),
            endpoint_type: o.api.endpoint.as_str(),
            stage_name: o.api.stage_name.as_str(),
            throttle_rate: o.api.throttle_rate_per_second.get_u32(),
            throttle_burst: o.api.throttle_burst.get_u32(),
            cache: stage_cache.map(|c| StageCache {
                size_gb: c.size_gb.as_str().to_string(),
                ttl_seconds: c.ttl_seconds.get_u32(),
            }),
            log_retention_days: o.log_retention_days.get(),
            manage_account_role: o.api.manage_account_logging_role,
            requirements: &["TODO-1"],
            cache_requirements: &cache_requirements,
            auth_requirements: &["TODO-4"],
            features: Some(o.api.features()),
        }
        .add_to(t)?;
    }
    Ok(())
}

/// TODO-2 to TODO-4, TODO-6: the stack's outputs.
fn add_outputs(
    t: &mut Template,
    auth: &UserAuthIds,
    files: &LogicalId,
    table: &LogicalId,
) -> Result<(), Error> {
    t.output(
        "UserPoolId",
        "Cognito user pool ID",
        auth.pool.r#ref(),
        None,
    )?;
    t.output(
        "UserPoolClientId",
        "App client ID for the mobile app",
        auth.client.r#ref(),
        None,
    )?;
    if let Some(ip) = &auth.identity_pool {
        t.output(
            "IdentityPoolId",
            "Cognito identity pool ID",
            ip.r#ref(),
            None,
        )?;
    }
    t.output(
        "UserFilesBucketName",
        "Bucket for the users' own files",
        files.r#ref(),
        None,
    )?;
    t.output("TodoTableName", "The todo table", table.r#ref(), None)?;
    Ok(())
}

impl super::SharedOptions for Options {
    fn lambda(&self) -> Option<&LambdaOptions> {
        Some(&self.lambda)
    }

    fn security(&self) -> &crate::config::security::SecurityOptions {
        &self.security
    }
}
