//! `chat`: real-time chat over WebSocket (CHAT-1 to CHAT-3).
//!
//! An API Gateway v2 WebSocket API with `$connect`, `$disconnect` and
//! `sendmessage` routes, each proxied to a function of its own; a DynamoDB
//! table of open connections whose items expire (TTL); and a broadcast
//! function that posts each message to every connection through the
//! management API, allowed `execute-api:ManageConnections` on this API's
//! stage only.
//!
//! Only signed-in users connect: a Cognito user pool and a Lambda REQUEST
//! authorizer on `$connect` that checks the user's token (a query string:
//! browsers cannot set headers on a WebSocket); the other routes are reached
//! only over a connection `$connect` allowed. IAM-signed connects are an
//! option; `connect_authorization: none` opens the chat to anyone on
//! purpose, and synth warns about it.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Blueprint, Expansion, ProjectInfo, Requirement, StackTemplate};
use crate::assets::{hex, CodeSource, Package};
use crate::cfn::intrinsic::sub;
use crate::cfn::policy::Statement;
use crate::cfn::resources::apigatewayv2::{
    AccessLogSettings, Api, Authorizer, Deployment, Integration, Route, RouteSettings, Stage,
};
use crate::cfn::resources::cognito::MfaConfiguration;
use crate::cfn::resources::lambda::Permission;
use crate::cfn::{LogicalId, Template, Value};
use crate::components::arn;
use crate::components::assets::{assets_parameter, ASSETS_BUCKET};
use crate::components::function::LambdaFunction;
use crate::components::log_group::add_log_group;
use crate::components::table::Table;
use crate::components::user_auth::{PoolExtras, UserAuth};
use crate::config::lambda::LambdaOptions;
use crate::config::{Architecture, Name, Ranged, RetentionDays};
use crate::error::Error;

/// The `chat` blueprint (see the module's documentation).
pub struct Chat;

impl Blueprint for Chat {
    type Options = Options;

    const NAME: &'static str = "chat";
    const SUMMARY: &'static str =
        "Real-time chat over WebSocket: API Gateway v2 routes, a connections table with TTL, broadcast through the management API";

    const REQUIREMENTS: &'static [Requirement] = &[
        Requirement { id: "CHAT-1", text: "Chat and streaming over WebSocket: API Gateway v2 WEBSOCKET API with $connect, $disconnect and sendmessage routes; only signed-in users connect (Cognito user pool, Lambda REQUEST authorizer on $connect checking the user's token), unless opened on purpose" },
        Requirement { id: "CHAT-2", text: "Connection state: a DynamoDB connections table with TTL" },
        Requirement { id: "CHAT-3", text: "Broadcast: a function posts to connections through the management API (`execute-api:ManageConnections` on this API only)" },
    ];

    fn expand(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Expansion, Error> {
        expand(project, o, code)
    }
}

/// The chat blueprint's options (`options:` in blueprint.yaml).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    pub stage_name: Name,
    /// Who may open a connection.
    pub connect_authorization: ConnectAuthorization,
    /// The user pool users sign in with (`connect_authorization: cognito`).
    pub user_pool: UserPoolOptions,
    /// CHAT-2: how long a connection's item lives without a refresh.
    pub connection_ttl_hours: Ranged<1, 24>,
    /// The longest message text the broadcast function accepts.
    pub max_message_bytes: Ranged<1, 32_768>,
    pub throttle_rate_per_second: Ranged<1, 10_000>,
    pub throttle_burst: Ranged<1, 5_000>,
    pub manage_account_logging_role: bool,
    pub function: FunctionOptions,
    pub log_retention_days: RetentionDays,
    /// FN-*: what every function of the blueprint shares (`options.lambda`).
    pub lambda: LambdaOptions,
    pub retain: RetainOptions,
    /// Keys, access logs and a web application firewall (`options.security`).
    pub security: crate::config::security::SecurityOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            stage_name: Name::new("v1").unwrap_or_else(|_| unreachable!()),
            connect_authorization: ConnectAuthorization::Cognito,
            user_pool: UserPoolOptions::default(),
            connection_ttl_hours: Ranged::of(2),
            max_message_bytes: Ranged::of(4_096),
            throttle_rate_per_second: Ranged::of(100),
            throttle_burst: Ranged::of(200),
            manage_account_logging_role: true,
            function: FunctionOptions::default(),
            log_retention_days: RetentionDays::default(),
            lambda: LambdaOptions::default(),
            retain: RetainOptions::default(),
            security: Default::default(),
        }
    }
}

