//! BLOG-5: the welcome email, sent to each new user once Cognito has
//! verified their address.

use indexmap::IndexMap;

use super::{Blog, SesIdentity};
use crate::assets::Package;
use crate::cfn::policy::Statement;
use crate::cfn::{LogicalId, Template};
use crate::components::arn;
use crate::components::function::LambdaFunction;
use crate::components::function_triggers::{
    add_failure_queue, send_to_queue_statement, stream_read_statement, StreamTrigger,
};
use crate::error::Error;

/// BLOG-5: the welcome email, for new users only.
pub(super) fn add_welcome_email(
    t: &mut Template,
    b: &Blog,
    package: &Package,
    users: &LogicalId,
) -> Result<(), Error> {
    let o = b.o;
    let welcome_failures = add_failure_queue(t, "WelcomeEmailFailures", &["BLOG-5"])?;
    let identity = match o.welcome_email.identity {
        SesIdentity::Domain => o.welcome_email.sender.domain().to_string(),
        SesIdentity::Address => o.welcome_email.sender.to_string(),
    };
    let mut welcome_statements = vec![
        Statement::allow(
            &["ses:SendEmail"],
            vec![arn(&format!(
                "ses:${{AWS::Region}}:${{AWS::AccountId}}:identity/{identity}"
            ))],
        )
        .sid("SendOnlyFromTheConfiguredIdentity")
        .condition(
            "StringEquals",
            "ses:FromAddress",
            vec![o.welcome_email.sender.as_str().into()],
        ),
        Statement::allow(&["dynamodb:UpdateItem"], vec![users.get_att("Arn")])
            .sid("MarkUsersWelcomed"),
        send_to_queue_statement(&welcome_failures, "KeepFailedRecords"),
    ];
    welcome_statements.extend(stream_read_statement(users));
    let mut welcome_env = IndexMap::new();
    welcome_env.insert("USERS_TABLE".to_string(), users.r#ref());
    welcome_env.insert("SENDER".to_string(), o.welcome_email.sender.as_str().into());
    welcome_env.insert(
        "SUBJECT".to_string(),
        o.welcome_email.subject.as_str().into(),
    );
    welcome_env.insert(
        "SITE_NAME".to_string(),
        o.welcome_email.site_name.as_str().into(),
    );
    welcome_env.insert("SITE_URL".to_string(), b.site_url.clone());
    let welcome = LambdaFunction {
        name: "WelcomeEmail",
        description: "Sends the welcome email to each new user (users-table stream, INSERT only)",
        package,
        assets_bucket: &b.assets,
        handler: "handler.handler",
        memory_mb: o.functions.welcome_email.memory_mb.get_u32(),
        timeout_s: o.functions.welcome_email.timeout_seconds.get_u32(),
        architecture: o.functions.architecture.as_str(),
        environment: welcome_env,
        statements: welcome_statements,
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc: None,
        requirements: &["BLOG-5"],
    }
    .add_to(t)?;
    StreamTrigger {
        id: "WelcomeEmailTrigger",
        function: &welcome.function,
        table: users,
        event_names: &["INSERT"],
        batch_size: 10,
        max_retries: 3,
        on_failure: Some(&welcome_failures),
        requirements: &["BLOG-5"],
    }
    .add_to(t)?;
    Ok(())
}
