//! The Application Load Balancer front (`front: alb`): a public VPC, the load
//! balancer, its HTTPS listener, and signing users in (Cognito or OIDC).

use indexmap::IndexMap;

use super::options::{AlbAuthMode, Front, Options};
use super::{
    FrontIds, P_API_URL, P_LISTENER, P_USER_POOL, P_USER_POOL_ARN, P_USER_POOL_CLIENT,
    P_USER_POOL_DOMAIN,
};
use crate::cfn::intrinsic::{cidr, get_azs, select, sub, Intrinsic};
use crate::cfn::resources::cognito::{
    AccountRecoverySetting, AdminCreateUserConfig, AllowedOauthFlows, AutoVerifiedAttributes,
    ExplicitAuthFlows, MfaConfiguration, PasswordPolicy, Policies, PreventUserExistenceErrors,
    TokenValidityUnits, UserPool, UserPoolClient, UserPoolDomain, UsernameAttributes,
};
use crate::cfn::resources::ec2::{
    EgressRule, InternetGateway, Route as Ec2Route, RouteTable, SecurityGroup,
    SecurityGroupIngress, Subnet, SubnetRouteTableAssociation, Vpc, VpcGatewayAttachment,
};
use crate::cfn::resources::elasticloadbalancingv2 as elb;
use crate::cfn::resources::Tag;
use crate::cfn::{DeletionPolicy, LogicalId, Parameter, Template, Value};
use crate::components::with_stack_uuid;
use crate::error::Error;

/// Whether the root creates the user pool the load balancer signs users in
/// with (`mode: cognito` without an existing pool).
pub(super) fn creates_user_pool(o: &Options) -> bool {
    o.front == Front::Alb
        && o.alb.authentication.mode == AlbAuthMode::Cognito
        && o.alb.authentication.cognito.is_none()
}