/// Who may open a WebSocket connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectAuthorization {
    /// Signed-in users of the stack's Cognito user pool: a Lambda REQUEST
    /// authorizer checks the token in the `token` query string.
    #[default]
    Cognito,
    /// Requests signed with AWS credentials (SigV4).
    Iam,
    /// Anyone: opened on purpose, and synth warns.
    None,
}

/// The Cognito user pool of `connect_authorization: cognito`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct UserPoolOptions {
    /// The shortest password, 8 to 99 characters.
    pub password_min_length: Ranged<8, 99>,
}

impl Default for UserPoolOptions {
    fn default() -> Self {
        UserPoolOptions {
            password_min_length: Ranged::of(12),
        }
    }
}

/// The query string a client passes its Cognito token in on connect.
pub const TOKEN_QUERY_STRING: &str = "token";

/// Every function's size.
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
            timeout_seconds: Ranged::of(30),
            architecture: Architecture::Arm64,
        }
    }
}

/// Which stateful resources survive their removal from the stack.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RetainOptions {
    pub connections_table: bool,
    /// The Cognito user pool (also its deletion protection).
    pub user_pool: bool,
}

impl Default for RetainOptions {
    fn default() -> Self {
        RetainOptions {
            connections_table: true,
            user_pool: true,
        }
    }
}

/// The access log line of a WebSocket stage.
const ACCESS_LOG_FORMAT: &str = r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","routeKey":"$context.routeKey","eventType":"$context.eventType","connectionId":"$context.connectionId","status":"$context.status","integrationLatency":"$context.integrationLatency"}"#;

/// The connections table's TTL attribute (epoch seconds).
const TTL_ATTRIBUTE: &str = "expiresAt";

/// One route: its key, the function behind it and its code folder.
struct RouteSpec {
    key: &'static str,
    /// Logical ID prefix of the route and its integration.
    name: &'static str,
    /// Logical ID prefix of the function (and its permission).
    function: &'static str,
    code: &'static str,
    description: &'static str,
    requirements: &'static [&'static str],
}

const ROUTES: &[RouteSpec] = &[
    RouteSpec {
        key: "$connect",
        name: "Connect",
        function: "Connect",
        code: "connect",
        description: "Records a new WebSocket connection",
        requirements: &["CHAT-1", "CHAT-2"],
    },
    RouteSpec {
        key: "$disconnect",
        name: "Disconnect",
        function: "Disconnect",
        code: "disconnect",
        description: "Forgets a closed WebSocket connection",
        requirements: &["CHAT-1", "CHAT-2"],
    },
    RouteSpec {
        key: "sendmessage",
        name: "SendMessage",
        function: "Broadcast",
        code: "broadcast",
        description: "Broadcasts a message to every open connection",
        requirements: &["CHAT-1", "CHAT-3"],
    },
];

