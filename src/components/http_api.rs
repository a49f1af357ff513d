//! An API Gateway HTTP API (API-OPTIONS `type: http`): Lambda proxy
//! integrations, one route per method and path, an optional
//! JWT authorizer on a Cognito user pool, and the `$default` stage, deployed
//! automatically, with JSON access logs and throttling.

use indexmap::IndexMap;

use crate::cfn::intrinsic::sub;
use crate::cfn::resources::apigatewayv2::{
    AccessLogSettings, Api, Authorizer, Integration, JwtConfiguration, Route as HttpRoute,
    RouteSettings, Stage,
};
use crate::cfn::resources::lambda::Permission;
use crate::cfn::{LogicalId, Template, Value};
use crate::components::api_options::{add_http_domain, route_settings, API_OPTIONS};
use crate::components::arn;
use crate::components::log_group::add_log_group;
use crate::components::rest_api::{path_id, title, Route};
use crate::config::api_options::{ApiDomain, RouteKey, RouteThrottle};
use crate::error::Error;

/// The stage every HTTP API here uses: deployed on every change, no path prefix.
pub const DEFAULT_STAGE: &str = "$default";

/// The Lambda event format of the integrations. `1.0` is the REST API's
/// proxy event (`httpMethod`, `resource`, `path`, and the JWT's claims under
/// `requestContext.authorizer.claims`), so the blueprints' handlers serve a
/// REST and an HTTP API alike; `2.0` would need every handler to read
/// `routeKey`, `rawPath` and `requestContext.authorizer.jwt.claims` too.
pub const PAYLOAD_FORMAT_VERSION: &str = "1.0";

/// The JSON access log line format of HTTP APIs.
pub const HTTP_ACCESS_LOG_FORMAT: &str = r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","user":"$context.authorizer.claims.sub","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength","integrationLatency":"$context.integrationLatency"}"#;

/// A Cognito user pool and the app client whose tokens the API accepts.
#[derive(Clone, Copy, Debug)]
pub struct JwtIssuer<'a> {
    /// The Cognito user pool.
    pub user_pool: &'a LogicalId,
    /// Its app client (the JWT audience).
    pub client: &'a LogicalId,
}

/// The stage's throttling.
#[derive(Clone, Copy, Debug)]
pub struct HttpThrottling<'a> {
    /// Requests per second.
    pub rate: u32,
    /// Requests at once.
    pub burst: u32,
    /// Limits of single routes.
    pub routes: &'a IndexMap<RouteKey, RouteThrottle>,
}

/// How to build an HTTP API whose routes all go to one function.
pub struct HttpApi<'a> {
    /// Logical ID prefix (`Api` gives `Api`, `ApiStage`, ...).
    pub name: &'a str,
    /// The API's description.
    pub description: &'a str,
    /// Its routes.
    pub routes: &'a [Route],
    /// The function behind every route.
    pub function: &'a LogicalId,
    /// Authorize every route with a JWT from this user pool.
    pub jwt: Option<JwtIssuer<'a>>,
    /// Request rate limits.
    pub throttling: HttpThrottling<'a>,
    /// Days its access logs are kept.
    pub log_retention_days: u32,
    /// Requirement IDs the resources serve (their `BlueprintRequirements` metadata).
    pub requirements: &'a [&'a str],
    /// Requirement IDs served by the authorizer.
    pub auth_requirements: &'a [&'a str],
    /// A custom domain: the API is then reached only through it (the
    /// default `execute-api` endpoint is off).
    pub domain: Option<&'a ApiDomain>,
}

/// The IDs other resources need.
pub struct HttpApiIds {
    /// The API.
    pub api: LogicalId,
    /// Its stage.
    pub stage: LogicalId,
}

