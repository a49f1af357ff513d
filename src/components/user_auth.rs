//! Users: a Cognito user pool with an app client and groups, and an identity
//! pool that trades a user's token for short-lived AWS credentials of an
//! authenticated role.

use indexmap::IndexMap;

use crate::cfn::policy::{PolicyDocument, Principal, Statement};
use crate::cfn::resources::cognito::{
    AccountRecoverySetting, AdminCreateUserConfig, AutoVerifiedAttributes, CognitoIdentityProvider,
    DeletionProtection, ExplicitAuthFlows, IdentityPool, IdentityPoolRoleAttachment, LambdaConfig,
    MfaConfiguration, PasswordPolicy, Policies, PreventUserExistenceErrors, TokenValidityUnits,
    UserPool, UserPoolClient, UserPoolGroup, UsernameAttributes, UsernameConfiguration,
};
use crate::cfn::resources::iam::{InlinePolicy, Role};
use crate::cfn::{LogicalId, Template};
use crate::error::Error;

/// How to build user authentication.
pub struct UserAuth<'a> {
    /// Logical ID prefix (`Users` gives `UsersPool`, `UsersPoolClient`, ...).
    pub name: &'a str,
    /// The shortest password allowed.
    pub password_min_length: u32,
    /// Whether users need a second factor (`OFF`, `OPTIONAL` or `ON`).
    pub mfa: MfaConfiguration,
    /// Groups to create, with their descriptions.
    pub groups: &'a [(&'a str, &'a str)],
    /// Keep it when it leaves the stack or is replaced (`DeletionPolicy` and `UpdateReplacePolicy` `Retain`).
    pub retain: bool,
    /// What a signed-in user's temporary credentials allow; `None` for no
    /// identity pool.
    pub authenticated_statements: Option<Vec<Statement>>,
    /// Requirement IDs the resources serve (their `BlueprintRequirements` metadata).
    pub requirements: &'a [&'a str],
    /// Requirement IDs the identity pool and its role serve.
    pub identity_requirements: &'a [&'a str],
}

/// The IDs other resources need.
pub struct UserAuthIds {
    /// The user pool.
    pub pool: LogicalId,
    /// Its app client.
    pub client: LogicalId,
    /// The identity pool, when there is one.
    pub identity_pool: Option<LogicalId>,
}

/// What a user pool may have besides [`UserAuth`]'s settings.
#[derive(Clone, Copy, Debug)]
pub struct PoolExtras<'a> {
    /// The app client's name.
    pub client_name: &'a str,
    /// A function Cognito invokes once a user has confirmed their sign-up
    /// (their email address is verified by then). Give it an
    /// `AWS::Lambda::Permission` for `cognito-idp.amazonaws.com` on the pool.
    pub post_confirmation: Option<&'a LogicalId>,
}

impl Default for PoolExtras<'_> {
    fn default() -> Self {
        PoolExtras {
            client_name: "mobile",
            post_confirmation: None,
        }
    }
}

