//! `environments:` and `--env` (issue 16, item 3): the overlay's effect on
//! the template, `explain` and `graph`; every class of bad input in
//! `environments:` located at its key, with nothing written; the account
//! guard through the in-memory CloudFormation.

use blueprint::commands::apply::apply_with;
use blueprint::commands::destroy::{destroy_with, DestroyRequest};
use blueprint::commands::plan::{plan_with, synthesize_project, PlanRequest};
use blueprint::commands::project::ProjectArgs;
use blueprint::deploy::watch::ProgressMode;
use blueprint::deploy::Refusal;
use blueprint::error::Error;
use blueprint::output::{OutputFormat, Printer, Verbosity};

use crate::common::{apply_request, block_on, cloud, command, deploy_args, fake, project};

/// The todo blueprint's documented defaults with two environments.
fn todo_with(environments: &str) -> String {
    let defaults = include_str!("../blueprints/todo/blueprint.yaml");
    format!("{defaults}\n{environments}")
}

const ENVIRONMENTS: &str = "\
environments:
  dev:
    stack_name: todo-dev
    tags:
      environment: dev
    termination_protection: false
    options:
      cache: dax
  prod:
    stack_name: todo-prod
    account: \"111122223333\"
    region: eu-west-1
    options:
      function: {memory_mb: 1024}
      log_retention_days: 365
";

