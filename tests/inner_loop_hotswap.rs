//! `apply --hotswap` over the in-memory CloudFormation and Lambda: a handler
//! edit updates the function's code without a change set (todo, and a
//! service inside a nested stack of microservices), an environment edit
//! updates the variables, a memory change falls back to a change set saying
//! why, and a production stack is refused unless forced.

use std::path::Path;

use blueprint::assets::CodeSource;
use blueprint::blueprints::{find, Overrides};
use blueprint::commands::hotswap::{hotswap_with, Hotswap, HotswapRequest};
use blueprint::config::Source;
use blueprint::deploy::cloudformation::CloudFormation;
use blueprint::deploy::fake::FakeCloud;
use blueprint::deploy::fake_lambda::FakeLambda;
use blueprint::deploy::plan::Pending;
use blueprint::deploy::regions::Regions;
use blueprint::error::Error;
use blueprint::output::{Printer, Verbosity};
use blueprint::render::Format;
use blueprint::synthesis::{synthesize, Synthesized};

use crate::common::{applied, apply_request, block_on, cloud, fake, text};

/// Synthesizes `yaml` with the project's own `functions/` in `dir`.
fn synth_in(dir: &Path, blueprint: &str, yaml: &str) -> Synthesized {
    let source = Source {
        name: "blueprint.yaml".into(),
        text: yaml.into(),
    };
    let code = CodeSource::Project {
        blueprint: blueprint.into(),
        functions_dir: dir.join("functions"),
    };
    synthesize(
        find(blueprint).unwrap(),
        &source,
        &code,
        &Overrides::default(),
        Format::Yaml,
    )
    .unwrap()
}

fn handler(dir: &Path, function: &str, body: &str) {
    let d = dir.join("functions").join(function);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("handler.py"), body).unwrap();
}

fn apply(r: &Regions<FakeCloud>, s: &Synthesized) {
    applied(r, s);
}

fn hotswap(
    r: &Regions<FakeCloud>,
    l: &Regions<FakeLambda>,
    s: &Synthesized,
    force: bool,
) -> (Result<i32, Error>, String, String) {
    let (mut p, o, e) = Printer::capture(Verbosity::Normal);
    let mut ask = |_: &str| Ok(true);
    let req = HotswapRequest {
        apply: apply_request(),
        force,
    };
    let pending = Pending::default();
    let ctx = Hotswap {
        regions: r,
        functions: l,
        synth: s,
        req: &req,
        termination_protection: false,
        pending: &pending,
    };
    let code = block_on(hotswap_with(&ctx, &mut ask, &mut p));
    (code, text(&o), text(&e))
}

/// Lambda holding every function of the deployed stacks (root and nested),
/// by their fake physical IDs, with the deployed code keys.
fn lambda_for(r: &Regions<FakeCloud>, root: &str) -> Regions<FakeLambda> {
    let l = FakeLambda::new();
    let mut stacks = vec![root.to_string()];
    stacks.extend(fake(r).nested_stacks(root).into_iter().map(|n| n.id));
    for s in stacks {
        for res in block_on(fake(r).stack_resources(&s)).unwrap() {
            if res.resource_type == "AWS::Lambda::Function" {
                l.add_function(
                    res.physical_id.as_deref().unwrap(),
                    "old.zip",
                    &[("KEEP", "1")],
                );
            }
        }
    }
    Regions::single("us-east-1", l)
}

fn change_sets(r: &Regions<FakeCloud>) -> usize {
    fake(r)
        .calls()
        .iter()
        .filter(|c| c.starts_with("CreateChangeSet"))
        .count()
}

const TODO: &str = "blueprint: todo\nstack_name: todo\nregion: us-east-1\n";

