//! `microservices`: many services behind one API (MICRO-1 to MICRO-5).
//!
//! Each service is its own nested stack: its function, its routes under its
//! own base path, an optional table and optional asynchronous inputs (SQS
//! queue with a dead-letter queue, SNS topic fanned out to the queue, Kinesis
//! stream, S3 event triggers). A change to one service changes only its
//! nested template. The root stack holds what the services share: a REST API
//! and its stage, or with `front: alb` an Application Load Balancer with one
//! listener rule per service, each signing users in (Cognito or OIDC) before
//! it forwards. `blueprint openapi` exports every route as
//! OpenAPI 3 (MICRO-4). A root over CloudFormation's limits is split into
//! overflow stacks by synthesis, each service being one unit (MICRO-5, see
//! [`crate::split`]).

mod alb;
mod api_gateway;
mod http_api;
mod inputs;
pub mod openapi;
mod options;
mod routes;
pub mod schema;
mod service;
mod services;

use std::collections::HashSet;

use indexmap::IndexMap;

use crate::assets::CodeSource;
use crate::blueprints::{Blueprint, Expansion, OpenApi, ProjectInfo, Requirement, StackTemplate};
use crate::cfn::{Template, Value};
use crate::components::assets::{assets_parameter, ASSETS_BUCKET};
pub use crate::config::queue::{QueueOptions, TopicOptions};
use crate::error::Error;
pub use openapi::{builtin_code, openapi, OPENAPI_VERSION};
use schema::RequestSpec;

use alb::add_load_balancer;
use api_gateway::{add_rest_api, add_stage};
use http_api::{add_http_api, add_http_stage};
pub use inputs::*;
pub use options::*;
pub use routes::{operation_id, route_key};
use service::{service_parameters, service_template};
pub use services::*;

/// The `microservices` blueprint (see the module's documentation).
pub struct Microservices;

impl Blueprint for Microservices {
    type Options = Options;

    const NAME: &'static str = "microservices";
    const SUMMARY: &'static str =
        "Microservices: a nested stack per service behind one API Gateway (or ALB), async inputs (SQS, SNS, Kinesis, S3), OpenAPI export, splits past CloudFormation's limits";

    const REQUIREMENTS: &'static [Requirement] = &[
        Requirement { id: "MICRO-1", text: "Many services talking REST, each scaling and deploying on its own: one nested stack per service with its own function and routes; a shared API Gateway with one base path per service" },
        Requirement { id: "MICRO-2", text: "Synchronous pattern: API Gateway (or an Application Load Balancer, `front: alb`) in front of each service" },
        Requirement { id: "MICRO-3", text: "Asynchronous patterns per service: SQS queue with a dead-letter queue, SNS topic fanned out to the queue, Kinesis stream, or S3 event triggers" },
        Requirement { id: "MICRO-4", text: "Client SDK generation: the API exported as OpenAPI 3 (`blueprint openapi`), operation names on every method" },
        Requirement { id: "MICRO-5", text: "Grows past CloudFormation's limits: services are nested stacks, and a stack over 500 resources or the size limits is split into overflow nested stacks by itself" },
        Requirement { id: "API-OPTIONS", text: crate::components::api_options::API_OPTIONS_TEXT },
    ];

    const OPENAPI: Option<OpenApi<Options>> = Some(openapi);

    fn expand(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Expansion, Error> {
        expand(project, o, code)
    }
}

/// The parameters of a service's nested stack, besides `AssetsBucket`.
const P_API_URL: &str = "ApiUrl";
const P_REST_API: &str = "RestApiId";
const P_HTTP_API: &str = "HttpApiId";
const P_ROOT_RESOURCE: &str = "RootResourceId";
const P_LISTENER: &str = "ListenerArn";
/// `front: alb` with the user pool the root creates: its ARN, app client
/// and domain, for the services' `authenticate-cognito` actions.
const P_USER_POOL_ARN: &str = "UserPoolArn";
const P_USER_POOL_CLIENT: &str = "UserPoolClientId";
const P_USER_POOL_DOMAIN: &str = "UserPoolDomain";
const P_USER_POOL: [&str; 3] = [P_USER_POOL_ARN, P_USER_POOL_CLIENT, P_USER_POOL_DOMAIN];

