//! `blueprint logs [FUNCTION]`: a function's log events (every function's,
//! each line prefixed by its path, without a name), from `--since` on,
//! matching `--filter`, following with `--follow` (CloudWatch Logs live
//! tail, or polling FilterLogEvents where the endpoint lacks it). JSON log
//! lines (Lambda's JSON log format) are shown as `LEVEL message key=value`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value as Json;

use crate::commands::aws::{connect, runtime};
use crate::commands::plan::{regions_of, synthesize_project, DeployArgs};
use crate::deploy::cloudformation::CloudFormation;
use crate::deploy::lambda::{
    deployed_functions, DeployedFunction, Functions, LiveTail, LogEvent, Logs,
};
use crate::deploy::plan::dx;
use crate::deploy::regions::Regions;
use crate::deploy::StackStateError;
use crate::error::Error;
use crate::output::{OutputFormat, Printer};
use crate::synthesis::Synthesized;

/// `logs`' request.
#[derive(Clone, Debug)]
pub struct LogsRequest {
    pub deploy: DeployArgs,
    pub function: Option<String>,
    pub follow: bool,
    pub since: Duration,
    pub filter: Option<String>,
    pub output: OutputFormat,
}

/// `--since`: `30s`, `10m`, `2h`, `1d` (at most 30 days).
pub fn parse_since(s: &str) -> Result<Duration, String> {
    let bad = || format!("`{s}` is not a duration: write it as 30s, 10m, 2h or 1d (at most 30d)");
    let t = s.trim();
    let unit = t.chars().last().ok_or_else(bad)?;
    let n: u64 = t[..t.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
    let secs = match unit {
        's' => n,
        'm' => n.checked_mul(60).ok_or_else(bad)?,
        'h' => n.checked_mul(3600).ok_or_else(bad)?,
        'd' => n.checked_mul(86_400).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    if secs == 0 || secs > 30 * 86_400 {
        return Err(bad());
    }
    Ok(Duration::from_secs(secs))
}

/// `--filter`: a CloudWatch Logs filter pattern (1 to 1,024 characters).
pub fn parse_filter(s: &str) -> Result<String, String> {
    if s.trim().is_empty() || s.chars().count() > 1024 || s.chars().any(char::is_control) {
        return Err(format!(
            "`{s}` is not a filter pattern: give 1 to 1024 printable characters, such as ERROR or '{{ $.level = \"ERROR\" }}'"
        ));
    }
    Ok(s.to_string())
}

/// The deployed function `name` names (its path or logical ID, any case),
/// or an error listing the functions with the nearest one suggested.
pub fn find_function<'a>(
    name: &str,
    functions: &'a [DeployedFunction],
) -> Result<&'a DeployedFunction, Error> {
    let lower = name.to_ascii_lowercase();
    let by = |f: &&DeployedFunction| f.path.to_ascii_lowercase() == lower;
    if let Some(f) = functions
        .iter()
        .find(|f| f.path == name)
        .or_else(|| functions.iter().find(by))
    {
        return Ok(f);
    }
    let nearest = functions
        .iter()
        .min_by_key(|f| strsim::damerau_levenshtein(&lower, &f.path.to_ascii_lowercase()))
        .map(|f| format!("; did you mean `{}`?", f.path))
        .unwrap_or_default();
    let all: Vec<&str> = functions.iter().map(|f| f.path.as_str()).collect();
    Err(Error::User(format!(
        "no function `{name}` in the deployed stacks{nearest} (the functions: {})",
        if all.is_empty() {
            "none".to_string()
        } else {
            all.join(", ")
        }
    )))
}

/// The functions of every stack of `synth`, as deployed.
pub async fn project_functions<C: CloudFormation>(
    regions: &Regions<C>,
    synth: &Synthesized,
) -> Result<Vec<(String, DeployedFunction)>, Error> {
    let mut out = Vec::new();
    for st in &synth.expansion.stacks {
        let cf = regions.get(st.region.as_str())?;
        if cf
            .describe_stack(&st.stack_name)
            .await
            .map_err(dx)?
            .is_none()
        {
            return Err(StackStateError::NotDeployed {
                stack: st.stack_name.to_string(),
                region: st.region.to_string(),
            }
            .into());
        }
        for f in deployed_functions(cf, &st.stack_name).await? {
            out.push((st.region.to_string(), f));
        }
    }
    Ok(out)
}

