//! Amazon Cognito user pools and identity pools.

use indexmap::IndexMap;
use serde::Serialize;

use super::resource_type;
use crate::cfn::intrinsic::Value;

/// `AWS::Cognito::UserPool`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPool {
    pub account_recovery_setting: Option<AccountRecoverySetting>,
    pub admin_create_user_config: Option<AdminCreateUserConfig>,
    pub auto_verified_attributes: Option<Vec<String>>,
    /// `ACTIVE` or `INACTIVE`.
    pub deletion_protection: Option<String>,
    pub enabled_mfas: Option<Vec<String>>,
    /// Lambda triggers (e.g. post confirmation).
    pub lambda_config: Option<LambdaConfig>,
    /// `OFF`, `ON` or `OPTIONAL`.
    pub mfa_configuration: Option<String>,
    pub policies: Option<UserPoolPolicies>,
    pub username_attributes: Option<Vec<String>>,
    pub username_configuration: Option<UsernameConfiguration>,
    pub user_pool_tags: Option<IndexMap<String, String>>,
}
resource_type!(
    UserPool,
    "AWS::Cognito::UserPool",
    ["Arn", "ProviderName", "ProviderURL", "UserPoolId"]
);

/// A user pool's Lambda triggers.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LambdaConfig {
    /// Invoked after a user confirmed their sign-up (their address is then
    /// verified) and after a confirmed password reset.
    pub post_confirmation: Option<Value<String>>,
}

/// How users recover their account.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountRecoverySetting {
    pub recovery_mechanisms: Vec<RecoveryOption>,
}

/// One recovery mechanism.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecoveryOption {
    pub name: String,
    pub priority: u32,
}

/// Whether users may sign themselves up.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AdminCreateUserConfig {
    pub allow_admin_create_user_only: bool,
}

/// The pool's password policy.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPoolPolicies {
    pub password_policy: PasswordPolicy,
}

/// Password rules.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordPolicy {
    pub minimum_length: u32,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    pub require_uppercase: bool,
    pub temporary_password_validity_days: u32,
}

/// Username case sensitivity.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsernameConfiguration {
    pub case_sensitive: bool,
}

/// `AWS::Cognito::UserPoolClient`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPoolClient {
    pub access_token_validity: Option<u32>,
    pub client_name: Option<String>,
    pub enable_token_revocation: Option<bool>,
    pub explicit_auth_flows: Option<Vec<String>>,
    pub generate_secret: Option<bool>,
    pub id_token_validity: Option<u32>,
    /// `ENABLED` or `LEGACY`.
    pub prevent_user_existence_errors: Option<String>,
    pub refresh_token_validity: Option<u32>,
    pub token_validity_units: Option<TokenValidityUnits>,
    pub user_pool_id: Value<String>,
}
resource_type!(
    UserPoolClient,
    "AWS::Cognito::UserPoolClient",
    ["ClientId", "ClientSecret", "Name"]
);

/// Units of the token validity fields.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TokenValidityUnits {
    pub access_token: String,
    pub id_token: String,
    pub refresh_token: String,
}

/// `AWS::Cognito::UserPoolGroup`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPoolGroup {
    pub description: Option<String>,
    pub group_name: Option<String>,
    pub precedence: Option<u32>,
    pub role_arn: Option<Value<String>>,
    pub user_pool_id: Value<String>,
}
resource_type!(UserPoolGroup, "AWS::Cognito::UserPoolGroup", []);

/// `AWS::Cognito::IdentityPool`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdentityPool {
    pub allow_classic_flow: Option<bool>,
    pub allow_unauthenticated_identities: bool,
    pub cognito_identity_providers: Option<Vec<CognitoIdentityProvider>>,
}
resource_type!(IdentityPool, "AWS::Cognito::IdentityPool", ["Id", "Name"]);

/// A user pool app client trusted by an identity pool.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CognitoIdentityProvider {
    pub client_id: Value<String>,
    pub provider_name: Value<String>,
    pub server_side_token_check: Option<bool>,
}

/// `AWS::Cognito::IdentityPoolRoleAttachment`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdentityPoolRoleAttachment {
    pub identity_pool_id: Value<String>,
    /// `authenticated` / `unauthenticated` → role ARN.
    pub roles: IndexMap<String, Value<String>>,
}
resource_type!(
    IdentityPoolRoleAttachment,
    "AWS::Cognito::IdentityPoolRoleAttachment",
    ["Id"]
);

/// `AWS::Cognito::UserPoolClient` for the hosted sign-in pages: the OAuth 2.0
/// authorization code flow, e.g. for a load balancer's `authenticate-cognito`
/// action (which needs a client secret).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPoolWebClient {
    pub access_token_validity: Option<u32>,
    /// `code` (and/or `implicit`, `client_credentials`).
    #[serde(rename = "AllowedOAuthFlows")]
    pub allowed_oauth_flows: Vec<String>,
    #[serde(rename = "AllowedOAuthFlowsUserPoolClient")]
    pub allowed_oauth_flows_user_pool_client: bool,
    /// e.g. `openid`, `email`.
    #[serde(rename = "AllowedOAuthScopes")]
    pub allowed_oauth_scopes: Vec<String>,
    /// Where the sign-in pages send the user back (HTTPS).
    #[serde(rename = "CallbackURLs")]
    pub callback_urls: Vec<Value<String>>,
    pub client_name: Option<String>,
    pub enable_token_revocation: Option<bool>,
    pub explicit_auth_flows: Option<Vec<String>>,
    pub generate_secret: Option<bool>,
    pub id_token_validity: Option<u32>,
    /// `ENABLED` or `LEGACY`.
    pub prevent_user_existence_errors: Option<String>,
    pub refresh_token_validity: Option<u32>,
    /// `COGNITO` for the pool's own users.
    pub supported_identity_providers: Vec<String>,
    pub token_validity_units: Option<TokenValidityUnits>,
    pub user_pool_id: Value<String>,
}
resource_type!(
    UserPoolWebClient,
    "AWS::Cognito::UserPoolClient",
    ["ClientId", "ClientSecret", "Name"]
);

/// `AWS::Cognito::UserPoolDomain`: the hosted sign-in pages at
/// `https://<domain>.auth.<region>.amazoncognito.com`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPoolDomain {
    /// The prefix: lowercase letters, digits and hyphens, unique in the region.
    pub domain: Value<String>,
    /// `1` (hosted UI) or `2` (managed login).
    pub managed_login_version: Option<u32>,
    pub user_pool_id: Value<String>,
}
resource_type!(
    UserPoolDomain,
    "AWS::Cognito::UserPoolDomain",
    ["CloudFrontDistribution", "ManagedLoginVersion"]
);