#[test]
fn a_handler_edit_is_hot_swapped_without_a_change_set() {
    let dir = tempfile::tempdir().unwrap();
    handler(
        dir.path(),
        "api",
        "def handler(event, context):\n    return 1\n",
    );
    let r = cloud();
    apply(&r, &synth_in(dir.path(), "todo", TODO));
    let l = lambda_for(&r, "todo");
    let before = change_sets(&r);
    let hash = l
        .get("us-east-1")
        .unwrap()
        .function("phys-ApiFunction")
        .unwrap()
        .code_sha256;
    handler(
        dir.path(),
        "api",
        "def handler(event, context):\n    return 2\n",
    );
    let (code, out, err) = hotswap(&r, &l, &synth_in(dir.path(), "todo", TODO), false);
    assert_eq!(code.unwrap(), 0, "{out}{err}");
    assert!(
        out.starts_with("hot-swapped todo/ApiFunction (phys-ApiFunction): code ("),
        "{out}"
    );
    assert!(
        err.contains("stack `todo` now differs from its template"),
        "{err}"
    );
    assert_eq!(change_sets(&r), before, "no change set");
    let after = l
        .get("us-east-1")
        .unwrap()
        .function("phys-ApiFunction")
        .unwrap();
    assert_ne!(after.code_sha256, hash);
    assert_eq!(
        after.environment["KEEP"], "1",
        "the variables are left alone"
    );
    // The deployed template still has the old key until a full apply, but
    // the function already runs this package: nothing is updated again.
    let calls = l.get("us-east-1").unwrap().calls().len();
    let (code, out, err) = hotswap(&r, &l, &synth_in(dir.path(), "todo", TODO), false);
    assert_eq!(code.unwrap(), 0);
    assert_eq!(
        out, "No changes: every function already runs this code and environment.\n",
        "{err}"
    );
    assert!(
        err.contains("todo/ApiFunction (phys-ApiFunction) already runs this code and environment"),
        "{err}"
    );
    let again = &l.get("us-east-1").unwrap().calls()[calls..];
    assert!(
        again.iter().all(|c| c.starts_with("GetFunction")),
        "{again:?}"
    );
}

#[test]
fn a_function_swapped_in_an_earlier_round_is_not_swapped_again() {
    // Round 1 edits the API handler; round 2 changes only a variable: the
    // deployed template still has the old package key, but the function
    // runs the new one, so round 2 updates the variables alone (and says so).
    use blueprint::deploy::types::StackStatus;
    let dir = tempfile::tempdir().unwrap();
    let (s, r, l) = todo_edited(dir.path(), TODO);
    let (code, out, err) = hotswap(&r, &l, &s, false);
    assert_eq!(code.unwrap(), 0, "{out}{err}");
    assert!(out.contains("): code ("), "{out}");
    // As if the deployed template had another value for ADMIN_GROUP (and
    // still the old package key).
    let old = fake(&r).template("todo").unwrap();
    assert!(old.contains("ADMIN_GROUP: admin\n"));
    let deployed = old.replace("ADMIN_GROUP: admin\n", "ADMIN_GROUP: old\n");
    fake(&r).set_stack("todo", StackStatus::UpdateComplete, Some(&deployed));
    let calls = l.get("us-east-1").unwrap().calls().len();
    let (code, out, err) = hotswap(&r, &l, &s, false);
    assert_eq!(code.unwrap(), 0, "{out}{err}");
    assert_eq!(
        out, "hot-swapped todo/ApiFunction (phys-ApiFunction): environment (ADMIN_GROUP)\n",
        "{err}"
    );
    let updates: Vec<String> = l.get("us-east-1").unwrap().calls()[calls..]
        .iter()
        .filter(|c| c.starts_with("Update"))
        .cloned()
        .collect();
    assert_eq!(updates, ["UpdateFunctionConfiguration phys-ApiFunction"]);
}

