//! The `services:` option: each service, its name, base path and routes,
//! checked together (names, paths, logical IDs, schemas).

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use schemars::{json_schema, JsonSchema};
use serde::de::{Deserializer, Error as _};
use serde::Deserialize;

use super::inputs::{EnvVars, Inputs};
use super::options::Options;
use super::schema;
use super::schema::{NamedSchemas, RequestSpec, Responses};
use crate::assets::CodeSource;
use crate::components::rest_api::path_id;
use crate::config::queue::{QueueOptions, TopicOptions};
use crate::config::schema::{text, value_schema};
use crate::config::Ranged;
use crate::error::Error;

/// The services, validated together: unique names, logical IDs and base
/// paths, and settings that depend on one another.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Services(pub Vec<Service>);

impl std::ops::Deref for Services {
    type Target = Vec<Service>;
    fn deref(&self) -> &Vec<Service> {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Services {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list = Vec::<Service>::deserialize(d)?;
        validate_services(&list).map_err(D::Error::custom)?;
        Ok(Services(list))
    }
}

value_schema!(Services, |g| {
    json_schema!({
        "type": "array",
        "description": "The services (MICRO-1): unique names, logical IDs and base paths",
        "items": g.subschema_for::<Service>(),
        "minItems": 1,
    })
});

/// Environment variables the blueprint sets itself.
pub(super) const OWN_VARIABLES: &[&str] = &[
    "API_URL",
    "BASE_PATH",
    "BUCKET_NAME",
    "SERVICE_NAME",
    "STREAM_NAME",
    "TABLE_NAME",
];

pub(super) fn validate_services(list: &[Service]) -> Result<(), String> {
    if list.is_empty() {
        return Err("options.services: list at least one service".into());
    }
    let mut names = BTreeMap::new();
    let mut ids = BTreeMap::new();
    let mut paths = BTreeMap::new();
    for (i, s) in list.iter().enumerate() {
        let n = s.name.as_str();
        if let Some(first) = names.insert(n, i) {
            return Err(format!(
                "options.services[{i}].name: service `{n}` is listed twice (services {} and {})",
                first + 1,
                i + 1
            ));
        }
        if let Some(other) = ids.insert(s.logical(), n) {
            return Err(format!(
                "options.services[{i}].name: services `{other}` and `{n}` both become logical ID `{}Service`; rename one",
                s.logical()
            ));
        }
        if let Some(other) = paths.insert(s.base_path().to_string(), n) {
            return Err(format!(
                "options.services[{i}]: services `{other}` and `{n}` both use base path `/{}`",
                s.base_path()
            ));
        }
        let mut routes = HashSet::new();
        let mut route_ids = BTreeMap::new();
        for (j, r) in s.routes.iter().enumerate() {
            if !routes.insert((r.method, r.path.as_str())) {
                return Err(format!(
                    "options.services[{i}].routes[{j}]: service `{n}`: route {} {} is listed twice",
                    r.method, r.path
                ));
            }
            let id = path_id(r.path.as_str());
            if let Some(other) = route_ids.insert(id.clone(), r.path.as_str()) {
                if other != r.path.as_str() {
                    return Err(format!(
                        "options.services[{i}].routes[{j}].path: service `{n}`: paths `{other}` and `{}` both become logical ID `Api{id}Resource`; rename one",
                        r.path
                    ));
                }
            }
        }
        check_sibling_variables(s).map_err(|e| format!("options.services[{i}].{e}"))?;
        if s.routes.len() > MAX_ROUTES {
            return Err(format!(
                "options.services[{i}].routes: service `{n}` has {} routes; at most {MAX_ROUTES} fit in its stack",
                s.routes.len()
            ));
        }
        for key in s.environment.0.keys() {
            if OWN_VARIABLES.contains(&key.as_str()) {
                return Err(format!(
                    "options.services[{i}].environment.{key}: service `{n}`: environment variable `{key}` is set by the blueprint; choose another name"
                ));
            }
        }
        if let Some(q) = s.queue() {
            if q.batch_size.get() > 10 && q.max_batching_window_seconds.get() == 0 {
                return Err(format!(
                    "options.services[{i}].inputs.queue.batch_size: service `{n}`: batch_size {} needs max_batching_window_seconds of at least 1 (SQS batches over 10 messages need a batching window)",
                    q.batch_size
                ));
            }
        }
        if s.routes.is_empty() && s.inputs.is_empty() {
            return Err(format!(
                "options.services[{i}]: service `{n}` has neither routes nor inputs: nothing would ever invoke it"
            ));
        }
    }
    Ok(())
}

/// API Gateway allows one path variable (`{id}` or `{proxy+}`) among the
/// children of a path: `/{id}` beside `/{userId}` is refused at deploy time,
/// so refuse it here, naming both routes. The message starts with the
/// second route's key path within the service (`routes[3]: ...`).
pub(super) fn check_sibling_variables(s: &Service) -> Result<(), String> {
    let mut variables: BTreeMap<String, (&str, &RouteSpec)> = BTreeMap::new();
    for (j, r) in s.routes.iter().enumerate() {
        let segments = r.path.segments();
        for (i, seg) in segments.iter().enumerate() {
            if !seg.starts_with('{') {
                continue;
            }
            let parent = segments[..i].join("/");
            match variables.get(&parent) {
                Some((other_seg, other)) if other_seg != seg => {
                    let under = if parent.is_empty() {
                        format!("/{}", s.base_path())
                    } else {
                        format!("/{}/{parent}", s.base_path())
                    };
                    return Err(format!(
                        "routes[{j}].path: service `{}`: routes `{} {}` and `{} {}` put two different path variables (`{other_seg}` and `{seg}`) under `{under}`; API Gateway allows one per path: give them the same name",
                        s.name.as_str(),
                        other.method,
                        other.path,
                        r.method,
                        r.path
                    ));
                }
                Some(_) => {}
                None => {
                    variables.insert(parent, (seg, r));
                }
            }
        }
    }
    Ok(())
}

/// Routes one service may have (each is one or two resources of its stack).
pub const MAX_ROUTES: usize = 100;

pub(super) fn default_memory() -> Ranged<128, 10_240> {
    Ranged::of(256)
}

pub(super) fn default_timeout() -> Ranged<1, 900> {
    Ranged::of(10)
}

/// One service (MICRO-1).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Lowercase letters, digits and hyphens; its logical ID prefix is the
    /// name in PascalCase (`order-history` → `OrderHistory`).
    pub name: ServiceName,
    /// The path segment the routes live under; the name by default.
    #[serde(default)]
    pub base_path: Option<PathSegment>,
    /// The folder under `functions/` with the handler; the name by default.
    /// Services with identical code share one package.
    #[serde(default)]
    pub code: Option<ServiceName>,
    #[serde(default = "default_memory")]
    pub memory_mb: Ranged<128, 10_240>,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: Ranged<1, 900>,
    #[serde(default)]
    pub environment: EnvVars,
    /// A DynamoDB table of the service's own (partition key `id`).
    #[serde(default)]
    pub table: bool,
    #[serde(default)]
    pub routes: Vec<RouteSpec>,
    #[serde(default)]
    pub inputs: Inputs,
}

