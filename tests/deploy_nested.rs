//! Nested stacks through plan, apply, status and destroy, over the in-memory
//! CloudFormation (which makes nested change sets from its own view and
//! enforces stack policies while it executes): the paths moto cannot show
//! (nested change sets, replacements inside a nested stack, a failure deep
//! in the tree, the policy in force at execution). What is printed is
//! snapshotted whole (`deploy_nested__TEST-STEP.snap`); the calls on the
//! fake, what it holds and the policies it enforced are assertions.

use blueprint::assets::CodeSource;
use blueprint::blueprints::{find, Overrides};
use blueprint::commands::apply::{apply_with, ApplyRequest};
use blueprint::commands::destroy::{destroy_with, DestroyRequest};
use blueprint::commands::plan::{plan_with, PlanRequest};
use blueprint::commands::status::{status_with, StatusRequest};
use blueprint::config::Source;
use blueprint::deploy::fake::FakeCloud;
use blueprint::deploy::regions::Regions;
use blueprint::deploy::types::Replacement;
use blueprint::deploy::watch::ProgressMode;
use blueprint::error::Error;
use blueprint::output::{OutputFormat, Printer, Verbosity};
use blueprint::render::Format;
use blueprint::synthesis::Synthesized;
use serde_json::Value as Json;

use crate::common::{block_on, cloud, deploy_args, fake, outcome, synth_project, text};

/// A microservices project: `users` (memory as given) and, unless dropped,
/// `orders`; each with a table.
fn synth(users_memory: u32, with_orders: bool, retention: u32) -> Synthesized {
    let mut text = format!(
        "blueprint: microservices\nstack_name: shop\nregion: us-east-1\noptions:\n  log_retention_days: {retention}\n  services:\n    - name: users\n      memory_mb: {users_memory}\n      table: true\n      routes: [{{method: GET, path: \"/\"}}]\n"
    );
    if with_orders {
        text.push_str(
            "    - name: orders\n      table: true\n      routes: [{method: GET, path: \"/\"}]\n",
        );
    }
    synth_project("microservices", text)
}

fn plan_as(r: &Regions<FakeCloud>, s: &Synthesized, output: OutputFormat) -> (i32, String) {
    let (mut p, o, _) = Printer::capture(Verbosity::Normal);
    let req = PlanRequest {
        deploy: deploy_args(),
        out: None,
        output,
    };
    let code = block_on(plan_with(r, s, &req, &mut p)).unwrap();
    (code, text(&o))
}

fn plan(r: &Regions<FakeCloud>, s: &Synthesized) -> (i32, String) {
    plan_as(r, s, OutputFormat::Text)
}

fn apply(
    r: &Regions<FakeCloud>,
    s: &Synthesized,
    allow: &[&str],
    protection: bool,
) -> (Result<i32, Error>, String, String) {
    let (mut p, o, e) = Printer::capture(Verbosity::Normal);
    let req = ApplyRequest {
        deploy: deploy_args(),
        planfile: None,
        yes: true,
        allow_data_loss: allow.iter().map(|s| s.to_string()).collect(),
        progress: ProgressMode::Events,
        outputs_file: None,
    };
    let mut ask = |_: &str| Ok(true);
    let r = block_on(apply_with(r, s, &req, &mut ask, protection, &mut p));
    (r, text(&o), text(&e))
}

/// A deployed two-service project.
fn deployed_shop() -> Regions<FakeCloud> {
    let r = cloud();
    let (res, out, err) = apply(&r, &synth(256, true, 30), &[], false);
    assert_eq!(res.unwrap(), 0, "{out}{err}");
    r
}

fn nested_names(r: &Regions<FakeCloud>) -> Vec<String> {
    let mut ids: Vec<String> = fake(r)
        .nested_stacks("shop")
        .into_iter()
        .map(|n| n.logical_id)
        .collect();
    ids.sort();
    ids
}

/// The policy statements that deny, as (actions, resources).
fn denied(policy: &str) -> Vec<String> {
    let doc: Json = serde_json::from_str(policy).unwrap();
    doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Effect"] == "Deny")
        .flat_map(|s| s["Resource"].as_array().cloned().unwrap_or_default())
        .map(|r| {
            r.as_str()
                .unwrap()
                .trim_start_matches("LogicalResourceId/")
                .to_string()
        })
        .collect()
}

