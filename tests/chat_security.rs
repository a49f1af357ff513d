//! The chat blueprint never acts for a stranger: in the defaults and every
//! tests/variants/chat-*.yaml, `$connect` is authorized (a Lambda REQUEST
//! authorizer that checks a Cognito token of this stack's user pool, or IAM)
//! unless `connect_authorization: none` opens it, which synth warns about;
//! the other routes exist only on a connection `$connect` allowed (a
//! WebSocket API has no other way in, no `$default` route catches anything),
//! and the broadcast function checks that the sender is a recorded
//! connection.

use crate::common;

use serde_json::{json, Value};

/// One synthesized project: its template (as JSON) and synth's warnings.
struct Synth {
    name: String,
    doc: Value,
    warnings: Vec<String>,
}

fn synth_source(name: &str, text: &str) -> Synth {
    let s = common::synth_named("chat", name, text);
    assert_eq!(s.expansion.stacks.len(), 1, "{name}");
    Synth {
        name: name.to_string(),
        doc: s.expansion.stacks[0].template.to_json(),
        warnings: s.warnings,
    }
}

fn options(o: &str) -> Synth {
    synth_source(
        o,
        &format!("blueprint: chat\nstack_name: chat\nregion: us-east-1\noptions:\n{o}"),
    )
}

/// The defaults, every chat variant in tests/variants, and a few option sets.
fn every_project() -> Vec<Synth> {
    let projects = common::defaults_and_variants("chat");
    assert!(projects.len() >= 3, "the chat variants are found");
    let mut all: Vec<Synth> = projects
        .iter()
        .map(|(name, text)| synth_source(name, text))
        .collect();
    all.push(options(
        "  lambda:\n    deploy:\n      strategy: canary10-5m\n",
    ));
    all.push(options("  connect_authorization: iam\n"));
    all
}

fn resources(doc: &Value) -> &serde_json::Map<String, Value> {
    doc["Resources"].as_object().unwrap()
}

fn of_type<'a>(doc: &'a Value, kind: &str) -> Vec<(&'a String, &'a Value)> {
    resources(doc)
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .collect()
}

