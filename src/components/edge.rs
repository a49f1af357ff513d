//! Not a blueprint: what the CloudFront blueprints (`blog`, `conference`,
//! `update-offload`) share. Their `domain` and `price_class` options, and the
//! stack layout a custom domain needs: CloudFront only uses certificates from
//! us-east-1, so outside us-east-1 the blueprint expands into two stacks, the
//! certificate's in us-east-1 first, then the home-region stack that receives
//! the certificate's ARN as a parameter (filled from the first stack's output
//! at deploy time; `Fn::ImportValue` does not cross regions).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::cfn::resources::cloudfront;
use crate::cfn::{LogicalId, Parameter, Template, Value};
use crate::components::assets::ASSETS_BUCKET;
use crate::components::custom_domain::{CustomDomain, CERTIFICATE_REGION};
use crate::config::{DomainName, HostedZoneId, Ranged, Region, StackName};
use crate::error::Error;
use crate::expansion::{ProjectInfo, StackInput, StackTemplate};

/// A custom domain for the distribution.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainOptions {
    /// The name viewers use, e.g. `blog.example.com`.
    pub name: DomainName,
    /// The Route 53 public hosted zone the name is in (the certificate is
    /// validated and the alias records are written there).
    pub hosted_zone_id: HostedZoneId,
}

pub use crate::config::CertificateArn;

/// Which edge locations serve the distribution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum PriceClass {
    /// North America, Europe and Israel.
    #[serde(rename = "PriceClass_100")]
    P100,
    /// Also Asia, the Middle East and Africa.
    #[serde(rename = "PriceClass_200")]
    P200,
    /// Every edge location.
    #[default]
    #[serde(rename = "PriceClass_All")]
    All,
}

impl PriceClass {
    /// The distribution's `PriceClass`.
    pub fn cloudfront(self) -> cloudfront::PriceClass {
        match self {
            PriceClass::P100 => cloudfront::PriceClass::PriceClass100,
            PriceClass::P200 => cloudfront::PriceClass::PriceClass200,
            PriceClass::All => cloudfront::PriceClass::PriceClassAll,
        }
    }
}

/// A function's memory and timeout, with per-function defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionSize<const MEMORY_MB: u64, const TIMEOUT_S: u64> {
    /// 128 to 10240 MB.
    pub memory_mb: Ranged<128, 10_240>,
    /// 1 to 900 seconds.
    pub timeout_seconds: Ranged<1, 900>,
}

impl<const MEMORY_MB: u64, const TIMEOUT_S: u64> Default for FunctionSize<MEMORY_MB, TIMEOUT_S> {
    fn default() -> Self {
        FunctionSize {
            memory_mb: Ranged::of(MEMORY_MB),
            timeout_seconds: Ranged::of(TIMEOUT_S),
        }
    }
}

/// A function's size as blueprint.yaml writes it, with this function's
/// defaults.
impl<const MEMORY_MB: u64, const TIMEOUT_S: u64> JsonSchema for FunctionSize<MEMORY_MB, TIMEOUT_S> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("FunctionSize_{MEMORY_MB}_{TIMEOUT_S}").into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut memory = g.subschema_for::<Ranged<128, 10_240>>();
        memory.insert("description".into(), "Memory in MB, 128 to 10240.".into());
        memory.insert("default".into(), MEMORY_MB.into());
        let mut timeout = g.subschema_for::<Ranged<1, 900>>();
        timeout.insert("description".into(), "Timeout in seconds, 1 to 900.".into());
        timeout.insert("default".into(), TIMEOUT_S.into());
        schemars::json_schema!({
            "type": "object",
            "description": "A function's memory and timeout.",
            "properties": {"memory_mb": memory, "timeout_seconds": timeout},
            "additionalProperties": false,
        })
    }
}

/// The serialized form of [`FunctionSize`] (serde derives no const generics).
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawFunctionSize {
    memory_mb: Option<Ranged<128, 10_240>>,
    timeout_seconds: Option<Ranged<1, 900>>,
}

