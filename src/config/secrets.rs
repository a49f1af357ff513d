//! Values kept outside the project file: an SSM parameter or a Secrets
//! Manager secret named where a function's environment variable (or another
//! secret-capable option) takes text. Only names ever reach a template, a
//! plan or the output; the value is read by CloudFormation (an SSM `String`
//! parameter, as a dynamic reference) or by the function at run time (a
//! `SecureString` parameter or a secret: the variable holds the name and
//! the function's role may read exactly that one).
//!
//! ```yaml
//! environment:
//!   CURRENCY: EUR                                    # text
//!   DB_HOST: { ssm: /orders/db-host }                # String parameter, resolved at deploy
//!   API_TOKEN: { ssm: /orders/api-token, secure: true }  # SecureString, read at run time
//!   DB_PASSWORD: { secret: orders/db }               # Secrets Manager, read at run time
//!   SIGNING_KEY: { secret: orders/signing, kms_key: arn:aws:kms:us-east-1:123456789012:key/… }
//! ```

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

/// The longest SSM parameter name (AWS allows 1,011 characters).
const MAX_SSM_NAME: usize = 1_011;
/// The longest Secrets Manager secret name.
const MAX_SECRET_NAME: usize = 512;

/// An environment variable's value: text, or the name of a value kept in
/// SSM Parameter Store or Secrets Manager.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum EnvValue {
    /// Text, as written.
    Text(String),
    /// A value kept elsewhere, by name.
    Stored(StoredValue),
}

super::schema::value_schema!(
    EnvValue,
    schemars::json_schema!({
        "description": "Text (a number or true/false is taken as its text), or the name of a value kept in SSM Parameter Store or Secrets Manager",
        "anyOf": [
            {"type": ["string", "number", "boolean"]},
            {
                "type": "object",
                "description": "An SSM parameter: a String one CloudFormation resolves at deploy, or with `secure: true` a SecureString the function reads at run time",
                "properties": {
                    "ssm": {"type": "string", "minLength": 1, "maxLength": 1011, "pattern": "^[A-Za-z0-9_./-]+$"},
                    "secure": {"type": "boolean"},
                    "kms_key": {"type": "string", "pattern": "^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$"},
                },
                "required": ["ssm"],
                "additionalProperties": false,
            },
            {
                "type": "object",
                "description": "A Secrets Manager secret (name or ARN) the function reads at run time",
                "properties": {
                    "secret": {"type": "string", "minLength": 1, "maxLength": 2048},
                    "kms_key": {"type": "string", "pattern": "^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$"},
                },
                "required": ["secret"],
                "additionalProperties": false,
            },
        ],
    })
);

/// A value kept in SSM Parameter Store or Secrets Manager, by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum StoredValue {
    /// `{ ssm: NAME }` (a `String` parameter CloudFormation resolves at
    /// deploy) or `{ ssm: NAME, secure: true }` (a `SecureString` the
    /// function reads at run time).
    Ssm(SsmValue),
    /// `{ secret: NAME-or-ARN }`: a Secrets Manager secret the function
    /// reads at run time.
    Secret(SecretValue),
}

/// `{ ssm: NAME, secure: BOOL, kms_key: ARN }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SsmValue {
    /// The parameter's name (`/orders/db-host` or `db-host`).
    pub ssm: String,
    /// A `SecureString`: the function reads it at run time.
    #[serde(skip_serializing_if = "is_false")]
    pub secure: bool,
    /// The customer-managed KMS key a `SecureString` is encrypted with, if
    /// not the AWS managed `aws/ssm`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
}

/// `{ secret: NAME-or-ARN, kms_key: ARN }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecretValue {
    /// The secret's name (`orders/db`) or full ARN.
    pub secret: String,
    /// The customer-managed KMS key the secret is encrypted with, if not
    /// the AWS managed `aws/secretsmanager`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The mapping form as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStored {
    #[serde(default)]
    ssm: Option<String>,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    secure: Option<bool>,
    #[serde(default)]
    kms_key: Option<String>,
}

impl StoredValue {
    /// Whether the function reads the value itself at run time (and its
    /// role needs to be allowed to), rather than CloudFormation at deploy.
    pub fn read_at_run_time(&self) -> bool {
        match self {
            StoredValue::Ssm(s) => s.secure,
            StoredValue::Secret(_) => true,
        }
    }

    /// The customer-managed key the value is encrypted with, if any.
    pub fn kms_key(&self) -> Option<&str> {
        match self {
            StoredValue::Ssm(s) => s.kms_key.as_deref(),
            StoredValue::Secret(s) => s.kms_key.as_deref(),
        }
    }