#[test]
fn nested_templates_and_packages_are_uploaded_before_any_change_set() {
    let r = cloud();
    let s = synth(256, true, 30);
    let (code, out) = plan(&r, &s);
    assert_eq!(code, 2, "{out}");
    let calls = fake(&r).calls();
    let first_change_set = calls
        .iter()
        .position(|c| c.starts_with("CreateChangeSet"))
        .unwrap();
    assert!(!s.nested.is_empty());
    for n in &s.nested {
        assert!(fake(&r).has_object("assets-bucket", &n.key), "{}", n.key);
        let put = calls
            .iter()
            .position(|c| c == &format!("PutObject {}", n.key))
            .unwrap();
        assert!(put < first_change_set, "{calls:?}");
    }
    // Plan lists the nested stacks it would create with their resources.
    deploy_snapshot!(outcome(&Ok(code), &out, ""));
    // Uploaded once: the next plan finds them there.
    let before = fake(&r).calls().len();
    plan(&r, &s);
    assert!(!fake(&r).calls()[before..]
        .iter()
        .any(|c| c.starts_with("PutObject")));
}

#[test]
fn a_memory_change_in_one_service_is_planned_under_its_path() {
    let r = deployed_shop();
    assert_eq!(nested_names(&r), ["OrdersService", "UsersService"]);
    let (code, out) = plan(&r, &synth(256, true, 30));
    assert_eq!(
        (code, out.as_str()),
        (0, "Stack shop (us-east-1): no changes\nNo changes.\n")
    );
    let (code, out) = plan(&r, &synth(512, true, 30));
    deploy_snapshot!(outcome(&Ok(code), &out, ""));
    assert_eq!(code, 2, "{out}");
    // The JSON plan carries the tree.
    let (_, json) = plan_as(&r, &synth(512, true, 30), OutputFormat::Json);
    let doc: Json = serde_json::from_str(&json).unwrap();
    let nested = &doc["stacks"][0]["nested"][0];
    assert_eq!(nested["path"], "UsersService");
    assert_eq!(nested["action"], "update");
    assert_eq!(nested["diff"]["resources"][0]["logical_id"], "Function");
    assert_eq!(nested["change_set"]["changes"][0]["logical_id"], "Function");
    let (res, out, err) = apply(&r, &synth(512, true, 30), &[], false);
    assert_eq!(res.unwrap(), 0, "{out}{err}");
    let users = fake(&r)
        .nested_stacks("shop")
        .into_iter()
        .find(|n| n.logical_id == "UsersService")
        .unwrap();
    let template: Json = serde_json::from_str(&fake(&r).template_of(&users.id).unwrap()).unwrap();
    assert_eq!(
        template["Resources"]["Function"]["Properties"]["MemorySize"],
        512
    );
}

#[test]
fn removing_a_service_is_data_loss_by_path_and_refused_unless_allowed() {
    let r = deployed_shop();
    let without = synth(256, false, 30);
    let (code, out) = plan(&r, &without);
    deploy_snapshot!(outcome(&Ok(code), &out, ""), "plan");
    assert_eq!(code, 3, "{out}");
    let (_, json) = plan_as(&r, &without, OutputFormat::Json);
    let doc: Json = serde_json::from_str(&json).unwrap();
    let mut loss: Vec<String> = doc["stacks"][0]["data_loss"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    loss.sort();
    for path in ["OrdersService/FunctionLogGroup", "OrdersService/Table"] {
        assert!(loss.contains(&path.to_string()), "{loss:?}");
    }
    for path in &loss {
        assert!(path.starts_with("OrdersService/"), "{loss:?}");
    }
    // Refused: nothing changes.
    let (res, out, err) = apply(&r, &without, &[], false);
    deploy_snapshot!(outcome(&res, &out, &err), "refused");
    assert!(res.is_err());
    assert_eq!(nested_names(&r), ["OrdersService", "UsersService"]);
    // Allowing only some of it is still refused.
    let (res, _, _) = apply(&r, &without, &["OrdersService/Table"], false);
    assert!(res.is_err());
    assert_eq!(nested_names(&r), ["OrdersService", "UsersService"]);
    // Allowed by path (with or without the stack name): it goes through.
    let allowed: Vec<String> = loss
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i == 0 {
                format!("shop/{p}")
            } else {
                p.clone()
            }
        })
        .collect();
    let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
    let (res, out, err) = apply(&r, &without, &allowed, false);
    assert_eq!(res.unwrap(), 0, "{out}{err}");
    assert_eq!(nested_names(&r), ["UsersService"]);
    // The policy in force at execution: the removed nested stack was
    // allowed to go (everything at risk in it was accepted); everything else
    // that holds data stayed protected, in the root and in UsersService.
    let policies = fake(&r).policies_at_execute();
    let last = policies.last().unwrap();
    let (root, root_policy) = &last[0];
    assert_eq!(root, "shop");
    let root_denied = denied(root_policy.as_deref().unwrap());
    assert!(
        root_denied.contains(&"UsersService".to_string()),
        "{root_denied:?}"
    );
    assert!(
        !root_denied.contains(&"OrdersService".to_string()),
        "{root_denied:?}"
    );
    assert!(
        root_denied.contains(&"ApiAccessLogs".to_string()),
        "{root_denied:?}"
    );
    // After the apply, full protection again.
    let after = denied(&fake(&r).policy("shop").unwrap());
    assert!(after.contains(&"UsersService".to_string()), "{after:?}");
}