impl<'de, const MEMORY_MB: u64, const TIMEOUT_S: u64> Deserialize<'de>
    for FunctionSize<MEMORY_MB, TIMEOUT_S>
{
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawFunctionSize::deserialize(d)?;
        let default = Self::default();
        Ok(FunctionSize {
            memory_mb: raw.memory_mb.unwrap_or(default.memory_mb),
            timeout_seconds: raw.timeout_seconds.unwrap_or(default.timeout_seconds),
        })
    }
}

impl<const MEMORY_MB: u64, const TIMEOUT_S: u64> Serialize for FunctionSize<MEMORY_MB, TIMEOUT_S> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        RawFunctionSize {
            memory_mb: Some(self.memory_mb),
            timeout_seconds: Some(self.timeout_seconds),
        }
        .serialize(s)
    }
}

/// The parameter every template with functions takes: the bucket holding the
/// function packages.
pub fn assets_parameter(t: &mut Template) -> Result<LogicalId, Error> {
    Ok(t.parameter(
        ASSETS_BUCKET,
        Parameter {
            allowed_pattern: Some("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$".into()),
            constraint_description: Some("an S3 bucket name".into()),
            ..Parameter::string(
                "The bucket holding the function packages (blueprint bootstrap creates it)",
            )
        },
    )?)
}

/// The suffix of the us-east-1 certificate stack's name.
pub const CERTIFICATE_STACK_SUFFIX: &str = "-cert";
/// The certificate's logical ID, and the certificate stack's output.
pub const CERTIFICATE_ID: &str = "Certificate";
/// The output of the certificate stack holding the ARN.
pub const CERTIFICATE_OUTPUT: &str = "CertificateArn";
/// The home-region stack's parameter that receives the ARN.
pub const CERTIFICATE_PARAMETER: &str = "CertificateArn";

/// Where the distribution's certificate comes from.
pub struct EdgeCertificate {
    /// The value to put in the distribution's `ViewerCertificate`.
    pub arn: Value<String>,
    /// The us-east-1 stack holding the certificate, when the home region is
    /// another one.
    pub stack: Option<StackTemplate>,
}

/// Adds the certificate for `domain` to `main` when the project lives in
/// us-east-1; otherwise builds the separate us-east-1 stack and gives `main`
/// a `CertificateArn` parameter for it.
pub fn certificate(
    project: &ProjectInfo,
    main: &mut Template,
    domain: &DomainOptions,
    requirements: &[&str],
) -> Result<EdgeCertificate, Error> {
    let component = CustomDomain {
        name: &domain.name,
        hosted_zone_id: &domain.hosted_zone_id,
        requirements,
    };
    if project.region.as_str() == CERTIFICATE_REGION {
        let id = component.add_certificate(main, CERTIFICATE_ID)?;
        return Ok(EdgeCertificate {
            arn: id.r#ref(),
            stack: None,
        });
    }
    let stack_name = certificate_stack_name(&project.stack_name)?;
    let mut cert = Template::new(format!(
        "blueprint {}: the CloudFront certificate for {} (CloudFront reads certificates from {CERTIFICATE_REGION} only); stack {} in {} uses it",
        project.blueprint, domain.name, project.stack_name, project.region
    ));
    let id = component.add_certificate(&mut cert, CERTIFICATE_ID)?;
    cert.output(
        CERTIFICATE_OUTPUT,
        &format!("The ARN of the certificate for {}", domain.name),
        id.r#ref(),
        None,
    )?;
    let parameter = main.parameter(
        CERTIFICATE_PARAMETER,
        Parameter {
            allowed_pattern: Some(
                "^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]+$".into(),
            ),
            constraint_description: Some("an ACM certificate ARN in us-east-1".into()),
            ..Parameter::string(&format!(
                "The ARN of the certificate for {} (output {CERTIFICATE_OUTPUT} of stack {stack_name} in {CERTIFICATE_REGION})",
                domain.name
            ))
        },
    )?;
    Ok(EdgeCertificate {
        arn: parameter.r#ref(),
        stack: Some(StackTemplate {
            stack_name: stack_name.to_string(),
            region: Region::new(CERTIFICATE_REGION).map_err(Error::Internal)?,
            depends_on: Vec::new(),
            inputs: Vec::new(),
            template: cert,
        }),
    })
}

