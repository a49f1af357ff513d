//! `microservices` with `front: alb` (issue #13): every HTTPS listener rule
//! signs the user in (Cognito or OIDC) before it forwards, HTTP only
//! redirects to HTTPS, the listener's TLS policy is TLS 1.2 or newer, every
//! security group lists its egress, an unauthenticated front takes an
//! explicit `alb.authentication.mode: none` and synth warns about it, and
//! the options are checked together. Read from the generated templates of the
//! defaults, every `tests/variants/microservices-*.yaml` and the
//! authentication options, nested service stacks included.

use crate::common;

use blueprint::error::Error;
use blueprint::synthesis::Synthesized;
use serde_json::{json, Value};

const CERT: &str =
    "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789";

fn try_synth(text: &str) -> Result<Synthesized, Error> {
    common::try_synth("microservices", text)
}

fn alb(alb_options: &str) -> String {
    format!(
        "blueprint: microservices\nstack_name: shop\nregion: us-east-1\noptions:\n  front: alb\n  alb:\n    certificate_arn: {CERT}\n{alb_options}"
    )
}

const EXISTING_POOL: &str = "    authentication:\n      cognito:\n        user_pool_arn: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123\n        user_pool_client_id: 1example23456789\n        user_pool_domain: my-app\n";

const OIDC: &str = "    authentication:\n      mode: oidc\n      oidc:\n        issuer: https://login.example.com\n        authorization_endpoint: https://login.example.com/authorize\n        token_endpoint: https://login.example.com/oauth/token\n        user_info_endpoint: https://login.example.com/userinfo\n        client_id: 1example23456789\n        client_secret_arn: arn:aws:secretsmanager:us-east-1:123456789012:secret:oidc-client-AbCdEf\n";

const OPEN: &str = "    authentication:\n      mode: none\n";

/// Every template of a synthesis: the stacks, then the nested ones.
fn documents(s: &Synthesized) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = s
        .expansion
        .stacks
        .iter()
        .map(|st| (st.stack_name.clone(), st.template.to_json()))
        .collect();
    for n in &s.nested {
        out.push((n.path.clone(), serde_json::from_str(&n.body).unwrap()));
    }
    out
}

fn of_type<'a>(docs: &'a [(String, Value)], kind: &str) -> Vec<(String, &'a Value)> {
    docs.iter()
        .flat_map(|(name, d)| {
            d["Resources"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(_, r)| r["Type"] == kind)
                .map(move |(id, r)| (format!("{name}/{id}"), r))
        })
        .collect()
}

/// The defaults and every microservices variant, and the ALB front with
/// each authentication option: (name, project file).
fn every_project() -> Vec<(String, String)> {
    let mut out = common::defaults_and_variants("microservices");
    assert!(out.len() >= 3);
    for (name, opts) in [
        ("alb created pool", ""),
        ("alb existing pool", EXISTING_POOL),
        ("alb oidc", OIDC),
        ("alb open", OPEN),
    ] {
        out.push((name.to_string(), alb(opts)));
    }
    out
}

fn is_open(text: &str) -> bool {
    text.contains("mode: none")
}

