//! `options.security.access_logs`.

use crate::cfn::Template;
use crate::config::security::AccessLogOptions;
use crate::error::Error;

/// Access logs of distributions, load balancers and buckets.
pub fn apply(_t: &mut Template, _o: &AccessLogOptions) -> Result<(), Error> {
    Ok(())
}
