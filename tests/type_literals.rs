//! Resource types are named through the model (issue 15): outside `src/cfn/`,
//! no string literal in `src/` spells a resource type; code writes the
//! generated struct's `TYPE` (`lambda::Function::TYPE`) instead, so a type
//! the model does not know cannot be matched by a typo.
//!
//! A resource-type literal is `AWS::<Service>::<Type>` inside a string
//! literal: three parts, the second and third starting with a capital letter.
//! Pseudo parameters (`AWS::Region`, `AWS::StackName`) have two parts and are
//! not types; comments (doc comments included) are not string literals. A
//! simple scan, not a parser: comments are skipped, and in each string
//! literal (plain, byte or raw, as the scanner in tests/common/rust_source.rs
//! finds them) every such name is found.
//!
//! The exceptions below are each (file under src/, type or `*`, reason); an
//! entry that is no longer needed fails the test, so the list only shrinks.
//! An expected-output exception covers the type inside a longer message
//! only, never a literal that is the type name alone.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use crate::common::rust_files;
use crate::common::rust_source::{spans, Kind};

/// Why a type may still be spelled out in a file.
const UNMODELLED: &str =
    "no blueprint emits this type, so the model has no generated struct for it";
const IAM_CAPABILITY: &str = "CloudFormation's list of IAM types that need CAPABILITY_IAM; \
     no blueprint emits this one, so the model has no generated struct for it";
const EXPECTED_OUTPUT: &str = "a test's expected output, spelled as the user reads it";

/// (file under src/, type or `*` for every type in the file, reason).
const EXCEPTIONS: &[(&str, &str, &str)] = &[
    ("check/references.rs", "AWS::S3::Bucket", EXPECTED_OUTPUT),
    (
        "deploy/fake/changes.rs",
        "AWS::IAM::AccessKey",
        IAM_CAPABILITY,
    ),
    ("deploy/fake/changes.rs", "AWS::IAM::Group", IAM_CAPABILITY),
    (
        "deploy/fake/changes.rs",
        "AWS::IAM::ManagedPolicy",
        IAM_CAPABILITY,
    ),
    ("deploy/fake/changes.rs", "AWS::IAM::Policy", IAM_CAPABILITY),
    ("deploy/fake/changes.rs", "AWS::IAM::User", IAM_CAPABILITY),
    (
        "deploy/fake/changes.rs",
        "AWS::IAM::UserToGroupAddition",
        IAM_CAPABILITY,
    ),
    ("deploy/fake/policy.rs", "AWS::RDS::DBInstance", UNMODELLED),
    (
        "deploy/hotswap.rs",
        "AWS::Lambda::Function",
        EXPECTED_OUTPUT,
    ),
    (
        "deploy/stack_policy.rs",
        "AWS::IAM::AccessKey",
        IAM_CAPABILITY,
    ),
    ("deploy/stack_policy.rs", "AWS::IAM::Group", IAM_CAPABILITY),
    (
        "deploy/stack_policy.rs",
        "AWS::IAM::ManagedPolicy",
        IAM_CAPABILITY,
    ),
    ("deploy/stack_policy.rs", "AWS::IAM::Policy", IAM_CAPABILITY),
    ("deploy/stack_policy.rs", "AWS::IAM::User", IAM_CAPABILITY),
    (
        "deploy/stack_policy.rs",
        "AWS::IAM::UserToGroupAddition",
        IAM_CAPABILITY,
    ),
    ("diff/format.rs", "AWS::DynamoDB::Table", EXPECTED_OUTPUT),
    ("diff/format.rs", "AWS::Lambda::Function", EXPECTED_OUTPUT),
    ("diff/mod.rs", "AWS::RDS::DBCluster", UNMODELLED),
    ("diff/mod.rs", "AWS::RDS::DBInstance", UNMODELLED),
    ("graph.rs", "AWS::ApiGateway::GatewayResponse", UNMODELLED),
    (
        "graph.rs",
        "AWS::ApiGatewayV2::IntegrationResponse",
        UNMODELLED,
    ),
    ("graph.rs", "AWS::ApiGatewayV2::RouteResponse", UNMODELLED),
    ("graph.rs", "AWS::CloudFront::Function", UNMODELLED),
    (
        "graph.rs",
        "AWS::ElasticLoadBalancingV2::ListenerCertificate",
        UNMODELLED,
    ),
    ("graph.rs", "AWS::IAM::ManagedPolicy", UNMODELLED),
    ("graph.rs", "AWS::IAM::Policy", UNMODELLED),
];

