//! An in-memory Lambda and CloudWatch Logs for tests of the inner loop
//! (`apply --hotswap`, `invoke`, `logs`), beside [`super::fake`]. Functions
//! are added by name with [`FakeLambda::add_function`]; an update completes
//! at once (`LastUpdateStatus` Successful) after `in_progress_reads`
//! descriptions, the code hash is the one Lambda reports for a package
//! named `<sha256>.zip` (else the SHA-256 of `bucket/key`), and an
//! invocation answers what [`FakeLambda::answer`] scripted (else echoes the
//! event) with the log tail it scripted. A published version keeps the
//! function's code and environment as they were; [`FakeLambda::fail_next`]
//! makes the next call of an operation fail (a fault between two steps of
//! a hot-swap).

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};

use sha2::{Digest, Sha256};

use super::error::DeployError;
use super::lambda::{
    FunctionState, Functions, Invocation, LiveTail, LogEvent, LogPage, Logs, TailEvent,
};

#[derive(Default)]
struct State {
    functions: BTreeMap<String, FunctionState>,
    /// version numbers published, by function.
    versions: BTreeMap<String, u32>,
    /// The function as each version was published: (function, version).
    published: BTreeMap<(String, String), FunctionState>,
    /// Operations whose next call fails (`PublishVersion`, ...).
    faults: Vec<String>,
    aliases: BTreeMap<(String, String), String>,
    answers: BTreeMap<String, (String, Option<String>, String)>,
    logs: BTreeMap<String, Vec<LogEvent>>,
    calls: Vec<String>,
    in_progress_reads: u32,
    pending_reads: BTreeMap<String, u32>,
    /// Live tail sessions scripted, in the order they start.
    sessions: VecDeque<Vec<Vec<TailEvent>>>,
    live_tail_unsupported: bool,
}

/// The in-memory Lambda and Logs.
#[derive(Default)]
pub struct FakeLambda {
    state: RefCell<State>,
}

