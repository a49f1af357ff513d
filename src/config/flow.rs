//! FLOW: the `flow:` option of the blueprints that chain functions (blog,
//! conference): run the chain as a Step Functions state machine, with a
//! timeout for the whole execution and for each task, and retries.

use std::fmt;

use schemars::JsonSchema;
use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};

use super::Ranged;

/// The longest an express workflow may run, in seconds.
pub const EXPRESS_MAX_SECONDS: u64 = 300;

/// `flow:`: whether, and how, the functions run as a state machine. Always
/// at `options.flow` (its checks across keys name that path, so errors point
/// at the key).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, default)]
pub struct FlowOptions {
    /// Off by default: the functions are chained as before.
    pub enabled: bool,
    /// Standard or express.
    pub r#type: FlowType,
    /// The whole execution (at most 300 for `express`).
    pub timeout_seconds: Ranged<1, 31_536_000>,
    /// Each task (each attempt of it); at most the whole execution's.
    pub task_timeout_seconds: Ranged<1, 900>,
    /// How tasks are retried.
    pub retry: RetryOptions,
    /// X-Ray tracing of executions.
    pub tracing: bool,
}

impl Default for FlowOptions {
    fn default() -> Self {
        FlowOptions {
            enabled: false,
            r#type: FlowType::Standard,
            timeout_seconds: Ranged::of(300),
            task_timeout_seconds: Ranged::of(60),
            retry: RetryOptions::default(),
            tracing: false,
        }
    }
}

/// The options as written, before the checks across them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawFlowOptions {
    enabled: bool,
    r#type: FlowType,
    timeout_seconds: Ranged<1, 31_536_000>,
    task_timeout_seconds: Ranged<1, 900>,
    retry: RetryOptions,
    tracing: bool,
}

impl Default for RawFlowOptions {
    fn default() -> Self {
        let o = FlowOptions::default();
        RawFlowOptions {
            enabled: o.enabled,
            r#type: o.r#type,
            timeout_seconds: o.timeout_seconds,
            task_timeout_seconds: o.task_timeout_seconds,
            retry: o.retry,
            tracing: o.tracing,
        }
    }
}

impl<'de> Deserialize<'de> for FlowOptions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = RawFlowOptions::deserialize(d)?;
        let (whole, task) = (r.timeout_seconds.get(), r.task_timeout_seconds.get());
        if r.r#type == FlowType::Express && whole > EXPRESS_MAX_SECONDS {
            return Err(D::Error::custom(format!(
                "options.flow.timeout_seconds: {whole} is longer than an express workflow may run (at most {EXPRESS_MAX_SECONDS} seconds); use `type: standard` or a shorter timeout"
            )));
        }
        if task > whole {
            return Err(D::Error::custom(format!(
                "options.flow.task_timeout_seconds: {task} is longer than the whole execution may run (timeout_seconds: {whole})"
            )));
        }
        Ok(FlowOptions {
            enabled: r.enabled,
            r#type: r.r#type,
            timeout_seconds: r.timeout_seconds,
            task_timeout_seconds: r.task_timeout_seconds,
            retry: r.retry,
            tracing: r.tracing,
        })
    }
}

/// Standard (exactly once, up to a year, history kept 90 days) or express
/// (at least once, up to five minutes, history in the log group only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FlowType {
    #[default]
    /// A standard workflow.
    Standard,
    /// An express workflow.
    Express,
}

impl FlowType {
    /// `STANDARD` or `EXPRESS`, as `StateMachineType` wants it.
    pub fn as_cfn(self) -> &'static str {
        match self {
            FlowType::Standard => "STANDARD",
            FlowType::Express => "EXPRESS",
        }
    }
}

/// `retry:`: how each task is retried on Lambda service errors, throttling,
/// timeouts and function errors.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RetryOptions {
    /// Retries after the first attempt (0 turns retries off).
    pub max_attempts: Ranged<0, 10>,
    /// The wait before the first retry.
    pub interval_seconds: Ranged<1, 300>,
    /// What each wait is multiplied by, 1.0 to 10.0.
    pub backoff_rate: BackoffRate,
}

impl Default for RetryOptions {
    fn default() -> Self {
        RetryOptions {
            max_attempts: Ranged::of(3),
            interval_seconds: Ranged::of(2),
            backoff_rate: BackoffRate(2.0),
        }
    }
}

/// A retry backoff rate: a number from 1.0 to 10.0.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct BackoffRate(f64);

impl BackoffRate {
    /// The smallest rate allowed.
    pub const MIN: f64 = 1.0;
    /// The largest rate allowed.
    pub const MAX: f64 = 10.0;

    /// Checks `n`: a `BackoffRate`, or why it is not one, in plain words.
    pub fn new(n: f64) -> Result<Self, String> {
        if (Self::MIN..=Self::MAX).contains(&n) {
            Ok(BackoffRate(n))
        } else {
            Err(format!(
                "expected a number from {:.1} to {:.1}, found {n}",
                Self::MIN,
                Self::MAX
            ))
        }
    }

    /// The rate.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl<'de> Deserialize<'de> for BackoffRate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BackoffVisitor)
    }
}

/// Reads an integer or a float, and names a bad one as it was written
/// (`20` or `20.0`), so the error can point at it.
struct BackoffVisitor;

impl BackoffVisitor {
    fn check<E: serde::de::Error>(n: f64, written: String) -> Result<BackoffRate, E> {
        BackoffRate::new(n).map_err(|_| {
            E::custom(format!(
                "expected a number from {:.1} to {:.1}, found {written}",
                BackoffRate::MIN,
                BackoffRate::MAX
            ))
        })
    }
}

impl serde::de::Visitor<'_> for BackoffVisitor {
    type Value = BackoffRate;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number from 1.0 to 10.0")
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<BackoffRate, E> {
        Self::check(n as f64, n.to_string())
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<BackoffRate, E> {
        Self::check(n as f64, n.to_string())
    }

    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<BackoffRate, E> {
        Self::check(n, format!("{n:?}"))
    }
}

super::schema::value_schema!(
    BackoffRate,
    schemars::json_schema!({
        "type": "number",
        "description": "A number from 1.0 to 10.0",
        "minimum": BackoffRate::MIN,
        "maximum": BackoffRate::MAX,
    })
);

impl fmt::Display for BackoffRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
