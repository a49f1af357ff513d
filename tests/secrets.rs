//! Secrets and parameters (issue 16, item 4): environment variables naming
//! an SSM parameter or a Secrets Manager secret. The template holds names
//! and dynamic references only; the function's role may read exactly the
//! values the function reads at run time; every wrong input is refused at
//! its file:line:col with nothing written.

use serde_json::{json, Value};

use crate::common::{blueprint, of_type, statements, synth_named};

const HEAD: &str = "blueprint: microservices
stack_name: s
region: us-east-1
options:
  services:
    - name: orders
      routes:
        - {method: GET, path: \"/\"}
      environment:
";

/// `synth` of a project whose orders service has `environment` (lines
/// indented under `environment:`): exit 1, exactly `expected` on stderr,
/// nothing written but the project file.
fn refused(environment: &str, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("blueprint.yaml"),
        format!("{HEAD}{environment}"),
    )
    .unwrap();
    let assert = blueprint()
        .current_dir(dir.path())
        .args(["synth", "--out", "out"])
        .assert()
        .code(1);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr, expected, "for:\n{environment}");
    let entries: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, vec![std::ffi::OsString::from("blueprint.yaml")]);
}

const AT: &str = "error: blueprint.yaml:10:";
const VAR: &str = "options.services[0].environment.A";

#[test]
fn a_wrong_type_is_refused() {
    refused(
        "        A: [x]\n",
        &format!("{AT}12: {VAR}: expected text, `{{ ssm: NAME }}` or `{{ secret: NAME }}`, found a list\n"),
    );
    refused(
        "        A: {ssm: [x]}\n",
        &format!("{AT}18: {VAR}.ssm: expected a single value, found a list\n"),
    );
    refused(
        "        A: {ssm: /a, secure: \"yes\"}\n",
        &format!("{AT}30: {VAR}.secure: expected true or false, found the text \"yes\"\n"),
    );
}

#[test]
fn null_and_empty_are_refused() {
    refused(
        "        A: ~\n",
        &format!("{AT}12: {VAR}: an environment variable cannot be null: write text (quoted, like \"\" for none), `{{ ssm: NAME }}` or `{{ secret: NAME }}`\n"),
    );
    refused(
        "        A: {}\n",
        &format!("{AT}12: {VAR}: a value kept elsewhere names an SSM parameter (`{{ ssm: /my/parameter }}`) or a Secrets Manager secret (`{{ secret: my-secret }}`)\n"),
    );
    refused(
        "        A: {ssm: \"\"}\n",
        &format!(
            "{AT}18: {VAR}.ssm: `ssm` is empty: name an SSM parameter, like `/orders/db-host`\n"
        ),
    );
    refused(
        "        A: {secret: \"\"}\n",
        &format!("{AT}21: {VAR}.secret: `secret` is empty: name a Secrets Manager secret, like `orders/db`\n"),
    );
}

#[test]
fn names_aws_would_refuse_are_refused() {
    refused(
        "        A: {ssm: \"/a b\"}\n",
        &format!("{AT}18: {VAR}.ssm: `ssm`: `/a b` is not an SSM parameter name: the character U+0020 is not allowed (letters, digits and `_ . - /` are)\n"),
    );
    refused(
        "        A: {ssm: orders/db}\n",
        &format!("{AT}18: {VAR}.ssm: `ssm`: `orders/db` is not an SSM parameter name: a path starts with `/` and has no empty or trailing segment (like `/orders/db-host`)\n"),
    );
    refused(
        "        A: {ssm: /aws/x}\n",
        &format!("{AT}18: {VAR}.ssm: `ssm`: `/aws/x` is not a parameter of yours: names starting with `aws` or `ssm` are reserved by AWS (its public ones are under `/aws/service/`)\n"),
    );
    refused(
        "        A: {secret: \"a:b\"}\n",
        &format!("{AT}21: {VAR}.secret: `secret`: `a:b` is not a secret name: `:` is not allowed (letters, digits and `/ _ + = . @ -` are)\n"),
    );
    refused(
        "        A: {secret: \"arn:aws:secretsmanager:us-east-1:123456789012:secret:db\"}\n",
        &format!("{AT}21: {VAR}.secret: `secret`: `arn:aws:secretsmanager:us-east-1:123456789012:secret:db` is not a secret's ARN (`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf`); or give the secret's name\n"),
    );
    refused(
        "        A: {secret: x, kms_key: alias/x}\n",
        &format!("{AT}33: {VAR}.kms_key: `kms_key`: `alias/x` is not a KMS key ARN (`arn:aws:kms:REGION:ACCOUNT:key/KEY-ID`)\n"),
    );
}

