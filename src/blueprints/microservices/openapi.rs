//! `blueprint openapi` for the microservices blueprint (MICRO-4): every route
//! of every service as an OpenAPI 3.0 document, typed where the route's
//! handler is the built-in `users` or `orders` code or the route declares
//! its schemas (see [`schema`](super::schema)).

use serde_json::{json, Value as Json};

use super::schema::{self as schema, RequestSpec};
use super::{
    operation_id, Authorization, Front, HttpMethod, Options, RoutePath, RouteSpec, Service,
};
use crate::assets::CodeSource;
use crate::blueprints::{Blueprint, ProjectInfo};
use crate::components::rest_api::title;
use crate::error::Error;

/// The OpenAPI version written.
pub const OPENAPI_VERSION: &str = "3.0.3";

/// The API as an OpenAPI 3 document: every route of every service, one tag
/// per service, `operationId`s matching the methods' operation names.
pub fn openapi(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Json, Error> {
    let o = &*super::with_schema_files(o, code)?;
    let mut paths = serde_json::Map::new();
    let mut builtins_used = std::collections::BTreeSet::new();
    for s in o.services.iter() {
        let builtin = builtin_code(code, s);
        for r in &s.routes {
            let full = if r.path.as_str() == "/" {
                format!("/{}", s.base_path())
            } else {
                format!("/{}{}", s.base_path(), r.path)
            };
            let item = paths
                .entry(full.clone())
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .ok_or_else(|| Error::Internal("path item".into()))?;
            let params = path_parameters(&r.path);
            if !params.is_empty() {
                item.insert("parameters".into(), Json::Array(params));
            }
            let methods: Vec<HttpMethod> = match r.method {
                HttpMethod::Any => vec![
                    HttpMethod::Get,
                    HttpMethod::Post,
                    HttpMethod::Put,
                    HttpMethod::Patch,
                    HttpMethod::Delete,
                ],
                m => vec![m],
            };
            for m in methods {
                let key = m.as_str().to_ascii_lowercase();
                // An explicit route wins over ANY on the same path.
                if r.method == HttpMethod::Any
                    && s.routes.iter().any(|x| x.path == r.path && x.method == m)
                {
                    continue;
                }
                let op_name = if r.method == HttpMethod::Any {
                    format!("{}{}", operation_id(s, "ANY", &r.path), title(m.as_str()))
                } else {
                    operation_id(s, m.as_str(), &r.path)
                };
                let built_in = builtin.and_then(|c| {
                    builtin_item(&r.path)
                        .and_then(|item| schema::builtin_operation(c, m.as_str(), item))
                });
                if built_in.is_some() {
                    builtins_used.extend(builtin);
                }
                let mut op = json!({
                    "operationId": op_name,
                    "tags": [s.name.as_str()],
                    "summary": format!("{} {} (service `{}`)", m.as_str(), full, s.name),
                    "responses": operation_responses(o, r, built_in.as_ref()),
                });
                let query = query_parameters(r, built_in.as_ref());
                if !query.is_empty() {
                    op["parameters"] = Json::Array(query);
                }
                let body = |schema: Json| json!({"application/json": {"schema": schema}});
                let declared = r.request.as_ref().and_then(|q| q.schema.as_ref());
                if let Some(declared) = declared {
                    op["requestBody"] =
                        json!({"required": true, "content": body(declared.0.clone())});
                    if let Some(d) = r.request.as_ref().and_then(|q| q.description.as_ref()) {
                        op["requestBody"]["description"] = json!(d);
                    }
                } else if let Some(name) = built_in.as_ref().and_then(|b| b.request) {
                    op["requestBody"] = json!({"required": true,
                        "content": body(json!({"$ref": format!("{}{name}", schema::REF_PREFIX)}))});
                } else if matches!(m, HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch) {
                    op["requestBody"] = json!({"required": false,
                        "content": body(json!({"type": "object"}))});
                }
                if o.front == Front::ApiGateway && o.api.authorization == Authorization::Iam {
                    op["security"] = json!([{"sigv4": []}]);
                }
                item.insert(key, op);
            }
        }
    }
    let server = server(project, o);
    let components = components(o, &builtins_used);
    Ok(json!({
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": format!("{} API", project.stack_name),
            "version": "1.0.0",
            "description": format!("blueprint microservices: {} service{} (stack {}, region {})",
                o.services.len(), if o.services.len() == 1 { "" } else { "s" }, project.stack_name, project.region)
        },
        "servers": [server],
        "tags": o.services.iter().map(|s| json!({"name": s.name.as_str(),
            "description": format!("Service `{}` under /{}", s.name, s.base_path())})).collect::<Vec<_>>(),
        "paths": paths,
        "components": components,
    }))
}