/// Adds the `AWS::ApiGatewayV2::Api` (protocol HTTP). With a custom domain
/// the default `execute-api` endpoint is turned off, so clients reach the API
/// only through the domain and its TLS 1.2 policy.
pub fn add_api(
    t: &mut Template,
    name: &str,
    description: &str,
    requirements: &[&str],
    custom_domain: bool,
) -> Result<LogicalId, Error> {
    Ok(t.add(
        name,
        Api {
            description: Some(description.into()),
            disable_execute_api_endpoint: custom_domain.then_some(true.into()),
            name: Some(sub(format!("${{AWS::StackName}}-{}", name.to_ascii_lowercase())).into()),
            protocol_type: Some("HTTP".into()),
            ..Api::default()
        },
    )?
    .satisfies(requirements)
    .satisfies(&[API_OPTIONS])
    .id()
    .clone())
}

/// The API's base URL (the `$default` stage has no path prefix).
pub fn url(api: &LogicalId) -> Value<String> {
    sub(format!(
        "https://${{{api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"
    ))
    .into()
}

/// Adds the `$default` stage with access logs and throttling; it waits for
/// `routes` so per-route settings find them.
pub fn add_stage(
    t: &mut Template,
    name: &str,
    api: &LogicalId,
    throttling: HttpThrottling<'_>,
    log_retention_days: u32,
    routes: &[LogicalId],
    requirements: &[&str],
) -> Result<LogicalId, Error> {
    let access_logs = add_log_group(
        t,
        &format!("{name}AccessLogs"),
        log_retention_days,
        requirements,
    )?;
    let stage = t.add(
        &format!("{name}Stage"),
        Stage {
            access_log_settings: Some(
                AccessLogSettings {
                    destination_arn: Some(access_logs.get_att("Arn")),
                    format: Some(HTTP_ACCESS_LOG_FORMAT.into()),
                }
                .into(),
            ),
            auto_deploy: Some(true.into()),
            default_route_settings: Some(
                RouteSettings {
                    detailed_metrics_enabled: Some(true.into()),
                    throttling_burst_limit: Some(throttling.burst.into()),
                    throttling_rate_limit: Some(f64::from(throttling.rate).into()),
                    ..Default::default()
                }
                .into(),
            ),
            description: Some("The `$default` stage, deployed on every change".into()),
            route_settings: route_settings(throttling.routes).map(Into::into),
            ..Stage::new(api.r#ref(), DEFAULT_STAGE)
        },
    )?;
    for r in routes {
        stage.depends_on(r);
    }
    stage.satisfies(requirements).satisfies(&[API_OPTIONS]);
    Ok(stage.id().clone())
}

/// Adds the Lambda proxy integration of `function` (payload
/// [`PAYLOAD_FORMAT_VERSION`]).
pub fn add_integration(
    t: &mut Template,
    id: &str,
    api: &Value<String>,
    function: &LogicalId,
    requirements: &[&str],
) -> Result<LogicalId, Error> {
    Ok(t.add(
        id,
        Integration {
            description: Some(format!("Lambda proxy to {function}").into()),
            integration_uri: Some(function.get_att("Arn")),
            payload_format_version: Some(PAYLOAD_FORMAT_VERSION.into()),
            ..Integration::new(api.clone(), "AWS_PROXY")
        },
    )?
    .satisfies(requirements)
    .satisfies(&[API_OPTIONS])
    .id()
    .clone())
}

/// One route of an HTTP API.
pub struct RouteSpec<'a> {
    /// The route's logical ID.
    pub id: String,
    /// `GET /todos/{todoId}`.
    pub key: String,
    /// The name of its operation (OpenAPI's `operationId`).
    pub operation_name: Option<String>,
    /// `NONE`, `AWS_IAM` or `JWT`.
    pub authorization: &'a str,
    /// The authorizer's ID, for an authenticated route.
    pub authorizer: Option<Value<String>>,
}

/// Adds a route to `integration`.
pub fn add_route(
    t: &mut Template,
    api: &Value<String>,
    integration: &LogicalId,
    route: RouteSpec<'_>,
    requirements: &[&str],
) -> Result<LogicalId, Error> {
    Ok(t.add(
        &route.id,
        HttpRoute {
            authorization_type: Some(route.authorization.into()),
            authorizer_id: route.authorizer,
            operation_name: route.operation_name.map(Into::into),
            target: Some(sub(format!("integrations/${{{integration}}}")).into()),
            ..HttpRoute::new(api.clone(), route.key)
        },
    )?
    .satisfies(requirements)
    .satisfies(&[API_OPTIONS])
    .id()
    .clone())
}

