//! MICRO-4: `blueprint openapi` with real schemas. The built-in `users` and
//! `orders` services are typed (components, required fields, status codes,
//! error responses, query parameters); routes may declare their own JSON
//! Schemas, which on a REST API become API Gateway models checked by a
//! request validator; bad schemas are refused at file:line:col; the models'
//! logical IDs do not move when routes or services are added, removed or
//! reordered.

use std::collections::BTreeMap;
use std::path::Path;

use blueprint::assets::CodeSource;
use blueprint::blueprints::{find, Overrides};
use blueprint::config::Source;
use blueprint::render::Format;
use blueprint::synthesis::{synthesize, Synthesized};
use serde_json::{json, Value as Json};

use crate::common::{blueprint, command, input_header, run_and_format};

const VARIANT: &str = "tests/variants/microservices-schemas.yaml";

fn built_in() -> CodeSource {
    CodeSource::BuiltIn {
        blueprint: "microservices".into(),
    }
}

fn source(text: &str) -> Source {
    Source {
        name: "blueprint.yaml".into(),
        text: text.to_string(),
    }
}

fn document(text: &str, code: &CodeSource) -> Json {
    find("microservices")
        .unwrap()
        .openapi(&source(text), code, &Overrides::default())
        .unwrap()
        .unwrap()
}

fn defaults() -> String {
    find("microservices").unwrap().defaults().unwrap().text
}

fn synth(text: &str) -> Synthesized {
    synthesize(
        find("microservices").unwrap(),
        &source(text),
        &built_in(),
        &Overrides::default(),
        Format::Json,
    )
    .unwrap()
}

/// The resources of each service stack, by service (`OrdersService`).
fn service_resources(s: &Synthesized) -> BTreeMap<String, serde_json::Map<String, Json>> {
    s.nested
        .iter()
        .map(|n| {
            let t: Json = serde_json::from_str(&n.body).unwrap();
            let name = n.path.rsplit('/').next().unwrap().to_string();
            (name, t["Resources"].as_object().unwrap().clone())
        })
        .collect()
}