fn hash(text: &str) -> String {
    let d = Sha256::digest(text.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// The code hash of the package `where_/key`: Lambda's for blueprint's
/// package names (the zip's SHA-256), else one made up from both.
fn code_hash(where_: &str, key: &str) -> String {
    super::hotswap::package_code_sha256(key).unwrap_or_else(|| hash(&format!("{where_}/{key}")))
}

/// The scripted failure of `operation`, once.
fn fault(st: &mut State, operation: &'static str) -> Result<(), DeployError> {
    match st.faults.iter().position(|f| f == operation) {
        Some(i) => {
            st.faults.remove(i);
            Err(DeployError::Api {
                operation,
                code: "ServiceException".into(),
                message: format!("{operation} failed (a fault injected by the test)"),
            })
        }
        None => Ok(()),
    }
}

fn not_found(operation: &'static str, name: &str) -> DeployError {
    DeployError::Api {
        operation,
        code: "ResourceNotFoundException".into(),
        message: format!("Function not found: {name}"),
    }
}

impl FakeLambda {
    pub fn new() -> Self {
        Self::default()
    }

    /// A deployed function (its package `bucket/key`).
    pub fn add_function(&self, name: &str, key: &str, env: &[(&str, &str)]) {
        let mut st = self.state.borrow_mut();
        st.functions.insert(
            name.into(),
            FunctionState {
                name: name.into(),
                arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{name}"),
                code_sha256: code_hash("deployed", key),
                state: Some("Active".into()),
                last_update_status: Some("Successful".into()),
                last_update_reason: None,
                environment: env
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                log_group: format!("/aws/lambda/{name}"),
            },
        );
    }

    /// Updates stay `InProgress` for this many `GetFunction` calls.
    pub fn slow_updates(&self, reads: u32) {
        self.state.borrow_mut().in_progress_reads = reads;
    }

    /// What invoking `name` returns: a payload, an error kind, a log tail.
    pub fn answer(&self, name: &str, payload: &str, error: Option<&str>, log: &str) {
        self.state.borrow_mut().answers.insert(
            name.into(),
            (payload.into(), error.map(str::to_string), log.into()),
        );
    }

    /// A log event in `group` (events are kept in timestamp order).
    pub fn put_log(&self, group: &str, timestamp: i64, stream: &str, message: &str) {
        let mut st = self.state.borrow_mut();
        let events = st.logs.entry(group.into()).or_default();
        let id = format!("e{}", events.len());
        events.push(LogEvent {
            timestamp,
            stream: stream.into(),
            message: message.into(),
            event_id: id,
        });
        events.sort_by_key(|e| e.timestamp);
    }

    /// The next live tail session: these updates, then its end (as a
    /// session ends after three hours on AWS). Sessions past the scripted
    /// ones send nothing and never end.
    pub fn script_live_tail(&self, updates: Vec<Vec<TailEvent>>) {
        self.state.borrow_mut().sessions.push_back(updates);
    }

    /// StartLiveTail is not implemented, as on a local emulator.
    pub fn without_live_tail(&self) {
        self.state.borrow_mut().live_tail_unsupported = true;
    }

    /// The next call of `operation` (`UpdateFunctionCode`,
    /// `UpdateFunctionConfiguration`, `PublishVersion`, `UpdateAlias`)
    /// fails with a service error, as a throttled or interrupted call would.
    pub fn fail_next(&self, operation: &str) {
        self.state.borrow_mut().faults.push(operation.into());
    }

    /// The function as it is now.
    pub fn function(&self, name: &str) -> Option<FunctionState> {
        self.state.borrow().functions.get(name).cloned()
    }

    /// The version an alias points at.
    pub fn alias(&self, name: &str, alias: &str) -> Option<String> {
        let st = self.state.borrow();
        st.aliases.get(&(name.into(), alias.into())).cloned()
    }

    /// Every call, as `Operation name`.
    pub fn calls(&self) -> Vec<String> {
        self.state.borrow().calls.clone()
    }

    fn updating(&self, operation: &'static str, name: &str) -> Result<(), DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("{operation} {name}"));
        fault(&mut st, operation)?;
        let reads = st.in_progress_reads;
        st.pending_reads.insert(name.into(), reads);
        match st.functions.get_mut(name) {
            Some(f) if reads > 0 => {
                f.last_update_status = Some("InProgress".into());
                Ok(())
            }
            Some(_) => Ok(()),
            None => Err(not_found(operation, name)),
        }
    }
}

impl Functions for FakeLambda {
    async fn get_function(&self, name: &str) -> Result<Option<FunctionState>, DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("GetFunction {name}"));
        let left = st.pending_reads.get(name).copied().unwrap_or(0);
        if left > 0 {
            st.pending_reads.insert(name.into(), left - 1);
        } else if let Some(f) = st.functions.get_mut(name) {
            f.last_update_status = Some("Successful".into());
        }
        Ok(st.functions.get(name).cloned())
    }

    async fn get_qualified(
        &self,
        name: &str,
        qualifier: &str,
    ) -> Result<Option<FunctionState>, DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("GetFunction {name}:{qualifier}"));
        if qualifier == "$LATEST" {
            return Ok(st.functions.get(name).cloned());
        }
        let version = st
            .aliases
            .get(&(name.into(), qualifier.into()))
            .cloned()
            .unwrap_or_else(|| qualifier.into());
        Ok(st.published.get(&(name.into(), version)).cloned())
    }

    async fn update_code(&self, name: &str, bucket: &str, key: &str) -> Result<(), DeployError> {
        self.updating("UpdateFunctionCode", name)?;
        let mut st = self.state.borrow_mut();
        if let Some(f) = st.functions.get_mut(name) {
            f.code_sha256 = code_hash(bucket, key);
        }
        Ok(())
    }

    async fn update_environment(
        &self,
        name: &str,
        variables: &BTreeMap<String, String>,
    ) -> Result<(), DeployError> {
        self.updating("UpdateFunctionConfiguration", name)?;
        let mut st = self.state.borrow_mut();
        if let Some(f) = st.functions.get_mut(name) {
            f.environment = variables.clone();
        }
        Ok(())
    }

    async fn publish_version(&self, name: &str, _description: &str) -> Result<String, DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("PublishVersion {name}"));
        fault(&mut st, "PublishVersion")?;
        let Some(f) = st.functions.get(name).cloned() else {
            return Err(not_found("PublishVersion", name));
        };
        let n = st.versions.entry(name.into()).or_default();
        *n += 1;
        let version = n.to_string();
        st.published.insert((name.into(), version.clone()), f);
        Ok(version)
    }

    async fn update_alias(
        &self,
        name: &str,
        alias: &str,
        version: &str,
    ) -> Result<(), DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("UpdateAlias {name}:{alias}"));
        fault(&mut st, "UpdateAlias")?;
        st.aliases
            .insert((name.into(), alias.into()), version.into());
        Ok(())
    }

    async fn invoke(&self, name: &str, payload: &[u8]) -> Result<Invocation, DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("Invoke {name}"));
        let function = name.split(':').next().unwrap_or(name);
        if !st.functions.contains_key(function) {
            return Err(not_found("Invoke", name));
        }
        let (payload, error, log) = st.answers.get(function).cloned().unwrap_or_else(|| {
            (
                String::from_utf8_lossy(payload).into_owned(),
                None,
                String::new(),
            )
        });
        Ok(Invocation {
            status_code: 200,
            function_error: error,
            payload,
            log_tail: Some(log),
            executed_version: Some("$LATEST".into()),
        })
    }
}

