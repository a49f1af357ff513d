//! Faults between blueprint and AWS, against a scripted endpoint on loopback:
//! throttling is retried with backoff when retries are on, and reported
//! clearly when they are off; an answer without an error code names its
//! HTTP status; an endpoint that never answers (or stops in the middle of an
//! answer) is reported within the timeout, naming the endpoint and the call;
//! an answer that is not XML is a plain error; a plan file cannot be written
//! into a directory; an S3 upload whose answer stops mid-body is a timeout
//! naming the upload, and nothing is planned.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use assert_cmd::Command;

const THROTTLED: &str = r#"<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r1</RequestId></ErrorResponse>"#;
const NO_STACKS: &str = r#"<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></DescribeStacksResponse>"#;

/// Serves `throttle` Throttling answers, then empty DescribeStacks answers;
/// returns the endpoint and the request counter.
fn scripted(throttle: usize) -> (String, Arc<AtomicUsize>) {
    scripted_with(throttle, ("400 Bad Request", THROTTLED))
}

/// Serves `faults` times the `fault` answer (status line, body), then empty
/// DescribeStacks answers.
fn scripted_with(faults: usize, fault: (&'static str, &'static str)) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            read_request(&stream);
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let (status, text) = if n < faults {
                fault
            } else {
                ("200 OK", NO_STACKS)
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    (format!("http://{addr}"), count)
}

/// Runs `blueprint status -b todo --endpoint-url ENDPOINT` with test
/// credentials and `attempts` attempts; snapshots its output under the
/// test's name and returns it.
macro_rules! status {
    ($endpoint:expr, $attempts:expr) => {{
        let dir = tempfile::tempdir().unwrap();
        cli_snapshot!(&mut status_command(dir.path(), $endpoint, $attempts))
    }};
}

fn status_command(dir: &std::path::Path, endpoint: &str, attempts: &str) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_blueprint"));
    c.current_dir(dir)
        .env_clear()
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", dir.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("none"))
        .env("AWS_MAX_ATTEMPTS", attempts)
        .args(["status", "-b", "todo", "--endpoint-url", endpoint]);
    c
}

#[test]
fn throttling_is_retried_with_backoff_when_retries_are_on() {
    let (endpoint, count) = scripted(2);
    let out = status!(&endpoint, "3");
    assert!(out.status.success());
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[test]
fn throttling_without_retries_is_a_clear_error() {
    let (endpoint, count) = scripted(5);
    let out = status!(&endpoint, "1");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[test]
fn an_error_without_a_code_names_the_http_status() {
    // An emulator's internal error: a 400 with an empty body.
    let (endpoint, _) = scripted_with(5, ("400 Bad Request", ""));
    let out = status!(&endpoint, "1");
    assert_eq!(out.status.code(), Some(1));
}

/// Reads one HTTP request (head and body) from `stream`.
fn read_request(stream: &std::net::TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
}

/// An endpoint that accepts connections and, for each request, does
/// `answer` (which may write part of an answer and then nothing); the
/// connections stay open. Returns the endpoint and the request counter.
fn endpoint(answer: fn(&mut std::net::TcpStream)) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            read_request(&stream);
            seen.fetch_add(1, Ordering::SeqCst);
            answer(&mut stream);
            open.push(stream);
        }
    });
    (format!("http://{addr}"), count)
}

/// Accepts, reads the request, never answers.
fn silent(_: &mut std::net::TcpStream) {}

/// Sends the status line and headers of a long answer, then nothing.
fn stalled_body(s: &mut std::net::TcpStream) {
    let _ = write!(
        s,
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 4096\r\n\r\n<DescribeStacksResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><DescribeStacksResult>"
    );
    let _ = s.flush();
}