/// `front: alb`: a public VPC in two zones, the load balancer, an HTTPS
/// listener (unknown paths get 404; every service's rule signs users in
/// first) and an HTTP listener that only redirects to it.
pub(super) fn add_load_balancer(t: &mut Template, o: &Options) -> Result<FrontIds, Error> {
    let net = add_public_vpc(t, o)?;
    let signs_in = o.alb.authentication.mode != AlbAuthMode::None;
    let sg = add_load_balancer_security_group(t, &net.vpc, signs_in)?;
    let (lb, https) = add_listeners(t, o, &net, &sg)?;
    let url: Value<String> = sub(format!("https://${{{lb}.DNSName}}")).into();
    let mut parameters = IndexMap::new();
    parameters.insert(P_LISTENER.to_string(), https.r#ref());
    parameters.insert(P_API_URL.to_string(), url.clone());
    if creates_user_pool(o) {
        parameters.extend(add_user_pool(t, o, &lb)?);
    }
    if !signs_in {
        t.warnings.push("microservices: options.alb.authentication.mode is none: anyone on the internet reaches every service behind the load balancer without signing in".into());
    }
    Ok(FrontIds { parameters, url })
}

/// The load balancer's network: a VPC, its internet gateway, and one public
/// subnet per zone routed to the gateway.
struct PublicVpc {
    vpc: LogicalId,
    attachment: LogicalId,
    subnets: Vec<LogicalId>,
}

/// The public VPC in two zones (no instances: the targets are functions).
fn add_public_vpc(t: &mut Template, o: &Options) -> Result<PublicVpc, Error> {
    let req: &[&str] = &["MICRO-2"];
    let vpc = t
        .add(
            "Vpc",
            Vpc {
                cidr_block: Some(o.alb.vpc_cidr.as_str().into()),
                enable_dns_hostnames: Some(true.into()),
                enable_dns_support: Some(true.into()),
                tags: Some(vec![Tag::new("Name", sub("${AWS::StackName}-public"))].into()),
                ..Default::default()
            },
        )?
        .satisfies(req)
        .id()
        .clone();
    let igw = t
        .add("InternetGateway", InternetGateway::default())?
        .satisfies(req)
        .id()
        .clone();
    let attachment = t
        .add(
            "InternetGatewayAttachment",
            VpcGatewayAttachment {
                internet_gateway_id: Some(igw.r#ref()),
                ..VpcGatewayAttachment::new(vpc.r#ref())
            },
        )?
        .satisfies(req)
        .id()
        .clone();
    let routes = t
        .add(
            "PublicRouteTable",
            RouteTable {
                tags: Some(vec![Tag::new("Name", sub("${AWS::StackName}-public"))].into()),
                vpc_id: vpc.r#ref(),
            },
        )?
        .satisfies(req)
        .id()
        .clone();
    t.add(
        "PublicDefaultRoute",
        Ec2Route {
            destination_cidr_block: Some("0.0.0.0/0".into()),
            gateway_id: Some(igw.r#ref()),
            nat_gateway_id: None,
            ..Ec2Route::new(routes.r#ref())
        },
    )?
    .depends_on(&attachment)
    .satisfies(req);
    let bits = 32 - i64::from(o.alb.vpc_cidr.prefix()) - 2;
    let mut subnets = Vec::new();
    for zone in 0..2 {
        let subnet = t
            .add(
                &format!("PublicSubnet{}", zone + 1),
                Subnet {
                    availability_zone: Some(select(zone, get_azs()).into()),
                    cidr_block: Some(
                        select(
                            zone,
                            cidr(
                                Intrinsic::GetAtt(vpc.to_string(), "CidrBlock".into()),
                                4,
                                bits,
                            ),
                        )
                        .into(),
                    ),
                    map_public_ip_on_launch: Some(false.into()),
                    tags: Some(
                        vec![Tag::new(
                            "Name",
                            sub(format!("${{AWS::StackName}}-public-{}", zone + 1)),
                        )]
                        .into(),
                    ),
                    ..Subnet::new(vpc.r#ref())
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        t.add(
            &format!("PublicSubnet{}Routes", zone + 1),
            SubnetRouteTableAssociation {
                route_table_id: routes.r#ref(),
                subnet_id: subnet.r#ref(),
            },
        )?
        .satisfies(req);
        subnets.push(subnet);
    }
    Ok(PublicVpc {
        vpc,
        attachment,
        subnets,
    })
}

/// The load balancer's security group: HTTPS (and HTTP, only redirected)
/// from anywhere; egress only to the identity provider when users sign in.
fn add_load_balancer_security_group(
    t: &mut Template,
    vpc: &LogicalId,
    signs_in: bool,
) -> Result<LogicalId, Error> {
    let req: &[&str] = &["MICRO-2"];
    let egress = if signs_in {
        // Sign-in: the load balancer trades the code for tokens at the
        // identity provider's token and user info endpoints (HTTPS).
        EgressRule {
            cidr_ip: Some("0.0.0.0/0".into()),
            description: Some(
                "HTTPS to the identity provider's token and user info endpoints (sign-in); Lambda targets need nothing"
                    .into(),
            ),
            from_port: Some(443.into()),
            to_port: Some(443.into()),
            ..EgressRule::new("tcp")
        }
    } else {
        EgressRule::none("No egress: Lambda targets need none")
    };
    let sg = t
        .add(
            "LoadBalancerSecurityGroup",
            SecurityGroup {
                security_group_egress: Some(vec![egress].into()),
                tags: None,
                vpc_id: Some(vpc.r#ref()),
                ..SecurityGroup::new(if signs_in {
                    "HTTPS from anywhere (users sign in before any service answers), HTTP only redirected to HTTPS"
                } else {
                    "HTTPS from anywhere (no sign-in: options.alb.authentication.mode none), HTTP only redirected to HTTPS"
                })
            },
        )?
        .satisfies(req)
        .id()
        .clone();
    for (port, what) in [(443, "Https"), (80, "Http")] {
        let ingress = t
            .add(
                &format!("LoadBalancerFromAnywhere{what}"),
                SecurityGroupIngress {
                    cidr_ip: Some("0.0.0.0/0".into()),
                    description: Some(if port == 443 {
                        ("HTTPS from anywhere".to_string()).into()
                    } else {
                        ("HTTP from anywhere, only redirected to HTTPS".to_string()).into()
                    }),
                    from_port: Some(port.into()),
                    group_id: Some(sg.get_att("GroupId")),
                    source_security_group_id: None,
                    to_port: Some(port.into()),
                    ..SecurityGroupIngress::new("tcp")
                },
            )?
            .satisfies(req);
        if port == 80 {
            ingress.accepts_risk(
                "CKV_AWS_260",
                "port 80's only listener redirects to HTTPS (301); no request is served in plain text",
            );
        }
    }
    Ok(sg)
}

/// The load balancer, its HTTPS listener (unknown paths get 404) and an
/// HTTP listener that only redirects to it. Returns the load balancer and
/// the HTTPS listener.
fn add_listeners(
    t: &mut Template,
    o: &Options,
    net: &PublicVpc,
    sg: &LogicalId,
) -> Result<(LogicalId, LogicalId), Error> {
    let req: &[&str] = &["MICRO-2"];
    let cert = o
        .alb
        .certificate_arn
        .as_ref()
        .ok_or_else(|| Error::Internal("front: alb without a certificate".into()))?;
    let lb = t
        .add(
            "LoadBalancer",
            elb::LoadBalancer {
                ip_address_type: Some(elb::LoadBalancerIpAddressType::Ipv4.into()),
                load_balancer_attributes: Some(
                    vec![
                        Tag::new("routing.http.drop_invalid_header_fields.enabled", "true"),
                        Tag::new("routing.http.desync_mitigation_mode", "strictest"),
                    ]
                    .into(),
                ),
                scheme: Some(elb::Scheme::InternetFacing.into()),
                security_groups: Some(vec![sg.get_att("GroupId")].into()),
                subnets: Some(
                    net.subnets
                        .iter()
                        .map(LogicalId::r#ref)
                        .collect::<Vec<_>>()
                        .into(),
                ),
                r#type: Some(elb::LoadBalancerType::Application.into()),
                ..Default::default()
            },
        )?
        .depends_on(&net.attachment)
        .satisfies(&["MICRO-1", "MICRO-2", "MICRO-4"])
        .id()
        .clone();
    let https = t
        .add(
            "HttpsListener",
            elb::Listener {
                certificates: Some(vec![elb::Certificate::of(cert.as_str())].into()),
                port: Some(443.into()),
                protocol: Some(elb::Protocol::Https.into()),
                ssl_policy: Some(o.alb.ssl_policy.0.clone().into()),
                ..elb::Listener::new(vec![elb::Action::fixed(404, "Not Found")], lb.r#ref())
            },
        )?
        .satisfies(&["MICRO-1", "MICRO-2"])
        .id()
        .clone();
    t.add(
        "HttpListener",
        elb::Listener {
            port: Some(80.into()),
            protocol: Some(elb::Protocol::Http.into()),
            ..elb::Listener::new(vec![elb::Action::redirect_to_https()], lb.r#ref())
        },
    )?
    .satisfies(req);
    Ok((lb, https))
}

/// The user pool the load balancer signs users in with: administrators
/// create the users (no self sign-up), hosted sign-in pages under a domain
/// unique to the stack, and an app client with a secret for the
/// authorization code flow back to the load balancer. Returns the service
/// stacks' parameters.
pub(super) fn add_user_pool(
    t: &mut Template,
    o: &Options,
    lb: &LogicalId,
) -> Result<Vec<(String, Value<String>)>, Error> {
    let req: &[&str] = &["MICRO-2"];
    let pool = t
        .add(
            "UserPool",
            UserPool {
                account_recovery_setting: Some(AccountRecoverySetting::by_verified_email()),
                admin_create_user_config: Some(
                    AdminCreateUserConfig {
                        allow_admin_create_user_only: Some(true.into()),
                        ..Default::default()
                    }
                    .into(),
                ),
                auto_verified_attributes: Some(vec![AutoVerifiedAttributes::Email.into()].into()),
                enabled_mfas: Some(vec!["SOFTWARE_TOKEN_MFA".into()].into()),
                mfa_configuration: Some(MfaConfiguration::Optional.into()),
                policies: Some(
                    Policies {
                        password_policy: Some(PasswordPolicy::strong(12, 3).into()),
                        ..Default::default()
                    }
                    .into(),
                ),
                username_attributes: Some(vec![UsernameAttributes::Email.into()].into()),
                ..Default::default()
            },
        )?
        // The users cannot be restored once the pool is gone.
        .policies(DeletionPolicy::Retain)
        .satisfies(req)
        .id()
        .clone();
    let domain_prefix = with_stack_uuid("sign-in-${StackUuid}".into());
    let domain = t
        .add(
            "UserPoolDomain",
            UserPoolDomain::new(domain_prefix.clone(), pool.r#ref()),
        )?
        .satisfies(req)
        .id()
        .clone();
    let mut callbacks: Vec<Value<String>> =
        vec![sub(format!("https://${{{lb}.DNSName}}/oauth2/idpresponse")).into()];
    if let Some(name) = &o.alb.domain_name {
        callbacks.push(format!("https://{name}/oauth2/idpresponse").into());
    }
    let client = t
        .add(
            "UserPoolClient",
            UserPoolClient {
                access_token_validity: Some(60.into()),
                allowed_oauth_flows: Some(vec![AllowedOauthFlows::Code.into()].into()),
                allowed_oauth_flows_user_pool_client: Some(true.into()),
                allowed_oauth_scopes: Some(vec!["openid".into(), "email".into()].into()),
                callback_urls: Some(callbacks.into()),
                client_name: Some("load-balancer".into()),
                enable_token_revocation: Some(true.into()),
                explicit_auth_flows: Some(
                    vec![ExplicitAuthFlows::AllowRefreshTokenAuth.into()].into(),
                ),
                generate_secret: Some(true.into()),
                id_token_validity: Some(60.into()),
                prevent_user_existence_errors: Some(PreventUserExistenceErrors::Enabled.into()),
                refresh_token_validity: Some(1.into()),
                supported_identity_providers: Some(vec!["COGNITO".into()].into()),
                token_validity_units: Some(TokenValidityUnits::minutes_and_refresh_days().into()),
                ..UserPoolClient::new(pool.r#ref())
            },
        )?
        // The services' rules name the domain through the client: they wait
        // for the sign-in pages to exist.
        .depends_on(&domain)
        .satisfies(req)
        .id()
        .clone();
    t.output(
        "UserPoolId",
        "The user pool whose users may sign in at the load balancer (create them as an administrator)",
        pool.r#ref(),
        None,
    )?;
    Ok(vec![
        (P_USER_POOL_ARN.to_string(), pool.get_att("Arn")),
        (P_USER_POOL_CLIENT.to_string(), client.r#ref()),
        (P_USER_POOL_DOMAIN.to_string(), domain_prefix),
    ])
}

/// The action that signs a user in before a service's rule forwards, or
/// `None` with `mode: none`. With the root's user pool, `t` (a service's
/// template) takes the pool's parameters.
pub(super) fn alb_sign_in(
    t: &mut Template,
    o: &Options,
) -> Result<Option<elb::ListenerRuleAction>, Error> {
    let a = &o.alb.authentication;
    let action = match (a.mode, &a.cognito, &a.oidc) {
        (AlbAuthMode::None, _, _) => return Ok(None),
        (AlbAuthMode::Cognito, Some(pool), _) => elb::ListenerRuleAction::authenticate_cognito(
            elb::ListenerRuleAuthenticateCognitoConfig {
                on_unauthenticated_request: Some(
                    elb::OnUnauthenticatedRequest::Authenticate.into(),
                ),
                scope: Some("openid".into()),
                ..elb::ListenerRuleAuthenticateCognitoConfig::new(
                    pool.user_pool_arn.as_str(),
                    pool.user_pool_client_id.as_str(),
                    pool.user_pool_domain.as_str(),
                )
            },
        ),
        (AlbAuthMode::Cognito, None, _) => {
            let mut ids = Vec::new();
            for (name, what) in P_USER_POOL.iter().zip([
                "The user pool users sign in with",
                "The user pool's app client for the load balancer",
                "The user pool's domain prefix",
            ]) {
                ids.push(t.parameter(name, Parameter::string(what))?);
            }
            elb::ListenerRuleAction::authenticate_cognito(
                elb::ListenerRuleAuthenticateCognitoConfig {
                    on_unauthenticated_request: Some(
                        elb::OnUnauthenticatedRequest::Authenticate.into(),
                    ),
                    scope: Some("openid email".into()),
                    ..elb::ListenerRuleAuthenticateCognitoConfig::new(
                        ids[0].r#ref(),
                        ids[1].r#ref(),
                        ids[2].r#ref(),
                    )
                },
            )
        }
        (AlbAuthMode::Oidc, _, Some(p)) => {
            elb::ListenerRuleAction::authenticate_oidc(elb::ListenerRuleAuthenticateOidcConfig {
                client_secret: Some(
                    format!(
                        "{{{{resolve:secretsmanager:{}}}}}",
                        p.client_secret_arn.as_str()
                    )
                    .into(),
                ),
                on_unauthenticated_request: Some(
                    elb::OnUnauthenticatedRequest::Authenticate.into(),
                ),
                scope: Some("openid".into()),
                ..elb::ListenerRuleAuthenticateOidcConfig::new(
                    p.authorization_endpoint.as_str(),
                    p.client_id.as_str(),
                    p.issuer.as_str(),
                    p.token_endpoint.as_str(),
                    p.user_info_endpoint.as_str(),
                )
            })
        }
        (AlbAuthMode::Oidc, _, None) => {
            return Err(Error::Internal("mode oidc without a provider".into()))
        }
    };
    Ok(Some(action))
}