/// A dynamic reference written as text would put a secret's value into the
/// function's configuration.
#[test]
fn a_hand_written_dynamic_reference_is_refused() {
    refused(
        "        A: \"{{resolve:secretsmanager:orders/db:SecretString:password}}\"\n",
        &format!("{AT}12: {VAR}: a dynamic reference (`{{{{resolve:...}}}}`) is not text blueprint passes on: write `{{ ssm: NAME }}` for an SSM parameter or `{{ secret: NAME }}` for a secret (the function reads it at run time; resolved by CloudFormation, its value would be in the function's configuration)\n"),
    );
}

#[test]
fn a_huge_name_is_refused() {
    let name = format!("/{}", "a".repeat(2_000));
    refused(
        &format!("        A: {{ssm: {name}}}\n"),
        &format!("{AT}18: {VAR}.ssm: `ssm`: the parameter name `/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…` (2001 characters) is 2001 characters long; SSM allows 1011\n"),
    );
}

#[test]
fn both_or_contradicting_keys_are_refused() {
    refused(
        "        A: {ssm: /a, secret: b}\n",
        &format!("{AT}18: {VAR}.ssm: `ssm` and `secret` both given: name one place the value is kept, an SSM parameter (`ssm:`) or a Secrets Manager secret (`secret:`)\n"),
    );
    refused(
        "        A: {secret: x, secure: true}\n",
        &format!("{AT}32: {VAR}.secure: `secure` is for SSM parameters; a Secrets Manager secret is always read by the function at run time\n"),
    );
    refused(
        "        A: {ssm: /a, kms_key: arn:aws:kms:us-east-1:123456789012:key/k}\n",
        &format!("{AT}31: {VAR}.kms_key: `kms_key` is for a SecureString parameter the function reads (`secure: true`); CloudFormation reads a String parameter itself\n"),
    );
}

#[test]
fn unknown_keys_are_refused_at_every_depth() {
    refused(
        "        A: {ssm: /a, sekure: true}\n",
        &format!("{AT}22: {VAR}.sekure: unknown key; expected one of `ssm`, `secret`, `secure`, `kms_key`\n  help: did you mean the key `secure`?\n"),
    );
    refused(
        "        A:\n          secret: x\n          value: {deep: 1}\n",
        "error: blueprint.yaml:12:11: options.services[0].environment.A.value: unknown key; expected one of `ssm`, `secret`, `secure`, `kms_key`\n",
    );
    refused(
        "        A:\n          ssm: /a\n          ssm: /b\n",
        "error: blueprint.yaml:12:11: options.services[0].environment.A.ssm: duplicate key `ssm` (first at blueprint.yaml:11:11)\n  help: a key may appear only once in a mapping: remove one of them\n",
    );
}

/// The orders service's template of the documented variant.
fn orders_template() -> Value {
    let text = std::fs::read_to_string("tests/variants/microservices-secrets.yaml").unwrap();
    let s = synth_named("microservices", "microservices-secrets", &text);
    let nested = s
        .nested
        .iter()
        .find(|n| n.path.ends_with("OrdersService"))
        .expect("the orders service's nested stack");
    serde_json::from_str(&nested.body).unwrap()
}

#[test]
fn the_environment_holds_names_and_references_only() {
    let t = orders_template();
    let functions = of_type(&t, "AWS::Lambda::Function");
    let vars = &functions[0].1["Properties"]["Environment"]["Variables"];
    assert_eq!(vars["CURRENCY"], json!("EUR"));
    assert_eq!(vars["DB_HOST"], json!("{{resolve:ssm:/orders/db-host}}"));
    assert_eq!(vars["API_TOKEN"], json!("/orders/api-token"));
    assert_eq!(vars["DB_PASSWORD"], json!("orders/db"));
    assert_eq!(vars["SIGNING_KEY"], json!("orders/signing"));
}

