//! `options.security.customer_managed_keys`.

use crate::cfn::Template;
use crate::error::Error;

/// Customer-managed keys for tables, log groups and function environments.
pub fn apply(_t: &mut Template, _customer_managed_keys: bool) -> Result<(), Error> {
    Ok(())
}