/// Every schema object in `v`, with where it is.
fn generic_bodies(v: &Json, at: &str, out: &mut Vec<String>) {
    match v {
        Json::Object(m) => {
            if m.get("schema") == Some(&json!({"type": "object"})) {
                out.push(at.to_string());
            }
            for (k, x) in m {
                generic_bodies(x, &format!("{at}/{k}"), out);
            }
        }
        Json::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                generic_bodies(x, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_default_document_is_typed() {
    let doc = document(&defaults(), &built_in());
    let mut generic = Vec::new();
    generic_bodies(&doc, "", &mut generic);
    assert_eq!(generic, Vec::<String>::new(), "untyped bodies");

    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let names: Vec<&str> = schemas.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "Error",
            "Order",
            "OrderInput",
            "OrderItem",
            "OrderList",
            "User",
            "UserInput",
            "UserList",
            "UserUpdate"
        ]
    );
    assert_eq!(
        schemas["User"]["required"],
        json!(["id", "name", "email", "createdAt", "updatedAt"])
    );
    assert_eq!(schemas["UserInput"]["required"], json!(["name", "email"]));
    assert_eq!(
        schemas["UserList"]["properties"]["nextToken"]["nullable"],
        true
    );
    assert_eq!(
        schemas["Order"]["properties"]["status"]["enum"],
        json!(["pending", "paid", "cancelled"])
    );
    assert_eq!(
        schemas["OrderInput"]["properties"]["items"]["items"],
        json!({"$ref": "#/components/schemas/OrderItem"})
    );

    let paths = &doc["paths"];
    let post = &paths["/users"]["post"];
    assert_eq!(
        post["requestBody"],
        json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UserInput"}}}})
    );
    let codes = |op: &Json| -> Vec<String> {
        op["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(codes(post), ["201", "400", "default"]);
    assert_eq!(
        post["responses"]["201"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/User"})
    );
    let delete = &paths["/users/{userId}"]["delete"];
    assert_eq!(codes(delete), ["204", "404", "default"]);
    assert!(delete["responses"]["204"].get("content").is_none());
    assert_eq!(
        codes(&paths["/users/{userId}"]["put"]),
        ["200", "400", "404", "default"]
    );
    assert_eq!(
        codes(&paths["/orders/{orderId}"]["get"]),
        ["200", "404", "default"]
    );
    let query: Vec<&str> = paths["/users"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(query, ["limit", "nextToken"]);
    assert_eq!(
        paths["/users"]["get"]["parameters"][0]["schema"],
        json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 25})
    );
    assert_eq!(
        paths["/orders"]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/OrderList"})
    );
}

#[test]
fn a_service_with_changed_code_keeps_generic_bodies() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("functions/users")).unwrap();
    std::fs::write(dir.path().join("functions/users/handler.py"), "x = 1\n").unwrap();
    let code = CodeSource::Project {
        blueprint: "microservices".into(),
        functions_dir: dir.path().join("functions"),
    };
    let doc = document(&defaults(), &code);
    assert_eq!(
        doc["paths"]["/users"]["post"]["responses"]["200"]["content"]["application/json"]["schema"],
        json!({"type": "object"})
    );
    assert!(doc["components"]["schemas"].get("User").is_none());
    // orders still runs the built-in handler: not in the project, or an
    // unchanged copy (as `blueprint new` writes it).
    std::fs::create_dir_all(dir.path().join("functions/orders")).unwrap();
    std::fs::copy(
        "blueprints/microservices/functions/orders/handler.py",
        dir.path().join("functions/orders/handler.py"),
    )
    .unwrap();
    let doc = document(&defaults(), &code);
    assert_eq!(
        doc["paths"]["/orders"]["post"]["responses"]["201"]["content"]["application/json"]
            ["schema"],
        json!({"$ref": "#/components/schemas/Order"})
    );
}

#[test]
fn declared_schemas_become_models_and_a_validator() {
    let text = std::fs::read_to_string(VARIANT).unwrap();
    let s = synth(&text);
    let services = service_resources(&s);
    let orders = &services["OrdersService"];
    let model = &orders["ApiPostModel"];
    assert_eq!(
        model,
        &json!({
            "Type": "AWS::ApiGateway::Model",
            "Metadata": {"BlueprintRequirements": ["MICRO-2", "MICRO-4"]},
            "Properties": {
                "ContentType": "application/json",
                "Description": "Request body of POST /orders",
                "RestApiId": {"Ref": "RestApiId"},
                "Schema": {
                    "$schema": "http://json-schema.org/draft-04/schema#",
                    "type": "object",
                    "required": ["userId", "items"],
                    "additionalProperties": false,
                    "properties": {
                        "userId": {"type": "string", "minLength": 1, "maxLength": 128},
                        "items": {
                            "type": "array", "minItems": 1, "maxItems": 100,
                            "items": {
                                "type": "object",
                                "required": ["sku", "quantity", "price"],
                                "additionalProperties": false,
                                "properties": {
                                    "sku": {"type": "string", "minLength": 1, "maxLength": 64},
                                    "quantity": {"type": "integer", "minimum": 1, "maximum": 10000},
                                    "price": {"type": "number", "minimum": 0,
                                              "description": "An amount in the order's currency"}
                                }
                            }
                        }
                    }
                }
            }
        })
    );
    assert_eq!(
        orders["ApiRequestValidator"],
        json!({
            "Type": "AWS::ApiGateway::RequestValidator",
            "Metadata": {"BlueprintRequirements": ["MICRO-2", "MICRO-4"]},
            "Properties": {
                "Name": "orders-requests",
                "RestApiId": {"Ref": "RestApiId"},
                "ValidateRequestBody": true,
                "ValidateRequestParameters": false
            }
        })
    );
    let post = &orders["ApiPost"]["Properties"];
    assert_eq!(
        post["RequestModels"],
        json!({"application/json": {"Ref": "ApiPostModel"}})
    );
    assert_eq!(
        post["RequestValidatorId"],
        json!({"Ref": "ApiRequestValidator"})
    );
    // Routes without a request schema are not validated.
    let get = &orders["ApiOrderIdGet"]["Properties"];
    assert!(get.get("RequestModels").is_none());
    assert!(get.get("RequestValidatorId").is_none());
    // The quotes service: a `$ref` to a named schema, inlined in the model.
    let quotes = &services["QuotesService"];
    assert_eq!(
        quotes["ApiQuoteIdPutModel"]["Properties"]["Schema"]["properties"]["price"],
        json!({"type": "number", "minimum": 0, "description": "An amount in the order's currency"})
    );
    // Query parameters: declared on the method, and the validator checks them.
    let get = &quotes["ApiGet"]["Properties"];
    assert_eq!(
        get["RequestParameters"],
        json!({"method.request.querystring.currency": true, "method.request.querystring.limit": false})
    );
    assert_eq!(
        get["RequestValidatorId"],
        json!({"Ref": "ApiRequestValidator"})
    );
    assert!(get.get("RequestModels").is_none());
    assert_eq!(
        quotes["ApiRequestValidator"]["Properties"]["ValidateRequestParameters"],
        true
    );
    let models = |r: &serde_json::Map<String, Json>| {
        r.values()
            .filter(|v| v["Type"] == "AWS::ApiGateway::Model")
            .count()
    };
    assert_eq!(models(&services["UsersService"]), 1);
    assert!(s.warnings.iter().all(|w| !w.contains("not enforced")));

    // The document: named schemas as components, referred to as written.
    let doc = document(&text, &built_in());
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["Money"],
        json!({"type": "number", "minimum": 0, "description": "An amount in the order's currency"})
    );
    let put = &doc["paths"]["/quotes/{quoteId}"]["put"];
    assert_eq!(
        put["requestBody"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/LineItem"})
    );
    assert_eq!(put["responses"]["200"]["description"], "The priced line");
    assert_eq!(put["responses"]["404"]["description"], "Not Found");
    // The validator's own 400.
    assert_eq!(
        put["responses"]["400"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/Error"})
    );
    assert_eq!(
        doc["paths"]["/users"]["post"]["requestBody"]["description"],
        "A new user"
    );
    assert_eq!(
        doc["paths"]["/quotes"]["get"]["parameters"],
        json!([
            // quotes runs the built-in orders code: its `userId` filter,
            // then the route's own (its `limit` replaces the built-in one).
            {"name": "userId", "in": "query", "required": false,
             "description": "Only this user's orders", "schema": {"type": "string"}},
            {"name": "currency", "in": "query", "required": true, "description": "ISO 4217 code",
             "schema": {"type": "string", "enum": ["EUR", "USD"]}},
            {"name": "limit", "in": "query", "required": false,
             "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
        ])
    );
    assert!(doc["paths"]["/quotes"]["get"].get("requestBody").is_none());
}

#[test]
fn the_deployment_changes_with_a_model() {
    let text = std::fs::read_to_string(VARIANT).unwrap();
    let deployment = |text: &str| -> String {
        let s = synth(text);
        let root: Json = serde_json::from_str(&s.templates[0].body).unwrap();
        root["Resources"]
            .as_object()
            .unwrap()
            .keys()
            .find(|k| k.starts_with("ApiDeployment"))
            .unwrap()
            .clone()
    };
    let changed = text.replace("maxLength: 128}", "maxLength: 100}");
    assert_ne!(text, changed);
    assert_ne!(deployment(&text), deployment(&changed));
}

#[test]
fn http_apis_and_load_balancers_warn_that_schemas_are_not_enforced() {
    let text = std::fs::read_to_string(VARIANT).unwrap();
    let http = text.replace("options:\n", "options:\n  api:\n    type: http\n");
    let s = synth(&http);
    let warning = s
        .warnings
        .iter()
        .find(|w| w.contains("not enforced"))
        .expect("a warning");
    assert!(
        warning.contains("POST /users, POST /orders, GET /quotes, PUT /quotes/{quoteId}"),
        "{warning}"
    );
    assert!(warning.contains("HTTP API"), "{warning}");
    for (_, resources) in service_resources(&s) {
        assert!(resources
            .values()
            .all(|r| r["Type"] != "AWS::ApiGateway::Model"));
    }
    let alb = text.replace(
        "options:\n",
        "options:\n  front: alb\n  alb:\n    certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/0b0c0d0e-1111-2222-3333-444455556666\n",
    );
    let s = synth(&alb);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("Application Load Balancer") && w.contains("POST /orders")),
        "{:?}",
        s.warnings
    );
    // The document is the same whatever enforces it, less the validator's 400.
    let doc = document(&http, &built_in());
    assert!(doc["paths"]["/quotes/{quoteId}"]["put"]["responses"]
        .get("400")
        .is_none());
}

/// The models, validators and validated methods of every service stack.
fn validation(s: &Synthesized) -> BTreeMap<(String, String), Json> {
    let mut out = BTreeMap::new();
    for (service, resources) in service_resources(s) {
        for (id, r) in resources {
            let kind = r["Type"].as_str().unwrap();
            let validated = kind == "AWS::ApiGateway::Method"
                && r["Properties"].get("RequestValidatorId").is_some();
            if validated
                || kind == "AWS::ApiGateway::Model"
                || kind == "AWS::ApiGateway::RequestValidator"
            {
                out.insert((service.clone(), id), r);
            }
        }
    }
    out
}

#[test]
fn model_ids_do_not_move_when_routes_and_services_change() {
    let text = std::fs::read_to_string(VARIANT).unwrap();
    let before = validation(&synth(&text));
    assert_eq!(before.len(), 10, "{:?}", before.keys());

    // Routes reordered, a route and a service added in front.
    let reordered = text
        .replace(
            "      routes:\n        - {method: GET, path: \"/\"}\n        - method: POST",
            "      routes:\n        - {method: GET, path: \"/extra\"}\n        - method: POST",
        )
        .replace(
            "  services:\n",
            "  services:\n    - name: audit\n      code: orders\n      routes:\n        - method: POST\n          path: /\n          request:\n            schema: {type: object}\n",
        );
    let after = validation(&synth(&reordered));
    for (key, r) in &before {
        assert_eq!(after.get(key), Some(r), "{key:?} moved or changed");
    }
    assert!(after.contains_key(&("AuditService".into(), "ApiPostModel".into())));

    // A service removed: the others keep theirs.
    let start = text.find("    - name: users").unwrap();
    let end = text.find("    - name: orders").unwrap();
    let removed = format!("{}{}", &text[..start], &text[end..]);
    let after = validation(&synth(&removed));
    for (key, r) in &before {
        if key.0 != "UsersService" {
            assert_eq!(after.get(key), Some(r), "{key:?} moved or changed");
        }
    }
}

// ---------------------------------------------------------------------------
// Bad input: located, exit 1, nothing written
// ---------------------------------------------------------------------------

const HEAD: &str = "blueprint: microservices\nstack_name: t\nregion: us-east-1\noptions:\n";

fn post_with(schema: &str) -> String {
    format!(
        "{HEAD}  services:\n    - name: users\n      routes:\n        - method: POST\n          path: /\n          request:\n            schema:\n{schema}"
    )
}

/// `synth` and `openapi` in `dir` with `text` as its project file: each must
/// fail with exit code 1 and write nothing; the file and the outputs go to
/// `all`, for a snapshot.
fn refused(all: &mut Vec<String>, dir: &Path, text: &str) {
    std::fs::write(dir.join("blueprint.yaml"), text).unwrap();
    let out = dir.join("out");
    let mut shown = input_header("blueprint.yaml", text);
    for args in [
        &["synth", "--out", "out"][..],
        &["openapi", "--out", "out/api.json"][..],
    ] {
        let (run, o) = run_and_format(command().current_dir(dir).args(args));
        assert_eq!(o.status.code(), Some(1), "{run}");
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
        shown.push_str(&run);
    }
    all.push(shown);
}

#[test]
fn bad_schemas_are_refused_where_they_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut all = Vec::new();
    // A wrong type, at depth.
    refused(&mut all, d, &post_with("              type: object\n              properties:\n                name: {type: strng}\n"));
    // Unknown keywords at every depth, block and flow style.
    refused(&mut all, d, &post_with("              typ: object\n"));
    refused(&mut all, d, &post_with("              type: object\n              properties:\n                tags:\n                  type: array\n                  items:\n                    type: object\n                    propertes: {}\n"));
    refused(&mut all, d, &format!("{HEAD}  services:\n    - {{name: users, routes: [{{method: POST, path: /, request: {{schema: {{type: object, properties: {{a: {{type: string, nullable: true}}}}}}}}}}]}}\n"));
    refused(
        &mut all,
        d,
        &post_with("              $schema: http://json-schema.org/draft-04/schema#\n"),
    );
    // Empty and null.
    refused(&mut all, d, &post_with("              {}\n"));
    refused(&mut all, d, &post_with(""));
    // Wrong kinds of values.
    refused(
        &mut all,
        d,
        &post_with("              type: string\n              maxLength: -1\n"),
    );
    refused(
        &mut all,
        d,
        &post_with("              type: object\n              required: []\n"),
    );
    refused(
        &mut all,
        d,
        &post_with("              type: [string, 'null']\n"),
    );
    // Dangling and recursive references.
    refused(
        &mut all,
        d,
        &post_with("              $ref: \"#/components/schemas/Nope\"\n"),
    );
    refused(
        &mut all,
        d,
        &post_with("              $ref: \"http://example.com/schema.json\"\n"),
    );
    refused(&mut all, d, &format!("{HEAD}  schemas:\n    A: {{type: object, properties: {{b: {{$ref: \"#/components/schemas/B\"}}}}}}\n    B: {{type: array, items: {{$ref: \"#/components/schemas/A\"}}}}\n  services:\n    - name: users\n      routes:\n        - {{method: GET, path: /}}\n"));
    // Duplicate names: a YAML duplicate, and a built-in name.
    refused(&mut all, d, &format!("{HEAD}  schemas:\n    A: {{type: string}}\n    A: {{type: object}}\n  services:\n    - name: users\n      routes:\n        - {{method: GET, path: /}}\n"));
    refused(&mut all, d, &format!("{HEAD}  schemas:\n    User: {{type: object}}\n  services:\n    - name: users\n      routes:\n        - {{method: GET, path: /}}\n"));
    refused(&mut all, d, &format!("{HEAD}  schemas:\n    my-schema: {{type: object}}\n  services:\n    - name: users\n      routes:\n        - {{method: GET, path: /}}\n"));
    // Huge: too deep, too many keywords.
    let mut deep = String::from("              type: array\n");
    let mut indent = 14;
    for _ in 0..13 {
        deep.push_str(&format!("{}items:\n", " ".repeat(indent)));
        indent += 2;
        deep.push_str(&format!("{}type: array\n", " ".repeat(indent)));
    }
    refused(&mut all, d, &post_with(&deep));
    let mut wide = String::from("              type: object\n              properties:\n");
    for i in 0..1001 {
        wide.push_str(&format!("                p{i}: {{type: string}}\n"));
    }
    refused(&mut all, d, &post_with(&wide));
    // Keys of the route.
    refused(&mut all, d, &format!("{HEAD}  services:\n    - name: users\n      routes:\n        - method: POST\n          path: /\n          request:\n            shema: {{type: string}}\n"));
    refused(&mut all, d, &format!("{HEAD}  services:\n    - name: users\n      routes:\n        - method: GET\n          path: /\n          request:\n            schema: {{type: object}}\n"));
    refused(&mut all, d, &format!("{HEAD}  services:\n    - name: users\n      routes:\n        - method: POST\n          path: /\n          request: {{description: nothing}}\n"));
    refused(&mut all, d, &format!("{HEAD}  services:\n    - name: users\n      routes:\n        - method: GET\n          path: /\n          request:\n            query:\n              \"a b\": {{required: true}}\n"));
    refused(&mut all, d, &format!("{HEAD}  services:\n    - name: users\n      routes:\n        - method: GET\n          path: /\n          request:\n            query:\n              limit: {{required: yes}}\n"));
    refused(&mut all, d, &format!("{HEAD}  services:\n    - name: users\n      routes:\n        - method: GET\n          path: /\n          request:\n            query:\n              limit: {{schema: {{type: integer, minimum: one}}}}\n"));
    refused(&mut all, d, &format!("{HEAD}  services:\n    - name: users\n      routes:\n        - method: POST\n          path: /\n          responses:\n            700: {{description: x}}\n"));
    refused(&mut all, d, &format!("{HEAD}  services:\n    - name: users\n      routes:\n        - method: DELETE\n          path: /\n          responses:\n            204: {{schema: {{type: object}}}}\n"));
    redacted_snapshot!(all.join("\n"));
}