/// Expands the blueprint into one stack: one named feature after another,
/// in the order their resources and outputs appear in the template.
pub fn expand(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Expansion, Error> {
    let mut t = Template::new(format!(
        "blueprint chat: real-time chat over WebSocket (stack {})",
        project.stack_name
    ));
    let assets = t.parameter(ASSETS_BUCKET, assets_parameter())?;
    let api = add_websocket_api(&mut t)?;
    let table = add_connections_table(&mut t, o)?;
    let mut packages: Vec<Package> = Vec::new();
    let authorizer = add_connect_authorization(&mut t, o, code, &assets, &api, &mut packages)?;
    let chat = RouteContext {
        o,
        code,
        assets: &assets,
        api: &api,
        table: &table,
        authorizer: authorizer.as_ref(),
    };
    let mut route_ids = Vec::new();
    for r in ROUTES {
        route_ids.push(add_route(&mut t, &chat, r, &mut packages)?);
    }
    let deployment = add_deployment(&mut t, o, &api, &route_ids)?;
    add_stage(&mut t, o, &api, &deployment)?;
    add_outputs(&mut t, o, &api, &table, authorizer.as_ref())?;
    Ok(Expansion {
        project: project.clone(),
        stacks: vec![StackTemplate::single(project, t)],
        packages,
    })
}

/// CHAT-1: the WebSocket API (routes chosen by the message's `action`).
fn add_websocket_api(t: &mut Template) -> Result<LogicalId, Error> {
    Ok(t.add(
        "ChatApi",
        Api {
            description: Some("Chat: $connect, $disconnect and sendmessage".into()),
            name: Some(sub("${AWS::StackName}-chat").into()),
            protocol_type: Some("WEBSOCKET".into()),
            route_selection_expression: Some("$request.body.action".into()),
            ..Api::default()
        },
    )?
    .satisfies(&["CHAT-1"])
    .id()
    .clone())
}

/// CHAT-2: open connections, forgotten by TTL when a disconnect is missed.
fn add_connections_table(t: &mut Template, o: &Options) -> Result<LogicalId, Error> {
    Table {
        id: "ConnectionsTable",
        partition_key: "connectionId",
        retain: o.retain.connections_table,
        requirements: &["CHAT-2"],
        ttl_attribute: Some(TTL_ATTRIBUTE),
        ..Default::default()
    }
    .add_to(t)
}

/// CHAT-1: who may connect: the Cognito authorizer (returned), IAM, or
/// anyone (with a warning).
fn add_connect_authorization(
    t: &mut Template,
    o: &Options,
    code: &CodeSource,
    assets: &LogicalId,
    api: &LogicalId,
    packages: &mut Vec<Package>,
) -> Result<Option<ConnectAuth>, Error> {
    Ok(match o.connect_authorization {
        ConnectAuthorization::Cognito => {
            Some(add_connect_authorizer(t, o, code, assets, api, packages)?)
        }
        ConnectAuthorization::Iam => None,
        ConnectAuthorization::None => {
            t.warnings.push(
                "chat: `connect_authorization: none` lets anyone open a connection and broadcast to every user, with no sign-in".into(),
            );
            None
        }
    })
}

/// What every route's function and integration are built from.
struct RouteContext<'a> {
    o: &'a Options,
    code: &'a CodeSource,
    assets: &'a LogicalId,
    api: &'a LogicalId,
    table: &'a LogicalId,
    authorizer: Option<&'a ConnectAuth>,
}