    fn check(r: RawStored) -> Result<Self, String> {
        let v = match (r.ssm, r.secret) {
            (Some(_), Some(_)) => {
                return Err(
                    "`ssm` and `secret` both given: name one place the value is kept, an SSM parameter (`ssm:`) or a Secrets Manager secret (`secret:`)"
                        .into(),
                )
            }
            (None, None) => {
                return Err(
                    "a value kept elsewhere names an SSM parameter (`{ ssm: /my/parameter }`) or a Secrets Manager secret (`{ secret: my-secret }`)"
                        .into(),
                )
            }
            (Some(name), None) => {
                check_ssm_name(&name)?;
                let secure = r.secure.unwrap_or(false);
                if secure && name.starts_with("/aws/service/") {
                    return Err(
                        "`secure`: AWS's public parameters (`/aws/service/...`) are String parameters; leave out `secure`"
                            .into(),
                    );
                }
                if r.kms_key.is_some() && !secure {
                    return Err(
                        "`kms_key` is for a SecureString parameter the function reads (`secure: true`); CloudFormation reads a String parameter itself"
                            .into(),
                    );
                }
                StoredValue::Ssm(SsmValue {
                    ssm: name,
                    secure,
                    kms_key: r.kms_key,
                })
            }
            (None, Some(id)) => {
                if r.secure.is_some() {
                    return Err(
                        "`secure` is for SSM parameters; a Secrets Manager secret is always read by the function at run time"
                            .into(),
                    );
                }
                check_secret_id(&id)?;
                StoredValue::Secret(SecretValue {
                    secret: id,
                    kms_key: r.kms_key,
                })
            }
        };
        if let Some(k) = v.kms_key() {
            check_kms_key(k)?;
        }
        Ok(v)
    }
}

/// The characters AWS allows in an SSM parameter name.
fn ssm_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_.-/".contains(c)
}

fn check_ssm_name(name: &str) -> Result<(), String> {
    let shown = name;
    if name.is_empty() {
        return Err("`ssm` is empty: name an SSM parameter, like `/orders/db-host`".into());
    }
    if name.chars().count() > MAX_SSM_NAME {
        return Err(format!(
            "`ssm`: the parameter name `{shown}` is {} characters long; SSM allows {MAX_SSM_NAME}",
            name.chars().count()
        ));
    }
    if let Some(c) = name.chars().find(|c| !ssm_char(*c)) {
        return Err(format!(
            "`ssm`: `{shown}` is not an SSM parameter name: {} is not allowed (letters, digits and `_ . - /` are)",
            describe(c)
        ));
    }
    if (name.contains('/') && !name.starts_with('/')) || name.contains("//") || name.ends_with('/')
    {
        return Err(format!(
            "`ssm`: `{shown}` is not an SSM parameter name: a path starts with `/` and has no empty or trailing segment (like `/orders/db-host`)"
        ));
    }
    let lower = name.trim_start_matches('/').to_ascii_lowercase();
    if (lower.starts_with("aws") || lower.starts_with("ssm")) && !lower.starts_with("aws/service/")
    {
        return Err(format!(
            "`ssm`: `{shown}` is not a parameter of yours: names starting with `aws` or `ssm` are reserved by AWS (its public ones are under `/aws/service/`)"
        ));
    }
    Ok(())
}

/// The characters AWS allows in a secret's name.
fn secret_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/_+=.@-".contains(c)
}

fn check_secret_id(id: &str) -> Result<(), String> {
    let shown = id;
    if id.is_empty() {
        return Err("`secret` is empty: name a Secrets Manager secret, like `orders/db`".into());
    }
    if id.starts_with("arn:") {
        return check_secret_arn(id);
    }
    if id.chars().count() > MAX_SECRET_NAME {
        return Err(format!(
            "`secret`: the name `{shown}` is {} characters long; Secrets Manager allows {MAX_SECRET_NAME}",
            id.chars().count()
        ));
    }
    if let Some(c) = id.chars().find(|c| !secret_char(*c)) {
        return Err(format!(
            "`secret`: `{shown}` is not a secret name: {} is not allowed (letters, digits and `/ _ + = . @ -` are)",
            describe(c)
        ));
    }
    Ok(())
}

/// `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`.
fn check_secret_arn(arn: &str) -> Result<(), String> {
    let p: Vec<&str> = arn.splitn(7, ':').collect();
    let suffix_ok = |name: &str| {
        name.rsplit_once('-').is_some_and(|(n, s)| {
            !n.is_empty()
                && n.chars().all(secret_char)
                && s.len() == 6
                && s.chars().all(|c| c.is_ascii_alphanumeric())
        })
    };
    let ok = p.len() == 7
        && p[1].starts_with("aws")
        && p[2] == "secretsmanager"
        && super::Region::new(p[3]).is_ok()
        && p[4].len() == 12
        && p[4].chars().all(|c| c.is_ascii_digit())
        && p[5] == "secret"
        && suffix_ok(p[6]);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`secret`: `{}` is not a secret's ARN (`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf`); or give the secret's name",
            arn
        ))
    }
}

