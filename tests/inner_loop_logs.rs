//! `logs` and `invoke` over the in-memory CloudFormation and Lambda: every
//! page of events is read once, functions are merged in time order with
//! the function's path, and a function error is printed and then exits 1.

use std::time::Duration;

use blueprint::commands::apply::{apply_with, ApplyRequest};
use blueprint::commands::invoke::{invoke_with, EventSource, InvokeRequest};
use blueprint::commands::logs::{logs_with, LogsRequest};
use blueprint::deploy::fake::FakeCloud;
use blueprint::deploy::fake_lambda::FakeLambda;
use blueprint::deploy::regions::Regions;
use blueprint::deploy::watch::ProgressMode;
use blueprint::output::{OutputFormat, Printer, Verbosity};
use blueprint::synthesis::Synthesized;

use crate::common::{block_on, cloud, deploy_args, synth_project, text};

fn deployed_todo() -> (Regions<FakeCloud>, Synthesized) {
    let s = synth_project(
        "todo",
        "blueprint: todo\nstack_name: todo\nregion: us-east-1\n".into(),
    );
    let r = cloud();
    let (mut p, o, e) = Printer::capture(Verbosity::Normal);
    let req = ApplyRequest {
        deploy: deploy_args(),
        planfile: None,
        yes: true,
        allow_data_loss: Vec::new(),
        progress: ProgressMode::Events,
        outputs_file: None,
    };
    let mut ask = |_: &str| Ok(true);
    let code = block_on(apply_with(&r, &s, &req, &mut ask, false, &mut p));
    assert_eq!(code.unwrap(), 0, "{}{}", text(&o), text(&e));
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
