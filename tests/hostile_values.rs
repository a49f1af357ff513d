//! Hostile values in blueprint.yaml (issue 12): malformed CIDRs, regions,
//! instance and node types that do not exist, null and empty strings,
//! duplicate keys at every depth, and sibling path variables API Gateway
//! rejects. Each case asserts exit code 1, the whole message with its
//! file:line:col, and that `synth` wrote nothing.

use assert_cmd::Command;

/// Runs `synth --out out` on `body` in a fresh directory; asserts the exit
/// code, the exact stderr, and that the output directory was not created.
fn refused(body: &str, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blueprint.yaml"), body).unwrap();
    let out = dir.path().join("out");
    let assert = Command::cargo_bin("blueprint")
        .unwrap()
        .env("NO_COLOR", "1")
        .current_dir(dir.path())
        .args(["synth", "--out"])
        .arg(&out)
        .assert()
        .code(1);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr, expected);
    assert!(!out.exists(), "synth wrote {}", out.display());
    let entries: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, vec![std::ffi::OsString::from("blueprint.yaml")]);
}

#[test]
fn cidr_signed() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
options:
  cache: dax
  dax:
    vpc_cidr: +10.0.0.0/+16
"#,
        r#"error: blueprint.yaml:7:15: options.dax.vpc_cidr: `+10.0.0.0/+16` is not an IPv4 CIDR block from /16 to /24 (like `10.0.0.0/16`)
"#,
    );
}

#[test]
fn cidr_leading_zero_octet() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
options:
  cache: dax
  dax:
    vpc_cidr: 010.0.0.0/16
"#,
        r#"error: blueprint.yaml:7:15: options.dax.vpc_cidr: `010.0.0.0/16` is not an IPv4 CIDR block from /16 to /24 (like `10.0.0.0/16`)
"#,
    );
}

#[test]
fn cidr_leading_zero_prefix_flow() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
options: {cache: dax, dax: {vpc_cidr: 10.0.0.0/016}}
"#,
        r#"error: blueprint.yaml:4:39: options.dax.vpc_cidr: `10.0.0.0/016` is not an IPv4 CIDR block from /16 to /24 (like `10.0.0.0/16`)
"#,
    );
}

#[test]
fn cidr_octet_out_of_range() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
options:
  cache: dax
  dax:
    vpc_cidr: 10.256.0.0/16
"#,
        r#"error: blueprint.yaml:7:15: options.dax.vpc_cidr: `10.256.0.0/16` is not an IPv4 CIDR block from /16 to /24 (like `10.0.0.0/16`)
"#,
    );
}

#[test]
fn cidr_prefix_out_of_range() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
options:
  cache: dax
  dax:
    vpc_cidr: 10.0.0.0/33
"#,
        r#"error: blueprint.yaml:7:15: options.dax.vpc_cidr: `10.0.0.0/33` is not an IPv4 CIDR block from /16 to /24 (like `10.0.0.0/16`)
"#,
    );
}

#[test]
fn cidr_empty() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
options:
  cache: dax
  dax:
    vpc_cidr: ""
"#,
        r#"error: blueprint.yaml:7:15: options.dax.vpc_cidr: expected an IPv4 CIDR block (like `10.0.0.0/16`), found an empty string
"#,
    );
}

#[test]
fn cidr_null() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
options:
  cache: dax
  dax:
    vpc_cidr: null
"#,
        r#"error: blueprint.yaml:7:15: options.dax.vpc_cidr: expected an IPv4 CIDR block (like `10.0.0.0/16`), found nothing (null)
"#,
    );
}

#[test]
fn cidr_microservices() {
    refused(
        r#"blueprint: microservices
stack_name: shop
region: us-east-1
options:
  alb:
    vpc_cidr: 10.0.0.0/+16
"#,
        r#"error: blueprint.yaml:6:15: options.alb.vpc_cidr: `10.0.0.0/+16` is not an IPv4 CIDR block from /16 to /24 (like `10.0.0.0/16`)
"#,
    );
}