/// CHAT-2, CHAT-3: the environment and permissions of route `r`'s function
/// (record, forget, or read, prune and post to connections).
fn route_function_access(
    chat: &RouteContext,
    r: &RouteSpec,
) -> (IndexMap<String, Value<String>>, Vec<Statement>) {
    let (o, api, table) = (chat.o, chat.api, chat.table);
    let stage = o.stage_name.as_str();
    let table_arn: Value<String> = table.get_att("Arn");
    let mut env: IndexMap<String, Value<String>> = IndexMap::new();
    env.insert("TABLE_NAME".into(), table.r#ref());
    let statements = match r.code {
        "connect" => {
            env.insert(
                "CONNECTION_TTL_SECONDS".into(),
                (o.connection_ttl_hours.get() * 3600).to_string().into(),
            );
            vec![
                Statement::allow(&["dynamodb:PutItem"], vec![table_arn.clone()])
                    .sid("RecordConnection"),
            ]
        }
        "disconnect" => {
            vec![
                Statement::allow(&["dynamodb:DeleteItem"], vec![table_arn.clone()])
                    .sid("ForgetConnection"),
            ]
        }
        _ => {
            env.insert(
                "CONNECTIONS_ENDPOINT".into(),
                sub(format!(
                    "https://${{{api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{stage}"
                ))
                .into(),
            );
            env.insert(
                "MAX_MESSAGE_BYTES".into(),
                o.max_message_bytes.get().to_string().into(),
            );
            vec![
                Statement::allow(
                    &["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:Scan"],
                    vec![table_arn.clone()],
                )
                .sid("ReadAndPruneConnections"),
                // CHAT-3: post to connections of this API's stage, nothing else.
                Statement::allow(
                    &["execute-api:ManageConnections"],
                    vec![arn(&format!(
                        "execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/{stage}/POST/@connections/*"
                    ))],
                )
                .sid("PostToThisApiOnly"),
            ]
        }
    };
    (env, statements)
}

/// CHAT-1 (with the route's CHAT-2 or CHAT-3): route `r`'s function, its
/// integration, the route and the permission to invoke the function; returns
/// the route.
fn add_route(
    t: &mut Template,
    chat: &RouteContext,
    r: &RouteSpec,
    packages: &mut Vec<Package>,
) -> Result<LogicalId, Error> {
    let (o, api) = (chat.o, chat.api);
    let stage = o.stage_name.as_str();
    let c1: &[&str] = &["CHAT-1"];
    let package = chat.code.package_for(r.code, o.function.architecture)?;
    let (env, statements) = route_function_access(chat, r);
    let function = LambdaFunction {
        name: r.function,
        description: r.description,
        package: &package,
        assets_bucket: chat.assets,
        handler: "handler.handler",
        memory_mb: o.function.memory_mb.get_u32(),
        timeout_s: o.function.timeout_seconds.get_u32(),
        architecture: o.function.architecture.as_str(),
        environment: env,
        statements,
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc: None,
        requirements: r.requirements,
    }
    .add_to(t)?
    .function;
    if !packages.iter().any(|p| p.key == package.key) {
        packages.push(package);
    }
    let integration = t
        .add(
            &format!("{}Integration", r.name),
            Integration {
                description: Some(format!("{} -> {function}", r.key).into()),
                integration_uri: Some(
                    sub(format!(
                        "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{function}.Arn}}/invocations"
                    ))
                    .into(),
                ),
                ..Integration::new(api.r#ref(), "AWS_PROXY")
            },
        )?
        .satisfies(c1)
        .id()
        .clone();
    let route = t
        .add(
            &format!("{}Route", r.name),
            Route {
                authorization_type: Some(
                    match (r.key, o.connect_authorization) {
                        ("$connect", ConnectAuthorization::Cognito) => "CUSTOM",
                        ("$connect", ConnectAuthorization::Iam) => "AWS_IAM",
                        _ => "NONE",
                    }
                    .into(),
                ),
                authorizer_id: chat
                    .authorizer
                    .filter(|_| r.key == "$connect")
                    .map(|a| a.authorizer.r#ref()),
                operation_name: Some(r.name.into()),
                target: Some(sub(format!("integrations/${{{integration}}}")).into()),
                ..Route::new(api.r#ref(), r.key)
            },
        )?
        .satisfies(r.requirements)
        .id()
        .clone();
    t.add(
        &format!("{}Permission", r.function),
        Permission {
            source_account: None,
            source_arn: Some(arn(&format!(
                "execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/{stage}/{}",
                r.key
            ))),
            ..Permission::new(
                "lambda:InvokeFunction",
                function.get_att("Arn"),
                "apigateway.amazonaws.com",
            )
        },
    )?
    .satisfies(c1);
    Ok(route)
}

/// CHAT-1: the deployment, a snapshot: a new logical ID when the routes
/// change.
fn add_deployment(
    t: &mut Template,
    o: &Options,
    api: &LogicalId,
    route_ids: &[LogicalId],
) -> Result<LogicalId, Error> {
    // A deployment is a snapshot: a new logical ID when the routes change.
    let mut h = Sha256::new();
    for r in ROUTES {
        h.update(format!("{} {:?}\n", r.key, o.connect_authorization));
    }
    let digest = hex(&h.finalize());
    let deployment = t.add(
        &format!("ChatDeployment{}", &digest[..10]),
        Deployment {
            description: Some(format!("routes {}", &digest[..10]).into()),
            ..Deployment::new(api.r#ref())
        },
    )?;
    for r in route_ids {
        deployment.depends_on(r);
    }
    deployment.satisfies(&["CHAT-1"]);
    Ok(deployment.id().clone())
}

/// CHAT-1: the stage (throttled, access-logged), with the account's
/// logging role as an option.
fn add_stage(
    t: &mut Template,
    o: &Options,
    api: &LogicalId,
    deployment: &LogicalId,
) -> Result<(), Error> {
    let stage = o.stage_name.as_str();
    let c1: &[&str] = &["CHAT-1"];
    let access_logs = add_log_group(t, "ChatAccessLogs", o.log_retention_days.get(), c1)?;
    let account = if o.manage_account_logging_role {
        Some(crate::components::rest_api::add_api_account(
            t,
            "Chat",
            &["CHAT-1"],
        )?)
    } else {
        None
    };
    let stage_res = t.add(
        "ChatStage",
        Stage {
            access_log_settings: Some(
                AccessLogSettings {
                    destination_arn: Some(access_logs.get_att("Arn")),
                    format: Some(ACCESS_LOG_FORMAT.into()),
                }
                .into(),
            ),
            default_route_settings: Some(
                RouteSettings {
                    data_trace_enabled: Some(false.into()),
                    detailed_metrics_enabled: Some(true.into()),
                    logging_level: Some("ERROR".into()),
                    throttling_burst_limit: Some(o.throttle_burst.get_u32().into()),
                    throttling_rate_limit: Some((o.throttle_rate_per_second.get() as f64).into()),
                }
                .into(),
            ),
            deployment_id: Some(deployment.r#ref()),
            description: Some(format!("The `{stage}` stage").into()),
            ..Stage::new(api.r#ref(), stage)
        },
    )?;
    stage_res.satisfies(c1);
    if let Some(account) = &account {
        stage_res.depends_on(account);
    }
    Ok(())
}

/// CHAT-1 to CHAT-3: the stack's outputs.
fn add_outputs(
    t: &mut Template,
    o: &Options,
    api: &LogicalId,
    table: &LogicalId,
    authorizer: Option<&ConnectAuth>,
) -> Result<(), Error> {
    let stage = o.stage_name.as_str();
    t.output(
        "WebSocketUrl",
        "Connect here (wss://)",
        sub(format!("${{{api}.ApiEndpoint}}/{stage}")).into(),
        None,
    )?;
    t.output(
        "ConnectionsEndpoint",
        "The management API for posting to connections",
        sub(format!(
            "https://${{{api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{stage}"
        ))
        .into(),
        None,
    )?;
    t.output(
        "ConnectionsTableName",
        "Open connections",
        table.r#ref(),
        None,
    )?;
    if let Some(a) = authorizer {
        t.output(
            "UserPoolId",
            "Users sign up and sign in here",
            a.pool.r#ref(),
            None,
        )?;
        t.output(
            "UserPoolClientId",
            "The app client; connect with ?token=<its ID or access token>",
            a.client.r#ref(),
            None,
        )?;
    }
    Ok(())
}

/// The user pool and the `$connect` authorizer of `connect_authorization:
/// cognito`.
struct ConnectAuth {
    pool: LogicalId,
    client: LogicalId,
    authorizer: LogicalId,
}

/// CHAT-1: the user pool, the authorizer function (it checks a token's
/// signature against the pool's published keys, its issuer, app client and
/// expiry) and the `REQUEST` authorizer that runs it on `$connect`.
fn add_connect_authorizer(
    t: &mut Template,
    o: &Options,
    code: &CodeSource,
    assets: &LogicalId,
    api: &LogicalId,
    packages: &mut Vec<Package>,
) -> Result<ConnectAuth, Error> {
    let req: &[&str] = &["CHAT-1"];
    let users = UserAuth {
        name: "Users",
        password_min_length: o.user_pool.password_min_length.get_u32(),
        mfa: MfaConfiguration::Off,
        groups: &[],
        retain: o.retain.user_pool,
        authenticated_statements: None,
        requirements: req,
        identity_requirements: &[],
    }
    .add_to_with(
        t,
        PoolExtras {
            client_name: "chat",
            post_confirmation: None,
        },
    )?;
    let package = code.package_for("authorizer", o.function.architecture)?;
    let mut env: IndexMap<String, Value<String>> = IndexMap::new();
    env.insert("USER_POOL_ID".into(), users.pool.r#ref());
    env.insert("APP_CLIENT_ID".into(), users.client.r#ref());
    let function = LambdaFunction {
        name: "ConnectAuthorizer",
        description: "Lets a WebSocket connect only with a valid token of this stack's user pool",
        package: &package,
        assets_bucket: assets,
        handler: "handler.handler",
        memory_mb: o.function.memory_mb.get_u32(),
        timeout_s: o.function.timeout_seconds.get_u32().min(10),
        architecture: o.function.architecture.as_str(),
        environment: env,
        statements: Vec::new(),
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc: None,
        requirements: req,
    }
    .add_to(t)?
    .function;
    packages.push(package);
    let authorizer = t
        .add(
            "ChatConnectAuthorizer",
            Authorizer {
                authorizer_uri: Some(
                    sub(format!(
                        "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{function}.Arn}}/invocations"
                    ))
                    .into(),
                ),
                identity_source: Some(
                    vec![format!("route.request.querystring.{TOKEN_QUERY_STRING}").into()].into(),
                ),
                ..Authorizer::new(api.r#ref(), "REQUEST", "cognito-token")
            },
        )?
        .satisfies(req)
        .id()
        .clone();
    t.add(
        "ConnectAuthorizerPermission",
        Permission {
            source_account: None,
            source_arn: Some(arn(&format!(
                "execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/authorizers/${{{authorizer}}}"
            ))),
            ..Permission::new(
                "lambda:InvokeFunction",
                function.get_att("Arn"),
                "apigateway.amazonaws.com",
            )
        },
    )?
    .satisfies(req);
    Ok(ConnectAuth {
        pool: users.pool,
        client: users.client,
        authorizer,
    })
}

impl super::SharedOptions for Options {
    fn lambda(&self) -> Option<&LambdaOptions> {
        Some(&self.lambda)
    }

    fn security(&self) -> &crate::config::security::SecurityOptions {
        &self.security
    }
}