#[test]
fn a_memory_change_falls_back_to_a_change_set_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    handler(
        dir.path(),
        "api",
        "def handler(event, context):\n    return 1\n",
    );
    let r = cloud();
    apply(&r, &synth_in(dir.path(), "todo", TODO));
    let l = lambda_for(&r, "todo");
    let before = change_sets(&r);
    let yaml = format!("{TODO}options:\n  function:\n    memory_mb: 1024\n");
    let (code, out, err) = hotswap(&r, &l, &synth_in(dir.path(), "todo", &yaml), false);
    assert_eq!(code.unwrap(), 0, "{out}{err}");
    assert!(err.contains("not hot-swappable, applying through a change set:\n  todo: ApiFunction (AWS::Lambda::Function) changes Properties.MemorySize"), "{err}");
    assert_eq!(change_sets(&r), before + 1);
    assert!(l
        .get("us-east-1")
        .unwrap()
        .calls()
        .iter()
        .all(|c| !c.starts_with("Update")));
}

#[test]
fn a_service_in_a_nested_stack_is_hot_swapped() {
    let dir = tempfile::tempdir().unwrap();
    handler(
        dir.path(),
        "users",
        "def handler(event, context):\n    return 1\n",
    );
    let yaml = "blueprint: microservices\nstack_name: shop\nregion: us-east-1\noptions:\n  services:\n    - name: users\n      table: true\n      routes: [{method: GET, path: \"/\"}]\n";
    let r = cloud();
    apply(&r, &synth_in(dir.path(), "microservices", yaml));
    let l = lambda_for(&r, "shop");
    let before = change_sets(&r);
    handler(
        dir.path(),
        "users",
        "def handler(event, context):\n    return 2\n",
    );
    let (code, out, err) = hotswap(&r, &l, &synth_in(dir.path(), "microservices", yaml), false);
    assert_eq!(code.unwrap(), 0, "{out}{err}");
    assert_eq!(change_sets(&r), before, "{out}{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("hot-swapped shop/"))
        .unwrap_or_else(|| panic!("{out}{err}"));
    assert!(
        line.contains("Service/") && line.contains(": code ("),
        "{line}"
    );
}

#[test]
fn a_production_stack_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let yaml =
        "blueprint: todo\nstack_name: todo\nregion: us-east-1\ntags:\n  environment: production\n";
    let (s, r, l) = todo_edited(dir.path(), yaml);
    let (code, _, _) = hotswap(&r, &l, &s, false);
    let err = code.unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(err.to_string().starts_with("refusing to hot-swap stack `todo`: it is marked as production (its tag environment: production)"), "{err}");
    assert!(l
        .get("us-east-1")
        .unwrap()
        .calls()
        .iter()
        .all(|c| !c.starts_with("Update")));
    let (code, out, err) = hotswap(&r, &l, &synth_in(dir.path(), "todo", yaml), true);
    assert_eq!(code.unwrap(), 0, "{out}{err}");
    assert!(out.starts_with("hot-swapped todo/ApiFunction"), "{out}");
}

