//! Cross-cutting passes over an expanded template tree (what CDK calls
//! aspects): changes every blueprint gets, applied after the blueprint's own
//! expansion. `options.lambda` (FN-*): [`lambda`], over the whole expansion
//! (on typed properties). `options.security` (issue 13):
//! - [`encryption`]: customer-managed keys for tables, log groups and
//!   function environments, when asked for;
//! - [`access_logs`]: one retained, encrypted log bucket per stack for the
//!   access logs of distributions, load balancers and buckets;
//! - [`waf`]: a web ACL in front of distributions, REST APIs and load
//!   balancers, when asked for;
//! - [`accepted_risks`]: last, records each security check a resource
//!   deliberately does not meet, with the reason, for checkov and
//!   `blueprint explain`.

pub mod accepted_risks;
pub mod access_logs;
pub mod encryption;
pub mod lambda;
pub mod waf;

use crate::cfn::Template;
use crate::config::security::SecurityOptions;
use crate::error::Error;

/// Applies `options.security` to one stack's template tree (its nested
/// templates included). `region` is the stack's region.
pub fn apply(t: &mut Template, o: &SecurityOptions, region: &str) -> Result<(), Error> {
    encryption::apply(t, o.customer_managed_keys)?;
    access_logs::apply(t, &o.access_logs, region)?;
    waf::apply(t, &o.waf, region)?;
    accepted_risks::apply(t);
    Ok(())
}

/// Calls `f` on `t` and on every template nested in it, parents first.
pub fn each_template(t: &mut Template, f: &mut dyn FnMut(&mut Template)) {
    f(t);
    for (_, child) in t.nested_mut() {
        each_template(child, f);
    }
}