/// `<stack>-cert`, checked against CloudFormation's stack name rules.
fn certificate_stack_name(main: &StackName) -> Result<StackName, Error> {
    StackName::new(&format!("{main}{CERTIFICATE_STACK_SUFFIX}")).map_err(|_| {
        Error::User(format!(
            "stack name `{main}` is too long for a custom domain outside {CERTIFICATE_REGION}: the certificate stack `{main}{CERTIFICATE_STACK_SUFFIX}` must have at most 128 characters; choose a shorter stack_name"
        ))
    })
}

/// The blueprint's stacks in deploy order: the certificate stack (if any),
/// then the main stack, which depends on it and takes its ARN as an input.
pub fn stacks(
    project: &ProjectInfo,
    main: Template,
    certificate: Option<StackTemplate>,
) -> Vec<StackTemplate> {
    let mut main = StackTemplate::single(project, main);
    let mut out = Vec::new();
    if let Some(cert) = certificate {
        main.depends_on.push(cert.stack_name.clone());
        main.inputs.push(StackInput {
            parameter: CERTIFICATE_PARAMETER.to_string(),
            from_stack: cert.stack_name.clone(),
            output: CERTIFICATE_OUTPUT.to_string(),
        });
        out.push(cert);
    }
    out.push(main);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Tags;

    fn project(region: &str) -> ProjectInfo {
        ProjectInfo {
            blueprint: "blog",
            stack_name: StackName::new("blog").unwrap(),
            region: Region::new(region).unwrap(),
            tags: Tags::default(),
            termination_protection: true,
        }
    }

    fn domain() -> DomainOptions {
        DomainOptions {
            name: DomainName::new("blog.example.com").unwrap(),
            hosted_zone_id: HostedZoneId::new("Z0123456789ABCDEFGHIJ").unwrap(),
        }
    }

    #[test]
    fn in_us_east_1_the_certificate_stays_in_the_one_stack() {
        let p = project("us-east-1");
        let mut t = Template::default();
        let c = certificate(&p, &mut t, &domain(), &["X-1"]).unwrap();
        assert!(c.stack.is_none());
        assert!(t.resource(CERTIFICATE_ID).is_some());
        assert_eq!(stacks(&p, t, c.stack).len(), 1);
    }

    #[test]
    fn elsewhere_the_certificate_gets_its_own_stack_in_us_east_1() {
        let p = project("eu-west-1");
        let mut t = Template::default();
        let c = certificate(&p, &mut t, &domain(), &["X-1"]).unwrap();
        assert!(t.resource(CERTIFICATE_ID).is_none());
        assert!(t.parameters.contains_key(CERTIFICATE_PARAMETER));
        let all = stacks(&p, t, c.stack);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].stack_name, "blog-cert");
        assert_eq!(all[0].region.as_str(), "us-east-1");
        assert!(all[0].template.outputs.contains_key(CERTIFICATE_OUTPUT));
        assert_eq!(all[1].depends_on, vec!["blog-cert".to_string()]);
        assert_eq!(
            all[1].inputs,
            vec![StackInput {
                parameter: "CertificateArn".into(),
                from_stack: "blog-cert".into(),
                output: "CertificateArn".into(),
            }]
        );
    }

    #[test]
    fn a_stack_name_too_long_for_the_suffix_is_a_user_error() {
        let long = StackName::new(&"a".repeat(126)).unwrap();
        assert!(matches!(
            certificate_stack_name(&long),
            Err(Error::User(m)) if m.contains("too long")
        ));
    }
}