/// Expands the blueprint: the root stack with one nested stack per service.
pub fn expand(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Expansion, Error> {
    let o = &*with_schema_files(o, code)?;
    let mut seen = HashSet::new();
    for s in o.services.iter().filter(|s| seen.insert(s.code_dir())) {
        if !code.has_code(s.code_dir()) {
            return Err(Error::User(format!(
                "service `{}` has no code: create the folder {} (next to blueprint.yaml) with its handler.py, or set the service's `code:` to a folder that has one",
                s.name,
                code.project_dir(s.code_dir())
            )));
        }
    }
    let folders: Vec<&str> = o.services.iter().map(Service::code_dir).collect();
    let packages = code.package_all(&folders, o.architecture)?;

    let mut root = Template::new(format!(
        "blueprint microservices: {} service{} behind one {} (stack {})",
        o.services.len(),
        if o.services.len() == 1 { "" } else { "s" },
        match o.front {
            Front::ApiGateway if o.api.is_http() => "HTTP API",
            Front::ApiGateway => "REST API",
            Front::Alb => "Application Load Balancer",
        },
        project.stack_name
    ));
    root.split_requirements = vec!["MICRO-5"];
    let assets = root.parameter(ASSETS_BUCKET, assets_parameter())?;

    if o.front == Front::ApiGateway && o.api.authorization == Authorization::None {
        root.warnings.push("microservices: options.api.authorization is none: anyone on the internet may call every route without signing any request".into());
    }
    if let Some(warning) = unenforced_schemas(o) {
        root.warnings.push(warning);
    }
    let front = match o.front {
        Front::ApiGateway if o.api.is_http() => add_http_api(&mut root, o)?,
        Front::ApiGateway => add_rest_api(&mut root, o)?,
        Front::Alb => add_load_balancer(&mut root, o)?,
    };

    // The services' templates are independent of one another: build them on
    // every core, then add them in order.
    let indexed: Vec<(usize, &Service)> = o.services.iter().enumerate().collect();
    let children = crate::parallel::in_parallel(&indexed, |(i, s)| {
        let package = packages
            .get(s.code_dir())
            .ok_or_else(|| Error::Internal(format!("no package for `{}`", s.code_dir())))?;
        service_template(project, o, s, *i, package)
    });
    let mut with_routes = Vec::new();
    for (s, child) in o.services.iter().zip(children) {
        let child = child?;
        let mut params = IndexMap::new();
        params.insert(ASSETS_BUCKET.to_string(), assets.r#ref());
        let wanted = service_parameters(o, s);
        params.extend(
            front
                .parameters
                .iter()
                .filter(|(k, _)| k.as_str() == P_API_URL || wanted.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        let id = format!("{}Service", s.logical());
        let mut requirements = vec!["MICRO-1", "MICRO-5"];
        if !s.routes.is_empty() {
            requirements.push("MICRO-2");
        }
        if !s.inputs.is_empty() {
            requirements.push("MICRO-3");
        }
        let res = root
            .add_nested(&id, params, child)?
            .unit(s.name.as_str())
            .satisfies(&requirements);
        if !s.routes.is_empty() {
            with_routes.push(res.id().clone());
        }
    }
    if o.front == Front::ApiGateway && o.api.is_http() {
        add_http_stage(&mut root, o, &with_routes)?;
    } else if o.front == Front::ApiGateway {
        add_stage(&mut root, o, &with_routes)?;
    }
    root.output("ApiUrl", "The API's base URL", front.url, None)?;

    Ok(Expansion {
        project: project.clone(),
        stacks: vec![StackTemplate::single(project, root)],
        packages: packages.packages,
    })
}

/// MICRO-4: HTTP APIs and load balancers validate no request bodies, so
/// the routes' request schemas are documented (OpenAPI) but not enforced.
fn unenforced_schemas(o: &Options) -> Option<String> {
    let front = match o.front {
        Front::ApiGateway if o.api.is_http() => "an HTTP API (api.type: http)",
        Front::ApiGateway => return None,
        Front::Alb => "an Application Load Balancer (front: alb)",
    };
    let routes: Vec<String> = o
        .services
        .iter()
        .flat_map(|s| {
            s.routes
                .iter()
                .filter(|r| r.request.as_ref().is_some_and(RequestSpec::validates))
                .map(move |r| route_key(s, r))
        })
        .collect();
    (!routes.is_empty()).then(|| {
        format!(
            "microservices: {front} validates no requests: the request schemas and query parameters of {} are in the OpenAPI document but not enforced; the functions must check their requests themselves (api.type: rest enforces them)",
            routes.join(", ")
        )
    })
}

/// What the root gives every service stack.
struct FrontIds {
    parameters: IndexMap<String, Value<String>>,
    url: Value<String>,
}
