//! A service's routes on each front: operation names, REST resources and
//! methods with their validators and models, HTTP API routes, ALB rules.

use indexmap::IndexMap;

use super::api_gateway::public_cache_key;
use super::options::{Authorization, Options};
use super::schema;
use super::schema::RequestSpec;
use super::services::{RoutePath, RouteSpec, Service};
use crate::cfn::intrinsic::{select, sub, Expr, Intrinsic};
use crate::cfn::resources::apigateway::{
    Integration, IntegrationType, Method, Model, RequestValidator, Resource as ApiResource,
};
use crate::cfn::resources::elasticloadbalancingv2 as elb;
use crate::cfn::resources::lambda::Permission;
use crate::cfn::{LogicalId, Pseudo, Template, Value};
use crate::components::arn;
use crate::components::http_api::{self};
use crate::components::rest_api::{path_id, title};
use crate::error::Error;

/// The operation name (OpenAPI `operationId`) of a route: `usersGetUserId`.
pub fn operation_id(service: &Service, method: &str, path: &RoutePath) -> String {
    let logical = service.logical();
    let mut c = logical.chars();
    let lower = c
        .next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default();
    format!("{lower}{}{}", title(method), path_id(path.as_str()))
}

/// A route's key on the shared API: `GET /users/{userId}`, `GET /users` for `/`.
pub fn route_key(service: &Service, route: &RouteSpec) -> String {
    format!(
        "{} {}",
        route.method.as_str(),
        full_path(service, route.path.as_str())
    )
}

/// A service's route path under its base path (`/users/{userId}`, `/users`).
pub(super) fn full_path(service: &Service, path: &str) -> String {
    if path == "/" {
        format!("/{}", service.base_path())
    } else {
        format!("/{}{path}", service.base_path())
    }
}

