//! `blueprint.yaml`: the project file, its common keys, and parsing with
//! errors that point at file:line:column.

pub mod additions;
pub mod api_options;
pub mod environments;
mod error;
pub mod flow;
pub mod lambda;
pub mod limits;
pub mod placeholders;
pub mod queue;
pub mod resource_overrides;
pub(crate) mod schema;
pub mod secrets;
pub mod security;
mod tree;
mod values;
mod yaml;

pub use error::{locate_key, nearest, ConfigError};
pub use values::deserialize_text;
pub use values::{
    Architecture, CertificateArn, DaxNodeType, DomainName, EmailAddress, HostedZoneId,
    InstanceType, Name, OriginShieldRegion, PathPattern, Ranged, Region, RetentionDays,
    SsmParameterName, StackName, Tags, TextLine, VpcCidr, ORIGIN_SHIELD_REGIONS,
};

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The project file's name.
pub const PROJECT_FILE: &str = "blueprint.yaml";

/// A configuration text and the name to show in errors.
#[derive(Clone, Debug)]
pub struct Source {
    /// How to name the file in messages (a path, or `<built-in>/todo/blueprint.yaml`).
    pub name: String,
    /// Its contents.
    pub text: String,
}

/// A project file for a blueprint whose options are `O`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    bound(deserialize = "O: Deserialize<'de> + Default")
)]
#[schemars(bound = "O: JsonSchema + Default")]
pub struct Project<O> {
    /// The blueprint's name.
    pub blueprint: String,
    /// The CloudFormation stack name.
    pub stack_name: StackName,
    /// The AWS region to deploy to.
    pub region: Region,
    /// Tags CloudFormation applies to the stack and its resources.
    #[serde(default)]
    pub tags: Tags,
    /// Turn on termination protection for the stacks (`apply`).
    #[serde(default = "yes")]
    pub termination_protection: bool,
    /// The blueprint's options; missing ones take their documented defaults.
    /// `options:` with nothing under it (every option commented out) is
    /// the same as no options.
    #[serde(default, deserialize_with = "null_is_default")]
    #[schemars(with = "Option<O>")]
    pub options: O,
    /// Plain CloudFormation resources added to the project's stack
    /// ([`additions`]), by logical ID.
    #[serde(default, deserialize_with = "null_is_default")]
    pub resources: indexmap::IndexMap<String, additions::ExtraResource>,
    /// Outputs added to the project's stack.
    #[serde(default, deserialize_with = "null_is_default")]
    pub outputs: indexmap::IndexMap<String, additions::ExtraOutput>,
    /// Conditions added to the project's stack.
    #[serde(default, deserialize_with = "null_is_default")]
    pub conditions: indexmap::IndexMap<String, additions::Cfn>,
    /// Parameters (with defaults) added to the project's stack.
    #[serde(default, deserialize_with = "null_is_default")]
    pub parameters: indexmap::IndexMap<String, additions::ExtraParameter>,
    /// The same four sections for nested stacks the blueprint makes, by
    /// their logical ID (`OrdersService`).
    #[serde(default, deserialize_with = "null_is_default")]
    pub nested_stacks: indexmap::IndexMap<String, additions::Additions>,
    /// Changes to single resources of the generated templates, by logical
    /// ID (`overrides:`; see [`resource_overrides`]). Nothing (null) is none.
    #[serde(default)]
    pub overrides: Option<resource_overrides::ResourceOverrides>,
    /// Named overlays on the project (`dev`, `prod`), chosen with `--env`
    /// (see [`environments`]).
    #[serde(default)]
    pub environments: environments::Environments,
}

fn null_is_default<'de, D, O>(d: D) -> Result<O, D::Error>
where
    D: serde::Deserializer<'de>,
    O: Deserialize<'de> + Default,
{
    Ok(Option::<O>::deserialize(d)?.unwrap_or_default())
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct Head {
    blueprint: Option<String>,
}

/// Parses YAML into `T`, turning errors into [`ConfigError`]s. The text is
/// first checked against the [`limits`] (size, nesting depth, alias
/// expansion) in linear time; a leading byte-order mark is ignored.
pub fn parse<T: DeserializeOwned>(source: &Source) -> Result<T, ConfigError> {
    let text = limits::strip_bom(&source.text);
    limits::check(text).map_err(|refused| ConfigError {
        file: source.name.clone(),
        location: refused.location,
        message: refused.message,
        help: None,
    })?;
    yaml::from_str(&source.name, text)
}

/// The `blueprint:` key of a project file, read before the rest so the right
/// options schema can be chosen.
pub fn blueprint_name(source: &Source) -> Result<String, ConfigError> {
    // The common case without parsing the whole file (a big project takes
    // a while): a plain `blueprint: name` line at the top level.
    if let Some(name) = source.text.lines().find_map(|l| {
        let v = l.strip_prefix("blueprint:")?.trim();
        let plain = !v.is_empty()
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        plain.then(|| v.to_string())
    }) {
        return Ok(name);
    }
    let head: Head = parse(source)?;
    head.blueprint.ok_or_else(|| {
        ConfigError::whole_file(
            &source.name,
            "missing key `blueprint`: name the blueprint this project uses (see `blueprint list`)",
        )
    })
}
