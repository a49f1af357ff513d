//! The assets bucket every template with functions or nested stacks takes as
//! a parameter: where `blueprint deploy` uploads function packages and
//! nested templates (`blueprint bootstrap` creates it).

use crate::cfn::Parameter;

/// The parameter naming the assets bucket, where function packages and
/// nested templates are uploaded; a template with nested stacks declares it.
pub const ASSETS_BUCKET: &str = "AssetsBucket";

/// The [`ASSETS_BUCKET`] parameter of a template that holds nested stacks
/// (or whose functions sit beside them): an S3 bucket name.
pub fn assets_parameter() -> Parameter {
    Parameter {
        allowed_pattern: Some("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$".into()),
        constraint_description: Some("an S3 bucket name".into()),
        ..Parameter::string(
            "The bucket holding the function packages and nested templates (blueprint bootstrap creates it)",
        )
    }
}