#[test]
fn cidr_lambda_vpc() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
options:
  lambda:
    vpc:
      mode: create
      cidr: 10.00.0.0/16
"#,
        r#"error: blueprint.yaml:8:13: options.lambda.vpc.cidr: `10.00.0.0/16` is not an IPv4 CIDR block from /16 to /24 (like `10.0.0.0/16`)
"#,
    );
}

#[test]
fn region_unknown() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-7
"#,
        r#"error: blueprint.yaml:3:9: region: `us-east-7` is not an AWS region code; did you mean `us-east-1`?
"#,
    );
}

#[test]
fn region_far() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: xx-yy-1
"#,
        r#"error: blueprint.yaml:3:9: region: `xx-yy-1` is not an AWS region code (like `us-east-1` or `eu-central-1`)
"#,
    );
}

#[test]
fn region_null() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: ~
"#,
        r#"error: blueprint.yaml:3:9: region: expected an AWS region (like `us-east-1`), found nothing (null)
"#,
    );
}

#[test]
fn region_empty() {
    refused(
        r#"blueprint: todo
stack_name: todo
region:
"#,
        r#"error: blueprint.yaml:3:7: region: expected an AWS region (like `us-east-1`), found nothing (null)
"#,
    );
}

#[test]
fn region_flow() {
    refused(
        r#"{blueprint: todo, stack_name: todo, region: eu-wset-1}
"#,
        r#"error: blueprint.yaml:1:45: region: `eu-wset-1` is not an AWS region code; did you mean `eu-west-1`?
"#,
    );
}

#[test]
fn stack_name_null() {
    refused(
        r#"blueprint: todo
stack_name: null
region: us-east-1
"#,
        r#"error: blueprint.yaml:2:13: stack_name: expected a stack name (a letter, then letters, digits and hyphens), found nothing (null)
"#,
    );
}

#[test]
fn stack_name_empty() {
    refused(
        r#"blueprint: todo
stack_name: ""
region: us-east-1
"#,
        r#"error: blueprint.yaml:2:13: stack_name: expected a stack name (a letter, then letters, digits and hyphens), found an empty string
"#,
    );
}

#[test]
fn stack_name_missing_value_after_comment() {
    refused(
        r#"# project
blueprint: todo
stack_name:
region: us-east-1
"#,
        r#"error: blueprint.yaml:3:11: stack_name: expected a stack name (a letter, then letters, digits and hyphens), found nothing (null)
"#,
    );
}

#[test]
fn dax_typo() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
options:
  cache: dax
  dax:
    node_type: dax.t3.smal
"#,
        r#"error: blueprint.yaml:7:16: options.dax.node_type: `dax.t3.smal` is not a DAX node type; did you mean `dax.t3.small`?
"#,
    );
}

#[test]
fn dax_unknown() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
options:
  cache: dax
  dax:
    node_type: dax.z9.huge
"#,
        r#"error: blueprint.yaml:7:16: options.dax.node_type: `dax.z9.huge` is not a DAX node type (like `dax.t3.small` or `dax.r5.large`)
"#,
    );
}

#[test]
fn dax_null() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
options:
  cache: dax
  dax:
    node_type: null
"#,
        r#"error: blueprint.yaml:7:16: options.dax.node_type: expected a DAX node type (like `dax.t3.small`), found nothing (null)
"#,
    );
}

#[test]
fn instance_typo() {
    refused(
        r#"blueprint: update-offload
stack_name: offload
region: us-east-1
options:
  demo_origin:
    instance_type: t4g.smal
"#,
        r#"error: blueprint.yaml:6:20: options.demo_origin.instance_type: `t4g.smal` is not an EC2 instance type; did you mean `t4g.small`?
"#,
    );
}

