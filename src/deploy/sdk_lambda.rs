//! The AWS SDK implementation of [`Functions`] and [`Logs`]: SDK types are
//! converted into the crate's own here.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_cloudwatchlogs as logs;
use aws_sdk_lambda as lambda;
use aws_sdk_lambda::error::SdkError;

use super::error::DeployError;
use super::lambda::{
    FunctionState, Functions, Invocation, LiveTail, LogEvent, LogPage, Logs, TailEvent,
};
use super::sdk::{classify, Aws};

impl Aws {
    fn lambda_fail<E>(
        &self,
        operation: &'static str,
        err: SdkError<E, lambda::config::http::HttpResponse>,
    ) -> DeployError
    where
        E: lambda::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        classify(operation, &self.endpoint, self.timeout, err)
    }

    /// `GetFunction`, of `qualifier` (a version or alias) when given.
    async fn function_at(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> Result<Option<FunctionState>, DeployError> {
        let call = self
            .lambda
            .get_function()
            .function_name(name)
            .set_qualifier(qualifier.map(str::to_string));
        let out = match call.send().await {
            Ok(o) => o,
            Err(e) => {
                if let SdkError::ServiceError(se) = &e {
                    if se.err().is_resource_not_found_exception() {
                        return Ok(None);
                    }
                }
                return Err(self.lambda_fail("GetFunction", e));
            }
        };
        let Some(c) = out.configuration() else {
            return Ok(None);
        };
        let fname = c.function_name().unwrap_or(name).to_string();
        Ok(Some(FunctionState {
            arn: c.function_arn().unwrap_or_default().to_string(),
            code_sha256: c.code_sha256().unwrap_or_default().to_string(),
            state: c.state().map(|s| s.as_str().to_string()),
            last_update_status: c.last_update_status().map(|s| s.as_str().to_string()),
            last_update_reason: c.last_update_status_reason().map(str::to_string),
            environment: c
                .environment()
                .and_then(|e| e.variables())
                .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            log_group: c
                .logging_config()
                .and_then(|l| l.log_group())
                .map(str::to_string)
                .unwrap_or_else(|| format!("/aws/lambda/{fname}")),
            name: fname,
        }))
    }
}

impl Functions for Aws {
    async fn get_function(&self, name: &str) -> Result<Option<FunctionState>, DeployError> {
        self.function_at(name, None).await
    }

    async fn get_qualified(
        &self,
        name: &str,
        qualifier: &str,
    ) -> Result<Option<FunctionState>, DeployError> {
        self.function_at(name, Some(qualifier)).await
    }

    async fn update_code(&self, name: &str, bucket: &str, key: &str) -> Result<(), DeployError> {
        self.lambda
            .update_function_code()
            .function_name(name)
            .s3_bucket(bucket)
            .s3_key(key)
            .send()
            .await
            .map_err(|e| self.lambda_fail("UpdateFunctionCode", e))?;
        Ok(())
    }

    async fn update_environment(
        &self,
        name: &str,
        variables: &BTreeMap<String, String>,
    ) -> Result<(), DeployError> {
        let vars: HashMap<String, String> = variables.clone().into_iter().collect();
        self.lambda
            .update_function_configuration()
            .function_name(name)
            .environment(
                lambda::types::Environment::builder()
                    .set_variables(Some(vars))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| self.lambda_fail("UpdateFunctionConfiguration", e))?;
        Ok(())
    }

    async fn publish_version(&self, name: &str, description: &str) -> Result<String, DeployError> {
        let out = self
            .lambda
            .publish_version()
            .function_name(name)
            .description(description)
            .send()
            .await
            .map_err(|e| self.lambda_fail("PublishVersion", e))?;
        Ok(out.version().unwrap_or_default().to_string())
    }

    async fn update_alias(
        &self,
        name: &str,
        alias: &str,
        version: &str,
    ) -> Result<(), DeployError> {
        self.lambda
            .update_alias()
            .function_name(name)
            .name(alias)
            .function_version(version)
            .send()
            .await
            .map_err(|e| self.lambda_fail("UpdateAlias", e))?;
        Ok(())
    }

    async fn invoke(&self, name: &str, payload: &[u8]) -> Result<Invocation, DeployError> {
        let out = self
            .lambda
            .invoke()
            .function_name(name)
            .payload(aws_smithy_types::Blob::new(payload.to_vec()))
            .log_type(lambda::types::LogType::Tail)
            .send()
            .await
            .map_err(|e| self.lambda_fail("Invoke", e))?;
        let log_tail = out.log_result().map(|b64| {
            aws_smithy_types::base64::decode(b64)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_else(|_| b64.to_string())
        });
        Ok(Invocation {
            status_code: out.status_code(),
            function_error: out.function_error().map(str::to_string),
            payload: out
                .payload()
                .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
                .unwrap_or_default(),
            log_tail,
            executed_version: out.executed_version().map(str::to_string),
        })
    }
}