/// The role may read the SecureString and the two secrets, each by its
/// own ARN, and decrypt with the secret's key through Secrets Manager only;
/// nothing for the String parameter CloudFormation resolves, nothing on
/// `*`. The service without such variables gets none of it.
#[test]
fn the_role_reads_exactly_the_named_values() {
    let t = orders_template();
    let roles = of_type(&t, "AWS::IAM::Role");
    let reads: Vec<Value> = statements(roles[0].1)
        .into_iter()
        .filter(|s| {
            s["Action"].as_array().unwrap().iter().any(|a| {
                let a = a.as_str().unwrap();
                a.starts_with("ssm:") || a.starts_with("secretsmanager:") || a.starts_with("kms:")
            })
        })
        .collect();
    assert_eq!(
        reads,
        vec![
            json!({"Sid": "ReadOwnParameters", "Effect": "Allow",
                "Action": ["ssm:GetParameter", "ssm:GetParameters"],
                "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/orders/api-token"}]}),
            json!({"Sid": "ReadOwnSecrets", "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": [
                    {"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:orders/db-??????"},
                    {"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:orders/signing-??????"}]}),
            json!({"Sid": "DecryptOwnSecretsThroughSecretsManager", "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": ["arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
                "Condition": {"StringEquals": {"kms:ViaService": [{"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}]}}}),
        ]
    );
    let text = std::fs::read_to_string("tests/variants/microservices-secrets.yaml").unwrap();
    let s = synth_named("microservices", "microservices-secrets", &text);
    let users = s
        .nested
        .iter()
        .find(|n| n.path.ends_with("UsersService"))
        .unwrap();
    for word in ["ssm:", "secretsmanager:", "kms:", "orders/"] {
        assert!(!users.body.contains(word), "{word} in the users service");
    }
}

/// Numbers and booleans written plainly stay the variable's text, as before
/// a value could be a mapping.
#[test]
fn plain_numbers_and_booleans_are_text() {
    let s = synth_named(
        "microservices",
        "numbers",
        &format!(
            "{HEAD}        PORT: 8080\n        DEBUG: true\n        NEG: -3\n        RATE: 0.5\n"
        ),
    );
    let t: Value = serde_json::from_str(&s.nested[0].body).unwrap();
    let vars = &of_type(&t, "AWS::Lambda::Function")[0].1["Properties"]["Environment"]["Variables"];
    assert_eq!(vars["PORT"], json!("8080"));
    assert_eq!(vars["DEBUG"], json!("true"));
    assert_eq!(vars["NEG"], json!("-3"));
    assert_eq!(vars["RATE"], json!("0.5"));
}

/// Through the in-memory CloudFormation: a deployed project whose String
/// parameter is renamed plans the change of the reference, old to new, and
/// the secret's name; nothing else is there to show (blueprint never reads
/// a value).
#[test]
fn a_plan_shows_references_and_names() {
    use blueprint::commands::plan::{plan_with, PlanRequest};
    use blueprint::output::{OutputFormat, Printer, Verbosity};

    use crate::common::{applied, block_on, cloud, deploy_args, synth_project, text};

    let project = |parameter: &str| {
        format!(
            "{HEAD}        DB_HOST: {{ssm: {parameter}}}\n        DB_PASSWORD: {{secret: orders/db}}\n"
        )
    };
    let r = cloud();
    applied(
        &r,
        &synth_project("microservices", project("/orders/db-host")),
    );
    let next = synth_project("microservices", project("/orders/db-host-2"));
    let (mut p, o, e) = Printer::capture(Verbosity::Normal);
    let req = PlanRequest {
        deploy: deploy_args(),
        out: None,
        output: OutputFormat::Text,
    };
    let code = block_on(plan_with(&r, &next, &req, &mut p));
    let (out, err) = (text(&o), text(&e));
    assert_eq!(code.unwrap(), 2, "{out}{err}");
    assert!(
        out.contains("{{resolve:ssm:/orders/db-host}}")
            && out.contains("{{resolve:ssm:/orders/db-host-2}}"),
        "{out}"
    );
}
