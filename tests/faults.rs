//! Faults between blueprint and AWS, against a scripted endpoint on loopback:
//! throttling is retried with backoff when retries are on, and reported
//! clearly when they are off; an answer without an error code names its
//! HTTP status.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use assert_cmd::Command;
use predicates::prelude::*;

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
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
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

fn status(endpoint: &str, attempts: &str) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("blueprint")
        .unwrap()
        .current_dir(dir.path())
        .env_clear()
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", dir.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .env("BLUEPRINT_MAX_ATTEMPTS", attempts)
        .args(["status", "-b", "todo", "--endpoint-url", endpoint])
        .assert()
}

#[test]
fn throttling_is_retried_with_backoff_when_retries_are_on() {
    let (endpoint, count) = scripted(2);
    status(&endpoint, "3")
        .success()
        .stdout(predicate::str::contains(
            "Stack todo (us-east-1): not deployed",
        ));
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[test]
fn throttling_without_retries_is_a_clear_error() {
    let (endpoint, count) = scripted(5);
    status(&endpoint, "1")
        .code(1)
        .stderr(predicate::str::contains(
            "DescribeStacks was throttled by AWS and still failed after retries: Rate exceeded",
        ))
        .stderr(predicate::str::contains("panicked").not());
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[test]
fn an_error_without_a_code_names_the_http_status() {
    // An emulator's internal error: a 400 with an empty body.
    let (endpoint, _) = scripted_with(5, ("400 Bad Request", ""));
    status(&endpoint, "1")
        .code(1)
        .stderr(predicate::str::contains("HTTP 400"))
        .stderr(predicate::str::contains(format!(
            "the endpoint {endpoint} answered HTTP 400 without an error message"
        )))
        .stderr(predicate::str::contains("Unknown").not())
        .stderr(predicate::str::contains("panicked").not());
}
