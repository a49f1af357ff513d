//! API-OPTIONS: the shared `api:` options of todo, blog, conference and
//! microservices, checked on the templates they produce and on the errors a
//! user sees for combinations AWS does not offer.

use std::path::Path;

use blueprint::assets::CodeSource;
use blueprint::blueprints::{find, Overrides};
use blueprint::config::Source;
use blueprint::render::Format;
use blueprint::synthesis::synthesize;
use serde_json::Value as Json;

use crate::common::{command, input_header, of_type, run_and_format};

/// The root template and the nested ones (by path) as JSON.
fn synth(blueprint: &str, options: &str) -> (Json, Vec<(String, Json)>) {
    let bp = find(blueprint).unwrap();
    let source = Source {
        name: "blueprint.yaml".into(),
        text: format!(
            "blueprint: {blueprint}\nstack_name: t\nregion: eu-west-1\noptions:\n{options}"
        ),
    };
    let code = CodeSource::BuiltIn {
        blueprint: blueprint.into(),
    };
    let s = synthesize(bp, &source, &code, &Overrides::default(), Format::Json)
        .unwrap_or_else(|e| panic!("{e}"));
    let root = serde_json::from_str(&s.templates[0].body).unwrap();
    let nested = s
        .nested
        .iter()
        .map(|n| (n.path.clone(), serde_json::from_str(&n.body).unwrap()))
        .collect();
    (root, nested)
}

fn one<'a>(t: &'a Json, kind: &str) -> &'a Json {
    let all = of_type(t, kind);
    assert_eq!(all.len(), 1, "{kind}: {all:?}");
    &all[0].1["Properties"]
}

fn tagged_api_options(r: &Json) -> bool {
    r["Metadata"]["BlueprintRequirements"]
        .as_array()
        .is_some_and(|a| a.iter().any(|v| v == "API-OPTIONS"))
}

#[test]
fn http_api_has_a_jwt_authorizer_on_the_user_pool() {
    let (t, _) = synth("todo", "  api:\n    type: http\n");
    assert!(of_type(&t, "AWS::ApiGateway::RestApi").is_empty());
    assert_eq!(one(&t, "AWS::ApiGatewayV2::Api")["ProtocolType"], "HTTP");
    let auth = one(&t, "AWS::ApiGatewayV2::Authorizer");
    assert_eq!(auth["AuthorizerType"], "JWT");
    assert_eq!(
        auth["JwtConfiguration"]["Issuer"]["Fn::Sub"],
        "https://cognito-idp.${AWS::Region}.amazonaws.com/${UsersPool}"
    );
    assert_eq!(
        auth["JwtConfiguration"]["Audience"][0]["Ref"],
        "UsersPoolClient"
    );
    let routes = of_type(&t, "AWS::ApiGatewayV2::Route");
    assert_eq!(routes.len(), 7);
    for (_, r) in &routes {
        assert_eq!(r["Properties"]["AuthorizationType"], "JWT");
        assert!(tagged_api_options(r));
    }
    let stage = one(&t, "AWS::ApiGatewayV2::Stage");
    assert_eq!(stage["StageName"], "$default");
    assert_eq!(stage["AutoDeploy"], true);
    assert!(stage["AccessLogSettings"]["DestinationArn"].is_object());
    assert_eq!(stage["DefaultRouteSettings"]["ThrottlingRateLimit"], 100.0);
    // The permission names this API only.
    let permission = one(&t, "AWS::Lambda::Permission");
    let arn = permission["SourceArn"]["Fn::Sub"].as_str().unwrap();
    assert!(arn.ends_with(":${Api}/*"), "{arn}");
}

#[test]
fn private_endpoint_has_the_resource_policy_and_the_vpc_endpoint() {
    let (t, _) = synth("todo", "  api:\n    endpoint: private\n");
    let api = one(&t, "AWS::ApiGateway::RestApi");
    assert_eq!(api["EndpointConfiguration"]["Types"][0], "PRIVATE");
    let statement = &api["Policy"]["Statement"][0];
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Action"][0], "execute-api:Invoke");
    let endpoints = of_type(&t, "AWS::EC2::VPCEndpoint");
    assert_eq!(endpoints.len(), 1);
    let (id, endpoint) = endpoints[0];
    assert_eq!(
        statement["Condition"]["StringEquals"]["aws:SourceVpce"][0]["Ref"],
        id.as_str()
    );
    let props = &endpoint["Properties"];
    assert_eq!(props["VpcEndpointType"], "Interface");
    assert_eq!(props["PrivateDnsEnabled"], true);
    assert_eq!(
        props["ServiceName"]["Fn::Sub"],
        "com.amazonaws.${AWS::Region}.execute-api"
    );
    assert_eq!(props["SubnetIds"].as_array().unwrap().len(), 2);
    assert!(tagged_api_options(endpoint));
    // An existing VPC: no new network.
    let (t, _) = synth(
        "todo",
        "  api:\n    endpoint: private\n    private:\n      vpc_id: vpc-0123456789abcdef0\n      subnet_ids: [subnet-01234567]\n      security_group_ids: [sg-01234567]\n",
    );
    assert!(of_type(&t, "AWS::EC2::VPC").is_empty());
    let props = one(&t, "AWS::EC2::VPCEndpoint");
    assert_eq!(props["VpcId"], "vpc-0123456789abcdef0");
    assert_eq!(props["SubnetIds"][0], "subnet-01234567");
}

