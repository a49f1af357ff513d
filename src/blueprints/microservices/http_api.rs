//! The HTTP API front (`api.type: http`).

use indexmap::IndexMap;

use super::api_gateway::domain_url;
use super::options::Options;
use super::{FrontIds, P_API_URL, P_HTTP_API};
use crate::cfn::{LogicalId, Template};
use crate::components::api_options::add_http_domain;
use crate::components::http_api::{self, HttpThrottling};
use crate::error::Error;

/// `type: http`: the HTTP API; each service stack adds its integration and routes.
pub(super) fn add_http_api(t: &mut Template, o: &Options) -> Result<FrontIds, Error> {
    let api = http_api::add_api(
        t,
        "Api",
        "Microservices: one base path per service, each proxied to its service's function",
        &["MICRO-1", "MICRO-2", "MICRO-4"],
        o.api.domain.is_some(),
    )?;
    let url = match &o.api.domain {
        Some(d) => domain_url(d),
        None => http_api::url(&api),
    };
    let mut parameters = IndexMap::new();
    parameters.insert(P_HTTP_API.to_string(), api.r#ref());
    parameters.insert(P_API_URL.to_string(), url.clone());
    Ok(FrontIds { parameters, url })
}

/// `type: http`: the `$default` stage (after every service stack, so per-route
/// settings find their routes) and the custom domain.
pub(super) fn add_http_stage(
    t: &mut Template,
    o: &Options,
    services: &[LogicalId],
) -> Result<(), Error> {
    let api = LogicalId::new("Api").map_err(|e| Error::Internal(e.to_string()))?;
    let stage = http_api::add_stage(
        t,
        "Api",
        &api,
        HttpThrottling {
            rate: o.api.throttle_rate_per_second.get_u32(),
            burst: o.api.throttle_burst.get_u32(),
            routes: &o.api.route_throttling,
        },
        o.log_retention_days.get(),
        services,
        &["MICRO-1", "MICRO-2"],
    )?;
    if let Some(domain) = &o.api.domain {
        add_http_domain(t, "Api", domain, &api, &stage)?;
    }
    Ok(())
}
