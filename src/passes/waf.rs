//! `options.security.waf`.

use crate::cfn::Template;
use crate::config::security::WafOptions;
use crate::error::Error;

/// A web ACL in front of distributions, REST API stages and load balancers.
pub fn apply(_t: &mut Template, _o: &WafOptions, _region: &str) -> Result<(), Error> {
    Ok(())
}