impl Service {
    /// The logical ID prefix: the name in PascalCase.
    pub fn logical(&self) -> String {
        self.name
            .as_str()
            .split('-')
            .map(|part| {
                let mut c = part.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect()
    }

    /// The base path segment.
    pub fn base_path(&self) -> &str {
        self.base_path
            .as_ref()
            .map_or(self.name.as_str(), PathSegment::as_str)
    }

    /// The folder under `functions/` with the service's code.
    pub fn code_dir(&self) -> &str {
        self.code
            .as_ref()
            .map_or(self.name.as_str(), |c| c.as_str())
    }

    /// The queue the service consumes: its own, or the default one a topic
    /// input fans out to.
    pub fn queue(&self) -> Option<QueueOptions> {
        match (&self.inputs.queue, &self.inputs.topic) {
            (Some(q), _) => Some(q.clone()),
            (None, Some(_)) => Some(QueueOptions::default()),
            (None, None) => None,
        }
    }
}

/// A service name: `[a-z][a-z0-9-]*`, at most 32 characters, no `--`, not
/// ending in `-`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceName(String);

impl ServiceName {
    pub fn new(s: &str) -> Result<Self, String> {
        let ok = (1..=32).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.ends_with('-')
            && !s.contains("--");
        if ok {
            Ok(ServiceName(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not a valid service name: 1 to 32 lowercase letters, digits and single hyphens, starting with a letter (it becomes a logical ID: `order-history` → `OrderHistory`)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for ServiceName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::config::deserialize_text(d, "a service name", ServiceName::new)
    }
}

value_schema!(
    ServiceName,
    text(
        "A service name: lowercase letters, digits and single hyphens, starting with a letter",
        "^[a-z][a-z0-9]*(-[a-z0-9]+)*$",
        1,
        32
    )
);

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One path segment: letters, digits, `-`, `_` and `.`, 1 to 64 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathSegment(String);

impl PathSegment {
    pub fn new(s: &str) -> Result<Self, String> {
        let ok = (1..=64).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && s.chars().any(|c| c.is_ascii_alphanumeric());
        if ok {
            Ok(PathSegment(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not a valid base path: one path segment of letters, digits, `-`, `_` and `.` (no `/`), at most 64 characters"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for PathSegment {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PathSegment::new(&s).map_err(D::Error::custom)
    }
}

value_schema!(
    PathSegment,
    text(
        "One path segment of letters, digits, `-`, `_` and `.` (no `/`)",
        "^[A-Za-z0-9._-]*[A-Za-z0-9][A-Za-z0-9._-]*$",
        1,
        64
    )
);

/// An HTTP method of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    /// Every method.
    Any,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Any => "ANY",
        }
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A route's path under its service's base path: `/`, `/{orderId}`,
/// `/{orderId}/items`, or a greedy `/{proxy+}` at the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutePath(String);

impl RoutePath {
    pub fn new(s: &str) -> Result<Self, String> {
        let rule = "a route path starts with `/` and has segments of letters, digits, `-`, `_`, `.`, or `{param}` (a greedy `{param+}` only last), like `/{orderId}/items`";
        if s == "/" {
            return Ok(RoutePath(s.to_string()));
        }
        let Some(rest) = s.strip_prefix('/') else {
            return Err(format!("`{s}` does not start with `/`: {rule}"));
        };
        let segments: Vec<&str> = rest.split('/').collect();
        if segments.len() > 10 {
            return Err(format!("`{s}` has more than 10 segments"));
        }
        let mut params = HashSet::new();
        for (i, seg) in segments.iter().enumerate() {
            let ok = if let Some(inner) = seg.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
                let (name, greedy) = match inner.strip_suffix('+') {
                    Some(n) => (n, true),
                    None => (inner, false),
                };
                let valid_name = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if valid_name && !params.insert(name.to_string()) {
                    return Err(format!("`{s}` uses the parameter `{name}` twice"));
                }
                valid_name && (!greedy || i == segments.len() - 1)
            } else {
                !seg.is_empty()
                    && seg
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            };
            if !ok {
                return Err(format!("`{s}` is not a valid route path: {rule}"));
            }
        }
        Ok(RoutePath(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path segments (none for `/`).
    pub fn segments(&self) -> Vec<&str> {
        self.0.split('/').filter(|s| !s.is_empty()).collect()
    }
}

impl<'de> Deserialize<'de> for RoutePath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::config::deserialize_text(d, "a route path (like `/{orderId}`)", RoutePath::new)
    }
}

value_schema!(
    RoutePath,
    text(
        "A route path: `/`, or segments of letters, digits, `-`, `_`, `.` or `{param}` (a greedy `{param+}` only last), like `/{orderId}/items`",
        r"^/$|^(/([A-Za-z0-9._-]+|\{[A-Za-z_][A-Za-z0-9_]*\})){0,9}(/([A-Za-z0-9._-]+|\{[A-Za-z_][A-Za-z0-9_]*\+?\}))$",
        1,
        2048
    )
);

impl fmt::Display for RoutePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One route of a service.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// GET, POST, PUT, PATCH, DELETE or ANY.
    pub method: HttpMethod,
    pub path: RoutePath,
    /// MICRO-4: the JSON body's schema (POST, PUT, PATCH): in the OpenAPI
    /// document and, on a REST API, an API Gateway model its requests are
    /// validated against.
    #[serde(default)]
    pub request: Option<RequestSpec>,
    /// MICRO-4: the documented responses by status code (OpenAPI only).
    #[serde(default)]
    pub responses: Responses,
}

/// The checks of the routes' schemas that span options: a request body
/// only where a method has one, every `$ref` resolving, no recursion.
pub(super) fn check_schemas(services: &Services, named: &NamedSchemas) -> Result<(), String> {
    for (name, s) in &named.0 {
        schema::check_refs(&format!("options.schemas.{}", name.as_str()), &s.0, named)?;
    }
    for (i, s) in services.iter().enumerate() {
        for (j, r) in s.routes.iter().enumerate() {
            let at = format!("options.services[{i}].routes[{j}]");
            if let Some(req) = &r.request {
                check_request(&at, s, r, req, named)?;
            }
            for (code, resp) in &r.responses.0 {
                if resp.schema.is_some() && resp.schema_file.is_some() {
                    return Err(format!(
                        "{at}.responses.{code}.schema_file: give the response's `schema` or its `schema_file`, not both"
                    ));
                }
                if *code == 204 && resp.schema_file.is_some() {
                    return Err(format!(
                        "{at}.responses.{code}: a 204 No Content response has no body: leave out its schema_file"
                    ));
                }
                if let Some(body) = &resp.schema {
                    if *code == 204 {
                        return Err(format!(
                            "{at}.responses.{code}: a 204 No Content response has no body: leave out its schema"
                        ));
                    }
                    schema::check_refs(&format!("{at}.responses.{code}.schema"), &body.0, named)?;
                }
            }
        }
    }
    Ok(())
}

/// A route's `request`: something to check, a body only where a method has
/// one, every `$ref` resolving.
pub(super) fn check_request(
    at: &str,
    s: &Service,
    r: &RouteSpec,
    req: &RequestSpec,
    named: &NamedSchemas,
) -> Result<(), String> {
    if !req.validates() {
        return Err(format!(
            "{at}.request: service `{}`: route {} {}: give the body's `schema`, `query` parameters, or both",
            s.name, r.method, r.path
        ));
    }
    if req.schema.is_some() && req.schema_file.is_some() {
        return Err(format!(
            "{at}.request.schema_file: give the body's `schema` or its `schema_file`, not both"
        ));
    }
    let takes_body = matches!(
        r.method,
        HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch
    );
    if (req.schema.is_some() || req.schema_file.is_some()) && !takes_body {
        let key = if req.schema.is_some() {
            "schema"
        } else {
            "schema_file"
        };
        return Err(format!(
            "{at}.request.{key}: service `{}`: route {} {} has a request body schema, but only POST, PUT and PATCH routes take a body here",
            s.name, r.method, r.path
        ));
    }
    if let Some(body) = &req.schema {
        schema::check_refs(&format!("{at}.request.schema"), &body.0, named)?;
    }
    for (name, q) in &req.query.0 {
        if let Some(value) = &q.schema {
            schema::check_refs(
                &format!("{at}.request.query.{name}.schema"),
                &value.0,
                named,
            )?;
        }
    }
    Ok(())
}

/// The options with every `schema_file` read into its `schema` (checked,
/// `$ref`s resolved), or as they are when no route has one. The files are
/// relative to the project directory (next to blueprint.yaml).
pub fn with_schema_files<'a>(
    o: &'a Options,
    code: &CodeSource,
) -> Result<std::borrow::Cow<'a, Options>, Error> {
    let uses_files = o.services.iter().flat_map(|s| &s.routes).any(|r| {
        r.request.as_ref().is_some_and(|q| q.schema_file.is_some())
            || r.responses.0.values().any(|p| p.schema_file.is_some())
    });
    if !uses_files {
        return Ok(std::borrow::Cow::Borrowed(o));
    }
    let project = code.project_root();
    let mut out = o.clone();
    let named = o.schemas.clone();
    let load = |at: String, file: &schema::SchemaFile| -> Result<schema::Schema, Error> {
        let loaded = schema::load_schema_file(project, file)
            .map_err(|e| Error::User(format!("{at}: {e}")))?;
        schema::check_refs(&at, &loaded.0, &named).map_err(Error::User)?;
        Ok(loaded)
    };
    for (i, s) in out.services.0.iter_mut().enumerate() {
        for (j, r) in s.routes.iter_mut().enumerate() {
            let at = format!("options.services[{i}].routes[{j}]");
            if let Some(req) = r.request.as_mut() {
                if let Some(file) = req.schema_file.take() {
                    req.schema = Some(load(format!("{at}.request.schema_file"), &file)?);
                }
            }
            for (code, resp) in r.responses.0.iter_mut() {
                if let Some(file) = resp.schema_file.take() {
                    resp.schema = Some(load(format!("{at}.responses.{code}.schema_file"), &file)?);
                }
            }
        }
    }
    Ok(std::borrow::Cow::Owned(out))
}

/// The two example services of the documented defaults.
pub(super) fn example_services() -> Vec<Service> {
    let route = |method, path: &str| RouteSpec {
        method,
        path: RoutePath::new(path).unwrap_or_else(|_| unreachable!()),
        request: None,
        responses: Responses::default(),
    };
    let users = Service {
        name: ServiceName::new("users").unwrap_or_else(|_| unreachable!()),
        base_path: Some(PathSegment::new("users").unwrap_or_else(|_| unreachable!())),
        code: Some(ServiceName::new("users").unwrap_or_else(|_| unreachable!())),
        memory_mb: default_memory(),
        timeout_seconds: default_timeout(),
        environment: EnvVars::default(),
        table: true,
        routes: vec![
            route(HttpMethod::Get, "/"),
            route(HttpMethod::Post, "/"),
            route(HttpMethod::Get, "/{userId}"),
            route(HttpMethod::Put, "/{userId}"),
            route(HttpMethod::Delete, "/{userId}"),
        ],
        inputs: Inputs::default(),
    };
    let orders = Service {
        name: ServiceName::new("orders").unwrap_or_else(|_| unreachable!()),
        base_path: Some(PathSegment::new("orders").unwrap_or_else(|_| unreachable!())),
        code: Some(ServiceName::new("orders").unwrap_or_else(|_| unreachable!())),
        routes: vec![
            route(HttpMethod::Get, "/"),
            route(HttpMethod::Post, "/"),
            route(HttpMethod::Get, "/{orderId}"),
            route(HttpMethod::Delete, "/{orderId}"),
        ],
        inputs: Inputs {
            queue: Some(QueueOptions::default()),
            topic: Some(TopicOptions::default()),
            stream: None,
            bucket: None,
        },
        ..users.clone()
    };
    vec![users, orders]
}

#[cfg(test)]
mod tests {
    use super::super::routes::operation_id;
    use super::*;

    #[test]
    fn service_names_become_logical_ids() {
        let s = Service {
            name: ServiceName::new("order-history").unwrap(),
            ..example_services().remove(0)
        };
        assert_eq!(s.logical(), "OrderHistory");
        assert!(ServiceName::new("Orders").is_err());
        assert!(ServiceName::new("a--b").is_err());
        assert!(ServiceName::new("a-").is_err());
        assert!(ServiceName::new("1a").is_err());
        assert!(ServiceName::new(&"a".repeat(33)).is_err());
        assert_eq!(
            operation_id(&s, "GET", &RoutePath::new("/{id}/items").unwrap()),
            "orderHistoryGetIdItems"
        );
    }

    #[test]
    fn route_paths() {
        for ok in ["/", "/{id}", "/a/{b}/c", "/{proxy+}", "/v1.2/x-y_z"] {
            assert!(RoutePath::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "x",
            "//",
            "/a/",
            "/{a}/{a}",
            "/{proxy+}/x",
            "/{}",
            "/a b",
            "/{1x}",
        ] {
            assert!(RoutePath::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn services_are_checked_together() {
        let mut list = example_services();
        list[1].name = ServiceName::new("users").unwrap();
        assert!(validate_services(&list)
            .unwrap_err()
            .contains("listed twice"));
        let mut list = example_services();
        list[1].base_path = Some(PathSegment::new("users").unwrap());
        assert!(validate_services(&list)
            .unwrap_err()
            .contains("base path `/users`"));
        let mut list = example_services();
        list[1].name = ServiceName::new("a1").unwrap();
        list[0].name = ServiceName::new("a-1").unwrap();
        assert!(validate_services(&list)
            .unwrap_err()
            .contains("logical ID `A1Service`"));
        let mut list = example_services();
        let again = list[0].routes[0].clone();
        list[0].routes.push(again);
        assert!(validate_services(&list)
            .unwrap_err()
            .contains("listed twice"));
        assert!(validate_services(&example_services()).is_ok());
    }
}