/// The parameters of a route's path: one per `{name}` segment.
fn path_parameters(path: &RoutePath) -> Vec<Json> {
    path.segments()
        .iter()
        .filter_map(|seg| seg.strip_prefix('{').and_then(|x| x.strip_suffix('}')))
        .map(|name| {
            json!({"name": name, "in": "path", "required": true,
                   "schema": {"type": "string"}})
        })
        .collect()
}

/// The server the document names: the custom domain, the API's default
/// endpoint, or the load balancer.
fn server(project: &ProjectInfo, o: &Options) -> Json {
    match (o.front, &o.api.domain) {
        (Front::ApiGateway, Some(d)) => json!({
            "url": format!("https://{}", d.name),
            "description": "The API's custom domain (the stack's `ApiUrl` output)"
        }),
        (Front::ApiGateway, None) if o.api.is_http() => json!({
            "url": format!("https://{{apiId}}.execute-api.{}.amazonaws.com", project.region),
            "description": "The stack's `ApiUrl` output",
            "variables": {"apiId": {"default": "apiId", "description": "The HTTP API's ID"}}
        }),
        (Front::ApiGateway, None) => json!({
            "url": format!("https://{{restApiId}}.execute-api.{}.amazonaws.com/{}", project.region, o.api.stage_name.as_str()),
            "description": "The stack's `ApiUrl` output",
            "variables": {"restApiId": {"default": "restApiId", "description": "The REST API's ID"}}
        }),
        (Front::Alb, _) => json!({
            "url": "https://{host}",
            "description": "The load balancer (the stack's `ApiUrl` output) or the certificate's domain",
            "variables": {"host": {"default": "example.com", "description": "The host name clients use"}}
        }),
    }
}

/// The document's components: the built-in schemas the routes use, the
/// project's named schemas, and SigV4 when the API takes IAM authorization.
fn components(o: &Options, builtins_used: &std::collections::BTreeSet<&str>) -> Json {
    let mut schemas = serde_json::Map::new();
    for (name, body) in schema::builtin_schemas() {
        let used = name == "Error"
            || (name.starts_with("User") && builtins_used.contains("users"))
            || (name.starts_with("Order") && builtins_used.contains("orders"));
        if used {
            schemas.insert(name.to_string(), body);
        }
    }
    for (name, body) in &o.schemas.0 {
        schemas.insert(name.as_str().to_string(), body.0.clone());
    }
    let mut components = json!({ "schemas": schemas });
    if o.front == Front::ApiGateway && o.api.authorization == Authorization::Iam {
        components["securitySchemes"] = json!({"sigv4": {
            "type": "apiKey", "name": "Authorization", "in": "header",
            "description": "AWS Signature Version 4 (IAM authorization)",
            "x-amazon-apigateway-authtype": "awsSigv4"}});
    }
    components
}