#[test]
fn every_https_listener_rule_signs_in_before_it_forwards() {
    let mut rules_seen = 0;
    for (name, text) in every_project() {
        let s = try_synth(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let docs = documents(&s);
        for (id, rule) in of_type(&docs, "AWS::ElasticLoadBalancingV2::ListenerRule") {
            rules_seen += 1;
            let actions = rule["Properties"]["Actions"].as_array().unwrap();
            let last = actions.last().unwrap();
            assert_eq!(last["Type"], "forward", "{name} {id}");
            if is_open(&text) {
                assert_eq!(actions.len(), 1, "{name} {id}");
                continue;
            }
            assert_eq!(actions.len(), 2, "{name} {id}: {actions:?}");
            let first = &actions[0];
            assert!(
                first["Type"] == "authenticate-cognito" || first["Type"] == "authenticate-oidc",
                "{name} {id}: {first}"
            );
            assert_eq!(first["Order"], 1, "{name} {id}");
            assert_eq!(last["Order"], 2, "{name} {id}");
            assert_eq!(
                first
                    .get("AuthenticateCognitoConfig")
                    .or(first.get("AuthenticateOidcConfig"))
                    .unwrap()["OnUnauthenticatedRequest"],
                "authenticate",
                "{name} {id}"
            );
            // The rule hangs on the HTTPS listener.
            assert_eq!(
                rule["Properties"]["ListenerArn"],
                json!({"Ref": "ListenerArn"}),
                "{name} {id}"
            );
        }
    }
    assert!(rules_seen >= 8, "{rules_seen}");
}

#[test]
fn http_only_redirects_and_https_is_tls_1_2_or_newer() {
    for (name, text) in every_project() {
        let s = try_synth(&text).unwrap();
        let docs = documents(&s);
        for (id, l) in of_type(&docs, "AWS::ElasticLoadBalancingV2::Listener") {
            let p = &l["Properties"];
            match p["Protocol"].as_str().unwrap() {
                "HTTP" => {
                    assert_eq!(p["Port"], 80, "{name} {id}");
                    let actions = p["DefaultActions"].as_array().unwrap();
                    assert_eq!(actions.len(), 1, "{name} {id}");
                    assert_eq!(actions[0]["Type"], "redirect", "{name} {id}");
                    assert_eq!(actions[0]["RedirectConfig"]["Protocol"], "HTTPS");
                    assert_eq!(actions[0]["RedirectConfig"]["Port"], "443");
                    // No rule hangs on port 80: the service stacks get the
                    // HTTPS listener.
                    let short = id.rsplit('/').next().unwrap();
                    for (_, d) in &docs {
                        for r in d["Resources"].as_object().unwrap().values() {
                            if let Some(arn) = r["Properties"]["Parameters"].get("ListenerArn") {
                                assert_eq!(arn, &json!({"Ref": "HttpsListener"}), "{name}");
                            }
                            assert_ne!(
                                r["Properties"]["ListenerArn"],
                                json!({"Ref": short}),
                                "{name}: a rule on {id}"
                            );
                        }
                    }
                }
                "HTTPS" => {
                    let policy = p["SslPolicy"].as_str().unwrap();
                    assert!(
                        policy.starts_with("ELBSecurityPolicy-TLS13-") || policy.contains("-1-2-"),
                        "{name} {id}: {policy}"
                    );
                    assert_eq!(p["DefaultActions"][0]["Type"], "fixed-response");
                }
                other => panic!("{name} {id}: {other}"),
            }
        }
    }
}

#[test]
fn every_security_group_lists_least_privilege_egress() {
    // The ALB fronts' groups (the private API endpoint's group of
    // `api.endpoint: private` is not part of the ALB front).
    for (name, text) in every_project()
        .into_iter()
        .filter(|(_, t)| t.contains("front: alb"))
    {
        let s = try_synth(&text).unwrap();
        let docs = documents(&s);
        for (id, sg) in of_type(&docs, "AWS::EC2::SecurityGroup") {
            let egress = sg["Properties"]["SecurityGroupEgress"]
                .as_array()
                .unwrap_or_else(|| panic!("{name} {id}: implicit allow-all egress"));
            assert!(!egress.is_empty(), "{name} {id}");
            for rule in egress {
                assert!(
                    !(rule["IpProtocol"] == "-1" && rule["CidrIp"] == "0.0.0.0/0"),
                    "{name} {id}: {rule}"
                );
            }
        }
        // The load balancer's group: out to HTTPS only while it signs users
        // in (token and user info endpoints), nothing when it does not.
        for (id, sg) in of_type(&docs, "AWS::EC2::SecurityGroup")
            .into_iter()
            .filter(|(id, _)| id.ends_with("/LoadBalancerSecurityGroup"))
        {
            let egress = &sg["Properties"]["SecurityGroupEgress"];
            if is_open(&text) {
                assert_eq!(egress[0]["CidrIp"], "127.0.0.1/32", "{name} {id}");
            } else {
                assert_eq!(
                    (
                        egress[0]["IpProtocol"].as_str(),
                        egress[0]["FromPort"].as_u64()
                    ),
                    (Some("tcp"), Some(443)),
                    "{name} {id}"
                );
                assert_eq!(egress[0]["ToPort"], 443, "{name} {id}");
            }
        }
    }
}

#[test]
fn the_default_alb_front_creates_an_invite_only_user_pool() {
    let s = try_synth(&alb("    domain_name: api.example.com\n")).unwrap();
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let root = s.expansion.stacks[0].template.to_json();
    let r = &root["Resources"];
    let pool = &r["UserPool"];
    assert_eq!(pool["DeletionPolicy"], "Retain");
    assert_eq!(
        pool["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"],
        true
    );
    assert!(
        pool["Properties"]["Policies"]["PasswordPolicy"]["MinimumLength"]
            .as_u64()
            .unwrap()
            >= 12
    );
    let client = &r["UserPoolClient"]["Properties"];
    assert_eq!(client["GenerateSecret"], true);
    assert_eq!(client["AllowedOAuthFlows"], json!(["code"]));
    assert_eq!(client["AllowedOAuthFlowsUserPoolClient"], true);
    assert_eq!(client["SupportedIdentityProviders"], json!(["COGNITO"]));
    assert_eq!(
        client["CallbackURLs"],
        json!([
            {"Fn::Sub": "https://${LoadBalancer.DNSName}/oauth2/idpresponse"},
            "https://api.example.com/oauth2/idpresponse"
        ])
    );
    assert_eq!(
        r["UserPoolDomain"]["Properties"]["Domain"]["Fn::Sub"][0],
        "sign-in-${StackUuid}"
    );
    // Each service stack receives the pool and uses it in its rule.
    let users = &r["UsersService"]["Properties"]["Parameters"];
    assert_eq!(
        users["UserPoolArn"],
        json!({"Fn::GetAtt": ["UserPool", "Arn"]})
    );
    assert_eq!(users["UserPoolClientId"], json!({"Ref": "UserPoolClient"}));
    let nested = s
        .nested
        .iter()
        .find(|n| n.path == "shop/UsersService")
        .unwrap();
    let doc: Value = serde_json::from_str(&nested.body).unwrap();
    let cfg =
        &doc["Resources"]["ListenerRule"]["Properties"]["Actions"][0]["AuthenticateCognitoConfig"];
    assert_eq!(cfg["UserPoolArn"], json!({"Ref": "UserPoolArn"}));
    assert_eq!(cfg["UserPoolClientId"], json!({"Ref": "UserPoolClientId"}));
    assert_eq!(cfg["UserPoolDomain"], json!({"Ref": "UserPoolDomain"}));
    // HTTP is open to the world only to be redirected.
    let http = &r["LoadBalancerFromAnywhereHttp"]["Properties"];
    assert!(http["Description"].as_str().unwrap().contains("redirected"));
}

#[test]
fn an_existing_pool_or_oidc_provider_is_used_as_given() {
    let s = try_synth(&alb(EXISTING_POOL)).unwrap();
    let docs = documents(&s);
    assert!(of_type(&docs, "AWS::Cognito::UserPool").is_empty());
    for (id, rule) in of_type(&docs, "AWS::ElasticLoadBalancingV2::ListenerRule") {
        let cfg = &rule["Properties"]["Actions"][0]["AuthenticateCognitoConfig"];
        assert_eq!(
            cfg["UserPoolArn"],
            "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123",
            "{id}"
        );
        assert_eq!(cfg["UserPoolDomain"], "my-app", "{id}");
    }

    let s = try_synth(&alb(OIDC)).unwrap();
    let docs = documents(&s);
    assert!(of_type(&docs, "AWS::Cognito::UserPool").is_empty());
    let rules = of_type(&docs, "AWS::ElasticLoadBalancingV2::ListenerRule");
    assert!(!rules.is_empty());
    for (id, rule) in rules {
        let a = &rule["Properties"]["Actions"][0];
        assert_eq!(a["Type"], "authenticate-oidc", "{id}");
        let cfg = &a["AuthenticateOidcConfig"];
        assert_eq!(cfg["Issuer"], "https://login.example.com");
        assert_eq!(
            cfg["TokenEndpoint"],
            "https://login.example.com/oauth/token"
        );
        // The secret stays in Secrets Manager: a dynamic reference only.
        assert_eq!(
            cfg["ClientSecret"],
            "{{resolve:secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:oidc-client-AbCdEf}}",
            "{id}"
        );
    }
}

#[test]
fn no_sign_in_takes_an_explicit_option_and_a_warning() {
    let s = try_synth(&alb(OPEN)).unwrap();
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert!(s.warnings[0].contains("options.alb.authentication.mode is none"));
    let docs = documents(&s);
    let text = serde_json::to_string(&docs).unwrap();
    assert!(!text.contains("authenticate-"));
    assert!(of_type(&docs, "AWS::Cognito::UserPool").is_empty());
    // Every other project: no warning about the load balancer.
    for (name, text) in every_project().into_iter().filter(|(_, t)| !is_open(t)) {
        let s = try_synth(&text).unwrap();
        assert!(
            !s.warnings.iter().any(|w| w.contains("options.alb")),
            "{name}: {:?}",
            s.warnings
        );
    }
}

#[test]
fn synth_prints_the_warning_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blueprint.yaml");
    std::fs::write(&path, alb(OPEN)).unwrap();
    // Only standard error: the template is in the snapshots.
    let out = common::command()
        .args(["synth", "--stdout", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    redacted_snapshot!(String::from_utf8(out.stderr).unwrap());
}

#[test]
fn authentication_options_are_checked_together() {
    for (opts, message) in [
        (
            "    authentication:\n      mode: oidc\n",
            "`mode: oidc` needs `oidc:`",
        ),
        (
            &OIDC.replace("mode: oidc", "mode: cognito"),
            "`oidc:` is set but mode is cognito",
        ),
        (
            &EXISTING_POOL.replace("authentication:\n", "authentication:\n      mode: none\n"),
            "mode is none, yet a provider is set",
        ),
        (
            &OIDC.replace(
                "https://login.example.com/oauth/token",
                "http://login.example.com/token",
            ),
            "is not an HTTPS URL",
        ),
        (
            &OIDC.replace(
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:oidc-client-AbCdEf",
                "s3cr3t",
            ),
            "is not a Secrets Manager secret ARN",
        ),
        (
            &EXISTING_POOL.replace("userpool/us-east-1_AbCdEf123", "pool/x"),
            "is not a Cognito user pool ARN",
        ),
        ("    authentication:\n      mode: open\n", "mode"),
    ] {
        match try_synth(&alb(opts)) {
            Err(Error::Config(e)) => assert!(e.message.contains(message), "{opts}: {e}"),
            Err(Error::User(m)) => assert!(m.contains(message), "{opts}: {m}"),
            Err(other) => panic!("{opts}: {other}"),
            Ok(_) => panic!("{opts}: accepted"),
        }
    }
}