/// A live tail session of the AWS SDK: StartLiveTail's event stream.
pub struct SdkLiveTail {
    stream: aws_sdk_cloudwatchlogs::primitives::event_stream::EventReceiver<
        logs::types::StartLiveTailResponseStream,
        logs::types::error::StartLiveTailResponseStreamError,
    >,
}

impl LiveTail for SdkLiveTail {
    async fn next_update(&mut self) -> Result<Option<Vec<TailEvent>>, DeployError> {
        use logs::types::StartLiveTailResponseStream as Update;
        loop {
            let update = match self.stream.recv().await {
                Ok(Some(u)) => u,
                Ok(None) => return Ok(None),
                Err(SdkError::ServiceError(se)) if se.err().is_session_timeout_exception() => {
                    return Ok(None)
                }
                Err(e) => {
                    return Err(DeployError::Other {
                        operation: "StartLiveTail",
                        message: aws_sdk_cloudwatchlogs::error::DisplayErrorContext(&e).to_string(),
                    })
                }
            };
            let Update::SessionUpdate(u) = update else {
                continue;
            };
            return Ok(Some(
                u.session_results()
                    .iter()
                    .map(|e| TailEvent {
                        group: e.log_group_identifier().unwrap_or_default().to_string(),
                        event: LogEvent {
                            timestamp: e.timestamp().unwrap_or_default(),
                            stream: e.log_stream_name().unwrap_or_default().to_string(),
                            message: e.message().unwrap_or_default().to_string(),
                            event_id: String::new(),
                        },
                    })
                    .collect(),
            ));
        }
    }
}

/// The endpoint does not implement the operation: HTTP 404 or 501, or an
/// unknown-operation error code.
fn unimplemented<E: logs::error::ProvideErrorMetadata>(
    err: &SdkError<E, logs::config::http::HttpResponse>,
) -> bool {
    let SdkError::ServiceError(se) = err else {
        return false;
    };
    matches!(se.raw().status().as_u16(), 404 | 501)
        || matches!(
            se.err().code(),
            Some("UnknownOperationException" | "UnknownOperation" | "NotImplemented")
        )
}

impl Logs for Aws {
    type Tail = SdkLiveTail;

    async fn start_live_tail(
        &self,
        group_arns: &[String],
        pattern: Option<&str>,
    ) -> Result<Option<SdkLiveTail>, DeployError> {
        // The SDK sends StartLiveTail to `stream-` + the endpoint's host,
        // which a custom endpoint (a local emulator) does not have.
        if !self.endpoint.starts_with("https://cloudformation.") {
            return Ok(None);
        }
        let call = self
            .logs
            .start_live_tail()
            .set_log_group_identifiers(Some(group_arns.to_vec()))
            .set_log_event_filter_pattern(pattern.map(str::to_string));
        match call.send().await {
            Ok(out) => Ok(Some(SdkLiveTail {
                stream: out.response_stream,
            })),
            Err(e) if unimplemented(&e) => Ok(None),
            Err(e) => Err(classify("StartLiveTail", &self.endpoint, self.timeout, e)),
        }
    }

    async fn filter_events(
        &self,
        group: &str,
        start_ms: i64,
        pattern: Option<&str>,
        token: Option<&str>,
    ) -> Result<Option<LogPage>, DeployError> {
        let call = self
            .logs
            .filter_log_events()
            .log_group_name(group)
            .start_time(start_ms)
            .set_filter_pattern(pattern.map(str::to_string))
            .set_next_token(token.map(str::to_string));
        let out = match call.send().await {
            Ok(o) => o,
            Err(e) => {
                if let SdkError::ServiceError(se) = &e {
                    if se.err().is_resource_not_found_exception() {
                        return Ok(None);
                    }
                }
                return Err(classify("FilterLogEvents", &self.endpoint, self.timeout, e));
            }
        };
        Ok(Some(LogPage {
            events: out
                .events()
                .iter()
                .map(|e| LogEvent {
                    timestamp: e.timestamp().unwrap_or_default(),
                    stream: e.log_stream_name().unwrap_or_default().to_string(),
                    message: e.message().unwrap_or_default().to_string(),
                    event_id: e.event_id().unwrap_or_default().to_string(),
                })
                .collect(),
            next_token: out.next_token().map(str::to_string),
        }))
    }
}