/// Each route: `(route key, authorization type, authorizer ID)`.
fn routes(doc: &Value) -> Vec<(String, String, Option<String>)> {
    of_type(doc, "AWS::ApiGatewayV2::Route")
        .into_iter()
        .map(|(_, r)| {
            let p = &r["Properties"];
            (
                p["RouteKey"].as_str().unwrap().to_string(),
                p["AuthorizationType"]
                    .as_str()
                    .unwrap_or("NONE")
                    .to_string(),
                p["AuthorizerId"]["Ref"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// Whether synth warned that connections were opened to anyone.
fn opened(s: &Synth) -> bool {
    s.warnings
        .iter()
        .any(|w| w.contains("connect_authorization: none"))
}

/// The function a Lambda invocation URI (or alias) names.
fn invoked_function(doc: &Value, uri: &Value) -> String {
    let text = uri.to_string();
    for (id, r) in resources(doc) {
        let function = match r["Type"].as_str().unwrap() {
            "AWS::Lambda::Function" => id.clone(),
            "AWS::Lambda::Alias" => r["Properties"]["FunctionName"]["Ref"]
                .as_str()
                .unwrap()
                .to_string(),
            _ => continue,
        };
        if text.contains(&format!("${{{id}.Arn}}")) || text.contains(&format!("${{{id}}}")) {
            return function;
        }
    }
    panic!("no function in {text}")
}

#[test]
fn connect_is_authorized_unless_opened_on_purpose_and_warned() {
    let mut authorized = 0;
    for s in every_project() {
        let d = &s.doc;
        let at = &s.name;
        let rs = routes(d);
        let mut keys: Vec<&str> = rs.iter().map(|(k, _, _)| k.as_str()).collect();
        keys.sort();
        assert_eq!(keys, ["$connect", "$disconnect", "sendmessage"], "{at}");
        let (_, kind, authorizer) = rs.iter().find(|(k, _, _)| k == "$connect").unwrap();
        if opened(&s) {
            assert_eq!(kind, "NONE", "{at}");
            assert_eq!(s.warnings.len(), 1, "{at}");
            assert!(of_type(d, "AWS::Cognito::UserPool").is_empty(), "{at}");
            continue;
        }
        assert!(s.warnings.is_empty(), "{at}: {:?}", s.warnings);
        authorized += 1;
        match kind.as_str() {
            "AWS_IAM" => assert!(authorizer.is_none(), "{at}"),
            "CUSTOM" => {
                let id = authorizer
                    .as_ref()
                    .unwrap_or_else(|| panic!("{at}: no authorizer"));
                let a = &d["Resources"][id]["Properties"];
                assert_eq!(a["AuthorizerType"], "REQUEST", "{at}");
                assert_eq!(a["ApiId"], json!({"Ref": "ChatApi"}), "{at}");
                assert_eq!(
                    a["IdentitySource"],
                    json!(["route.request.querystring.token"]),
                    "{at}"
                );
                // The authorizer function checks tokens of this pool and
                // app client, and may do nothing else in AWS.
                let f = invoked_function(d, &a["AuthorizerUri"]);
                assert_eq!(f, "ConnectAuthorizerFunction", "{at}");
                let env = &d["Resources"][&f]["Properties"]["Environment"]["Variables"];
                assert_eq!(env["USER_POOL_ID"], json!({"Ref": "UsersPool"}), "{at}");
                assert_eq!(
                    env["APP_CLIENT_ID"],
                    json!({"Ref": "UsersPoolClient"}),
                    "{at}"
                );
                let role = d["Resources"][&f]["Properties"]["Role"]["Fn::GetAtt"][0]
                    .as_str()
                    .unwrap();
                let statements = &d["Resources"][role]["Properties"]["Policies"][0]
                    ["PolicyDocument"]["Statement"];
                assert_eq!(statements.as_array().unwrap().len(), 1, "{at}: logs only");
                // Only API Gateway, through this authorizer, invokes it.
                let invokers: Vec<_> = of_type(d, "AWS::Lambda::Permission")
                    .into_iter()
                    .filter(|(_, p)| p["Properties"]["FunctionName"].to_string().contains(&f))
                    .collect();
                assert_eq!(invokers.len(), 1, "{at}");
                let source = invokers[0].1["Properties"]["SourceArn"]["Fn::Sub"]
                    .as_str()
                    .unwrap();
                assert!(
                    source.ends_with(&format!("${{ChatApi}}/authorizers/${{{id}}}")),
                    "{at}: {source}"
                );
                // The pool: retained, email verified by Cognito.
                let pool = &d["Resources"]["UsersPool"];
                assert_eq!(
                    pool["Properties"]["AutoVerifiedAttributes"],
                    json!(["email"])
                );
                assert_eq!(pool["DeletionPolicy"], "Retain", "{at}");
            }
            other => panic!("{at}: $connect authorization {other}"),
        }
    }
    assert!(authorized >= 4, "{authorized}");
}

#[test]
fn messages_travel_only_over_connections_connect_allowed() {
    for s in every_project() {
        let d = &s.doc;
        let at = &s.name;
        let (_, api) = of_type(d, "AWS::ApiGatewayV2::Api")[0];
        assert_eq!(api["Properties"]["ProtocolType"], "WEBSOCKET", "{at}");
        for (key, kind, authorizer) in routes(d) {
            // No catch-all route; routes other than $connect cannot carry
            // authorization on a WebSocket API: they run on an open
            // connection only.
            assert_ne!(key, "$default", "{at}");
            if key != "$connect" {
                assert_eq!((kind.as_str(), authorizer), ("NONE", None), "{at}: {key}");
            }
        }
        // The broadcast function checks the sender's connection record.
        let role = d["Resources"]["BroadcastFunction"]["Properties"]["Role"]["Fn::GetAtt"][0]
            .as_str()
            .unwrap();
        let statements = d["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]
            ["Statement"]
            .to_string();
        assert!(statements.contains("dynamodb:GetItem"), "{at}");
        // Only API Gateway invokes the route functions, each for its own
        // route of this API's stage.
        for (id, p) in of_type(d, "AWS::Lambda::Permission") {
            assert_eq!(
                p["Properties"]["Principal"], "apigateway.amazonaws.com",
                "{at}: {id}"
            );
            let source = p["Properties"]["SourceArn"]["Fn::Sub"].as_str().unwrap();
            assert!(source.contains("${ChatApi}/"), "{at}: {id}: {source}");
            assert!(!source.ends_with("/*"), "{at}: {id}: {source}");
        }
    }
}

#[test]
fn cognito_is_the_default_and_none_must_be_written_out() {
    let d = options("");
    assert!(d.warnings.is_empty());
    let (_, kind, _) = routes(&d.doc)
        .into_iter()
        .find(|(k, _, _)| k == "$connect")
        .unwrap();
    assert_eq!(kind, "CUSTOM");
    assert_eq!(
        d.doc["Outputs"]["UserPoolClientId"]["Value"],
        json!({"Ref": "UsersPoolClient"})
    );

    let open = options("  connect_authorization: none\n");
    assert!(opened(&open));
    assert!(open.warnings[0].contains("anyone"));
    let iam = options("  connect_authorization: iam\n");
    assert!(iam.warnings.is_empty());
    assert!(of_type(&iam.doc, "AWS::Cognito::UserPool").is_empty());
}

#[test]
fn the_user_pool_is_kept_unless_the_user_opts_out() {
    let kept = options("");
    assert_eq!(
        kept.doc["Resources"]["UsersPool"]["UpdateReplacePolicy"],
        "Retain"
    );
    assert_eq!(
        kept.doc["Resources"]["UsersPool"]["Properties"]["DeletionProtection"],
        "ACTIVE"
    );
    let scratch = options("  retain:\n    user_pool: false\n");
    assert_eq!(
        scratch.doc["Resources"]["UsersPool"]["DeletionPolicy"],
        "Delete"
    );
    assert_eq!(
        scratch.doc["Resources"]["UsersPool"]["Properties"]["DeletionProtection"],
        "INACTIVE"
    );
}
