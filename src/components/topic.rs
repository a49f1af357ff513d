//! An SNS topic encrypted at rest. When only principals of this account
//! publish (functions, through their roles), the AWS managed key
//! `alias/aws/sns` is enough: its key policy admits any principal of the
//! account calling through SNS. An AWS service publishing in its own name
//! (S3 bucket notifications, EventBridge rules, CloudWatch alarms) is not a
//! principal of the account, so the AWS managed key refuses it; such a topic
//! gets a customer-managed key (rotation on, retained) whose policy lets
//! those service principals use it for this account's named sources only.

use crate::cfn::intrinsic::Pseudo;
use crate::cfn::policy::{Principal, Statement};
use crate::cfn::resources::sns::Topic as TopicProps;
use crate::cfn::{LogicalId, Template, Value};
use crate::components::rotating_key;
use crate::error::Error;

/// The AWS managed key of SNS.
pub const AWS_MANAGED_SNS_KEY: &str = "alias/aws/sns";

/// What SNS needs of the key to encrypt a message a publisher sends.
pub const PUBLISH_KEY_ACTIONS: &[&str] = &["kms:Decrypt", "kms:GenerateDataKey"];

/// An AWS service that publishes to the topic in its own name.
#[derive(Clone, Debug, PartialEq)]
pub struct ServicePublisher {
    /// The service principal, e.g. `s3.amazonaws.com`.
    pub service: &'static str,
    /// The resource that publishes (its ARN), e.g. the bucket.
    pub source_arn: Value<String>,
}

/// How to build the topic.
pub struct EncryptedTopic<'a> {
    /// The topic's logical ID; the key, when there is one, is `{id}Key`.
    pub id: &'a str,
    /// The topic's display name.
    pub display_name: Option<&'a str>,
    /// AWS services publishing in their own name (none: the AWS managed key).
    pub service_publishers: Vec<ServicePublisher>,
    /// Requirement IDs the resources serve (their `BlueprintRequirements` metadata).
    pub requirements: &'a [&'a str],
}

/// The IDs other resources need.
pub struct TopicIds {
    /// The topic.
    pub topic: LogicalId,
    /// The customer-managed key, when the topic has one.
    pub key: Option<LogicalId>,
}

impl TopicIds {
    /// What a function's role needs to publish: `sns:Publish` on the topic
    /// and, with a customer-managed key, the key's encryption actions.
    pub fn publish_statements(&self, sid: &str) -> Vec<Statement> {
        let mut statements =
            vec![Statement::allow(&["sns:Publish"], vec![self.topic.r#ref()]).sid(sid)];
        if let Some(key) = &self.key {
            statements.push(
                Statement::allow(PUBLISH_KEY_ACTIONS, vec![key.get_att("Arn")])
                    .sid(&format!("{sid}Encrypted")),
            );
        }
        statements
    }
}

impl EncryptedTopic<'_> {
    /// Adds the topic, and its key when AWS services publish to it.
    pub fn add_to(&self, t: &mut Template) -> Result<TopicIds, Error> {
        let key = if self.service_publishers.is_empty() {
            None
        } else {
            Some(self.add_key(t)?)
        };
        let topic = t
            .add(
                self.id,
                TopicProps {
                    display_name: self.display_name.map(str::to_string).map(Into::into),
                    kms_master_key_id: Some(match &key {
                        Some(k) => k.get_att("Arn"),
                        None => AWS_MANAGED_SNS_KEY.into(),
                    }),
                    ..Default::default()
                },
            )?
            .satisfies(self.requirements)
            .id()
            .clone();
        Ok(TopicIds { topic, key })
    }

    fn add_key(&self, t: &mut Template) -> Result<LogicalId, Error> {
        let account = || vec![Pseudo::AccountId.r#ref()];
        let statements = self
            .service_publishers
            .iter()
            .map(|p| {
                Statement::allow(PUBLISH_KEY_ACTIONS, vec!["*".into()])
                    .sid(&format!("{}Publishes", service_sid(p.service)))
                    .principal(Principal::Service(vec![p.service.into()]))
                    .condition("StringEquals", "aws:SourceAccount", account())
                    .condition("ArnLike", "aws:SourceArn", vec![p.source_arn.clone()])
            })
            .collect();
        Ok(t.add(
            &format!("{}Key", self.id),
            rotating_key(
                format!("Encrypts the messages of the {} topic", self.id),
                statements,
            ),
        )?
        .retain()
        .satisfies(self.requirements)
        .id()
        .clone())
    }
}

/// `s3.amazonaws.com` → `S3`, `events.amazonaws.com` → `Events`.
fn service_sid(service: &str) -> String {
    let name = service.split('.').next().unwrap_or_default();
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_sids_are_capitalized() {
        assert_eq!(service_sid("s3.amazonaws.com"), "S3");
        assert_eq!(service_sid("events.amazonaws.com"), "Events");
    }
}