/// Answers 200 with a body that is not XML.
fn garbage(s: &mut std::net::TcpStream) {
    let text = "\u{0}\u{1}this is not XML {]]> at all";
    let _ = write!(
        s,
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = s.shutdown(std::net::Shutdown::Both);
}

/// `blueprint ARGS --endpoint-url ENDPOINT` in an empty directory with
/// test credentials, one-second attempts and `attempts` attempts.
fn blueprint(dir: &std::path::Path, endpoint: &str, attempts: &str, args: &[&str]) -> Command {
    let mut cmd = Command::from_std(std_blueprint(dir, endpoint, attempts, args));
    cmd.timeout(Duration::from_secs(60));
    cmd
}

/// [`blueprint`] as a `std::process::Command` (for a snapshot), without the
/// 60-second limit.
fn std_blueprint(
    dir: &std::path::Path,
    endpoint: &str,
    attempts: &str,
    args: &[&str],
) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_blueprint"));
    cmd.current_dir(dir)
        .env_clear()
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", dir.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("none"))
        .env("AWS_MAX_ATTEMPTS", attempts)
        .env("BLUEPRINT_TIMEOUT_SECONDS", "1")
        .args(args)
        .args(["--endpoint-url", endpoint]);
    cmd
}

fn timeout_message(operation: &str, endpoint: &str) -> String {
    format!(
        "error: {operation} failed: no answer from {endpoint} in time (1 s per attempt, 2.5 s in all); check that the endpoint is right and answering, or allow more time with BLUEPRINT_TIMEOUT_SECONDS\n"
    )
}