/// The string literals of `src` (plain, byte and raw), each with the
/// (1-based) line it starts on; comments are skipped.
fn string_literals(src: &str) -> Vec<(usize, String)> {
    spans(src)
        .into_iter()
        .filter(|s| s.kind == Kind::Str)
        .map(|s| (s.line, s.contents().to_string()))
        .collect()
}

/// The resource types named in `text`: `AWS::<Service>::<Type>`, both parts
/// starting with a capital letter and made of letters and digits.
fn type_names(text: &str) -> Vec<String> {
    let part = |s: &str| -> usize {
        let n = s
            .find(|ch: char| !ch.is_ascii_alphanumeric())
            .unwrap_or(s.len());
        if s.starts_with(|ch: char| ch.is_ascii_uppercase()) {
            n
        } else {
            0
        }
    };
    let mut found = Vec::new();
    for (at, _) in text.match_indices("AWS::") {
        if at > 0 && text[..at].ends_with(|ch: char| ch.is_ascii_alphanumeric() || ch == ':') {
            continue;
        }
        let rest = &text[at + 5..];
        let service = part(rest);
        if service == 0 || !rest[service..].starts_with("::") {
            continue;
        }
        let kind = part(&rest[service + 2..]);
        if kind > 0 {
            found.push(text[at..at + 5 + service + 2 + kind].to_string());
        }
    }
    found
}

#[test]
fn the_scan_finds_type_literals_and_nothing_else() {
    let src = r###"
//! `AWS::S3::Bucket` in a doc comment
/* "AWS::SQS::Queue" in a block comment */
let a = "AWS::Lambda::Function";
let b = '"'; let c = "AWS::Region"; let d: &'static str = "AWS::StackName";
let e = r#"{"Type": "AWS::DynamoDB::Table"}"#;
let f = "x (AWS::IAM::Role) and \"AWS::EC2::VPC\"";
let g = "AWS::Serverless::"; let h = "arn:aws:iam::aws:policy/AWS::x";
"###;
    let found: Vec<(usize, Vec<String>)> = string_literals(src)
        .into_iter()
        .map(|(line, s)| (line, type_names(&s)))
        .filter(|(_, t)| !t.is_empty())
        .collect();
    let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        found,
        [
            (4, owned(&["AWS::Lambda::Function"])),
            (6, owned(&["AWS::DynamoDB::Table"])),
            (7, owned(&["AWS::IAM::Role", "AWS::EC2::VPC"])),
        ]
    );
}

#[test]
fn no_resource_type_literal_outside_the_model() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let mut unexpected = Vec::new();
    let mut used = BTreeSet::new();
    for path in files {
        let rel = path
            .strip_prefix("src")
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if rel.starts_with("cfn/") {
            continue;
        }
        let src = fs::read_to_string(&path).unwrap();
        for (line, literal) in string_literals(&src) {
            for kind in type_names(&literal) {
                // Expected output covers a type inside a message, never a
                // literal that is the type name alone (code matching a type).
                let excused = |(f, t, why): &(&str, &str, &str)| {
                    *f == rel
                        && (*t == kind || *t == "*")
                        && (*why != EXPECTED_OUTPUT || literal != kind)
                };
                match EXCEPTIONS.iter().position(excused) {
                    Some(i) => {
                        used.insert(i);
                    }
                    None => unexpected.push(format!("src/{rel}:{line}: \"{kind}\"")),
                }
            }
        }
    }
    let stale: Vec<String> = EXCEPTIONS
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, (f, t, _))| format!("src/{f}: {t}"))
        .collect();
    assert!(
        unexpected.is_empty() && stale.is_empty(),
        "resource types spelled as strings outside src/cfn/ (write the generated struct's `TYPE`, \
         e.g. `lambda::Function::TYPE`):\n{}\nexceptions no longer needed (remove them):\n{}",
        unexpected.join("\n"),
        stale.join("\n")
    );
}