/// `arn:<partition>:kms:<region>:<account>:key/<id>`.
fn check_kms_key(arn: &str) -> Result<(), String> {
    let p: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = p.len() == 6
        && p[1].starts_with("aws")
        && p[2] == "kms"
        && super::Region::new(p[3]).is_ok()
        && p[4].len() == 12
        && p[4].chars().all(|c| c.is_ascii_digit())
        && p[5].strip_prefix("key/").is_some_and(|id| {
            !id.is_empty()
                && id.len() <= 128
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`kms_key`: `{}` is not a KMS key ARN (`arn:aws:kms:REGION:ACCOUNT:key/KEY-ID`)",
            arn
        ))
    }
}

fn describe(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("the character U+{:04X}", c as u32)
    } else {
        format!("`{c}`")
    }
}

impl<'de> Deserialize<'de> for StoredValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Option::<RawStored>::deserialize(d)?.ok_or_else(|| {
            de::Error::custom(
                "a value kept elsewhere cannot be null: write `{ ssm: NAME }` or `{ secret: NAME }`",
            )
        })?;
        StoredValue::check(raw).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for EnvValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EnvValueVisitor)
    }
}

struct EnvValueVisitor;

/// Text, unless it is a dynamic reference written by hand: CloudFormation
/// would resolve `{{resolve:secretsmanager:...}}` into the function's
/// configuration, in clear text for anyone who may read it.
fn text<E: de::Error>(v: String) -> Result<EnvValue, E> {
    if v.contains("{{resolve:") {
        return Err(E::custom(
            "a dynamic reference (`{{resolve:...}}`) is not text blueprint passes on: write `{ ssm: NAME }` for an SSM parameter or `{ secret: NAME }` for a secret (the function reads it at run time; resolved by CloudFormation, its value would be in the function's configuration)",
        ));
    }
    Ok(EnvValue::Text(v))
}

impl<'de> Visitor<'de> for EnvValueVisitor {
    type Value = EnvValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("text, `{ ssm: NAME }` or `{ secret: NAME }`")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<EnvValue, E> {
        text(v.to_string())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<EnvValue, E> {
        text(v)
    }

    // A plain scalar YAML reads as a number or a boolean is the text of
    // that value (`8080`, `true`); a spelling YAML does not keep (`1.50`,
    // `007`) needs quotes.
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<EnvValue, E> {
        Ok(EnvValue::Text(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<EnvValue, E> {
        Ok(EnvValue::Text(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<EnvValue, E> {
        Ok(EnvValue::Text(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<EnvValue, E> {
        Ok(EnvValue::Text(v.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<EnvValue, E> {
        Err(E::custom(
            "an environment variable cannot be null: write text (quoted, like \"\" for none), `{ ssm: NAME }` or `{ secret: NAME }`",
        ))
    }

    fn visit_none<E: de::Error>(self) -> Result<EnvValue, E> {
        self.visit_unit()
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<EnvValue, A::Error> {
        let raw = RawStored::deserialize(de::value::MapAccessDeserializer::new(map))?;
        StoredValue::check(raw)
            .map(EnvValue::Stored)
            .map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ssm(name: &str) -> Result<StoredValue, String> {
        StoredValue::check(RawStored {
            ssm: Some(name.into()),
            secret: None,
            secure: None,
            kms_key: None,
        })
    }

    fn secret(id: &str) -> Result<StoredValue, String> {
        StoredValue::check(RawStored {
            ssm: None,
            secret: Some(id.into()),
            secure: None,
            kms_key: None,
        })
    }

    #[test]
    fn ssm_names() {
        assert!(ssm("/orders/db-host").is_ok());
        assert!(ssm("db_host.v2").is_ok());
        assert!(ssm("/aws/service/global-infrastructure/regions").is_ok());
        for bad in [
            "",
            "orders/db",
            "/a//b",
            "/a/",
            "/a b",
            "/a$b",
            "/awsx",
            "ssm-x",
        ] {
            assert!(ssm(bad).is_err(), "{bad}");
        }
        assert!(ssm(&format!("/{}", "a".repeat(MAX_SSM_NAME))).is_err());
    }

    #[test]
    fn secret_names_and_arns() {
        assert!(secret("orders/db").is_ok());
        assert!(secret("a+b=c.d@e-f_g").is_ok());
        assert!(
            secret("arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/db-AbCdEf").is_ok()
        );
        for bad in [
            "",
            "a b",
            "a:b",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders",
            "arn:aws:ssm:us-east-1:123456789012:secret:orders-AbCdEf",
        ] {
            assert!(secret(bad).is_err(), "{bad}");
        }
        assert!(secret(&"a".repeat(MAX_SECRET_NAME + 1)).is_err());
    }

    #[test]
    fn kms_keys() {
        assert!(check_kms_key("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab").is_ok());
        assert!(check_kms_key("arn:aws:kms:us-east-1:123456789012:alias/x").is_err());
        assert!(check_kms_key("key/1234").is_err());
    }
}