/// The names in `dir`, sorted.
fn files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_silent_endpoint_fails_status_within_the_timeout_naming_it_and_the_call() {
    let (endpoint, count) = endpoint(silent);
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = blueprint(dir.path(), &endpoint, "3", &["status", "-b", "todo"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(timeout_message("DescribeStacks", &endpoint));
    drop(out);
    // 2.5 s in all, retries included (with room for a slow machine).
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(count.load(Ordering::SeqCst) >= 1);
    assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
}

#[test]
fn a_silent_endpoint_fails_plan_within_the_timeout_and_writes_nothing() {
    let (endpoint, _) = endpoint(silent);
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    blueprint(
        dir.path(),
        &endpoint,
        "1",
        &["plan", "todo", "--out", "plan.json"],
    )
    .assert()
    .code(1)
    .stderr(timeout_message("DescribeStacks", &endpoint));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
}

#[test]
fn a_body_that_stops_after_the_headers_is_a_timeout() {
    let (endpoint, _) = endpoint(stalled_body);
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    blueprint(dir.path(), &endpoint, "1", &["status", "-b", "todo"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(timeout_message("DescribeStacks", &endpoint));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}

/// Answers 200 with well-formed XML that is not CloudFormation's.
fn foreign_xml(s: &mut std::net::TcpStream) {
    let text = "<html><body>Welcome to nginx!</body></html>";
    let _ = write!(
        s,
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = s.shutdown(std::net::Shutdown::Both);
}

#[test]
fn an_answer_that_is_not_xml_is_a_plain_error() {
    let (endpoint, _) = endpoint(garbage);
    let dir = tempfile::tempdir().unwrap();
    blueprint(dir.path(), &endpoint, "1", &["status", "-b", "todo"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(format!("error: DescribeStacks failed: the endpoint {endpoint} answered HTTP 200 with a body starting `this is not XML {{]]> at all`, which is not a CloudFormation answer; check that --endpoint-url (or AWS_ENDPOINT_URL) points at CloudFormation\n"));
}

#[test]
fn an_answer_in_foreign_xml_is_a_plain_error() {
    let (endpoint, _) = endpoint(foreign_xml);
    let dir = tempfile::tempdir().unwrap();
    blueprint(dir.path(), &endpoint, "1", &["status", "-b", "todo"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(format!("error: DescribeStacks failed: the endpoint {endpoint} answered HTTP 200 with a body starting `<html><body>Welcome to nginx!</body></html>`, which is not a CloudFormation answer; check that --endpoint-url (or AWS_ENDPOINT_URL) points at CloudFormation\n"));
}

#[test]
fn plan_out_into_a_directory_is_refused_before_any_call() {
    let (endpoint, count) = endpoint(silent);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("plans")).unwrap();
    blueprint(
        dir.path(),
        &endpoint,
        "1",
        &["plan", "todo", "--out", "plans"],
    )
    .assert()
    .code(1)
    .stdout("")
    .stderr("error: --out plans: is a directory; nothing was planned. Give the path of a file to write, such as plan.json\n");
    blueprint(
        dir.path(),
        &endpoint,
        "1",
        &["plan", "todo", "--out", "missing/plan.json"],
    )
    .assert()
    .code(1)
    .stdout("")
    .stderr("error: --out missing/plan.json: the directory missing does not exist; nothing was planned. Give the path of a file to write, such as plan.json\n");
    assert_eq!(count.load(Ordering::SeqCst), 0);
    assert_eq!(files(dir.path()), ["plans"]);
    assert!(files(&dir.path().join("plans")).is_empty());
}

#[test]
fn with_the_default_timeouts_a_silent_endpoint_is_reported_within_30_seconds() {
    let (endpoint, count) = endpoint(silent);
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    blueprint(dir.path(), &endpoint, "3", &["status", "-b", "todo"])
        .env_remove("BLUEPRINT_TIMEOUT_SECONDS")
        .assert()
        .code(1)
        .stdout("")
        .stderr(format!(
            "error: DescribeStacks failed: no answer from {endpoint} in time (8 s per attempt, 20 s in all); check that the endpoint is right and answering, or allow more time with BLUEPRINT_TIMEOUT_SECONDS\n"
        ));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(30), "{took:?}");
    // Retried before giving up.
    assert!(count.load(Ordering::SeqCst) >= 2);
}

const TOOLKIT_STACK: &str = r#"<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>blueprint-toolkit</StackName><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/blueprint-toolkit/1</StackId><StackStatus>CREATE_COMPLETE</StackStatus><CreationTime>2026-01-01T00:00:00Z</CreationTime><Outputs><member><OutputKey>AssetsBucketName</OutputKey><OutputValue>assets-bucket</OutputValue></member></Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r3</RequestId></ResponseMetadata></DescribeStacksResponse>"#;
const NO_SUCH_STACK: &str = r#"<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id todo does not exist</Message></Error><RequestId>r4</RequestId></ErrorResponse>"#;

/// One request: its first line and its body.
fn read_whole_request(stream: &std::net::TcpStream) -> (String, String) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    let _ = reader.read_line(&mut first);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    (first, String::from_utf8_lossy(&body).into_owned())
}

/// CloudFormation's side answers as for a first deployment (the toolkit
/// stack exists, the project's does not); S3 says the asset is missing,
/// then answers the upload with headers and part of a body, and nothing more.
/// Returns the endpoint and the S3 requests seen.
fn s3_stalls_mid_answer() -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let s3 = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = s3.clone();
    std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let handle = seen.clone();
            // Each connection is served on its own thread, so a stalled
            // answer does not hold up the next request.
            open.push(std::thread::spawn(move || loop {
                let (first, body) = read_whole_request(&stream);
                if first.is_empty() {
                    return;
                }
                let answer = |s: &mut std::net::TcpStream, status: &str, text: &str| {
                    let _ = write!(
                        s,
                        "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{text}",
                        text.len()
                    );
                };
                if first.starts_with("POST / ") && body.contains("Action=DescribeStacks") {
                    if body.contains("StackName=blueprint-toolkit") {
                        answer(&mut stream, "200 OK", TOOLKIT_STACK);
                    } else {
                        answer(&mut stream, "400 Bad Request", NO_SUCH_STACK);
                    }
                    continue;
                }
                handle.lock().unwrap().push(first.trim().to_string());
                if first.starts_with("HEAD ") {
                    let _ = write!(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                    continue;
                }
                // The upload's answer: headers, a few bytes, then silence.
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 4096\r\n\r\n<?xml version=\"1.0\"?>"
                );
                let _ = stream.flush();
                std::thread::sleep(Duration::from_secs(120));
                return;
            }));
        }
    });
    (format!("http://{addr}"), s3)
}

#[test]
fn an_s3_answer_that_stops_mid_body_is_a_timeout_naming_the_upload() {
    let (endpoint, s3) = s3_stalls_mid_answer();
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut run = std_blueprint(
        dir.path(),
        &endpoint,
        "1",
        &[
            "plan",
            "todo",
            "--region",
            "us-east-1",
            "--out",
            "plan.json",
        ],
    );
    // An upload's attempt allows a little more for its size.
    let (text, run) = crate::common::run_and_format(&mut run);
    redacted_snapshot!(text);
    assert_eq!(run.status.code(), Some(1), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    let requests = s3.lock().unwrap().clone();
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with("PUT /assets-bucket/")),
        "{requests:?}"
    );
    // Nothing planned, nothing written.
    assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
}