#[test]
fn schema_files_are_read_from_inside_the_project_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.join("schemas")).unwrap();
    std::fs::write(
        d.join("schemas/line.json"),
        r##"{"type": "object", "required": ["sku"], "properties": {"sku": {"type": "string"}, "price": {"$ref": "#/components/schemas/Money"}}}"##,
    )
    .unwrap();
    std::fs::write(
        d.join("schemas/bad.json"),
        "{\n  \"type\": \"object\",\n  \"propertes\": {}\n}\n",
    )
    .unwrap();
    std::fs::write(d.join("schemas/broken.json"), "{\"type\": \"object\"\n").unwrap();
    std::fs::write(
        d.join("schemas/dangling.json"),
        r##"{"$ref": "#/components/schemas/Nope"}"##,
    )
    .unwrap();
    std::fs::write(outside.path().join("x.json"), r#"{"type": "string"}"#).unwrap();
    std::os::unix::fs::symlink(outside.path().join("x.json"), d.join("schemas/link.json")).unwrap();
    std::os::unix::fs::symlink(outside.path(), d.join("elsewhere")).unwrap();
    let project = |file: &str| {
        format!("{HEAD}  schemas:\n    Money: {{type: number, minimum: 0}}\n  services:\n    - name: users\n      routes:\n        - method: POST\n          path: /\n          request:\n            schema_file: {file}\n          responses:\n            200:\n              schema_file: schemas/line.json\n")
    };

    // Read, checked, `$ref`s inlined into the model and kept in the document.
    std::fs::write(d.join("blueprint.yaml"), project("schemas/line.json")).unwrap();
    blueprint()
        .current_dir(d)
        .args(["synth", "--out", "out", "-f", "json"])
        .assert()
        .success();
    let nested = std::fs::read_dir(d.join("out/assets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".template.json"))
        .unwrap();
    let t: Json = serde_json::from_str(&std::fs::read_to_string(nested).unwrap()).unwrap();
    assert_eq!(
        t["Resources"]["ApiPostModel"]["Properties"]["Schema"],
        json!({"$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "required": ["sku"],
               "properties": {"sku": {"type": "string"}, "price": {"type": "number", "minimum": 0}}})
    );
    std::fs::remove_dir_all(d.join("out")).unwrap();
    let out = blueprint()
        .current_dir(d)
        .args(["openapi"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: Json = serde_json::from_slice(&out.stdout).unwrap();
    let post = &doc["paths"]["/users"]["post"];
    assert_eq!(
        post["requestBody"]["content"]["application/json"]["schema"]["properties"]["price"],
        json!({"$ref": "#/components/schemas/Money"})
    );
    assert_eq!(
        post["responses"]["200"]["content"]["application/json"]["schema"]["required"],
        json!(["sku"])
    );

    let mut all = Vec::new();
    for file in [
        "../x.json",
        "/etc/x.json",
        "schemas/line.yaml",
        "schemas/missing.json",
        "schemas/link.json",
        "elsewhere/x.json",
        "schemas/bad.json",
        "schemas/broken.json",
        "schemas/dangling.json",
    ] {
        refused(&mut all, d, &project(file));
    }
    refused(&mut all, d, &project("schemas/line.json").replace(
            "            schema_file: schemas/line.json\n          responses",
            "            schema_file: schemas/line.json\n            schema: {type: object}\n          responses",
        ));
    redacted_snapshot!(all.join("\n"));
}