/// A service's routes on the shared REST API: its base path resource, one
/// resource per deeper path segment, one method per route, and the
/// permissions for API Gateway to invoke the function.
pub(super) fn add_routes(
    t: &mut Template,
    o: &Options,
    s: &Service,
    api: &LogicalId,
    root: &LogicalId,
    function: &LogicalId,
) -> Result<(), Error> {
    let resources = add_path_resources(t, s, api, root)?;
    let uri: Value<String> = sub(format!(
        "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{function}.Arn}}/invocations"
    ))
    .into();
    let auth = match o.api.authorization {
        Authorization::Iam => "AWS_IAM",
        Authorization::None => "NONE",
    };
    let validator = add_request_validator(t, s, api)?;
    for r in &s.routes {
        let model = add_request_model(t, o, s, r, api)?;
        let resource = resources
            .get(r.path.as_str())
            .ok_or_else(|| Error::Internal(format!("no resource for {}", r.path)))?;
        let cache_key = public_cache_key(o, s, r);
        let method = t
            .add(
                &format!(
                    "Api{}{}",
                    path_id(r.path.as_str()),
                    title(r.method.as_str())
                ),
                Method {
                    api_key_required: o.api.usage_plan.as_ref().map(|_| true.into()),
                    authorization_type: Some(auth.into()),
                    integration: Some(
                        Integration {
                            cache_key_parameters: cache_key.as_ref().map(|k| {
                                k.iter()
                                    .map(|(name, _)| name.clone().into())
                                    .collect::<Vec<_>>()
                                    .into()
                            }),
                            integration_http_method: Some("POST".into()),
                            uri: Some(uri.clone()),
                            ..Integration::new(IntegrationType::AwsProxy)
                        }
                        .into(),
                    ),
                    operation_name: Some(operation_id(s, r.method.as_str(), &r.path).into()),
                    request_parameters: method_parameters(cache_key, r).map(|p| {
                        p.into_iter()
                            .map(|(name, required)| (name, required.into()))
                            .collect::<IndexMap<_, _>>()
                            .into()
                    }),
                    request_models: model.as_ref().map(|m| {
                        IndexMap::from([("application/json".to_string(), m.r#ref())]).into()
                    }),
                    request_validator_id: validator
                        .as_ref()
                        .filter(|_| r.request.as_ref().is_some_and(RequestSpec::validates))
                        .map(LogicalId::r#ref),
                    ..Method::new(r.method.as_str(), resource.r#ref(), api.r#ref())
                },
            )?
            .satisfies(&["MICRO-1", "MICRO-2", "MICRO-4"]);
        if o.api.authorization == Authorization::None {
            method.accepts_risk(
                "CKV_AWS_59",
                "the project opened every route (options.api.authorization: none, warned at synth)",
            );
        }
    }
    add_invoke_permissions(t, o, s, api, function)?;
    Ok(())
}

/// The service's base path resource and one resource per deeper path
/// segment of its routes, by path (`/` for the base).
fn add_path_resources(
    t: &mut Template,
    s: &Service,
    api: &LogicalId,
    root: &LogicalId,
) -> Result<IndexMap<String, LogicalId>, Error> {
    let req: &[&str] = &["MICRO-1", "MICRO-2"];
    let base = t
        .add(
            "ApiResource",
            ApiResource::new(root.r#ref(), s.base_path(), api.r#ref()),
        )?
        .satisfies(req)
        .id()
        .clone();
    let mut resources: IndexMap<String, LogicalId> = IndexMap::new();
    resources.insert("/".to_string(), base);
    for r in &s.routes {
        let segments = r.path.segments();
        for depth in 1..=segments.len() {
            let prefix = format!("/{}", segments[..depth].join("/"));
            if resources.contains_key(&prefix) {
                continue;
            }
            let parent_path = if depth == 1 {
                "/".to_string()
            } else {
                format!("/{}", segments[..depth - 1].join("/"))
            };
            let parent = resources
                .get(&parent_path)
                .map(LogicalId::r#ref)
                .ok_or_else(|| Error::Internal(format!("no parent for {prefix}")))?;
            let id = t
                .add(
                    &format!("Api{}Resource", path_id(&prefix)),
                    ApiResource::new(parent, segments[depth - 1], api.r#ref()),
                )?
                .satisfies(req)
                .id()
                .clone();
            resources.insert(prefix, id);
        }
    }
    Ok(resources)
}

/// API Gateway may invoke the function for this service's paths only.
fn add_invoke_permissions(
    t: &mut Template,
    o: &Options,
    s: &Service,
    api: &LogicalId,
    function: &LogicalId,
) -> Result<(), Error> {
    let req: &[&str] = &["MICRO-1", "MICRO-2"];
    let stage = o.api.stage_name.as_str();
    let base = s.base_path();
    let mut scopes = Vec::new();
    if s.routes.iter().any(|r| r.path.as_str() == "/") {
        scopes.push(("ApiPermission", format!("/{base}")));
    }
    if s.routes.iter().any(|r| r.path.as_str() != "/") {
        scopes.push(("ApiSubPathPermission", format!("/{base}/*")));
    }
    for (id, path) in scopes {
        t.add(
            id,
            Permission {
                source_account: None,
                source_arn: Some(arn(&format!(
                    "execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/{stage}/*{path}"
                ))),
                ..Permission::new(
                    "lambda:InvokeFunction",
                    function.get_att("Arn"),
                    "apigateway.amazonaws.com",
                )
            },
        )?
        .satisfies(req);
    }
    Ok(())
}

/// A method's `RequestParameters`: its cache key's, and the query string
/// parameters its route declares (MICRO-4), each required or not.
pub(super) fn method_parameters(
    cache_key: Option<Vec<(String, bool)>>,
    r: &RouteSpec,
) -> Option<IndexMap<String, bool>> {
    let mut out: IndexMap<String, bool> = cache_key.unwrap_or_default().into_iter().collect();
    if let Some(req) = &r.request {
        for (name, q) in &req.query.0 {
            out.insert(format!("method.request.querystring.{name}"), q.required);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// MICRO-4: the service's request validator, when a route of it declares a
/// request schema or query parameters: bodies against their models, and
/// (when a route declares query parameters) required parameters present.
/// One per service stack: `ApiRequestValidator`.
pub(super) fn add_request_validator(
    t: &mut Template,
    s: &Service,
    api: &LogicalId,
) -> Result<Option<LogicalId>, Error> {
    let requests: Vec<&RequestSpec> = s
        .routes
        .iter()
        .filter_map(|r| r.request.as_ref().filter(|q| q.validates()))
        .collect();
    if requests.is_empty() {
        return Ok(None);
    }
    let id = t
        .add(
            "ApiRequestValidator",
            RequestValidator {
                name: Some(format!("{}-requests", s.name).into()),
                validate_request_body: Some(true.into()),
                validate_request_parameters: Some(
                    requests.iter().any(|q| !q.query.0.is_empty()).into(),
                ),
                ..RequestValidator::new(api.r#ref())
            },
        )?
        .satisfies(&["MICRO-2", "MICRO-4"])
        .id()
        .clone();
    Ok(Some(id))
}

/// MICRO-4: a route's request schema as an API Gateway model (draft 4,
/// named schemas inlined), `Api<Path><Method>Model`: named after the route,
/// like its method, so adding, removing or reordering routes and services
/// renames nothing.
pub(super) fn add_request_model(
    t: &mut Template,
    o: &Options,
    s: &Service,
    r: &RouteSpec,
    api: &LogicalId,
) -> Result<Option<LogicalId>, Error> {
    let Some(body) = r.request.as_ref().and_then(|q| q.schema.as_ref()) else {
        return Ok(None);
    };
    let body = schema::model_schema(&body.0, &o.schemas).map_err(Error::Internal)?;
    let id = t
        .add(
            &format!(
                "Api{}{}Model",
                path_id(r.path.as_str()),
                title(r.method.as_str())
            ),
            Model {
                content_type: Some("application/json".into()),
                description: Some(format!("Request body of {}", route_key(s, r)).into()),
                schema: Some(body),
                ..Model::new(api.r#ref())
            },
        )?
        .satisfies(&["MICRO-2", "MICRO-4"])
        .id()
        .clone();
    Ok(Some(id))
}

/// `type: http`: a service's routes on the shared HTTP API, its Lambda proxy
/// integration, and the permissions for its paths only.
pub(super) fn add_http_routes(
    t: &mut Template,
    o: &Options,
    s: &Service,
    api: &LogicalId,
    function: &LogicalId,
) -> Result<(), Error> {
    let req: &[&str] = &["MICRO-1", "MICRO-2"];
    let integration = http_api::add_integration(t, "ApiIntegration", &api.r#ref(), function, req)?;
    let auth = match o.api.authorization {
        Authorization::Iam => "AWS_IAM",
        Authorization::None => "NONE",
    };
    for r in &s.routes {
        http_api::add_route(
            t,
            &api.r#ref(),
            &integration,
            http_api::RouteSpec {
                id: format!(
                    "Api{}{}Route",
                    path_id(r.path.as_str()),
                    title(r.method.as_str())
                ),
                key: route_key(s, r),
                operation_name: Some(operation_id(s, r.method.as_str(), &r.path)),
                authorization: auth,
                authorizer: None,
            },
            &["MICRO-1", "MICRO-2", "MICRO-4"],
        )?;
    }
    let base = s.base_path();
    if s.routes.iter().any(|r| r.path.as_str() == "/") {
        http_api::add_permission(
            t,
            "ApiPermission",
            api,
            function,
            &format!("*/*/{base}"),
            req,
        )?;
    }
    if s.routes.iter().any(|r| r.path.as_str() != "/") {
        http_api::add_permission(
            t,
            "ApiSubPathPermission",
            api,
            function,
            &format!("*/*/{base}/*"),
            req,
        )?;
    }
    Ok(())
}

/// A service behind the load balancer: a Lambda target group and a listener
/// rule for its base path (priority: its position in the list, stable as
/// services are added) that signs the user in (`sign_in`) and then forwards.
pub(super) fn add_alb_routes(
    t: &mut Template,
    s: &Service,
    index: usize,
    listener: &LogicalId,
    function: &LogicalId,
    sign_in: Option<elb::ListenerRuleAction>,
) -> Result<(), Error> {
    let req: &[&str] = &["MICRO-1", "MICRO-2"];
    // A name known before the target group exists scopes the permission
    // without a dependency cycle: `<service>-<first 8 of the stack UUID>`.
    let short: String = s.name.as_str().chars().take(23).collect();
    let short = short.trim_end_matches('-');
    let mut vars = IndexMap::new();
    vars.insert(
        "StackShortId".to_string(),
        Expr::from(select(
            0,
            Intrinsic::Split(
                "-".into(),
                select(
                    2,
                    Intrinsic::Split("/".into(), Intrinsic::Ref("AWS::StackId".into()).into()),
                )
                .into(),
            ),
        )),
    );
    let name: Value<String> =
        Intrinsic::SubWith(format!("{short}-${{StackShortId}}"), vars.clone()).into();
    let source: Value<String> = Intrinsic::SubWith(
        format!(
            "arn:${{AWS::Partition}}:elasticloadbalancing:${{AWS::Region}}:${{AWS::AccountId}}:targetgroup/{short}-${{StackShortId}}/*"
        ),
        vars,
    )
    .into();
    let permission = t
        .add(
            "AlbPermission",
            Permission {
                source_account: Some(Pseudo::AccountId.r#ref()),
                source_arn: Some(source),
                ..Permission::new(
                    "lambda:InvokeFunction",
                    function.get_att("Arn"),
                    "elasticloadbalancing.amazonaws.com",
                )
            },
        )?
        .satisfies(req)
        .id()
        .clone();
    let tg = t
        .add(
            "TargetGroup",
            elb::TargetGroup {
                name: Some(name),
                target_type: Some(elb::TargetType::Lambda.into()),
                targets: Some(vec![elb::TargetDescription::new(function.get_att("Arn"))].into()),
                ..Default::default()
            },
        )?
        .depends_on(&permission)
        .satisfies(req)
        .id()
        .clone();
    let base = s.base_path();
    let actions = match sign_in {
        Some(sign_in) => vec![
            sign_in.ordered(1),
            elb::ListenerRuleAction::forward(tg.r#ref()).ordered(2),
        ],
        None => vec![elb::ListenerRuleAction::forward(tg.r#ref())],
    };
    t.add(
        "ListenerRule",
        elb::ListenerRule {
            listener_arn: Some(listener.r#ref()),
            ..elb::ListenerRule::new(
                actions,
                vec![elb::RuleCondition::path_patterns(vec![
                    format!("/{base}").into(),
                    format!("/{base}/*").into(),
                ])],
                i64::try_from(index + 1).unwrap_or(i64::MAX),
            )
        },
    )?
    .satisfies(&["MICRO-1", "MICRO-2", "MICRO-4"]);
    Ok(())
}