impl UserAuth<'_> {
    /// Adds the resources to `t`; returns the logical IDs other resources need.
    pub fn add_to(self, t: &mut Template) -> Result<UserAuthIds, Error> {
        self.add_to_with(t, PoolExtras::default())
    }

    /// Like [`UserAuth::add_to`], with `extras`.
    pub fn add_to_with(
        mut self,
        t: &mut Template,
        extras: PoolExtras<'_>,
    ) -> Result<UserAuthIds, Error> {
        let pool = self.add_pool(t, &extras)?;
        let client = self.add_client(t, &pool, extras.client_name)?;
        self.add_groups(t, &pool)?;
        let identity_pool = match self.authenticated_statements.take() {
            None => None,
            Some(statements) => Some(self.add_identity_pool(t, &pool, &client, statements)?),
        };
        Ok(UserAuthIds {
            pool,
            client,
            identity_pool,
        })
    }

    /// Adds the user pool (email sign-in, verified addresses, strong
    /// passwords, the optional post confirmation trigger).
    fn add_pool(&self, t: &mut Template, extras: &PoolExtras<'_>) -> Result<LogicalId, Error> {
        let n = self.name;
        let pool = t
            .add(
                &format!("{n}Pool"),
                UserPool {
                    account_recovery_setting: Some(AccountRecoverySetting::by_verified_email()),
                    admin_create_user_config: Some(
                        AdminCreateUserConfig {
                            allow_admin_create_user_only: Some(false.into()),
                            ..Default::default()
                        }
                        .into(),
                    ),
                    auto_verified_attributes: Some(
                        vec![AutoVerifiedAttributes::Email.into()].into(),
                    ),
                    deletion_protection: Some(
                        if self.retain {
                            DeletionProtection::Active
                        } else {
                            DeletionProtection::Inactive
                        }
                        .into(),
                    ),
                    enabled_mfas: (self.mfa != MfaConfiguration::Off)
                        .then(|| vec!["SOFTWARE_TOKEN_MFA".into()].into()),
                    lambda_config: extras.post_confirmation.map(|f| {
                        LambdaConfig {
                            post_confirmation: Some(f.get_att("Arn")),
                            ..Default::default()
                        }
                        .into()
                    }),
                    mfa_configuration: Some(self.mfa.into()),
                    policies: Some(
                        Policies {
                            password_policy: Some(
                                PasswordPolicy::strong(self.password_min_length, 7).into(),
                            ),
                            ..Default::default()
                        }
                        .into(),
                    ),
                    username_attributes: Some(vec![UsernameAttributes::Email.into()].into()),
                    username_configuration: Some(
                        UsernameConfiguration {
                            case_sensitive: Some(false.into()),
                        }
                        .into(),
                    ),
                    ..Default::default()
                },
            )?
            .retain_if(self.retain)
            .satisfies(self.requirements)
            .id()
            .clone();
        Ok(pool)
    }

    /// Adds the pool's app client (SRP sign-in, no secret, short-lived tokens).
    fn add_client(
        &self,
        t: &mut Template,
        pool: &LogicalId,
        client_name: &str,
    ) -> Result<LogicalId, Error> {
        let n = self.name;
        let client = t
            .add(
                &format!("{n}PoolClient"),
                UserPoolClient {
                    access_token_validity: Some(60.into()),
                    client_name: Some(client_name.into()),
                    enable_token_revocation: Some(true.into()),
                    explicit_auth_flows: Some(
                        vec![
                            ExplicitAuthFlows::AllowUserSrpAuth.into(),
                            ExplicitAuthFlows::AllowRefreshTokenAuth.into(),
                        ]
                        .into(),
                    ),
                    generate_secret: Some(false.into()),
                    id_token_validity: Some(60.into()),
                    prevent_user_existence_errors: Some(PreventUserExistenceErrors::Enabled.into()),
                    refresh_token_validity: Some(30.into()),
                    token_validity_units: Some(
                        TokenValidityUnits::minutes_and_refresh_days().into(),
                    ),
                    ..UserPoolClient::new(pool.r#ref())
                },
            )?
            .satisfies(self.requirements)
            .id()
            .clone();
        Ok(client)
    }

    /// Adds the pool's groups, in the order given (that order is their
    /// precedence).
    fn add_groups(&self, t: &mut Template, pool: &LogicalId) -> Result<(), Error> {
        let n = self.name;
        for (i, (group, description)) in self.groups.iter().enumerate() {
            let gid: String = group
                .split(|c: char| !c.is_ascii_alphanumeric())
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect();
            t.add(
                &format!("{n}{gid}Group"),
                UserPoolGroup {
                    description: Some((*description).into()),
                    group_name: Some((*group).into()),
                    precedence: Some(i64::try_from(i).unwrap_or(i64::MAX).into()),
                    ..UserPoolGroup::new(pool.r#ref())
                },
            )?
            .satisfies(self.requirements);
        }
        Ok(())
    }

    /// Adds the identity pool, the authenticated role allowed `statements`
    /// and the role attachment; returns the identity pool.
    fn add_identity_pool(
        &self,
        t: &mut Template,
        pool: &LogicalId,
        client: &LogicalId,
        statements: Vec<Statement>,
    ) -> Result<LogicalId, Error> {
        let n = self.name;
        let ip = t
            .add(
                &format!("{n}IdentityPool"),
                IdentityPool {
                    allow_classic_flow: Some(false.into()),
                    cognito_identity_providers: Some(
                        vec![CognitoIdentityProvider {
                            server_side_token_check: Some(true.into()),
                            ..CognitoIdentityProvider::new(
                                client.r#ref(),
                                pool.get_att("ProviderName"),
                            )
                        }]
                        .into(),
                    ),
                    ..IdentityPool::new(false)
                },
            )?
            .satisfies(self.identity_requirements)
            .id()
            .clone();
        let trust = Statement {
            action: vec!["sts:AssumeRoleWithWebIdentity".into()],
            ..Statement::assume_by_service(&[])
        }
        .principal(Principal::Federated(
            "cognito-identity.amazonaws.com".into(),
        ))
        .condition(
            "StringEquals",
            "cognito-identity.amazonaws.com:aud",
            vec![ip.r#ref()],
        )
        .condition(
            "ForAnyValue:StringLike",
            "cognito-identity.amazonaws.com:amr",
            vec!["authenticated".into()],
        );
        let role = t
            .add(
                &format!("{n}AuthenticatedRole"),
                Role {
                    policies: Some(
                        vec![InlinePolicy {
                            policy_name: "own-data-only".into(),
                            policy_document: PolicyDocument::new(statements),
                        }]
                        .into(),
                    ),
                    ..Role::described(
                        PolicyDocument::new(vec![trust]),
                        "Temporary credentials of a signed-in user: their own data only",
                    )
                },
            )?
            .satisfies(self.identity_requirements)
            .id()
            .clone();
        let mut roles = IndexMap::new();
        roles.insert("authenticated".to_string(), role.get_att("Arn"));
        t.add(
            &format!("{n}IdentityPoolRoles"),
            IdentityPoolRoleAttachment {
                roles: Some(roles.into()),
                ..IdentityPoolRoleAttachment::new(ip.r#ref())
            },
        )?
        .satisfies(self.identity_requirements);
        Ok(ip)
    }
}