#[test]
fn instance_unknown() {
    refused(
        r#"blueprint: update-offload
stack_name: offload
region: us-east-1
options:
  demo_origin:
    instance_type: t99.small
"#,
        r#"error: blueprint.yaml:6:20: options.demo_origin.instance_type: `t99.small` is not an EC2 instance type; did you mean `t2.small`?
"#,
    );
}

#[test]
fn instance_empty() {
    refused(
        r#"blueprint: update-offload
stack_name: offload
region: us-east-1
options:
  demo_origin:
    instance_type: ''
"#,
        r#"error: blueprint.yaml:6:20: options.demo_origin.instance_type: expected an EC2 instance type (like `t4g.small`), found an empty string
"#,
    );
}

#[test]
fn stage_name_null() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
options:
  api:
    stage_name: null
"#,
        r#"error: blueprint.yaml:6:17: options.api.stage_name: expected a name (letters, digits, `_` or `-`), found nothing (null)
"#,
    );
}

#[test]
fn tag_value_null() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
tags:
  Team:
"#,
        r#"error: blueprint.yaml:5:7: tags.Team: expected a tag value (text; write `""` for an empty one), found nothing (null)
"#,
    );
}

#[test]
fn dup_top_level() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
region: us-east-2
"#,
        r#"error: blueprint.yaml:4:1: region: duplicate key `region` (first at blueprint.yaml:3:1)
  help: a key may appear only once in a mapping: remove one of them
"#,
    );
}

#[test]
fn dup_tags() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
tags:
  Team: a
  Owner: b
  Team: c
"#,
        r#"error: blueprint.yaml:7:3: tags.Team: duplicate key `Team` (first at blueprint.yaml:5:3)
  help: a key may appear only once in a mapping: remove one of them
"#,
    );
}

#[test]
fn dup_tags_flow() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
tags: {Team: a, Team: b}
"#,
        r#"error: blueprint.yaml:4:17: tags.Team: duplicate key `Team` (first at blueprint.yaml:4:8)
  help: a key may appear only once in a mapping: remove one of them
"#,
    );
}

#[test]
fn dup_overrides() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
options:
  lambda:
    overrides:
      api: {tracing: true}
      api: {memory_mb: 512}
"#,
        r#"error: blueprint.yaml:8:7: options.lambda.overrides.api: duplicate key `api` (first at blueprint.yaml:7:7)
  help: a key may appear only once in a mapping: remove one of them
"#,
    );
}

#[test]
fn dup_route_throttling_key() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
options:
  api:
    route_throttling:
      GET /todos: {rate_per_second: 5, burst: 10}
      GET /todos: {rate_per_second: 6, burst: 10}
"#,
        r#"error: blueprint.yaml:8:7: options.api.route_throttling.GET /todos: duplicate key `GET /todos` (first at blueprint.yaml:7:7)
  help: a key may appear only once in a mapping: remove one of them
"#,
    );
}

#[test]
fn dup_inside_route_throttling() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
options:
  api:
    route_throttling:
      GET /todos:
        rate_per_second: 5
        rate_per_second: 6
"#,
        r#"error: blueprint.yaml:9:9: options.api.route_throttling.GET /todos.rate_per_second: duplicate key `rate_per_second` (first at blueprint.yaml:8:9)
  help: a key may appear only once in a mapping: remove one of them
"#,
    );
}

#[test]
fn dup_environment() {
    refused(
        r#"blueprint: microservices
stack_name: shop
region: us-east-1
options:
  services:
    - name: users
      environment:
        A: "1"
        A: "2"
      routes:
        - {method: GET, path: "/{id}"}
"#,
        r#"error: blueprint.yaml:9:9: options.services[0].environment.A: duplicate key `A` (first at blueprint.yaml:8:9)
  help: a key may appear only once in a mapping: remove one of them
"#,
    );
}

