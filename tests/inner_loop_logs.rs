//! `logs` and `invoke` over the in-memory CloudFormation and Lambda: every
//! page of events is read once, functions are merged in time order with
//! the function's path, `--follow` uses live tail (a new session when one
//! ends, the filter passed through) or polls where live tail is missing,
//! and a function error is printed and then exits 1.

use std::time::Duration;

use blueprint::commands::invoke::{invoke_with, EventSource, InvokeRequest};
use blueprint::commands::logs::{logs_until, logs_with, LogsRequest};
use blueprint::deploy::fake::FakeCloud;
use blueprint::deploy::fake_lambda::FakeLambda;
use blueprint::deploy::lambda::{LogEvent, TailEvent};
use blueprint::deploy::regions::Regions;
use blueprint::output::{OutputFormat, Printer, Verbosity};
use blueprint::synthesis::Synthesized;

use crate::common::{applied, block_on, cloud, deploy_args, synth_project, text};

fn deployed_todo() -> (Regions<FakeCloud>, Synthesized) {
    let s = synth_project(
        "todo",
        "blueprint: todo\nstack_name: todo\nregion: us-east-1\n".into(),
    );
    let r = cloud();
    applied(&r, &s);
    (r, s)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[test]
fn every_page_is_read_once_in_time_order_under_the_functions_path() {
    let (r, s) = deployed_todo();
    let l = FakeLambda::new();
    l.add_function("phys-ApiFunction", "a.zip", &[]);
    let t = now_ms() - 5_000;
    for (i, m) in ["one", "two", "three"].iter().enumerate() {
        l.put_log("/aws/lambda/phys-ApiFunction", t + 2 * i as i64, "s", m);
    }
    l.put_log(
        "/aws/lambda/phys-ApiFunction",
        t + 1,
        "s",
        r#"{"level":"WARN","message":"slow"}"#,
    );
    l.put_log(
        "/aws/lambda/phys-ApiFunction",
        t - 3_600_000,
        "s",
        "too old",
    );
    let lr = Regions::single("us-east-1", l);
    let (mut p, o, _) = Printer::capture(Verbosity::Normal);
    let req = LogsRequest {
        deploy: deploy_args(),
        function: None,
        follow: false,
        since: Duration::from_secs(600),
        filter: None,
        output: OutputFormat::Text,
    };
    assert_eq!(block_on(logs_with(&r, &lr, &s, &req, &mut p)).unwrap(), 0);
    let out = text(&o);
    let shown: Vec<&str> = out.lines().map(|l| l.split_once(' ').unwrap().1).collect();
    let functions: Vec<&str> = shown
        .iter()
        .map(|l| l.split("  ").next().unwrap())
        .collect();
    assert!(functions.iter().all(|f| *f == "ApiFunction"), "{out}");
    let messages: Vec<&str> = shown
        .iter()
        .map(|l| l.rsplit("  ").next().unwrap())
        .collect();
    let api: Vec<&&str> = messages
        .iter()
        .filter(|m| ["one", "two", "three"].contains(m))
        .collect();
    assert_eq!(
        api,
        [&"one", &"two", &"three"],
        "every page, once, in order: {out}"
    );
    assert!(messages.contains(&"WARN slow"), "{out}");
    assert!(!out.contains("too old"), "{out}");
}

#[test]
fn a_function_error_is_printed_then_exits_1() {
    let (r, s) = deployed_todo();
    let l = FakeLambda::new();
    l.add_function("phys-ApiFunction", "a.zip", &[]);
    l.answer(
        "phys-ApiFunction",
        r#"{"errorMessage":"boom"}"#,
        Some("Unhandled"),
        "START\nERROR boom\nEND\n",
    );
    let lr = Regions::single("us-east-1", l);
    let (mut p, o, e) = Printer::capture(Verbosity::Normal);
    let req = InvokeRequest {
        deploy: deploy_args(),
        function: "ApiFunction".into(),
        event: EventSource::Empty,
        output: OutputFormat::Text,
    };
    let err = block_on(invoke_with(&r, &lr, &s, &req, b"{}", &mut p)).unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert_eq!(
        err.to_string(),
        "function `ApiFunction` failed (Unhandled); its error is above"
    );
    assert_eq!(text(&o), "{\n  \"errorMessage\": \"boom\"\n}\n");
    assert!(
        text(&e).contains("log tail of phys-ApiFunction:\n  START\n  ERROR boom\n  END\n"),
        "{}",
        text(&e)
    );
}

const API_GROUP: &str = "/aws/lambda/phys-ApiFunction";
const API_GROUP_ARN: &str =
    "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/phys-ApiFunction";

fn follow_api(filter: Option<&str>) -> LogsRequest {
    LogsRequest {
        deploy: deploy_args(),
        function: Some("ApiFunction".into()),
        follow: true,
        since: Duration::from_secs(600),
        filter: filter.map(str::to_string),
        output: OutputFormat::Text,
    }
}

fn tail_event(timestamp: i64, message: &str) -> TailEvent {
    TailEvent {
        group: API_GROUP_ARN.into(),
        event: LogEvent {
            timestamp,
            stream: "s".into(),
            message: message.into(),
            event_id: String::new(),
        },
    }
}

/// The messages of text output lines (`TIME MESSAGE`, no function prefix).
fn messages(out: &str) -> Vec<String> {
    out.lines()
        .map(|l| l.split_once(' ').unwrap().1.to_string())
        .collect()
}

#[test]
fn follow_uses_live_tail_with_the_filter_and_restarts_an_ended_session() {
    let (r, s) = deployed_todo();
    let l = FakeLambda::new();
    l.add_function("phys-ApiFunction", "a.zip", &[]);
    let t = now_ms();
    l.put_log(API_GROUP, t - 5_000, "s", "live before");
    l.script_live_tail(vec![
        vec![tail_event(t + 1, "live one")],
        vec![tail_event(
            t + 2,
            r#"{"level":"INFO","message":"live two"}"#,
        )],
    ]);
    l.script_live_tail(vec![vec![tail_event(t + 3, "live after restart")]]);
    let lr = Regions::single("us-east-1", l);
    let (mut p, o, e) = Printer::capture(Verbosity::Normal);
    let req = follow_api(Some("live"));
    let stop = async { tokio::time::sleep(Duration::from_millis(300)).await };
    let code = block_on(logs_until(&r, &lr, &s, &req, &mut p, stop));
    assert_eq!(code.unwrap(), 0);
    assert_eq!(
        messages(&text(&o)),
        [
            "live before",
            "live one",
            "INFO live two",
            "live after restart"
        ],
        "{}",
        text(&e)
    );
    assert!(!text(&e).contains("polling"), "{}", text(&e));
    let calls = lr.get("us-east-1").unwrap().calls();
    let starts: Vec<&String> = calls
        .iter()
        .filter(|c| c.starts_with("StartLiveTail"))
        .collect();
    let start = format!("StartLiveTail {API_GROUP_ARN} pattern=live");
    // Two scripted sessions end; the third is still open when stopped.
    assert_eq!(starts, [&start, &start, &start], "{calls:?}");
    let first = calls.iter().position(|c| *c == start).unwrap();
    assert!(
        !calls[first..]
            .iter()
            .any(|c| c.starts_with("FilterLogEvents")),
        "no polling with live tail: {calls:?}"
    );
}

#[test]
fn follow_polls_where_the_endpoint_lacks_live_tail() {
    let (r, s) = deployed_todo();
    let l = FakeLambda::new();
    l.add_function("phys-ApiFunction", "a.zip", &[]);
    l.without_live_tail();
    let t = now_ms();
    l.put_log(API_GROUP, t - 5_000, "s", "ERROR before");
    let lr = Regions::single("us-east-1", l);
    let (mut p, o, e) = Printer::capture(Verbosity::Normal);
    let req = follow_api(Some("ERROR"));
    let code = block_on(async {
        let stop = tokio::time::sleep(Duration::from_millis(1_500));
        let later = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let l = lr.get("us-east-1").unwrap();
            l.put_log(API_GROUP, now_ms(), "s", "ERROR after");
            l.put_log(API_GROUP, now_ms(), "s", "ignored");
        };
        tokio::join!(logs_until(&r, &lr, &s, &req, &mut p, stop), later).0
    });
    assert_eq!(code.unwrap(), 0);
    assert_eq!(messages(&text(&o)), ["ERROR before", "ERROR after"]);
    assert_eq!(
        text(&e).matches("live tail is not available").count(),
        1,
        "{}",
        text(&e)
    );
    let calls = lr.get("us-east-1").unwrap().calls();
    let start = format!("StartLiveTail {API_GROUP_ARN} pattern=ERROR");
    let at = calls
        .iter()
        .position(|c| *c == start)
        .expect("tried live tail");
    assert!(
        calls[at..].iter().any(|c| c.starts_with("FilterLogEvents")),
        "{calls:?}"
    );
}