#[test]
fn the_policy_at_execution_protects_every_nested_stack_the_update_touches() {
    let r = deployed_shop();
    let (res, out, err) = apply(&r, &synth(512, true, 30), &[], false);
    assert_eq!(res.unwrap(), 0, "{out}{err}");
    let last = fake(&r).policies_at_execute().last().cloned().unwrap();
    let users = last
        .iter()
        .find(|(name, _)| name.starts_with("shop-UsersService-"))
        .unwrap();
    let users_denied = denied(users.1.as_deref().unwrap());
    assert!(
        users_denied.contains(&"Table".to_string()),
        "{users_denied:?}"
    );
    assert!(
        users_denied.contains(&"FunctionLogGroup".to_string()),
        "{users_denied:?}"
    );
    let root_denied = denied(last[0].1.as_deref().unwrap());
    for id in ["UsersService", "OrdersService", "ApiAccessLogs"] {
        assert!(root_denied.contains(&id.to_string()), "{root_denied:?}");
    }
}

#[test]
fn a_replacement_only_the_nested_change_set_reveals_is_data_loss_and_the_allowed_one_goes_through()
{
    let r = deployed_shop();
    // The offline diff sees an update in place of the log group's
    // retention; CloudFormation (scripted) says it replaces it.
    fake(&r).override_replacement("UsersService/FunctionLogGroup", Replacement::True);
    let changed = synth(256, true, 60);
    let (code, out) = plan(&r, &changed);
    deploy_snapshot!(outcome(&Ok(code), &out, ""), "plan");
    assert_eq!(code, 3, "{out}");
    let (res, out, err) = apply(&r, &changed, &[], false);
    deploy_snapshot!(outcome(&res, &out, &err), "refused");
    assert!(res.is_err());
    // Allowed: the policy must let exactly that replacement through, or the
    // fake (which enforces it) fails the update.
    let (res, out, err) = apply(
        &r,
        &changed,
        &[
            "UsersService/FunctionLogGroup",
            "OrdersService/FunctionLogGroup",
        ],
        false,
    );
    assert_eq!(res.unwrap(), 0, "{out}{err}");
}

#[test]
fn a_failure_inside_a_nested_stack_is_reported_by_its_root_cause() {
    let r = deployed_shop();
    fake(&r).fail_next_execute(
        "UsersService/Function",
        "MemorySize is over the account's limit",
    );
    let (res, out, err) = apply(&r, &synth(1024, true, 30), &[], false);
    deploy_snapshot!(outcome(&res, &out, &err), "apply");
    assert!(res.is_err());
    // status names the same root cause.
    let (mut p, o, _) = Printer::capture(Verbosity::Normal);
    let req = StatusRequest {
        deploy: deploy_args(),
        watch: false,
        output: OutputFormat::Text,
    };
    let res = block_on(status_with(&r, &synth(1024, true, 30), &req, &mut p));
    deploy_snapshot!(outcome(&res, &text(&o), ""), "status");
    res.unwrap();
}