/// The built-in handler (`users` or `orders`) that serves `s`: its code
/// folder is a built-in one, and the project has no folder of that name or
/// one whose packaged files are the built-in ones (as `blueprint new` writes
/// them). Changed code is the project's own: its bodies are what the
/// routes declare.
pub fn builtin_code(code: &CodeSource, s: &Service) -> Option<&'static str> {
    let dir = s.code_dir();
    let name = ["users", "orders"].into_iter().find(|b| *b == dir)?;
    let CodeSource::Project { functions_dir, .. } = code else {
        return Some(name);
    };
    if !functions_dir.join(dir).is_dir() {
        return Some(name);
    }
    let built_in = CodeSource::BuiltIn {
        blueprint: super::Microservices::NAME.to_string(),
    };
    match (code.files(dir), built_in.files(dir)) {
        (Ok((_, own)), Ok((_, theirs))) if own == theirs => Some(name),
        _ => None,
    }
}

/// Whether a route's path is the built-in handlers' collection (`/`, false)
/// or item (`/{id}`, true); `None` for any other path.
fn builtin_item(path: &RoutePath) -> Option<bool> {
    match path.segments().as_slice() {
        [] => Some(false),
        [one] if one.starts_with('{') && !one.ends_with("+}") => Some(true),
        _ => None,
    }
}

/// The query parameters of an operation: its built-in handler's, then the
/// route's own (which replace a built-in one of the same name).
fn query_parameters(r: &RouteSpec, built_in: Option<&schema::BuiltinOperation>) -> Vec<Json> {
    let declared = r.request.as_ref().map(|q| &q.query.0);
    let mut out: Vec<Json> = built_in
        .map(|b| b.query.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| {
            let name = p["name"].as_str().unwrap_or_default();
            !declared.is_some_and(|d| d.contains_key(name))
        })
        .collect();
    for (name, q) in declared.into_iter().flatten() {
        let mut p = json!({"name": name, "in": "query", "required": q.required,
            "schema": q.schema.as_ref().map_or_else(|| json!({"type": "string"}), |s| s.0.clone())});
        if let Some(d) = &q.description {
            p["description"] = json!(d);
        }
        out.push(p);
    }
    out
}

/// The `responses` of an operation: those the route declares, else those
/// its built-in handler answers, else a generic JSON object; and always
/// `default`, an error from the function or API Gateway.
fn operation_responses(
    o: &Options,
    r: &RouteSpec,
    built_in: Option<&schema::BuiltinOperation>,
) -> Json {
    let error = json!({"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}});
    let mut out = serde_json::Map::new();
    if !r.responses.0.is_empty() {
        for (code, resp) in &r.responses.0 {
            let mut v = json!({"description": resp.description.clone()
                .unwrap_or_else(|| schema::reason(*code).to_string())});
            if let Some(body) = &resp.schema {
                v["content"] = json!({"application/json": {"schema": body.0}});
            }
            out.insert(code.to_string(), v);
        }
    } else if let Some(b) = built_in {
        let (code, body) = b.success;
        let mut v = json!({"description": schema::reason(code)});
        if let Some(name) = body {
            v["content"] = json!({"application/json": {"schema":
                {"$ref": format!("{}{name}", schema::REF_PREFIX)}}});
        }
        out.insert(code.to_string(), v);
        for code in b.errors {
            out.insert(
                code.to_string(),
                json!({"description": schema::reason(*code), "content": error.clone()}),
            );
        }
    } else {
        out.insert(
            "200".into(),
            json!({"description": "Success",
                   "content": {"application/json": {"schema": {"type": "object"}}}}),
        );
    }
    // On a REST API the request validator answers 400 itself.
    let validated = r.request.as_ref().is_some_and(RequestSpec::validates)
        && o.front == Front::ApiGateway
        && !o.api.is_http();
    if validated && !out.contains_key("400") {
        out.insert(
            "400".into(),
            json!({"description": "The request does not match its schema or lacks a required query parameter (answered by API Gateway)",
                   "content": error.clone()}),
        );
    }
    out.insert(
        "default".into(),
        json!({"description": "An error: from the service (`error`) or from API Gateway (`message`)",
               "content": error}),
    );
    Json::Object(out)
}