#[test]
fn with_gradual_deploys_a_version_is_published_and_the_alias_moved() {
    let dir = tempfile::tempdir().unwrap();
    handler(
        dir.path(),
        "api",
        "def handler(event, context):\n    return 1\n",
    );
    let yaml = std::fs::read_to_string("tests/variants/todo-lambda-deploy.yaml").unwrap();
    let r = cloud();
    apply(&r, &synth_in(dir.path(), "todo", &yaml));
    let l = lambda_for(&r, "todo");
    let before = change_sets(&r);
    handler(
        dir.path(),
        "api",
        "def handler(event, context):\n    return 2\n",
    );
    let (code, out, err) = hotswap(&r, &l, &synth_in(dir.path(), "todo", &yaml), false);
    assert_eq!(code.unwrap(), 0, "{out}{err}");
    assert_eq!(change_sets(&r), before, "{out}{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("hot-swapped todo/ApiFunction "))
        .unwrap_or_else(|| panic!("{out}{err}"));
    assert!(line.ends_with(", version 1, alias live"), "{line}");
    let fake = l.get("us-east-1").unwrap();
    assert_eq!(fake.alias("phys-ApiFunction", "live").as_deref(), Some("1"));
    let calls = fake.calls();
    let order: Vec<&str> = calls
        .iter()
        .map(String::as_str)
        .filter(|c| c.starts_with("Update") || c.starts_with("Publish"))
        .collect();
    assert_eq!(
        order,
        [
            "UpdateFunctionCode phys-ApiFunction",
            "PublishVersion phys-ApiFunction",
            "UpdateAlias phys-ApiFunction:live"
        ]
    );
}

#[test]
fn a_changed_variable_is_hot_swapped_and_the_others_are_kept() {
    use blueprint::deploy::types::StackStatus;
    let dir = tempfile::tempdir().unwrap();
    handler(
        dir.path(),
        "api",
        "def handler(event, context):\n    return 1\n",
    );
    let s = synth_in(dir.path(), "todo", TODO);
    let r = cloud();
    apply(&r, &s);
    // As if the deployed template had another value for ADMIN_GROUP.
    let body = &s.templates[0].body;
    assert!(body.contains("ADMIN_GROUP: admin\n"));
    let deployed = body.replace("ADMIN_GROUP: admin\n", "ADMIN_GROUP: old\n");
    fake(&r).set_stack("todo", StackStatus::UpdateComplete, Some(&deployed));
    let l = lambda_for(&r, "todo");
    let before = change_sets(&r);
    let (code, out, err) = hotswap(&r, &l, &s, false);
    assert_eq!(code.unwrap(), 0, "{out}{err}");
    assert_eq!(
        out,
        "hot-swapped todo/ApiFunction (phys-ApiFunction): environment (ADMIN_GROUP)\n"
    );
    assert_eq!(change_sets(&r), before);
    let env = l
        .get("us-east-1")
        .unwrap()
        .function("phys-ApiFunction")
        .unwrap()
        .environment;
    assert_eq!(env["ADMIN_GROUP"], "admin");
    assert_eq!(
        env["KEEP"], "1",
        "variables the template did not change are left as deployed"
    );
}

const API: &str = "phys-ApiFunction";

/// todo with FN-DEPLOY (tests/variants/todo-lambda-deploy.yaml) applied,
/// Lambda holding its functions, and the API handler edited since: the
/// synthesized project, the cloud, Lambda.
fn gradual_todo_edited(dir: &Path) -> (Synthesized, Regions<FakeCloud>, Regions<FakeLambda>) {
    let yaml = std::fs::read_to_string("tests/variants/todo-lambda-deploy.yaml").unwrap();
    todo_edited(dir, &yaml)
}

/// A todo project (from `yaml`) deployed to a fresh fake cloud, a fake
/// Lambda holding its functions, and the API handler edited since: the
/// synthesized project, the cloud, Lambda.
fn todo_edited(dir: &Path, yaml: &str) -> (Synthesized, Regions<FakeCloud>, Regions<FakeLambda>) {
    handler(dir, "api", "def handler(event, context):\n    return 1\n");
    let r = cloud();
    apply(&r, &synth_in(dir, "todo", yaml));
    let l = lambda_for(&r, "todo");
    handler(dir, "api", "def handler(event, context):\n    return 2\n");
    (synth_in(dir, "todo", yaml), r, l)
}

/// The updates, publications and alias moves among `calls` from `from` on.
fn sent(l: &Regions<FakeLambda>, from: usize) -> Vec<String> {
    l.get("us-east-1").unwrap().calls()[from..]
        .iter()
        .filter(|c| c.starts_with("Update") || c.starts_with("Publish"))
        .cloned()
        .collect()
}

#[test]
fn a_round_that_failed_before_publishing_is_completed_by_the_next() {
    // Round 1 updates the code, then PublishVersion fails: the alias is left
    // on the old code. Round 2 finds $LATEST already running the package but
    // the alias not: it publishes and moves the alias, without re-sending
    // the code. Round 3 has nothing left to do.
    let dir = tempfile::tempdir().unwrap();
    let (s, r, l) = gradual_todo_edited(dir.path());
    let fake = l.get("us-east-1").unwrap();
    fake.fail_next("PublishVersion");
    let (code, out, err) = hotswap(&r, &l, &s, false);
    let e = code.unwrap_err();
    assert!(e.to_string().contains("PublishVersion"), "{e}\n{out}{err}");
    assert_eq!(
        sent(&l, 0),
        [
            format!("UpdateFunctionCode {API}"),
            format!("PublishVersion {API}")
        ]
    );
    assert_eq!(fake.alias(API, "live"), None);
    let calls = fake.calls().len();
    let (code, out, err) = hotswap(&r, &l, &s, false);
    assert_eq!(code.unwrap(), 0, "{out}{err}");
    assert_eq!(
        out,
        format!("hot-swapped todo/ApiFunction ({API}): version 1, alias live\n"),
        "{err}"
    );
    assert_eq!(
        sent(&l, calls),
        [
            format!("PublishVersion {API}"),
            format!("UpdateAlias {API}:live")
        ],
        "the code is not sent again"
    );
    assert_eq!(fake.alias(API, "live").as_deref(), Some("1"));
    let calls = fake.calls().len();
    let (code, out, err) = hotswap(&r, &l, &s, false);
    assert_eq!(code.unwrap(), 0, "{out}{err}");
    assert_eq!(
        out,
        "No changes: every function already runs this code and environment.\n"
    );
    assert_eq!(sent(&l, calls), Vec::<String>::new());
}

#[test]
fn an_alias_moved_back_by_hand_is_moved_to_the_new_code_again() {
    use blueprint::deploy::lambda::Functions;
    let dir = tempfile::tempdir().unwrap();
    let (s, r, l) = gradual_todo_edited(dir.path());
    let fake = l.get("us-east-1").unwrap();
    // As CloudFormation left it: version 1 (the old code) behind the alias.
    assert_eq!(
        block_on(fake.publish_version(API, "deployed")).unwrap(),
        "1"
    );
    block_on(fake.update_alias(API, "live", "1")).unwrap();
    let (code, out, err) = hotswap(&r, &l, &s, false);
    assert_eq!(code.unwrap(), 0, "{out}{err}");
    assert!(out.ends_with(", version 2, alias live\n"), "{out}");
    // Moved back by hand.
    block_on(fake.update_alias(API, "live", "1")).unwrap();
    let calls = fake.calls().len();
    let (code, out, err) = hotswap(&r, &l, &s, false);
    assert_eq!(code.unwrap(), 0, "{out}{err}");
    assert_eq!(
        out,
        format!("hot-swapped todo/ApiFunction ({API}): version 3, alias live\n"),
        "{err}"
    );
    assert_eq!(
        sent(&l, calls),
        [
            format!("PublishVersion {API}"),
            format!("UpdateAlias {API}:live")
        ]
    );
    assert_eq!(fake.alias(API, "live").as_deref(), Some("3"));
}

#[test]
fn a_round_with_nothing_to_change_notes_once_that_the_stack_still_differs() {
    // Round 1 hot-swaps the API handler; round 2 finds the function already
    // running it, while the deployed template keeps the old package key.
    let dir = tempfile::tempdir().unwrap();
    let (s, r, l) = todo_edited(dir.path(), TODO);
    let (code, out, err) = hotswap(&r, &l, &s, false);
    assert_eq!(code.unwrap(), 0, "{out}{err}");
    let (code, out, err) = hotswap(&r, &l, &s, false);
    deploy_snapshot!(crate::common::outcome(&code, &out, &err));
}

#[test]
fn after_a_full_apply_nothing_differs_and_nothing_is_said() {
    // Round 1 hot-swaps the API handler, a full apply reconciles the stack
    // with its template: the next round has nothing to change or report.
    let dir = tempfile::tempdir().unwrap();
    let (s, r, l) = todo_edited(dir.path(), TODO);
    let (code, out, err) = hotswap(&r, &l, &s, false);
    assert_eq!(code.unwrap(), 0, "{out}{err}");
    apply(&r, &s);
    let (code, out, err) = hotswap(&r, &l, &s, false);
    deploy_snapshot!(crate::common::outcome(&code, &out, &err));
}