#[test]
fn destroy_lists_what_nested_stacks_keep_by_physical_id() {
    let r = deployed_shop();
    let (mut p, o, _) = Printer::capture(Verbosity::Normal);
    let req = DestroyRequest {
        deploy: deploy_args(),
        yes: true,
        disable_termination_protection: false,
        progress: ProgressMode::Quiet,
    };
    let mut ask = |_: &str| Ok(true);
    let code = block_on(destroy_with(
        &r,
        &synth(256, true, 30),
        &req,
        &mut ask,
        &mut p,
    ))
    .unwrap();
    deploy_snapshot!(outcome(&Ok(code), &text(&o), ""));
    assert_eq!(code, 0);
    assert!(fake(&r)
        .stack_names()
        .iter()
        .all(|n| !n.starts_with("shop")));
}

#[test]
fn an_endpoint_without_termination_protection_still_applies_and_says_so() {
    let r = cloud();
    fake(&r).termination_protection_unsupported();
    let (res, out, err) = apply(&r, &synth(256, true, 30), &[], true);
    deploy_snapshot!(outcome(&res, &out, &err));
    assert_eq!(res.unwrap(), 0, "{out}{err}");
}

#[test]
fn without_nested_change_sets_the_template_diff_alone_is_shown_and_said() {
    let r = deployed_shop();
    fake(&r).without_nested_change_sets();
    let (code, out) = plan(&r, &synth(512, true, 30));
    deploy_snapshot!(outcome(&Ok(code), &out, ""));
    assert_eq!(code, 2, "{out}");
}

/// A project of `n` services (one table each) in the given order.
fn services(order: &[usize]) -> blueprint::commands::project::ResolvedProject {
    let mut text = String::from(
        "blueprint: microservices\nstack_name: big\nregion: us-east-1\noptions:\n  services:\n",
    );
    for i in order {
        text.push_str(&format!(
            "    - name: svc{i:04}\n      code: orders\n      table: true\n      routes: [{{method: GET, path: \"/\"}}]\n"
        ));
    }
    blueprint::commands::project::ResolvedProject {
        blueprint: find("microservices").unwrap(),
        source: Source {
            name: "big.yaml".into(),
            text,
        },
        code: CodeSource::BuiltIn {
            blueprint: "microservices".into(),
        },
        placement_file: None,
        environment: None,
    }
}

#[test]
fn a_lost_placement_file_never_moves_a_deployed_service() {
    use blueprint::commands::plan::follow_deployed_placement;
    let n = 430;
    let first: Vec<usize> = (1..=n).collect();
    let project = services(&first);
    let (deployed_synth, _) = project
        .synthesize(&Overrides::default(), Format::Yaml)
        .unwrap();
    assert!(!deployed_synth.splits.is_empty(), "the project must split");
    let r = cloud();
    let (res, out, err) = apply(&r, &deployed_synth, &[], false);
    assert_eq!(res.unwrap(), 0, "{out}{err}");
    // Reversed, with no placement file: plain next fit would move services
    // between the root and the overflow stack.
    let reversed: Vec<usize> = first.iter().rev().copied().collect();
    let project = services(&reversed);
    let (naive, _) = project
        .synthesize(&Overrides::default(), Format::Yaml)
        .unwrap();
    assert_ne!(naive.placement, deployed_synth.placement);
    let (code, out) = plan(&r, &naive);
    assert_eq!(
        code, 3,
        "without the deployed placement, services would move: {out}"
    );
    // Following the deployed stacks: nothing moves, nothing is lost.
    let (kept, note) = block_on(follow_deployed_placement(
        &r,
        &project,
        &Overrides::default(),
        naive,
    ))
    .unwrap();
    deploy_snapshot!(note.unwrap(), "note");
    assert_eq!(kept.placement, deployed_synth.placement);
    let (code, out) = plan(&r, &kept);
    assert!(!out.contains(": remove"), "{out}");
    assert!(!out.contains("DATA LOSS"), "{out}");
    assert!(code == 0 || code == 2, "{out}");
    // Already in place: nothing to follow.
    let (_, note) = block_on(follow_deployed_placement(
        &r,
        &project,
        &Overrides::default(),
        kept,
    ))
    .unwrap();
    assert!(note.is_none());
}
