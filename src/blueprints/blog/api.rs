//! BLOG-3 (and BLOG-2, BLOG-6): the API function, the optional DAX cluster it
//! reads posts through, and the REST API under `/api/*`.

use indexmap::IndexMap;

use super::thumbnails::{extension, uploads_bucket_name, uploads_objects_arn};
use super::{
    is_public, Blog, Options, AUTHORS_GROUP, PUBLIC_READS, ROUTES, THUMBNAILS_PREFIX,
    UPLOADS_PREFIX,
};
use crate::assets::Package;
use crate::cfn::policy::{Principal, Statement};
use crate::cfn::resources::lambda::VpcConfig;
use crate::cfn::{LogicalId, Template, Value};
use crate::components::api_options::{build_api_opening, BuiltApi};
use crate::components::dax::DaxCluster;
use crate::components::function::LambdaFunction;
use crate::components::http_api::JwtIssuer;
use crate::components::network::PrivateNetwork;
use crate::components::rest_api::{accept_open_route, RestApi};
use crate::components::user_auth::UserAuthIds;
use crate::error::Error;

/// BLOG-3, BLOG-6: the API function's environment (posts, presigned
/// uploads, thumbnails).
fn api_environment(o: &Options, posts: &LogicalId) -> IndexMap<String, Value<String>> {
    let uploads_open = o
        .auth
        .public_routes
        .iter()
        .any(|r| r == "POST /api/uploads");
    let mut api_env = IndexMap::new();
    api_env.insert("POSTS_TABLE".to_string(), posts.r#ref());
    api_env.insert("UPLOADS_BUCKET".to_string(), uploads_bucket_name());
    api_env.insert("UPLOADS_PREFIX".to_string(), UPLOADS_PREFIX.into());
    api_env.insert("UPLOADERS_GROUP".to_string(), AUTHORS_GROUP.into());
    if uploads_open {
        api_env.insert("UPLOADS_PUBLIC".to_string(), "true".into());
    }
    api_env.insert(
        "MAX_UPLOAD_BYTES".to_string(),
        (o.thumbnails.max_upload_mb.get() * 1024 * 1024)
            .to_string()
            .into(),
    );
    api_env.insert(
        "THUMBNAILS_PATH".to_string(),
        format!("/{THUMBNAILS_PREFIX}").into(),
    );
    api_env.insert(
        "THUMBNAIL_EXTENSION".to_string(),
        extension(o.thumbnails.format).into(),
    );
    api_env
}

/// BLOG-2: the network and DAX cluster the API function reads posts
/// through; adds its endpoint and permissions to the function's and
/// returns the function's VPC configuration.
fn add_dax(
    t: &mut Template,
    o: &Options,
    posts: &LogicalId,
    users: &LogicalId,
    api_env: &mut IndexMap<String, Value<String>>,
    api_statements: &mut Vec<Statement>,
) -> Result<VpcConfig, Error> {
    let network = PrivateNetwork {
        name: "Network",
        cidr: &o.dax.vpc_cidr,
        gateway_endpoints: vec![(
            "dynamodb",
            vec![Statement::allow(
                &[
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:Query",
                    "dynamodb:Scan",
                ],
                vec![posts.get_att("Arn"), users.get_att("Arn")],
            )
            .sid("ThisStacksTablesOnly")
            .principal(Principal::Everyone)],
        )],
        requirements: &["BLOG-2"],
    }
    .add_to(t)?;
    let dax = DaxCluster {
        name: "Dax",
        node_type: o.dax.node_type.as_str(),
        nodes: o.dax.nodes.get_u32(),
        vpc: &network.vpc,
        subnets: &network.subnets,
        tables: vec![posts.get_att("Arn")],
        record_ttl_ms: o.dax.item_ttl_seconds.get() * 1000,
        query_ttl_ms: o.dax.query_ttl_seconds.get() * 1000,
        requirements: &["BLOG-2"],
    }
    .add_to(t)?;
    api_env.insert(
        "DAX_ENDPOINT".to_string(),
        dax.cluster.get_att("ClusterDiscoveryEndpointURL"),
    );
    api_statements.push(
        Statement::allow(
            &["dax:GetItem", "dax:Query", "dax:Scan"],
            vec![dax.cluster.get_att("Arn")],
        )
        .sid("ReadPostsThroughDax"),
    );
    api_statements.extend(crate::components::function::network_interface_statements());
    let vpc = VpcConfig {
        security_group_ids: Some(vec![dax.client_security_group.get_att("GroupId")].into()),
        subnet_ids: Some(
            network
                .subnets
                .iter()
                .map(LogicalId::r#ref)
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

/// BLOG-3 (and BLOG-2 through DAX, BLOG-6 for uploads): the API function
/// and the API in front of it, its public reads accepted as open.
pub(super) fn add_api(
    t: &mut Template,
    b: &Blog,
    package: &Package,
    posts: &LogicalId,
    users: &LogicalId,
    auth: &UserAuthIds,
) -> Result<BuiltApi, Error> {
    let o = b.o;
    let posts_read = &["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"];
    let mut api_statements = vec![
        Statement::allow(posts_read, vec![posts.get_att("Arn")]).sid("ReadPosts"),
        Statement::allow(&["s3:PutObject"], vec![uploads_objects_arn()])
            .sid("PresignedPhotoUploads"),
    ];
    let mut api_env = api_environment(o, posts);
    let mut vpc = None;
    let mut api_requirements: &[&str] = &["BLOG-3"];
    if o.dax.enabled {
        api_requirements = &["BLOG-2", "BLOG-3"];
        vpc = Some(add_dax(
            t,
            o,
            posts,
            users,
            &mut api_env,
            &mut api_statements,
        )?);
    }
    let api_fn = LambdaFunction {
        name: "Api",
        description: "Blog API: posts, presigned photo uploads for authors",
        package,
        assets_bucket: &b.assets,
        handler: "handler.handler",
        memory_mb: o.functions.api.memory_mb.get_u32(),
        timeout_s: o.functions.api.timeout_seconds.get_u32(),
        architecture: o.functions.architecture.as_str(),
        environment: api_env,
        statements: api_statements,
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc,
        requirements: api_requirements,
    }
    .add_to(t)?;
    let api = build_api_opening(
        t,
        RestApi {
            name: "Api",
            description: "Blog API, served by CloudFront under /api/*",
            routes: ROUTES,
            function: &api_fn.function,
            user_pool: Some(&auth.pool),
            endpoint_type: "REGIONAL",
            stage_name: o.api.stage_name.as_str(),
            throttle_rate: o.api.throttle_rate_per_second.get_u32(),
            throttle_burst: o.api.throttle_burst.get_u32(),
            cache: None,
            log_retention_days: o.log_retention_days.get(),
            manage_account_role: o.api.manage_account_logging_role,
            requirements: &["BLOG-3"],
            cache_requirements: &[],
            auth_requirements: &["BLOG-6"],
            features: None,
        },
        Some(JwtIssuer {
            user_pool: &auth.pool,
            client: &auth.client,
        }),
        &o.api,
        &|r| is_public(o, r),
    )?;
    for r in ROUTES.iter().filter(|r| is_public(o, r)) {
        let key = r.key();
        let reason = if PUBLIC_READS.contains(&key.as_str()) {
            "public by design: anyone may read the published posts (BLOG-3); the stage throttles every caller"
        } else {
            "the project opened this route (options.auth.public_routes, warned at synth)"
        };
        accept_open_route(t, "Api", r, reason);
    }
    Ok(api)
}