/// One function's log group and where its reading is.
struct Source {
    region: String,
    path: String,
    group: String,
    /// The group's ARN (for live tail), from the function's.
    arn: Option<String>,
    /// The next events start here (ms since the epoch).
    from: i64,
    /// Events already shown at `from` (FilterLogEvents' start is inclusive).
    seen: Vec<String>,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// The ARN of log group `group` in the account and region of the function
/// `function_arn` (`arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME`).
pub fn log_group_arn(function_arn: &str, group: &str) -> Option<String> {
    let parts: Vec<&str> = function_arn.split(':').collect();
    match parts.as_slice() {
        ["arn", partition, "lambda", region, account, "function", ..]
            if !partition.is_empty() && !region.is_empty() && !account.is_empty() =>
        {
            Some(format!(
                "arn:{partition}:logs:{region}:{account}:log-group:{group}"
            ))
        }
        _ => None,
    }
}

/// StartLiveTail takes at most this many log groups.
const LIVE_TAIL_GROUPS: usize = 10;

/// Prints the log events of the function asked for (or every function);
/// with `follow`, goes on following until Ctrl-C.
pub async fn logs_with<C: CloudFormation, L: Functions + Logs>(
    regions: &Regions<C>,
    lambdas: &Regions<L>,
    synth: &Synthesized,
    req: &LogsRequest,
    printer: &mut Printer,
) -> Result<i32, Error> {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    logs_until(regions, lambdas, synth, req, printer, ctrl_c).await
}

/// [`logs_with`], following until `stop` completes: with CloudWatch Logs
/// live tail (a new session when one ends), or by polling FilterLogEvents
/// where the endpoint does not implement live tail.
pub async fn logs_until<C: CloudFormation, L: Functions + Logs>(
    regions: &Regions<C>,
    lambdas: &Regions<L>,
    synth: &Synthesized,
    req: &LogsRequest,
    printer: &mut Printer,
    stop: impl std::future::Future<Output = ()>,
) -> Result<i32, Error> {
    crate::deploy::account::check(regions, synth).await?;
    let mut stop = std::pin::pin!(stop);
    let mut sources = sources_of(regions, lambdas, synth, req).await?;
    let prefix = req.function.is_none();
    let mut shown = poll_round(lambdas, &mut sources, req, printer, prefix).await?;
    if !req.follow {
        return Ok(crate::EXIT_OK);
    }
    if follow_live(lambdas, &mut sources, req, printer, stop.as_mut()).await? {
        return Ok(crate::EXIT_OK);
    }
    let mut pause = Duration::from_millis(500);
    loop {
        pause = if shown == 0 {
            (pause * 2).min(Duration::from_secs(2))
        } else {
            Duration::from_millis(500)
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.as_mut() => return Ok(crate::EXIT_OK),
        }
        shown = poll_round(lambdas, &mut sources, req, printer, prefix).await?;
    }
}

/// The log group of each function asked for (or of every function).
async fn sources_of<C: CloudFormation, L: Functions>(
    regions: &Regions<C>,
    lambdas: &Regions<L>,
    synth: &Synthesized,
    req: &LogsRequest,
) -> Result<Vec<Source>, Error> {
    let all = project_functions(regions, synth).await?;
    let chosen: Vec<&(String, DeployedFunction)> = match &req.function {
        Some(name) => {
            let list: Vec<DeployedFunction> = all.iter().map(|(_, f)| f.clone()).collect();
            let f = find_function(name, &list)?;
            all.iter().filter(|(_, g)| g.path == f.path).collect()
        }
        None => all.iter().collect(),
    };
    let start = now_ms() - req.since.as_millis() as i64;
    let mut sources = Vec::new();
    for (region, f) in chosen {
        let l = lambdas.get(region)?;
        let (group, arn) = match l.get_function(&f.name).await.map_err(dx)? {
            Some(state) => {
                let arn = log_group_arn(&state.arn, &state.log_group);
                (state.log_group, arn)
            }
            None => (format!("/aws/lambda/{}", f.name), None),
        };
        sources.push(Source {
            region: region.clone(),
            path: f.path.clone(),
            group,
            arn,
            from: start,
            seen: Vec::new(),
        });
    }
    Ok(sources)
}

/// Reads and prints every source's new events in time order; returns how
/// many it printed.
async fn poll_round<L: Logs>(
    lambdas: &Regions<L>,
    sources: &mut [Source],
    req: &LogsRequest,
    printer: &mut Printer,
    prefix: bool,
) -> Result<usize, Error> {
    let mut batch = Vec::new();
    for s in sources.iter_mut() {
        let l = lambdas.get(&s.region)?;
        for e in read_new(l, s, req.filter.as_deref()).await? {
            batch.push((s.path.clone(), e));
        }
    }
    batch.sort_by_key(|(_, e)| e.timestamp);
    for (path, e) in &batch {
        print_event(printer, req.output, prefix.then_some(path.as_str()), e);
    }
    Ok(batch.len())
}

/// Follows with live tail, starting a new session whenever one ends, until
/// `stop` (then `true`). `false` when live tail cannot be used: the
/// functions span regions or more than one session's groups, a group's ARN
/// is unknown, or the endpoint does not implement it (said once on
/// stderr); polling follows from where the events shown end.
async fn follow_live<L: Logs, S: std::future::Future<Output = ()>>(
    lambdas: &Regions<L>,
    sources: &mut [Source],
    req: &LogsRequest,
    printer: &mut Printer,
    mut stop: std::pin::Pin<&mut S>,
) -> Result<bool, Error> {
    let Some(region) = sources.first().map(|s| s.region.clone()) else {
        return Ok(false);
    };
    let arns: Vec<String> = sources.iter().filter_map(|s| s.arn.clone()).collect();
    if arns.len() != sources.len()
        || arns.len() > LIVE_TAIL_GROUPS
        || sources.iter().any(|s| s.region != region)
    {
        return Ok(false);
    }
    let l = lambdas.get(&region)?;
    let prefix = req.function.is_none();
    let mut started = false;
    loop {
        let Some(mut tail) = l
            .start_live_tail(&arns, req.filter.as_deref())
            .await
            .map_err(dx)?
        else {
            printer.note("live tail is not available at this endpoint: following by polling");
            if started {
                let now = now_ms();
                for s in sources.iter_mut() {
                    s.from = now;
                    s.seen.clear();
                }
            }
            return Ok(false);
        };
        started = true;
        loop {
            let update = tokio::select! {
                u = tail.next_update() => u.map_err(dx)?,
                _ = stop.as_mut() => return Ok(true),
            };
            // The session ended (after three hours on AWS): start another.
            let Some(mut events) = update else { break };
            events.sort_by_key(|t| t.event.timestamp);
            for t in &events {
                let path = path_of(sources, &t.group);
                print_event(printer, req.output, path.filter(|_| prefix), &t.event);
            }
        }
    }
}

/// The function path of the log group a live tail event names (its ARN,
/// with or without `:*`, or its name).
fn path_of<'a>(sources: &'a [Source], group: &str) -> Option<&'a str> {
    let id = group.strip_suffix(":*").unwrap_or(group);
    sources
        .iter()
        .find(|s| s.arn.as_deref() == Some(id) || s.group == id)
        .map(|s| s.path.as_str())
}