/// A scripted live tail session.
pub struct FakeLiveTail {
    updates: VecDeque<Vec<TailEvent>>,
    ends: bool,
}

impl LiveTail for FakeLiveTail {
    async fn next_update(&mut self) -> Result<Option<Vec<TailEvent>>, DeployError> {
        match self.updates.pop_front() {
            Some(u) => Ok(Some(u)),
            None if self.ends => Ok(None),
            None => std::future::pending().await,
        }
    }
}

impl Logs for FakeLambda {
    type Tail = FakeLiveTail;

    async fn start_live_tail(
        &self,
        group_arns: &[String],
        pattern: Option<&str>,
    ) -> Result<Option<FakeLiveTail>, DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!(
            "StartLiveTail {} pattern={}",
            group_arns.join(","),
            pattern.unwrap_or("-")
        ));
        if st.live_tail_unsupported {
            return Ok(None);
        }
        Ok(Some(match st.sessions.pop_front() {
            Some(updates) => FakeLiveTail {
                updates: updates.into(),
                ends: true,
            },
            None => FakeLiveTail {
                updates: VecDeque::new(),
                ends: false,
            },
        }))
    }

    async fn filter_events(
        &self,
        group: &str,
        start_ms: i64,
        pattern: Option<&str>,
        token: Option<&str>,
    ) -> Result<Option<LogPage>, DeployError> {
        let mut st = self.state.borrow_mut();
        st.calls.push(format!("FilterLogEvents {group}"));
        let Some(events) = st.logs.get(group) else {
            return Ok(None);
        };
        // Pages of two events, so tests see paging.
        let skip: usize = token.and_then(|t| t.parse().ok()).unwrap_or(0);
        let matching: Vec<LogEvent> = events
            .iter()
            .filter(|e| e.timestamp >= start_ms)
            .filter(|e| pattern.is_none_or(|p| e.message.contains(p.trim_matches('"'))))
            .cloned()
            .collect();
        let page: Vec<LogEvent> = matching.iter().skip(skip).take(2).cloned().collect();
        let next = (skip + 2 < matching.len()).then(|| (skip + 2).to_string());
        Ok(Some(LogPage {
            events: page,
            next_token: next,
        }))
    }
}