fn synth_stdout(path: &std::path::Path, env: Option<&str>) -> String {
    let mut c = command();
    c.arg("synth").arg("-c").arg(path).arg("--stdout");
    if let Some(e) = env {
        c.args(["--env", e]);
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The template of an environment, as a diff against the project's: only
/// what the overlay changes.
#[test]
fn env_synth_differs_from_the_project_by_the_overlay() {
    let dir = tempfile::tempdir().unwrap();
    let path = project(dir.path(), &todo_with(ENVIRONMENTS));
    let base = synth_stdout(&path, None);
    let prod = synth_stdout(&path, Some("prod"));
    let diff = similar::TextDiff::from_lines(&base, &prod)
        .unified_diff()
        .context_radius(1)
        .header("todo", "todo --env prod")
        .to_string();
    snapshot!("synth-prod-diff", diff);
    // Without an environment, the file synthesizes as it did before.
    let builtin = command()
        .args(["synth", "todo", "--stdout"])
        .output()
        .unwrap();
    assert_eq!(base.as_bytes(), builtin.stdout);
}

#[test]
fn explain_and_graph_honour_the_env() {
    let dir = tempfile::tempdir().unwrap();
    let path = project(dir.path(), &todo_with(ENVIRONMENTS));
    for cmd in ["explain", "graph"] {
        let run = |env: Option<&str>| {
            let mut c = command();
            c.arg(cmd).arg("-c").arg(&path);
            if let Some(e) = env {
                c.args(["--env", e]);
            }
            let out = c.output().unwrap();
            assert!(out.status.success(), "{cmd}");
            String::from_utf8(out.stdout).unwrap()
        };
        // `dev` turns the DAX cache on; the project leaves it off.
        assert!(!run(None).contains("DaxCluster"), "{cmd}");
        assert!(run(Some("dev")).contains("DaxCluster"), "{cmd}");
    }
}

#[test]
fn unknown_env_and_env_without_environments() {
    let dir = tempfile::tempdir().unwrap();
    let path = project(dir.path(), &todo_with(ENVIRONMENTS));
    let out = dir.path().join("out");
    cli_snapshot!(
        command()
            .current_dir(dir.path())
            .args(["synth", "--env", "prdo", "-o", "out"]),
        "nearest"
    );
    cli_snapshot!(
        command().args(["synth", "todo", "--env", "dev", "--stdout"]),
        "no-environments"
    );
    assert!(!out.exists());
    assert!(path.is_file());
}

/// Every class of bad input in `environments:`: each is refused with exit 1
/// at the file:line:col of its key, and nothing is written.
#[test]
fn bad_environments_are_located() {
    let cases: &[(&str, &str)] = &[
        ("wrong type", "environments: 5"),
        ("a list", "environments: [dev]"),
        ("null", "environments:"),
        ("empty", "environments: {}"),
        ("env null", "environments:\n  dev:"),
        ("env wrong type", "environments:\n  dev: prod"),
        ("env name", "environments:\n  \"dev env\": {}"),
        ("env name empty", "environments:\n  \"\": {}"),
        (
            "duplicate env",
            "environments:\n  dev: {stack_name: a}\n  dev: {stack_name: b}",
        ),
        ("unknown key", "environments:\n  dev:\n    stak_name: todo-dev"),
        ("blueprint in env", "environments:\n  dev:\n    blueprint: blog"),
        (
            "unknown option deep",
            "environments:\n  dev:\n    options:\n      table:\n        biling: provisioned",
        ),
        (
            "option out of range",
            "environments:\n  dev:\n    options:\n      function:\n        memory_mb: 20000",
        ),
        (
            "option wrong type",
            "environments:\n  dev:\n    options:\n      function: {timeout_seconds: [1]}",
        ),
        (
            "option combination",
            "environments:\n  dev:\n    options:\n      cache: api\n      api: {type: http}",
        ),
        ("options a list", "environments:\n  dev:\n    options: [cache]"),
        (
            "account as number",
            "environments:\n  dev:\n    account: 123456789012",
        ),
        (
            "account short",
            "environments:\n  dev:\n    account: \"12345\"",
        ),
        ("account null", "environments:\n  dev:\n    account:"),
        ("stack name", "environments:\n  dev:\n    stack_name: 9lives"),
        ("region", "environments:\n  dev:\n    region: mars-1"),
        ("tags null", "environments:\n  dev:\n    tags:"),
        (
            "tags merged too many",
            "environments:\n  dev:\n    tags: {aws:x: y}",
        ),
        (
            "termination protection",
            "environments:\n  dev:\n    termination_protection: yes",
        ),
        (
            "huge name",
            "environments:\n  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: {}",
        ),
        (
            "tag in overlay",
            "environments:\n  dev:\n    options: !Ref x",
        ),
    ];
    let mut all = String::new();
    for (name, env) in cases {
        let dir = tempfile::tempdir().unwrap();
        let body = todo_with(env);
        let path = project(dir.path(), &body);
        let out = command()
            .current_dir(dir.path())
            .args(["synth", "--env", "dev", "-o", "out"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(!dir.path().join("out").exists(), "{name}: wrote output");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), body, "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        // Located past the built-in part of the file (271 lines).
        let line: usize = err
            .split(':')
            .nth(2)
            .and_then(|l| l.parse().ok())
            .unwrap_or_else(|| panic!("{name}: no line in {err}"));
        assert!(line > 271, "{name}: {err}");
        all.push_str(&format!("# {name}\n{env}\n{err}\n"));
    }
    snapshot!("bad-environments", all);
}

#[test]
fn flow_style_works_and_equals_block_style() {
    let dir = tempfile::tempdir().unwrap();
    let block = project(dir.path(), &todo_with(ENVIRONMENTS));
    let block = synth_stdout(&block, Some("prod"));
    let flow = "environments: {prod: {stack_name: todo-prod, account: \"111122223333\", region: eu-west-1, options: {function: {memory_mb: 1024}, log_retention_days: 365}}}";
    let path = project(dir.path(), &todo_with(flow));
    assert_eq!(synth_stdout(&path, Some("prod")), block);
}

/// The merged project keeps the project's values the overlay leaves out and
/// replaces lists whole.
#[test]
fn lists_replace_and_maps_merge() {
    let dir = tempfile::tempdir().unwrap();
    let text = "blueprint: microservices\nstack_name: shop\nregion: us-east-1\ntags: {team: a, cost: x}\noptions:\n  services:\n    - {name: orders, code: orders, table: true, routes: [{method: GET, path: /orders}]}\n    - {name: users, code: orders, routes: [{method: GET, path: /users}]}\nenvironments:\n  dev:\n    tags: {cost: y}\n    options:\n      services:\n        - {name: users, code: orders, routes: [{method: GET, path: /users}]}\n";
    let path = project(dir.path(), text);
    let args = |env: Option<&str>| ProjectArgs {
        config: Some(path.clone()),
        env: env.map(str::to_string),
        ..Default::default()
    };
    let dev = synthesize_project(&args(Some("dev"))).unwrap();
    let tags: Vec<(String, String)> = dev
        .expansion
        .project
        .tags
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(
        tags,
        [("team".into(), "a".into()), ("cost".into(), "y".into())]
    );
    let base = synthesize_project(&args(None)).unwrap();
    assert!(base.templates[0].body.contains("OrdersService"));
    assert!(!dev.templates[0].body.contains("OrdersService"));
    assert!(dev.templates[0].body.contains("UsersService"));
    let env = dev.environment.as_ref().unwrap();
    assert_eq!((env.name.as_str(), env.account.is_none()), ("dev", true));
    assert!(base.environment.is_none());
}

/// An environment's `overrides:` merge over the project's, resource by
/// resource and path by path, and are checked like the project's own (an
/// unknown property is located in the environment, with the nearest name).
#[test]
fn overrides_merge_per_environment() {
    let dir = tempfile::tempdir().unwrap();
    let text = todo_with(
        "overrides:\n  TodoTable:\n    set:\n      Properties.TableClass: STANDARD\n      Properties.ContributorInsightsSpecification: {Enabled: true}\nenvironments:\n  dev:\n    overrides:\n      TodoTable:\n        set:\n          Properties.TableClass: STANDARD_INFREQUENT_ACCESS\n  prod:\n    overrides:\n",
    );
    let path = project(dir.path(), &text);
    let base = synth_stdout(&path, None);
    let dev = synth_stdout(&path, Some("dev"));
    let prod = synth_stdout(&path, Some("prod"));
    assert!(base.contains("TableClass: STANDARD\n"), "{base}");
    assert!(
        dev.contains("TableClass: STANDARD_INFREQUENT_ACCESS\n"),
        "{dev}"
    );
    // The project's other override is kept in the environment.
    assert!(dev.contains("ContributorInsightsSpecification"), "{dev}");
    // `overrides:` with nothing under it changes nothing.
    assert_eq!(prod, base);

    let bad = text.replace("STANDARD_INFREQUENT_ACCESS", "X").replace(
        "          Properties.TableClass: X",
        "          Properties.TableKlass: X",
    );
    let path = project(dir.path(), &bad);
    let out = command()
        .args(["synth", "--env", "dev", "--out"])
        .arg(dir.path().join("out"))
        .arg("-c")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let line = bad.lines().position(|l| l.contains("TableKlass")).unwrap() + 1;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("blueprint.yaml:{line}:"))
            && err.contains("environments.dev.overrides.TodoTable.set.Properties.TableKlass")
            && err.contains("did you mean `TableClass`?"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
}

fn synth_env(env: &str, account: Option<&str>) -> blueprint::synthesis::Synthesized {
    let dir = tempfile::tempdir().unwrap();
    let account = account
        .map(|a| format!("    account: \"{a}\"\n"))
        .unwrap_or_default();
    let text = format!(
        "blueprint: todo\nstack_name: todo\nregion: us-east-1\nenvironments:\n  {env}:\n    stack_name: todo-{env}\n{account}"
    );
    let path = project(dir.path(), &text);
    synthesize_project(&ProjectArgs {
        config: Some(path),
        env: Some(env.into()),
        ..Default::default()
    })
    .unwrap()
}

fn wrong_account(r: Result<i32, Error>) -> bool {
    matches!(
        r,
        Err(Error::Refused(Refusal::WrongAccount { ref expected, ref actual, .. }))
            if expected == "111122223333" && actual == "999988887777"
    )
}

/// Against another account, plan, apply and destroy refuse before asking
/// CloudFormation anything: the fake was asked who the caller is, nothing
/// else.
#[test]
fn the_wrong_account_is_refused_before_anything_changes() {
    let s = synth_env("prod", Some("111122223333"));
    let r = cloud();
    fake(&r).set_account("999988887777");
    let (mut p, _, _) = Printer::capture(Verbosity::Normal);
    let mut yes = |_: &str| Ok(true);
    let applied = block_on(apply_with(&r, &s, &apply_request(), &mut yes, true, &mut p));
    let message = applied.as_ref().err().map(ToString::to_string);
    assert!(wrong_account(applied), "{message:?}");
    assert!(message.unwrap().contains("environment `prod`"));
    let plan = PlanRequest {
        deploy: deploy_args(),
        out: None,
        output: OutputFormat::Text,
    };
    assert!(wrong_account(block_on(plan_with(&r, &s, &plan, &mut p))));
    let destroy = DestroyRequest {
        deploy: deploy_args(),
        yes: true,
        disable_termination_protection: true,
        progress: ProgressMode::Events,
    };
    assert!(wrong_account(block_on(destroy_with(
        &r, &s, &destroy, &mut yes, &mut p
    ))));
    assert_eq!(fake(&r).calls(), vec!["GetCallerIdentity"; 3]);
    assert!(fake(&r)
        .stack_names()
        .iter()
        .all(|n| n == "blueprint-toolkit"));
}

/// With the environment's own account, apply goes on and creates the
/// environment's stack; without a guard, nobody is asked.
#[test]
fn the_right_account_deploys_the_env_stack() {
    let s = synth_env("prod", Some("111122223333"));
    let r = cloud();
    fake(&r).set_account("111122223333");
    let (mut p, _, _) = Printer::capture(Verbosity::Normal);
    let mut yes = |_: &str| Ok(true);
    let code = block_on(apply_with(&r, &s, &apply_request(), &mut yes, true, &mut p));
    assert_eq!(code.unwrap(), 0);
    assert_eq!(fake(&r).calls()[0], "GetCallerIdentity");
    assert!(fake(&r).stack_names().contains(&"todo-prod".to_string()));

    let s = synth_env("dev", None);
    let r = cloud();
    let code = block_on(apply_with(&r, &s, &apply_request(), &mut yes, true, &mut p));
    assert_eq!(code.unwrap(), 0);
    assert!(!fake(&r).calls().contains(&"GetCallerIdentity".to_string()));
    assert!(fake(&r).stack_names().contains(&"todo-dev".to_string()));
}