/// The events of one source not shown yet, every page.
async fn read_new<L: Logs>(
    l: &L,
    s: &mut Source,
    filter: Option<&str>,
) -> Result<Vec<LogEvent>, Error> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let Some(page) = l
            .filter_events(&s.group, s.from, filter, token.as_deref())
            .await
            .map_err(dx)?
        else {
            return Ok(out);
        };
        out.extend(
            page.events
                .into_iter()
                .filter(|e| !s.seen.contains(&e.event_id)),
        );
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    if let Some(last) = out.iter().map(|e| e.timestamp).max() {
        if last > s.from {
            s.from = last;
            s.seen.clear();
        }
        let from = s.from;
        s.seen.extend(
            out.iter()
                .filter(|e| e.timestamp == from)
                .map(|e| e.event_id.clone()),
        );
    }
    Ok(out)
}

/// RFC 3339 UTC with milliseconds.
fn time_of(ms: i64) -> String {
    aws_smithy_types::DateTime::from_millis(ms)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| ms.to_string())
}

/// A log message as a reader wants it: a JSON log line (Lambda's JSON
/// format, or a platform event) as `LEVEL message key=value ...`, anything
/// else as it is, without its trailing newline.
pub fn readable(message: &str) -> String {
    let text = message.trim_end();
    let Ok(Json::Object(m)) = serde_json::from_str::<Json>(text) else {
        return text.to_string();
    };
    let s = |v: &Json| match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut parts = Vec::new();
    if let Some(level) = m.get("level").or_else(|| m.get("type")) {
        parts.push(s(level));
    }
    if let Some(msg) = m.get("message").or_else(|| m.get("record")) {
        parts.push(s(msg));
    }
    for (k, v) in &m {
        if !matches!(
            k.as_str(),
            "level" | "type" | "message" | "record" | "timestamp" | "time"
        ) {
            parts.push(format!("{k}={}", s(v)));
        }
    }
    parts.join(" ")
}