#[test]
fn route_throttling_lands_in_method_settings_and_route_settings() {
    let throttle =
        "    route_throttling:\n      \"GET /todos/{todoId}\": {rate_per_second: 7, burst: 9}\n";
    let (t, _) = synth("todo", &format!("  api:\n{throttle}"));
    let settings = one(&t, "AWS::ApiGateway::Stage")["MethodSettings"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(settings.len(), 2);
    assert_eq!(settings[0]["ResourcePath"], "/*");
    assert_eq!(settings[1]["ResourcePath"], "/~1todos~1{todoId}");
    assert_eq!(settings[1]["HttpMethod"], "GET");
    assert_eq!(settings[1]["ThrottlingRateLimit"], 7.0);
    assert_eq!(settings[1]["ThrottlingBurstLimit"], 9);
    assert_eq!(settings[1]["MetricsEnabled"], true);

    let (t, _) = synth("todo", &format!("  api:\n    type: http\n{throttle}"));
    let route = &one(&t, "AWS::ApiGatewayV2::Stage")["RouteSettings"]["GET /todos/{todoId}"];
    assert_eq!(route["ThrottlingRateLimit"], 7.0);
    assert_eq!(route["ThrottlingBurstLimit"], 9);

    // microservices: the route key includes the service's base path.
    let (t, _) = synth(
        "microservices",
        "  api:\n    route_throttling:\n      \"GET /users/{userId}\": {rate_per_second: 3, burst: 4}\n",
    );
    let settings = &one(&t, "AWS::ApiGateway::Stage")["MethodSettings"][1];
    assert_eq!(settings["ResourcePath"], "/~1users~1{userId}");
}

#[test]
fn usage_plan_keys_and_methods_that_require_them() {
    let (t, _) = synth(
        "todo",
        "  api:\n    usage_plan:\n      api_keys: [mobile-app, partner]\n      quota: {limit: 1000, period: week}\n",
    );
    let plan = one(&t, "AWS::ApiGateway::UsagePlan");
    assert_eq!(plan["ApiStages"][0]["Stage"], "v1");
    assert_eq!(plan["Quota"]["Limit"], 1000);
    assert_eq!(plan["Quota"]["Period"], "WEEK");
    assert_eq!(of_type(&t, "AWS::ApiGateway::ApiKey").len(), 2);
    assert_eq!(of_type(&t, "AWS::ApiGateway::UsagePlanKey").len(), 2);
    for (_, m) in of_type(&t, "AWS::ApiGateway::Method") {
        assert_eq!(m["Properties"]["ApiKeyRequired"], true);
    }
    // In the service stacks of microservices too.
    let (_, nested) = synth(
        "microservices",
        "  api:\n    usage_plan:\n      api_keys: [internal]\n",
    );
    let methods: Vec<_> = nested
        .iter()
        .flat_map(|(_, t)| of_type(t, "AWS::ApiGateway::Method"))
        .collect();
    assert!(!methods.is_empty());
    for (_, m) in methods {
        assert_eq!(m["Properties"]["ApiKeyRequired"], true);
    }
}

#[test]
fn custom_domain_for_rest_and_http() {
    let domain =
        "    domain:\n      name: api.example.com\n      hosted_zone_id: Z0123456789ABCDEFGHIJ\n";
    let (t, _) = synth("conference", &format!("  api:\n{domain}"));
    let name = one(&t, "AWS::ApiGateway::DomainName");
    assert_eq!(name["EndpointConfiguration"]["Types"][0], "REGIONAL");
    assert_eq!(name["RegionalCertificateArn"]["Ref"], "ApiCertificate");
    assert_eq!(one(&t, "AWS::ApiGateway::BasePathMapping")["Stage"], "v1");
    let record = one(&t, "AWS::Route53::RecordSet");
    assert_eq!(
        record["AliasTarget"]["HostedZoneId"]["Fn::GetAtt"][1],
        "RegionalHostedZoneId"
    );
    let (t, _) = synth("blog", &format!("  api:\n    type: http\n{domain}"));
    assert_eq!(
        one(&t, "AWS::ApiGatewayV2::ApiMapping")["Stage"]["Ref"],
        "ApiStage"
    );
    one(&t, "AWS::ApiGatewayV2::DomainName");
}

#[test]
fn microservices_http_api_spans_the_nested_stacks() {
    let (root, nested) = synth("microservices", "  api:\n    type: http\n");
    one(&root, "AWS::ApiGatewayV2::Api");
    one(&root, "AWS::ApiGatewayV2::Stage");
    let keys: Vec<String> = nested
        .iter()
        .flat_map(|(_, t)| of_type(t, "AWS::ApiGatewayV2::Route"))
        .map(|(_, r)| r["Properties"]["RouteKey"].as_str().unwrap().to_string())
        .collect();
    assert!(
        keys.contains(&"GET /users/{userId}".to_string()),
        "{keys:?}"
    );
    assert!(keys.contains(&"POST /orders".to_string()), "{keys:?}");
    for (_, t) in &nested {
        for (_, r) in of_type(t, "AWS::ApiGatewayV2::Route") {
            assert_eq!(r["Properties"]["AuthorizationType"], "AWS_IAM");
        }
    }
}

#[test]
fn defaults_add_nothing_of_api_options() {
    for bp in ["todo", "blog", "conference"] {
        let (t, _) = synth(bp, "  {}\n");
        for (id, r) in t["Resources"].as_object().unwrap() {
            assert!(!tagged_api_options(r), "{bp}: {id}");
        }
    }
}

/// `synth --stdout` in `dir` with `body` as its project file, which must
/// fail with exit code 1: the file and the output go to `all`, for a
/// snapshot.
fn refused(all: &mut Vec<String>, dir: &Path, body: &str) {
    std::fs::write(dir.join("blueprint.yaml"), body).unwrap();
    let (text, out) = run_and_format(command().current_dir(dir).args(["synth", "--stdout"]));
    assert_eq!(out.status.code(), Some(1), "{text}");
    all.push(input_header("blueprint.yaml", body) + &text);
}

#[test]
fn combinations_aws_does_not_offer_are_refused_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let head =
        |bp: &str| format!("blueprint: {bp}\nstack_name: t\nregion: us-east-1\noptions:\n  api:\n");
    let mut all = Vec::new();
    refused(
        &mut all,
        dir.path(),
        &format!(
            "{}    type: http\n    usage_plan:\n      api_keys: [mobile]\n",
            head("todo")
        ),
    );
    refused(
        &mut all,
        dir.path(),
        &format!(
            "{}    type: http\n    usage_plan:\n      api_keys: [internal]\n",
            head("microservices")
        ),
    );
    refused(
        &mut all,
        dir.path(),
        &format!(
            "{}    type: http\n    cache: {{size_gb: 0.5, ttl_seconds: 60}}\n",
            head("blog")
        ),
    );
    refused(
        &mut all,
        dir.path(),
        &format!("{}    type: http\n    endpoint: private\n", head("todo")),
    );
    refused(
        &mut all,
        dir.path(),
        &format!("{}    endpoint: private\n", head("conference")),
    );
    refused(
        &mut all,
        dir.path(),
        &format!(
            "{}    route_throttling:\n      \"GET /nope\": {{rate_per_second: 1, burst: 1}}\n",
            head("todo")
        ),
    );
    refused(
        &mut all,
        dir.path(),
        &format!(
            "{}    route_throttling:\n      \"GET /users/x\": {{rate_per_second: 1, burst: 1}}\n",
            head("microservices")
        ),
    );
    refused(
        &mut all,
        dir.path(),
        &format!("{}    throttle_burst: 5001\n", head("conference")),
    );
    refused(
        &mut all,
        dir.path(),
        &format!(
            "{}    usage_plan:\n      api_keys: [a]\n      quota: {{limit: 0, period: day}}\n",
            head("todo")
        ),
    );
    refused(
        &mut all,
        dir.path(),
        &format!(
            "{}    endpoint: private\n    private:\n      vpc_id: vpc-12\n",
            head("todo")
        ),
    );
    refused(&mut all, dir.path(), "blueprint: todo\nstack_name: t\nregion: us-east-1\noptions:\n  cache: api\n  api:\n    type: http\n");
    redacted_snapshot!(all.join("\n"));
}