/// Lets the API (any of its stages and routes, `source` under it) invoke `function`.
pub fn add_permission(
    t: &mut Template,
    id: &str,
    api: &LogicalId,
    function: &LogicalId,
    source: &str,
    requirements: &[&str],
) -> Result<(), Error> {
    t.add(
        id,
        Permission {
            source_account: None,
            source_arn: Some(arn(&format!(
                "execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/{source}"
            ))),
            ..Permission::new(
                "lambda:InvokeFunction",
                function.get_att("Arn"),
                "apigateway.amazonaws.com",
            )
        },
    )?
    .satisfies(requirements)
    .satisfies(&[API_OPTIONS]);
    Ok(())
}

impl HttpApi<'_> {
    /// Adds the API and everything it needs.
    pub fn add_to(&self, t: &mut Template) -> Result<HttpApiIds, Error> {
        self.add_to_opening(t, &|_| false)
    }

    /// Like [`HttpApi::add_to`], but the routes for which `open` is true
    /// take no authorizer even when the API has one.
    pub fn add_to_opening(
        &self,
        t: &mut Template,
        open: &dyn Fn(&Route) -> bool,
    ) -> Result<HttpApiIds, Error> {
        let n = self.name;
        let api = add_api(
            t,
            n,
            self.description,
            self.requirements,
            self.domain.is_some(),
        )?;
        let authorizer = match self.jwt {
            Some(jwt) => Some(
                t.add(
                    &format!("{n}Authorizer"),
                    Authorizer {
                        identity_source: Some(vec!["$request.header.Authorization".into()].into()),
                        jwt_configuration: Some(
                            JwtConfiguration {
                                audience: Some(vec![jwt.client.r#ref()].into()),
                                issuer: Some(
                                    sub(format!(
                                        "https://cognito-idp.${{AWS::Region}}.amazonaws.com/${{{}}}",
                                        jwt.user_pool
                                    ))
                                    .into(),
                                ),
                            }
                            .into(),
                        ),
                        ..Authorizer::new(api.r#ref(), "JWT", "cognito-user-pool")
                    },
                )?
                .satisfies(self.auth_requirements)
                .satisfies(&[API_OPTIONS])
                .id()
                .clone(),
            ),
            None => None,
        };
        let integration = add_integration(
            t,
            &format!("{n}Integration"),
            &api.r#ref(),
            self.function,
            self.requirements,
        )?;
        let mut routes = Vec::new();
        for r in self.routes {
            let route_authorizer = authorizer.as_ref().filter(|_| !open(r));
            let id = add_route(
                t,
                &api.r#ref(),
                &integration,
                RouteSpec {
                    id: format!("{n}{}{}Route", path_id(r.path), title(r.method)),
                    key: r.key(),
                    operation_name: None,
                    authorization: if route_authorizer.is_some() {
                        "JWT"
                    } else {
                        "NONE"
                    },
                    authorizer: route_authorizer.map(LogicalId::r#ref),
                },
                self.requirements,
            )?;
            if let (Some(_), Some(res)) = (route_authorizer, t.resource_mut(id.as_str())) {
                res.satisfies(self.auth_requirements);
            }
            routes.push(id);
        }
        let stage = add_stage(
            t,
            n,
            &api,
            self.throttling,
            self.log_retention_days,
            &routes,
            self.requirements,
        )?;
        add_permission(
            t,
            &format!("{n}InvokePermission"),
            &api,
            self.function,
            "*",
            self.requirements,
        )?;
        match self.domain {
            Some(domain) => add_http_domain(t, n, domain, &api, &stage)?,
            None => {
                t.output(&format!("{n}Url"), "The API's base URL", url(&api), None)?;
            }
        }
        Ok(HttpApiIds { api, stage })
    }
}