fn print_event(printer: &mut Printer, output: OutputFormat, path: Option<&str>, e: &LogEvent) {
    match output {
        OutputFormat::Json => {
            let parsed = serde_json::from_str::<Json>(e.message.trim_end())
                .ok()
                .filter(Json::is_object);
            let line = serde_json::json!({
                "function": path, "time": time_of(e.timestamp), "timestamp": e.timestamp,
                "stream": e.stream, "message": e.message.trim_end(), "json": parsed,
            });
            printer.result(&line.to_string());
        }
        OutputFormat::Text => {
            let prefix = path.map(|p| format!("{p}  ")).unwrap_or_default();
            printer.result(&format!(
                "{} {prefix}{}",
                time_of(e.timestamp),
                readable(&e.message)
            ));
        }
    }
}

pub fn run(req: &LogsRequest, printer: &mut Printer) -> Result<i32, Error> {
    let synth = synthesize_project(&req.deploy.project)?;
    let regions = regions_of(&synth);
    runtime()?.block_on(async {
        let clients = connect(&regions, &req.deploy.aws).await;
        logs_with(&clients, &clients, &synth, req, printer).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_a_number_and_a_unit() {
        assert_eq!(parse_since("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_since("1d"), Ok(Duration::from_secs(86_400)));
        for bad in [
            "",
            "m",
            "10",
            "-5m",
            "10y",
            "0s",
            "31d",
            "99999999999999999999d",
        ] {
            assert!(parse_since(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn json_lines_are_shown_readably() {
        let line = r#"{"timestamp":"2026-12-05T12:00:00Z","level":"ERROR","message":"boom","requestId":"r-1"}"#;
        assert_eq!(readable(line), "ERROR boom requestId=r-1");
        assert_eq!(readable("plain text\n"), "plain text");
    }

    #[test]
    fn a_log_groups_arn_comes_from_its_functions() {
        assert_eq!(
            log_group_arn(
                "arn:aws-cn:lambda:cn-north-1:123456789012:function:f",
                "/aws/lambda/f"
            )
            .as_deref(),
            Some("arn:aws-cn:logs:cn-north-1:123456789012:log-group:/aws/lambda/f")
        );
        assert_eq!(log_group_arn("not-an-arn", "/aws/lambda/f"), None);
    }
}