#[test]
fn dup_option_key() {
    refused(
        r#"blueprint: todo
stack_name: todo
region: us-east-1
options:
  cache: none
  cache: dax
"#,
        r#"error: blueprint.yaml:6:3: options.cache: duplicate key `cache` (first at blueprint.yaml:5:3)
  help: a key may appear only once in a mapping: remove one of them
"#,
    );
}

#[test]
fn sibling_variables() {
    refused(
        r#"blueprint: microservices
stack_name: shop
region: us-east-1
options:
  services:
    - name: users
      routes:
        - {method: GET, path: "/{id}"}
        - {method: GET, path: "/{userId}"}
"#,
        r#"error: blueprint.yaml:9:31: options.services[0].routes[1].path: service `users`: routes `GET /{id}` and `GET /{userId}` put two different path variables (`{id}` and `{userId}`) under `/users`; API Gateway allows one per path: give them the same name
"#,
    );
}

#[test]
fn sibling_greedy() {
    refused(
        r#"blueprint: microservices
stack_name: shop
region: us-east-1
options:
  services:
    - name: users
      routes:
        - {method: GET, path: "/{id}/items"}
        - {method: ANY, path: "/{proxy+}"}
"#,
        r#"error: blueprint.yaml:9:31: options.services[0].routes[1].path: service `users`: routes `GET /{id}/items` and `ANY /{proxy+}` put two different path variables (`{id}` and `{proxy+}`) under `/users`; API Gateway allows one per path: give them the same name
"#,
    );
}

#[test]
fn sibling_nested() {
    refused(
        r#"blueprint: microservices
stack_name: shop
region: us-east-1
options:
  services:
    - name: users
      routes:
        - {method: GET, path: "/{userId}/orders/{orderId}"}
        - {method: GET, path: "/{userId}/orders/{id}/items"}
"#,
        r#"error: blueprint.yaml:9:31: options.services[0].routes[1].path: service `users`: routes `GET /{userId}/orders/{orderId}` and `GET /{userId}/orders/{id}/items` put two different path variables (`{orderId}` and `{id}`) under `/users/{userId}/orders`; API Gateway allows one per path: give them the same name
"#,
    );
}

#[test]
fn service_name_null() {
    refused(
        r#"blueprint: microservices
stack_name: shop
region: us-east-1
options:
  services:
    - name: null
      routes:
        - {method: GET, path: "/"}
"#,
        r#"error: blueprint.yaml:6:13: options.services[0].name: expected a service name, found nothing (null)
"#,
    );
}

#[test]
fn route_path_null_flow() {
    refused(
        r#"blueprint: microservices
stack_name: shop
region: us-east-1
options:
  services:
    - name: users
      routes:
        - {method: GET, path: ~}
"#,
        r#"error: blueprint.yaml:8:31: options.services[0].routes[0].path: expected a route path (like `/{orderId}`), found nothing (null)
"#,
    );
}

#[test]
fn dup_route_fields_flow() {
    refused(
        r#"blueprint: microservices
stack_name: shop
region: us-east-1
options:
  services:
    - name: users
      routes:
        - {method: GET, path: "/", method: POST}
"#,
        r#"error: blueprint.yaml:8:36: options.services[0].routes[0].method: duplicate key `method` (first at blueprint.yaml:8:12)
  help: a key may appear only once in a mapping: remove one of them
"#,
    );
}

#[test]
fn dup_in_second_service() {
    refused(
        r#"blueprint: microservices
stack_name: shop
region: us-east-1
options:
  services:
    - name: users
      routes:
        - {method: GET, path: "/"}
    - name: orders
      memory_mb: 256
      memory_mb: 512
      routes:
        - {method: GET, path: "/"}
"#,
        r#"error: blueprint.yaml:11:7: options.services[1].memory_mb: duplicate key `memory_mb` (first at blueprint.yaml:10:7)
  help: a key may appear only once in a mapping: remove one of them
"#,
    );
}
